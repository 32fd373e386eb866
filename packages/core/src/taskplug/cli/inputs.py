"""Command-line options typed from a task's inputs (``taskplug run``); JSON for complex types."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import re
import typing
from collections.abc import Sequence
from typing import Any

import click

from taskplug.types.engine import is_union, strip_annotated

__all__ = ["InputType", "from_json", "option_default", "option_help", "option_metavar"]


_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d*)?)d)?\s*(?:(\d+(?:\.\d*)?)h)?\s*"
    r"(?:(\d+(?:\.\d*)?)m)?\s*(?:(\d+(?:\.\d*)?)s)?\s*$"
)


def _parse_datetime(text: str) -> datetime.datetime:
    if text == "now":
        return datetime.datetime.now()
    if text == "today":
        return datetime.datetime.combine(datetime.date.today(), datetime.time())
    return datetime.datetime.fromisoformat(text)


def _parse_timedelta(text: str) -> datetime.timedelta:
    try:
        return datetime.timedelta(seconds=float(text))
    except ValueError:
        pass
    m = _DURATION.match(text)
    if not text.strip() or m is None or not any(m.groups()):
        raise ValueError(f"{text!r} is not a duration (seconds, or e.g. 1h30m, 2d, 45s)")
    d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return datetime.timedelta(days=d, hours=h, minutes=mi, seconds=s)


def _type_label(t: Any) -> str:
    from taskplug.tasks.interface import describe_type

    return describe_type(t)


def from_json(t: Any, value: Any, *, where: str = "value") -> Any:
    """Turn a decoded JSON value into a value of type ``t`` (lists, dicts, dataclasses, …)."""
    t = strip_annotated(t)
    if t is Any or t is object:
        return value
    if is_union(t):
        args = typing.get_args(t)
        if value is None and type(None) in args:
            return None
        errors = []
        for arm in args:
            if arm is type(None):
                continue
            try:
                return from_json(arm, value, where=where)
            except (ValueError, TypeError) as exc:
                errors.append(str(exc))
        raise ValueError(f"{where}: {value!r} fits none of {_type_label(t)} ({'; '.join(errors)})")
    origin = typing.get_origin(t)
    if origin in (list, Sequence, typing.List):  # noqa: UP006
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a JSON list for {_type_label(t)}, got {value!r}")
        (item,) = typing.get_args(t) or (Any,)
        return [from_json(item, v, where=f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a JSON object for {_type_label(t)}, got {value!r}")
        kt, vt = typing.get_args(t) or (str, Any)
        return {
            from_json(kt, k, where=where): from_json(vt, v, where=f"{where}[{k!r}]")
            for k, v in value.items()
        }
    if origin is tuple:
        args = typing.get_args(t)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a JSON list for {_type_label(t)}, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], v, where=where) for v in value)
        return tuple(from_json(a, v, where=where) for a, v in zip(args, value))
    if not isinstance(t, type):
        return value
    if dataclasses.is_dataclass(t):
        if isinstance(value, t):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a JSON object for {t.__name__}, got {value!r}")
        hints = typing.get_type_hints(t)
        names = {f.name for f in dataclasses.fields(t)}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{where}: {t.__name__} has no field(s) {', '.join(sorted(unknown))}")
        missing = [
            f.name
            for f in dataclasses.fields(t)
            if f.name not in value
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise ValueError(f"{where}: {t.__name__} needs field(s) {', '.join(missing)}")
        kwargs = {k: from_json(hints[k], v, where=f"{where}.{k}") for k, v in value.items()}
        try:
            return t(**kwargs)
        except TypeError as exc:
            raise ValueError(f"{where}: {exc}") from exc
    if hasattr(t, "model_validate"):  # pydantic v2
        try:
            return t.model_validate(value)
        except Exception as exc:
            raise ValueError(f"{where}: {exc}") from exc
    if issubclass(t, enum.Enum):
        try:
            return t(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in t)
            raise ValueError(f"{where}: {value!r} is not one of {choices}") from None
    if t is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if t is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if t in (int, float, str):
        if not isinstance(value, t) or isinstance(value, bool):
            raise ValueError(f"{where}: expected {t.__name__}, got {value!r}")
        return value
    if t is datetime.datetime and isinstance(value, str):
        return _parse_datetime(value)
    if t is datetime.date and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if t is datetime.timedelta and isinstance(value, (str, int, float)):
        return _parse_timedelta(str(value))
    if isinstance(value, str) and t.__name__ in ("File", "Directory"):
        return typing.cast(Any, t)(value)
    return value


class InputType(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.3
    """A click type for one task input: parses the text, then checks it against the type."""

    def __init__(self, python_type: Any) -> None:
        self.python_type = python_type
        self.name = _type_label(python_type)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Text from the command line to a Python value of the input's type."""
        if not isinstance(value, str):
            return value
        t = strip_annotated(self.python_type)
        try:
            return self._convert(t, value)
        except (ValueError, TypeError) as exc:
            self.fail(f"{value!r} is not a valid {self.name}: {exc}", param, ctx)

    def _convert(self, t: Any, text: str) -> Any:
        if is_union(t):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if text.lower() in ("none", "null") and len(args) < len(typing.get_args(t)):
                return None
            if len(args) == 1:
                return self._convert(strip_annotated(args[0]), text)
            return from_json(t, _loads(text))
        if t is str:
            return text
        if t is int:
            return int(text)
        if t is float:
            return float(text)
        if t is bool:
            return click.BOOL.convert(text, None, None)
        if t is datetime.datetime:
            return _parse_datetime(text)
        if t is datetime.date:
            return datetime.date.fromisoformat(text)
        if t is datetime.timedelta:
            return _parse_timedelta(text)
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return from_json(t, text)
        if isinstance(t, type) and t.__name__ in ("File", "Directory"):
            return t(text)
        return from_json(t, _loads(text))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at position {exc.pos})") from None


def option_help(t: Any, description: str, name: str) -> str:
    stripped = strip_annotated(t)
    args = [a for a in typing.get_args(stripped) if a is not type(None)]
    inner = strip_annotated(args[0]) if is_union(stripped) and len(args) == 1 else stripped
    hint = ""
    if inner is datetime.datetime:
        hint = "ISO date-time, e.g. 2024-05-01T12:00, or 'now'"
    elif inner is datetime.timedelta:
        hint = "seconds, or e.g. 1h30m"
    elif inner is bool:
        hint = "true or false"
    elif isinstance(inner, type) and issubclass(inner, enum.Enum):
        hint = "one of " + ", ".join(str(m.value) for m in inner)
    elif inner not in (int, float, str, datetime.date) and not (
        isinstance(inner, type) and inner.__name__ in ("File", "Directory")
    ):
        hint = "JSON"
    text = description if description and description != name else ""
    parts = [p for p in (text, f"[{_type_label(t)}{'; ' + hint if hint else ''}]") if p]
    return " ".join(parts)


def option_metavar(t: Any) -> str:
    stripped = strip_annotated(t)
    args = [a for a in typing.get_args(stripped) if a is not type(None)]
    inner = strip_annotated(args[0]) if is_union(stripped) and len(args) == 1 else stripped
    simple = {
        int: "INTEGER",
        float: "FLOAT",
        str: "TEXT",
        bool: "BOOLEAN",
        datetime.datetime: "DATETIME",
        datetime.date: "DATE",
        datetime.timedelta: "DURATION",
    }
    if inner in simple:
        return simple[inner]
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "[" + "|".join(str(m.value) for m in inner) + "]"
    if isinstance(inner, type) and inner.__name__ in ("File", "Directory"):
        return "PATH"
    return "JSON"


def option_default(value: Any) -> Any:
    """How a default reads on the command line (and parses back through :class:`InputType`)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.timedelta):
        return f"{value.total_seconds():g}"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, default=str)
