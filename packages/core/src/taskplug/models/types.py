"""``flytekit.models.types``: :class:`LiteralType` and the types it is made of."""

from __future__ import annotations

from typing import Any

from flyteidl.core import types_pb2

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
from taskplug.models.core.types import BlobType, EnumType

__all__ = [
    "Error",
    "LiteralType",
    "SchemaType",
    "SimpleType",
    "StructuredDatasetType",
    "TypeStructure",
    "UnionType",
]


class SimpleType:
    """The simple literal types (``types_pb2.SimpleType`` numbers)."""

    NONE = types_pb2.NONE
    INTEGER = types_pb2.INTEGER
    FLOAT = types_pb2.FLOAT
    STRING = types_pb2.STRING
    BOOLEAN = types_pb2.BOOLEAN
    DATETIME = types_pb2.DATETIME
    DURATION = types_pb2.DURATION
    BINARY = types_pb2.BINARY
    ERROR = types_pb2.ERROR
    STRUCT = types_pb2.STRUCT


class SchemaType(FlyteIdlEntity):
    """The columns of a legacy schema (``FlyteSchema``) literal type."""

    class SchemaColumn(FlyteIdlEntity):
        """One column: a name and a :class:`SchemaColumnType` number."""

        class SchemaColumnType:
            """The column types of a schema."""

            INTEGER = types_pb2.SchemaType.SchemaColumn.INTEGER
            FLOAT = types_pb2.SchemaType.SchemaColumn.FLOAT
            STRING = types_pb2.SchemaType.SchemaColumn.STRING
            DATETIME = types_pb2.SchemaType.SchemaColumn.DATETIME
            DURATION = types_pb2.SchemaType.SchemaColumn.DURATION
            BOOLEAN = types_pb2.SchemaType.SchemaColumn.BOOLEAN

        _pb_type = types_pb2.SchemaType.SchemaColumn
        __slots__ = ()

        name: ValueField[str] = ValueField("name")
        type: ValueField[int] = ValueField("type")

        def __init__(self, name: str, type: int) -> None:
            super().__init__()
            self._pb.name = name
            self._pb.type = type

    _pb_type = types_pb2.SchemaType
    __slots__ = ()

    columns = ModelList("columns", lambda: SchemaType.SchemaColumn)

    def __init__(self, columns: list[SchemaType.SchemaColumn]) -> None:
        super().__init__()
        set_list(self._pb, "columns", columns or [])


class UnionType(FlyteIdlEntity):
    """The variants of a union literal type."""

    _pb_type = types_pb2.UnionType
    __slots__ = ()

    variants = ModelList("variants", lambda: LiteralType)

    def __init__(self, variants: list[LiteralType]) -> None:
        super().__init__()
        set_list(self._pb, "variants", variants or [])


class TypeStructure(FlyteIdlEntity):
    """Type-matching hints: a tag and the literal types of a dataclass's fields."""

    _pb_type = types_pb2.TypeStructure
    __slots__ = ()

    tag: ValueField[str] = ValueField("tag")
    dataclass_type = ModelMap("dataclass_type", lambda: LiteralType)

    def __init__(self, tag: str, dataclass_type: dict[str, LiteralType] | None = None) -> None:
        super().__init__()
        self._pb.tag = tag or ""
        set_map(self._pb, "dataclass_type", dataclass_type or {})


class StructuredDatasetType(FlyteIdlEntity):
    """The literal type of a table: its columns, storage format and external schema."""

    class DatasetColumn(FlyteIdlEntity):
        """One column: a name and its literal type."""

        _pb_type = types_pb2.StructuredDatasetType.DatasetColumn
        __slots__ = ()

        name: ValueField[str] = ValueField("name")
        literal_type = MessageField("literal_type", lambda: LiteralType)

        def __init__(self, name: str, literal_type: LiteralType) -> None:
            super().__init__()
            self._pb.name = name
            set_message(self._pb, "literal_type", literal_type, LiteralType)

    _pb_type = types_pb2.StructuredDatasetType
    __slots__ = ()

    columns = ModelList("columns", lambda: StructuredDatasetType.DatasetColumn)
    format: ValueField[str] = ValueField("format")
    external_schema_type: ValueField[str] = ValueField("external_schema_type", none_if_empty=True)
    external_schema_bytes: ValueField[bytes] = ValueField(
        "external_schema_bytes", none_if_empty=True
    )

    def __init__(
        self,
        columns: list[StructuredDatasetType.DatasetColumn] | None = None,
        format: str = "",
        external_schema_type: str | None = None,
        external_schema_bytes: bytes | None = None,
    ) -> None:
        super().__init__()
        set_list(self._pb, "columns", columns or [])
        self._pb.format = format or ""
        if external_schema_type:
            self._pb.external_schema_type = external_schema_type
        if external_schema_bytes:
            self._pb.external_schema_bytes = external_schema_bytes


class Error(FlyteIdlEntity):
    """The error of a failed node (``types_pb2.Error``)."""

    _pb_type = types_pb2.Error
    __slots__ = ()

    failed_node_id: ValueField[str] = ValueField("failed_node_id")
    message: ValueField[str] = ValueField("message")

    def __init__(self, failed_node_id: str, message: str) -> None:
        super().__init__()
        self._pb.failed_node_id = failed_node_id
        self._pb.message = message


class _Metadata:
    """``LiteralType.metadata``: a ``Struct`` read and written as a dict."""

    def __get__(self, obj: FlyteIdlEntity | None, owner: type) -> Any:
        if obj is None:
            return self
        if not obj._pb.HasField("metadata"):
            return None
        from google.protobuf import json_format

        return json_format.MessageToDict(obj._pb.metadata)

    def __set__(self, obj: FlyteIdlEntity, value: Any) -> None:
        obj._pb.ClearField("metadata")
        if value is not None:
            obj._pb.metadata.update(value)


class LiteralType(FlyteIdlEntity):
    """A Flyte literal type; one of ``simple``, ``schema``, ``collection_type``,
    ``map_value_type``, ``blob``, ``enum_type``, ``union_type``, ``structured_dataset_type``,
    with optional ``metadata`` (a dict), ``structure`` and ``annotation``."""

    _pb_type = types_pb2.LiteralType
    __slots__ = ()

    simple: ValueField[int] = ValueField("simple", oneof=True)
    schema = MessageField("schema", lambda: SchemaType)
    collection_type = MessageField("collection_type", lambda: LiteralType)
    map_value_type = MessageField("map_value_type", lambda: LiteralType)
    blob = MessageField("blob", lambda: BlobType)
    enum_type = MessageField("enum_type", lambda: EnumType)
    union_type = MessageField("union_type", lambda: UnionType)
    structured_dataset_type = MessageField("structured_dataset_type", lambda: StructuredDatasetType)
    structure = MessageField("structure", lambda: TypeStructure)
    metadata = _Metadata()

    def __init__(
        self,
        simple: int | None = None,
        schema: SchemaType | None = None,
        collection_type: LiteralType | None = None,
        map_value_type: LiteralType | None = None,
        blob: BlobType | None = None,
        enum_type: EnumType | None = None,
        union_type: UnionType | None = None,
        structured_dataset_type: StructuredDatasetType | None = None,
        metadata: dict[str, Any] | None = None,
        structure: TypeStructure | None = None,
        annotation: Any = None,
    ) -> None:
        super().__init__()
        pb = self._pb
        if simple is not None:
            pb.simple = simple
        for name, value, model in (
            ("schema", schema, SchemaType),
            ("collection_type", collection_type, LiteralType),
            ("map_value_type", map_value_type, LiteralType),
            ("blob", blob, BlobType),
            ("enum_type", enum_type, EnumType),
            ("union_type", union_type, UnionType),
            ("structured_dataset_type", structured_dataset_type, StructuredDatasetType),
            ("structure", structure, TypeStructure),
        ):
            if value is not None:
                set_message(pb, name, value, model)
        if metadata is not None:
            pb.metadata.update(metadata)
        if annotation is not None:
            pb.annotation.CopyFrom(
                annotation if isinstance(annotation, type(pb.annotation)) else annotation._pb
            )

    @property
    def annotation(self) -> Any:
        """The ``TypeAnnotation`` message, or ``None``."""
        return self._pb.annotation if self._pb.HasField("annotation") else None
