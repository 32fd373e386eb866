"""``flytekit.core.task``'s names: ``task``, ``Echo``, ``reference_task``, ``ReferenceTask``."""

from taskplug.tasks.decorator import task
from taskplug.tasks.echo import Echo
from taskplug.tasks.function import PythonFunctionTask
from taskplug.workflows.reference import ReferenceTask, reference_task

__all__ = ["Echo", "PythonFunctionTask", "ReferenceTask", "reference_task", "task"]
