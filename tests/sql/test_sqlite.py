"""SQLite3Task on real SQLite files: local runs, fsspec URIs, archives, safety, bad input."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pyarrow as pa
import pytest

from taskplug import FlyteSchema, StructuredDataset, kwtypes
from taskplug_sql import (
    SQLConnectionError,
    SQLExecutionError,
    SQLite3Config,
    SQLite3Task,
    SQLResultError,
    SQLTemplateError,
)
from taskplug_sql import sqlite as sqlite_module
from taskplug_sql.testing import make_sqlite

Users = Annotated[pd.DataFrame, kwtypes(id=int, name=str, score=float)]


def users_task(db: Any, **kwargs: Any) -> SQLite3Task:
    kwargs.setdefault("output_schema_type", Users)
    return SQLite3Task(
        kwargs.pop("name", "users_above"),
        query_template=kwargs.pop(
            "query_template",
            "SELECT id, name, score FROM users WHERE score > {{ .inputs.min_score }} ORDER BY id",
        ),
        inputs=kwargs.pop("inputs", kwtypes(min_score=float)),
        task_config=SQLite3Config(uri=str(db), compressed=kwargs.pop("compressed", False)),
        **kwargs,
    )


@pytest.fixture(params=["adbc", "dbapi"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test on the ADBC path and on the plain DB-API path."""
    if request.param == "dbapi":
        monkeypatch.setattr(sqlite_module, "adbc_available", lambda driver: False)
    return str(request.param)


def test_query_into_a_dataframe(users_db: Path, path: str) -> None:
    df = users_task(users_db)(min_score=0.4)
    assert list(df.columns) == ["id", "name", "score"]
    assert df["id"].tolist() == [1, 2, 4]
    assert df["score"].tolist() == [0.5, 0.9, 0.7]


@pytest.mark.parametrize(
    "output",
    [pa.Table, StructuredDataset, pd.DataFrame, FlyteSchema[kwtypes(id=int, name=str)]],
)
def test_every_table_output_type(users_db: Path, output: Any) -> None:
    result = users_task(users_db, output_schema_type=output)(min_score=0.0)
    if isinstance(result, StructuredDataset):
        result = result.open(pd.DataFrame).all()
    elif isinstance(result, FlyteSchema):
        result = result.open().all()
    assert len(result) == 4


def test_default_output_is_flytekits_schema(users_db: Path) -> None:
    t = SQLite3Task(
        "all_users", query_template="SELECT * FROM users", task_config=SQLite3Config(str(users_db))
    )
    result = t()
    assert isinstance(result, FlyteSchema)
    assert len(result.open(pd.DataFrame).all()) == 4


def test_declared_bool_from_sqlite_integers(users_db: Path, path: str) -> None:
    t = users_task(
        users_db,
        query_template="SELECT name, active FROM users WHERE id <= {{ .inputs.n }} ORDER BY id",
        inputs=kwtypes(n=int),
        output_schema_type=Annotated[pd.DataFrame, kwtypes(name=str, active=bool)],
    )
    df = t(n=2)
    assert df["active"].tolist() == [True, False]


@pytest.mark.parametrize("evil", ["'; DROP TABLE users; --", "1 OR 1=1", "x' OR '1'='1"])
def test_inputs_are_data_not_sql(users_db: Path, path: str, evil: str) -> None:
    t = users_task(
        users_db,
        name="by_name",
        query_template="SELECT id, name, score FROM users WHERE name = '{{ .inputs.name }}'",
        inputs=kwtypes(name=str),
    )
    df = t(name=evil)
    # Only a row whose name *is* the input string matches; nothing else runs.
    assert df["name"].tolist() == ([evil] if evil == "1 OR 1=1" else [])
    with sqlite3.connect(users_db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (4,)


def test_paste_inputs_is_flytekits_behaviour(users_db: Path) -> None:
    t = users_task(
        users_db,
        name="pasted",
        query_template="SELECT id, name, score FROM users WHERE id = {{ .inputs.id }}",
        inputs=kwtypes(id=str),
        paste_inputs=True,
    )
    assert len(t(id="1 OR 1=1")) == 4  # what pasting does: the input became SQL
    assert t.custom["paste_inputs"] is True


def test_identifier_input(users_db: Path) -> None:
    t = users_task(
        users_db,
        name="from_table",
        query_template="SELECT id FROM {{ .inputs.table | identifier }} ORDER BY id",
        inputs=kwtypes(table=str),
        output_schema_type=Annotated[pd.DataFrame, kwtypes(id=int)],
    )
    assert t(table="audit")["id"].tolist() == [1]
    with pytest.raises(SQLTemplateError, match="identifier") as info:
        t(table="users; DROP TABLE users")
    assert "from_table" in str(info.value)


def test_fsspec_uri(users_db: Path) -> None:
    import fsspec

    with fsspec.open("memory://dbs/users.db", "wb") as fh:
        fh.write(users_db.read_bytes())
    assert len(users_task("memory://dbs/users.db")(min_score=0.0)) == 4
    assert len(users_task(f"file://{users_db}")(min_score=0.0)) == 4


def test_compressed_archive(users_db: Path, tmp_path: Path) -> None:
    archive = tmp_path / "users.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(users_db, "users.db")
    assert len(users_task(archive, compressed=True)(min_score=0.0)) == 4
    no_suffix = tmp_path / "users-archive"
    shutil.copy(archive, no_suffix)
    assert len(users_task(no_suffix, compressed=True)(min_score=0.0)) == 4


def test_local_file_is_opened_read_only(users_db: Path) -> None:
    t = users_task(
        users_db,
        name="writer",
        query_template="DELETE FROM users WHERE id = {{ .inputs.id }} RETURNING id",
        inputs=kwtypes(id=int),
        output_schema_type=pd.DataFrame,
    )
    with pytest.raises(SQLExecutionError, match="readonly"):
        t(id=1)
    with sqlite3.connect(users_db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (4,)


def test_mixed_column_types_come_back_as_text(tmp_path: Path, path: str) -> None:
    # SQLite is dynamically typed: the type of column v changes after the first batch the
    # ADBC driver reads (which then refuses it), so the rows are fetched the plain way.
    db = tmp_path / "mixed.db"
    rows = [(i, i) for i in range(70_000)] + [(70_000, "text"), (70_001, None)]
    make_sqlite(db, "m", [("id", "INTEGER"), ("v", "")], rows)

    def task(name: str, output: Any) -> SQLite3Task:
        return SQLite3Task(
            name,
            query_template="SELECT id, v FROM m WHERE id >= {{ .inputs.n }} ORDER BY id",
            inputs=kwtypes(n=int),
            output_schema_type=output,
            task_config=SQLite3Config(str(db)),
        )

    df = task("as_text", Annotated[pd.DataFrame, kwtypes(id=int, v=str)])(n=0)
    assert len(df) == 70_002
    assert df["v"].iloc[[0, 69_999, 70_000]].tolist() == ["0", "69999", "text"]
    assert df["v"].isna().iloc[-1]
    with pytest.raises(SQLResultError, match="column 'v' should be integer") as info:
        task("as_int", Annotated[pd.DataFrame, kwtypes(id=int, v=int)])(n=0)
    assert "'as_int'" in str(info.value)


def test_empty_result_keeps_declared_types(users_db: Path, path: str) -> None:
    df = users_task(users_db)(min_score=10.0)
    assert len(df) == 0
    assert str(df["id"].dtype) == "int64" and str(df["score"].dtype) == "float64"


# -- bad input: each error names the task and the statement -----------------------------------


def test_missing_input(users_db: Path) -> None:
    with pytest.raises(SQLTemplateError) as info:
        users_task(users_db, inputs={})
    text = str(info.value)
    assert "'users_above'" in text and "{{ .inputs.min_score }}" in text and "statement:" in text
    t = users_task(users_db)
    with pytest.raises(TypeError, match="min_score"):
        t()


def test_syntax_error(users_db: Path, path: str) -> None:
    t = users_task(
        users_db,
        name="broken",
        query_template="SELEC id FROM users WHERE id = {{ .inputs.i }}",
        inputs=kwtypes(i=int),
    )
    with pytest.raises(SQLExecutionError) as info:
        t(i=1)
    text = str(info.value)
    assert "'broken'" in text and "statement: SELEC id FROM users WHERE id = ?" in text
    assert "syntax error" in text


def test_missing_database_file(tmp_path: Path, path: str) -> None:
    t = users_task(tmp_path / "nope.db", name="nofile")
    with pytest.raises(SQLConnectionError) as info:
        t(min_score=0.0)
    text = str(info.value)
    assert "'nofile'" in text and "does not exist" in text and "statement: SELECT" in text
    assert not (tmp_path / "nope.db").exists()  # sqlite did not create it
    with pytest.raises(SQLConnectionError, match="does not exist"):
        users_task("memory://dbs/nothing-here.db")(min_score=0.0)


def test_corrupt_database_file(tmp_path: Path, users_db: Path, path: str) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(SQLConnectionError, match="not a SQLite database") as info:
        users_task(bad, name="corrupt")(min_score=0.0)
    assert "'corrupt'" in str(info.value) and "compressed=True" in str(info.value)
    damaged = tmp_path / "damaged.db"
    data = bytearray(users_db.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # header intact, pages garbage
    damaged.write_bytes(bytes(data))
    with pytest.raises(SQLConnectionError, match="cannot open the database"):
        users_task(damaged, name="damaged")(min_score=0.0)
    with pytest.raises(SQLConnectionError, match="cannot unpack"):
        users_task(bad, name="notzip", compressed=True)(min_score=0.0)


def test_result_not_matching_the_declared_output(users_db: Path, path: str) -> None:
    t = users_task(
        users_db,
        name="mismatch",
        query_template="SELECT name AS id, score FROM users WHERE score > {{ .inputs.min_score }}",
        output_schema_type=Users,
    )
    with pytest.raises(SQLResultError) as info:
        t(min_score=0.0)
    text = str(info.value)
    assert "'mismatch'" in text and "statement: SELECT name AS id" in text
    assert "column 'id' should be integer" in text and "column 'name'" in text


def test_sqlite_task_needs_a_config() -> None:
    with pytest.raises(ValueError, match="SQLite3Config"):
        SQLite3Task("x", query_template="SELECT 1")
