"""Files and directories as pydantic fields (pydantic is imported by the user, never here).

A model field of type ``File`` / ``FlyteFile`` / ``Directory`` / ``FlyteDirectory`` dumps as
``{"path": <uri>}`` (plus ``"metadata"`` for a file that has some), exactly what flytekit's
``FlyteFile`` and ``FlyteDirectory`` dump, and reads that back (through the same rules as a
literal: a remote uri is fetched lazily, a local path must exist). A value given in Python may
be an instance, a ``str`` or an ``os.PathLike``. The JSON schema is flytekit's.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["path_core_schema"]

_PATH_SCHEMA = {
    "anyOf": [{"type": "string"}, {"format": "path", "type": "string"}],
    "default": None,
    "title": "Path",
}
_METADATA_SCHEMA = {
    "anyOf": [{"additionalProperties": {"type": "string"}, "type": "object"}, {"type": "null"}],
    "default": None,
    "title": "Metadata",
}


def path_core_schema(cls: type, *, directory: bool) -> Any:
    """The pydantic-core schema of the path class ``cls``."""
    from pydantic_core import core_schema

    from taskplug.types.engine import TypeEngine

    def validate(value: Any, info: Any) -> Any:
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            path = value.get("path")
            if not isinstance(path, str):
                raise ValueError(f"{cls.__name__} needs a 'path' (str), got {value!r}")
            meta = value.get("metadata")
            return cls._from_uri(path, meta if isinstance(meta, dict) else None)  # type: ignore[attr-defined]
        if isinstance(value, str | os.PathLike):
            context = getattr(info, "context", None) or {}
            if context.get("deserialize"):
                return cls._from_uri(os.fspath(value), None)  # type: ignore[attr-defined]
            return cls(value)
        raise ValueError(
            f"{cls.__name__} takes a {cls.__name__}, a path or {{'path': ...}}, "
            f"got {type(value).__name__}"
        )

    def serialize(value: Any) -> Any:
        to_plain = TypeEngine.converter(cls).to_plain
        assert to_plain is not None  # the path transformers always have a plain form
        return to_plain(value)

    properties: dict[str, Any] = {"path": dict(_PATH_SCHEMA)}
    if not directory:
        properties["metadata"] = dict(_METADATA_SCHEMA)
    title = "FlyteDirectory" if directory else "FlyteFile"
    json_schema = {"properties": properties, "title": title, "type": "object"}

    return core_schema.with_info_plain_validator_function(
        validate,
        ref=f"{cls.__module__}.{cls.__qualname__}:{id(cls)}",
        serialization=core_schema.plain_serializer_function_ser_schema(serialize),
        metadata={"pydantic_js_functions": [lambda _schema, _handler: dict(json_schema)]},
    )
