"""The taskplug plugin of taskplug-sql (entry point ``sql`` in the ``taskplug`` group).

It registers the SQL task types and answers the owned hooks for them: ``custom`` for every
SQL task (each class's ``custom_fields``), the ``Sql`` target for :class:`ServiceSQLTask` and
its subclasses. Containers come from taskplug's built-in container plugin, which owns the
Python instance task these classes derive from (the routing finds it through the class
hierarchy); ``ServiceSQLTask`` has none. Written only on taskplug's public contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.registry import TaskTypeRegistry
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_register_task_types(registry: TaskTypeRegistry) -> None:
    """SQLTask (the base), SQLite3Task, SQLAlchemyTask and ServiceSQLTask."""
    from taskplug_sql.base import ServiceSQLTask, SQLTask
    from taskplug_sql.sqlalchemy import SQLAlchemyTask
    from taskplug_sql.sqlite import SQLite3Task

    for cls in (SQLTask, SQLite3Task, SQLAlchemyTask, ServiceSQLTask):
        registry.add(cls)


@hookimpl
def taskplug_get_custom(
    task: PythonTask[Any], settings: SerializationSettings
) -> dict[str, Any] | None:
    """The task's ``custom_fields`` (asked only for the SQL task types, by routing)."""
    fields = getattr(task, "custom_fields", None)
    return fields(settings) if fields is not None else None


@hookimpl
def taskplug_get_sql(
    task: PythonTask[Any], settings: SerializationSettings
) -> tasks_pb2.Sql | None:
    """The ``Sql`` target of tasks run by a backend service."""
    target = getattr(task, "sql_target", None)
    return target(settings) if target is not None else None
