"""Run every benchmark (each compares flytekit and taskplug in one run and prints ratios).

    python benchmarks/run_all.py [--quick]

The full run takes long (about 15 minutes on 2 shared cores, most of it in the conversion
benchmark's million-element workloads); ``--quick`` runs smaller workloads and fewer
repetitions (a few minutes). Each benchmark shows a progress bar while it runs (on a
terminal), and this script says which one is running and how long each took.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
QUICK_FLAGS = {
    "bench_import.py": ["--repeat", "3"],
    "bench_call.py": ["--calls", "2000"],
    "bench_conversion.py": ["--quick"],
    "bench_eager.py": ["--quick"],
    "bench_workflow.py": ["--quick"],
    "bench_declare_serialize.py": ["--repeat", "2"],
    "bench_entrypoint.py": ["--repeat", "3"],
    "bench_pod.py": ["--quick"],
    "bench_sql.py": ["--quick"],
}


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    scripts = sorted(HERE.glob("bench_*.py"))
    if quick:
        print(f"{len(scripts)} benchmarks, quick run (a few minutes)", flush=True)
    else:
        print(
            f"{len(scripts)} benchmarks, full run: about 15 minutes on 2 cores "
            "(`--quick` for a short run)",
            flush=True,
        )
    failed = []
    took: list[tuple[str, float]] = []
    start_all = time.perf_counter()
    for i, script in enumerate(scripts, 1):
        print(f"\n=== [{i}/{len(scripts)}] {script.name}", flush=True)
        args = [sys.executable, str(script), *(QUICK_FLAGS.get(script.name, []) if quick else [])]
        start = time.perf_counter()
        if subprocess.run(args, cwd=HERE).returncode != 0:
            failed.append(script.name)
        took.append((script.name, time.perf_counter() - start))
        elapsed = time.perf_counter() - start_all
        print(f"--- {script.name}: {_minutes(took[-1][1])} (all so far: {_minutes(elapsed)})")
    print("\n" + ", ".join(f"{name} {_minutes(s)}" for name, s in took))
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
