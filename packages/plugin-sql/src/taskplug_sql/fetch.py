"""Query results into Arrow, batch by batch.

The fast path is ADBC (``adbc-driver-sqlite``, ``adbc-driver-postgresql``): the driver builds
Arrow record batches in C, so a million rows never become a million Python tuples. Without an
ADBC driver (or for databases that have none) the DB-API path fetches ``BATCH_ROWS`` rows at a
time and turns each batch into Arrow columns.
"""

from __future__ import annotations

import importlib.util
from typing import Any

__all__ = ["BATCH_ROWS", "adbc_available", "arrow_from_cursor", "fetch_adbc"]

#: Rows per batch on both paths.
BATCH_ROWS = 65536


def adbc_available(driver: str) -> bool:
    """Whether the ADBC driver package ``driver`` (``adbc_driver_sqlite``…) is installed."""
    return importlib.util.find_spec(driver) is not None and _has_pyarrow()


def _has_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def fetch_adbc(cursor: Any, statement: str, parameters: Any) -> Any:
    """Run ``statement`` on an ADBC DB-API cursor; its result as a ``RecordBatchReader``
    (batches arrive as they are read: consume it before the cursor closes), or ``None``."""
    cursor.execute(statement, parameters if parameters else None)
    if cursor.description is None:
        return None
    return cursor.fetch_record_batch()


class ColumnTypeError(ValueError):
    """A result column holds values Arrow cannot put in one column, even as text."""

    def __init__(self, column: str, detail: str) -> None:
        super().__init__(f"column {column!r} mixes values of different types: {detail}")
        self.column = column


def _array(name: str, values: Any) -> Any:
    """One column of a batch; values of mixed kinds (SQLite's dynamic typing) become text, as
    the ADBC SQLite driver makes them."""
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    try:
        return pa.array([None if v is None else _text(v) for v in values], pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ColumnTypeError(name, str(exc)) from None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _unify(tables: list[Any]) -> Any:
    """Concatenate batches whose column types differ: a column of several types becomes text."""
    import pyarrow as pa

    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    names = tables[0].schema.names
    fixed = []
    for table in tables:
        arrays = []
        for i, name in enumerate(names):
            types = {t.schema.field(i).type for t in tables} - {pa.null()}
            column = table.column(i)
            if len(types) > 1:
                try:
                    column = column.cast(pa.string())
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ColumnTypeError(name, str(exc)) from None
            arrays.append(column)
        fixed.append(pa.Table.from_arrays(arrays, names=names))
    return pa.concat_tables(fixed, promote_options="permissive")


def arrow_from_cursor(cursor: Any, batch_rows: int = BATCH_ROWS) -> Any:
    """The rows left in an executed DB-API ``cursor`` as a ``pyarrow.Table`` (``None``: no
    result set)."""
    import pyarrow as pa

    description = cursor.description
    if description is None:
        return None
    names = [str(d[0]) for d in description]
    tables = []
    while True:
        rows = cursor.fetchmany(batch_rows)
        if not rows:
            break
        columns = list(zip(*rows))
        arrays = [_array(name, values) for name, values in zip(names, columns)]
        tables.append(pa.Table.from_arrays(arrays, names=names))
    if not tables:
        return empty_table(names)
    return tables[0] if len(tables) == 1 else _unify(tables)


def empty_table(names: list[str]) -> Any:
    """A table without rows whose columns have no type yet (the declared types apply)."""
    import pyarrow as pa

    return pa.Table.from_arrays([pa.nulls(0) for _ in names], names=names)
