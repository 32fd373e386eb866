"""Eager runs: a gather of N ``add`` tasks in one eager task, flytekit vs taskplug; and the
process backend's throughput.

flytekit 1.16 runs an eager task locally with its sync tasks inline (a gather over them is not
possible there), so the flytekit workload gathers ``async`` add tasks, with its decks off and
with its default decks. taskplug runs the same async gather, and the gather of sync tasks
(``add.aio``) on its local backend's worker pool. Then N tasks on the process backend (each
a ``taskplug-execute`` subprocess) with 2 workers, in tasks per second.

    python benchmarks/bench_eager.py [--quick] [--tasks N] [--process-tasks M]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time

from _common import print_table, verdict


def best_of(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--process-tasks", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.process_tasks = 2, 12

    logging.disable(logging.WARNING)
    from _eager_fk_tasks import fk_decks, fk_nodecks
    from _eager_tasks import gather_async, gather_sync

    from taskplug_eager import EagerSettings, eager_settings, recording

    n = args.tasks
    expected = sum(range(n)) + n

    assert asyncio.run(fk_nodecks(n=3)) == 6
    fk_off = best_of(lambda: asyncio.run(fk_nodecks(n=n)), args.repeat)
    fk_on = best_of(lambda: asyncio.run(fk_decks(n=n)), max(1, args.repeat // 2))

    local = EagerSettings(backend="local", concurrency=8)
    with eager_settings(local):
        assert asyncio.run(gather_async(n=n)) == expected
        assert asyncio.run(gather_sync(n=n)) == expected
        tp_async = best_of(lambda: asyncio.run(gather_async(n=n)), args.repeat)
        tp_sync = best_of(lambda: asyncio.run(gather_sync(n=n)), args.repeat)

    rows = [
        ("flytekit @eager, async add, decks off", f"{fk_off * 1000:.0f} ms", "", ""),
        ("flytekit @eager, async add, default decks", f"{fk_on * 1000:.0f} ms", "", ""),
        (
            "taskplug local, async add",
            f"{tp_async * 1000:.0f} ms",
            f"{fk_off / tp_async:.1f}x faster",
            verdict(fk_off / tp_async >= 10) + " (>= 10x)",
        ),
        (
            "taskplug local, sync add.aio (8 workers)",
            f"{tp_sync * 1000:.0f} ms",
            f"{fk_off / tp_sync:.1f}x faster",
            verdict(fk_off / tp_sync >= 10) + " (>= 10x)",
        ),
    ]
    print_table(
        f"gather of {n:,} add tasks in one eager task (median of {args.repeat})",
        rows,
        ("", "time", "vs flytekit, decks off", "target"),
    )

    m = args.process_tasks
    with tempfile.TemporaryDirectory() as blob:
        proc = EagerSettings(backend="process", concurrency=2, blob_dir=blob)
        with eager_settings(proc), recording() as runs:
            start = time.perf_counter()
            assert asyncio.run(gather_sync(n=m)) == sum(range(m)) + m
            wall = time.perf_counter() - start
    durations = [c.duration or 0.0 for c in runs[0].executions]
    print_table(
        f"process backend: {m} add tasks, 2 workers (each a taskplug-execute subprocess)",
        [
            ("throughput", f"{m / wall:.1f} tasks/s", ""),
            (
                "median child run (start to end)",
                f"{statistics.median(durations) * 1000:.0f} ms",
                "",
            ),
        ],
        ("", "value", ""),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
