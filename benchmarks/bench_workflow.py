"""Workflows of 1,000 nodes: compile, serialize, run locally; a dynamic fan-out of 1,000 nodes.

The same module (five tasks, a workflow whose body makes ``--nodes`` calls mixing chains and
fan-ins, and a dynamic task fanning out ``--nodes`` calls) is generated twice, once decorated
with flytekit and once with taskplug, and timed in this one process:

* compile: ``@workflow`` on the function and building its graph (flytekit compiles on first
  use, so ``wf.compile()`` is called; taskplug compiles in ``@workflow``);
* serialize: the ``WorkflowTemplate`` with its task templates (flytekit:
  ``get_serializable(...).to_flyte_idl()``; taskplug: ``workflow_spec(...)``);
* run locally: ``wf(x=1)``;
* dynamic fan-out run locally: ``fan_out(n=N)``;
* a map task over ``--nodes`` items run locally: ``mapped(xs=[...])``, a workflow of one
  ``map_task(scale)`` node (flytekit loops over the items; taskplug runs them on its thread pool).

Targets (issue 14): compile at least 10x faster, local run at least 20x, dynamic fan-out at
least 10x. Best of ``--repeat`` rounds.

    python benchmarks/bench_workflow.py [--nodes 1000] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

from _common import print_table, progress, verdict

SOURCE = """
import functools
import typing

from {lib} import dynamic, map_task, task, workflow

N = {nodes}


@task
def inc(x: int) -> int:
    return (x + 1) % 1000


@task
def double(x: int) -> int:
    return (x * 2) % 1000


@task
def add(a: int, b: int) -> int:
    return (a + b) % 1000


@task
def total(xs: typing.List[int]) -> int:
    return sum(xs) % 1000


@task
def label(x: int, prefix: str = "n") -> str:
    return prefix + str(x)


def big(x: int) -> str:
    y = x
    batch = []
    made = 0
    while made < N - 2:
        a = inc(x=y)
        b = double(x=a)
        y = add(a=a, b=b)
        batch.append(y)
        made += 3
        if len(batch) == 8 and made < N - 2:
            y = total(xs=batch)
            batch = []
            made += 1
    return label(x=total(xs=batch or [y]))


@dynamic
def fan_out(n: int) -> typing.List[int]:
    return [double(x=i) for i in range(n)]


@task
def scale(x: int, factor: int) -> int:
    return (x * factor) % 1000


@workflow
def mapped(xs: typing.List[int], factor: int = 3) -> typing.List[int]:
    return map_task(functools.partial(scale, factor=factor))(x=xs)
"""


def _module(lib: str, nodes: int, tmp: str) -> Any:
    name = f"bench_wf_{lib}"
    with open(os.path.join(tmp, f"{name}.py"), "w", encoding="utf-8") as fh:
        fh.write(SOURCE.format(lib=lib, nodes=nodes))
    return importlib.import_module(name)


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls of ``fn`` (and its last result)."""
    out = None
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 nodes, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.nodes, args.repeat = 200, 2
    warnings.simplefilter("ignore")
    try:
        import flytekit
        from flytekit.configuration import ImageConfig as FkImageConfig
        from flytekit.configuration import SerializationSettings as FkSettings
        from flytekit.tools.translator import get_serializable
    except ImportError as exc:
        print(f"flytekit is not importable here, cannot compare: {exc}", file=sys.stderr)
        return 2
    from collections import OrderedDict

    import taskplug
    from taskplug.settings import ImageConfig, SerializationSettings
    from taskplug.workflows.serialize import workflow_spec

    tmp = tempfile.mkdtemp(prefix="taskplug-bench-wf-")
    sys.path.insert(0, tmp)
    fk_mod = _module("flytekit", args.nodes, tmp)
    tp_mod = _module("taskplug", args.nodes, tmp)
    fk_settings = FkSettings(
        project="p", domain="d", version="v1", image_config=FkImageConfig.from_images("a/b:1")
    )
    tp_settings = SerializationSettings(
        project="p", domain="d", version="v1", image_config=ImageConfig.from_images("a/b:1")
    )

    def fk_compile() -> Any:
        wf = flytekit.workflow(fk_mod.big)
        wf.compile()
        return wf

    def tp_compile() -> Any:
        return taskplug.workflow(tp_mod.big)

    with progress("workflows: phases", 10) as advance:
        fk_compile_s, fk_wf = best(fk_compile, args.repeat)
        advance()
        tp_compile_s, tp_wf = best(tp_compile, args.repeat)
        advance()
        nodes = len(tp_wf.nodes)
        assert len(fk_wf.nodes) == nodes, (len(fk_wf.nodes), nodes)

        fk_ser_s, _ = best(
            lambda: get_serializable(OrderedDict(), fk_settings, fk_wf).to_flyte_idl(), args.repeat
        )
        advance()
        tp_ser_s, _ = best(lambda: workflow_spec(tp_wf, tp_settings), args.repeat)
        advance()

        fk_run_s, fk_out = best(lambda: fk_wf(x=1), args.repeat)
        advance()
        tp_run_s, tp_out = best(lambda: tp_wf(x=1), args.repeat)
        advance()
        assert fk_out == tp_out, (fk_out, tp_out)

        n = args.nodes
        fk_dyn_s, fk_dyn = best(lambda: fk_mod.fan_out(n=n), args.repeat)
        advance()
        tp_dyn_s, tp_dyn = best(lambda: tp_mod.fan_out(n=n), args.repeat)
        advance()
        assert list(fk_dyn) == list(tp_dyn) and len(tp_dyn) == n

        items = list(range(n))
        fk_map_s, fk_map = best(lambda: fk_mod.mapped(xs=items), args.repeat)
        advance()
        tp_map_s, tp_map = best(lambda: tp_mod.mapped(xs=items), args.repeat)
        advance()
        assert list(fk_map) == list(tp_map) and len(tp_map) == n

    def row(label: str, fk: float, tp: float, count: int, target: float | None) -> tuple[str, ...]:
        ratio = fk / tp
        goal = "" if target is None else verdict(ratio >= target) + f" (>= {target:g}x)"
        return (
            label,
            f"{fk * 1e3 / count:.4f} ms",
            f"{tp * 1e3 / count:.4f} ms",
            f"{ratio:.1f}x",
            goal,
        )

    rows = [
        row(f"compile {nodes}-node workflow", fk_compile_s, tp_compile_s, nodes, 10),
        row("serialize WorkflowTemplate + tasks", fk_ser_s, tp_ser_s, nodes, None),
        row("run it locally", fk_run_s, tp_run_s, nodes, 20),
        row(f"dynamic fan-out of {n}, locally", fk_dyn_s, tp_dyn_s, n, 10),
        row(f"map task over {n} items, locally", fk_map_s, tp_map_s, n, None),
    ]
    print_table(
        f"workflows, per node (best of {args.repeat} rounds)",
        rows,
        (
            "workload",
            f"flytekit {flytekit.__version__}",
            f"taskplug {taskplug.__version__}",
            "speed-up",
            "target",
        ),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
