"""Transformers of the scalar types: bool, int, float, str, bytes, datetime, date, timedelta, None.

Values are checked by exact type, as flytekit 1.16 does (``True`` is not an ``int``, ``1`` is not
a ``float``, ``"3"`` is not an ``int``). Reading tolerates what flytekit tolerates: an integer
literal for a ``float``, an integral float literal for an ``int`` (the Flyte console sends those),
and a msgpack ``Binary`` scalar (what attribute access on a dataclass produces).

``bytes`` has no transformer in flytekit (it falls back to pickle). taskplug sends ``bytes`` as a
``Binary`` scalar with tag ``"bytes"`` and literal type ``simple: BINARY``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.types.engine import (
    Converter,
    TypeEngine,
    TypeTransformer,
    decode_error,
    fail,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["PRIMITIVE_TRANSFORMERS", "make_simple_literal_type"]

_UTC = datetime.UTC
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
MSGPACK = "msgpack"
BYTES_TAG = "bytes"


def make_simple_literal_type(simple: int) -> types_pb2.LiteralType:
    """``LiteralType(simple=...)``."""
    lt = types_pb2.LiteralType()
    lt.simple = simple
    return lt


def _from_msgpack(lit: literals_pb2.Literal, expected: type) -> Any:
    import msgpack

    value = msgpack.unpackb(lit.scalar.binary.value, strict_map_key=False)
    if type(value) is not expected:
        raise decode_error(expected, lit, f"msgpack value of type {type(value).__name__}")
    return value


def _slow_read(
    expected: type, field: str, accept: dict[str, Callable[[Any], Any]]
) -> Callable[[literals_pb2.Literal], Any]:
    """The careful read used when the fast read found a default (zero) value.

    ``accept`` maps other primitive fields to a conversion (e.g. ``integer`` → ``float``).
    """

    def slow(lit: literals_pb2.Literal) -> Any:
        if lit.WhichOneof("value") == "scalar":
            sk = lit.scalar.WhichOneof("value")
            if sk == "primitive":
                prim = lit.scalar.primitive
                pk = prim.WhichOneof("value")
                if pk == field:
                    return getattr(prim, field)
                conv = accept.get(pk or "")
                if conv is not None:
                    return conv(getattr(prim, pk or ""))
            elif sk == "binary" and lit.scalar.binary.tag == MSGPACK:
                return _from_msgpack(lit, expected)
        raise decode_error(expected, lit)

    return slow


def _integral(value: float) -> int:
    if not float(value).is_integer():
        raise TypeError(f"float {value!r} is not integral")
    return int(value)


class _PrimitiveTransformer(TypeTransformer[Any]):
    """int, float, str, bool: one ``Primitive`` field each."""

    def __init__(
        self,
        name: str,
        t: type,
        simple: int,
        field: str,
        accept: dict[str, Callable[[Any], Any]],
    ) -> None:
        super().__init__(name, t)
        self.simple = simple
        self.field = field
        self.accept = accept

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        return make_simple_literal_type(self.simple)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        exact = self.python_type
        slow = _slow_read(exact, self.field, self.accept)
        fill, read = _PRIM_FUNCS[self.field](slow)

        def check(value: Any) -> Any:
            if type(value) is not exact:
                raise fail(exact, value)
            return value

        from_plain: Callable[[Any], Any] = check
        if exact is float:

            def from_plain(value: Any) -> Any:
                if type(value) is float:
                    return value
                if type(value) is int:
                    return float(value)
                raise fail(float, value)

            to_plain: Callable[[Any], Any] = _plain_float
        elif exact is int:
            to_plain = check

            def from_plain(value: Any) -> Any:
                if type(value) is int:
                    return value
                if type(value) is float and value.is_integer():
                    return int(value)
                raise fail(int, value)

        else:
            to_plain = check
        return Converter(
            exact,
            self.get_literal_type(t),
            fill,
            read,
            name=self.name,
            to_plain=to_plain,
            from_plain=from_plain,
            prim_field=self.field,
        )


def _plain_float(value: Any) -> Any:
    # Inside dataclasses flytekit (mashumaro) accepts an int for a float field and keeps it.
    if type(value) is float or type(value) is int:
        return value
    raise fail(float, value)


def _int_funcs(slow: Callable[[literals_pb2.Literal], Any]) -> tuple[Any, Any]:
    def fill(msg: literals_pb2.Literal, value: Any) -> None:
        if type(value) is not int:
            raise fail(int, value)
        msg.scalar.primitive.integer = value

    def read(lit: literals_pb2.Literal) -> Any:
        return lit.scalar.primitive.integer or slow(lit)

    return fill, read


def _float_funcs(slow: Callable[[literals_pb2.Literal], Any]) -> tuple[Any, Any]:
    def fill(msg: literals_pb2.Literal, value: Any) -> None:
        if type(value) is not float:
            raise fail(float, value)
        msg.scalar.primitive.float_value = value

    def read(lit: literals_pb2.Literal) -> Any:
        return lit.scalar.primitive.float_value or slow(lit)

    return fill, read


def _str_funcs(slow: Callable[[literals_pb2.Literal], Any]) -> tuple[Any, Any]:
    def fill(msg: literals_pb2.Literal, value: Any) -> None:
        if type(value) is not str:
            raise fail(str, value)
        msg.scalar.primitive.string_value = value

    def read(lit: literals_pb2.Literal) -> Any:
        return lit.scalar.primitive.string_value or slow(lit)

    return fill, read


def _bool_funcs(slow: Callable[[literals_pb2.Literal], Any]) -> tuple[Any, Any]:
    def fill(msg: literals_pb2.Literal, value: Any) -> None:
        if type(value) is not bool:
            raise fail(bool, value)
        msg.scalar.primitive.boolean = value

    def read(lit: literals_pb2.Literal) -> Any:
        return lit.scalar.primitive.boolean or slow(lit)

    return fill, read


_PRIM_FUNCS = {
    "integer": _int_funcs,
    "float_value": _float_funcs,
    "string_value": _str_funcs,
    "boolean": _bool_funcs,
}

ST = types_pb2.SimpleType

INT = _PrimitiveTransformer("int", int, ST.INTEGER, "integer", {"float_value": _integral})
FLOAT = _PrimitiveTransformer("float", float, ST.FLOAT, "float_value", {"integer": float})
STR = _PrimitiveTransformer("str", str, ST.STRING, "string_value", {})
BOOL = _PrimitiveTransformer("bool", bool, ST.BOOLEAN, "boolean", {})


class _NoneTransformer(TypeTransformer[None]):
    def __init__(self) -> None:
        super().__init__("none", type(None))

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if value is not None:
                raise fail(type(None), value)
            msg.scalar.none_type.SetInParent()

        def read(lit: literals_pb2.Literal) -> Any:
            if (
                lit.WhichOneof("value") == "scalar"
                and lit.scalar.WhichOneof("value") == "none_type"
            ):
                return None
            raise decode_error(type(None), lit)

        def plain(value: Any) -> Any:
            if value is not None:
                raise fail(type(None), value)
            return None

        return Converter(
            type(None),
            make_simple_literal_type(ST.NONE),
            fill,
            read,
            name=self.name,
            to_plain=plain,
            from_plain=plain,
        )


class _BytesTransformer(TypeTransformer[bytes]):
    """``bytes`` as ``Binary(value, tag="bytes")`` (flytekit would pickle them)."""

    def __init__(self) -> None:
        super().__init__("bytes", bytes)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if type(value) is not bytes:
                raise fail(bytes, value)
            b = msg.scalar.binary
            b.value = value
            b.tag = BYTES_TAG

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "binary":
                b = lit.scalar.binary
                if b.tag == BYTES_TAG:
                    return b.value
                if b.tag == MSGPACK:
                    return _from_msgpack(lit, bytes)
            raise decode_error(bytes, lit)

        def plain(value: Any) -> Any:
            if type(value) is not bytes:
                raise fail(bytes, value)
            return value

        return Converter(
            bytes,
            make_simple_literal_type(ST.BINARY),
            fill,
            read,
            name=self.name,
            to_plain=plain,
            from_plain=plain,
        )


class _TimeTransformer(TypeTransformer[Any]):
    """datetime, date (both ``DATETIME``) and timedelta (``DURATION``).

    As on flytekit's wire path, naive datetimes are taken as UTC and read back as aware UTC.
    """

    def __init__(self, name: str, t: type) -> None:
        super().__init__(name, t)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        exact = self.python_type
        if exact is datetime.timedelta:
            return self._timedelta()

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if type(value) is not exact:
                raise fail(exact, value)
            if exact is datetime.date:
                value = datetime.datetime(value.year, value.month, value.day)
            elif value.tzinfo is not None:
                value = value.astimezone(_UTC).replace(tzinfo=None)
            msg.scalar.primitive.datetime.FromDatetime(value)

        def read(lit: literals_pb2.Literal) -> Any:
            if (
                lit.WhichOneof("value") == "scalar"
                and lit.scalar.WhichOneof("value") == "primitive"
                and lit.scalar.primitive.WhichOneof("value") == "datetime"
            ):
                dt = lit.scalar.primitive.datetime.ToDatetime(tzinfo=_UTC)
                return dt.date() if exact is datetime.date else dt
            if lit.scalar.WhichOneof("value") == "binary" and lit.scalar.binary.tag == MSGPACK:
                return from_plain(_from_msgpack(lit, str))
            raise decode_error(exact, lit)

        def to_plain(value: Any) -> Any:
            if type(value) is not exact:
                raise fail(exact, value)
            return value.isoformat()

        parse = exact.fromisoformat

        def from_plain(value: Any) -> Any:
            if type(value) is not str:
                raise fail(exact, value)
            return parse(value)

        return Converter(
            exact,
            make_simple_literal_type(ST.DATETIME),
            fill,
            read,
            name=self.name,
            to_plain=to_plain,
            from_plain=from_plain,
        )

    def _timedelta(self) -> Converter:
        td = datetime.timedelta

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if type(value) is not td:
                raise fail(td, value)
            msg.scalar.primitive.duration.FromTimedelta(value)

        def read(lit: literals_pb2.Literal) -> Any:
            if (
                lit.WhichOneof("value") == "scalar"
                and lit.scalar.WhichOneof("value") == "primitive"
                and lit.scalar.primitive.WhichOneof("value") == "duration"
            ):
                return lit.scalar.primitive.duration.ToTimedelta()
            if lit.scalar.WhichOneof("value") == "binary" and lit.scalar.binary.tag == MSGPACK:
                import msgpack

                return from_plain(msgpack.unpackb(lit.scalar.binary.value))
            raise decode_error(td, lit)

        def to_plain(value: Any) -> Any:
            if type(value) is not td:
                raise fail(td, value)
            return value.total_seconds()

        def from_plain(value: Any) -> Any:
            if type(value) is not float and type(value) is not int:
                raise fail(td, value)
            return td(seconds=value)

        return Converter(
            td,
            make_simple_literal_type(ST.DURATION),
            fill,
            read,
            name=self.name,
            to_plain=to_plain,
            from_plain=from_plain,
        )


PRIMITIVE_TRANSFORMERS: list[TypeTransformer[Any]] = [
    INT,
    FLOAT,
    STR,
    BOOL,
    _NoneTransformer(),
    _BytesTransformer(),
    _TimeTransformer("datetime", datetime.datetime),
    _TimeTransformer("date", datetime.date),
    _TimeTransformer("timedelta", datetime.timedelta),
]

_ = _EPOCH
