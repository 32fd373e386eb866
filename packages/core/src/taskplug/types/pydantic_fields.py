"""Files, directories and tables as pydantic fields (pydantic is imported by the user, never here).

A model field of type ``File`` / ``FlyteFile`` / ``Directory`` / ``FlyteDirectory`` dumps as
``{"path": <uri>}`` (plus ``"metadata"`` for a file that has some), and a ``StructuredDataset``
field as ``{"uri": <uri>, "file_format": <format>}`` — exactly what flytekit's classes dump —
and reads that back through the same rules as a literal (a remote uri is fetched lazily, a local
path must exist; a dataframe is written when the model is dumped). A path given in Python may
be an instance, a ``str`` or an ``os.PathLike``. The JSON schemas are flytekit's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = ["dataset_core_schema", "path_core_schema"]

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
#: flytekit 1.16's JSON schema of a StructuredDataset field (its description is its docstring).
_DATASET_SCHEMA = {
    "description": "This is the user facing StructuredDataset class. Please don't confuse it "
    "with the literals.StructuredDataset\nclass (that is just a model, a Python class "
    "representation of the protobuf).",
    "properties": {
        "file_format": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "default": "",
            "title": "File Format",
        },
        "uri": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Uri"},
    },
    "title": "StructuredDataset",
    "type": "object",
}


def _core_schema(
    cls: type, validate: Callable[[Any, Any], Any], json_schema: dict[str, Any]
) -> Any:
    """A schema that validates with ``validate`` and dumps through the type's plain form."""
    from pydantic_core import core_schema

    from taskplug.types.engine import TypeEngine

    def serialize(value: Any) -> Any:
        to_plain = TypeEngine.converter(cls).to_plain
        assert to_plain is not None  # these transformers always have a plain form
        return to_plain(value)

    return core_schema.with_info_plain_validator_function(
        validate,
        ref=f"{cls.__module__}.{cls.__qualname__}:{id(cls)}",
        serialization=core_schema.plain_serializer_function_ser_schema(serialize),
        metadata={"pydantic_js_functions": [lambda _schema, _handler: dict(json_schema)]},
    )


def path_core_schema(cls: type, *, directory: bool) -> Any:
    """The pydantic-core schema of the path class ``cls``."""

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

    properties: dict[str, Any] = {"path": dict(_PATH_SCHEMA)}
    if not directory:
        properties["metadata"] = dict(_METADATA_SCHEMA)
    title = "FlyteDirectory" if directory else "FlyteFile"
    return _core_schema(cls, validate, {"properties": properties, "title": title, "type": "object"})


def dataset_core_schema(cls: type) -> Any:
    """The pydantic-core schema of ``StructuredDataset`` (or a subclass)."""
    from taskplug.types.engine import TypeEngine

    def validate(value: Any, _info: Any) -> Any:
        if isinstance(value, cls):
            return value
        if isinstance(value, dict) and isinstance(value.get("uri"), str):
            from_plain = TypeEngine.converter(cls).from_plain
            assert from_plain is not None
            return from_plain(value)
        raise ValueError(
            f"{cls.__name__} takes a {cls.__name__} or {{'uri': ..., 'file_format': ...}}, "
            f"got {type(value).__name__}"
        )

    return _core_schema(cls, validate, _DATASET_SCHEMA)
