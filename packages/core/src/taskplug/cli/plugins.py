"""``taskplug plugins``: what is loaded, what each plugin provides, and what was refused."""

from __future__ import annotations

from typing import Any

__all__ = ["plugin_notes", "plugin_rows", "print_plugin_table"]


def plugin_notes() -> list[str]:
    """Problems with the plugin switches (``TASKPLUG_DISABLE_PLUGINS`` naming nothing …)."""
    from taskplug._manager import get_plugin_manager

    return list(get_plugin_manager().notes)


def plugin_rows() -> list[dict[str, Any]]:
    """One dict per known plugin: origin, status, hooks, task types, services, transformers.

    Builds a non-strict plugin manager (so that listing never fails) when none is current.
    """
    from taskplug._manager import build_plugin_manager, get_plugin_manager, set_plugin_manager
    from taskplug.errors import PluginError

    try:
        pm = get_plugin_manager()
    except PluginError:  # strict mode refused to build: list what a lenient build finds
        pm = build_plugin_manager(strict=False)
        set_plugin_manager(pm)
    registry = pm.task_types
    task_types: dict[str, list[str]] = {}
    for entry in registry:
        config = f" <- {entry.config_type.__qualname__}" if entry.config_type else ""
        task_types.setdefault(entry.plugin, []).append(
            f"{entry.task_type} ({entry.task_class.__qualname__}{config})"
        )
    services: dict[str, list[str]] = {}
    for service in registry.services():
        hooks = ", ".join(sorted(h.removeprefix("taskplug_") for h in service.hooks))
        services.setdefault(service.plugin, []).append(f"{service.description}: {hooks}")
    transformers = _transformers_by_plugin(pm)
    return [
        {
            "name": i.name,
            "module": i.module,
            "distribution": i.dist,
            "version": i.version,
            "api_version": i.api_version,
            "status": i.status,
            "reason": i.reason,
            "hooks": i.hooks,
            "task_types": task_types.get(i.name, []),
            "services": services.get(i.name, []),
            "transformers": transformers.get(i.name, []),
            "import_ms": round(i.import_seconds * 1000, 2),
        }
        for i in pm.hooks.iter_plugins()
    ]


def _transformers_by_plugin(pm: Any) -> dict[str, list[str]]:
    """Type transformers each plugin contributed (empty when the registry cannot say)."""
    try:
        from taskplug.types import TypeEngine

        registry = TypeEngine.registry()
    except Exception:  # a broken transformer plugin must not break the listing
        return {}
    owners = getattr(registry, "owners", None)
    if not callable(owners):
        return {}
    found: dict[str, list[str]] = {}
    for plugin, name in owners():
        found.setdefault(plugin, []).append(name)
    return found


def print_plugin_table(rows: list[dict[str, Any]], notes: list[str] | None = None) -> None:
    """One block per plugin (nothing cut at any terminal width): origin, status, what it
    provides, its hooks; a plugin that is not loaded shows the full reason."""
    from rich.console import Console
    from rich.markup import escape

    from taskplug.hookspecs import API_VERSION

    console = Console(highlight=False)
    loaded = sum(1 for r in rows if r["status"] == "loaded")
    console.print(
        f"[bold]taskplug plugins[/] (hook API {API_VERSION}): {loaded} loaded, "
        f"{len(rows) - loaded} not loaded"
    )
    for row in rows:
        dist = row["distribution"] or "no distribution"
        if row["version"]:
            dist = f"{dist} {row['version']}"
        color = "green" if row["status"] == "loaded" else "red"
        console.print(
            f"\n[bold]{escape(row['name'])}[/]  {escape(dist)}  [{color}]{row['status']}[/]"
            f"  {row['import_ms']:.1f} ms  ({escape(row['module'])})"
        )
        if row["reason"]:
            console.print(f"  reason: {escape(row['reason'])}")
        for label, items in (
            ("task types", row["task_types"]),
            ("serves", row["services"]),
            ("type transformers", row["transformers"]),
            ("hooks", [h.removeprefix("taskplug_") for h in row["hooks"]]),
        ):
            if items:
                console.print(f"  {label}: {escape(', '.join(items))}")
    for note in notes or ():
        console.print(f"\n[yellow]note[/]: {escape(note)}", soft_wrap=True)
