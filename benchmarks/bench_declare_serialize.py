"""Declaring and serializing 1,000 distinct tasks: taskplug against flytekit, in one process.

A module with 1,000 distinct functions (varied inputs, defaults, outputs and decorator
arguments) is generated into a temporary directory and imported once. Each side then, per
function: decorates it (``@task(...)``), builds the template (flytekit:
``get_serializable_task(...).template.to_flyte_idl()``; taskplug: ``serialize(...)``) and encodes
it (taskplug: ``SerializeToString``; flytekit: ``to_flyte_idl().SerializeToString()``, as its
models are not protobufs yet). The table shows the time per task of each phase, best of
``--repeat`` rounds, and the ratio; the target is taskplug at least 10x faster per task,
decoration included.

    python benchmarks/bench_declare_serialize.py [--tasks 1000] [--repeat 5] [--profile]
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

from _common import print_table, progress, verdict

TYPES = [
    ("int", "1"),
    ("float", "1.5"),
    ("str", "'x'"),
    ("bool", "True"),
    ("list[int]", "None"),
    ("dict[str, float]", "None"),
    ("typing.Optional[str]", "None"),
    ("datetime.datetime", "None"),
    ("list[str]", "None"),
    ("datetime.timedelta", "None"),
]


def generate_module(n: int, seed: int = 7) -> tuple[str, list[dict[str, Any]]]:
    """Source of a module with ``n`` distinct functions, and decorator kwargs for each."""
    rng = random.Random(seed)
    lines = [
        "import datetime",
        "import typing",
        "",
        "NOTHING = None  # what the bodies return (never run)",
        "",
    ]
    kwargs: list[dict[str, Any]] = []
    for i in range(n):
        n_in = rng.randint(0, 4)
        params = []
        for j in range(n_in):
            t, default = rng.choice(TYPES)
            if j == n_in - 1 and default != "None" and rng.random() < 0.3:
                params.append(f"x{j}: {t} = {default}")
            else:
                params.append(f"x{j}: {t}")
        n_out = rng.choice((0, 1, 1, 1, 2))
        outs = [rng.choice(TYPES)[0] for _ in range(n_out)]
        if n_out == 0:
            ret, body = "None", "    return None"
        elif n_out == 1:
            ret, body = outs[0], "    return NOTHING"
        else:
            ret, body = f"typing.Tuple[{', '.join(outs)}]", "    return NOTHING, NOTHING"
        doc = f'    """Task number {i}."""'
        lines += [f"def fn_{i}({', '.join(params)}) -> {ret}:", doc, body, ""]
        kw: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.3:
            kw["retries"] = rng.randint(1, 5)
        if rng.random() < 0.2:
            kw["cache"] = True
            kw["cache_version"] = str(i)
        if rng.random() < 0.2:
            kw["environment"] = {"K": str(i)}
        if rng.random() < 0.2:
            kw["interruptible"] = True
        kwargs.append(kw)
    return "\n".join(lines), kwargs


def per_task(seconds: float, n: int) -> float:
    """Milliseconds per task."""
    return seconds * 1000 / n


def time_side(
    fns: list[Callable[..., Any]],
    kwargs: list[dict[str, Any]],
    decorate: Callable[..., Any],
    build: Callable[[Any], Any],
    encode: Callable[[Any], bytes],
) -> tuple[float, float, float]:
    """Seconds to decorate, build and encode all ``fns``."""
    t0 = time.perf_counter()
    tasks = [decorate(fn, kw) for fn, kw in zip(fns, kwargs)]
    t1 = time.perf_counter()
    templates = [build(t) for t in tasks]
    t2 = time.perf_counter()
    for tt in templates:
        encode(tt)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile taskplug's side")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    try:
        import flytekit
        from flytekit.configuration import ImageConfig as FkImageConfig
        from flytekit.configuration import SerializationSettings as FkSettings
        from flytekit.tools.translator import get_serializable_task
    except ImportError as exc:
        print(f"flytekit is not importable here, cannot compare: {exc}", file=sys.stderr)
        return 2
    import taskplug
    from taskplug.serialization import serialize
    from taskplug.settings import ImageConfig, SerializationSettings

    tmp = tempfile.mkdtemp(prefix="taskplug-bench-")
    rounds: list[list[Callable[..., Any]]] = []
    kwargs: list[dict[str, Any]] = []
    sys.path.insert(0, tmp)
    # one module per round, so that every decoration sees a function it has never seen
    for r in range(args.repeat):
        source, kwargs = generate_module(args.tasks)
        with open(os.path.join(tmp, f"bench_tasks_{r}.py"), "w", encoding="utf-8") as fh:
            fh.write(source)
        mod = importlib.import_module(f"bench_tasks_{r}")
        rounds.append([getattr(mod, f"fn_{i}") for i in range(args.tasks)])

    fk_settings = FkSettings(
        project="p",
        domain="d",
        version="v1",
        image_config=FkImageConfig.from_images("ghcr.io/acme/app:1"),
    )
    tp_settings = SerializationSettings(
        project="p",
        domain="d",
        version="v1",
        image_config=ImageConfig.from_images("ghcr.io/acme/app:1"),
    )

    def fk_decorate(fn: Callable[..., Any], kw: dict[str, Any]) -> Any:
        return flytekit.task(**kw)(fn)

    def fk_build(t: Any) -> Any:
        from collections import OrderedDict

        return get_serializable_task(OrderedDict(), fk_settings, t)

    def fk_encode(spec: Any) -> bytes:
        data: bytes = spec.template.to_flyte_idl().SerializeToString()
        return data

    def tp_decorate(fn: Callable[..., Any], kw: dict[str, Any]) -> Any:
        return taskplug.task(**kw)(fn)

    def tp_build(t: Any) -> Any:
        return serialize(t, tp_settings)

    def tp_encode(template: Any) -> bytes:
        data: bytes = template.SerializeToString()
        return data

    # warm up both (plugin manager, type caches) on a few functions of another module
    source, warm_kwargs = generate_module(20, seed=99)
    with open(os.path.join(tmp, "bench_warm.py"), "w", encoding="utf-8") as fh:
        fh.write(source)
    warm = importlib.import_module("bench_warm")
    warm_fns = [getattr(warm, f"fn_{i}") for i in range(20)]
    time_side(warm_fns, warm_kwargs, fk_decorate, fk_build, fk_encode)
    time_side(warm_fns, warm_kwargs, tp_decorate, tp_build, tp_encode)

    fk_best = [float("inf")] * 3
    tp_best = [float("inf")] * 3
    with progress("declare + serialize: rounds", len(rounds)) as advance:
        for fns in rounds:
            fk = time_side(fns, kwargs, fk_decorate, fk_build, fk_encode)
            tp = time_side(fns, kwargs, tp_decorate, tp_build, tp_encode)
            fk_best = [min(a, b) for a, b in zip(fk_best, fk)]
            tp_best = [min(a, b) for a, b in zip(tp_best, tp)]
            advance()

    if args.profile:
        import cProfile
        import pstats

        source, _ = generate_module(args.tasks)
        with open(os.path.join(tmp, "bench_prof.py"), "w", encoding="utf-8") as fh:
            fh.write(source)
        prof_fns = [
            getattr(importlib.import_module("bench_prof"), f"fn_{i}") for i in range(args.tasks)
        ]
        prof = cProfile.Profile()
        prof.enable()
        time_side(prof_fns, kwargs, tp_decorate, tp_build, tp_encode)
        prof.disable()
        stats = pstats.Stats(prof).sort_stats("tottime")
        stats.print_stats(25)
        stats.print_callees(
            "serialize|taskplug_get_container|get_default_command|get_image|loader_args"
        )

    n = args.tasks
    rows = []
    for label, f, t in zip(("decorate", "build template", "encode"), fk_best, tp_best):
        rows.append(
            (label, f"{per_task(f, n):.4f} ms", f"{per_task(t, n):.4f} ms", f"{f / t:.1f}x", "")
        )
    fk_total, tp_total = sum(fk_best), sum(tp_best)
    ratio = fk_total / tp_total
    rows.append(
        (
            "total per task",
            f"{per_task(fk_total, n):.4f} ms",
            f"{per_task(tp_total, n):.4f} ms",
            f"{ratio:.1f}x",
            verdict(ratio >= 10) + " (>= 10x)",
        )
    )
    print_table(
        f"declare + serialize {n} distinct tasks (best of {args.repeat} rounds, per task)",
        rows,
        (
            "phase",
            f"flytekit {flytekit.__version__}",
            f"taskplug {taskplug.__version__}",
            "speed-up",
            "target",
        ),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
