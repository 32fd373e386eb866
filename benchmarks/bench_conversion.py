"""Conversion throughput: Python values ↔ Flyte literals, flytekit 1.16 vs taskplug, one process.

Each workload converts one value to a protobuf ``Literal`` ("to") and a protobuf ``Literal`` back
to the value ("back"). Both libraries do exactly that work: for flytekit, "to" is
``TypeEngine.to_literal(...).to_flyte_idl()`` and "back" is ``Literal.from_flyte_idl(...)`` then
``TypeEngine.to_python_value(...)``; its model-only times (without the protobuf step) are shown
as well, for reference. Before timing, both sides' literals are checked to be byte-identical.
Times are the best of a few runs. Peak RSS of the ``list[int]`` workload is measured for each
side in a child process of its own, which reads its own ``VmHWM`` (``ru_maxrss`` would include
this parent's size: Linux keeps the high-water mark across ``exec``).

    python benchmarks/bench_conversion.py [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from _common import print_table, progress, verdict


@dataclasses.dataclass
class Record:
    """The dataclass of the ``list[dataclass]`` workload."""

    id: int
    name: str
    score: float
    tags: list[str]
    active: bool = True


@dataclasses.dataclass
class Workload:
    name: str
    python_type: Any
    make: Callable[[], Any]
    target_to: float
    target_back: float  # 1.0 means "no slower"
    repeat: int


def workloads(quick: bool) -> list[Workload]:
    n_list = 100_000 if quick else 1_000_000
    n_dict = 20_000 if quick else 100_000
    n_dc = 2_000 if quick else 10_000
    return [
        Workload(
            f"list[int] x {n_list:,}",
            list[int],
            lambda: list(range(n_list)),
            20,
            12,
            2,  # same number of runs for both sides; the first pays for fresh memory
        ),
        Workload(
            f"dict[str, int] x {n_dict:,}",
            dict[str, int],
            lambda: {f"k{i}": i for i in range(n_dict)},
            20,
            10,
            3,
        ),
        Workload(
            f"list[Record] x {n_dc:,}",
            list[Record],
            lambda: [Record(i, f"n{i}", i / 3, ["a", "b"], i % 2 == 0) for i in range(n_dc)],
            10,
            3,
            3,
        ),
        Workload("str of 10 MB", str, lambda: "x" * 10_000_000, 4, 1.0, 7),
    ]


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (garbage collection off while timing) and a result."""
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times), result


class Flytekit:
    def __init__(self) -> None:
        from flytekit.core.context_manager import FlyteContextManager
        from flytekit.core.type_engine import TypeEngine
        from flytekit.models.literals import Literal

        self.ctx = FlyteContextManager.current_context()
        self.engine = TypeEngine
        self.model = Literal

    def to_model(self, value: Any, t: Any) -> Any:
        # flytekit caches literals by a cloudpickle hash of the value; a task's outputs are new
        # values, so start every conversion without that cache (computing the key still counts)
        cache = getattr(self.engine, "_LITERAL_CACHE", None)
        if cache is not None:
            cache.clear()
        return self.engine.to_literal(self.ctx, value, t, self.engine.to_literal_type(t))

    def forget(self) -> None:
        """Drop flytekit's literal cache (it keeps the last, possibly huge, literal alive)."""
        cache = getattr(self.engine, "_LITERAL_CACHE", None)
        if cache is not None:
            cache.clear()
        gc.collect()

    def to_pb(self, value: Any, t: Any) -> Any:
        return self.to_model(value, t).to_flyte_idl()

    def from_model(self, model: Any, t: Any) -> Any:
        return self.engine.to_python_value(self.ctx, model, t)

    def from_pb(self, pb: Any, t: Any) -> Any:
        return self.from_model(self.model.from_flyte_idl(pb), t)


def run_workload(w: Workload, fk: Flytekit) -> dict[str, float]:
    from taskplug.types import TypeEngine

    value = w.make()
    t = w.python_type
    conv = TypeEngine.converter(t)
    # correctness first: identical bytes, identical values back
    ours = conv.to_literal(value)
    theirs = fk.to_pb(value, t)
    same = ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
    if not same:
        raise SystemExit(f"{w.name}: taskplug and flytekit literals differ")
    if conv.to_python(theirs) != value or fk.from_pb(ours, t) != value:
        raise SystemExit(f"{w.name}: a round trip changed the value")
    del ours, theirs

    res: dict[str, float] = {}
    res["tp_to"], lit = best(lambda: conv.to_literal(value), w.repeat)
    res["tp_back"], _ = best(lambda: conv.to_python(lit), w.repeat)
    res["fk_to"], pb = best(lambda: fk.to_pb(value, t), w.repeat)
    res["fk_back"], _ = best(lambda: fk.from_pb(pb, t), w.repeat)
    ref_repeat = 1 if w.repeat <= 2 else w.repeat  # informational only
    res["fk_to_model"], model = best(lambda: fk.to_model(value, t), ref_repeat)
    res["fk_back_model"], _ = best(lambda: fk.from_model(model, t), ref_repeat)
    fk.forget()
    return res


# ------------------------------------------------------------------------------------------
# Peak RSS of the list[int] workload, one child process per side.
# ------------------------------------------------------------------------------------------


def rss_child(side: str, n: int, convert: bool) -> None:
    """Body of a child process: import one side, build the list, convert it both ways.

    Prints the peak RSS of this process in KiB (``VmHWM``, which exec resets, unlike
    ``ru_maxrss``, which keeps the parent's size at fork time).
    """
    values = list(range(n))
    if side == "taskplug":
        from taskplug.types import TypeEngine

        conv = TypeEngine.converter(list[int])
        if convert:
            lit = conv.to_literal(values)
            assert conv.to_python(lit) == values
    else:
        fk = Flytekit()
        if convert:
            pb = fk.to_pb(values, list[int])
            assert fk.from_pb(pb, list[int]) == values
    print(_peak_kib())


def _peak_kib() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_mib(side: str, n: int, convert: bool) -> float:
    args = [sys.executable, __file__, "--rss-child", side, str(n)]
    if not convert:
        args.append("--baseline")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1]) / 1024


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads (a smoke run)")
    parser.add_argument("--only", help="run the workloads whose name contains this text")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak RSS measurement")
    parser.add_argument("--rss-child", nargs=2, metavar=("SIDE", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child[0], int(args.rss_child[1]), not args.baseline)
        return 0

    import flytekit

    fk = Flytekit()
    rows = []
    info_rows = []
    all_ok = True
    chosen = [w for w in workloads(args.quick) if not args.only or args.only in w.name]
    steps = len(chosen) + (0 if args.no_rss else 4)
    with progress("conversion: workloads", steps) as advance:
        results = []
        for w in chosen:
            results.append((w, run_workload(w, fk)))
            advance()
        n = 100_000 if args.quick else 1_000_000
        rss_rows = []
        if not args.no_rss:
            for side in ("flytekit", "taskplug"):
                base = peak_rss_mib(side, n, convert=False)
                advance()
                peak = peak_rss_mib(side, n, convert=True)
                advance()
                rss_rows.append(
                    (side, f"{base:,.0f} MiB", f"{peak:,.0f} MiB", f"{peak - base:,.0f} MiB")
                )
    for w, r in results:
        ratio_to = r["fk_to"] / r["tp_to"]
        ratio_back = r["fk_back"] / r["tp_back"]
        ok_to, ok_back = ratio_to >= w.target_to, ratio_back >= w.target_back
        all_ok = all_ok and ok_to and ok_back
        back_target = "no slower" if w.target_back == 1.0 else f">= {w.target_back:g}x"
        label = w.name.replace("[", "\\[")  # not rich markup
        rows.append(
            (
                label,
                fmt_time(r["fk_to"]),
                fmt_time(r["tp_to"]),
                f"{ratio_to:,.1f}x",
                f">= {w.target_to:g}x",
                verdict(ok_to),
                fmt_time(r["fk_back"]),
                fmt_time(r["tp_back"]),
                f"{ratio_back:,.1f}x",
                back_target,
                verdict(ok_back),
            )
        )
        info_rows.append(
            (
                label,
                fmt_time(r["fk_to_model"]),
                f"{r['fk_to_model'] / r['tp_to']:,.1f}x",
                fmt_time(r["fk_back_model"]),
                f"{r['fk_back_model'] / r['tp_back']:,.1f}x",
            )
        )
    print_table(
        f"Conversion, flytekit {flytekit.__version__} vs taskplug (best of runs, Python "
        f"{sys.version.split()[0]})",
        rows,
        (
            "workload",
            "flytekit to",
            "taskplug to",
            "ratio",
            "target",
            "",
            "flytekit back",
            "taskplug back",
            "ratio",
            "target",
            "",
        ),
    )
    print_table(
        "For reference: flytekit's model-only times (no protobuf step) vs taskplug",
        info_rows,
        ("workload", "flytekit to (model)", "ratio", "flytekit back (model)", "ratio"),
    )
    if args.no_rss:
        print("all targets met" if all_ok else "some targets missed")
        return 0 if all_ok else 1
    print_table(
        f"Peak RSS, list\\[int] x {n:,} to a literal and back (one child process per side)",
        rss_rows,
        ("side", "baseline (imports + list)", "peak", "added by conversion"),
    )
    print("all targets met" if all_ok else "some targets missed")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
