"""SQLAlchemyTask on a real PostgreSQL server (started by the ``postgres`` fixture).

Each test runs on the ADBC path (``adbc-driver-postgresql``) and on SQLAlchemy's DB-API path
(psycopg), which must behave the same.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pandas as pd
import pytest

from taskplug import Secret, kwtypes
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug_sql import (
    SQLAlchemyConfig,
    SQLAlchemyTask,
    SQLConnectionError,
    SQLExecutionError,
    SQLResultError,
)
from taskplug_sql import sqlalchemy as sqlalchemy_module
from taskplug_sql.testing import PostgresServer

Users = Annotated[pd.DataFrame, kwtypes(id=int, name=str, score=float, active=bool)]
PASSWORD = {"password": Secret(group="pg", key="password")}


@pytest.fixture(params=["adbc", "sqlalchemy"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlalchemy":
        monkeypatch.setattr(sqlalchemy_module, "adbc_available", lambda driver: False)
    return str(request.param)


def pg_task(server: PostgresServer, **kwargs: Any) -> SQLAlchemyTask:
    kwargs.setdefault("output_schema_type", Users)
    config = SQLAlchemyConfig(
        uri=kwargs.pop("uri", server.url),
        connect_args=kwargs.pop("connect_args", None),
        secret_connect_args=kwargs.pop("secret_connect_args", PASSWORD),
    )
    return SQLAlchemyTask(
        kwargs.pop("name", "pg_users"),
        query_template=kwargs.pop(
            "query_template",
            "SELECT id, name, score, active FROM users WHERE score > {{ .inputs.min }} ORDER BY id",
        ),
        inputs=kwargs.pop("inputs", kwtypes(min=float)),
        task_config=config,
        **kwargs,
    )


def test_query_into_a_dataframe(postgres: PostgresServer, pg_secret: str, path: str) -> None:
    df = pg_task(postgres)(min=0.4)
    assert df["id"].tolist() == [1, 2, 4]
    assert df["active"].tolist() == [True, False, False]
    assert str(df["id"].dtype) == "int64"


@pytest.mark.parametrize("evil", ["'; DROP TABLE users; --", "1 OR 1=1", "x' OR '1'='1"])
def test_inputs_are_data_not_sql(
    postgres: PostgresServer, pg_secret: str, path: str, evil: str
) -> None:
    t = pg_task(
        postgres,
        name="pg_by_name",
        query_template="SELECT id, name, score, active FROM users WHERE name = '{{ .inputs.n }}'",
        inputs=kwtypes(n=str),
    )
    df = t(n=evil)
    assert df["name"].tolist() == ([evil] if evil == "1 OR 1=1" else [])
    assert postgres.psql("SELECT count(*) FROM users").strip() == "4"


def test_statement_without_results(postgres: PostgresServer, pg_secret: str, path: str) -> None:
    t = pg_task(
        postgres,
        name="pg_insert",
        query_template="INSERT INTO audit VALUES ({{ .inputs.i }})",
        inputs=kwtypes(i=int),
        output_schema_type=None,
    )
    marker = 1000 if path == "adbc" else 2000
    assert t(i=marker) is None
    assert postgres.psql(f"SELECT count(*) FROM audit WHERE id = {marker}").strip() == "1"
    assert t.python_interface.outputs == {}


def test_identifier_on_postgres(postgres: PostgresServer, pg_secret: str, path: str) -> None:
    t = pg_task(
        postgres,
        name="pg_count",
        query_template="SELECT count(*) AS n FROM {{ .inputs.t | identifier }}",
        inputs=kwtypes(t=str),
        output_schema_type=Annotated[pd.DataFrame, kwtypes(n=int)],
    )
    assert t(t="users")["n"].tolist() == [4]


def test_password_never_in_template_logs_or_errors(
    postgres: PostgresServer,
    pg_secret: str,
    path: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    good = pg_task(postgres, name="pg_secret_ok")
    assert len(good(min=0.0)) == 4
    assert Secret(group="pg", key="password") in good.secret_requests
    template = serialize(good, SerializationSettings.for_tests())
    bad = pg_task(
        postgres,
        name="pg_secret_bad",
        query_template="SELECT nonsense FROM users WHERE id = {{ .inputs.i }}",
        inputs=kwtypes(i=int),
    )
    with pytest.raises(SQLExecutionError) as failed:
        bad(i=1)
    monkeypatch.setenv("_FSEC_PG_PASSWORD", "wrong-" + pg_secret)
    with pytest.raises(SQLConnectionError) as refused:
        good(min=0.0)
    assert "password authentication failed" in str(refused.value)
    texts = [
        template.SerializeToString().decode("latin-1"),
        str(template),
        caplog.text,
        str(failed.value),
        repr(failed.value),
        str(refused.value),
    ]
    for text in texts:
        assert pg_secret not in text
    assert all("wrong-" not in t for t in texts)


def test_password_in_the_uri_is_refused(postgres: PostgresServer) -> None:
    uri = postgres.url.replace("@", ":hunter2-secret@")
    with pytest.raises(ValueError, match="secret_connect_args") as info:
        pg_task(postgres, uri=uri)
    assert "hunter2-secret" not in str(info.value) and "***" in str(info.value)


# -- bad input -------------------------------------------------------------------------------------


def test_syntax_error(postgres: PostgresServer, pg_secret: str, path: str) -> None:
    t = pg_task(
        postgres,
        name="pg_broken",
        query_template="SELEC id FROM users WHERE id = {{ .inputs.i }}",
        inputs=kwtypes(i=int),
    )
    with pytest.raises(SQLExecutionError) as info:
        t(i=1)
    text = str(info.value)
    assert "'pg_broken'" in text and "statement: SELEC id FROM users WHERE id = " in text
    assert "syntax error" in text


def test_result_not_matching_the_declared_output(
    postgres: PostgresServer, pg_secret: str, path: str
) -> None:
    t = pg_task(
        postgres,
        name="pg_mismatch",
        query_template="SELECT name AS id, score FROM users WHERE score > {{ .inputs.min }}",
    )
    with pytest.raises(SQLResultError) as info:
        t(min=0.0)
    text = str(info.value)
    assert "'pg_mismatch'" in text and "column 'id' should be integer" in text
    assert "column 'active'" in text and "statement: SELECT name AS id" in text


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


def run_guarded(fn: Any) -> BaseException | None:
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it never returns."""
    box: list[BaseException | None] = [None]

    def target() -> None:
        try:
            fn()
        except BaseException as exc:
            box[0] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the connection attempt hung instead of timing out"
    return box[0]


def test_unreachable_server_times_out(
    postgres: PostgresServer, silent_server: int, pg_secret: str, path: str
) -> None:
    t = pg_task(
        postgres,
        name="pg_silent",
        uri=f"postgresql+psycopg://taskplug@127.0.0.1:{silent_server}/taskplug",
        connect_args={"connect_timeout": 1},
    )
    err = run_guarded(lambda: t(min=0.0))
    assert isinstance(err, SQLConnectionError), err
    text = str(err)
    assert "'pg_silent'" in text and "statement: SELECT id" in text
    assert "timeout" in text.lower() or "timed out" in text.lower()


def test_refused_connection(postgres: PostgresServer, pg_secret: str, path: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    t = pg_task(
        postgres,
        name="pg_closed",
        uri=f"postgresql+psycopg://taskplug@127.0.0.1:{port}/taskplug",
    )
    err = run_guarded(lambda: t(min=0.0))
    assert isinstance(err, SQLConnectionError), err
    assert "refused" in str(err).lower() and "'pg_closed'" in str(err)


def test_missing_secret(postgres: PostgresServer, path: str, monkeypatch: Any) -> None:
    monkeypatch.delenv("_FSEC_PG_PASSWORD", raising=False)
    monkeypatch.setenv("TASKPLUG_SECRETS_DIR", "/nonexistent-secrets")
    with pytest.raises(SQLConnectionError, match="secret for connect argument 'password'"):
        pg_task(postgres, name="pg_nosecret")(min=0.0)
