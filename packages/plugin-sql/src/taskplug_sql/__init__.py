"""taskplug-sql: SQL task types for taskplug (SQLite3 embedded, SQLAlchemy for any server).

::

    from typing import Annotated
    import pandas as pd
    from taskplug import kwtypes
    from taskplug_sql import SQLite3Config, SQLite3Task

    top_scores = SQLite3Task(
        "top_scores",
        query_template="SELECT name, score FROM scores WHERE score >= {{ .inputs.min_score }}",
        inputs=kwtypes(min_score=float),
        output_schema_type=Annotated[pd.DataFrame, kwtypes(name=str, score=float)],
        task_config=SQLite3Config(uri="scores.db"),
    )
    df = top_scores(min_score=0.5)

Input values are bound as query parameters by the driver, never pasted into the SQL text
(:mod:`taskplug_sql.template`). Results are fetched into Arrow in batches (ADBC drivers when
installed). See docs/sql.md.

Importing this package is cheap: the task classes load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "SQLTask": "taskplug_sql.base",
    "SQLTemplateTask": "taskplug_sql.base",
    "ServiceSQLTask": "taskplug_sql.base",
    "SQLExecutor": "taskplug_sql.base",
    "SQLite3Config": "taskplug_sql.sqlite",
    "SQLite3Task": "taskplug_sql.sqlite",
    "SQLite3TaskExecutor": "taskplug_sql.sqlite",
    "SQLAlchemyConfig": "taskplug_sql.sqlalchemy",
    "SQLAlchemyTask": "taskplug_sql.sqlalchemy",
    "SQLAlchemyTaskExecutor": "taskplug_sql.sqlalchemy",
    "identifier": "taskplug_sql.template",
    "QueryTemplate": "taskplug_sql.template",
    "SQLTaskError": "taskplug_sql.errors",
    "SQLTemplateError": "taskplug_sql.errors",
    "SQLConnectionError": "taskplug_sql.errors",
    "SQLExecutionError": "taskplug_sql.errors",
    "SQLResultError": "taskplug_sql.errors",
    "kwtypes": "taskplug.types.tables",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from taskplug.types.tables import kwtypes as kwtypes
    from taskplug_sql.base import ServiceSQLTask as ServiceSQLTask
    from taskplug_sql.base import SQLExecutor as SQLExecutor
    from taskplug_sql.base import SQLTask as SQLTask
    from taskplug_sql.base import SQLTemplateTask as SQLTemplateTask
    from taskplug_sql.errors import (
        SQLConnectionError as SQLConnectionError,
    )
    from taskplug_sql.errors import (
        SQLExecutionError as SQLExecutionError,
    )
    from taskplug_sql.errors import (
        SQLResultError as SQLResultError,
    )
    from taskplug_sql.errors import (
        SQLTaskError as SQLTaskError,
    )
    from taskplug_sql.errors import (
        SQLTemplateError as SQLTemplateError,
    )
    from taskplug_sql.sqlalchemy import SQLAlchemyConfig as SQLAlchemyConfig
    from taskplug_sql.sqlalchemy import SQLAlchemyTask as SQLAlchemyTask
    from taskplug_sql.sqlalchemy import SQLAlchemyTaskExecutor as SQLAlchemyTaskExecutor
    from taskplug_sql.sqlite import SQLite3Config as SQLite3Config
    from taskplug_sql.sqlite import SQLite3Task as SQLite3Task
    from taskplug_sql.sqlite import SQLite3TaskExecutor as SQLite3TaskExecutor
    from taskplug_sql.template import QueryTemplate as QueryTemplate
    from taskplug_sql.template import identifier as identifier


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug_sql' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
