"""taskplug: a light, fast plugin framework for Flyte task types.

``import taskplug`` is cheap: the names below are imported on first access (PEP 562), and the
plugin manager is built on first use, not at import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "PluginError": "taskplug.errors",
    "PluginHookError": "taskplug.errors",
    "PolicyError": "taskplug.errors",
    "TaskplugError": "taskplug.errors",
    "TypeTransformerFailedError": "taskplug.errors",
    "ExecutionParameters": "taskplug.context",
    "get_plugin_manager": "taskplug._manager",
    "load_plugin": "taskplug._manager",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from taskplug._manager import get_plugin_manager, load_plugin
    from taskplug.context import ExecutionParameters
    from taskplug.errors import (
        PluginError,
        PluginHookError,
        PolicyError,
        TaskplugError,
        TypeTransformerFailedError,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
