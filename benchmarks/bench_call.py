"""Local call overhead: ``add(a: int, b: int) -> int`` called N times, flytekit vs taskplug.

Both run in this one process; the table shows microseconds per call and the ratio against the
issue's target (taskplug at most 1/50 of flytekit's time per call).

    python benchmarks/bench_call.py [--calls N]
"""

from __future__ import annotations

import argparse
import time

from _common import print_table, progress, verdict


def plain_add(a: int, b: int) -> int:
    return a + b


def per_call(fn, calls: int) -> float:  # type: ignore[no-untyped-def]
    fn(a=1, b=2)  # warm-up: first call builds caches
    start = time.perf_counter()
    for i in range(calls):
        fn(a=i, b=2)
    return (time.perf_counter() - start) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()

    import flytekit

    import taskplug

    fk_add = flytekit.task(plain_add)
    tp_add = taskplug.task(plain_add)
    assert fk_add(a=2, b=3) == tp_add(a=2, b=3) == 5

    with progress("call overhead: sides", 3) as advance:
        plain = per_call(plain_add, args.calls * 10)
        advance()
        tp = per_call(tp_add, args.calls)
        advance()
        fk = per_call(fk_add, args.calls)
        advance()
    ratio = tp / fk
    rows = [
        ("plain Python", f"{plain * 1e6:.3f} µs", ""),
        ("taskplug", f"{tp * 1e6:.2f} µs", ""),
        ("flytekit", f"{fk * 1e6:.1f} µs", ""),
        ("ratio taskplug/flytekit", f"1/{1 / ratio:.0f}", verdict(ratio <= 1 / 50) + " (<= 1/50)"),
    ]
    print_table(
        f"local call overhead, {args.calls:,} calls of add(a, b)", rows, ("", "per call", "target")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
