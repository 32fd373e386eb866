"""ServiceSQLTask: SQL run by a backend service, described by a flyteidl ``Sql`` target; and a
third-party warehouse task type built on it in a few lines (a real distribution with a
``taskplug`` entry point, discovered by a fresh plugin manager)."""

from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd
import pytest
from flyteidl.core import tasks_pb2

from taskplug import kwtypes
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.testing import check_template_roundtrip, fresh_plugin_manager
from taskplug_sql import ServiceSQLTask, SQLTemplateError

SETTINGS = SerializationSettings.for_tests()


def test_template_carries_a_sql_target_with_placeholders() -> None:
    task = ServiceSQLTask(
        "svc",
        query_template="SELECT * FROM events WHERE day = {{ .inputs.day }} "
        "AND kind = '{{ .inputs.kind }}' LIMIT {{ .inputs.n }}",
        inputs=kwtypes(day=str, kind=str, n=int),
        outputs={"results": pd.DataFrame},
    )
    template = check_template_roundtrip(task, SETTINGS)
    assert template.type == "sql"
    assert template.WhichOneof("target") == "sql"
    assert template.sql.statement == (
        "SELECT * FROM events WHERE day = :day AND kind = :kind LIMIT :n"
    )
    assert template.sql.dialect == tasks_pb2.Sql.Dialect.ANSI
    custom = dict(template.custom)
    assert list(custom["parameters"]) == ["day", "kind", "n"]
    assert custom["paramstyle"] == "named"
    assert "{{ .inputs.day }}" in custom["query_template"]


def test_service_task_does_not_run_here() -> None:
    task = ServiceSQLTask(
        "svc_local", query_template="SELECT {{ .inputs.a }}", inputs=kwtypes(a=int)
    )
    with pytest.raises(NotImplementedError, match="svc_local"):
        task(a=1)


def test_identifiers_cannot_go_to_a_service() -> None:
    task = ServiceSQLTask(
        "svc_ident",
        query_template="SELECT * FROM {{ .inputs.t | identifier }}",
        inputs=kwtypes(t=str),
    )
    with pytest.raises(SQLTemplateError, match="cannot bind"):
        serialize(task, SETTINGS)


WAREHOUSE = """
from dataclasses import dataclass
from taskplug.plugin import hookimpl
from taskplug_sql import ServiceSQLTask

TASKPLUG_API_VERSION = "1.0"

@dataclass
class Warehouse:
    project: str

class WarehouseTask(ServiceSQLTask[Warehouse]):
    task_type = "warehouse"
    dialect = "other"
    paramstyle = "at"

@hookimpl
def taskplug_register_task_types(registry):
    registry.add(WarehouseTask)

@hookimpl
def taskplug_get_custom(task, settings):
    return {**task.custom_fields(settings), "project": task.task_config.project}
"""


def test_a_third_party_warehouse_task_type(make_plugin_dist: Any) -> None:
    assert len(WAREHOUSE.strip().splitlines()) <= 25  # "in a few lines"
    make_plugin_dist(
        "acme-warehouse",
        "1.0",
        {"acme_warehouse": textwrap.dedent(WAREHOUSE)},
        {"taskplug": {"warehouse": "acme_warehouse"}},
    )
    with fresh_plugin_manager() as pm:
        import acme_warehouse  # type: ignore[import-not-found]

        task = acme_warehouse.WarehouseTask(
            "daily_counts",
            query_template="SELECT day, count(*) AS n FROM events "
            "WHERE day >= {{ .inputs.since }} GROUP BY day",
            inputs=kwtypes(since=str),
            outputs={"results": pd.DataFrame},
            task_config=acme_warehouse.Warehouse(project="acme"),
        )
        template = serialize(task, SETTINGS)
        registry = pm.task_types
        assert registry.hook_owner(type(task), "taskplug_get_custom") == "warehouse"
        assert registry.hook_owner(type(task), "taskplug_get_sql") == "sql"
    assert template.type == "warehouse"
    assert not template.HasField("container")
    assert template.sql.statement == (
        "SELECT day, count(*) AS n FROM events WHERE day >= @since GROUP BY day"
    )
    assert template.sql.dialect == tasks_pb2.Sql.Dialect.OTHER
    custom = dict(template.custom)
    assert custom["project"] == "acme"
    assert list(custom["parameters"]) == ["since"] and custom["paramstyle"] == "at"
