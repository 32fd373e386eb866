"""``flytekit.core.base_task``'s names: ``PythonTask``, ``TaskMetadata``, ``kwtypes``."""

from taskplug.tasks.base import PythonTask
from taskplug.tasks.metadata import TaskMetadata
from taskplug.types.tables import kwtypes

__all__ = ["PythonTask", "TaskMetadata", "kwtypes"]
