"""The hook specifications of taskplug: the whole contract between the core and its plugins.

Every hook is prefixed ``taskplug_``. Each docstring says who calls it, when, what a return value
means, and which kind of hook it is. Plugins implement only the hooks they need, with any
subset of the parameters (pluggy passes what is asked for).

Three kinds of hooks:

* **Set-up** hooks (``taskplug_add_hookspecs``, ``taskplug_register_*``) are called once per
  plugin manager, one plugin at a time, so registrations are attributed to their plugin.
* **Owned** hooks (:data:`taskplug.registry.OWNED_HOOKS`: ``taskplug_get_custom``,
  ``taskplug_get_config``, ``taskplug_get_container``, ``taskplug_get_k8s_pod``,
  ``taskplug_get_sql``) answer a question about one task. Only the plugin that owns the
  task's type is asked: the plugin that registered its class (or the nearest registered base
  class whose plugin implements the hook), unless a plugin declared with
  ``registry.serve(...)`` that it serves the task for that hook. Implementations need no
  ``isinstance`` guard, and another plugin's answer can never replace the owner's. Every answer
  is checked where it enters the template; a wrong one raises
  :class:`~taskplug.errors.PluginAnswerError` naming the plugin. Overriding the matching method
  on the task class (``get_custom(self, settings)``, flytekit's way) is equally valid.
* **Cross-cutting** hooks (``taskplug_configure_task``, ``taskplug_get_extended_resources``,
  ``taskplug_pre_execute``, ``taskplug_post_execute``) reach every plugin, in pluggy order:
  ``tryfirst`` implementations, then plain ones (the plugin registered last first), then
  ``trylast`` ones.

The contract is versioned: :data:`API_VERSION` is ``"MAJOR.MINOR"``. A plugin module declares the
version it was written against as ``TASKPLUG_API_VERSION = "1.0"``. It is accepted when the majors
are equal and its minor is not newer than the core's; otherwise it is refused with a warning that
says which versions are involved, and the rest of taskplug keeps working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flyteidl.core import tasks_pb2

    from taskplug.accelerators import AcceleratorCatalogue
    from taskplug.context import ExecutionParameters
    from taskplug.extended_resources import ExtendedResourcesProposal
    from taskplug.image_spec import ImageSpec
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

    Kind: set-up (``historic``: plugins registered later are called too). Caller: the plugin
    manager, right after each plugin registers. Return value: ignored.
    """


@hookspec
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Register task types (``registry.add``) and declare served tasks (``registry.serve``).

    ``registry.add(TaskClass, config_type=Config)`` makes this plugin the owner of
    ``TaskClass`` (and its subclasses): the owned hooks are asked of this plugin for those
    tasks, and ``@task(task_config=Config(...))`` builds a ``TaskClass``. The task type string
    is the class attribute ``TaskClass.task_type``.
    ``registry.serve(when, hooks=(...), description=...)`` makes this plugin answer the named
    owned hooks for every task ``when(task)`` is true of, whoever registered it.

    Kind: set-up. Caller: the plugin manager, on first use of the registry, one plugin at a time
    in registration order; the plugin's name (its entry-point name) is recorded with each
    registration. A config or task class may be claimed once: a second claim refuses the
    later plugin with a warning naming both (raises with ``TASKPLUG_STRICT_PLUGINS=1``), as does
    any error raised here. Return value: ignored.
    """


@hookspec
def taskplug_register_type_transformers(registry: TypeTransformerRegistry) -> None:
    """Contribute type transformers: ``registry.register(transformer)``.

    ``SimpleTransformer`` for a type that travels as one value, a ``TypeTransformer`` with
    ``to_plain``/``from_plain`` or a literal of its own otherwise (``docs/plugins.md``, "Type
    transformers"; ``taskplug.testing.check_transformer_roundtrip`` tests one).

    Kind: set-up. Caller: the type engine, the first time it looks a Python type up.
    Return value: ignored.
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

    Kind: set-up. Caller: :func:`taskplug.accelerators.catalogue`, once per plugin manager, on
    first use (the first task declared with an accelerator); rebuilt when the manager is
    replaced or a plugin implementing this hook is registered. Implementations run one at a
    time in pluggy order (see :func:`taskplug_get_extended_resources`). Return value: ignored.
    """


# --------------------------------------------------------------------------------------------
# Declaration: called when a task object is created.
# --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def taskplug_task_class_for_config(task_config: object) -> type[PythonTask[Any]] | None:
    """Pick the task class that handles ``task_config`` (e.g. ``@task(task_config=Pod(...))``).

    Kind: set-up (``firstresult``). Caller: ``@task``, when a ``task_config`` is given whose
    class no plugin registered through :func:`taskplug_register_task_types` (a registered
    config class always selects its registered task class). The first class returned wins;
    ``None`` defers to the next plugin.
    """


@hookspec
def taskplug_configure_task(task: PythonTask[Any]) -> None:
    """Apply platform defaults and policy to a task that has just been declared.

    Kind: cross-cutting. Caller: the task constructor, once per task, after its own arguments
    are set and checked; the task is checked again after every implementation ran (so a
    default set here, such as ``task.accelerator = "nvidia-tesla-t4"``, is validated against
    the accelerator catalogue and normalized).

    Implementations may set the attributes listed in ``task.policy_attributes``:
    ``environment``, ``labels``, ``annotations`` (dicts of str; assign a new dict or update the
    one there), ``accelerator``, ``shared_memory``, ``requests``, ``limits`` (``Resources``),
    ``retries``, ``timeout``, ``interruptible``, ``pod_template``, ``pod_template_name``,
    ``secret_requests`` and, for container tasks, ``container_image``. Assigning any other
    public attribute raises ``AttributeError`` (a typo would otherwise be ignored). Or raise
    :class:`taskplug.errors.PolicyError` to refuse the task. Every implementation is called
    (``tryfirst`` ones first, ``trylast`` ones last; put refusals in ``trylast`` so they see the
    defaults). Return value: ignored.
    """


# --------------------------------------------------------------------------------------------
# Serialization: called by ``serialize(task, settings)``, once per template.
# --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def taskplug_get_custom(
    task: PythonTask[Any], settings: SerializationSettings
) -> dict[str, Any] | None:
    """Return the ``custom`` struct of the task template.

    Kind: owned (asked only for tasks this plugin owns or serves). Caller: ``serialize()`` via
    ``task.get_custom(settings)``. Return a dict of JSON-compatible values (str, int, float,
    bool, None, lists and str-keyed dicts of them), or ``None``: no custom section.
    """


@hookspec(firstresult=True)
def taskplug_get_config(
    task: PythonTask[Any], settings: SerializationSettings
) -> dict[str, str] | None:
    """Return the ``config`` string map of the task template.

    Kind: owned. Caller: ``serialize()`` via ``task.get_config(settings)``. Return a dict of
    str to str, or ``None``: no config.
    """


@hookspec(firstresult=True)
def taskplug_get_container(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Container | None:
    """Return the container target of the task (image, command, args, resources, env).

    Kind: owned. Caller: ``serialize()`` via ``task.get_container(settings)``. Return a
    ``flyteidl.core.tasks_pb2.Container`` or ``None``: no container. The built-in ``container``
    plugin owns the Python task classes, so task types derived from them inherit its answer.
    """


@hookspec(firstresult=True)
def taskplug_get_k8s_pod(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.K8sPod | None:
    """Return the Kubernetes pod target of the task, when it runs as a whole pod.

    Kind: owned. Caller: ``serialize()`` via ``task.get_k8s_pod(settings)``. Return a
    ``flyteidl.core.tasks_pb2.K8sPod`` or ``None``: no pod target.
    """


@hookspec(firstresult=True)
def taskplug_get_sql(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Sql | None:
    """Return the SQL target of the task (statement and dialect).

    Kind: owned. Caller: ``serialize()`` via ``task.get_sql(settings)``. Return a
    ``flyteidl.core.tasks_pb2.Sql`` or ``None``: no SQL target.
    """


@hookspec
def taskplug_get_extended_resources(
    task: PythonTask[Any], settings: SerializationSettings, proposal: ExtendedResourcesProposal
) -> None:
    """Adjust the extended resources (GPU accelerator, shared memory) of a task's template.

    Kind: cross-cutting. Caller: ``task.get_extended_resources(settings)``, i.e.
    ``serialize(task, settings)``, for every template. ``proposal``
    (:class:`~taskplug.extended_resources.ExtendedResourcesProposal`) starts as the task's own
    request: ``proposal.accelerator`` (a ``GPUAccelerator`` or ``None``) and
    ``proposal.shared_memory`` (``True``, a quantity or ``None``) may be changed in place;
    ``proposal.gpu_count`` and ``proposal.task_name`` are context;
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

    Kind: cross-cutting. Caller: ``task.pre_execute(params)``, before the user's code runs, for
    every run (local and in a container). Every implementation is called; they may add to
    ``params.extra``. Return value: ignored.
    """


@hookspec
def taskplug_post_execute(task: PythonTask[Any], params: ExecutionParameters, outputs: Any) -> Any:
    """Observe or replace the outputs of a run.

    Kind: cross-cutting. Caller: ``task.post_execute(params, outputs)``, after the user's code
    returned. The implementations are chained in pluggy order: each receives the outputs as
    left by the previous one; returning ``None`` keeps them, anything else replaces them. A
    replacement that does not fit the task's outputs raises
    :class:`~taskplug.errors.PluginAnswerError` naming the plugin that made it.
    """


# --------------------------------------------------------------------------------------------
# Workflows (issue 14): per-node overrides. Added at the end on purpose; see docs/workflows.md.
# --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def taskplug_node_pod_override(
    task: PythonTask[Any], pod_template: Any, settings: SerializationSettings
) -> tasks_pb2.K8sPod | None:
    """Return the ``K8sPod`` that a workflow node running ``task`` gets for ``pod_template``.

    Caller: serialization of a workflow (or of a dynamic task's ``DynamicJobSpec``), once per
    node that was given ``t(...).with_overrides(pod_template=...)``; the message goes into the
    node's ``task_node.overrides.pod_template``. ``pod_template`` is the object the user passed
    (for the Kubernetes pod plugin, its ``PodTemplate``); ``task`` is the task the node runs
    (not changed by the override); ``settings`` resolve the image and command of the primary
    container. The answer is what flytekit's translator writes for the same override: the pod
    spec (``pod_spec``, a JSON struct: the primary container merged with the task's container —
    image, command, resources, env), ``metadata`` (labels, annotations) and
    ``primary_container_name``.

    Kind: cross-cutting and ``firstresult`` — implementations are asked in pluggy order and the
    first non-``None`` answer wins; return ``None`` for tasks or templates the plugin does not
    handle. The answer must be a ``flyteidl.core.tasks_pb2.K8sPod`` (anything else is an error
    naming the plugin). When no plugin implements this hook, ``with_overrides(pod_template=...)``
    raises at once, and when none answers, serialization raises — a pod override is never
    dropped silently. The Kubernetes pod plugin (``taskplug-k8s-pod``) implements it.
    """


# --------------------------------------------------------------------------------------------
# Command line (added for the k8s-pod plugin's ``taskplug render-pod``; keep at the end).
# --------------------------------------------------------------------------------------------


@hookspec
def taskplug_add_cli_commands(cli: click.Group) -> None:
    """Add commands to the ``taskplug`` command line: ``cli.add_command(my_command)``.

    Kind: set-up. Caller: the ``taskplug`` command group, once per process, the first time it
    needs a command it does not have itself or lists its commands (``taskplug --help``), so
    ``taskplug run`` and ``taskplug serialize`` never load plugin commands. Implementations run
    one at a time in pluggy order; a command whose name is already taken (by taskplug or by an
    earlier plugin) is refused with a :class:`~taskplug.plugin.PluginWarning` naming both, and
    the first one is kept. Import ``click`` and the command's own modules inside the hook, so
    loading the plugin stays cheap. Return value: ignored.
    """


# --------------------------------------------------------------------------------------------
# Images (issue 15, task kinds: ImageSpec). Added at the end on purpose; see docs/task_kinds.md.
# --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def taskplug_build_image(image_spec: ImageSpec) -> str | None:
    """Build (and push) the image ``image_spec`` describes; return its full name, or ``None``.

    Kind: cross-cutting and ``firstresult`` — implementations are asked in pluggy order and the
    first non-``None`` answer wins. Caller: serialization of a task whose ``container_image`` is
    an :class:`~taskplug.image_spec.ImageSpec` that the settings' image config does not name
    (by ``image_spec.id``), once per spec and plugin manager, never while a task runs. A spec
    whose ``base_image`` is itself a spec has that one offered first.

    A plugin builds the specs whose ``image_spec.builder`` it handles (``None``: no builder
    chosen), or finds the image already built, and returns the image's fully qualified name
    (it replaces ``image_spec.image_name()`` in templates), or ``None`` to leave the spec to
    other plugins. When no plugin answers, nothing is built: the image is assumed to exist as
    ``image_spec.image_name()``. The answer must be a non-empty ``str`` (anything else is an
    error naming the plugin); an exception fails the serialization, naming the plugin.
    """
