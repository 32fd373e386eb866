"""The SQL task classes every SQL task type builds on.

* :class:`SQLTask` — a query template with typed inputs and one table output (flytekit's
  ``SQLTask``); subclasses say how it runs.
* :class:`SQLTemplateTask` — runs in a prebuilt image: everything the run needs is in the
  template's ``custom``, read back by the task-template resolver and handed to an executor
  (flytekit's ``PythonCustomizedContainerTask``). ``SQLite3Task`` and ``SQLAlchemyTask``.
* :class:`ServiceSQLTask` — run by a backend service (a warehouse): no container, a flyteidl
  ``Sql`` target (statement with placeholders, dialect), the parameter names in ``custom``.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from taskplug.resolver import entrypoint_command
from taskplug.tasks.function import PythonInstanceTask
from taskplug.types.tables.columns import flatten_columns, parse_table_annotation
from taskplug_sql.errors import SQLResultError
from taskplug_sql.template import QueryTemplate, Rendered, normalize

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.settings import SerializationSettings

__all__ = [
    "DIALECTS",
    "SQLExecutor",
    "SQLTask",
    "SQLTemplateTask",
    "ServiceSQLTask",
    "TemplateRun",
    "declared_columns",
    "finish_result",
]

T = TypeVar("T")
logger = logging.getLogger("taskplug_sql")

#: ``Sql.Dialect`` names accepted by :attr:`ServiceSQLTask.dialect`.
DIALECTS = ("undefined", "ansi", "hive", "other")


class SQLTask(PythonInstanceTask[T]):
    """A query template with typed inputs and (usually) one table output named ``results``.

    ``query_template`` uses flytekit's syntax (``{{ .inputs.limit }}``); input values are bound
    as parameters, never pasted, unless ``paste_inputs=True`` (see :mod:`taskplug_sql.template`).
    ``inputs`` are ``kwtypes(name=type, ...)``; ``outputs`` a dict of output types. The
    template is checked when the task is declared: each placeholder must name an input and
    each input must be used.

    This base class does not run anywhere by itself; see :class:`SQLTemplateTask` (a prebuilt
    container) and :class:`ServiceSQLTask` (a backend service).
    """

    task_type = "sql_task"
    #: How placeholders appear in the serialized statement (a DB-API paramstyle, ``dollar``
    #: or ``at``); task types for a given backend set the backend's style.
    paramstyle: ClassVar[str] = "named"

    def __init__(
        self,
        name: str,
        query_template: str,
        task_config: T | None = None,
        task_type: str | None = None,
        inputs: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        *,
        paste_inputs: bool = False,
        **kwargs: Any,
    ) -> None:
        self._query_template = normalize(query_template)
        self._paste_inputs = bool(paste_inputs)
        super().__init__(
            name,
            task_config,
            task_type or self.task_type,
            inputs=dict(inputs or {}),
            outputs=dict(outputs or {}),
            **kwargs,
        )
        self._query = QueryTemplate(
            self._query_template,
            task=name,
            inputs=list(self.python_interface.inputs),
            paste=self._paste_inputs,
        )

    @property
    def query_template(self) -> str:
        """The template, normalized as flytekit does (one line, single spaces)."""
        return self._query_template

    @property
    def query(self) -> QueryTemplate:
        """The parsed template."""
        return self._query

    @property
    def paste_inputs(self) -> bool:
        """Whether input values are pasted into the text (flytekit's way) instead of bound."""
        return self._paste_inputs

    @property
    def output_type(self) -> Any:
        """The declared type of output ``results`` (``None`` when the query returns nothing)."""
        return self.python_interface.outputs.get("results")

    @property
    def output_columns(self) -> list[str] | None:
        """The declared output column names (``None`` when none are declared)."""
        columns = declared_columns(self.output_type)
        return list(columns) if columns else None

    def get_query(self, **kwargs: Any) -> str:
        """The statement as this task's serialized form shows it (placeholders, or pasted
        values with ``paste_inputs=True``)."""
        if self._paste_inputs:
            return self._query.render(self.paramstyle, kwargs).statement
        return self._query.placeholders(self.paramstyle, allow_identifiers=True).statement

    def render(self, paramstyle: str, values: dict[str, Any], **options: Any) -> Rendered:
        """The statement in ``paramstyle`` and the parameters bound from ``values``."""
        return self._query.render(paramstyle, values, **options)

    def custom_fields(self, settings: SerializationSettings | None) -> dict[str, Any] | None:
        """The template's ``custom`` (the plugin's ``taskplug_get_custom`` returns it)."""
        return None

    def execute(self, **kwargs: Any) -> Any:
        """Not runnable here: subclasses run the query (in a container or on a service)."""
        raise NotImplementedError(
            f"task {self.name!r} ({type(self).__name__}) does not run in this process; use a "
            "task type that runs queries (SQLite3Task, SQLAlchemyTask) or mock it in tests"
        )


class TemplateRun(Protocol):
    """What an executor needs from a task: its name, template ``custom``, parsed query and
    declared output type. Both a declared task and one rebuilt from a template provide it."""

    @property
    def name(self) -> str: ...

    @property
    def custom(self) -> dict[str, Any]: ...

    @property
    def query(self) -> QueryTemplate: ...

    @property
    def output_type(self) -> Any: ...


class SQLExecutor:
    """Runs a SQL task from its template (``custom``); one subclass per task type.

    ``execute_from_template(task, **inputs)`` returns the value of the task's declared output
    (or ``None``). It runs in the user's process for a local call and in the prebuilt image
    (through the task-template resolver) in a cluster: the same code either way.
    """

    def execute_from_template(self, task: TemplateRun, **inputs: Any) -> Any:
        """Run the task's query with ``inputs``; the declared output value."""
        raise NotImplementedError


class SQLTemplateTask(SQLTask[T]):
    """A SQL task run by an executor in a prebuilt image, from its template alone.

    Subclasses set :attr:`executor_type` and :attr:`image_flavor` and return what the executor
    needs from :meth:`custom_fields`. The container runs ``taskplug-execute … --resolver
    taskplug_sql.resolver.task_template_resolver -- {{.taskTemplatePath}} <executor>``.
    """

    executor_type: ClassVar[type[SQLExecutor]] = SQLExecutor
    #: The image variant (``""`` or ``"sqlalchemy"``): see ``taskplug_sql.images``.
    image_flavor: ClassVar[str] = ""

    def __init__(
        self,
        name: str,
        query_template: str,
        task_config: T | None = None,
        *,
        container_image: str | None = None,
        **kwargs: Any,
    ) -> None:
        from taskplug_sql.images import default_image
        from taskplug_sql.resolver import task_template_resolver

        kwargs.setdefault("task_resolver", task_template_resolver)
        super().__init__(
            name,
            query_template,
            task_config,
            container_image=container_image or default_image(self.image_flavor),
            **kwargs,
        )

    @property
    def custom(self) -> dict[str, Any]:
        """The template's ``custom`` (what the executor reads)."""
        return self.custom_fields(None) or {}

    def get_default_command(self, settings: SerializationSettings) -> list[str]:
        """flytekit's customized-container command (no checkpoint arguments)."""
        return entrypoint_command(self.task_resolver, settings, self, checkpoints=False)

    def execute(self, **kwargs: Any) -> Any:
        """Run the query here, with the executor the container would use."""
        return self.executor_type().execute_from_template(self, **kwargs)


class ServiceSQLTask(SQLTask[T]):
    """A SQL task a backend service runs: the template carries a flyteidl ``Sql`` target.

    The statement in the target has placeholders in :attr:`paramstyle` (never values) and
    ``custom`` lists the parameter names in order (``parameters``), so the service binds the
    task's inputs. A warehouse task type is a subclass with its own ``task_type``,
    ``dialect`` and ``paramstyle`` (see docs/sql.md). Such a task has no container and cannot
    run in this process.
    """

    task_type = "sql"
    #: The ``Sql.Dialect`` of the statement: ``undefined``, ``ansi``, ``hive`` or ``other``.
    dialect: ClassVar[str] = "ansi"

    def get_container(self, settings: SerializationSettings) -> tasks_pb2.Container | None:
        """None: a backend service runs the statement."""
        return None

    def sql_target(self, settings: SerializationSettings | None) -> tasks_pb2.Sql:
        """The flyteidl ``Sql`` target (the plugin's ``taskplug_get_sql`` returns it)."""
        from flyteidl.core import tasks_pb2

        if self.dialect not in DIALECTS:
            raise ValueError(
                f"task {self.name!r}: dialect {self.dialect!r} is not one of {DIALECTS}"
            )
        sql = tasks_pb2.Sql()
        sql.statement = self._query.placeholders(self.paramstyle).statement
        sql.dialect = tasks_pb2.Sql.Dialect.Value(self.dialect.upper())
        return sql

    def custom_fields(self, settings: SerializationSettings | None) -> dict[str, Any] | None:
        """The template text, the parameter names in order and their style."""
        rendered = self._query.placeholders(self.paramstyle)
        return {
            "query_template": self.query_template,
            "parameters": list(rendered.names),
            "paramstyle": "paste" if self._paste_inputs else self.paramstyle,
        }


def declared_columns(output_type: Any) -> OrderedDict[str, Any] | None:
    """The columns an output type declares (``Annotated[df, kwtypes(...)]``, ``FlyteSchema``)."""
    if output_type is None:
        return None
    from taskplug.types.tables import FlyteSchema

    if isinstance(output_type, type) and issubclass(output_type, FlyteSchema):
        return OrderedDict(output_type.columns()) or None
    columns = parse_table_annotation(output_type).columns
    return flatten_columns(columns) if columns else None


def _typed_or_empty(reader: Any) -> Any:
    """``reader`` as it is, or, without rows, a table whose columns have no type yet (a
    driver's types guessed from no rows mean nothing)."""
    import itertools

    import pyarrow as pa

    from taskplug_sql.fetch import empty_table

    batches = iter(reader)
    first = next(batches, None)
    if first is None:
        return empty_table(reader.schema.names)
    return pa.RecordBatchReader.from_batches(reader.schema, itertools.chain([first], batches))


def finish_result(result: Any, task: TemplateRun, statement: str) -> Any:
    """A query's result (a ``pyarrow.Table``, or a ``RecordBatchReader`` still being fetched)
    as the task's output, checked against the declared columns.

    A reader is streamed straight into the output's parquet files (call this while the
    connection is open); the result is a ``StructuredDataset`` already written,
    or one wrapping the Arrow table (the type engine writes it without a pandas round trip),
    or the table itself for a ``FlyteSchema`` output. A call of the task returns the declared
    type either way.
    """
    output_type = task.output_type
    if output_type is None:
        return None
    if result is None:
        raise SQLResultError(
            "the statement returned no result set, but the task declares output 'results'",
            task=task.name,
            statement=statement,
        )
    from taskplug.types.tables import (
        FlyteSchema,
        StructuredDataset,
        TableSchemaError,
        conform_batches,
        conform_table,
        from_arrow,
        write_dataset,
    )

    columns = declared_columns(output_type)
    base = parse_table_annotation(output_type).base
    schema_output = isinstance(base, type) and issubclass(base, FlyteSchema)
    streaming = type(result).__name__ == "RecordBatchReader"
    try:
        if streaming and not schema_output:
            stream = conform_batches(result, columns) if columns else _typed_or_empty(result)
            dataset = write_dataset(stream, output_type)
            logger.info("task %s: results written to %s", task.name, dataset.uri)
            return dataset
        table = result.read_all() if streaming else result
        if table.num_rows == 0:  # a driver's guessed types mean nothing without rows
            from taskplug_sql.fetch import empty_table

            table = empty_table(table.schema.names)
        if columns:
            table = conform_table(table, columns)
    except TableSchemaError as exc:
        raise SQLResultError(
            f"the result does not match the declared output: {'; '.join(exc.problems)}",
            task=task.name,
            statement=statement,
        ) from None
    logger.info("task %s: %d rows", task.name, table.num_rows)
    if schema_output:
        return from_arrow(table, output_type)
    return StructuredDataset(dataframe=table)
