"""Transformers of ``list[T]`` (``LiteralCollection``), ``dict`` and ``Union``/``Optional``.

``dict[str, T]`` becomes a ``LiteralMap``; any other dict (untyped ``dict``, ``dict[str, Any]``,
``dict[int, T]``) is msgpack-encoded into ``Binary(tag="msgpack")`` with literal type ``STRUCT``,
as flytekit 1.14+ writes untyped dicts. (flytekit 1.16 maps ``dict[str, Any]`` to a map of
pickles; taskplug keeps pickling off by default and uses msgpack, which flytekit reads back.)

Lists and maps of primitives use loops generated for the primitive's field, so a million ints
cost one type check and one field assignment each.
"""

from __future__ import annotations

import typing
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types.engine import (
    Converter,
    FillFn,
    ReadFn,
    TypeEngine,
    TypeTransformer,
    decode_error,
    fail,
    is_union,
    strip_annotated,
    type_name,
)
from taskplug.types.primitives import MSGPACK, ST

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DICT", "LIST", "UNION", "msgpack_struct_type"]

_PRIM_TYPES = {"integer": "int", "float_value": "float", "string_value": "str", "boolean": "bool"}


def _gen(source: str, name: str, env: dict[str, Any]) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<taskplug.types {name}>", "exec"), env, namespace)
    return namespace[name]


def _prim_list_fill(field: str, item_fail: Callable[[Any, int], Exception]) -> FillFn:
    tname = _PRIM_TYPES[field]
    src = f"""
def fill_list(msg, value):
    if type(value) is not list:
        raise list_fail(value)
    coll = msg.collection
    coll.SetInParent()
    add = coll.literals.add
    for v in value:
        if type(v) is not {tname}:
            raise item_fail(value, v)
        add().scalar.primitive.{field} = v
"""
    return _gen(src, "fill_list", {"item_fail": item_fail, "list_fail": _list_fail})  # type: ignore[no-any-return]


def _prim_map_fill(field: str, item_fail: Callable[[Any, Any], Exception]) -> FillFn:
    tname = _PRIM_TYPES[field]
    src = f"""
def fill_map(msg, value):
    if type(value) is not dict:
        raise map_fail(value)
    m = msg.map
    m.SetInParent()
    lits = m.literals
    for k, v in value.items():
        if type(v) is not {tname} or type(k) is not str:
            raise item_fail(value, k)
        lits[k].scalar.primitive.{field} = v
"""
    return _gen(src, "fill_map", {"item_fail": item_fail, "map_fail": _map_fail})  # type: ignore[no-any-return]


def _list_fail(value: Any) -> Exception:
    return fail(list, value)


def _map_fail(value: Any) -> Exception:
    return fail(dict, value)


def _need(lit: literals_pb2.Literal, kind: str, expected: Any) -> None:
    if lit.WhichOneof("value") != kind:
        raise decode_error(expected, lit)


class _ListTransformer(TypeTransformer[list[Any]]):
    def __init__(self) -> None:
        super().__init__("Typed List", list)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        args = typing.get_args(t)
        if len(args) != 1:
            raise UnsupportedTypeError(
                f"{type_name(t)}: lists need one item type, e.g. list[int]", expected=t
            )
        item = engine.converter(args[0], allow_pickle=allow_pickle)
        lt = types_pb2.LiteralType()
        lt.collection_type.CopyFrom(item.literal_type)

        def item_fail(value: Any, v: Any) -> Exception:
            err = fail(item.python_type, v, f"in {type_name(t)}")
            return TypeTransformerFailedError(err.detail, expected=t, got=type(v))

        item_fill, item_read = item.raw_fill, item.raw_read
        fill: FillFn
        if item.prim_field is not None:
            fill = _prim_list_fill(item.prim_field, item_fail)
            getter = attrgetter(f"scalar.primitive.{item.prim_field}")
            zero: Any = getter(literals_pb2.Literal())

            def read(lit: literals_pb2.Literal) -> Any:
                _need(lit, "collection", t)
                lits = lit.collection.literals
                out = list(map(getter, lits))
                if zero in out:  # a default value may hide a literal of another kind
                    for i, v in enumerate(out):
                        if v == zero:
                            out[i] = item_read(lits[i])
                return out

        else:

            def fill(msg: literals_pb2.Literal, value: Any) -> None:
                if type(value) is not list:
                    raise fail(t, value)
                coll = msg.collection
                coll.SetInParent()
                add = coll.literals.add
                for v in value:
                    item_fill(add(), v)

            def read(lit: literals_pb2.Literal) -> Any:
                _need(lit, "collection", t)
                return [item_read(x) for x in lit.collection.literals]

        to_plain = from_plain = None
        if item.to_plain is not None and item.from_plain is not None:
            item_enc, item_dec = item.to_plain, item.from_plain

            def to_plain(value: Any) -> Any:
                if type(value) is not list and type(value) is not tuple:
                    raise fail(t, value)
                return [item_enc(v) for v in value]

            def from_plain(value: Any) -> Any:
                if type(value) is not list:
                    raise fail(t, value)
                return [item_dec(v) for v in value]

        return Converter(
            t, lt, fill, read, name=self.name, to_plain=to_plain, from_plain=from_plain
        )


def msgpack_struct_type() -> types_pb2.LiteralType:
    """``STRUCT`` annotated with ``serialization-format: msgpack`` (as flytekit writes it)."""
    lt = types_pb2.LiteralType()
    lt.simple = ST.STRUCT
    lt.annotation.annotations.update({"cache-key-metadata": {"serialization-format": MSGPACK}})
    return lt


def msgpack_fill(encode: Callable[[Any], Any]) -> FillFn:
    """A fill function writing ``Binary(value=msgpack(encode(value)), tag="msgpack")``."""
    import msgpack

    packb = msgpack.packb

    def fill(msg: literals_pb2.Literal, value: Any) -> None:
        b = msg.scalar.binary
        b.value = packb(encode(value))
        b.tag = MSGPACK

    return fill


def msgpack_converter(
    t: Any,
    lt: types_pb2.LiteralType,
    encode: Callable[[Any], Any],
    decode: Callable[[Any], Any],
    *,
    name: str,
    to_plain: Callable[[Any], Any] | None = None,
) -> Converter:
    """A converter of ``t`` sent as msgpack of its plain form (``encode`` / ``decode``; the
    plain form of a nested value is ``to_plain`` when given, else ``encode``)."""
    return Converter(
        t,
        lt,
        msgpack_fill(encode),
        msgpack_read(decode, t),
        name=name,
        to_plain=to_plain or encode,
        from_plain=decode,
    )


def msgpack_read(decode: Callable[[Any], Any], expected: Any) -> ReadFn:
    """A read function for ``Binary(tag="msgpack")`` (or a console ``generic`` struct)."""
    import msgpack

    unpackb = msgpack.unpackb

    def read(lit: literals_pb2.Literal) -> Any:
        b = lit.scalar.binary
        if b.tag == MSGPACK and lit.scalar.WhichOneof("value") == "binary":
            return decode(unpackb(b.value, strict_map_key=False))
        if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "generic":
            from google.protobuf.json_format import MessageToDict

            return decode(MessageToDict(lit.scalar.generic))
        raise decode_error(expected, lit)

    return read


def _untyped(value: Any) -> Any:
    return value


class _DictTransformer(TypeTransformer[dict[Any, Any]]):
    def __init__(self) -> None:
        super().__init__("Typed Dict", dict)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        args = typing.get_args(t)
        if args and args[0] is str and strip_annotated(args[1]) is not Any:
            return self._map(t, engine.converter(args[1], allow_pickle=allow_pickle))
        return self._msgpack(t, engine, allow_pickle)

    def _msgpack(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        from taskplug.types.plain import plain_codec

        enc, dec = plain_codec(t, engine)

        def encode(value: Any) -> Any:
            if type(value) is not dict:
                raise fail(t, value)
            return enc(value)

        return msgpack_converter(
            t, msgpack_struct_type(), encode, dec, name=self.name, to_plain=enc
        )

    def _map(self, t: Any, item: Converter) -> Converter:
        lt = types_pb2.LiteralType()
        lt.map_value_type.CopyFrom(item.literal_type)

        def item_fail(value: Any, k: Any) -> Exception:
            if type(k) is not str:
                return TypeTransformerFailedError(
                    f"expected str keys in {type_name(t)}, got {type(k).__name__}: {k!r}",
                    expected=t,
                    got=type(k),
                )
            v = value[k]
            err = fail(item.python_type, v, f"for key {k!r} in {type_name(t)}")
            return TypeTransformerFailedError(err.detail, expected=t, got=type(v))

        item_fill, item_read = item.raw_fill, item.raw_read
        fill: FillFn
        if item.prim_field is not None:
            fill = _prim_map_fill(item.prim_field, item_fail)
            getter = attrgetter(f"scalar.primitive.{item.prim_field}")
            zero: Any = getter(literals_pb2.Literal())

            def read(lit: literals_pb2.Literal) -> Any:
                _need(lit, "map", t)
                lits = lit.map.literals
                out = {k: getter(x) for k, x in lits.items()}
                if zero in out.values():
                    for k, v in out.items():
                        if v == zero:
                            out[k] = item_read(lits[k])
                return out

        else:

            def fill(msg: literals_pb2.Literal, value: Any) -> None:
                if type(value) is not dict:
                    raise fail(t, value)
                m = msg.map
                m.SetInParent()
                lits = m.literals
                for k, v in value.items():
                    if type(k) is not str:
                        raise item_fail(value, k)
                    item_fill(lits[k], v)

            def read(lit: literals_pb2.Literal) -> Any:
                _need(lit, "map", t)
                return {k: item_read(x) for k, x in lit.map.literals.items()}

        to_plain = from_plain = None
        if item.to_plain is not None and item.from_plain is not None:
            item_enc, item_dec = item.to_plain, item.from_plain

            def to_plain(value: Any) -> Any:
                if type(value) is not dict:
                    raise fail(t, value)
                out = {}
                for k, v in value.items():
                    if type(k) is not str:
                        raise item_fail(value, k)
                    out[k] = item_enc(v)
                return out

            def from_plain(value: Any) -> Any:
                if type(value) is not dict:
                    raise fail(t, value)
                return {_str_key(k, t): item_dec(v) for k, v in value.items()}

        return Converter(
            t, lt, fill, read, name=self.name, to_plain=to_plain, from_plain=from_plain
        )


def _str_key(k: Any, t: Any) -> str:
    if type(k) is not str:
        raise fail(str, k, f"as key of {type_name(t)}")
    return k


class _UnionTransformer(TypeTransformer[Any]):
    """``Union``/``Optional``: a union literal whose ``stored_type`` carries the variant tag.

    Writing tries every variant, as flytekit does; more than one match is ambiguous and an
    error. ``None`` goes straight to the ``NoneType`` variant.
    """

    def __init__(self) -> None:
        super().__init__("Typed Union", typing.Union)  # type: ignore[arg-type]

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        variants = [engine.converter(a, allow_pickle=allow_pickle) for a in typing.get_args(t)]
        lt = types_pb2.LiteralType()
        stored: list[types_pb2.LiteralType] = []
        for v in variants:
            vt = lt.union_type.variants.add()
            vt.CopyFrom(v.literal_type)
            vt.structure.Clear()
            vt.structure.tag = v.name
            stored.append(vt)
        none_index = next((i for i, v in enumerate(variants) if v.python_type is type(None)), None)
        others = [i for i in range(len(variants)) if i != none_index]

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if value is None and none_index is not None:
                index = none_index
                union = msg.scalar.union
                variants[index].raw_fill(union.value, None)
                union.type.CopyFrom(stored[index])
                return
            if len(others) == 1:  # Optional[T]: fill in place, no trial literal
                index = others[0]
                union = msg.scalar.union
                variants[index].raw_fill(union.value, value)
                union.type.CopyFrom(stored[index])
                return
            found: list[int] = []
            result: literals_pb2.Literal | None = None
            for i in others:
                attempt = literals_pb2.Literal()
                try:
                    variants[i].raw_fill(attempt, value)
                except Exception:
                    continue
                found.append(i)
                result = attempt
            if not found or result is None:
                raise fail(t, value)
            if len(found) > 1:
                names = ", ".join(type_name(variants[i].python_type) for i in found)
                raise TypeTransformerFailedError(
                    f"ambiguous value for {type_name(t)}: {type(value).__name__} fits {names}",
                    expected=t,
                    got=type(value),
                )
            union = msg.scalar.union
            union.value.CopyFrom(result)
            union.type.CopyFrom(stored[found[0]])

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "union":
                union = lit.scalar.union
                tag = union.type.structure.tag
                candidates = [i for i, v in enumerate(variants) if v.name == tag]
                if len(candidates) > 1:
                    exact = [i for i in candidates if _same_kind(union.type, stored[i])]
                    candidates = exact or candidates
                inner = union.value
            else:
                candidates = list(range(len(variants)))
                inner = lit
            for i in candidates:
                try:
                    return variants[i].raw_read(inner)
                except Exception:
                    continue
            raise decode_error(t, lit, "no variant of the union matches")

        to_plain = from_plain = None
        if all(v.to_plain is not None and v.from_plain is not None for v in variants):
            encs = [v.to_plain for v in variants]
            decs = [v.from_plain for v in variants]

            def to_plain(value: Any) -> Any:
                for enc in encs:
                    try:
                        return enc(value)  # type: ignore[misc]
                    except Exception:
                        continue
                raise fail(t, value)

            def from_plain(value: Any) -> Any:
                for dec in decs:
                    try:
                        return dec(value)  # type: ignore[misc]
                    except Exception:
                        continue
                raise fail(t, value)

        return Converter(
            t, lt, fill, read, name=self.name, to_plain=to_plain, from_plain=from_plain
        )


def _same_kind(a: types_pb2.LiteralType, b: types_pb2.LiteralType) -> bool:
    x, y = types_pb2.LiteralType(), types_pb2.LiteralType()
    x.CopyFrom(a)
    y.CopyFrom(b)
    for m in (x, y):
        m.ClearField("structure")
        m.ClearField("metadata")
        m.ClearField("annotation")
    return bool(x == y)


LIST = _ListTransformer()
DICT = _DictTransformer()
UNION = _UnionTransformer()

_ = (is_union, _untyped)
