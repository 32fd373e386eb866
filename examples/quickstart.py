"""taskplug quickstart: declare tasks, run them locally, serialize them for a cluster.

Run with ``python examples/quickstart.py [FOLDER]`` (or ``python3 scripts/dev.py example``).
Everything runs on the embedded defaults: local execution, no cluster, no network. The
templates and the container run's files go to FOLDER when given (and stay there), else to a
temporary folder that is removed at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import typing
from dataclasses import dataclass
from pathlib import Path

from flyteidl.core.literals_pb2 import LiteralMap
from rich.console import Console
from rich.table import Table

from taskplug import Resources, task
from taskplug.serialization import serialize
from taskplug.settings import ImageConfig, SerializationSettings


@dataclass
class Stats:
    count: int
    mean: float


class Split(typing.NamedTuple):
    small: list[int]
    large: list[int]


@task(retries=2, requests=Resources(cpu="500m", mem="256Mi"))
def summarize(values: list[int]) -> Stats:
    """Count and average a list of numbers."""
    return Stats(count=len(values), mean=sum(values) / len(values))


@task
def split(values: list[int], threshold: int = 10) -> Split:
    """Split numbers around a threshold."""
    return Split([v for v in values if v < threshold], [v for v in values if v >= threshold])


@task
async def double_all(values: list[int]) -> list[int]:
    """An async task: awaitable in async code, callable from plain code."""
    return [2 * v for v in values]


# --- SQL on SQLite, no server (taskplug-sql, docs/sql.md) --------------------------------------
def sql_on_sqlite(console: Console) -> None:
    """Query a small SQLite file with SQLite3Task; the DataFrame feeds a normal task."""
    import sqlite3

    import pandas as pd

    from taskplug import kwtypes
    from taskplug_sql import SQLite3Config, SQLite3Task

    with tempfile.TemporaryDirectory(prefix="taskplug-quickstart-db-") as folder:
        db = Path(folder) / "values.db"
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE measurements (sensor TEXT, value INTEGER)")
            conn.executemany(
                "INSERT INTO measurements VALUES (?, ?)",
                [("a", 3), ("b", 14), ("a", 15), ("c", 9), ("b", 26)],
            )
        conn.close()
        above = SQLite3Task(
            "quickstart.values_above",
            query_template="SELECT sensor, value FROM measurements "
            "WHERE value >= {{ .inputs.threshold }} ORDER BY value",
            inputs=kwtypes(threshold=int),
            output_schema_type=typing.Annotated[pd.DataFrame, kwtypes(sensor=str, value=int)],
            task_config=SQLite3Config(uri=str(db)),
        )
        rows = above(threshold=10)  # bound as a parameter, never pasted into the SQL
        console.print(f"sqlite:  {rows.to_dict('records')}")
        console.print(f"sqlite stats: {summarize(values=rows['value'].tolist())}")


# --- end SQL -------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1:
        out = Path(sys.argv[1])
        out.mkdir(parents=True, exist_ok=True)
        demo(out)
        return
    with tempfile.TemporaryDirectory(prefix="taskplug-quickstart-") as tmp:
        demo(Path(tmp))


def demo(out: Path) -> None:
    """Run the tasks locally, serialize them into ``out``, run one as a cluster would."""
    console = Console(width=120)
    values = [3, 14, 15, 9, 26, 5]
    doubled = double_all(values=values)
    parts = split(values=doubled)
    stats = summarize(values=parts.large)
    console.print(f"doubled: {doubled}")
    console.print(f"split:   {parts}")
    console.print(f"stats:   {stats}")
    sql_on_sqlite(console)

    settings = SerializationSettings(
        project="quickstart",
        domain="development",
        version="v1",
        image_config=ImageConfig.from_images("ghcr.io/acme/quickstart:v1"),
    )
    table = Table(title=f"task templates (written to {out})")
    for column in ("task", "type", "inputs", "outputs", "container args"):
        table.add_column(column)
    for t in (summarize, split, double_all):
        template = serialize(t, settings)
        (out / f"{t.name}.pb").write_bytes(template.SerializeToString(deterministic=True))
        table.add_row(
            t.name,
            template.type,
            ", ".join(template.interface.inputs.variables),
            ", ".join(template.interface.outputs.variables),
            " ".join(template.container.args[-4:]),
        )
    console.print(table)

    # What a cluster does with a template: run its container command on an inputs.pb.
    run_dir = out / "run"
    run_dir.mkdir(exist_ok=True)
    (run_dir / "inputs.pb").write_bytes(
        split.inputs_to_literal_map({"values": values, "threshold": 10}).SerializeToString()
    )
    args = list(serialize(split, settings).container.args)
    for placeholder, value in {
        "{{.input}}": str(run_dir / "inputs.pb"),
        "{{.outputPrefix}}": str(run_dir),
        "{{.rawOutputDataPrefix}}": str(run_dir / "raw"),
        "{{.checkpointOutputPrefix}}": str(run_dir / "checkpoint"),
        "{{.prevCheckpointPrefix}}": "",
    }.items():
        args = [value if a == placeholder else a for a in args]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    subprocess.run([str(Path(sys.executable).with_name(args[0])), *args[1:]], check=True, env=env)
    outputs = LiteralMap.FromString((run_dir / "outputs.pb").read_bytes())
    console.print(f"taskplug-execute wrote outputs.pb: {split.outputs_from_literal_map(outputs)}")


if __name__ == "__main__":
    main()
