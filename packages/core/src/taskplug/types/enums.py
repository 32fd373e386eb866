"""Transformers of string enums and ``typing.Literal[...]``.

An enum with ``str`` values travels as flytekit sends it: literal type ``enum_type`` with the
values, the member's value as a ``string_value``. ``Literal["a", "b"]`` has its values' base type
with the allowed values in the literal type's annotation (``literal_values``).
"""

from __future__ import annotations

import enum
import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types.engine import (
    Converter,
    TypeEngine,
    TypeTransformer,
    decode_error,
    fail,
    type_name,
)

__all__ = ["ENUM", "LITERAL"]


class _EnumTransformer(TypeTransformer[enum.Enum]):
    """String enums: ``enum_type`` literal type, the member's value as ``string_value``."""

    def __init__(self) -> None:
        super().__init__("DefaultEnumTransformer", enum.Enum)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        members = list(t)
        values = [m.value for m in members]
        if not values or not all(type(v) is str for v in values):
            raise UnsupportedTypeError(
                f"enum {type_name(t)} is not supported: only enums with str values are",
                expected=t,
            )
        lt = types_pb2.LiteralType()
        lt.enum_type.values.extend(values)
        by_value = {m.value: m for m in members}

        def to_plain(value: Any) -> Any:
            if type(value) is t:
                return value.value
            if type(value) is str and value in by_value:  # flytekit accepts the raw value
                return value
            raise fail(t, value)

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            msg.scalar.primitive.string_value = to_plain(value)

        def from_plain(value: Any) -> Any:
            member = by_value.get(value) if type(value) is str else None
            if member is None:
                raise TypeTransformerFailedError(
                    f"{value!r} is not a value of enum {type_name(t)} (one of {values})",
                    expected=t,
                    got=type(value),
                )
            return member

        def read(lit: literals_pb2.Literal) -> Any:
            member = by_value.get(lit.scalar.primitive.string_value)
            if member is None or lit.scalar.primitive.WhichOneof("value") != "string_value":
                if lit.scalar.WhichOneof("value") == "binary":
                    import msgpack

                    return from_plain(msgpack.unpackb(lit.scalar.binary.value))
                raise decode_error(t, lit, f"values are {values}")
            return member

        return Converter(
            t, lt, fill, read, name=self.name, to_plain=to_plain, from_plain=from_plain
        )


class _LiteralTransformer(TypeTransformer[Any]):
    """``typing.Literal[...]``: the values' base type, annotated with ``literal_values``."""

    def __init__(self) -> None:
        super().__init__("LiteralTypeTransformer", object)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        allowed = typing.get_args(t)
        base_type = type(allowed[0]) if allowed else None
        if base_type is None or not all(type(a) is base_type for a in allowed):
            raise UnsupportedTypeError(
                f"{type_name(t)}: Literal values must all have the same type", expected=t
            )
        base = engine.converter(base_type)
        lt = types_pb2.LiteralType()
        lt.CopyFrom(base.literal_type)
        lt.annotation.annotations.update({"literal_values": list(allowed)})
        base_fill, base_read = base.raw_fill, base.raw_read

        def check(value: Any) -> Any:
            if type(value) is not base_type or value not in allowed:
                raise fail(t, value)
            return value

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            base_fill(msg, check(value))

        def read(lit: literals_pb2.Literal) -> Any:
            value = base_read(lit)
            if value not in allowed:
                raise decode_error(t, lit, f"{value!r} is not one of {list(allowed)}")
            return value

        return Converter(t, lt, fill, read, name=self.name, to_plain=check, from_plain=check)


ENUM = _EnumTransformer()
LITERAL = _LiteralTransformer()
