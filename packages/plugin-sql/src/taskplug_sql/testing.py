"""Test helpers: a throwaway PostgreSQL server and small SQLite databases.

::

    from taskplug_sql.testing import PostgresServer

    with PostgresServer() as pg:          # initdb in a temporary folder, a free loopback port
        print(pg.url)                     # postgresql+psycopg://taskplug@127.0.0.1:PORT/taskplug
        print(pg.password)                # random; give it to tasks as a secret

The server binaries come from the system (Debian: ``apt-get install -y postgresql``; they live
in ``/usr/lib/postgresql/<version>/bin``). PostgreSQL refuses to run as root, so as root the
data folder is handed to the ``postgres`` user (or ``nobody``) and the server runs as that
user. Authentication over TCP is ``scram-sha-256`` with a random password; ``fsync`` is off
(a test server keeps nothing). :meth:`PostgresServer.stop` stops it and removes its folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "INSTALL_HINT",
    "PostgresServer",
    "PostgresUnavailable",
    "find_postgres_bin",
    "make_sqlite",
]

INSTALL_HINT = (
    "install PostgreSQL's server binaries: `apt-get install -y postgresql` (Debian/Ubuntu), "
    "`brew install postgresql` (macOS), or put initdb and pg_ctl on PATH"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries were found, or the server did not start."""


def find_postgres_bin() -> str | None:
    """The folder with ``initdb`` and ``pg_ctl`` (PATH first, then Debian's versioned folders)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return os.path.dirname(os.path.realpath(on_path))
    candidates = glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/local/pgsql/bin")

    def version(path: str) -> tuple[int, ...]:
        part = path.split("/")[-2]
        return tuple(int(p) for p in part.split(".") if p.isdigit()) or (0,)

    for folder in sorted(candidates, key=version, reverse=True):
        if os.path.exists(os.path.join(folder, "initdb")) and os.path.exists(
            os.path.join(folder, "pg_ctl")
        ):
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server of its own, on ``127.0.0.1``; a context manager."""

    def __init__(
        self,
        *,
        user: str = "taskplug",
        database: str = "taskplug",
        bindir: str | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.user = user
        self.database = database
        self.password = secrets.token_urlsafe(18)
        self.host = "127.0.0.1"
        self.port = 0
        self._bindir = bindir
        self._settings = {
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            **(settings or {}),
        }
        self._base: str | None = None
        self._run_as: tuple[int, int] | None = None
        self._running = False

    # -- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """A SQLAlchemy URL (psycopg 3 driver) without the password."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def libpq_url(self) -> str:
        """A libpq connection URI, password included (for tests and benchmarks only)."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    # -- life cycle ------------------------------------------------------------------------

    def _run(self, args: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        user_kwargs: dict[str, Any] = {}
        if self._run_as is not None:
            user_kwargs = {"user": self._run_as[0], "group": self._run_as[1], "extra_groups": []}
        return subprocess.run(
            list(args), capture_output=True, text=True, check=False, **user_kwargs, **kwargs
        )

    def _check(self, proc: subprocess.CompletedProcess[str], what: str) -> None:
        if proc.returncode != 0:
            log = ""
            if self._base is not None:
                log_path = os.path.join(self._base, "server.log")
                with contextlib.suppress(OSError), open(log_path, encoding="utf-8") as fh:
                    log = fh.read()[-3000:]
            raise PostgresUnavailable(
                f"PostgreSQL {what} failed ({proc.returncode}):\n"
                f"{proc.stdout}\n{proc.stderr}\n{log}"
            )

    def start(self, *, attempts: int = 3) -> PostgresServer:
        """initdb, then start the server on a free port (retried if the port was taken)."""
        bindir = self._bindir or find_postgres_bin()
        if bindir is None:
            raise PostgresUnavailable(f"no PostgreSQL server binaries found: {INSTALL_HINT}")
        self._base = tempfile.mkdtemp(prefix="taskplug-pg-")
        data = os.path.join(self._base, "data")
        pwfile = os.path.join(self._base, "password")
        with open(pwfile, "w", encoding="utf-8") as fh:
            fh.write(self.password + "\n")
        os.chmod(pwfile, 0o600)
        if os.geteuid() == 0:  # PostgreSQL refuses root: run it as an unprivileged user
            import pwd

            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                entry = pwd.getpwnam("nobody")
            self._run_as = (entry.pw_uid, entry.pw_gid)
            for root, dirs, files in os.walk(self._base):
                for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                    os.chown(name, entry.pw_uid, entry.pw_gid)
        try:
            self._check(
                self._run(
                    [
                        os.path.join(bindir, "initdb"),
                        "-D",
                        data,
                        "-U",
                        self.user,
                        f"--pwfile={pwfile}",
                        "--auth-host=scram-sha-256",
                        "--auth-local=trust",
                        "--encoding=UTF8",
                        "--no-locale",
                        "--no-sync",
                    ]
                ),
                "initdb",
            )
            for attempt in range(attempts):
                self.port = _free_port()
                options = " ".join(
                    [
                        f"-p {self.port}",
                        f"-k {self._base}",
                        "-c listen_addresses=127.0.0.1",
                        *(f"-c {k}={v}" for k, v in self._settings.items()),
                    ]
                )
                proc = self._run(
                    [
                        os.path.join(bindir, "pg_ctl"),
                        "-D",
                        data,
                        "-l",
                        os.path.join(self._base, "server.log"),
                        "-o",
                        options,
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ]
                )
                if proc.returncode == 0:
                    break
                if attempt == attempts - 1:
                    self._check(proc, "start")
            self._running = True
            self._bindir = bindir
            self._check(
                self._run(
                    [
                        os.path.join(bindir, "createdb"),
                        "-h",
                        self._base,
                        "-p",
                        str(self.port),
                        "-U",
                        self.user,
                        self.database,
                    ]
                ),
                "createdb",
            )
        except BaseException:
            self.stop()
            raise
        return self

    def psql(self, sql: str) -> str:
        """Run SQL with ``psql`` over the server's Unix socket (no password); its output."""
        assert self._base is not None and self._bindir is not None
        proc = self._run(
            [
                os.path.join(self._bindir, "psql"),
                "-h",
                self._base,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                self.database,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-A",
                "-t",
                "-c",
                sql,
            ]
        )
        self._check(proc, "psql")
        return proc.stdout

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        base = self._base
        if base is None:
            return
        if self._running and self._bindir is not None:
            self._run(
                [
                    os.path.join(self._bindir, "pg_ctl"),
                    "-D",
                    os.path.join(base, "data"),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ]
            )
            self._running = False
        self._base = None
        shutil.rmtree(base, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"PostgresServer({self.url}, {state})"


def make_sqlite(
    path: str | os.PathLike[str],
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
) -> str:
    """Create (or replace) ``table`` in the SQLite file at ``path`` with ``rows``; the path.

    ``columns`` are ``(name, sql type)`` pairs; the table name and column names must be plain
    identifiers.
    """
    from taskplug_sql.template import identifier

    path = os.fspath(path)
    cols = ", ".join(f"{identifier(n)} {t}" for n, t in columns)
    marks = ", ".join("?" for _ in columns)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {identifier(table)}")
        conn.execute(f"CREATE TABLE {identifier(table)} ({cols})")
        conn.executemany(f"INSERT INTO {identifier(table)} VALUES ({marks})", rows)
        conn.commit()
    return path
