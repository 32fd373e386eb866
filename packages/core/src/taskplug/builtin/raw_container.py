"""The built-in raw container task type: ``ContainerTask`` (flytekit's ``raw-container``).

Registered through the ``taskplug`` entry point ``raw-container`` of the ``taskplug``
distribution, on the public plugin contract only. It owns ``ContainerTask`` and writes its
container as flytekit does: the task's image, ``command`` and ``args`` as given, its requests
and limits (the settings' default resources do not apply), the settings' environment updated
with the task's, and a ``DataLoadingConfig`` (inputs and outputs directories, metadata format,
IO strategy). Its ``config`` is empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.plugin import TaskTypeRegistry
    from taskplug.resources import Resources
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.container import ContainerTask

TASKPLUG_API_VERSION = "1.0"

# flyteidl's Resources.ResourceName numbers, in the order flytekit writes the entries.
_RESOURCE_ORDER = (("ephemeral_storage", 5), ("cpu", 1), ("gpu", 2), ("mem", 3))


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Register ``ContainerTask`` (imported only now: loading the plugin stays cheap)."""
    from taskplug.tasks.container import ContainerTask

    registry.add(ContainerTask)


def _entries(entries: Any, res: Resources, task: str) -> None:
    for attr, number in _RESOURCE_ORDER:
        value = getattr(res, attr)
        if not value:
            continue
        if isinstance(value, (tuple, list)):
            raise ValueError(f"task {task!r}: Resources.{attr}={value!r}: a pair is not allowed")
        entry = entries.add()
        entry.name = number
        entry.value = value if isinstance(value, str) else str(value)


@hookimpl
def taskplug_get_container(
    task: ContainerTask, settings: SerializationSettings
) -> tasks_pb2.Container:
    """The container: image, command, args, resources, env and the data loading config."""
    from flyteidl.core import tasks_pb2

    container = tasks_pb2.Container()
    container.image = task.get_image(settings)
    container.command.extend(task.command)
    container.args.extend(task.arguments or ())
    resources = container.resources
    resources.SetInParent()
    spec = task.resource_spec()
    _entries(resources.requests, spec.requests, task.name)
    _entries(resources.limits, spec.limits, task.name)
    env = {**(settings.env or {}), **task.environment}
    for key, value in env.items():
        kv = container.env.add()
        kv.key = key
        kv.value = value
    data = container.data_config
    data.input_path = task.input_data_dir or ""
    data.output_path = task.output_data_dir or ""
    data.format = task.metadata_format.value
    data.enabled = True
    if task.io_strategy is not None:
        field, mode = task.io_strategy.value
        setattr(data.io_strategy, field, mode)
        data.io_strategy.SetInParent()
    return container


@hookimpl
def taskplug_get_config(task: ContainerTask, settings: SerializationSettings) -> dict[str, str]:
    """No config (flytekit's is empty without a pod template)."""
    return {}
