"""Every name ``taskplug`` exports lazily resolves, and type checkers see it as exported.

``import taskplug`` loads its public names on first use (``_EXPORTS``); for mypy and pyright
the same names are imported under ``TYPE_CHECKING`` with the ``X as X`` form, which is what
marks a name as re-exported under ``--strict`` (``no_implicit_reexport``). A name missing
there makes ``from taskplug import X`` a type error in every strict user project.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import taskplug


def _type_checking_reexports() -> set[str]:
    tree = ast.parse(Path(taskplug.__file__).read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom):
                    names |= {a.asname for a in stmt.names if a.asname == a.name}
    return names


def test_every_lazy_export_resolves_to_its_module_attribute() -> None:
    for name, module in taskplug._EXPORTS.items():
        value = getattr(taskplug, name)
        assert value is getattr(importlib.import_module(module), name), name


def test_every_public_name_is_an_explicit_reexport_for_type_checkers() -> None:
    public = set(taskplug.__all__) - {"__version__", *taskplug._PLUGIN_EXPORTS}
    missing = sorted(public - _type_checking_reexports())
    assert missing == [], (
        f"add `from <module> import {missing[0]} as {missing[0]}` under TYPE_CHECKING"
    )
