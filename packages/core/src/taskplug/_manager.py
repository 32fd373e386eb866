"""The plugin manager: built lazily, fed from entry points, called through typed wrappers.

Nothing here runs at import time. :func:`get_plugin_manager` builds the one
``pluggy.PluginManager("taskplug")`` on first use:

1. register the hook specs (``taskplug.hookspecs``);
2. load every entry point of the group ``taskplug``. The core's own plugins (the container task
   type, the accelerator catalogue) are entry points of the ``taskplug`` distribution and load
   through that same path; ``TASKPLUG_DISABLE_PLUGIN_AUTOLOAD=1`` skips the entry points of
   every other distribution, ``TASKPLUG_DISABLE_PLUGINS=a,b`` skips the named ones;
3. load what ``TASKPLUG_PLUGINS=a,b`` names (explicit loading; also :func:`load_plugin`);
4. refuse plugins that cannot work (see :mod:`taskplug._loading`): they are recorded and
   warned about, and everything else keeps working (``TASKPLUG_STRICT_PLUGINS=1`` raises).

The task-type registry is filled on first use, one plugin at a time, so each registration
is attributed to the plugin that made it.
"""

from __future__ import annotations

import types
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pluggy

from taskplug import hookspecs
from taskplug._loading import (
    ENV_DISABLE,
    ENV_DISABLE_AUTOLOAD,
    ENV_LOAD,
    ENV_STRICT,
    PluginWarning,
    api_problem,
    env_flag,
    load_all,
    load_named,
    refuse,
    validation_reason,
)
from taskplug._relay import HookRelay
from taskplug.errors import IncompatiblePluginError, PluginError, PluginLoadError

if TYPE_CHECKING:
    from taskplug.registry import TaskTypeRegistry
    from taskplug.types.engine import TypeTransformerRegistry

__all__ = [
    "ENV_DISABLE",
    "ENV_DISABLE_AUTOLOAD",
    "ENV_LOAD",
    "ENV_STRICT",
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


@dataclass
class PluginInfo:
    """What is known about one plugin: where it came from and how loading it went.

    ``status`` is ``loaded``, ``refused`` (it cannot work with this taskplug: wrong API
    version, unknown hook, bad registration), ``failed`` (its import raised) or ``disabled``
    (``TASKPLUG_DISABLE_PLUGINS``); ``reason`` says why.
    """

    name: str
    module: str
    dist: str | None = None
    version: str | None = None
    api_version: str | None = None
    import_seconds: float = 0.0
    status: str = "loaded"
    reason: str = ""
    hooks: list[str] = field(default_factory=list)

    @property
    def dist_label(self) -> str:
        """``dist==version`` (``no distribution`` when the plugin has none)."""
        if self.dist:
            return f"{self.dist}=={self.version}" if self.version else self.dist
        return "no distribution"

    @property
    def package(self) -> str:
        """The top-level package of the plugin's module (``taskplug_k8s_pod``)."""
        return self.module.partition(":")[0].strip().partition(".")[0]


class TaskplugPluginManager(pluggy.PluginManager):
    """``pluggy.PluginManager`` that remembers where each plugin came from."""

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__(hookspecs.PROJECT)
        self.infos: dict[str, PluginInfo] = {}
        #: Problems with the plugin switches themselves (a name that matches nothing).
        self.notes: list[str] = []
        #: Raise on a broken plugin instead of refusing it with a warning.
        self.strict = strict
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

    def dist_label(self, name: str) -> str | None:
        """``dist==version`` of the plugin called ``name`` (``None`` without a distribution)."""
        info = self.infos.get(name)
        return info.dist_label if info is not None and info.dist else None

    def forget_caches(self) -> None:
        """Drop everything derived from the set of plugins (registries, routes)."""
        self._task_types = None
        self.type_registry = None
        self.hooks.forget()

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

        A plugin that cannot work — its ``TASKPLUG_API_VERSION`` does not fit, a hook
        implementation does not match its specification — is not registered: a
        :class:`PluginWarning` says why and the returned info has ``status == "refused"``.
        With ``strict=True`` (an explicit :func:`load_plugin`) or a strict manager it raises
        :class:`~taskplug.errors.IncompatiblePluginError` /
        :class:`~taskplug.errors.PluginLoadError` instead.
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
            return refuse(self, info, problem, strict=strict, error=IncompatiblePluginError)
        try:
            self.register(plugin, name=name)
        except ValueError as exc:  # pluggy: name or object already registered
            return refuse(self, info, f"could not be registered: {exc}", strict=strict, cause=exc)
        except pluggy.PluginValidationError as exc:
            return refuse(self, info, validation_reason(self, exc), strict=strict, cause=exc)
        info.hooks = sorted(
            h.name
            for h in (self.get_hookcallers(plugin) or [])
            if h.name != "taskplug_add_hookspecs"
        )
        self.infos[name] = info
        self.forget_caches()
        return info

    def unregister_plugin(self, name: str) -> None:
        """Remove a registered plugin by name (tests, interactive use)."""
        self.unregister(name=name)
        self.infos.pop(name, None)
        self.forget_caches()

    def plugin_for_module(self, module: str, *, loaded: bool = True) -> PluginInfo | None:
        """The plugin whose top-level package holds ``module`` (never the core's own).

        ``loaded=True``: among loaded plugins (who wrote this task class?); ``loaded=False``:
        among refused, failed or disabled ones, so that an error about, say, a ``task_config``
        class can say "the plugin that provides it is installed but was refused: …" instead of
        "install the plugin".
        """
        top = module.partition(".")[0]
        if top == "taskplug":
            return None
        for info in self.infos.values():
            if info.package == top and (info.status == "loaded") == loaded:
                return info
        return None

    @property
    def task_types(self) -> TaskTypeRegistry:
        """The task-type registry, filled through ``taskplug_register_task_types``.

        Each plugin's hook runs on its own with ``registry.current_plugin`` set to its name; a
        plugin whose registration fails is refused (its registrations rolled back) and the
        others keep theirs.
        """
        if self._task_types is None:
            self._task_types = self._build_task_types()
        return self._task_types

    def _build_task_types(self) -> TaskTypeRegistry:
        from taskplug.registry import TaskTypeRegistry

        registry = TaskTypeRegistry(self)
        # In registration order (pluggy calls the newest first): on a conflict, the plugin
        # that was there first keeps its registration and the later one is refused.
        for plugin_name, call in reversed(list(self.hooks.each("taskplug_register_task_types"))):
            registry.current_plugin = plugin_name
            try:
                call(registry=registry)
            except PluginError as exc:
                registry.forget_plugin(plugin_name)
                info = self.infos[plugin_name]
                self.unregister(name=plugin_name)
                self.hooks.forget()
                refuse(self, info, f"its task types could not be registered: {exc}", cause=exc)
            finally:
                registry.current_plugin = None
        _warn_about_idle_owned_hooks(self, registry)
        return registry


def _warn_about_idle_owned_hooks(pm: TaskplugPluginManager, registry: TaskTypeRegistry) -> None:
    """Warn about plugins answering owned hooks for tasks they neither registered nor serve."""
    from taskplug.registry import OWNED_HOOKS

    owners = registry.plugins()
    for hook in OWNED_HOOKS:
        for impl in getattr(pm.hook, hook).get_hookimpls():
            if impl.plugin_name not in owners:
                info = pm.infos.get(impl.plugin_name)
                where = f" ({info.dist_label})" if info is not None and info.dist else ""
                warnings.warn(
                    f"plugin {impl.plugin_name!r}{where} implements {hook} but registers no "
                    "task type and serves no tasks, so it is never asked: register the task "
                    "types it answers for (registry.add) or declare the tasks it serves "
                    "(registry.serve) in taskplug_register_task_types",
                    PluginWarning,
                    stacklevel=5,
                )


def build_plugin_manager(
    *, autoload: bool | None = None, strict: bool | None = None
) -> TaskplugPluginManager:
    """Build a new, fully loaded plugin manager (see the module docstring for the steps)."""
    pm = TaskplugPluginManager(strict=env_flag(ENV_STRICT) if strict is None else strict)
    if autoload is None:
        autoload = not env_flag(ENV_DISABLE_AUTOLOAD)
    load_all(pm, autoload=autoload)
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
    """Load one plugin explicitly, whatever the autoload setting; raises when it cannot work.

    ``plugin`` is an entry-point name, a distribution name (its first entry point), a module
    path, or a plugin object. Problems raise :class:`~taskplug.errors.PluginLoadError` or
    :class:`~taskplug.errors.IncompatiblePluginError` naming the plugin.
    """
    from taskplug._loading import refuse_unknown_hooks

    pm = get_plugin_manager()
    if not isinstance(plugin, str):
        info = pm.register_plugin(plugin, name=name, strict=True)
    else:
        info = load_named(pm, plugin, strict=True)[0]
    try:
        refuse_unknown_hooks(pm, strict=True)
    except PluginLoadError:
        pm.forget_caches()
        raise
    return info


def hooks() -> HookRelay:
    """The typed hook relay of the process-wide plugin manager."""
    return get_plugin_manager().hooks
