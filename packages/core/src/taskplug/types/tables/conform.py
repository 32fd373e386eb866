"""Checking an Arrow table against declared columns, and casting it to them.

:func:`column_problems` says, column by column, where a table does not fit the declared columns
(used when a task writes a table); :func:`conform_table` selects the declared columns in order
and casts them to the declared types where the data allows it (used for query results, whose
column types depend on the database: SQLite has no boolean, integers may come back as
``int32``…). Both raise nothing themselves except :class:`TableSchemaError` from
:func:`conform_table`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flyteidl.core import types_pb2

from taskplug.errors import TaskplugError
from taskplug.types.tables.columns import column_literal_type

__all__ = ["TableSchemaError", "column_problems", "conform_table"]

_SIMPLE = types_pb2.SimpleType
_NAMES = {
    _SIMPLE.INTEGER: "integer",
    _SIMPLE.FLOAT: "float",
    _SIMPLE.STRING: "string",
    _SIMPLE.BOOLEAN: "boolean",
    _SIMPLE.DATETIME: "datetime",
    _SIMPLE.DURATION: "duration",
}


class TableSchemaError(TaskplugError, TypeError):
    """A table does not fit its declared columns; ``problems`` lists each misfit."""

    def __init__(self, message: str, *, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


def _expected(lt: types_pb2.LiteralType) -> str:
    kind = lt.WhichOneof("type")
    if kind == "simple":
        return _NAMES.get(lt.simple, str(lt.simple))
    if kind == "collection_type":
        return f"list of {_expected(lt.collection_type)}"
    if kind == "map_value_type":
        return f"map of {_expected(lt.map_value_type)}"
    return str(kind)


def _fits(arrow_type: Any, lt: types_pb2.LiteralType) -> bool:
    """Whether values of ``arrow_type`` can stand for a column of literal type ``lt``."""
    import pyarrow as pa

    t = pa.types
    if t.is_null(arrow_type):
        return True
    if t.is_dictionary(arrow_type):
        return _fits(arrow_type.value_type, lt)
    kind = lt.WhichOneof("type")
    if kind == "collection_type":
        is_list = bool(t.is_list(arrow_type) or t.is_large_list(arrow_type))
        return is_list and _fits(arrow_type.value_type, lt.collection_type)
    if kind == "map_value_type":
        return bool(t.is_map(arrow_type) or t.is_struct(arrow_type))
    simple = lt.simple
    if simple == _SIMPLE.INTEGER:
        return bool(t.is_integer(arrow_type))
    if simple == _SIMPLE.FLOAT:
        return bool(
            t.is_floating(arrow_type) or t.is_integer(arrow_type) or t.is_decimal(arrow_type)
        )
    if simple == _SIMPLE.STRING:
        return bool(
            t.is_string(arrow_type) or t.is_large_string(arrow_type) or _is_view(arrow_type)
        )
    if simple == _SIMPLE.BOOLEAN:
        return bool(t.is_boolean(arrow_type))
    if simple == _SIMPLE.DATETIME:
        return bool(t.is_timestamp(arrow_type) or t.is_date(arrow_type))
    if simple == _SIMPLE.DURATION:
        return bool(t.is_duration(arrow_type))
    return False


def _is_view(arrow_type: Any) -> bool:
    import pyarrow as pa

    check = getattr(pa.types, "is_string_view", None)
    return bool(check(arrow_type)) if check is not None else False


def column_problems(schema: Any, columns: Mapping[str, Any]) -> list[str]:
    """Each declared column missing from ``schema`` (a ``pyarrow.Schema``) or of another type."""
    problems = []
    names = set(schema.names)
    for name, py_type in columns.items():
        lt = column_literal_type(py_type)
        if name not in names:
            problems.append(
                f"column {name!r} ({_expected(lt)}) is missing (columns: {schema.names})"
            )
            continue
        arrow_type = schema.field(name).type
        if not _fits(arrow_type, lt):
            problems.append(f"column {name!r} should be {_expected(lt)}, got {arrow_type}")
    return problems


def _cast_target(arrow_type: Any, lt: types_pb2.LiteralType) -> Any:
    """The Arrow type a column of ``arrow_type`` becomes for literal type ``lt`` (or None)."""
    import pyarrow as pa

    t = pa.types
    if lt.WhichOneof("type") != "simple":
        return None
    simple = lt.simple
    if simple == _SIMPLE.INTEGER:
        if t.is_null(arrow_type) or t.is_integer(arrow_type) or t.is_decimal(arrow_type):
            return pa.int64()
        if t.is_boolean(arrow_type):
            return pa.int64()
    elif simple == _SIMPLE.FLOAT:
        if t.is_null(arrow_type) or t.is_integer(arrow_type) or t.is_decimal(arrow_type):
            return pa.float64()
        if t.is_floating(arrow_type):
            return pa.float64()
    elif simple == _SIMPLE.BOOLEAN:
        if t.is_null(arrow_type) or t.is_integer(arrow_type) or t.is_boolean(arrow_type):
            return pa.bool_()
    elif simple == _SIMPLE.STRING:
        if t.is_null(arrow_type):
            return pa.string()
        if t.is_string(arrow_type) or t.is_large_string(arrow_type) or _is_view(arrow_type):
            return arrow_type
    elif simple == _SIMPLE.DATETIME:
        if t.is_timestamp(arrow_type):
            return arrow_type
        if t.is_null(arrow_type) or t.is_date(arrow_type) or t.is_string(arrow_type):
            return pa.timestamp("us")
    elif simple == _SIMPLE.DURATION:
        if t.is_duration(arrow_type):
            return arrow_type
        if t.is_null(arrow_type):
            return pa.duration("us")
    return None


def conform_table(table: Any, columns: Mapping[str, Any]) -> Any:
    """``table`` with exactly the declared ``columns``, in order, cast to the declared types.

    Raises :class:`TableSchemaError` listing every column that is missing or whose values
    cannot become the declared type (e.g. text where an integer is declared).
    """
    import pyarrow as pa

    problems: list[str] = []
    arrays = []
    fields = []
    names = table.schema.names
    for name, py_type in columns.items():
        lt = column_literal_type(py_type)
        if name not in names:
            problems.append(f"column {name!r} ({_expected(lt)}) is missing (columns: {names})")
            continue
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        target = _cast_target(column.type, lt)
        if target is None:
            if _fits(column.type, lt):
                arrays.append(column)
                fields.append(pa.field(name, column.type))
                continue
            problems.append(f"column {name!r} should be {_expected(lt)}, got {column.type}")
            continue
        if target != column.type:
            try:
                column = column.cast(target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                problems.append(
                    f"column {name!r} should be {_expected(lt)}; its {column.type} values "
                    f"cannot be converted: {exc}"
                )
                continue
        arrays.append(column)
        fields.append(pa.field(name, column.type))
    if problems:
        raise TableSchemaError(
            "the table does not match the declared columns: " + "; ".join(problems),
            problems=problems,
        )
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def conform_batches(reader: Any, columns: Mapping[str, Any]) -> Any:
    """:func:`conform_table` for a ``pyarrow.RecordBatchReader``, batch by batch.

    The first batch fixes the result's types (later ones are cast to them); a batch that does
    not fit raises :class:`TableSchemaError` when it is read. Returns a new reader.
    """
    import pyarrow as pa

    rest = iter(reader)
    first = next(rest, None)
    if first is None:  # no rows: the declared types apply to columns of no type yet
        head = pa.Table.from_arrays(
            [pa.nulls(0) for _ in reader.schema.names], names=reader.schema.names
        )
    else:
        head = pa.Table.from_batches([first])
    schema = conform_table(head, columns).schema

    def batches() -> Any:
        if first is not None:
            yield from conform_table(head, columns).to_batches()
        for batch in rest:
            table = conform_table(pa.Table.from_batches([batch]), columns)
            if table.schema != schema:
                try:
                    table = table.cast(schema)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise TableSchemaError(
                        f"the table's column types change between batches: {exc}",
                        problems=[str(exc)],
                    ) from None
            yield from table.to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())
