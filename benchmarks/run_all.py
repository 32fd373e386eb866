"""Run every benchmark (each compares flytekit and taskplug in one run and prints ratios).

python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
QUICK_FLAGS = {
    "bench_import.py": ["--repeat", "3"],
    "bench_call.py": ["--calls", "2000"],
    "bench_conversion.py": ["--quick"],
    "bench_eager.py": ["--quick"],
    "bench_workflow.py": ["--quick"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name}", flush=True)
        args = [sys.executable, str(script), *(QUICK_FLAGS.get(script.name, []) if quick else [])]
        if subprocess.run(args, cwd=HERE).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
