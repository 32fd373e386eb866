"""``flytekit.core.container_task``'s names: ``ContainerTask``."""

from taskplug.tasks.container import ContainerTask

__all__ = ["ContainerTask"]
