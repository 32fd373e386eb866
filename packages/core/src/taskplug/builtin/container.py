"""The built-in container task type: Python tasks that run in a container.

Registered through the ``taskplug`` entry point ``container`` of the ``taskplug`` distribution,
exactly as a third-party plugin would be.
"""

from __future__ import annotations

from taskplug.plugin import hookimpl
from taskplug.registry import TaskTypeRegistry

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
