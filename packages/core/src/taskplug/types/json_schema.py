"""JSON schemas of dataclasses, in the shape mashumaro's ``build_json_schema`` gives flytekit.

flytekit puts that schema into ``LiteralType.metadata`` of a dataclass. taskplug produces the
same dict for the common field types without depending on mashumaro: scalars, datetimes, bytes,
``Optional``/``Union``, lists, dicts, tuples, sets, enums, ``Literal``, ``Any`` and nested
dataclasses (inlined, as mashumaro does). An unknown field type raises :class:`SchemaError`; the
caller then leaves the metadata out, as flytekit does when mashumaro fails.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
from typing import TYPE_CHECKING, Any

from taskplug.types.engine import is_union, strip_annotated

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SchemaError", "dataclass_schema", "json_schema"]

_SIMPLE: dict[Any, dict[str, Any]] = {
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    bool: {"type": "boolean"},
    bytes: {"type": "string", "format": "base64"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.timedelta: {"type": "number", "format": "time-delta"},
    type(None): {"type": "null"},
}


class SchemaError(TypeError):
    """A field type has no JSON schema here."""


def json_schema(t: Any, encode_default: Callable[[Any, Any], Any] | None = None) -> dict[str, Any]:
    """The JSON schema of the Python type ``t``."""
    t = strip_annotated(t)
    if t is Any or t is object:
        return {}
    simple = _SIMPLE.get(t)
    if simple is not None:
        return dict(simple)
    if is_union(t):
        return {"anyOf": [json_schema(a, encode_default) for a in typing.get_args(t)]}
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    if origin is typing.Literal:
        return {"enum": list(args)}
    if t is list or origin is list:
        out: dict[str, Any] = {"type": "array"}
        if args:
            out["items"] = json_schema(args[0], encode_default)
        return out
    if t in (set, frozenset) or origin in (set, frozenset):
        out = {"type": "array"}
        if args:
            out["items"] = json_schema(args[0], encode_default)
        out["uniqueItems"] = True
        return out
    if t is tuple or origin is tuple:
        out = {"type": "array"}
        if len(args) == 2 and args[1] is Ellipsis:
            out["items"] = json_schema(args[0], encode_default)
        elif args:
            out["prefixItems"] = [json_schema(a, encode_default) for a in args]
            out["maxItems"] = out["minItems"] = len(args)
        return out
    if t is dict or origin is dict:
        out = {"type": "object"}
        if args:
            out["additionalProperties"] = json_schema(args[1], encode_default)
            out["propertyNames"] = json_schema(args[0], encode_default)
        return out
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return {"enum": [m.value for m in t]}
    if isinstance(t, type) and dataclasses.is_dataclass(t):
        return dataclass_schema(t, encode_default)
    own = getattr(t, "_dataclass_field_schema", None)  # files and directories (issue 15, CTX)
    if callable(own):
        return dict(own())
    raise SchemaError(f"no JSON schema for {t!r}")


def dataclass_schema(
    cls: type, encode_default: Callable[[Any, Any], Any] | None = None
) -> dict[str, Any]:
    """The JSON schema of a dataclass (properties in field order, ``required`` if any)."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        ft = hints.get(f.name, f.type)
        prop = json_schema(ft, encode_default)
        if f.default is not dataclasses.MISSING:
            default = f.default
            if encode_default is not None:
                default = encode_default(ft, default)
            prop["default"] = _json_ready(default)
        elif f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        properties[f.name] = prop
    schema: dict[str, Any] = {"type": "object", "title": cls.__name__}
    if properties:
        schema["properties"] = properties
    schema["additionalProperties"] = False
    if required:
        schema["required"] = required
    return schema


def _json_ready(value: Any) -> Any:
    """Defaults as JSON sees them: bytes in base64 (mashumaro's JSON dialect)."""
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    return value
