"""``taskplug.extend``: what ``flytekit.extend`` exports, for code that extends flytekit.

Each name maps to taskplug's equivalent (imported on first access)::

    from taskplug.extend import Interface, PythonTask, context_manager

    class WaitForFile(PythonTask):
        def __init__(self, name: str, **kwargs):
            super().__init__(task_type="sensor", name=name, task_config=None,
                             interface=Interface(inputs={"path": str}, outputs={"path": str}),
                             **kwargs)

        def execute(self, **kwargs):
            ctx = context_manager.FlyteContext.current_context()
            ctx.user_space_params.logging.info("looking for %s", kwargs["path"])
            return kwargs["path"] if ctx.file_access.exists(kwargs["path"]) else ...

Names of ``flytekit.extend`` with no taskplug equivalent are not here:
``ClassStorageTaskResolver``, ``DictTransformer``, ``ExecutableTemplateShimTask``,
``IgnoreOutputs``, ``PythonCustomizedContainerTask``, ``ShimTaskExecutor``, ``TaskPlugins`` and
``get_serializable`` (task types are registered through plugins, see docs/plugins.md, and
serialized with ``taskplug.serialization``). ``TypeTransformer`` is taskplug's (its methods
differ from flytekit's).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = [
    "ExecutionState",
    "FileAccessProvider",
    "Image",
    "ImageConfig",
    "Interface",
    "Promise",
    "PythonTask",
    "SQLTask",
    "SecretsManager",
    "SerializationSettings",
    "T",
    "TaskResolverMixin",
    "TypeEngine",
    "TypeTransformer",
    "context_manager",
]

T = TypeVar("T")

_EXPORTS: dict[str, tuple[str, str]] = {
    "ExecutionState": ("taskplug.context", "ExecutionState"),
    "FileAccessProvider": ("taskplug.runtime.file_access", "FileAccessProvider"),
    "Image": ("taskplug.settings", "Image"),
    "ImageConfig": ("taskplug.settings", "ImageConfig"),
    "Interface": ("taskplug.tasks.interface", "Interface"),
    "Promise": ("taskplug.workflows.promise", "Promise"),
    "PythonTask": ("taskplug.tasks.base", "PythonTask"),
    "SecretsManager": ("taskplug.runtime.secrets", "SecretsManager"),
    "SerializationSettings": ("taskplug.settings", "SerializationSettings"),
    "TaskResolverMixin": ("taskplug.resolver", "TaskResolver"),
    "TypeEngine": ("taskplug.types.engine", "TypeEngine"),
    "TypeTransformer": ("taskplug.types.transformer", "TypeTransformer"),
}

if TYPE_CHECKING:
    from taskplug.context import ExecutionState as ExecutionState
    from taskplug.core import context_manager as context_manager
    from taskplug.resolver import TaskResolver as TaskResolverMixin
    from taskplug.runtime.file_access import FileAccessProvider as FileAccessProvider
    from taskplug.runtime.secrets import SecretsManager as SecretsManager
    from taskplug.settings import Image as Image
    from taskplug.settings import ImageConfig as ImageConfig
    from taskplug.settings import SerializationSettings as SerializationSettings
    from taskplug.tasks.base import PythonTask as PythonTask
    from taskplug.tasks.interface import Interface as Interface
    from taskplug.types.engine import TypeEngine as TypeEngine
    from taskplug.types.transformer import TypeTransformer as TypeTransformer
    from taskplug.workflows.promise import Promise as Promise


def __getattr__(name: str) -> Any:
    if name == "context_manager":
        value: Any = importlib.import_module("taskplug.core.context_manager")
    elif name == "SQLTask":
        import taskplug

        value = taskplug.SQLTask
    elif name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attr)
    else:
        raise AttributeError(f"module 'taskplug.extend' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
