"""The import-rewriting rule: a flytekit script becomes a taskplug script.

Only import statements that name ``flytekit`` or one of its submodules change, wherever they
are in the file (module level, inside functions, inside ``if`` blocks); nothing else does (not
comments, strings, attribute uses, nor ``flytekitplugins`` packages, which are separate
distributions). Each change stays on its line, so line numbers in tracebacks are the same
before and after:

====================================  ==========================================
flytekit                              taskplug
====================================  ==========================================
``from flytekit import X``            ``from taskplug import X``
``from flytekit.a.b import X as Y``   ``from taskplug.a.b import X as Y``
``import flytekit``                   ``import taskplug as flytekit``
``import flytekit as fk``             ``import taskplug as fk``
``import flytekit.a.b as m``          ``import taskplug.a.b as m``
``import flytekit.a.b``               ``import taskplug.a.b, taskplug as flytekit``
====================================  ==========================================

The last form keeps ``flytekit.a.b.X`` working (``flytekit`` is bound to the taskplug package,
whose ``a.b`` submodule has been imported); it also binds the name ``taskplug``.
Names are kept as they are: ``from flytekit import FlyteFile`` asks taskplug for ``FlyteFile``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

SOURCE_PACKAGE = "flytekit"
TARGET_PACKAGE = "taskplug"

_FIRST_NAME = re.compile(rb"\b" + SOURCE_PACKAGE.encode() + rb"\b")


@dataclass(frozen=True, kw_only=True)
class Change:
    """One rewritten span: 1-based line, 0-based UTF-8 byte columns (as ``ast`` counts)."""

    line: int
    start: int
    end: int
    before: str
    after: str


def is_flytekit_module(name: str | None) -> bool:
    """True for ``flytekit`` and its submodules (not for ``flytekitplugins``)."""
    return name is not None and (name == SOURCE_PACKAGE or name.startswith(SOURCE_PACKAGE + "."))


def target_module(name: str) -> str:
    """The taskplug module a flytekit module name is rewritten to."""
    if not is_flytekit_module(name):
        raise ValueError(f"{name!r} is not flytekit or one of its submodules")
    return TARGET_PACKAGE + name[len(SOURCE_PACKAGE) :]


def _alias_replacement(alias: ast.alias) -> str:
    target = target_module(alias.name)
    if alias.asname is not None:
        return f"{target} as {alias.asname}"
    if alias.name == SOURCE_PACKAGE:
        return f"{TARGET_PACKAGE} as {SOURCE_PACKAGE}"
    return f"{target}, {TARGET_PACKAGE} as {SOURCE_PACKAGE}"


def _from_change(lines: list[bytes], node: ast.ImportFrom) -> Change:
    # The module name is the first whole word "flytekit" after the `from` keyword, possibly
    # on a backslash-continued line.
    line_no, col = node.lineno, node.col_offset
    while (match := _FIRST_NAME.search(lines[line_no - 1], col)) is None:
        line_no, col = line_no + 1, 0
    return Change(
        line=line_no,
        start=match.start(),
        end=match.end(),
        before=SOURCE_PACKAGE,
        after=TARGET_PACKAGE,
    )


def _alias_change(lines: list[bytes], alias: ast.alias) -> Change:
    start, end = alias.col_offset, alias.end_col_offset
    if end is None or alias.end_lineno != alias.lineno:  # pragma: no cover - CPython sets them
        raise ValueError(f"no single-line position for import of {alias.name!r}")
    return Change(
        line=alias.lineno,
        start=start,
        end=end,
        before=lines[alias.lineno - 1][start:end].decode(),
        after=_alias_replacement(alias),
    )


def find_changes(source: str, *, filename: str = "<script>") -> list[Change]:
    """The spans the rule rewrites in ``source``, in file order.

    Raises ``SyntaxError`` when the text is not valid Python.
    """
    tree = ast.parse(source, filename=filename)
    lines = source.encode().splitlines(keepends=True)
    changes: list[Change] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and is_flytekit_module(node.module):
                changes.append(_from_change(lines, node))
        elif isinstance(node, ast.Import):
            changes.extend(
                _alias_change(lines, alias)
                for alias in node.names
                if is_flytekit_module(alias.name)
            )
    return sorted(changes, key=lambda c: (c.line, c.start))


def rewrite_source(source: str, *, filename: str = "<script>") -> tuple[str, list[Change]]:
    """Apply the rule to one file's text; return the new text and what changed.

    Raises ``SyntaxError`` when the text is not valid Python (nothing is rewritten then).
    """
    changes = find_changes(source, filename=filename)
    if not changes:
        return source, []
    lines = source.encode().splitlines(keepends=True)
    # Right to left within a line, so the offsets of earlier spans stay valid.
    for change in sorted(changes, key=lambda c: (c.line, -c.start)):
        raw = lines[change.line - 1]
        lines[change.line - 1] = raw[: change.start] + change.after.encode() + raw[change.end :]
    return b"".join(lines).decode(), changes
