"""The eager plugin's entry point (``taskplug`` group, name ``eager``).

Loaded by the plugin manager: adds the backend hook spec, registers the eager task types and
the built-in backends. Kept light: the task classes and backends are imported when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    import pluggy

    from taskplug.registry import TaskTypeRegistry
    from taskplug_eager.backends import BackendRegistry

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_add_hookspecs(pluginmanager: pluggy.PluginManager) -> None:
    """Add ``taskplug_eager_register_backends``."""
    from taskplug_eager import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """Own the eager task type and the eager failure handler."""
    from taskplug_eager.failure import EagerFailureHandlerTask
    from taskplug_eager.task import EagerAsyncPythonFunctionTask

    registry.add(EagerAsyncPythonFunctionTask)
    registry.add(EagerFailureHandlerTask)


@hookimpl
def taskplug_eager_register_backends(backends: BackendRegistry) -> None:
    """The built-in backends: ``local``, ``process`` and ``ray``."""
    backends.add(
        "local",
        "taskplug_eager.backends.local:LocalBackend",
        description="in-process; sync tasks in a bounded worker pool",
    )
    backends.add(
        "process",
        "taskplug_eager.backends.process:ProcessBackend",
        description="each call a taskplug-execute subprocess, files under a blob directory",
    )
    backends.add(
        "ray",
        "taskplug_eager.backends.ray:RayBackend",
        description="each call a Ray task (pip install 'taskplug-eager[ray]')",
    )
