"""``flytekit.models.literals``: :class:`Literal` and the values it is made of."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from flyteidl.core import literals_pb2

from taskplug.models._base import (
    FlyteIdlEntity,
    MessageField,
    ModelList,
    ModelMap,
    ValueField,
    set_list,
    set_map,
    set_message,
)
from taskplug.models.core.types import BlobType
from taskplug.models.types import Error, LiteralType, SchemaType, StructuredDatasetType

__all__ = [
    "Binary",
    "Blob",
    "BlobMetadata",
    "Literal",
    "LiteralCollection",
    "LiteralMap",
    "LiteralOffloadedMetadata",
    "Primitive",
    "Scalar",
    "Schema",
    "StructuredDataset",
    "StructuredDatasetMetadata",
    "Union",
    "Void",
]


class Primitive(FlyteIdlEntity):
    """One primitive value: ``integer``, ``float_value``, ``string_value``, ``boolean``,
    ``datetime`` or ``duration`` (only one is set)."""

    _pb_type = literals_pb2.Primitive
    __slots__ = ()

    integer: ValueField[int] = ValueField("integer", oneof=True)
    float_value: ValueField[float] = ValueField("float_value", oneof=True)
    string_value: ValueField[str] = ValueField("string_value", oneof=True)
    boolean: ValueField[bool] = ValueField("boolean", oneof=True)

    def __init__(
        self,
        integer: int | None = None,
        float_value: float | None = None,
        string_value: str | None = None,
        boolean: bool | None = None,
        datetime: _dt.datetime | None = None,
        duration: _dt.timedelta | None = None,
    ) -> None:
        super().__init__()
        pb = self._pb
        if integer is not None:
            pb.integer = integer
        if float_value is not None:
            pb.float_value = float_value
        if string_value is not None:
            pb.string_value = string_value
        if boolean is not None:
            pb.boolean = boolean
        if datetime is not None:
            pb.datetime.FromDatetime(datetime)
        if duration is not None:
            pb.duration.FromTimedelta(duration)

    @property
    def datetime(self) -> _dt.datetime | None:
        """The datetime (timezone-aware, UTC), or ``None``."""
        if not self._pb.HasField("datetime"):
            return None
        value: _dt.datetime = self._pb.datetime.ToDatetime().replace(tzinfo=_dt.UTC)
        return value

    @property
    def duration(self) -> _dt.timedelta | None:
        """The duration, or ``None``."""
        return self._pb.duration.ToTimedelta() if self._pb.HasField("duration") else None

    @property
    def value(self) -> Any:
        """Whichever value is set."""
        kind = self._pb.WhichOneof("value")
        return None if kind is None else getattr(self, kind)


class Binary(FlyteIdlEntity):
    """Bytes with a tag saying how to read them (``"msgpack"``...)."""

    _pb_type = literals_pb2.Binary
    __slots__ = ()

    value: ValueField[bytes] = ValueField("value")
    tag: ValueField[str] = ValueField("tag")

    def __init__(self, value: bytes, tag: str) -> None:
        super().__init__()
        self._pb.value = value
        self._pb.tag = tag


class BlobMetadata(FlyteIdlEntity):
    """What a blob is: its :class:`~taskplug.models.core.types.BlobType`."""

    _pb_type = literals_pb2.BlobMetadata
    __slots__ = ()

    type = MessageField("type", lambda: BlobType)

    def __init__(self, type: BlobType) -> None:
        super().__init__()
        set_message(self._pb, "type", type, BlobType)


class Blob(FlyteIdlEntity):
    """A file or directory by reference: ``uri`` and :class:`BlobMetadata`."""

    _pb_type = literals_pb2.Blob
    __slots__ = ()

    metadata = MessageField("metadata", lambda: BlobMetadata)
    uri: ValueField[str] = ValueField("uri")

    def __init__(self, metadata: BlobMetadata, uri: str) -> None:
        super().__init__()
        set_message(self._pb, "metadata", metadata, BlobMetadata)
        self._pb.uri = uri


class Void(FlyteIdlEntity):
    """The value of ``None``."""

    _pb_type = literals_pb2.Void
    __slots__ = ()


class Schema(FlyteIdlEntity):
    """A legacy schema (``FlyteSchema``) literal: ``uri`` and :class:`SchemaType`."""

    _pb_type = literals_pb2.Schema
    __slots__ = ()

    uri: ValueField[str] = ValueField("uri")
    type = MessageField("type", lambda: SchemaType)

    def __init__(self, uri: str, type: SchemaType) -> None:
        super().__init__()
        self._pb.uri = uri
        set_message(self._pb, "type", type, SchemaType)


class Union(FlyteIdlEntity):
    """A union value: the :class:`Literal` and the variant type it was stored as."""

    _pb_type = literals_pb2.Union
    __slots__ = ()

    value = MessageField("value", lambda: Literal)
    stored_type = MessageField("type", lambda: LiteralType)

    def __init__(self, value: Literal, stored_type: LiteralType) -> None:
        super().__init__()
        set_message(self._pb, "value", value, Literal)
        set_message(self._pb, "type", stored_type, LiteralType)


class StructuredDatasetMetadata(FlyteIdlEntity):
    """What a table literal carries about itself: its :class:`StructuredDatasetType`."""

    _pb_type = literals_pb2.StructuredDatasetMetadata
    __slots__ = ()

    structured_dataset_type = MessageField("structured_dataset_type", lambda: StructuredDatasetType)

    def __init__(self, structured_dataset_type: StructuredDatasetType | None = None) -> None:
        super().__init__()
        if structured_dataset_type is not None:
            set_message(
                self._pb, "structured_dataset_type", structured_dataset_type, StructuredDatasetType
            )


class StructuredDataset(FlyteIdlEntity):
    """A table literal: ``uri`` and :class:`StructuredDatasetMetadata` (not the user-facing
    ``StructuredDataset`` of :mod:`taskplug.types.structured`)."""

    _pb_type = literals_pb2.StructuredDataset
    __slots__ = ()

    uri: ValueField[str] = ValueField("uri")
    metadata = MessageField("metadata", lambda: StructuredDatasetMetadata)

    def __init__(self, uri: str, metadata: StructuredDatasetMetadata | None = None) -> None:
        super().__init__()
        self._pb.uri = uri
        if metadata is not None:
            set_message(self._pb, "metadata", metadata, StructuredDatasetMetadata)


class LiteralCollection(FlyteIdlEntity):
    """A list of :class:`Literal` s."""

    _pb_type = literals_pb2.LiteralCollection
    __slots__ = ()

    literals = ModelList("literals", lambda: Literal)

    def __init__(self, literals: list[Literal]) -> None:
        super().__init__()
        set_list(self._pb, "literals", literals or [])


class LiteralMap(FlyteIdlEntity):
    """A map of names to :class:`Literal` s."""

    _pb_type = literals_pb2.LiteralMap
    __slots__ = ()

    literals = ModelMap("literals", lambda: Literal)

    def __init__(self, literals: dict[str, Literal]) -> None:
        super().__init__()
        set_map(self._pb, "literals", literals or {})


class Scalar(FlyteIdlEntity):
    """One scalar value; only one of its fields is set."""

    _pb_type = literals_pb2.Scalar
    __slots__ = ()

    primitive = MessageField("primitive", lambda: Primitive)
    blob = MessageField("blob", lambda: Blob)
    binary = MessageField("binary", lambda: Binary)
    schema = MessageField("schema", lambda: Schema)
    union = MessageField("union", lambda: Union)
    none_type = MessageField("none_type", lambda: Void)
    error = MessageField("error", lambda: Error)
    structured_dataset = MessageField("structured_dataset", lambda: StructuredDataset)

    def __init__(
        self,
        primitive: Primitive | None = None,
        blob: Blob | None = None,
        binary: Binary | None = None,
        schema: Schema | None = None,
        union: Union | None = None,
        none_type: Void | None = None,
        error: Error | None = None,
        generic: Any = None,
        structured_dataset: StructuredDataset | None = None,
    ) -> None:
        super().__init__()
        pb = self._pb
        for name, value, model in (
            ("primitive", primitive, Primitive),
            ("blob", blob, Blob),
            ("binary", binary, Binary),
            ("schema", schema, Schema),
            ("union", union, Union),
            ("none_type", none_type, Void),
            ("error", error, Error),
            ("structured_dataset", structured_dataset, StructuredDataset),
        ):
            if value is not None:
                set_message(pb, name, value, model)
        if generic is not None:
            pb.generic.CopyFrom(generic)

    @property
    def generic(self) -> Any:
        """The ``google.protobuf.Struct``, or ``None``."""
        return self._pb.generic if self._pb.HasField("generic") else None

    @property
    def value(self) -> Any:
        """Whichever value is set."""
        kind = self._pb.WhichOneof("value")
        return None if kind is None else getattr(self, kind)


class LiteralOffloadedMetadata(FlyteIdlEntity):
    """Where an offloaded literal is stored, its size and inferred type."""

    _pb_type = literals_pb2.LiteralOffloadedMetadata
    __slots__ = ()

    uri: ValueField[str] = ValueField("uri")
    size_bytes: ValueField[int] = ValueField("size_bytes")
    inferred_type = MessageField("inferred_type", lambda: LiteralType)

    def __init__(
        self,
        uri: str | None = None,
        size_bytes: int | None = None,
        inferred_type: LiteralType | None = None,
    ) -> None:
        super().__init__()
        if uri:
            self._pb.uri = uri
        if size_bytes:
            self._pb.size_bytes = size_bytes
        if inferred_type is not None:
            set_message(self._pb, "inferred_type", inferred_type, LiteralType)


class _StringMap:
    """``Literal.metadata``: a ``map<string, string>`` read as a dict (``None`` when empty)."""

    def __get__(self, obj: FlyteIdlEntity | None, owner: type) -> Any:
        if obj is None:
            return self
        return dict(obj._pb.metadata) or None

    def __set__(self, obj: FlyteIdlEntity, value: Any) -> None:
        obj._pb.metadata.clear()
        obj._pb.metadata.update(value or {})


class Literal(FlyteIdlEntity):
    """A Flyte value: a ``scalar``, a ``collection`` or a ``map`` (with an optional ``hash``,
    ``metadata`` and ``offloaded_metadata``)."""

    _pb_type = literals_pb2.Literal
    __slots__ = ()

    scalar = MessageField("scalar", lambda: Scalar)
    collection = MessageField("collection", lambda: LiteralCollection)
    map = MessageField("map", lambda: LiteralMap)
    hash: ValueField[str] = ValueField("hash", none_if_empty=True)
    metadata = _StringMap()
    offloaded_metadata = MessageField("offloaded_metadata", lambda: LiteralOffloadedMetadata)

    def __init__(
        self,
        scalar: Scalar | None = None,
        collection: LiteralCollection | None = None,
        map: LiteralMap | None = None,
        hash: str | None = None,
        metadata: dict[str, str] | None = None,
        offloaded_metadata: LiteralOffloadedMetadata | None = None,
    ) -> None:
        super().__init__()
        pb = self._pb
        for name, value, model in (
            ("scalar", scalar, Scalar),
            ("collection", collection, LiteralCollection),
            ("map", map, LiteralMap),
            ("offloaded_metadata", offloaded_metadata, LiteralOffloadedMetadata),
        ):
            if value is not None:
                set_message(pb, name, value, model)
        if hash:
            pb.hash = hash
        if metadata:
            pb.metadata.update(metadata)

    @property
    def value(self) -> Any:
        """Whichever of ``scalar``, ``collection``, ``map`` is set."""
        kind = self._pb.WhichOneof("value")
        return None if kind is None else getattr(self, kind)
