"""Transformers of dataclasses and pydantic models.

Dataclasses and pydantic models travel as msgpack ``Binary`` scalars (tag ``"msgpack"``) with
literal type ``STRUCT``: ``metadata`` holds the JSON schema, ``structure.dataclass_type`` the
literal type of each field, ``annotation`` the serialization format, as in flytekit 1.16.
Dataclass encoders and decoders are generated per class (one function, fields inlined).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from flyteidl.core import types_pb2

from taskplug.errors import TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types.containers import msgpack_converter, msgpack_struct_type
from taskplug.types.engine import (
    NO_TRANSFORMER,
    Converter,
    TypeEngine,
    TypeTransformer,
    fail,
    type_name,
)
from taskplug.types.plain import plain_codec

__all__ = ["DATACLASS", "PydanticTransformer"]


_INLINE_EXACT = {int: "int", str: "str", bool: "bool", bytes: "bytes", float: "float"}


def _dataclass_codec(cls: type, engine: type[TypeEngine]) -> tuple[Any, Any]:
    """Generated ``encode(obj) -> dict`` and ``decode(dict) -> obj`` for a dataclass."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    env: dict[str, Any] = {"cls": cls, "fail": fail, "missing": _missing}
    enc_lines = [
        "def encode(v):",
        "    if type(v) is not cls and not isinstance(v, cls):",
        "        raise fail(cls, v)",
    ]
    items = []
    dec_lines = [
        "def decode(d):",
        "    if type(d) is not dict:",
        "        raise fail(cls, d)",
        "    kw = {}",
    ]
    post = []
    for i, f in enumerate(fields):
        ft = hints.get(f.name, f.type)
        try:
            enc, dec = plain_codec(ft, engine)
        except TypeTransformerFailedError as exc:
            raise _field_error(cls, f.name, exc) from exc
        env[f"e{i}"], env[f"d{i}"], env[f"t{i}"] = enc, dec, ft
        exact = _INLINE_EXACT.get(ft)
        enc_lines.append(f"    f{i} = v.{f.name}")
        if exact is not None:
            check = f"type(f{i}) is not {exact}"
            if ft is float:  # mashumaro keeps an int given for a float field
                check += f" and type(f{i}) is not int"
            enc_lines += [
                f"    if {check}:",
                f"        raise fail(t{i}, f{i}, {f'in field {f.name!r}'!r})",
            ]
            items.append(f"{f.name!r}: f{i}")
        else:
            items.append(f"{f.name!r}: e{i}(f{i})")
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        conv = f"x if type(x) is {exact} else d{i}(x)" if exact is not None else f"d{i}(x)"
        if required and f.init:
            dec_lines += [
                f"    x = d.get({f.name!r}, missing)",
                "    if x is missing:",
                f"        raise missing.error(cls, {f.name!r})",
                f"    kw[{f.name!r}] = {conv}",
            ]
        else:
            dec_lines += [
                f"    x = d.get({f.name!r}, missing)",
                "    if x is not missing:",
                f"        kw[{f.name!r}] = {conv}"
                if f.init
                else f"        post.append(({f.name!r}, {conv}))",
            ]
        if not f.init:
            post.append(f.name)
    enc_lines.append("    return {" + ", ".join(items) + "}")
    if post:
        dec_lines.insert(4, "    post = []")
        dec_lines += [
            "    obj = cls(**kw)",
            "    for name, value in post:",
            "        object.__setattr__(obj, name, value)",
            "    return obj",
        ]
    else:
        dec_lines.append("    return cls(**kw)")
    namespace: dict[str, Any] = {}
    source = "\n".join(enc_lines) + "\n\n" + "\n".join(dec_lines) + "\n"
    exec(compile(source, f"<taskplug dataclass codec {cls.__qualname__}>", "exec"), env, namespace)
    return namespace["encode"], namespace["decode"]


def _field_error(cls: type, name: str, exc: TypeTransformerFailedError) -> UnsupportedTypeError:
    """The error for a field type that cannot be stored, naming the field (a dotted path
    through nested dataclasses) and the dataclass."""
    inner: str | None = getattr(exc, "field_path", None)
    path = f"{name}.{inner}" if inner else name
    detail: str = getattr(exc, "field_detail", exc.detail)
    # pickling does not reach into dataclass fields: do not suggest it for one
    detail = detail.replace(
        NO_TRANSFORMER,
        "Use a supported type, or register a TypeTransformer with a plain-data form "
        "(to_plain/from_plain) for it; pickling does not apply to dataclass fields",
    )
    err = UnsupportedTypeError(
        f"field {path!r} of dataclass {type_name(cls)}: {detail}", expected=cls
    )
    err.field_path = path  # type: ignore[attr-defined]
    err.field_detail = detail  # type: ignore[attr-defined]
    return err


class _Missing:
    def error(self, cls: type, name: str) -> TypeTransformerFailedError:
        return TypeTransformerFailedError(
            f"field {name!r} of {type_name(cls)} is missing from the literal",
            expected=cls,
            got=dict,
        )


_missing = _Missing()


def _schema_default(engine: type[TypeEngine]) -> Any:
    def encode_default(t: Any, value: Any) -> Any:
        enc, _ = plain_codec(t, engine)
        return enc(value)

    return encode_default


def _field_literal_type(ft: Any, engine: type[TypeEngine]) -> types_pb2.LiteralType | None:
    """The literal type flytekit records for a field in ``structure.dataclass_type``.

    flytekit falls back to its pickle type for fields it has no transformer for (``Any``,
    sets, ``bytes``) and leaves out those it refuses (tuples).
    """
    from taskplug.types.engine import strip_annotated
    from taskplug.types.pickle import PICKLE

    base = typing.get_origin(ft) or ft
    if base is tuple:
        return None
    try:
        if ft is bytes:
            raise UnsupportedTypeError("bytes", expected=ft)
        engine.find_transformer(strip_annotated(ft))
    except TypeTransformerFailedError:  # flytekit has no transformer: it would pickle
        return PICKLE.converter(ft, engine, True).literal_type
    try:
        return engine.converter(ft).literal_type
    except TypeTransformerFailedError:  # a transformer refused the type: flytekit skips it
        return None


class _DataclassTransformer(TypeTransformer[Any]):
    def __init__(self) -> None:
        super().__init__("Object-Dataclass-Transformer", object)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        from taskplug.types.json_schema import dataclass_schema

        lt = msgpack_struct_type()
        try:
            lt.metadata.update(dataclass_schema(t, _schema_default(engine)))
        except Exception:  # as flytekit: no schema when it cannot be built
            lt.ClearField("metadata")
        hints = typing.get_type_hints(t)
        dc_types = lt.structure.dataclass_type
        for f in dataclasses.fields(t):
            field_lt = _field_literal_type(hints.get(f.name, f.type), engine)
            if field_lt is not None:
                dc_types[f.name].CopyFrom(field_lt)
        lt.structure.SetInParent()
        encode, decode = _dataclass_codec(t, engine)
        return msgpack_converter(t, lt, encode, decode, name=self.name)


class PydanticTransformer(TypeTransformer[Any]):
    """pydantic ``BaseModel`` subclasses, as flytekit's pydantic transformer sends them.

    Created only when a pydantic model is declared; pydantic is imported by then. The value
    goes through pydantic's JSON (as in flytekit), so infinite floats arrive as ``None``.
    """

    def __init__(self, base: type) -> None:
        super().__init__("Pydantic Transformer", base)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        import json

        lt = msgpack_struct_type()
        lt.metadata.update(t.model_json_schema())
        dc_types = lt.structure.dataclass_type
        for name, info in t.model_fields.items():
            try:
                sub = engine.converter(info.annotation, allow_pickle=allow_pickle)
            except TypeTransformerFailedError:
                continue
            dc_types[name].CopyFrom(sub.literal_type)
        lt.structure.SetInParent()
        loads, dumps = json.loads, json.dumps

        def encode(value: Any) -> Any:
            if not isinstance(value, t):
                raise fail(t, value)
            return loads(value.model_dump_json())

        def decode(value: Any) -> Any:
            if type(value) is not dict:
                raise fail(t, value)
            return t.model_validate_json(dumps(value), strict=False, context={"deserialize": True})

        return msgpack_converter(t, lt, encode, decode, name=self.name)


DATACLASS = _DataclassTransformer()
