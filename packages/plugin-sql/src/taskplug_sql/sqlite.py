"""``SQLite3Task``: queries on a SQLite file, the embedded default (no server needed).

::

    from taskplug import kwtypes
    from taskplug_sql import SQLite3Config, SQLite3Task

    tracks = SQLite3Task(
        "tracks",
        query_template="SELECT TrackId, Name FROM tracks LIMIT {{ .inputs.limit }}",
        inputs=kwtypes(limit=int),
        output_schema_type=Annotated[pd.DataFrame, kwtypes(TrackId=int, Name=str)],
        task_config=SQLite3Config(uri="chinook.db"),
    )

``uri`` is a local path or any fsspec URL; ``compressed=True`` for an archive holding one
database file (zip, tar, gztar…, as flytekit accepts). A local file is opened read-only in
place; a downloaded or unpacked one is a scratch copy, removed after the query.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from taskplug_sql.base import SQLExecutor, SQLTemplateTask, TemplateRun, finish_result
from taskplug_sql.errors import SQLConnectionError, SQLExecutionError, SQLResultError
from taskplug_sql.fetch import (
    BATCH_ROWS,
    ColumnTypeError,
    adbc_available,
    arrow_from_cursor,
)

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug_sql.template import Rendered

__all__ = ["SQLite3Config", "SQLite3Task", "SQLite3TaskExecutor"]

logger = logging.getLogger("taskplug_sql")
_HEADER = b"SQLite format 3\x00"


@dataclass
class SQLite3Config:
    """Which SQLite database a :class:`SQLite3Task` queries.

    ``uri``: a local path or an fsspec URL (``s3://…/db.sqlite``, ``https://…``);
    ``compressed``: the file is an archive holding exactly one database file.
    """

    uri: str
    compressed: bool = False


class SQLite3Task(SQLTemplateTask[SQLite3Config]):
    """Run a query on a SQLite database; the result is output ``results``.

    ``output_schema_type`` is the table type of ``results`` (``pd.DataFrame``,
    ``Annotated[pd.DataFrame, kwtypes(...)]``, ``pyarrow.Table``, ``StructuredDataset`` or
    flytekit's ``FlyteSchema[...]``, the default as in flytekit). Runs locally as it runs in
    the prebuilt image: ``SQLite3TaskExecutor`` reads the template's ``custom``
    (``query_template``, ``uri``, ``compressed``).
    """

    task_type = "sqlite"

    def __init__(
        self,
        name: str,
        query_template: str,
        inputs: dict[str, Any] | None = None,
        task_config: SQLite3Config | None = None,
        output_schema_type: Any = None,
        container_image: str | None = None,
        **kwargs: Any,
    ) -> None:
        if task_config is None or not getattr(task_config, "uri", None):
            raise ValueError(f"task {name!r}: SQLite3Task needs task_config=SQLite3Config(uri=...)")
        if output_schema_type is None:
            from taskplug.types.tables import FlyteSchema

            output_schema_type = FlyteSchema
        super().__init__(
            name,
            query_template,
            task_config,
            container_image=container_image,
            inputs=inputs,
            outputs={"results": output_schema_type},
            **kwargs,
        )

    def custom_fields(self, settings: SerializationSettings | None) -> dict[str, Any] | None:
        """``query_template``, ``uri``, ``compressed`` (flytekit's keys); ``paste_inputs`` only
        when pasting was asked for."""
        config = self.task_config
        assert config is not None
        custom: dict[str, Any] = {
            "query_template": self.query_template,
            "uri": config.uri,
            "compressed": config.compressed,
        }
        if self.paste_inputs:
            custom["paste_inputs"] = True
        return custom


def _is_local(uri: str) -> bool:
    head, sep, _ = uri.partition("://")
    return not sep or head == "file"


def _local(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


def _unpack(archive: str, scratch: str, fail: Any) -> str:
    import shutil
    import tarfile
    import zipfile

    target = os.path.join(scratch, "_unpacked")
    try:
        try:
            shutil.unpack_archive(archive, target)
        except shutil.ReadError:  # no known extension: look at the bytes
            if zipfile.is_zipfile(archive):
                shutil.unpack_archive(archive, target, format="zip")
            elif tarfile.is_tarfile(archive):
                shutil.unpack_archive(archive, target, format="tar")
            else:
                raise
    except (shutil.ReadError, OSError, ValueError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise fail(
            f"cannot unpack the archive (compressed=True): {type(exc).__name__}: {exc}"
        ) from None
    found = [os.path.join(root, f) for root, _, files in os.walk(target) for f in files]
    if len(found) != 1:
        raise fail(f"the archive should hold exactly one database file, found {len(found)}")
    return found[0]


def _database(uri: str, compressed: bool, scratch: str, fail: Any) -> tuple[str, bool]:
    """A local path of the database and whether it is a scratch copy (opened read-write)."""
    copy = False
    if _is_local(uri):
        path = _local(uri)
        if not os.path.isfile(path):
            raise fail(f"SQLite database {uri!r} does not exist")
    else:
        import fsspec

        path = os.path.join(scratch, os.path.basename(uri.rstrip("/")) or "database")
        try:
            fs, remote = fsspec.core.url_to_fs(uri)
            fs.get_file(remote, path)
        except FileNotFoundError:
            raise fail(f"SQLite database {uri!r} does not exist") from None
        except Exception as exc:
            raise fail(f"cannot download {uri!r}: {type(exc).__name__}: {exc}") from None
        copy = True
    if compressed:
        path = _unpack(path, scratch, fail)
        copy = True
    with open(path, "rb") as fh:
        header = fh.read(len(_HEADER))
    if header and header != _HEADER:
        hint = "" if compressed else " (if it is an archive, set compressed=True)"
        raise fail(f"{uri!r} is not a SQLite database: the file is corrupt or another format{hint}")
    return path, copy


def _connection_problem(message: str) -> bool:
    text = message.lower()
    return any(
        s in text
        for s in ("not a database", "malformed", "unable to open", "disk image", "file is")
    )


def _query_adbc(path: str, writable: bool, rendered: Rendered, finish: Any) -> Any:
    import adbc_driver_sqlite.dbapi as dbapi

    from taskplug_sql.fetch import fetch_adbc

    mode = "rw" if writable else "ro"
    with contextlib.closing(dbapi.connect(f"file:{quote(path)}?mode={mode}")) as conn:
        with contextlib.closing(conn.cursor()) as cursor:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
            result = finish(fetch_adbc(cursor, rendered.statement, list(rendered.parameters)))
        if writable:
            conn.commit()
    return result


def _query_dbapi(path: str, writable: bool, rendered: Rendered, finish: Any) -> Any:
    import sqlite3

    mode = "rw" if writable else "ro"
    with contextlib.closing(sqlite3.connect(f"file:{quote(path)}?mode={mode}", uri=True)) as conn:
        cursor = conn.execute(rendered.statement, rendered.parameters)
        result = finish(arrow_from_cursor(cursor))
        if writable:
            conn.commit()
    return result


class SQLite3TaskExecutor(SQLExecutor):
    """Runs a SQLite3 task from its template: fetch (and unpack) the file, bind, query."""

    def execute_from_template(self, task: TemplateRun, **inputs: Any) -> Any:
        """Run the query; the declared output value (see ``SQLExecutor``)."""
        from taskplug.context import current_execution

        custom = task.custom
        state = current_execution()
        prefix = state.params.raw_output_prefix if state is not None else ""
        rendered = task.query.render("qmark", inputs, raw_output_prefix=prefix)
        statement = rendered.statement
        name = task.name

        def fail(problem: str) -> SQLConnectionError:
            return SQLConnectionError(problem, task=name, statement=statement)

        logger.info("task %s: %s (parameters %s)", name, statement, list(rendered.names))
        with tempfile.TemporaryDirectory(prefix="taskplug-sqlite-") as scratch:
            path, writable = _database(
                str(custom["uri"]), bool(custom.get("compressed")), scratch, fail
            )
            return self._run(path, writable, rendered, task, fail)

    def _run(
        self, path: str, writable: bool, rendered: Rendered, task: TemplateRun, fail: Any
    ) -> Any:
        import sqlite3

        statement = rendered.statement

        def finish(result: Any) -> Any:
            return finish_result(result, task, statement)

        if adbc_available("adbc_driver_sqlite"):
            import pyarrow as pa
            from adbc_driver_manager import dbapi as adbc_dbapi

            try:
                return _query_adbc(path, writable, rendered, finish)
            except SQLResultError:
                # The driver types a column by its first rows; SQLite types values one by one,
                # so a column may hold text after numbers: read the rows as they are.
                logger.info(
                    "task %s: result types differ from the declared ones, re-reading", task.name
                )
            except (adbc_dbapi.Error, pa.ArrowException, OSError) as exc:
                message = str(exc)
                if _connection_problem(message):
                    raise fail(f"cannot open the database: {message}") from None
                if "type" not in message.lower() or "mismatch" not in message.lower():
                    raise SQLExecutionError(
                        f"the database refused the statement: {message}",
                        task=task.name,
                        statement=statement,
                    ) from None
                # SQLite is dynamically typed and the ADBC driver infers a column's type from
                # its first rows: a column that changes type later is fetched the plain way.
                logger.info("task %s: mixed column types, fetching rows", task.name)
        try:
            return _query_dbapi(path, writable, rendered, finish)
        except ColumnTypeError as exc:
            raise SQLResultError(str(exc), task=task.name, statement=statement) from None
        except sqlite3.DatabaseError as exc:
            if _connection_problem(str(exc)):
                raise fail(f"cannot open the database: {exc}") from None
            raise SQLExecutionError(
                f"the database refused the statement: {exc}", task=task.name, statement=statement
            ) from None


SQLite3Task.executor_type = SQLite3TaskExecutor
