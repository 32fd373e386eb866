"""One measured run for bench_sql.py, in a process of its own (so its peak RSS is its own).

python _sql_child.py SIDE WORKLOAD [--db PATH] [--url URL] [--rows N]

SIDE is flytekit or taskplug; WORKLOAD is sqlite, postgres or boundary. Prints one JSON line:
the seconds of the measured call, the number of rows it returned and the process's peak RSS.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pandas as pd

QUERY = "SELECT id, name, score FROM t WHERE id < {{ .inputs.n }}"


def sqlite_task(side: str, db: str) -> Any:
    if side == "flytekit":
        from flytekit import kwtypes
        from flytekit.extras.sqlite3.task import SQLite3Config, SQLite3Task
    else:
        from taskplug import kwtypes
        from taskplug_sql import SQLite3Config, SQLite3Task
    return SQLite3Task(
        "bench_sqlite",
        query_template=QUERY,
        inputs=kwtypes(n=int),
        output_schema_type=pd.DataFrame,
        task_config=SQLite3Config(uri=db),
    )


def postgres_task(side: str, url: str) -> Any:
    if side == "flytekit":
        from flytekit import Secret, kwtypes
        from flytekitplugins.sqlalchemy import SQLAlchemyConfig, SQLAlchemyTask
    else:
        from taskplug import Secret, kwtypes
        from taskplug_sql import SQLAlchemyConfig, SQLAlchemyTask
    return SQLAlchemyTask(
        "bench_postgres",
        query_template=QUERY,
        inputs=kwtypes(n=int),
        output_schema_type=pd.DataFrame,
        task_config=SQLAlchemyConfig(
            uri=url, secret_connect_args={"password": Secret(group="pg", key="password")}
        ),
        secret_requests=[Secret(group="pg", key="password")],
    )


def identity(df: pd.DataFrame) -> pd.DataFrame:
    return df


def boundary_task(side: str) -> Any:
    if side == "flytekit":
        from flytekit import task
    else:
        from taskplug import task
    return task(identity)


def frame(rows: int) -> Any:
    import numpy as np

    return pd.DataFrame(
        {
            "id": np.arange(rows, dtype="int64"),
            "name": [f"name-{i}" for i in range(rows)],
            "score": np.random.default_rng(1).random(rows),
        }
    )


def main(argv: list[str]) -> None:
    side, workload = argv[0], argv[1]
    opts = dict(zip(argv[2::2], argv[3::2]))
    rows = int(opts.get("--rows", "1000000"))
    if workload == "boundary":
        fn = boundary_task(side)
        # One small call first on both sides: what is timed is moving the table across the
        # boundary, not the one-off imports and registrations of a first call (taskplug
        # imports pyarrow when a table first needs it; bench_import.py measures imports).
        fn(df=frame(1000))
        df = frame(rows)
        start = time.perf_counter()
        out = fn(df=df)
        seconds = time.perf_counter() - start
        assert len(out) == rows and out["name"].iloc[-1] == df["name"].iloc[-1]
    else:
        fn = (
            sqlite_task(side, opts["--db"])
            if workload == "sqlite"
            else postgres_task(side, opts["--url"])
        )
        start = time.perf_counter()
        out = fn(n=rows)
        seconds = time.perf_counter() - start
        assert len(out) == rows, (len(out), rows)
        assert list(out.columns) == ["id", "name", "score"]
    print(json.dumps({"seconds": seconds, "rows": len(out), "rss_mib": peak_rss_mib()}))


def peak_rss_mib() -> float | None:
    """This process's own peak RSS (``VmHWM``; wait4's figure can carry the parent's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            kib = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return None
    return kib / 1024


if __name__ == "__main__":
    main(sys.argv[1:])
