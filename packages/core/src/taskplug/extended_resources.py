"""Extended resources of a task (GPU accelerator, shared memory) and their validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.errors import PolicyError
from taskplug.resources import validate_quantity

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.tasks.base import PythonTask

__all__ = [
    "SHARED_MEMORY_MOUNT_NAME",
    "SHARED_MEMORY_MOUNT_PATH",
    "ExtendedResourcesProposal",
    "validate_task_resources",
]

SHARED_MEMORY_MOUNT_NAME = "flyte-shared-memory"
SHARED_MEMORY_MOUNT_PATH = "/dev/shm"


class ExtendedResourcesProposal:
    """What a task's template will say about accelerators and shared memory.

    Built from the task's own settings; plugins adjust it through
    ``taskplug_get_extended_resources``. ``accelerator`` is an accelerator object (anything
    with ``to_flyte_idl()`` returning a flyteidl ``GPUAccelerator``) or ``None``;
    ``shared_memory`` is ``True`` (no size limit), a Kubernetes quantity, or ``None``.
    """

    __slots__ = ("accelerator", "shared_memory")

    def __init__(self, accelerator: Any = None, shared_memory: bool | str | None = None) -> None:
        self.accelerator = accelerator
        self.shared_memory = shared_memory

    @classmethod
    def from_task(cls, task: PythonTask[Any]) -> ExtendedResourcesProposal:
        """The task's own request."""
        return cls(task.accelerator, task.shared_memory)

    def to_proto(self, *, task: str) -> tasks_pb2.ExtendedResources | None:
        """The flyteidl message, or ``None`` when nothing is requested (as flytekit does)."""
        if self.accelerator is None and not self.shared_memory:
            return None
        from flyteidl.core import tasks_pb2

        msg = tasks_pb2.ExtendedResources()
        if self.accelerator is not None:
            msg.gpu_accelerator.CopyFrom(self.accelerator.to_flyte_idl())
        if self.shared_memory:
            shm = msg.shared_memory
            shm.mount_path = SHARED_MEMORY_MOUNT_PATH
            shm.mount_name = SHARED_MEMORY_MOUNT_NAME
            if self.shared_memory is not True:
                shm.size_limit = check_shared_memory(self.shared_memory, task=task)
        return msg


def check_shared_memory(value: object, *, task: str) -> str:
    """A shared-memory size must be a Kubernetes quantity."""
    try:
        return validate_quantity(value, what="shared_memory")
    except ValueError as exc:
        raise PolicyError(str(exc), task=task, rule="shared_memory is True or a quantity") from None


def validate_task_resources(task: PythonTask[Any]) -> None:
    """Check a task's shared memory and accelerator when it is declared."""
    shm = task.shared_memory
    if shm is not None and shm is not False and shm is not True:
        check_shared_memory(shm, task=task.name)
