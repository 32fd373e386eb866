"""Task base classes and the ``@task`` decorator."""

from taskplug.tasks.base import PythonTask
from taskplug.tasks.decorator import task
from taskplug.tasks.function import (
    AsyncPythonFunctionTask,
    PythonAutoContainerTask,
    PythonFunctionTask,
    PythonInstanceTask,
)
from taskplug.tasks.interface import Interface
from taskplug.tasks.metadata import Documentation, TaskMetadata

__all__ = [
    "AsyncPythonFunctionTask",
    "Documentation",
    "Interface",
    "PythonAutoContainerTask",
    "PythonFunctionTask",
    "PythonInstanceTask",
    "PythonTask",
    "TaskMetadata",
    "task",
]
