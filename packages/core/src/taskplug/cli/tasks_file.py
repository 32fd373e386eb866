"""Loading a Python file of tasks for the CLI (``taskplug run`` / ``taskplug serialize``)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from types import ModuleType

    from taskplug.tasks.base import PythonTask

__all__ = [
    "find_task",
    "load_entities",
    "load_launch_plans",
    "load_module",
    "load_tasks",
    "load_workflows",
]


def _module_name_for(path: str) -> tuple[str, str]:
    """``(sys.path root, dotted module name)`` for a ``.py`` file, walking up packages."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    parts = [os.path.splitext(filename)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    return directory, ".".join(parts)


def load_module(path: str) -> ModuleType:
    """Import the Python file ``path`` under its importable name (so containers find it too)."""
    if os.path.isdir(path):
        raise click.UsageError(f"{path!r} is a directory; give the Python file of the tasks")
    if not os.path.isfile(path):
        hint = f" (did you mean {path + '.py'!r}?)" if os.path.isfile(path + ".py") else ""
        raise click.UsageError(f"file {path!r} does not exist{hint}")
    if not path.endswith(".py"):
        raise click.UsageError(f"{path!r} is not a Python file (.py)")
    root, name = _module_name_for(path)
    loaded = sys.modules.get(name)
    if loaded is not None:
        origin = getattr(loaded, "__file__", None)
        if origin and os.path.samefile(origin, path):
            return loaded
        raise click.UsageError(
            f"cannot load {path!r}: a module named {name!r} is already imported from {origin!r}"
        )
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise click.ClickException(
            f"could not load {path!r} (module {name}): {type(exc).__name__}: {exc}"
        ) from exc


def load_tasks(module: ModuleType, *, own_only: bool = True) -> dict[str, PythonTask[Any]]:
    """Tasks at module level of ``module`` by attribute name (``own_only``: declared there)."""
    from taskplug.tasks.base import PythonTask

    found: dict[str, PythonTask[Any]] = {}
    for attr, value in vars(module).items():
        if not isinstance(value, PythonTask):
            continue
        if own_only and getattr(value, "instantiated_in", module.__name__) != module.__name__:
            continue
        found[attr] = value
    return found


def load_workflows(module: ModuleType, *, own_only: bool = True) -> dict[str, Any]:
    """Workflows at module level of ``module`` by attribute name (``own_only``: declared there)."""
    from taskplug.workflows.graph import WorkflowBase

    found: dict[str, Any] = {}
    for attr, value in vars(module).items():
        if not isinstance(value, WorkflowBase):
            continue
        if own_only and getattr(value, "instantiated_in", module.__name__) != module.__name__:
            continue
        found[attr] = value
    return found


def load_launch_plans(module: ModuleType) -> dict[str, Any]:
    """Launch plans created in ``module`` and held by one of its attributes."""
    from taskplug.workflows.launch_plan import LaunchPlan

    found: dict[str, Any] = {}
    for attr, value in vars(module).items():
        if isinstance(value, LaunchPlan) and value.instantiated_in in ("", module.__name__):
            found[attr] = value
    return found


def load_entities(module: ModuleType) -> dict[str, Any]:
    """Tasks, workflows and launch plans declared in ``module``, in the module's order."""
    wanted = {**load_tasks(module), **load_workflows(module)}
    if "taskplug.workflows.launch_plan" in sys.modules:  # no launch plan without the module
        wanted.update(load_launch_plans(module))
    return {attr: wanted[attr] for attr in vars(module) if attr in wanted}


def find_task(module: ModuleType, name: str, path: str) -> Any:
    """The task or workflow called ``name`` (attribute, full or short name) in ``module``."""
    entities = {**load_tasks(module, own_only=False), **load_workflows(module, own_only=False)}
    if "taskplug.workflows.launch_plan" in sys.modules:
        entities.update(load_launch_plans(module))
    if name in entities:
        return entities[name]
    for t in entities.values():
        if t.name == name or t.name.rpartition(".")[2] == name:
            return t
    known = ", ".join(sorted(load_entities(module))) or "none"
    raise click.UsageError(
        f"no task or workflow named {name!r} in {path}; its tasks and workflows are: {known}"
    )
