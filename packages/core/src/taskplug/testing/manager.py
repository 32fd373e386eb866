"""A fresh plugin manager for a test, restored afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from taskplug._manager import TaskplugPluginManager, build_plugin_manager, set_plugin_manager


@contextlib.contextmanager
def fresh_plugin_manager(
    *plugins: object, autoload: bool | None = None, strict: bool | None = None
) -> Iterator[TaskplugPluginManager]:
    """Build a new manager (entry points as configured), register ``plugins``, make it current.

    ``autoload=False`` loads only taskplug's own plugins; ``strict=True`` makes a broken
    plugin raise instead of being refused with a warning. The previous process-wide manager
    is restored when the block ends.
    """
    pm = build_plugin_manager(autoload=autoload, strict=strict)
    for plugin in plugins:
        pm.register_plugin(plugin, strict=True)
    old = set_plugin_manager(pm)
    try:
        yield pm
    finally:
        set_plugin_manager(old)
