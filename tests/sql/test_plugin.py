"""The taskplug-sql plugin on taskplug's contract: registration, owned hooks, the test kit,
cheap imports, and nothing but public taskplug modules."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import pytest

from taskplug import get_plugin_manager, kwtypes
from taskplug.testing import check_hook_answers, check_import_budget, check_task_type
from taskplug_sql import (
    SQLAlchemyConfig,
    SQLAlchemyTask,
    SQLite3Config,
    SQLite3Task,
    SQLTask,
)
from taskplug_sql import plugin as sql_plugin

PACKAGE = Path(sql_plugin.__file__).parent


def sqlite_task(db: Path) -> SQLite3Task:
    return SQLite3Task(
        "kit_users",
        query_template="SELECT id, name FROM users WHERE id <= {{ .inputs.n }} ORDER BY id",
        inputs=kwtypes(n=int),
        output_schema_type=Annotated[pd.DataFrame, kwtypes(id=int, name=str)],
        task_config=SQLite3Config(str(db)),
    )


def test_the_test_kit_passes_on_sqlite3_task(users_db: Path) -> None:
    task = sqlite_task(users_db)
    template = check_task_type(task, inputs={"n": 2}, plugin=sql_plugin)
    assert template.type == "sqlite"
    assert template.custom["uri"] == str(users_db)
    # and through a real taskplug-execute, loaded by the task-template resolver
    check_task_type(task, inputs={"n": 3}, entrypoint=True)
    answers = check_hook_answers(sql_plugin, task)
    assert answers["taskplug_get_custom"]["query_template"].startswith("SELECT id, name")
    assert answers["taskplug_get_sql"] is None


def test_the_test_kit_passes_on_sqlalchemy_task() -> None:
    task = SQLAlchemyTask(
        "kit_pg",
        query_template="SELECT 1 AS one",
        task_config=SQLAlchemyConfig(uri="postgresql+psycopg://u@127.0.0.1:1/db"),
        output_schema_type=pd.DataFrame,
    )
    template = check_task_type(task, plugin=sql_plugin)
    assert template.type == "sqlalchemy"
    assert template.container.image.endswith("-sqlalchemy-0.1.0")


def test_the_plugin_is_loaded_from_its_entry_point() -> None:
    from click.testing import CliRunner

    from taskplug.cli import main as cli

    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)["plugins"]}
    assert rows["sql"]["distribution"] == "taskplug-sql"
    assert rows["sql"]["status"] == "loaded"
    assert rows["sql"]["task_types"] == [
        "sql_task (SQLTask)",
        "sqlite (SQLite3Task)",
        "sqlalchemy (SQLAlchemyTask)",
        "sql (ServiceSQLTask)",
    ]
    assert set(rows["sql"]["hooks"]) == {
        "taskplug_get_custom",
        "taskplug_get_sql",
        "taskplug_register_task_types",
    }


def test_owned_hooks_are_routed_to_the_right_plugins(users_db: Path) -> None:
    registry = get_plugin_manager().task_types
    for cls in (SQLTask, SQLite3Task, SQLAlchemyTask):
        assert registry.owner_of_class(cls).plugin == "sql"
        assert registry.hook_owner(cls, "taskplug_get_custom") == "sql"
        # the container comes from the built-in plugin, inherited through PythonInstanceTask
        assert registry.hook_owner(cls, "taskplug_get_container") == "container"


def test_plugin_import_is_cheap() -> None:
    assert check_import_budget("taskplug_sql.plugin").new_modules
    check_import_budget("taskplug_sql")
    code = (
        "import sys, taskplug_sql, taskplug_sql.plugin\n"
        "from taskplug import get_plugin_manager\n"
        "get_plugin_manager().task_types\n"
        "heavy = ('pandas', 'pyarrow', 'sqlalchemy', 'adbc_driver_manager', 'psycopg', 'numpy')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plugin_uses_only_public_taskplug_modules() -> None:
    private = []
    for source in PACKAGE.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "taskplug" and any(p.startswith("_") for p in parts[1:]):
                    private.append(f"{source.name}: {name}")
    assert private == []


def test_service_task_cannot_register_twice() -> None:
    from taskplug.errors import DuplicateRegistrationError
    from taskplug.registry import TaskTypeRegistry

    reg = TaskTypeRegistry()
    sql_plugin.taskplug_register_task_types(reg)
    with pytest.raises(DuplicateRegistrationError, match="registered twice"):
        sql_plugin.taskplug_register_task_types(reg)
