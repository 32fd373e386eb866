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
    """Run ``statement`` on an ADBC DB-API cursor; the result as a ``pyarrow.Table``."""
    cursor.execute(statement, parameters if parameters else None)
    reader = cursor.fetch_record_batch()
    return reader.read_all()


class ColumnTypeError(ValueError):
    """A result column mixes values Arrow cannot hold in one column."""

    def __init__(self, column: str, detail: str) -> None:
        super().__init__(f"column {column!r} mixes values of different types: {detail}")
        self.column = column


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
        arrays = []
        for name, values in zip(names, columns):
            try:
                arrays.append(pa.array(values))
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise ColumnTypeError(name, str(exc)) from None
        tables.append(pa.Table.from_arrays(arrays, names=names))
    if not tables:
        return pa.table({name: pa.array([], type=pa.null()) for name in names})
    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ColumnTypeError("?", str(exc)) from None
