"""``SQLAlchemyTask``: queries on any database SQLAlchemy reaches (PostgreSQL tested).

::

    pg = SQLAlchemyTask(
        "active_users",
        query_template="SELECT id, name FROM users WHERE active = {{ .inputs.active }}",
        inputs=kwtypes(active=bool),
        output_schema_type=pd.DataFrame,
        task_config=SQLAlchemyConfig(
            uri="postgresql://app@db.internal:5432/app",
            connect_args={"sslmode": "require"},
            secret_connect_args={"password": Secret(group="db", key="password")},
        ),
    )

Passwords come from secrets (``secret_connect_args``), never from the template: a ``uri``
holding a password is refused, the secrets are added to the task's ``secret_requests`` so the
platform mounts them, and their values are masked in every error message. For PostgreSQL the
result is fetched with ADBC (``adbc-driver-postgresql``: binary COPY straight into Arrow);
other databases, or PostgreSQL without that driver, go through SQLAlchemy's DB-API cursor,
batch by batch. A connection attempt gives up after ``connect_timeout`` seconds (default 30).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from taskplug.resources import Secret
from taskplug_sql.base import SQLExecutor, SQLTemplateTask, TemplateRun, finish_result
from taskplug_sql.errors import (
    SQLConnectionError,
    SQLExecutionError,
    SQLResultError,
    SQLTaskError,
)
from taskplug_sql.fetch import ColumnTypeError, adbc_available, arrow_from_cursor

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug_sql.template import Rendered

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "SQLAlchemyConfig",
    "SQLAlchemyTask",
    "SQLAlchemyTaskExecutor",
]

logger = logging.getLogger("taskplug_sql")
#: Seconds a connection attempt may take, unless ``connect_args`` say otherwise.
DEFAULT_CONNECT_TIMEOUT = 30
_MOUNT = {"ANY": 0, "ENV_VAR": 1, "FILE": 2}
# libpq connection keywords: connect_args made only of these can go to the ADBC driver.
_LIBPQ = frozenset(
    {
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "passfile",
        "channel_binding",
        "connect_timeout",
        "client_encoding",
        "options",
        "application_name",
        "fallback_application_name",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "replication",
        "gssencmode",
        "sslmode",
        "requiressl",
        "sslcompression",
        "sslcert",
        "sslkey",
        "sslpassword",
        "sslcertmode",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "sslsni",
        "requirepeer",
        "require_auth",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "krbsrvname",
        "gsslib",
        "gssdelegation",
        "service",
        "target_session_attrs",
        "load_balance_hosts",
    }
)


@dataclass
class SQLAlchemyConfig:
    """Where a :class:`SQLAlchemyTask` connects (flytekitplugins-sqlalchemy's fields).

    ``uri``: a SQLAlchemy URL without a password; ``connect_args``: keyword arguments for the
    driver's ``connect`` (``sslmode``, ``connect_timeout``…); ``secret_connect_args``: driver
    arguments read from secrets at run time, e.g. ``{"password": Secret(group="db",
    key="password")}``.
    """

    uri: str
    connect_args: dict[str, Any] | None = None
    secret_connect_args: dict[str, Secret] | None = None

    def secret_connect_args_to_dicts(self) -> dict[str, dict[str, Any]] | None:
        """The secrets as the template stores them (group, key, version, mount requirement)."""
        if self.secret_connect_args is None:
            return None
        return {
            name: {
                "group": s.group,
                "key": s.key,
                "group_version": s.group_version,
                "mount_requirement": _MOUNT[s.mount_requirement],
            }
            for name, s in self.secret_connect_args.items()
        }


def _check_uri(name: str, uri: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(uri)
    except ArgumentError:
        raise ValueError(f"task {name!r}: {uri!r} is not a SQLAlchemy URL") from None
    if url.password:
        shown = url.render_as_string(hide_password=True)
        raise ValueError(
            f"task {name!r}: the uri {shown} holds a password, which would end up in the task "
            "template; give it through secret_connect_args={'password': Secret(...)} instead"
        )


class SQLAlchemyTask(SQLTemplateTask[SQLAlchemyConfig]):
    """Run a query through SQLAlchemy; the result is output ``results``.

    ``output_schema_type=None`` declares no output (statements that return nothing), as in
    flytekitplugins-sqlalchemy; its default is ``FlyteSchema``. The secrets of
    ``secret_connect_args`` join ``secret_requests``.
    """

    task_type = "sqlalchemy"
    image_flavor = "sqlalchemy"

    _NO_OUTPUT: Any = object()

    def __init__(
        self,
        name: str,
        query_template: str,
        task_config: SQLAlchemyConfig,
        inputs: dict[str, Any] | None = None,
        output_schema_type: Any = _NO_OUTPUT,
        container_image: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(task_config, SQLAlchemyConfig):
            raise ValueError(f"task {name!r}: SQLAlchemyTask needs task_config=SQLAlchemyConfig")
        _check_uri(name, task_config.uri)
        if output_schema_type is SQLAlchemyTask._NO_OUTPUT:
            from taskplug.types.tables import FlyteSchema

            output_schema_type = FlyteSchema
        outputs = {"results": output_schema_type} if output_schema_type is not None else {}
        secrets = list(kwargs.pop("secret_requests", None) or [])
        for secret in (task_config.secret_connect_args or {}).values():
            if secret not in secrets:
                secrets.append(secret)
        super().__init__(
            name,
            query_template,
            task_config,
            container_image=container_image,
            inputs=inputs,
            outputs=outputs,
            secret_requests=secrets or None,
            **kwargs,
        )

    def custom_fields(self, settings: SerializationSettings | None) -> dict[str, Any] | None:
        """flytekitplugins-sqlalchemy's keys: query_template, uri, connect_args, secret refs."""
        config = self.task_config
        assert config is not None
        custom: dict[str, Any] = {
            "query_template": self.query_template,
            "uri": config.uri,
            "connect_args": dict(config.connect_args or {}),
            "secret_connect_args": config.secret_connect_args_to_dicts(),
        }
        if self.paste_inputs:
            custom["paste_inputs"] = True
        return custom


def _plain(value: Any) -> str:
    """A connect argument as text (a template's struct turns ints into floats)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class SQLAlchemyTaskExecutor(SQLExecutor):
    """Runs a SQLAlchemy task from its template: secrets, connect (with a timeout), query."""

    def execute_from_template(self, task: TemplateRun, **inputs: Any) -> Any:
        """Run the query; the declared output value (see ``SQLExecutor``)."""
        from taskplug.context import current_execution

        custom = task.custom
        state = current_execution()
        connect_args = {k: v for k, v in dict(custom.get("connect_args") or {}).items()}
        secrets: list[str] = []
        preview = task.query.placeholders("named", allow_identifiers=True).statement
        for key, ref in (custom.get("secret_connect_args") or {}).items():
            if state is None:
                raise SQLConnectionError(
                    f"secret for connect argument {key!r} cannot be read outside a run",
                    task=task.name,
                    statement=preview,
                )
            try:
                value = state.params.secrets.get(ref["group"], ref.get("key"))
            except KeyError as exc:
                raise SQLConnectionError(
                    f"secret for connect argument {key!r} is missing: {exc.args[0]}",
                    task=task.name,
                    statement=preview,
                ) from None
            connect_args[key] = value
            secrets.append(value)
        prefix = state.params.raw_output_prefix if state is not None else ""
        try:
            return self._execute(task, inputs, connect_args, prefix)
        except SQLTaskError as exc:
            raise exc.redacted(secrets) from None

    def _execute(
        self, task: TemplateRun, inputs: dict[str, Any], connect_args: dict[str, Any], prefix: str
    ) -> Any:
        from sqlalchemy.engine import make_url

        url = make_url(str(task.custom["uri"]))
        backend = url.get_backend_name()
        timeout_given = "connect_timeout" in connect_args or "connect_timeout" in url.query
        if backend in ("postgresql", "mysql") and not timeout_given:
            connect_args["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT
        if (
            backend == "postgresql"
            and set(connect_args) <= _LIBPQ
            and set(url.query) <= _LIBPQ
            and adbc_available("adbc_driver_postgresql")
        ):
            rendered = task.query.render("dollar", inputs, raw_output_prefix=prefix)
            logger.info(
                "task %s: %s (parameters %s)", task.name, rendered.statement, rendered.names
            )
            return self._adbc_postgres(url, connect_args, rendered, task)
        return self._sqlalchemy(url, connect_args, inputs, prefix, task)

    def _adbc_postgres(
        self, url: Any, connect_args: dict[str, Any], rendered: Rendered, task: TemplateRun
    ) -> Any:
        import adbc_driver_postgresql.dbapi as dbapi
        from adbc_driver_manager import dbapi as adbc_dbapi

        params: dict[str, str] = {k: _plain(v) for k, v in url.query.items()}
        for key, value in (
            ("host", url.host),
            ("port", url.port),
            ("dbname", url.database),
            ("user", url.username),
        ):
            if value is not None:
                params[key] = _plain(value)
        params.update({k: _plain(v) for k, v in connect_args.items()})
        libpq_uri = "postgresql://?" + urlencode(params)
        statement = rendered.statement
        try:
            conn = dbapi.connect(libpq_uri)
        except adbc_dbapi.Error as exc:
            raise SQLConnectionError(
                f"cannot connect to {url.render_as_string(hide_password=True)}: {exc}",
                task=task.name,
                statement=statement,
            ) from None
        with contextlib.closing(conn):
            from taskplug_sql.fetch import fetch_adbc

            try:
                with contextlib.closing(conn.cursor()) as cursor:
                    result = fetch_adbc(cursor, statement, list(rendered.parameters))
                    output = finish_result(result, task, statement)
                conn.commit()
            except adbc_dbapi.Error as exc:
                raise SQLExecutionError(
                    f"the database refused the statement: {exc}",
                    task=task.name,
                    statement=statement,
                ) from None
        return output

    def _sqlalchemy(
        self,
        url: Any,
        connect_args: dict[str, Any],
        inputs: dict[str, Any],
        prefix: str,
        task: TemplateRun,
    ) -> Any:
        import sqlalchemy
        from sqlalchemy.pool import NullPool

        engine = sqlalchemy.create_engine(url, connect_args=connect_args, poolclass=NullPool)
        dialect = engine.dialect
        rendered = task.query.render(
            dialect.paramstyle,
            inputs,
            raw_output_prefix=prefix,
            quote=dialect.identifier_preparer.initial_quote,
        )
        statement = rendered.statement
        logger.info("task %s: %s (parameters %s)", task.name, statement, rendered.names)
        try:
            conn = engine.connect()
        except sqlalchemy.exc.DBAPIError as exc:
            raise SQLConnectionError(
                f"cannot connect to {url.render_as_string(hide_password=True)}: {exc.orig}",
                task=task.name,
                statement=statement,
            ) from None
        try:
            with conn.begin():
                result = conn.exec_driver_sql(statement, rendered.parameters or ())
                table = arrow_from_cursor(result.cursor) if result.returns_rows else None
                output = finish_result(table, task, statement)
        except ColumnTypeError as exc:
            raise SQLResultError(str(exc), task=task.name, statement=statement) from None
        except sqlalchemy.exc.DBAPIError as exc:
            raise SQLExecutionError(
                f"the database refused the statement: {exc.orig}",
                task=task.name,
                statement=statement,
            ) from None
        finally:
            conn.close()
            engine.dispose()
        return output


SQLAlchemyTask.executor_type = SQLAlchemyTaskExecutor
