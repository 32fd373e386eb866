"""Entrypoint cold start: ``taskplug-execute`` vs ``pyflyte-execute`` on the same add task.

Both run as whole processes on the same inputs.pb, several times each (after a warm-up), in
one run of this script; the table shows median wall time and peak RSS (``VmHWM``, read by
each process itself when it exits; see _common.py) and the ratios against the targets: taskplug at most 1/5 of flytekit's wall time
and at most 1/2 of its peak RSS. Both outputs.pb are checked to be the same literals.

Bytecode: a container image ships compiled ``.pyc`` files, so by default both sides get a
bytecode cache (``PYTHONPYCACHEPREFIX`` in a temporary directory, filled by the warm-up run;
nothing is written into the source tree). ``--no-bytecode`` measures with compilation on
every start instead (``PYTHONDONTWRITEBYTECODE=1`` and an empty cache prefix), slower for both.

    python benchmarks/bench_entrypoint.py [--repeat N] [--pyflyte-execute PATH] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

from _common import print_table, progress, run_process, verdict

TP_MODULE = """
from taskplug import task


@task
def add(a: int, b: int) -> int:
    return a + b
"""
FK_MODULE = TP_MODULE.replace("from taskplug import task", "from flytekit import task")


def _find(name: str, explicit: str | None) -> str | None:
    if explicit:
        return explicit
    return shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--pyflyte-execute", help="pyflyte-execute to compare with")
    parser.add_argument("--taskplug-execute", help="taskplug-execute to measure")
    parser.add_argument("--no-bytecode", action="store_true", help="compile on every start")
    args = parser.parse_args()

    tp_bin = _find("taskplug-execute", args.taskplug_execute)
    fk_bin = _find("pyflyte-execute", args.pyflyte_execute) or (
        "/tmp/fk/bin/pyflyte-execute" if os.path.exists("/tmp/fk/bin/pyflyte-execute") else None
    )
    if tp_bin is None:
        print("taskplug-execute is not installed", file=sys.stderr)
        return 2
    if fk_bin is None:
        print("pyflyte-execute not found (pass --pyflyte-execute PATH)", file=sys.stderr)
        return 2

    from flyteidl.core import literals_pb2

    with tempfile.TemporaryDirectory(prefix="bench-entrypoint-") as tmp:
        root = Path(tmp)
        mods = root / "modules"
        mods.mkdir()
        (mods / "tp_add.py").write_text(textwrap.dedent(TP_MODULE))
        (mods / "fk_add.py").write_text(textwrap.dedent(FK_MODULE))
        lm = literals_pb2.LiteralMap()
        lm.literals["a"].scalar.primitive.integer = 40
        lm.literals["b"].scalar.primitive.integer = 2
        inputs = root / "inputs.pb"
        inputs.write_bytes(lm.SerializeToString())

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(mods), env.get("PYTHONPATH")) if p)
        env.pop("FLYTE_FAIL_ON_ERROR", None)
        # A cache prefix of our own: stray __pycache__ folders in the tree are never read.
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"  # the prefix stays empty: compile every time
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)

        def command(binary: str, resolver: str, module: str, out: str) -> list[str]:
            return [
                binary,
                "--inputs",
                str(inputs),
                "--output-prefix",
                str(root / out),
                "--raw-output-data-prefix",
                str(root / "raw"),
                "--resolver",
                resolver,
                "--",
                "task-module",
                module,
                "task-name",
                "add",
            ]

        with progress("entrypoint: processes", 2 * (args.repeat + 1)) as advance:
            tp = run_process(
                command(tp_bin, "taskplug.resolver.default_task_resolver", "tp_add", "tp-out"),
                repeat=args.repeat,
                env=env,
                advance=advance,
            )
            fk = run_process(
                command(
                    fk_bin,
                    "flytekit.core.python_auto_container.default_task_resolver",
                    "fk_add",
                    "fk-out",
                ),
                repeat=args.repeat,
                env=env,
                advance=advance,
            )
        outs = []
        for side in ("tp-out", "fk-out"):
            got = literals_pb2.LiteralMap()
            got.ParseFromString((root / side / "outputs.pb").read_bytes())
            outs.append(got)
        if outs[0] != outs[1] or outs[0].literals["o0"].scalar.primitive.integer != 42:
            print(f"outputs differ: {outs}", file=sys.stderr)
            return 1

    time_ratio = tp.wall / fk.wall
    rss_ratio = tp.rss_mib / fk.rss_mib
    mode = "no bytecode cache" if args.no_bytecode else "bytecode cached"
    rows = [
        ("taskplug-execute", f"{tp.wall * 1000:.0f} ms", f"{tp.rss_mib:.1f}", ""),
        ("pyflyte-execute", f"{fk.wall * 1000:.0f} ms", f"{fk.rss_mib:.1f}", ""),
        (
            "wall time ratio taskplug/flytekit",
            f"1/{1 / time_ratio:.1f}",
            "",
            verdict(time_ratio <= 1 / 5) + " (<= 1/5)",
        ),
        (
            "peak RSS ratio taskplug/flytekit",
            "",
            f"1/{1 / rss_ratio:.1f}",
            verdict(rss_ratio <= 1 / 2) + " (<= 1/2)",
        ),
    ]
    print_table(
        f"Entrypoint cold start, add task ({mode}, median of {args.repeat} runs; "
        f"peak RSS: {tp.rss_source} of each process)",
        rows,
        ("", "wall", "peak RSS MiB", "target"),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
