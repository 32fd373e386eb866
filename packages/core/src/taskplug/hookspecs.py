"""The hook specifications of taskplug: the whole contract between the core and its plugins.

Every hook is prefixed ``taskplug_``. Each docstring says who calls it, when, what a return value
means, and whether the hook is ``firstresult`` (the first non-``None`` answer wins and later
implementations are not called) or collects from every implementation. Plugins implement only
the hooks they need, with any subset of the parameters (pluggy passes what is asked for).

The contract is versioned: :data:`API_VERSION` is ``"MAJOR.MINOR"``. A plugin module declares the
version it was written against as ``TASKPLUG_API_VERSION = "1.0"``. It is accepted when the majors
are equal and its minor is not newer than the core's; otherwise it is refused with a warning that
says which versions are involved, and the rest of taskplug keeps working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.accelerators import AcceleratorCatalogue
    from taskplug.context import ExecutionParameters
    from taskplug.extended_resources import ExtendedResourcesProposal
    from taskplug.registry import TaskTypeRegistry
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask
    from taskplug.types.engine import TypeTransformerRegistry

#: Version of this hook contract; bump MINOR when hooks are added, MAJOR when one changes.
API_VERSION = "1.0"

#: The pluggy project name; also the entry-point group plugins are published under.
PROJECT = "taskplug"

hookspec = pluggy.HookspecMarker(PROJECT)


# --------------------------------------------------------------------------------------------
# Set-up: called once, while the plugin manager is being built.
# --------------------------------------------------------------------------------------------


@hookspec(historic=True)
def taskplug_add_hookspecs(pluginmanager: pluggy.PluginManager) -> None:
    """Add hook specifications of a plugin's own (``pluginmanager.add_hookspecs(module)``).

    Caller: the plugin manager, right after each plugin registers. ``historic``: plugins
    registered later are called too. Return value: ignored.
    """


@hookspec
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Register task types: ``registry.add(task_class, config_type=..., plugin=...)``.

    Caller: the plugin manager, once, after all plugins are loaded. A config class may be
    claimed by one task class only; a second claim raises ``DuplicateRegistrationError`` naming
    both plugins. Return value: ignored.
    """


@hookspec
def taskplug_register_type_transformers(registry: TypeTransformerRegistry) -> None:
    """Contribute type transformers: ``registry.register(transformer)``.

    Caller: the type engine, the first time it looks a Python type up. Return value: ignored.
    """


@hookspec
def taskplug_register_accelerators(catalogue: AcceleratorCatalogue) -> None:
    """Add devices, their legal partitions and their Kubernetes resource names to the catalogue.

    ``catalogue.add_device(device, resource_name=..., partitions=[...], node_label=...,
    tolerations=[...])`` registers a device; ``catalogue.add_partition(device, name, kind=...)``
    adds a partition, also to a device another plugin registered. A device or partition
    registered twice raises :class:`~taskplug.errors.DuplicateRegistrationError` naming both
    plugins. The built-in devices (flytekit's list, MIG profiles, TPU slices) are registered by
    the built-in plugin ``accelerators`` through this same hook.

    Caller: :func:`taskplug.accelerators.catalogue`, once per plugin manager, on first use (the
    first task declared with an accelerator); rebuilt when the manager is replaced or a plugin
    implementing this hook is registered. Implementations run one at a time in pluggy order
    (see :func:`taskplug_get_extended_resources`). Return value: ignored.
    """


# --------------------------------------------------------------------------------------------
# Declaration: called when a task object is created.
# --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def taskplug_task_class_for_config(task_config: object) -> type[PythonTask[Any]] | None:
    """Pick the task class that handles ``task_config`` (e.g. ``@task(task_config=Pod(...))``).

    Caller: ``@task``, when a ``task_config`` is given. ``firstresult``: the first class
    returned wins. Returning ``None`` defers to the next plugin and finally to the classes
    registered through :func:`taskplug_register_task_types`.
    """


@hookspec
def taskplug_configure_task(task: PythonTask[Any]) -> None:
    """Apply platform defaults and policy to a task that has just been declared.

    Caller: the task constructor, once per task, after its own arguments are set and checked;
    the task is checked again after every implementation ran (so a default set here, such as
    ``task.accelerator = "nvidia-tesla-t4"``, is validated against the accelerator catalogue
    and normalized). Implementations may set attributes (a default accelerator, shared
    memory, environment variables) or raise :class:`taskplug.errors.PolicyError` to refuse the
    task. Every implementation is called (``tryfirst`` ones first, ``trylast`` ones last; put
    refusals in ``trylast`` so they see the defaults). Return value: ignored.
    """


# --------------------------------------------------------------------------------------------
# Serialization: called by ``serialize(task, settings)``, once per template.
# --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def taskplug_get_custom(
    task: PythonTask[Any], settings: SerializationSettings
) -> dict[str, Any] | None:
    """Return the ``custom`` struct of the task template (JSON-compatible values).

    Caller: ``task.get_custom(settings)``. ``firstresult``. ``None``: no custom section.
    """


@hookspec(firstresult=True)
def taskplug_get_config(
    task: PythonTask[Any], settings: SerializationSettings
) -> dict[str, str] | None:
    """Return the ``config`` string map of the task template.

    Caller: ``task.get_config(settings)``. ``firstresult``. ``None``: no config.
    """


@hookspec(firstresult=True)
def taskplug_get_container(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Container | None:
    """Return the container target of the task (image, command, args, resources, env).

    Caller: ``task.get_container(settings)``. ``firstresult``. The built-in ``container``
    plugin answers for every task that runs Python in a container; ``None``: no container.
    """


@hookspec(firstresult=True)
def taskplug_get_k8s_pod(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.K8sPod | None:
    """Return the Kubernetes pod target of the task, when it runs as a whole pod.

    Caller: ``task.get_k8s_pod(settings)``. ``firstresult``. ``None``: no pod target.
    """


@hookspec(firstresult=True)
def taskplug_get_sql(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Sql | None:
    """Return the SQL target of the task (statement and dialect).

    Caller: ``task.get_sql(settings)``. ``firstresult``. ``None``: no SQL target.
    """


@hookspec
def taskplug_get_extended_resources(
    task: PythonTask[Any], settings: SerializationSettings, proposal: ExtendedResourcesProposal
) -> None:
    """Adjust the extended resources (GPU accelerator, shared memory) of a task's template.

    Caller: ``task.get_extended_resources(settings)``, i.e. ``serialize(task, settings)``, for
    every template. ``proposal`` (:class:`~taskplug.extended_resources.ExtendedResourcesProposal`)
    starts as the task's own request: ``proposal.accelerator`` (a ``GPUAccelerator`` or
    ``None``) and ``proposal.shared_memory`` (``True``, a quantity or ``None``) may be changed in
    place; ``proposal.gpu_count`` and ``proposal.task_name`` are context;
    ``raise proposal.refuse(message, rule=...)`` raises :class:`taskplug.errors.PolicyError`.

    Order — every implementation is called, in pluggy order, each seeing the changes of the
    ones before it:

    1. ``@hookimpl(tryfirst=True)`` implementations;
    2. plain implementations, the plugin registered **last** first (entry points load in
       discovery order, so do not rely on the order between two plain plugins);
    3. ``@hookimpl(trylast=True)`` implementations (again newest first).

    Defaults (a default accelerator, shared memory) belong in ``tryfirst`` or plain
    implementations; policy (refusing devices, capping counts) in ``trylast`` so it judges the
    final request. After the last implementation the result is checked against the accelerator
    catalogue with the declaration rules. Return value: ignored.
    """


# --------------------------------------------------------------------------------------------
# Execution: called around every run of a task, locally and in a container.
# --------------------------------------------------------------------------------------------


@hookspec
def taskplug_pre_execute(task: PythonTask[Any], params: ExecutionParameters) -> None:
    """Prepare a run: ``params`` carries the execution id, working directory, logger, secrets.

    Caller: ``task.pre_execute(params)``, before the user's code runs, for every run (local
    and in a container). Every implementation is called; they may add to ``params.extra``.
    Return value: ignored.
    """


@hookspec
def taskplug_post_execute(task: PythonTask[Any], params: ExecutionParameters, outputs: Any) -> Any:
    """Observe or replace the outputs of a run.

    Caller: ``task.post_execute(params, outputs)``, after the user's code returned. The
    implementations are chained in pluggy order: each receives the outputs as left by the
    previous one; returning ``None`` keeps them, anything else replaces them.
    """
