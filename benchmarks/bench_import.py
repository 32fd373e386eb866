"""Import time and peak RSS: ``import taskplug`` (plugins discovered) vs ``import flytekit``.

Each side runs as a whole process, several times, in one run of this script; the table shows
median wall time, peak RSS (read by each process itself, see _common.py) and modules loaded,
and the ratios against the issue's targets (taskplug at most 1/15 of flytekit's time and at
most 1/3 of its peak RSS).

    python benchmarks/bench_import.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from _common import PYTHON, print_table, progress, run_process, verdict

TASKPLUG = "import sys, taskplug; taskplug.get_plugin_manager(); print(len(sys.modules))"
FLYTEKIT = "import sys, flytekit; print(len(sys.modules))"
BARE = "import sys; print(len(sys.modules))"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="compile every module at every start"
    )
    args = parser.parse_args()
    # As in an installed image: bytecode is cached (in a private prefix, filled by the warm-up
    # run), unless --no-bytecode asks for the compile-every-time case.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="taskplug-bench-pycache-")
    if args.no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    with progress("import: processes", 3 * (args.repeat + 1)) as advance:
        bare = run_process([PYTHON, "-c", BARE], repeat=args.repeat, env=env, advance=advance)
        tp = run_process([PYTHON, "-c", TASKPLUG], repeat=args.repeat, env=env, advance=advance)
        try:
            fk = run_process([PYTHON, "-c", FLYTEKIT], repeat=args.repeat, env=env, advance=advance)
        except RuntimeError as exc:
            print(f"flytekit is not importable here, cannot compare: {exc}", file=sys.stderr)
            return 2
    time_ratio = tp.wall / fk.wall
    rss_ratio = tp.rss_mib / fk.rss_mib
    rows = [
        (
            "bare interpreter",
            f"{bare.wall * 1000:.1f} ms",
            f"{bare.rss_mib:.1f}",
            bare.stdout.strip(),
            "",
        ),
        (
            "import taskplug + plugins",
            f"{tp.wall * 1000:.1f} ms",
            f"{tp.rss_mib:.1f}",
            tp.stdout.strip(),
            "",
        ),
        ("import flytekit", f"{fk.wall * 1000:.1f} ms", f"{fk.rss_mib:.1f}", fk.stdout.strip(), ""),
        (
            "time ratio taskplug/flytekit",
            f"1/{1 / time_ratio:.1f}",
            "",
            "",
            verdict(time_ratio <= 1 / 15) + " (<= 1/15)",
        ),
        (
            "RSS ratio taskplug/flytekit",
            "",
            f"1/{1 / rss_ratio:.1f}",
            "",
            verdict(rss_ratio <= 1 / 3) + " (<= 1/3)",
        ),
    ]
    print_table(
        f"import time (median of whole processes; peak RSS: {tp.rss_source} of each process)",
        rows,
        ("workload", "wall", "peak RSS MiB", "modules", "target"),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
