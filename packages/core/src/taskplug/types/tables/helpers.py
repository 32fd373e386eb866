"""Public helpers over the table transformers: :func:`from_arrow`, :func:`write_dataset`,
:func:`table_type_for` (used by plugins such as taskplug-sql)."""

from __future__ import annotations

import typing
from collections import OrderedDict
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import UnsupportedTypeError
from taskplug.types.engine import TypeEngine
from taskplug.types.tables.columns import column_python_type, parse_table_annotation
from taskplug.types.tables.dataset import PARQUET, FlyteSchema, StructuredDataset
from taskplug.types.tables.transformers import (
    _SIMPLE_OF_SCHEMA,
    DataFrameTransformer,
    _dataset_type,
)

__all__ = ["from_arrow", "table_type_for", "write_dataset"]


def from_arrow(table: Any, python_type: Any) -> Any:
    """A ``pyarrow.Table`` as a value of the declared table type ``python_type``.

    ``pd.DataFrame`` (annotated or not) → a DataFrame; ``pyarrow.Table`` → the table;
    ``StructuredDataset`` → ``StructuredDataset(dataframe=table)``; ``FlyteSchema[...]`` → the
    table (the schema transformer writes it).
    """
    base = parse_table_annotation(python_type).base
    if isinstance(base, type) and issubclass(base, StructuredDataset):
        return base(dataframe=table)
    if isinstance(base, type) and issubclass(base, FlyteSchema):
        return table
    transformer = TypeEngine.find_transformer(base)
    if not isinstance(transformer, DataFrameTransformer):
        raise UnsupportedTypeError(f"{python_type!r} is not a table type", expected=python_type)
    return transformer.from_arrow(table)


def write_dataset(data: Any, python_type: Any = StructuredDataset) -> StructuredDataset:
    """Write ``data`` (a ``pyarrow.Table`` or ``RecordBatchReader``, streamed) where a new
    table of the running task goes, as a table of the declared type ``python_type``.

    Returns a :class:`StructuredDataset` already pointing at the files: returned as a task
    output of ``python_type`` (a DataFrame, Arrow table or dataset type), it is not written
    again. Declared columns are not checked here (see :func:`conform_table`).
    """
    from taskplug.types.tables.storage import new_location, write_table

    lt, _, _, _ = _dataset_type(python_type)
    uri = new_location()
    write_table(data, uri)
    literal = literals_pb2.StructuredDataset(uri=uri)
    sdt = literal.metadata.structured_dataset_type
    sdt.CopyFrom(lt.structured_dataset_type)
    sdt.format = PARQUET
    dataset = StructuredDataset(uri=uri, metadata=literal.metadata, file_format=PARQUET)
    dataset._literal = literal
    return dataset


def table_type_for(literal_type: types_pb2.LiteralType, frame: Any) -> Any:
    """The Python type of a table literal type, with ``frame`` as the dataframe class.

    A structured dataset type becomes ``Annotated[frame, columns, format]`` (columns and format
    only when the literal type has them); a schema type ``FlyteSchema[columns]``. Used to rebuild
    a task's interface from its template.
    """
    kind = literal_type.WhichOneof("type")
    if kind == "schema":
        cols = OrderedDict(
            (c.name, column_python_type(types_pb2.LiteralType(simple=_SIMPLE_OF_SCHEMA[c.type])))
            for c in literal_type.schema.columns
        )
        return FlyteSchema.__class_getitem__(cols)
    if kind != "structured_dataset_type":
        raise UnsupportedTypeError(f"not a table literal type: {literal_type}", expected=frame)
    sdt = literal_type.structured_dataset_type
    extras: list[Any] = []
    if sdt.columns:
        extras.append(
            OrderedDict((c.name, column_python_type(c.literal_type)) for c in sdt.columns)
        )
    if sdt.format:
        extras.append(sdt.format)
    return typing.Annotated[(frame, *extras)] if extras else frame
