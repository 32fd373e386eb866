"""Where tables are written, and the parquet files themselves.

A table literal points at a *directory* (``uri``) holding parquet files named ``00000``,
``00001``… (flytekit's layout). A new table goes to:

* in a container run: ``<raw output prefix>/<random>`` (any fsspec store);
* in a local run (``task(...)``): ``<per-run directory>/<random>``; the directory is made on
  first use and removed when the call returns (:func:`local_run`). A
  :class:`~taskplug.types.tables.StructuredDataset` that leaves the call still pointing at
  its files has them moved out first; they are removed once that object is garbage collected;
* otherwise (``TypeEngine.to_literal`` outside any run): a directory of this process, removed
  when the interpreter exits.

Files are written under a temporary name and renamed. Local files are written without
compression (disk is cheap, time is not); remote ones with snappy. Columns that are already
dictionary-encoded (pandas categoricals) keep parquet's dictionary encoding, other columns do
without (it costs much more than it saves on mostly-unique values); text columns carry no
min/max statistics (numeric ones do). Files are written one row group at a time and read one
column chunk at a time, so neither side holds a whole file in memory. pyarrow and fsspec are
imported when bytes actually move.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import weakref

# shutil, tempfile, uuid, weakref and atexit are imported when a table is first written: a
# local call that moves no table pays for nothing but a context variable.

__all__ = [
    "FIRST_FILE",
    "LocalRun",
    "is_remote",
    "iter_batches",
    "local_run",
    "new_location",
    "read_table",
    "write_table",
]

#: The name of the first parquet file in a table directory (flytekit's ``f"{0:05}"``).
FIRST_FILE = "00000"


def is_remote(uri: str) -> bool:
    """Whether ``uri`` names a remote store (``s3://``, ``gs://``, ``memory://``…)."""
    head, sep, _ = uri.partition("://")
    return bool(sep) and head not in ("file", "")


def _local(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


def _join(prefix: str, name: str) -> str:
    return f"{prefix.rstrip('/')}/{name}"


class LocalRun:
    """The scratch directory of one local call (made on first use, removed by :meth:`close`)."""

    __slots__ = ("_datasets", "path")

    def __init__(self) -> None:
        self.path: str | None = None
        self._datasets: list[weakref.ref[Any]] = []

    def directory(self) -> str:
        """The run's directory, created on first use."""
        if self.path is None:
            import tempfile

            self.path = tempfile.mkdtemp(prefix="taskplug-run-")
        return self.path

    def track(self, dataset: Any) -> None:
        """Remember a dataset read in this run: if it outlives the run, its files move out."""
        import weakref

        self._datasets.append(weakref.ref(dataset))

    def close(self) -> None:
        """Move the files of datasets still alive out of the way, then remove the directory."""
        path = self.path
        if path is None:
            return
        import shutil

        self.path = None
        for ref in self._datasets:
            dataset = ref()
            if dataset is not None:
                _adopt(dataset, path)
        shutil.rmtree(path, ignore_errors=True)


_RUN: ContextVar[LocalRun | None] = ContextVar("taskplug_local_run", default=None)


class _LocalRunScope:
    """``with local_run():`` — cheap when nothing is written (no directory is made)."""

    __slots__ = ("_run", "_token")

    def __enter__(self) -> LocalRun:
        run = LocalRun()
        self._run = run
        self._token = _RUN.set(run)
        return run

    def __exit__(self, *exc: object) -> None:
        _RUN.reset(self._token)
        if self._run.path is not None:
            self._run.close()


def local_run() -> _LocalRunScope:
    """A scope for one local call: tables written inside go to a directory removed at exit."""
    return _LocalRunScope()


def current_run() -> LocalRun | None:
    """The local run in progress in this context, if any."""
    return _RUN.get()


def process_directory() -> str:
    """A directory of this process for tables outside any run (removed at interpreter exit)."""
    from taskplug.runtime.file_access import process_folder

    return process_folder("tables")


def _adopt(dataset: Any, run_dir: str) -> None:
    """Move a dataset's files from a finished run into the process directory."""
    import shutil
    import uuid
    import weakref

    uri = getattr(dataset, "uri", None)
    if not isinstance(uri, str) or not _local(uri).startswith(run_dir.rstrip("/") + "/"):
        return
    target = os.path.join(process_directory(), uuid.uuid4().hex)
    try:
        shutil.move(_local(uri), target)
    except OSError:
        return
    dataset._relocate(target)
    weakref.finalize(dataset, shutil.rmtree, target, True)


def new_location() -> str:
    """Where a new table directory goes (see the module docstring)."""
    import uuid

    from taskplug.context import current_execution

    name = uuid.uuid4().hex
    state = current_execution()
    if state is not None and state.mode == "container" and state.params.raw_output_prefix:
        return _join(state.params.raw_output_prefix, name)
    run = _RUN.get()
    if run is not None:
        return os.path.join(run.directory(), name)
    return os.path.join(process_directory(), name)


def _is_reader(data: Any) -> bool:
    return type(data).__name__ == "RecordBatchReader" and hasattr(data, "read_next_batch")


def write_table(data: Any, uri: str) -> None:
    """Write a ``pyarrow.Table`` (or a ``RecordBatchReader``, streamed batch by batch) as
    ``<uri>/00000``, under a temporary name then renamed."""
    import uuid

    schema = data.schema
    dictionary = [f.name for f in schema if _is_dictionary(f.type)]
    statistics = [f.name for f in schema if not _is_text(f.type)]
    options: dict[str, Any] = {
        "use_dictionary": dictionary or False,
        "write_statistics": statistics or False,
        "coerce_timestamps": "us",
        "allow_truncated_timestamps": False,
    }
    if not is_remote(uri):
        directory = _local(uri)
        os.makedirs(directory, exist_ok=True)
        _write_local(data, directory, 0, options)
        _release_memory()
        return
    import tempfile

    from fsspec.core import url_to_fs

    fs, path = url_to_fs(uri)
    with tempfile.TemporaryDirectory(prefix="taskplug-upload-") as scratch:
        local = os.path.join(scratch, FIRST_FILE)
        _write_batches(data, local, "snappy", options)
        fs.makedirs(path, exist_ok=True)
        final = _join(path, FIRST_FILE)
        protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
        if {"s3", "s3a", "gs", "gcs", "abfs", "az"} & set(protocols):
            fs.put_file(local, final)  # a single PUT is atomic there
        else:
            tmp = _join(path, f".{FIRST_FILE}.{uuid.uuid4().hex[:8]}.tmp")
            fs.put_file(local, tmp)
            fs.mv(tmp, final)


#: Rows per parquet row group (bounds the writer's memory; readers decode group by group).
ROW_GROUP_ROWS = 131_072


def _write_local(data: Any, directory: str, index: int, options: dict[str, Any]) -> None:
    import uuid

    name = f"{index:05}"
    final = os.path.join(directory, name)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        _write_batches(data, tmp, "none", options)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _release_memory() -> None:
    """Hand the memory Arrow's allocator kept from writing back to the system, so the next
    table read does not come on top of it."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _write_batches(data: Any, path: str, compression: str, options: dict[str, Any]) -> None:
    """One row group per batch of at most ``ROW_GROUP_ROWS`` rows: the writer never holds
    more than one; a reader's batches are written as they come."""
    import pyarrow.parquet as pq

    batches = data if _is_reader(data) else data.to_batches(max_chunksize=ROW_GROUP_ROWS)
    with pq.ParquetWriter(path, data.schema, compression=compression, **options) as writer:
        for batch in batches:
            if batch.num_rows:
                writer.write_batch(batch, row_group_size=ROW_GROUP_ROWS)


def _is_text(arrow_type: Any) -> bool:
    """String and binary columns: their min/max statistics cost more to write than they give."""
    import pyarrow as pa

    t = pa.types
    return bool(
        t.is_string(arrow_type)
        or t.is_large_string(arrow_type)
        or t.is_binary(arrow_type)
        or t.is_large_binary(arrow_type)
        or getattr(t, "is_string_view", lambda _: False)(arrow_type)
    )


def _is_dictionary(arrow_type: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_dictionary(arrow_type))


def _files(uri: str) -> tuple[list[str], Any]:
    """The parquet files of a table (a directory of files, or one file) and their filesystem."""
    if not is_remote(uri):
        path = _local(uri)
        if os.path.isdir(path):
            names = sorted(n for n in os.listdir(path) if not n.startswith((".", "_")))
            return [os.path.join(path, n) for n in names], None
        if os.path.exists(path):
            return [path], None
        raise FileNotFoundError(f"table {uri!r} does not exist")
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(uri)
    if fs.isdir(path):
        found = fs.ls(path, detail=False)
        names = sorted(
            str(p) for p in found if not str(p).rsplit("/", 1)[-1].startswith((".", "_"))
        )
        return names, fs
    if fs.exists(path):
        return [path], fs
    raise FileNotFoundError(f"table {uri!r} does not exist")


def read_table(uri: str, columns: Sequence[str] | None = None) -> Any:
    """The ``pyarrow.Table`` stored at ``uri`` (only ``columns`` when given)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files, fs = _files(uri)
    cols = list(columns) if columns else None

    def read(f: str) -> Any:
        # Row group by row group: the file is never held in memory whole, and each column is
        # built in pieces (one builder for a whole column grows by doubling).
        with contextlib.ExitStack() as stack:
            source: Any = stack.enter_context(fs.open(f, "rb")) if fs is not None else f
            pf = pq.ParquetFile(source, pre_buffer=False)
            schema = pf.schema_arrow
            names = None
            if cols:
                pandas_md = schema.pandas_metadata or {}
                index = [c for c in pandas_md.get("index_columns", []) if isinstance(c, str)]
                names = [*cols, *(c for c in index if c not in cols)]
                missing = [n for n in cols if schema.get_field_index(n) < 0]
                if missing:
                    raise KeyError(f"No match for column(s) {missing} (columns: {schema.names})")
                schema = pa.schema([schema.field(n) for n in names], metadata=schema.metadata)
            batches = list(
                pf.iter_batches(batch_size=ROW_GROUP_ROWS, columns=names, use_threads=False)
            )
            return pa.Table.from_batches(batches, schema=schema)

    tables = [read(f) for f in files]
    if not tables:
        raise FileNotFoundError(f"table {uri!r} has no parquet files")
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def iter_batches(
    uri: str, columns: Sequence[str] | None = None, batch_size: int = 65536
) -> Iterator[Any]:
    """The table at ``uri`` as ``pyarrow.RecordBatch`` es, file after file."""
    import pyarrow.parquet as pq

    files, fs = _files(uri)
    cols = list(columns) if columns else None
    for f in files:
        with contextlib.ExitStack() as stack:
            handle: Any = stack.enter_context(fs.open(f, "rb")) if fs is not None else f
            yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_size, columns=cols)


def copy_to(uri: str, target: str) -> None:
    """Copy a local table (directory or single file) to ``target`` (any fsspec URI)."""
    from fsspec.core import url_to_fs

    source = _local(uri)
    fs, path = url_to_fs(target)
    if os.path.isdir(source):
        fs.put(source.rstrip("/") + "/", path.rstrip("/") + "/", recursive=True)
    else:
        fs.makedirs(path, exist_ok=True)
        fs.put_file(source, _join(path, os.path.basename(source)))
