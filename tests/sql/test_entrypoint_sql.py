"""SQL template tasks through ``taskplug-execute`` in a real subprocess, as a cluster runs them:
the container command from the serialized template, the template file given to the
task-template resolver, no user code on the child's path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pytest
from flyteidl.core import errors_pb2, literals_pb2

from taskplug import Secret, kwtypes
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug_sql import SQLAlchemyConfig, SQLAlchemyTask, SQLite3Config, SQLite3Task
from taskplug_sql.testing import PostgresServer

Users = Annotated[pd.DataFrame, kwtypes(id=int, name=str, score=float)]


def run_in_container(
    task: Any, inputs: dict[str, Any], root: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``task`` the way a cluster does; returns the process and its output folder."""
    template = serialize(task, SerializationSettings.for_tests())
    root.mkdir(parents=True, exist_ok=True)
    (root / "task.pb").write_bytes(template.SerializeToString())
    (root / "inputs.pb").write_bytes(task.inputs_to_literal_map(inputs).SerializeToString())
    out = root / "out"
    values = {
        "{{.input}}": str(root / "inputs.pb"),
        "{{.outputPrefix}}": str(out),
        "{{.rawOutputDataPrefix}}": f"file://{root / 'raw'}",
        "{{.taskTemplatePath}}": f"file://{root / 'task.pb'}",
    }
    args = [values.get(a, a) for a in template.container.args]
    exe = shutil.which(args[0], path=os.path.dirname(sys.executable))
    assert exe is not None
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("_FSEC_")}
    child_env.pop("PYTHONPATH", None)
    child_env.update(env or {})
    proc = subprocess.run(
        [exe, *args[1:]], capture_output=True, text=True, env=child_env, cwd=root, check=False
    )
    return proc, out


def outputs(task: Any, out: Path) -> Any:
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((out / "outputs.pb").read_bytes())
    return task.outputs_from_literal_map(lm), lm


def error(out: Path) -> errors_pb2.ContainerError:
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((out / "error.pb").read_bytes())
    return doc.error


def sqlite_task(uri: str, **kwargs: Any) -> SQLite3Task:
    return SQLite3Task(
        kwargs.pop("name", "container_users"),
        query_template=kwargs.pop(
            "query_template",
            "SELECT id, name, score FROM users WHERE score > {{ .inputs.min }} ORDER BY id",
        ),
        inputs=kwtypes(min=float),
        output_schema_type=kwargs.pop("output_schema_type", Users),
        task_config=SQLite3Config(uri=uri, compressed=kwargs.pop("compressed", False)),
        **kwargs,
    )


@pytest.mark.parametrize("how", ["path", "file-uri", "zip"])
def test_sqlite_task_runs_from_its_template(users_db: Path, tmp_path: Path, how: str) -> None:
    uri, compressed = str(users_db), False
    if how == "file-uri":
        uri = f"file://{users_db}"
    elif how == "zip":
        archive = tmp_path / "users.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.write(users_db, "users.db")
        uri, compressed = str(archive), True
    task = sqlite_task(uri, compressed=compressed)
    proc, out = run_in_container(task, {"min": 0.4}, tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    df, lm = outputs(task, out)
    assert df.equals(task(min=0.4))  # the same as a local run
    lit = lm.literals["results"].scalar.structured_dataset
    assert lit.uri.startswith(f"file://{tmp_path / 'run' / 'raw'}/")
    assert [c.name for c in lit.metadata.structured_dataset_type.columns] == ["id", "name", "score"]
    assert lit.metadata.structured_dataset_type.format == "parquet"


def test_flyte_schema_output_from_the_container(users_db: Path, tmp_path: Path) -> None:
    from taskplug import FlyteSchema

    task = sqlite_task(str(users_db), output_schema_type=FlyteSchema[kwtypes(id=int, name=str)])
    proc, out = run_in_container(task, {"min": 0.0}, tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    schema, lm = outputs(task, out)
    assert lm.literals["results"].scalar.WhichOneof("value") == "schema"
    assert schema.open(pd.DataFrame).all()["id"].tolist() == [1, 2, 3, 4]


def test_failing_query_writes_an_error_document(users_db: Path, tmp_path: Path) -> None:
    task = sqlite_task(
        str(users_db),
        name="container_broken",
        query_template="SELECT id, name, score FROM nowhere WHERE score > {{ .inputs.min }}",
    )
    proc, out = run_in_container(task, {"min": 0.0}, tmp_path / "run")
    assert proc.returncode == 1
    err = error(out)
    assert err.kind == errors_pb2.ContainerError.NON_RECOVERABLE
    assert "container_broken" in err.message and "no such table: nowhere" in err.message
    assert "statement: SELECT id, name, score FROM nowhere WHERE score > ?" in err.message
    assert not (out / "outputs.pb").exists()


def test_missing_database_in_the_container(tmp_path: Path) -> None:
    task = sqlite_task(str(tmp_path / "gone.db"), name="container_nofile")
    proc, out = run_in_container(task, {"min": 0.0}, tmp_path / "run")
    assert proc.returncode == 1
    assert "does not exist" in error(out).message and "container_nofile" in error(out).message


def test_sqlalchemy_task_in_the_container_keeps_the_password_secret(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    def task(name: str, query: str) -> SQLAlchemyTask:
        return SQLAlchemyTask(
            name,
            query_template=query,
            inputs=kwtypes(min=float),
            output_schema_type=Annotated[pd.DataFrame, kwtypes(id=int, name=str)],
            task_config=SQLAlchemyConfig(
                uri=postgres.url,
                secret_connect_args={"password": Secret(group="pg", key="password")},
            ),
        )

    env = {"_FSEC_PG_PASSWORD": postgres.password}
    good = task("pg_container", "SELECT id, name FROM users WHERE score > {{ .inputs.min }}")
    proc, out = run_in_container(good, {"min": 0.4}, tmp_path / "ok", env)
    assert proc.returncode == 0, proc.stderr
    df, _ = outputs(good, out)
    assert sorted(df["id"].tolist()) == [1, 2, 4]
    bad = task("pg_container_bad", "SELECT id, name FROM users WHERE scor > {{ .inputs.min }}")
    failed, failed_out = run_in_container(bad, {"min": 0.4}, tmp_path / "bad", env)
    assert failed.returncode == 1
    message = error(failed_out).message
    assert "pg_container_bad" in message and 'column "scor" does not exist' in message
    # Nothing the task produced holds the password: template, outputs, logs, error document.
    everything = [proc.stdout, proc.stderr, failed.stdout, failed.stderr, message]
    for root in (tmp_path / "ok", tmp_path / "bad"):
        for path in root.rglob("*"):
            if path.is_file():
                everything.append(path.read_bytes().decode("latin-1"))
    assert len(everything) > 6
    for text in everything:
        assert postgres.password not in text
