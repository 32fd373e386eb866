"""Query templates: flytekit's ``{{ .inputs.name }}`` syntax, compiled to bound parameters.

A template is SQL with placeholders::

    SELECT id, name FROM users WHERE score > {{ .inputs.min_score }} LIMIT {{ .inputs.limit }}

By default every ``{{ .inputs.x }}`` becomes a *parameter* the database driver binds
(``WHERE score > ? LIMIT ?`` with the values passed separately), so an input such as
``'; DROP TABLE users; --`` is compared as a string and never runs. A placeholder written
inside quotes as flytekit users do (``name = '{{ .inputs.name }}'``) is bound as a whole value
(the quotes belong to the placeholder); one inside a longer string literal
(``'%{{ .inputs.x }}%'``) is refused: bind the whole pattern instead. Table and column names
cannot be bound: ``{{ .inputs.table | identifier }}`` pastes an input after checking it is a
plain SQL name (:func:`identifier`). ``{{ .rawOutputDataPrefix }}`` is the run's raw output
prefix (bound as a parameter when the task runs; kept as written in a serialized statement,
for the backend to fill in).

``paste=True`` restores flytekit's behaviour (``str(value)`` pasted into the text): only for
templates that need it, such as a value spliced into a larger literal, and never with
untrusted inputs.

The compiled statement is rendered in any DB-API ``paramstyle`` (``qmark`` ``?``, ``numeric``
``:1``, ``named`` ``:name``, ``format`` ``%s``, ``pyformat`` ``%(name)s``) and two more:
``dollar`` (``$1``, PostgreSQL) and ``at`` (``@name``, BigQuery).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from taskplug_sql.errors import SQLTemplateError

__all__ = [
    "PARAMSTYLES",
    "RAW_OUTPUT_PREFIX",
    "QueryTemplate",
    "Rendered",
    "identifier",
    "normalize",
]

#: The parameter name ``{{ .rawOutputDataPrefix }}`` is bound under.
RAW_OUTPUT_PREFIX = "__raw_output_data_prefix"
PARAMSTYLES = ("qmark", "numeric", "named", "format", "pyformat", "dollar", "at")

_PLACEHOLDER = re.compile(
    r"\{\{\s*\.(?:inputs\.(?P<name>\w+)(?P<filter>\s*\|\s*\w+)?|(?P<raw>rawOutputDataPrefix))\s*\}\}",
    re.IGNORECASE,
)
_NAME_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
_MAX_PART = 63


def normalize(query: str) -> str:
    """flytekit's normalization: newlines and tabs become spaces, runs of spaces one space.

    Kept for compatibility (the template in the task's ``custom`` is flytekit's); it also folds
    a ``--`` comment into the rest of the statement, so write ``/* comments */`` instead.
    """
    return re.sub(r"\s+", " ", query.replace("\n", " ").replace("\t", " ")).strip()


def identifier(name: str, *, quote: str = '"') -> str:
    """``name`` as a quoted SQL identifier, after checking it is a plain name.

    Accepts ``table``, ``schema.table`` and ``db.schema.table`` whose parts are letters,
    digits, ``_`` and ``$`` (not starting with a digit), 63 characters at most each. Anything
    else (quotes, spaces, semicolons, comments) raises ``ValueError``: identifiers cannot be
    bound as parameters, so this check is what keeps them from carrying SQL.
    """
    if not isinstance(name, str):
        raise ValueError(f"an identifier must be a str, got {type(name).__name__}")
    parts = name.split(".")
    if not name or len(parts) > 3 or not all(_NAME_PART.match(p) for p in parts):
        raise ValueError(
            f"{name!r} is not a plain SQL identifier (letters, digits, _ and $, optionally "
            "schema-qualified with dots)"
        )
    too_long = [p for p in parts if len(p) > _MAX_PART]
    if too_long:
        raise ValueError(f"identifier part {too_long[0]!r} is longer than {_MAX_PART} characters")
    close = "`" if quote == "`" else quote
    return ".".join(f"{quote}{p}{close}" for p in parts)


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Param:
    name: str


@dataclass(frozen=True)
class _Ident:
    name: str


@dataclass(frozen=True)
class Rendered:
    """A statement ready for a driver: ``statement`` and ``parameters`` (a tuple for positional
    styles, a dict for named ones); ``names`` lists the bound parameters, in order."""

    statement: str
    parameters: Any
    names: tuple[str, ...]


class QueryTemplate:
    """A parsed query template (see the module docstring).

    ``QueryTemplate(text, task=name, inputs=names)`` checks that every placeholder names a
    declared input and that every input is used, and raises
    :class:`~taskplug_sql.errors.SQLTemplateError` naming the task and the statement otherwise.
    """

    def __init__(self, text: str, *, task: str, inputs: Iterable[str], paste: bool = False) -> None:
        self.text = text
        self.task = task
        self.paste = paste
        self.inputs = tuple(inputs)
        self._segments = self._parse(text) if not paste else []
        used = {m.group("name") for m in _PLACEHOLDER.finditer(text) if m.group("name")}
        if not paste:
            used = {s.name for s in self._segments if isinstance(s, (_Param, _Ident))}
            used.discard(RAW_OUTPUT_PREFIX)
        unknown = sorted(used - set(self.inputs))
        if unknown:
            raise SQLTemplateError(
                f"the query uses {', '.join(_placeholder_text(u) for u in unknown)} but "
                f"{'it is' if len(unknown) == 1 else 'they are'} not declared "
                f"(inputs: {', '.join(self.inputs) or 'none'})",
                task=task,
                statement=text,
            )
        unused = [n for n in self.inputs if n not in used]
        if unused:
            raise SQLTemplateError(
                f"input(s) {', '.join(unused)} are declared but not used in the query "
                "(a placeholder inside a comment does not count)",
                task=task,
                statement=text,
            )

    # -- parsing -------------------------------------------------------------------------------

    def _parse(self, text: str) -> list[_Text | _Param | _Ident]:
        """Split ``text`` into literal SQL and placeholders, aware of quotes and comments."""
        segments: list[_Text | _Param | _Ident] = []
        out: list[str] = []
        i, n = 0, len(text)

        def flush() -> None:
            if out:
                segments.append(_Text("".join(out)))
                out.clear()

        while i < n:
            ch = text[i]
            m = _PLACEHOLDER.match(text, i) if ch == "{" else None
            if m is not None:
                flush()
                segments.append(self._placeholder(m))
                i = m.end()
                continue
            if ch == "'":
                end = _string_end(text, i)
                literal = text[i:end]
                inner = _PLACEHOLDER.fullmatch(literal[1:-1]) if len(literal) >= 2 else None
                if inner is not None and literal.endswith("'"):
                    flush()  # '{{ .inputs.x }}': the quotes belong to the placeholder
                    segments.append(self._placeholder(inner))
                elif _PLACEHOLDER.search(literal):
                    raise SQLTemplateError(
                        f"placeholder inside the string literal {literal}: a bound parameter "
                        "is a whole value; pass the whole string as the input (e.g. a LIKE "
                        "pattern with its %), or opt in to pasting with paste_inputs=True",
                        task=self.task,
                        statement=text,
                    )
                else:
                    out.append(literal)
                i = end
                continue
            if ch == '"':
                end = text.find('"', i + 1)
                end = n if end < 0 else end + 1
                if _PLACEHOLDER.search(text, i, end):
                    raise SQLTemplateError(
                        "placeholder inside a quoted identifier: write "
                        "{{ .inputs.x | identifier }} (unquoted) to use an input as a name",
                        task=self.task,
                        statement=text,
                    )
                out.append(text[i:end])
                i = end
                continue
            if text.startswith("--", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                out.append(text[i:end])
                i = end
                continue
            if text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
                out.append(text[i:end])
                i = end
                continue
            out.append(ch)
            i += 1
        flush()
        return segments

    def _placeholder(self, m: re.Match[str]) -> _Param | _Ident:
        if m.group("raw"):
            return _Param(RAW_OUTPUT_PREFIX)
        name = m.group("name")
        flt = (m.group("filter") or "").strip(" |").lower()
        if not flt:
            return _Param(name)
        if flt == "identifier":
            return _Ident(name)
        raise SQLTemplateError(
            f"unknown filter {flt!r} in {m.group(0)} (the only filter is 'identifier')",
            task=self.task,
            statement=self.text,
        )

    # -- rendering -------------------------------------------------------------------------------

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Inputs used as identifiers (``| identifier``)."""
        return tuple(s.name for s in self._segments if isinstance(s, _Ident))

    def placeholders(self, paramstyle: str, *, allow_identifiers: bool = False) -> Rendered:
        """The statement with placeholders in ``paramstyle`` and no values (for templates).

        ``{{ .rawOutputDataPrefix }}`` stays as written (the backend fills it in); identifier
        placeholders are refused (a backend binding parameters cannot bind names) unless
        ``allow_identifiers`` (then they stay as written, for messages).
        """
        if self.identifiers and not allow_identifiers:
            raise SQLTemplateError(
                f"inputs {', '.join(self.identifiers)} are used as identifiers, which a backend "
                "service cannot bind; use fixed table names in this task type",
                task=self.task,
                statement=self.text,
            )
        if self.paste:
            return Rendered(self.text, None, ())
        return self._render(paramstyle, None, raw_output_prefix=None, quote='"')

    def render(
        self,
        paramstyle: str,
        values: Mapping[str, Any],
        *,
        raw_output_prefix: str = "",
        quote: str = '"',
    ) -> Rendered:
        """The statement in ``paramstyle`` and the parameters bound from ``values``."""
        missing = [n for n in self.inputs if n not in values]
        if missing:
            raise SQLTemplateError(
                f"no value for input(s) {', '.join(missing)}", task=self.task, statement=self.text
            )
        if self.paste:
            return Rendered(self._paste(values, raw_output_prefix), (), ())
        return self._render(paramstyle, values, raw_output_prefix=raw_output_prefix, quote=quote)

    def _paste(self, values: Mapping[str, Any], raw_output_prefix: str) -> str:
        def sub(m: re.Match[str]) -> str:
            if m.group("raw"):
                return raw_output_prefix
            name = m.group("name")
            if m.group("filter"):
                return self._identifier(name, values[name], '"')
            return str(values[name])

        return _PLACEHOLDER.sub(sub, self.text)

    def _identifier(self, name: str, value: Any, quote: str) -> str:
        try:
            return identifier(value, quote=quote)
        except ValueError as exc:
            raise SQLTemplateError(
                f"input {name!r} is used as an identifier: {exc}",
                task=self.task,
                statement=self.text,
            ) from None

    def _render(
        self,
        style: str,
        values: Mapping[str, Any] | None,
        *,
        raw_output_prefix: str | None,
        quote: str,
    ) -> Rendered:
        if style not in PARAMSTYLES:
            raise ValueError(f"unknown paramstyle {style!r} (one of {', '.join(PARAMSTYLES)})")
        escape_percent = style in ("format", "pyformat")
        parts: list[str] = []
        positional: list[Any] = []
        named: dict[str, Any] = {}
        order: list[str] = []  # unique names, first use first
        for seg in self._segments:
            if isinstance(seg, _Text):
                parts.append(seg.text.replace("%", "%%") if escape_percent else seg.text)
                continue
            if isinstance(seg, _Ident):
                if values is None:
                    parts.append(_placeholder_text(seg.name, "identifier"))
                else:
                    parts.append(self._identifier(seg.name, values[seg.name], quote))
                continue
            name = seg.name
            if name == RAW_OUTPUT_PREFIX and raw_output_prefix is None:
                parts.append("{{ .rawOutputDataPrefix }}")
                continue
            value = None
            if values is not None:
                value = raw_output_prefix if name == RAW_OUTPUT_PREFIX else values[name]
            if name not in named:
                order.append(name)
                named[name] = value
            positional.append(value)
            parts.append(_marker(style, name, order.index(name) + 1))
        statement = "".join(parts)
        if style in ("qmark", "format"):
            return Rendered(statement, tuple(positional), tuple(order))
        if style in ("numeric", "dollar"):
            return Rendered(statement, tuple(named[n] for n in order), tuple(order))
        return Rendered(statement, named, tuple(order))


def _placeholder_text(name: str, flt: str = "") -> str:
    return "{{ .inputs." + name + (f" | {flt}" if flt else "") + " }}"


def _marker(style: str, name: str, number: int) -> str:
    if style == "qmark":
        return "?"
    if style == "numeric":
        return f":{number}"
    if style == "dollar":
        return f"${number}"
    if style == "named":
        return f":{name}"
    if style == "format":
        return "%s"
    if style == "pyformat":
        return f"%({name})s"
    return f"@{name}"


def _string_end(text: str, start: int) -> int:
    """The index after the single-quoted literal starting at ``start`` ('' escapes a quote)."""
    i, n = start + 1, len(text)
    while i < n:
        if text[i] == "'":
            if i + 1 < n and text[i + 1] == "'":
                i += 2
                continue
            return i + 1
        i += 1
    return n
