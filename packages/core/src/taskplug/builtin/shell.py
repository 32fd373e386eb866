"""The built-in shell task types: ``ShellTask``, ``RawShellTask`` (taskplug.extras.tasks.shell).

Registered through the ``taskplug`` entry point ``extras-shell`` of the ``taskplug``
distribution, on the public plugin contract only, as a third-party plugin would be. A shell
task is a Python instance task (type ``python-task``, as in flytekit): it answers no hook of
its own, so its container comes from the built-in ``container`` plugin, which owns its base
class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    from taskplug.plugin import TaskTypeRegistry

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Register ``ShellTask`` and ``RawShellTask`` (imported only now: loading stays cheap)."""
    from taskplug.extras.tasks.shell import RawShellTask, ShellTask

    registry.add(ShellTask)
    registry.add(RawShellTask)
