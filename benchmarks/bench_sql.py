"""SQL task types and tables, flytekit 1.16 vs taskplug, one run, ratios printed.

Workloads (1,000,000 rows of ``id int, name text, score float``; 100,000 with ``--quick``):

* ``sqlite``: a ``SQLite3Task`` queries the whole table into a ``pd.DataFrame`` (flytekit's
  ``SQLite3Task`` vs taskplug-sql's). Targets: at least 2.5x faster, at most half the peak RSS.
* ``postgres``: the same query on a PostgreSQL server (started here, ``PostgresServer``) by a
  ``SQLAlchemyTask`` (flytekitplugins-sqlalchemy with psycopg vs taskplug-sql). Target: 2x.
* ``boundary``: a 1M-row DataFrame through a task boundary (``identity(df) -> df``: to a
  literal and back, twice), after one 1,000-row call that pays each side's one-off imports
  and registrations (bench_import.py measures those). Target: 3x.

Every measurement is a child process of its own (``_sql_child.py``): the task call's time is
measured inside it, and so is its peak RSS (``VmHWM``). Each side runs ``--repeat`` times after one
warm-up run (which fills the page cache), the two sides interleaved; the median time and the
largest RSS are reported.

    python benchmarks/bench_sql.py [--quick] [--repeat N] [--only sqlite,postgres,boundary]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import print_table, verdict

HERE = Path(__file__).parent
CHILD = str(HERE / "_sql_child.py")
TARGETS = {"sqlite": (2.5, 0.5), "postgres": (2.0, None), "boundary": (3.0, None)}


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One child: (seconds of the measured call, peak RSS in MiB)."""
    proc = subprocess.Popen(
        [sys.executable, CHILD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{args} failed:\n{err[-3000:]}")
    data = json.loads(out.strip().splitlines()[-1])
    rss = data.get("rss_mib") or usage.ru_maxrss / 1024  # VmHWM, read by the child itself
    return float(data["seconds"]), float(rss)


def measure(
    args_for: dict[str, list[str]], repeat: int, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Both sides, interleaved (flytekit, taskplug, flytekit, …) so that a busy machine slows
    both alike; after one warm-up run each (page cache, .pyc files)."""
    runs: dict[str, list[tuple[float, float]]] = {side: [] for side in args_for}
    for args in args_for.values():
        run_child(args, env)
    for _ in range(repeat):
        for side, args in args_for.items():
            runs[side].append(run_child(args, env))
    return {
        side: (statistics.median(r[0] for r in got), max(r[1] for r in got))
        for side, got in runs.items()
    }


def make_sqlite(path: Path, rows: int) -> None:
    import random

    rng = random.Random(1)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER, name TEXT, score REAL)")
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?)",
            ((i, f"name-{i}", rng.random()) for i in range(rows)),
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--only", default="sqlite,postgres,boundary")
    args = parser.parse_args()
    rows = 100_000 if args.quick else 1_000_000
    repeat = args.repeat or (1 if args.quick else 3)
    only = args.only.split(",")
    env = {k: v for k, v in os.environ.items() if not k.startswith("_FSEC_")}
    results: dict[str, dict[str, tuple[float, float]]] = {}

    with tempfile.TemporaryDirectory(prefix="bench-sql-") as tmp:
        db = Path(tmp) / "bench.db"
        if "sqlite" in only:
            started = time.perf_counter()
            make_sqlite(db, rows)
            print(f"SQLite table of {rows:,} rows made in {time.perf_counter() - started:.1f} s")
            results["sqlite"] = measure(
                {
                    side: [side, "sqlite", "--db", str(db), "--rows", str(rows)]
                    for side in ("flytekit", "taskplug")
                },
                repeat,
                env,
            )
        if "postgres" in only:
            results["postgres"] = postgres(rows, repeat, env)
        if "boundary" in only:
            results["boundary"] = measure(
                {
                    side: [side, "boundary", "--rows", str(rows)]
                    for side in ("flytekit", "taskplug")
                },
                repeat,
                env,
            )

    table = []
    ok = True
    for name, sides in results.items():
        (fk_s, fk_rss), (tp_s, tp_rss) = sides["flytekit"], sides["taskplug"]
        speed, rss_target = TARGETS[name]
        speedup = fk_s / tp_s
        rss_ratio = tp_rss / fk_rss
        met = speedup >= speed and (rss_target is None or rss_ratio <= rss_target)
        ok = ok and met
        table.append(
            (
                f"{name} ({rows:,} rows)",
                f"{fk_s:.3f} s / {fk_rss:.0f} MiB",
                f"{tp_s:.3f} s / {tp_rss:.0f} MiB",
                f"{speedup:.2f}x (target {speed}x)",
                f"{rss_ratio:.2f}" + (f" (target <= {rss_target})" if rss_target else ""),
                verdict(met),
            )
        )
    print_table(
        f"SQL and tables: flytekit vs taskplug (median of {repeat}, each run its own process)",
        table,
        ("workload", "flytekit", "taskplug", "speed-up", "RSS taskplug/flytekit", ""),
    )
    if args.quick:
        print("(--quick: 100,000 rows; the targets are for 1,000,000)")
    return 0


def postgres(rows: int, repeat: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    from taskplug_sql.testing import PostgresServer

    with PostgresServer() as pg:
        pg.psql(
            "CREATE TABLE t (id bigint, name text, score double precision);"
            f"INSERT INTO t SELECT i, 'name-' || i, random() FROM generate_series(0, {rows - 1}) i;"
        )
        pg.psql("VACUUM ANALYZE t")
        child_env = dict(env, _FSEC_PG_PASSWORD=pg.password)
        return measure(
            {
                side: [side, "postgres", "--url", pg.url, "--rows", str(rows)]
                for side in ("flytekit", "taskplug")
            },
            repeat,
            child_env,
        )


if __name__ == "__main__":
    raise SystemExit(main())
