"""Tables and SQL task types against flytekit 1.16 and flytekitplugins-sqlalchemy.

* table literal types are byte-equal; flytekit reads the tables taskplug writes (parquet under
  the structured dataset's uri) and taskplug reads flytekit's, for ``pd.DataFrame``,
  ``pyarrow.Table``, ``StructuredDataset`` and ``FlyteSchema``;
* ``SQLite3Task`` / ``SQLAlchemyTask`` templates equal flytekit's except for the allow-list
  (docs/conformance.md): the image, the entrypoint, the resolver and the executor path;
* each side's executor runs the other side's template (the ``custom`` keys are the same).

Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import datetime
import re
import sqlite3
import typing
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

import numpy as np  # noqa: E402
from flyteidl.core import literals_pb2, tasks_pb2  # noqa: E402
from flytekit import FlyteContextManager  # noqa: E402
from flytekit import kwtypes as fk_kwtypes  # noqa: E402
from flytekit.configuration import ImageConfig as FkImageConfig  # noqa: E402
from flytekit.configuration import SerializationSettings as FkSettings  # noqa: E402
from flytekit.core.type_engine import TypeEngine as FkEngine  # noqa: E402
from flytekit.extras.sqlite3.task import SQLite3Config as FkSQLite3Config  # noqa: E402
from flytekit.extras.sqlite3.task import SQLite3Task as FkSQLite3Task  # noqa: E402
from flytekit.extras.sqlite3.task import SQLite3TaskExecutor as FkSQLite3Executor  # noqa: E402
from flytekit.models.literals import Literal as FkLiteral  # noqa: E402
from flytekit.models.task import TaskTemplate as FkTaskTemplate  # noqa: E402
from flytekit.tools.translator import get_serializable_task  # noqa: E402
from flytekit.types.schema import FlyteSchema as FkSchema  # noqa: E402
from flytekit.types.structured import StructuredDataset as FkSD  # noqa: E402

import taskplug_sql  # noqa: E402
from taskplug import FlyteSchema, Secret, StructuredDataset, kwtypes  # noqa: E402
from taskplug.serialization import serialize  # noqa: E402
from taskplug.settings import ImageConfig, SerializationSettings  # noqa: E402
from taskplug.types import TypeEngine  # noqa: E402
from taskplug_sql import (  # noqa: E402
    SQLAlchemyConfig,
    SQLAlchemyTask,
    SQLite3Config,
    SQLite3Task,
    SQLite3TaskExecutor,
)
from taskplug_sql.resolver import TemplateTask  # noqa: E402

pytestmark = pytest.mark.conformance

# The allow-list of template differences for SQL template tasks (docs/conformance.md).
ALLOWED_ARGS = {
    "pyflyte-execute": "taskplug-execute",
    "flytekit.core.python_customized_container_task.default_task_template_resolver": (
        "taskplug_sql.resolver.task_template_resolver"
    ),
    "flytekit.extras.sqlite3.task.SQLite3TaskExecutor": "taskplug_sql.sqlite.SQLite3TaskExecutor",
    "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor": (
        "taskplug_sql.sqlalchemy.SQLAlchemyTaskExecutor"
    ),
}
#: flytekit's prebuilt image -> taskplug-sql's (same convention: python version, flavor, version).
ALLOWED_IMAGE = (
    re.compile(r"^cr\.flyte\.org/flyteorg/flytekit:(py\d+\.\d+-(?:sqlalchemy-)?)[^-]+$"),
    r"ghcr.io/taskplug/taskplug-sql:\g<1>" + taskplug_sql.__version__,
)

ctx = FlyteContextManager.current_context


def df(n: int = 5) -> Any:
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype="int64"),
            "name": [f"n{i}" for i in range(n)],
            "score": [i / 4 for i in range(n)],
        }
    )


# -- literal types ------------------------------------------------------------------------------


def _type_pairs() -> list[tuple[str, Any, Any]]:
    cols = dict(
        a=int,
        b=str,
        c=float,
        d=bool,
        e=datetime.datetime,
        f=datetime.timedelta,
        g=list[int],
        h=dict[str, float],
        i=np.int32,
        j=np.float64,
    )
    return [
        ("dataframe", pd.DataFrame, pd.DataFrame),
        ("arrow", pa.Table, pa.Table),
        ("sd", FkSD, StructuredDataset),
        (
            "columns",
            Annotated[pd.DataFrame, fk_kwtypes(**cols)],
            Annotated[pd.DataFrame, kwtypes(**cols)],
        ),
        ("sd-format", Annotated[FkSD, "parquet"], Annotated[StructuredDataset, "parquet"]),
        (
            "sd-columns-csv",
            Annotated[FkSD, fk_kwtypes(a=int), "csv"],
            Annotated[StructuredDataset, kwtypes(a=int), "csv"],
        ),
        (
            "arrow-schema",
            Annotated[pa.Table, pa.schema([("a", pa.int64())])],
            Annotated[pa.Table, pa.schema([("a", pa.int64())])],
        ),
        ("schema", FkSchema, FlyteSchema),
        (
            "schema-columns",
            FkSchema[fk_kwtypes(a=int, b=str, c=float, d=bool, e=datetime.datetime)],
            FlyteSchema[kwtypes(a=int, b=str, c=float, d=bool, e=datetime.datetime)],
        ),
    ]


@pytest.mark.parametrize(
    ("fk_type", "tp_type"), [p[1:] for p in _type_pairs()], ids=[p[0] for p in _type_pairs()]
)
def test_literal_types_are_byte_equal(fk_type: Any, tp_type: Any) -> None:
    fk = FkEngine.to_literal_type(fk_type).to_flyte_idl()
    tp = TypeEngine.to_literal_type(tp_type)
    assert tp == fk
    assert tp.SerializeToString(deterministic=True) == fk.SerializeToString(deterministic=True)


# -- values both ways ---------------------------------------------------------------------------


def fk_literal(value: Any, t: Any) -> literals_pb2.Literal:
    lit = FkEngine.to_literal(ctx(), value, t, FkEngine.to_literal_type(t))
    return lit.to_flyte_idl()


def fk_value(lit: literals_pb2.Literal, t: Any) -> Any:
    return FkEngine.to_python_value(ctx(), FkLiteral.from_flyte_idl(lit), t)


def _without_uri(lit: literals_pb2.Literal) -> literals_pb2.Literal:
    copy = literals_pb2.Literal()
    copy.CopyFrom(lit)
    kind = copy.scalar.WhichOneof("value")
    getattr(copy.scalar, kind).uri = ""
    return copy


COLS = Annotated[pd.DataFrame, kwtypes(id=int, name=str, score=float)]
FK_COLS = Annotated[pd.DataFrame, fk_kwtypes(id=int, name=str, score=float)]


@pytest.mark.parametrize(
    ("fk_type", "tp_type"),
    [(pd.DataFrame, pd.DataFrame), (FK_COLS, COLS)],
    ids=["plain", "columns"],
)
def test_dataframe_literals_equal_but_for_the_uri(fk_type: Any, tp_type: Any) -> None:
    fk = fk_literal(df(), fk_type)
    tp = TypeEngine.to_literal(df(), tp_type)
    assert _without_uri(tp) == _without_uri(fk)


def test_flytekit_reads_taskplugs_dataframes() -> None:
    lit = TypeEngine.to_literal(df(), COLS)
    assert fk_value(lit, pd.DataFrame).equals(df())
    subset = fk_value(lit, Annotated[pd.DataFrame, fk_kwtypes(name=str)])
    assert list(subset.columns) == ["name"]
    assert fk_value(lit, pa.Table).equals(pa.Table.from_pandas(df()))
    sd = fk_value(lit, FkSD)
    assert sd.open(pd.DataFrame).all().equals(df())


def test_taskplug_reads_flytekits_dataframes() -> None:
    lit = fk_literal(df(), FK_COLS)
    assert TypeEngine.to_python_value(lit, pd.DataFrame).equals(df())
    subset = TypeEngine.to_python_value(lit, Annotated[pd.DataFrame, kwtypes(score=float)])
    assert list(subset.columns) == ["score"]
    table = TypeEngine.to_python_value(fk_literal(pa.Table.from_pandas(df()), pa.Table), pa.Table)
    assert table.to_pandas().equals(df())
    sd = TypeEngine.to_python_value(fk_literal(FkSD(dataframe=df()), FkSD), StructuredDataset)
    assert sd.file_format == "parquet"
    assert sd.open(pd.DataFrame).all().equals(df())


def test_structured_datasets_both_ways() -> None:
    tp = TypeEngine.to_literal(StructuredDataset(dataframe=df()), StructuredDataset)
    fk = fk_literal(FkSD(dataframe=df()), FkSD)
    assert _without_uri(tp) == _without_uri(fk)
    assert fk_value(tp, FkSD).open(pd.DataFrame).all().equals(df())
    assert TypeEngine.to_python_value(fk, StructuredDataset).open(pd.DataFrame).all().equals(df())


def test_structured_dataset_in_a_pydantic_model_both_ways() -> None:
    from pydantic import create_model

    ours = create_model("Report", table=(StructuredDataset, ...), label=(str, "r"))
    theirs = create_model("Report", table=(FkSD, ...), label=(str, "r"))
    assert TypeEngine.to_literal_type(ours) == FkEngine.to_literal_type(theirs).to_flyte_idl()
    tp = TypeEngine.to_literal(ours(table=StructuredDataset(dataframe=df())), ours)
    fk = fk_literal(theirs(table=FkSD(dataframe=df())), theirs)
    assert tp.scalar.binary.tag == fk.scalar.binary.tag == "msgpack"
    assert fk_value(tp, theirs).table.open(pd.DataFrame).all().equals(df())
    assert TypeEngine.to_python_value(fk, ours).table.open(pd.DataFrame).all().equals(df())


def test_flyte_schema_both_ways() -> None:
    fk_t = FkSchema[fk_kwtypes(id=int, name=str)]
    tp_t = FlyteSchema[kwtypes(id=int, name=str)]
    tp = TypeEngine.to_literal(df(), tp_t)
    fk = fk_literal(df(), fk_t)
    assert _without_uri(tp) == _without_uri(fk)
    from_tp = fk_value(tp, fk_t).open().all()
    assert from_tp[["id", "name"]].equals(df()[["id", "name"]])
    from_fk = TypeEngine.to_python_value(fk, tp_t).open(pd.DataFrame).all()
    assert list(from_fk.columns) == ["id", "name"]
    assert from_fk.equals(df()[["id", "name"]])


# -- SQL task templates -------------------------------------------------------------------------

FK_SETTINGS = FkSettings(
    project="p", domain="d", version="v1", image_config=FkImageConfig.from_images("ghcr.io/a/b:1")
)
TP_SETTINGS = SerializationSettings(
    project="p", domain="d", version="v1", image_config=ImageConfig.from_images("ghcr.io/a/b:1")
)


def apply_allow_list(fk: tasks_pb2.TaskTemplate, runtime: str) -> tasks_pb2.TaskTemplate:
    """flytekit's template with the allowed differences replaced by taskplug's values."""
    expected = tasks_pb2.TaskTemplate()
    expected.CopyFrom(fk)
    expected.metadata.runtime.version = runtime
    args = [ALLOWED_ARGS.get(a, a) for a in expected.container.args]
    del expected.container.args[:]
    expected.container.args.extend(args)
    pattern, replacement = ALLOWED_IMAGE
    expected.container.image = pattern.sub(replacement, expected.container.image)
    return expected


def compare_templates(fk_task: Any, tp_task: Any) -> tasks_pb2.TaskTemplate:
    fk = get_serializable_task(OrderedDict(), FK_SETTINGS, fk_task).template.to_flyte_idl()
    tp = serialize(tp_task, TP_SETTINGS)
    expected = apply_allow_list(fk, tp.metadata.runtime.version)
    assert tp == expected, f"taskplug:\n{tp}\nflytekit (allow-list applied):\n{expected}"
    assert fk != expected  # the allow-list entries are real differences
    return fk


SQLITE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "default-schema": ({}, {}),
    "schema-columns": (
        {"output_schema_type": FkSchema[fk_kwtypes(TrackId=int, Name=str)]},
        {"output_schema_type": FlyteSchema[kwtypes(TrackId=int, Name=str)]},
    ),
    "dataframe": ({"output_schema_type": pd.DataFrame}, {"output_schema_type": pd.DataFrame}),
    "dataframe-columns": (
        {"output_schema_type": Annotated[pd.DataFrame, fk_kwtypes(TrackId=int, Name=str)]},
        {"output_schema_type": Annotated[pd.DataFrame, kwtypes(TrackId=int, Name=str)]},
    ),
}


@pytest.mark.parametrize("case", list(SQLITE_CASES))
def test_sqlite3_task_templates(case: str) -> None:
    fk_kw, tp_kw = SQLITE_CASES[case]
    query = "SELECT TrackId, Name\n  FROM tracks\n  LIMIT {{ .inputs.limit }}"
    fk = FkSQLite3Task(
        "sqlite_example",
        query_template=query,
        inputs=fk_kwtypes(limit=int),
        task_config=FkSQLite3Config(uri="https://example.org/chinook.zip", compressed=True),
        **fk_kw,
    )
    tp = SQLite3Task(
        "sqlite_example",
        query_template=query,
        inputs=kwtypes(limit=int),
        task_config=SQLite3Config(uri="https://example.org/chinook.zip", compressed=True),
        **tp_kw,
    )
    compare_templates(fk, tp)


def test_sqlalchemy_task_template() -> None:
    from flytekit import Secret as FkSecret
    from flytekitplugins.sqlalchemy import SQLAlchemyConfig as FkConfig
    from flytekitplugins.sqlalchemy import SQLAlchemyTask as FkTask

    query = "SELECT id, name FROM users WHERE id > {{ .inputs.min_id }}"
    fk = FkTask(
        "pg_users",
        query_template=query,
        inputs=fk_kwtypes(min_id=int),
        output_schema_type=Annotated[pd.DataFrame, fk_kwtypes(id=int, name=str)],
        task_config=FkConfig(
            uri="postgresql://app@db:5432/app",
            connect_args={"sslmode": "require", "connect_timeout": 5},
            secret_connect_args={"password": FkSecret(group="db", key="password")},
        ),
        secret_requests=[FkSecret(group="db", key="password")],
    )
    tp = SQLAlchemyTask(
        "pg_users",
        query_template=query,
        inputs=kwtypes(min_id=int),
        output_schema_type=Annotated[pd.DataFrame, kwtypes(id=int, name=str)],
        task_config=SQLAlchemyConfig(
            uri="postgresql://app@db:5432/app",
            connect_args={"sslmode": "require", "connect_timeout": 5},
            secret_connect_args={"password": Secret(group="db", key="password")},
        ),
    )
    fk_template = compare_templates(fk, tp)
    assert fk_template.security_context.secrets[0].group == "db"


# -- executors run each other's templates -----------------------------------------------------------


@pytest.fixture
def chinook(tmp_path: Path) -> Path:
    path = tmp_path / "chinook.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE tracks (TrackId INTEGER, Name TEXT)")
        conn.executemany("INSERT INTO tracks VALUES (?, ?)", [(i, f"t{i}") for i in range(10)])
    return path


def test_flytekits_executor_runs_taskplugs_template(chinook: Path) -> None:
    tp = SQLite3Task(
        "cross",
        query_template="SELECT TrackId, Name FROM tracks LIMIT {{ .inputs.limit }}",
        inputs=kwtypes(limit=int),
        output_schema_type=pd.DataFrame,
        task_config=SQLite3Config(uri=str(chinook)),
    )
    template = FkTaskTemplate.from_flyte_idl(serialize(tp, TP_SETTINGS))
    result = FkSQLite3Executor().execute_from_model(template, limit=3)
    assert result["TrackId"].tolist() == [0, 1, 2]


def test_taskplugs_executor_runs_flytekits_template(chinook: Path) -> None:
    fk = FkSQLite3Task(
        "cross_back",
        query_template="SELECT TrackId, Name FROM tracks WHERE Name = '{{ .inputs.name }}'",
        inputs=fk_kwtypes(name=str),
        output_schema_type=Annotated[pd.DataFrame, fk_kwtypes(TrackId=int, Name=str)],
        task_config=FkSQLite3Config(uri=str(chinook)),
    )
    template = get_serializable_task(OrderedDict(), FK_SETTINGS, fk).template.to_flyte_idl()
    task = TemplateTask(template, SQLite3TaskExecutor())
    inputs = literals_pb2.LiteralMap()
    inputs.literals["name"].scalar.primitive.string_value = "t4"
    out = task.dispatch_execute(inputs)
    # flytekit reads the output literal taskplug wrote
    result = fk_value(out.literals["results"], pd.DataFrame)
    assert result.to_dict("list") == {"TrackId": [4], "Name": ["t4"]}
    assert typing.get_args(task.python_interface.outputs["results"])[0] is pa.Table
