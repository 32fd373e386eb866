"""The storage formats taskplug reads and writes itself, all through Arrow: parquet and CSV.

* ``"parquet"`` (and ``""``, no format declared): ``<uri>/00000``, see :mod:`.storage`;
* ``"csv"``: ``<uri>/.csv``, header line and no index, as flytekit's pandas CSV handler writes
  it (so flytekit reads taskplug's CSV tables and the other way round); a ``uri`` naming a
  file is read as that file.

Any dataframe library with a :class:`~taskplug.types.tables.DataFrameTransformer` gets both.
Other formats come from flytekit-style encoders and decoders (:mod:`.handlers`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any

from taskplug.types.tables.dataset import PARQUET

__all__ = ["CSV", "CSV_FILE", "NATIVE_FORMATS", "read_native", "write_native"]

CSV = "csv"
#: The name of the file in a CSV table's directory (flytekit's choice).
CSV_FILE = ".csv"
#: The formats read and written without a registered handler.
NATIVE_FORMATS = ("", PARQUET, CSV)


def write_native(table: Any, uri: str, fmt: str) -> None:
    """Write a ``pyarrow.Table`` (or, for parquet, a ``RecordBatchReader``) at ``uri``."""
    if fmt == CSV:
        _write_csv(table, uri)
        return
    from taskplug.types.tables.storage import write_table

    write_table(table, uri)


def read_native(uri: str, fmt: str, columns: Sequence[str] | None) -> Any:
    """The ``pyarrow.Table`` stored at ``uri`` in format ``fmt`` (only ``columns`` if given)."""
    if fmt == CSV:
        return _read_csv(uri, columns)
    from taskplug.types.tables.storage import read_table

    return read_table(uri, columns)


def _without_pandas_index(table: Any) -> Any:
    """Drop the index columns pandas put into an Arrow table (flytekit writes no index)."""
    md = table.schema.pandas_metadata or {}
    index = [c for c in md.get("index_columns", []) if isinstance(c, str)]
    return table.drop_columns(index) if index else table


def _write_csv(table: Any, uri: str) -> None:
    import uuid

    import pyarrow.csv as pacsv

    from taskplug.types.tables.storage import is_remote

    table = _without_pandas_index(table)
    if not is_remote(uri):
        directory = uri[len("file://") :] if uri.startswith("file://") else uri
        os.makedirs(directory, exist_ok=True)
        final = os.path.join(directory, CSV_FILE)
        tmp = os.path.join(directory, f".csv.{uuid.uuid4().hex[:8]}.tmp")
        try:
            pacsv.write_csv(table, tmp)
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return
    import tempfile

    from fsspec.core import url_to_fs

    fs, path = url_to_fs(uri)
    with tempfile.TemporaryDirectory(prefix="taskplug-upload-") as scratch:
        local = os.path.join(scratch, "table.csv")
        pacsv.write_csv(table, local)
        fs.makedirs(path, exist_ok=True)
        fs.put_file(local, f"{path.rstrip('/')}/{CSV_FILE}")


def _read_csv(uri: str, columns: Sequence[str] | None) -> Any:
    import pyarrow.csv as pacsv

    from taskplug.types.tables.storage import is_remote

    options = pacsv.ConvertOptions(include_columns=list(columns)) if columns else None
    if not is_remote(uri):
        path = uri[len("file://") :] if uri.startswith("file://") else uri
        if os.path.isdir(path):
            path = os.path.join(path, CSV_FILE)
        if not os.path.exists(path):
            raise FileNotFoundError(f"CSV table {uri!r} does not exist")
        return pacsv.read_csv(path, convert_options=options)
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(uri)
    if fs.isdir(path):
        path = f"{path.rstrip('/')}/{CSV_FILE}"
    with fs.open(path, "rb") as fh:
        return pacsv.read_csv(fh, convert_options=options)
