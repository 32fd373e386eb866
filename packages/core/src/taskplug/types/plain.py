"""Plain-data codecs: the msgpack form of values inside dataclasses and msgpack dicts.

The form is the one flytekit gets from mashumaro's msgpack dialect: datetimes and dates as ISO
strings, timedeltas as seconds, enums by value, bytes as msgpack bin, nested dataclasses as maps
in field order, lists for lists, tuples and sets. (Like flytekit's, a timedelta as float seconds
is exact to the microsecond only up to about 100 years.)
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable
from typing import Any

from taskplug.errors import UnsupportedTypeError
from taskplug.types.engine import TypeEngine, fail, strip_annotated, type_name

__all__ = ["Codec", "plain_codec"]

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _identity(value: Any) -> Any:
    return value


def plain_codec(t: Any, engine: type[TypeEngine]) -> Codec:
    """``(encode, decode)`` between values of ``t`` and msgpack-ready plain data."""
    t = strip_annotated(t)
    if t is Any or t is object:
        return _identity, _identity
    origin = typing.get_origin(t)
    if t is dict or origin is dict:
        return _dict_codec(t, engine)
    if origin is typing.Literal:
        return _literal_codec(t)
    if t is list:
        return _list_codec(t, (_identity, _identity))
    if origin in (tuple, set, frozenset) or t in (tuple, set, frozenset):
        return _seq_codec(t, engine)
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return _enum_codec(t)
    conv = engine.converter(t)
    if conv.to_plain is None or conv.from_plain is None:
        raise UnsupportedTypeError(
            f"type {type_name(t)} cannot be stored inside a dataclass or msgpack dict: its "
            f"transformer ({conv.name!r}) has no plain-data form; give it to_plain() and "
            "from_plain() methods (see TypeTransformer)",
            expected=t,
        )
    return conv.to_plain, conv.from_plain


def _list_codec(t: Any, item: Codec) -> Codec:
    enc, dec = item

    def encode(value: Any) -> Any:
        if type(value) is not list and type(value) is not tuple:
            raise fail(t, value)
        return [enc(v) for v in value]

    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise fail(t, value)
        return [dec(v) for v in value]

    return encode, decode


def _seq_codec(t: Any, engine: type[TypeEngine]) -> Codec:
    origin = typing.get_origin(t) or t
    args = [a for a in typing.get_args(t) if a is not Ellipsis]
    homogeneous = origin is not tuple or len(typing.get_args(t)) != len(args) or len(args) <= 1
    if homogeneous:
        enc, dec = plain_codec(args[0], engine) if args else (_identity, _identity)

        def encode(value: Any) -> Any:
            if not isinstance(value, origin):
                raise fail(t, value)
            return [enc(v) for v in value]

        def decode(value: Any) -> Any:
            if type(value) is not list:
                raise fail(t, value)
            return origin(dec(v) for v in value)

        return encode, decode
    codecs = [plain_codec(a, engine) for a in args]

    def encode_fixed(value: Any) -> Any:
        if type(value) is not tuple or len(value) != len(codecs):
            raise fail(t, value)
        return [c[0](v) for c, v in zip(codecs, value)]

    def decode_fixed(value: Any) -> Any:
        if type(value) is not list or len(value) != len(codecs):
            raise fail(t, value)
        return tuple(c[1](v) for c, v in zip(codecs, value))

    return encode_fixed, decode_fixed


def _dict_codec(t: Any, engine: type[TypeEngine]) -> Codec:
    args = typing.get_args(t)
    if not args:

        def encode_any(value: Any) -> Any:
            if type(value) is not dict:
                raise fail(t, value)
            return value

        def decode_any(value: Any) -> Any:
            if type(value) is not dict:
                raise fail(t, value)
            return value

        return encode_any, decode_any
    kenc, kdec = plain_codec(args[0], engine)
    venc, vdec = plain_codec(args[1], engine)

    def encode(value: Any) -> Any:
        if type(value) is not dict:
            raise fail(t, value)
        return {kenc(k): venc(v) for k, v in value.items()}

    def decode(value: Any) -> Any:
        if type(value) is not dict:
            raise fail(t, value)
        return {kdec(k): vdec(v) for k, v in value.items()}

    return encode, decode


def _enum_codec(t: type[enum.Enum]) -> Codec:
    by_value = {m.value: m for m in t}

    def encode(value: Any) -> Any:
        if type(value) is not t:
            raise fail(t, value)
        return value.value

    def decode(value: Any) -> Any:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            raise fail(t, value, f"(one of {list(by_value)})") from None

    return encode, decode


def _literal_codec(t: Any) -> Codec:
    allowed = typing.get_args(t)

    def check(value: Any) -> Any:
        if not any(type(value) is type(a) and value == a for a in allowed):
            raise fail(t, value)
        return value

    return check, check
