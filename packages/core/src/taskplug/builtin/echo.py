"""The built-in ``echo`` task type (flytekit's ``Echo``): its outputs are its inputs.

Registered through the ``taskplug`` entry point ``echo`` of the ``taskplug`` distribution, as a
third-party plugin would be. An echo task has no container, pod or SQL target: FlytePropeller's
``echo`` plugin passes the inputs through without starting a pod, so this plugin owns the task
type and answers no target hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    from taskplug.registry import TaskTypeRegistry

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Register :class:`taskplug.tasks.echo.Echo` (task type ``echo``)."""
    from taskplug.tasks.echo import Echo

    registry.add(Echo)
