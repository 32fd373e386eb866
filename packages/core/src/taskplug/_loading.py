"""Loading plugins: entry points, the environment switches, and refusing broken plugins.

A plugin that cannot be used — it fails to import, targets another hook API, implements a
hook that does not exist, or names an argument its hook does not have — is *refused*: it is
not registered, a :class:`PluginWarning` says why (naming plugin, distribution and the fix)
and ``taskplug plugins`` lists it, while every other plugin keeps working. With
``TASKPLUG_STRICT_PLUGINS=1`` (and for an explicit :func:`taskplug.load_plugin`) the same
problems raise :class:`~taskplug.errors.PluginLoadError` instead.

Names in ``TASKPLUG_PLUGINS`` and ``TASKPLUG_DISABLE_PLUGINS`` may be entry-point names,
distribution names or module names; a name that matches nothing is warned about.
"""

from __future__ import annotations

import difflib
import importlib
import os
import time
import warnings
from typing import TYPE_CHECKING

import pluggy

from taskplug import hookspecs
from taskplug._discovery import EntryPoint, entry_points, normalize_dist_name
from taskplug.errors import IncompatiblePluginError, PluginLoadError

if TYPE_CHECKING:
    from taskplug._manager import PluginInfo, TaskplugPluginManager

__all__ = [
    "ENV_DISABLE",
    "ENV_DISABLE_AUTOLOAD",
    "ENV_LOAD",
    "ENV_STRICT",
    "PluginWarning",
    "api_problem",
    "load_all",
    "load_named",
]

ENV_DISABLE_AUTOLOAD = "TASKPLUG_DISABLE_PLUGIN_AUTOLOAD"
ENV_DISABLE = "TASKPLUG_DISABLE_PLUGINS"
ENV_LOAD = "TASKPLUG_PLUGINS"
ENV_STRICT = "TASKPLUG_STRICT_PLUGINS"
CORE_DIST = "taskplug"
_TRUE = ("1", "true", "yes", "on")
#: Built-in plugins, used only when taskplug runs from a source tree without its metadata.
_BUILTIN_FALLBACK = {
    "container": "taskplug.builtin.container",
    "accelerators": "taskplug.builtin.accelerators",
}


class PluginWarning(UserWarning):
    """A plugin was refused or skipped, or a plugin switch names nothing; the message says why."""


def env_flag(name: str) -> bool:
    """Whether environment variable ``name`` is set to a true value (``1``, ``true``, ``yes``)."""
    return os.environ.get(name, "").strip().lower() in _TRUE


def _split_env(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


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
    if major < core_major:
        return (
            f"it was written for taskplug hook API {major}.{minor}, older than this taskplug's "
            f"{hookspecs.API_VERSION}; upgrade the plugin to a version made for hook API "
            f"{core_major}.x"
        )
    if major > core_major or minor > core_minor:
        return (
            f"it targets taskplug hook API {major}.{minor}, newer than this taskplug's "
            f"{hookspecs.API_VERSION} (compatible: {core_major}.0 to {hookspecs.API_VERSION}); "
            "upgrade taskplug, or install a version of the plugin made for this API"
        )
    return None


def disable_hint(name: str) -> str:
    """The sentence every load problem ends with."""
    return f"skip it with {ENV_DISABLE}={name}"


def refuse(
    pm: TaskplugPluginManager,
    info: PluginInfo,
    reason: str,
    *,
    status: str = "refused",
    strict: bool = False,
    error: type[PluginLoadError] | type[IncompatiblePluginError] = PluginLoadError,
    cause: BaseException | None = None,
) -> PluginInfo:
    """Record ``info`` as refused (or failed) with ``reason``; warn, or raise when strict."""
    info.status, info.reason = status, reason
    pm.infos[info.name] = info
    message = (
        f"plugin {info.name!r} ({info.dist_label}) {status}: {reason}. {disable_hint(info.name)}"
    )
    if strict or pm.strict:
        raise error(message, plugin=info.name, dist=info.dist_label) from cause
    warnings.warn(message, PluginWarning, stacklevel=4)
    return info


# -- one plugin -------------------------------------------------------------------------------


def load_entry_point(
    pm: TaskplugPluginManager, ep: EntryPoint, *, strict: bool = False
) -> PluginInfo:
    """Import and register the plugin of one entry point (refused when it fails)."""
    from taskplug._manager import PluginInfo

    start = time.perf_counter()
    try:
        plugin = ep.load()
    except Exception as exc:
        info = PluginInfo(name=ep.name, module=ep.value, dist=ep.dist, version=ep.version)
        owner = ep.dist or ep.value
        return refuse(
            pm,
            info,
            f"failed to import {ep.value!r}: {type(exc).__name__}: {exc}. Fix or uninstall {owner}",
            status="failed",
            strict=strict,
            cause=exc,
        )
    return pm.register_plugin(
        plugin,
        name=ep.name,
        dist=ep.dist,
        version=ep.version,
        import_seconds=time.perf_counter() - start,
        strict=strict,
    )


def import_module_plugin(
    pm: TaskplugPluginManager,
    module_name: str,
    *,
    name: str | None = None,
    strict: bool = False,
    eps: list[EntryPoint] | None = None,
) -> PluginInfo:
    """Import module ``module_name`` and register it as a plugin (refused when it fails).

    Its distribution is the one whose entry point names the module, else the one that
    installed its top-level package.
    """
    from taskplug._manager import PluginInfo

    dist, version = _dist_of_module(module_name, eps if eps is not None else _taskplug_eps())
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        info = PluginInfo(name=name or module_name, module=module_name, dist=dist, version=version)
        return refuse(
            pm,
            info,
            f"module {module_name!r} (named in {ENV_LOAD} or load_plugin) failed to import: "
            f"{type(exc).__name__}: {exc}",
            status="failed",
            strict=strict,
            cause=exc,
        )
    return pm.register_plugin(
        module,
        name=name or module_name,
        dist=dist,
        version=version,
        import_seconds=time.perf_counter() - start,
        strict=strict,
    )


def _taskplug_eps() -> list[EntryPoint]:
    return entry_points(hookspecs.PROJECT)


def _ep_module(ep: EntryPoint) -> str:
    return ep.value.partition(":")[0].strip()


def _dist_of_module(module_name: str, eps: list[EntryPoint]) -> tuple[str | None, str | None]:
    for ep in eps:
        if _ep_module(ep) == module_name:
            return ep.dist, ep.version
    try:
        from importlib.metadata import packages_distributions, version

        dists = packages_distributions().get(module_name.partition(".")[0], [])
        if dists:
            return dists[0], version(dists[0])
    except Exception:  # metadata is best effort: a plugin without it still loads
        pass
    return None, None


# -- names in the environment switches --------------------------------------------------------


def _matches(ep: EntryPoint, name: str) -> bool:
    if name == ep.name or name == _ep_module(ep):
        return True
    return ep.dist is not None and normalize_dist_name(name) == normalize_dist_name(ep.dist)


def _unknown_name_warning(
    pm: TaskplugPluginManager, variable: str, name: str, eps: list[EntryPoint]
) -> None:
    known = sorted({ep.name for ep in eps} | {ep.dist for ep in eps if ep.dist})
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    message = (
        f"{variable} names {name!r}, which is no installed taskplug plugin (entry-point, "
        f"distribution or module name){hint} Installed: {', '.join(known) or 'none'}"
    )
    pm.notes.append(message)
    warnings.warn(message, PluginWarning, stacklevel=4)


def load_all(pm: TaskplugPluginManager, *, autoload: bool) -> None:
    """Load what the environment asks for (the steps of ``build_plugin_manager``)."""
    from taskplug._manager import PluginInfo

    eps = _taskplug_eps()
    disabled = _split_env(ENV_DISABLE)
    for name in disabled:
        if not any(_matches(ep, name) for ep in eps) and name not in _BUILTIN_FALLBACK:
            named = _split_env(ENV_LOAD)
            if name not in named:
                _unknown_name_warning(pm, ENV_DISABLE, name, eps)

    def is_disabled(ep: EntryPoint) -> bool:
        return any(_matches(ep, name) for name in disabled)

    seen_core = False
    for ep in eps:
        is_core = ep.dist == CORE_DIST
        seen_core = seen_core or is_core
        if pm.has_plugin(ep.name) or ep.name in pm.infos:
            continue
        if is_disabled(ep):
            pm.infos[ep.name] = PluginInfo(
                name=ep.name,
                module=ep.value,
                dist=ep.dist,
                version=ep.version,
                status="disabled",
                reason=f"named in {ENV_DISABLE}",
            )
            continue
        if autoload or is_core:
            load_entry_point(pm, ep)
    if not seen_core:  # running from a source tree whose metadata is not installed
        for name, module_name in _BUILTIN_FALLBACK.items():
            if name not in disabled and name not in pm.infos:
                import_module_plugin(pm, module_name, name=name, eps=eps)
    for name in _split_env(ENV_LOAD):
        if name in disabled:
            continue
        load_named(pm, name, eps=eps)
    refuse_unknown_hooks(pm)


def load_named(
    pm: TaskplugPluginManager,
    name: str,
    *,
    eps: list[EntryPoint] | None = None,
    strict: bool = False,
) -> list[PluginInfo]:
    """Load plugin(s) by entry-point, distribution or module name; what was loaded.

    An entry-point name loads that entry point; a distribution name loads all of its
    ``taskplug`` entry points; anything else is imported as a module.
    """
    eps = eps if eps is not None else _taskplug_eps()
    chosen = [ep for ep in eps if _matches(ep, name)]
    if chosen:
        out = []
        for ep in chosen:
            info = pm.infos.get(ep.name)
            if info is not None and info.status == "loaded":
                out.append(info)
            else:
                pm.infos.pop(ep.name, None)
                out.append(load_entry_point(pm, ep, strict=strict))
        return out
    existing = pm.infos.get(name)
    if existing is not None and existing.status == "loaded":
        return [existing]
    return [import_module_plugin(pm, name, strict=strict, eps=eps)]


# -- hooks that do not exist ------------------------------------------------------------------


def unknown_hooks(pm: TaskplugPluginManager, plugin: object) -> list[str]:
    """The hook implementations of ``plugin`` that match no hook specification."""
    return sorted(
        hc.name
        for hc in (pm.get_hookcallers(plugin) or [])
        if not hc.has_spec() and hc.name.startswith(f"{hookspecs.PROJECT}_")
    )


def did_you_mean(pm: TaskplugPluginManager, name: str) -> str:
    """`` (did you mean taskplug_x?)`` for a misspelled hook name, or ``""``."""
    known = [n for n in dir(pm.hook) if n.startswith(f"{hookspecs.PROJECT}_")]
    known = [n for n in known if getattr(pm.hook, n).has_spec()]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def refuse_unknown_hooks(pm: TaskplugPluginManager, *, strict: bool = False) -> None:
    """Refuse every registered plugin that implements a hook no specification defines.

    Run once all plugins are loaded: a plugin may implement a hook that another plugin adds
    (``taskplug_add_hookspecs``), whatever their loading order.
    """
    for plugin_name, plugin in list(pm.list_name_plugin()):
        if plugin is None:
            continue
        names = unknown_hooks(pm, plugin)
        if not names:
            continue
        info = pm.infos[plugin_name]
        pm.unregister(name=plugin_name)
        pm.forget_caches()
        listed = ", ".join(f"{n}{did_you_mean(pm, n)}" for n in names)
        refuse(pm, info, f"implements hook(s) taskplug does not define: {listed}", strict=strict)


def validation_reason(pm: TaskplugPluginManager, exc: pluggy.PluginValidationError) -> str:
    """A one-line reason for pluggy's complaint about a hook implementation."""
    import re

    text = str(exc)
    hook = re.search(r"for hook '([^']+)'", text)
    definition = re.search(r"hookimpl definition: (.*)", text)
    args = re.search(r"Argument\(s\) (\{.*?\})", text)
    if hook and args:
        caller = getattr(pm.hook, hook.group(1), None)
        takes = ", ".join(caller.spec.argnames) if caller is not None and caller.spec else "?"
        return (
            f"its {definition.group(1) if definition else hook.group(1)} declares argument(s) "
            f"{args.group(1)} that hook {hook.group(1)} does not have; the hook takes: {takes}"
        )
    return "has an invalid hook implementation: " + " ".join(text.split())
