"""Column declarations of tables: ``kwtypes``, ``Annotated`` metadata and column literal types.

``Annotated[pd.DataFrame, kwtypes(id=int, name=str)]`` declares a table with two columns; a
``str`` in the annotation is the storage format (``"parquet"``), a ``pyarrow.Schema`` an external
schema. Column types become flyteidl ``LiteralType`` s as flytekit writes them (``int`` →
``INTEGER``, numpy ``int32`` too, ``list[int]`` → a collection, nested dicts and dataclasses are
flattened into dotted names). Nothing here imports pandas, numpy or pyarrow.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import typing
from typing import Any

from flyteidl.core import types_pb2

from taskplug.errors import UnsupportedTypeError

__all__ = [
    "TableAnnotation",
    "column_literal_type",
    "column_python_type",
    "flatten_columns",
    "kwtypes",
    "parse_table_annotation",
]

_SIMPLE = types_pb2.SimpleType
#: Python column types and the simple literal type flytekit gives them.
_COLUMN_SIMPLE: dict[Any, int] = {
    int: _SIMPLE.INTEGER,
    float: _SIMPLE.FLOAT,
    bool: _SIMPLE.BOOLEAN,
    str: _SIMPLE.STRING,
    datetime.datetime: _SIMPLE.DATETIME,
    datetime.timedelta: _SIMPLE.DURATION,
}
#: numpy scalar types by name (numpy is never imported here), as flytekit maps them.
_NUMPY_SIMPLE = {
    "int32": _SIMPLE.INTEGER,
    "int64": _SIMPLE.INTEGER,
    "uint32": _SIMPLE.INTEGER,
    "uint64": _SIMPLE.INTEGER,
    "float32": _SIMPLE.FLOAT,
    "float64": _SIMPLE.FLOAT,
    "bool": _SIMPLE.BOOLEAN,
    "bool_": _SIMPLE.BOOLEAN,
    "datetime64": _SIMPLE.DATETIME,
    "timedelta64": _SIMPLE.DURATION,
    "bytes_": _SIMPLE.STRING,
    "str_": _SIMPLE.STRING,
    "object_": _SIMPLE.STRING,
}
#: The other way round, for tables described by a template (``column_python_type``).
_SIMPLE_PYTHON: dict[int, type] = {
    _SIMPLE.INTEGER: int,
    _SIMPLE.FLOAT: float,
    _SIMPLE.BOOLEAN: bool,
    _SIMPLE.STRING: str,
    _SIMPLE.DATETIME: datetime.datetime,
    _SIMPLE.DURATION: datetime.timedelta,
}


def kwtypes(**kwargs: Any) -> collections.OrderedDict[str, Any]:
    """Names to types, in order: ``kwtypes(id=int, name=str)`` (flytekit's helper).

    Used for table columns (``Annotated[pd.DataFrame, kwtypes(...)]``) and for the inputs of
    instance tasks (``SQLite3Task(..., inputs=kwtypes(limit=int))``).
    """
    return collections.OrderedDict(kwargs)


@dataclasses.dataclass(frozen=True)
class TableAnnotation:
    """What ``Annotated[T, ...]`` says about a table type.

    ``base``: the table class; ``columns``: names to Python types (``None``: not declared);
    ``format``: the storage format (``""``: the default); ``arrow_schema``: a
    ``pyarrow.Schema`` given as annotation, else ``None``.
    """

    base: Any
    columns: collections.OrderedDict[str, Any] | None
    format: str
    arrow_schema: Any


def parse_table_annotation(t: Any) -> TableAnnotation:
    """Split ``Annotated[T, columns, "format", pyarrow_schema]`` into its parts (any subset)."""
    if typing.get_origin(t) is not typing.Annotated:
        return TableAnnotation(t, None, "", None)
    base, *extras = typing.get_args(t)
    columns: collections.OrderedDict[str, Any] | None = None
    fmt = ""
    schema = None
    for extra in extras:
        if isinstance(extra, str):
            if fmt:
                raise UnsupportedTypeError(
                    f"{t!r}: two storage formats ({fmt!r} and {extra!r}); give one", expected=t
                )
            fmt = extra
        elif isinstance(extra, dict):
            if columns is not None:
                raise UnsupportedTypeError(f"{t!r}: columns are declared twice", expected=t)
            columns = collections.OrderedDict(extra)
        elif dataclasses.is_dataclass(extra) and isinstance(extra, type):
            if columns is not None:
                raise UnsupportedTypeError(f"{t!r}: columns are declared twice", expected=t)
            columns = collections.OrderedDict(typing.get_type_hints(extra))
        elif type(extra).__module__.startswith("pyarrow") and type(extra).__name__ == "Schema":
            if schema is not None:
                raise UnsupportedTypeError(f"{t!r}: two arrow schemas; give one", expected=t)
            schema = extra
    return TableAnnotation(base, columns, fmt, schema)


def flatten_columns(
    columns: typing.Mapping[str, Any], prefix: str = ""
) -> collections.OrderedDict[str, Any]:
    """Nested dicts and dataclasses become dotted column names, as flytekit flattens them."""
    out: collections.OrderedDict[str, Any] = collections.OrderedDict()
    for key, value in columns.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(flatten_columns(value, name))
        elif dataclasses.is_dataclass(value) and isinstance(value, type):
            out.update(flatten_columns(typing.get_type_hints(value), name))
        else:
            out[name] = value
    return out


def column_literal_type(t: Any, *, table: object = None) -> types_pb2.LiteralType:
    """The ``LiteralType`` of a column declared as Python type ``t``."""
    lt = types_pb2.LiteralType()
    simple = _COLUMN_SIMPLE.get(t)
    if simple is None and isinstance(t, type) and t.__module__ == "numpy":
        simple = _NUMPY_SIMPLE.get(t.__name__)
    if simple is not None:
        lt.simple = simple
        return lt
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is list and args:
        lt.collection_type.CopyFrom(column_literal_type(args[0], table=table))
        return lt
    if origin is dict and len(args) == 2:
        lt.map_value_type.CopyFrom(column_literal_type(args[1], table=table))
        return lt
    where = f" in {table!r}" if table is not None else ""
    raise UnsupportedTypeError(
        f"column type {t!r}{where} is not supported: use int, float, bool, str, datetime, "
        "timedelta, numpy scalar types, or list/dict of them",
        expected=t,
    )


def column_python_type(lt: types_pb2.LiteralType) -> Any:
    """The Python type of a column literal type (the reverse of :func:`column_literal_type`)."""
    kind = lt.WhichOneof("type")
    if kind == "simple" and lt.simple in _SIMPLE_PYTHON:
        return _SIMPLE_PYTHON[lt.simple]
    if kind == "collection_type":
        return list[column_python_type(lt.collection_type)]  # type: ignore[misc]
    if kind == "map_value_type":
        return dict[str, column_python_type(lt.map_value_type)]  # type: ignore[misc]
    raise UnsupportedTypeError(f"no Python column type for literal type {lt}", expected=lt)
