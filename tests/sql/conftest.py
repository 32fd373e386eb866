"""Real databases for the SQL plugin's tests: SQLite files and a PostgreSQL server.

The PostgreSQL server is started once per test process (``PostgresServer``: initdb in a
temporary folder, a free loopback port, run as an unprivileged user when the tests run as root)
and stopped at the end. Without the server binaries the PostgreSQL tests are skipped with the
install command, except in CI (``CI`` set), where that is a failure: CI installs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pandas", reason="taskplug-sql needs pandas")
pytest.importorskip("pyarrow", reason="taskplug-sql needs pyarrow")

from taskplug_sql.testing import PostgresServer, PostgresUnavailable, make_sqlite

USERS = [
    (1, "ann", 0.5, 1),
    (2, "bob", 0.9, 0),
    (3, "cy", 0.1, 1),
    (4, "1 OR 1=1", 0.7, 0),
]
USER_COLUMNS = [("id", "INTEGER"), ("name", "TEXT"), ("score", "REAL"), ("active", "INTEGER")]


@pytest.fixture
def users_db(tmp_path: Path) -> Path:
    """A SQLite file with a ``users`` table (4 rows) and an ``audit`` table."""
    path = tmp_path / "users.db"
    make_sqlite(path, "users", USER_COLUMNS, USERS)
    make_sqlite(path, "audit", [("id", "INTEGER")], [(1,)])
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A running PostgreSQL server with ``users`` and ``audit`` tables."""
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        rows = ", ".join(f"({i}, '{n}', {s}, {bool(a)})" for i, n, s, a in USERS)
        server.psql(
            "CREATE TABLE users (id integer, name text, score double precision, active boolean);"
            f"INSERT INTO users VALUES {rows};"
            "CREATE TABLE audit (id integer); INSERT INTO audit VALUES (1);"
        )
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_secret(postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's password, available to tasks as secret group ``pg``, key ``password``."""
    monkeypatch.setenv("_FSEC_PG_PASSWORD", postgres.password)
    return postgres.password
