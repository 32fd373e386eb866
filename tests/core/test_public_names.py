"""Every name a package exports lazily resolves, and type checkers see it as exported.

``taskplug``, its public subpackages and the plugin packages load their public names on first
use (an ``_EXPORTS`` table and a module ``__getattr__``); for mypy and pyright the same names
are imported under ``TYPE_CHECKING`` in the ``X as X`` form, which is what marks a name as
re-exported under ``--strict`` (``no_implicit_reexport``). A name missing there makes
``from taskplug import X`` a type error in every strict user project.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

LAZY_MODULES = [
    "taskplug",
    "taskplug.deck",
    "taskplug.extend",
    "taskplug.extras.pytorch",
    "taskplug.extras.tensorflow",
    "taskplug.testing",
    "taskplug.types",
    "taskplug.types.tables",
    "taskplug_eager",
    "taskplug_k8s_pod",
    "taskplug_sql",
]


def _type_checking_reexports(module: ModuleType) -> set[str]:
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom):
                    names |= {a.asname for a in stmt.names if a.asname == a.name}
        # a literal __all__ = [...] is read by type checkers too: its names are exported
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List)
        ):
            names |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return names


def _source(module: ModuleType, attr: str, where: str | tuple[str, str]) -> object:
    """What ``module._EXPORTS[attr]`` points at: a module path, a submodule name, or
    ``(module path, attribute)``."""
    if isinstance(where, tuple):
        path, attr = where
    else:
        path = where if "." in where else f"{module.__name__}.{where}"
    return getattr(importlib.import_module(path), attr)


def _load(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # a plugin package not installed in this environment
        pytest.skip(f"{name} is not installed: {exc}")


@pytest.mark.parametrize("name", LAZY_MODULES)
def test_every_lazy_export_resolves_to_its_module_attribute(name: str) -> None:
    module = _load(name)
    for attr, where in module._EXPORTS.items():
        assert getattr(module, attr) is _source(module, attr, where), f"{name}.{attr}"


@pytest.mark.parametrize("name", LAZY_MODULES)
def test_every_public_name_is_an_explicit_reexport_for_type_checkers(name: str) -> None:
    module = _load(name)
    public = set(module._EXPORTS) & set(module.__all__)
    missing = sorted(public - _type_checking_reexports(module))
    assert missing == [], (
        f"{name}: add `from <module> import {missing[0]} as {missing[0]}` under TYPE_CHECKING"
    )
