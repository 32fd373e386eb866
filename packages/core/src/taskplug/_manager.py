"""The plugin manager: built lazily, fed from entry points, called through typed wrappers.

Nothing here runs at import time. :func:`get_plugin_manager` builds the one
``pluggy.PluginManager("taskplug")`` on first use:

1. register the hook specs (``taskplug.hookspecs``);
2. load every entry point of the group ``taskplug``. The core's own plugins (the container task
   type) are entry points of the ``taskplug`` distribution and load through that same path;
   ``TASKPLUG_DISABLE_PLUGIN_AUTOLOAD=1`` skips the entry points of every other distribution,
   ``TASKPLUG_DISABLE_PLUGINS=a,b`` skips the named ones;
3. import the modules named in ``TASKPLUG_PLUGINS=mod.a,mod.b`` (explicit loading; also
   :func:`load_plugin`);
4. refuse plugins whose ``TASKPLUG_API_VERSION`` does not fit
   :data:`~taskplug.hookspecs.API_VERSION`;
5. ``check_pending()``: an implementation of a hook that does not exist is an error.
"""

from __future__ import annotations

import importlib
import os
import time
import types
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pluggy

from taskplug import hookspecs
from taskplug._discovery import EntryPoint, entry_points
from taskplug._relay import HookRelay
from taskplug.errors import (
    IncompatiblePluginError,
    PluginLoadError,
)

if TYPE_CHECKING:
    from taskplug.registry import TaskTypeRegistry
    from taskplug.types.engine import TypeTransformerRegistry

ENV_DISABLE_AUTOLOAD = "TASKPLUG_DISABLE_PLUGIN_AUTOLOAD"
ENV_DISABLE = "TASKPLUG_DISABLE_PLUGINS"
ENV_LOAD = "TASKPLUG_PLUGINS"
CORE_DIST = "taskplug"
#: Built-in plugins, used only when taskplug runs from a source tree without its metadata.
_BUILTIN_FALLBACK = {
    "container": "taskplug.builtin.container",
    "accelerators": "taskplug.builtin.accelerators",
}


class PluginWarning(UserWarning):
    """A plugin was refused or skipped; the message says which and why."""


@dataclass
class PluginInfo:
    """What is known about one plugin: where it came from and how loading it went."""

    name: str
    module: str
    dist: str | None = None
    version: str | None = None
    api_version: str | None = None
    import_seconds: float = 0.0
    status: str = "loaded"  # loaded | refused | disabled
    reason: str = ""
    hooks: list[str] = field(default_factory=list)

    @property
    def dist_label(self) -> str:
        """``dist==version`` (or the module name when the plugin has no distribution)."""
        if self.dist:
            return f"{self.dist}=={self.version}" if self.version else self.dist
        return "no distribution"


class TaskplugPluginManager(pluggy.PluginManager):
    """``pluggy.PluginManager`` that remembers where each plugin came from."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.infos: dict[str, PluginInfo] = {}
        self.add_hookspecs(hookspecs)
        self.hook.taskplug_add_hookspecs.call_historic(kwargs={"pluginmanager": self})
        self.hooks = HookRelay(self)
        self._task_types: TaskTypeRegistry | None = None
        #: The type engine's transformer registry (built by ``TypeEngine.registry()``).
        self.type_registry: TypeTransformerRegistry | None = None

    def info_for(self, plugin: object) -> PluginInfo | None:
        """The :class:`PluginInfo` of a registered plugin object."""
        name = self.get_name(plugin)
        return self.infos.get(name) if name else None

    def describe(self, plugin: object) -> tuple[str, str | None]:
        """``(name, "dist==version")`` for error messages."""
        info = self.info_for(plugin)
        if info is None:
            return (self.get_name(plugin) or repr(plugin), None)
        return (info.name, info.dist_label if info.dist else None)

    def register_plugin(
        self,
        plugin: object,
        *,
        name: str | None = None,
        dist: str | None = None,
        version: str | None = None,
        import_seconds: float = 0.0,
        strict: bool = False,
    ) -> PluginInfo:
        """Register ``plugin`` (a module or an object with hook implementations).

        Checks its ``TASKPLUG_API_VERSION``; an incompatible plugin is not registered, a
        :class:`PluginWarning` says why, and the returned info has ``status == "refused"``
        (with ``strict=True``, as for an explicit :func:`load_plugin`, it raises
        :class:`~taskplug.errors.IncompatiblePluginError` instead).
        """
        if isinstance(plugin, types.ModuleType):
            module = plugin.__name__
            name = name or module
        else:
            module = type(plugin).__module__
            name = name or f"{module}.{type(plugin).__qualname__}"
            if self.has_plugin(name):
                name = f"{name}#{id(plugin):x}"
        api = getattr(plugin, "TASKPLUG_API_VERSION", None)
        info = PluginInfo(
            name=name,
            module=module,
            dist=dist,
            version=version,
            api_version=api,
            import_seconds=import_seconds,
        )
        problem = api_problem(api)
        if problem is not None:
            info.status, info.reason = "refused", problem
            self.infos[name] = info
            where = f"plugin {name!r} ({info.dist_label})"
            if strict:
                raise IncompatiblePluginError(
                    f"{where} refused: {problem}", plugin=name, dist=info.dist_label
                )
            warnings.warn(f"{where} refused: {problem}", PluginWarning, stacklevel=3)
            return info
        try:
            self.register(plugin, name=name)
        except ValueError as exc:  # pluggy: name or object already registered
            raise PluginLoadError(
                f"plugin {name!r} ({info.dist_label}) could not be registered: {exc}",
                plugin=name,
                dist=info.dist_label,
            ) from exc
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(
                f"plugin {name!r} ({info.dist_label}) is invalid: {exc}",
                plugin=name,
                dist=info.dist_label,
            ) from exc
        info.hooks = sorted(
            h.name
            for h in (self.get_hookcallers(plugin) or [])
            if h.name != "taskplug_add_hookspecs"
        )
        self.infos[name] = info
        self._task_types = None
        self.type_registry = None
        return info

    def unregister_plugin(self, name: str) -> None:
        """Remove a registered plugin by name (tests, interactive use)."""
        self.unregister(name=name)
        self.infos.pop(name, None)
        self._task_types = None
        self.type_registry = None

    @property
    def task_types(self) -> TaskTypeRegistry:
        """The task-type registry, filled through ``taskplug_register_task_types``."""
        if self._task_types is None:
            from taskplug.registry import TaskTypeRegistry

            registry = TaskTypeRegistry(self)
            self.hooks.call("taskplug_register_task_types", registry=registry)
            self._task_types = registry
        return self._task_types


def api_problem(declared: object) -> str | None:
    """Why a plugin declaring ``declared`` as its API version cannot be used, or ``None``."""
    core_major, core_minor = (int(x) for x in hookspecs.API_VERSION.split("."))
    if declared is None:
        return (
            "it does not declare TASKPLUG_API_VERSION; add "
            f'TASKPLUG_API_VERSION = "{hookspecs.API_VERSION}" to the plugin module'
        )
    try:
        major, minor = (int(x) for x in str(declared).split("."))
    except ValueError:
        return f"TASKPLUG_API_VERSION must look like 'MAJOR.MINOR', got {declared!r}"
    if major != core_major or minor > core_minor:
        return (
            f"it targets taskplug hook API {major}.{minor}, this taskplug provides "
            f"{hookspecs.API_VERSION} (compatible: {core_major}.0 to {hookspecs.API_VERSION}); "
            "upgrade taskplug or install a version of the plugin made for this API"
        )
    return None


def _split_env(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def _entry_points() -> list[EntryPoint]:
    return entry_points(hookspecs.PROJECT)


def _load_entry_point(
    pm: TaskplugPluginManager, ep: EntryPoint, *, strict: bool = False
) -> PluginInfo:
    dist, version = ep.dist, ep.version
    label = f"{dist}=={version}" if dist else "no distribution"
    start = time.perf_counter()
    try:
        plugin = ep.load()
    except Exception as exc:
        raise PluginLoadError(
            f"plugin {ep.name!r} ({label}) failed to import {ep.value!r}: "
            f"{type(exc).__name__}: {exc}. Fix or uninstall {dist or ep.value}, or skip it "
            f"with {ENV_DISABLE}={ep.name}",
            plugin=ep.name,
            dist=label,
        ) from exc
    seconds = time.perf_counter() - start
    return pm.register_plugin(
        plugin, name=ep.name, dist=dist, version=version, import_seconds=seconds, strict=strict
    )


def _dist_of_module(module_name: str) -> tuple[str | None, str | None]:
    from importlib.metadata import packages_distributions, version

    dists = packages_distributions().get(module_name.partition(".")[0], [])
    if not dists:
        return None, None
    return dists[0], version(dists[0])


def _import_plugin(
    pm: TaskplugPluginManager, module_name: str, *, name: str | None = None, strict: bool = False
) -> PluginInfo:
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise PluginLoadError(
            f"plugin module {module_name!r} (named in {ENV_LOAD} or load_plugin) failed to "
            f"import: {type(exc).__name__}: {exc}",
            plugin=module_name,
        ) from exc
    seconds = time.perf_counter() - start
    dist, version = _dist_of_module(module_name)
    return pm.register_plugin(
        module,
        name=name or module_name,
        dist=dist,
        version=version,
        import_seconds=seconds,
        strict=strict,
    )


def build_plugin_manager(*, autoload: bool | None = None) -> TaskplugPluginManager:
    """Build a new, fully loaded plugin manager (see the module docstring for the steps)."""
    pm = TaskplugPluginManager()
    if autoload is None:
        autoload = os.environ.get(ENV_DISABLE_AUTOLOAD, "").lower() not in ("1", "true", "yes")
    disabled = set(_split_env(ENV_DISABLE))
    seen_core = False
    for ep in _entry_points():
        dist = ep.dist
        is_core = dist == CORE_DIST
        seen_core = seen_core or is_core
        if ep.name in disabled or pm.has_plugin(ep.name):
            if ep.name in disabled:
                pm.infos[ep.name] = PluginInfo(
                    name=ep.name,
                    module=ep.value,
                    dist=dist,
                    status="disabled",
                    reason=f"named in {ENV_DISABLE}",
                )
            continue
        if not (autoload or is_core):
            continue
        _load_entry_point(pm, ep)
    if not seen_core:  # running from a source tree whose metadata is not installed
        for name, module_name in _BUILTIN_FALLBACK.items():
            if name not in disabled and not pm.has_plugin(name):
                _import_plugin(pm, module_name, name=name)
    for module_name in _split_env(ENV_LOAD):
        if not pm.has_plugin(module_name):
            _import_plugin(pm, module_name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name, dist = pm.describe(exc.plugin)
        raise PluginLoadError(
            f"plugin {name!r} ({dist or 'no distribution'}) implements a hook taskplug does "
            f"not define: {exc}",
            plugin=name,
            dist=dist,
        ) from exc
    return pm


_PM: TaskplugPluginManager | None = None


def get_plugin_manager() -> TaskplugPluginManager:
    """The process-wide plugin manager, built on first use."""
    global _PM
    if _PM is None:
        _PM = build_plugin_manager()
    return _PM


def set_plugin_manager(pm: TaskplugPluginManager | None) -> TaskplugPluginManager | None:
    """Replace the process-wide manager (``None``: rebuild on next use); returns the old one."""
    global _PM
    old, _PM = _PM, pm
    return old


def load_plugin(plugin: str | object, *, name: str | None = None) -> PluginInfo:
    """Load one plugin explicitly, whatever the autoload setting.

    ``plugin`` is the name of a ``taskplug`` entry point, a module path, or a plugin object.
    """
    pm = get_plugin_manager()
    if not isinstance(plugin, str):
        return pm.register_plugin(plugin, name=name, strict=True)
    for ep in _entry_points():
        if ep.name == plugin:
            return _load_entry_point(pm, ep, strict=True)
    return _import_plugin(pm, plugin, name=name, strict=True)


def hooks() -> HookRelay:
    """The typed hook relay of the process-wide plugin manager."""
    return get_plugin_manager().hooks


__all__ = [
    "ENV_DISABLE",
    "ENV_DISABLE_AUTOLOAD",
    "ENV_LOAD",
    "HookRelay",
    "PluginInfo",
    "PluginWarning",
    "TaskplugPluginManager",
    "build_plugin_manager",
    "get_plugin_manager",
    "hooks",
    "load_plugin",
    "set_plugin_manager",
]
