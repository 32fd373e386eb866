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
    from taskplug.tasks.function import PythonAutoContainerTask

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Register the Python function, async function and instance task types."""
    from taskplug.tasks.function import (
        AsyncPythonFunctionTask,
        PythonFunctionTask,
        PythonInstanceTask,
    )

    for cls in (PythonFunctionTask, AsyncPythonFunctionTask, PythonInstanceTask):
        registry.add(cls, task_type="python-task", plugin="container")


# flyteidl's Resources.ResourceName numbers, in the order flytekit writes the entries.
_RESOURCE_ORDER = (("ephemeral_storage", 5), ("cpu", 1), ("gpu", 2), ("mem", 3))
_auto_container_cls: type[PythonAutoContainerTask[Any]] | None = None


def _auto_container() -> type[PythonAutoContainerTask[Any]]:
    global _auto_container_cls
    if _auto_container_cls is None:
        from taskplug.tasks.function import PythonAutoContainerTask

        _auto_container_cls = PythonAutoContainerTask
    return _auto_container_cls


def _add_entries(entries: Any, res: Resources) -> None:
    """Append the set fields of ``res`` as ``ResourceEntry`` messages (flytekit skips falsy)."""
    for attr, name in _RESOURCE_ORDER:
        value = getattr(res, attr)
        if value:
            if isinstance(value, (tuple, list)):
                raise ValueError(f"Resources.{attr}={value!r}: a pair is not allowed here")
            entry = entries.add()
            entry.name = name
            entry.value = str(value)


@hookimpl
def taskplug_get_container(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Container | None:
    """The container of a Python task: image, ``taskplug-execute`` args, resources, env.

    Answers for :class:`~taskplug.tasks.function.PythonAutoContainerTask` instances without a
    pod template (those run as a whole pod, see the k8s-pod plugin); ``None`` for other tasks.
    As flytekit: ``command`` stays empty and the whole command line goes into ``args``; the
    environment is ``settings.env`` updated with the task's ``environment``; resources are the
    task's requests and limits, or ``settings.default_resources`` when the task sets none.
    """
    if not isinstance(task, _auto_container()) or task.pod_template is not None:
        return None
    from flyteidl.core import tasks_pb2

    container = tasks_pb2.Container()
    container.image = task.get_image(settings)
    container.args.extend(task.get_command(settings))
    spec = task.resources
    default = settings.default_resources
    if default is not None and spec.requests == _EMPTY and spec.limits == _EMPTY:
        spec = default
    resources = container.resources
    resources.SetInParent()
    _add_entries(resources.requests, spec.requests)
    _add_entries(resources.limits, spec.limits)
    env = settings.env
    if env or task.environment:
        merged = {**env, **task.environment} if env else task.environment
        add = container.env.add
        for key, value in merged.items():
            kv = add()
            kv.key = key
            kv.value = value
    return container


_EMPTY = Resources()
