"""The built-in container task type: Python tasks that run in a container.

Registered through the ``taskplug`` entry point ``container`` of the ``taskplug`` distribution,
exactly as a third-party plugin would be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.plugin import hookimpl
from taskplug.registry import TaskTypeRegistry
from taskplug.resources import Resources

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Register the Python task types: every task that runs Python in a container.

    ``PythonAutoContainerTask`` covers task classes derived from it directly (a plugin's own
    container task, such as the eager plugin's failure handler); the function, async
    function and instance task classes are listed too, so ``taskplug plugins`` names them.
    """
    from taskplug.tasks.function import (
        AsyncPythonFunctionTask,
        PythonAutoContainerTask,
        PythonFunctionTask,
        PythonInstanceTask,
    )

    for cls in (
        PythonAutoContainerTask,
        PythonFunctionTask,
        AsyncPythonFunctionTask,
        PythonInstanceTask,
    ):
        registry.add(cls)


# flyteidl's Resources.ResourceName numbers, in the order flytekit writes the entries.
_RESOURCE_ORDER = (("ephemeral_storage", 5), ("cpu", 1), ("gpu", 2), ("mem", 3))
_lazy: dict[str, Any] = {}


def _load() -> dict[str, Any]:
    """flyteidl and the task class, imported on first use (keeps plugin loading cheap)."""
    from flyteidl.core import tasks_pb2

    from taskplug.tasks.function import PythonAutoContainerTask

    _lazy["Container"] = tasks_pb2.Container
    _lazy["task_class"] = PythonAutoContainerTask
    return _lazy


def _is_empty(res: Resources) -> bool:
    return res.cpu is None and res.mem is None and res.gpu is None and res.ephemeral_storage is None


def _add_entries(entries: Any, res: Resources) -> None:
    """Append the set fields of ``res`` as ``ResourceEntry`` messages (flytekit skips falsy)."""
    for attr, name in _RESOURCE_ORDER:
        value = getattr(res, attr)
        if value:
            if isinstance(value, (tuple, list)):
                raise ValueError(f"Resources.{attr}={value!r}: a pair is not allowed here")
            entry = entries.add()
            entry.name = name
            entry.value = value if isinstance(value, str) else str(value)


@hookimpl
def taskplug_get_container(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Container | None:
    """The container of a Python task: image, ``taskplug-execute`` args, resources, env.

    Asked (the hook is routed) for the task types this plugin registered and their
    subclasses, unless another plugin serves the task (the k8s-pod plugin serves tasks with
    a ``pod_template``). As flytekit: ``command`` stays empty and the whole command line goes
    into ``args``; the environment is ``settings.env`` updated with the task's
    ``environment``; resources are the task's requests and limits, or
    ``settings.default_resources`` when the task sets none.
    """
    lazy = _lazy or _load()
    if not isinstance(task, lazy["task_class"]):
        return None  # routing never asks for others; a direct call may
    if task.pod_template is not None:
        raise ValueError(
            f"task {task.name!r} has a pod_template, but no plugin serves pod templates, so it "
            "cannot be serialized as a pod: install taskplug-k8s-pod "
            "(pip install 'taskplug[k8s-pod]'), or remove pod_template"
        )
    container = lazy["Container"]()
    container.image = task.get_image(settings)
    container.args.extend(task.get_command(settings))
    spec = task.resources
    resources = container.resources
    resources.SetInParent()
    requests, limits = spec.requests, spec.limits
    empty_req, empty_lim = _is_empty(requests), _is_empty(limits)
    default = settings.default_resources
    if default is not None and empty_req and empty_lim:
        requests, limits = default.requests, default.limits
        empty_req = empty_lim = False
    if not empty_req:
        _add_entries(resources.requests, requests)
    if not empty_lim:
        _add_entries(resources.limits, limits)
    env = settings.env
    task_env = task.environment
    image = task.container_image
    if image is not None and not isinstance(image, str) and image.runtime_packages:
        # an ImageSpec's runtime packages, installed when the task starts (as flytekit)
        task_env = {**task_env, "_F_RUNTIME_PACKAGES": " ".join(image.runtime_packages)}
    if env or task_env:
        merged = {**env, **task_env} if env else task_env
        add = container.env.add
        for key, value in merged.items():
            kv = add()
            kv.key = key
            kv.value = value
    return container
