"""What a plugin author imports: one marker and one constant.

A complete plugin that adds a task type (published under the entry-point group ``taskplug``)::

    from dataclasses import dataclass
    from taskplug import PythonFunctionTask
    from taskplug.plugin import hookimpl

    TASKPLUG_API_VERSION = "1.0"          # the hook API this plugin was written for

    @dataclass
    class Greeter:                          # the task_config users pass to @task
        greeting: str

    class GreeterTask(PythonFunctionTask[Greeter]):
        task_type = "greeter"

    @hookimpl
    def taskplug_register_task_types(registry):
        registry.add(GreeterTask, config_type=Greeter)  # this plugin now owns GreeterTask

    @hookimpl
    def taskplug_get_custom(task, settings):            # asked only for tasks it owns
        return {"greeting": task.task_config.greeting}

and in its ``pyproject.toml``::

    [project.entry-points.taskplug]
    greeter = "greeter_plugin"

The hooks are documented in :mod:`taskplug.hookspecs`; ``docs/plugins.md`` is the guide.
"""

from __future__ import annotations

import pluggy

from taskplug._manager import PluginInfo, PluginWarning, get_plugin_manager, load_plugin
from taskplug.hookspecs import API_VERSION, PROJECT
from taskplug.registry import OWNED_HOOKS, Service, TaskType, TaskTypeRegistry

#: Decorate hook implementations with this marker (``@hookimpl`` or ``@hookimpl(trylast=True)``).
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = [
    "API_VERSION",
    "OWNED_HOOKS",
    "PluginInfo",
    "PluginWarning",
    "Service",
    "TaskType",
    "TaskTypeRegistry",
    "get_plugin_manager",
    "hookimpl",
    "load_plugin",
]
