"""tools/flytesnacks.py end to end on a small checkout written here (no flytesnacks needed).

The checkout has flytesnacks' layout (``examples/basics/basics/*.py``) and four scripts of our
own: one that behaves the same on both libraries, one whose stdout differs (it prints the
library's module name), one that fails on flytekit (so it is not tried on taskplug) and one
that imports a sibling module relatively (run as ``python -m basics.relative``).
Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip(
    "flytekit", reason="the tool's reference runs need flytekit (tox -e conformance)"
)

ROOT = Path(__file__).resolve().parents[2]

SCRIPTS = {
    "same.py": """\
        from flytekit import task

        @task
        def add(a: int, b: int) -> int:
            return a + b

        if __name__ == "__main__":
            print(add(a=1, b=2))
        """,
    "differs.py": """\
        import flytekit

        print(flytekit.__name__)
        """,
    "broken.py": """\
        from flytekit import task

        raise SystemExit("this example needs a cluster")
        """,
    "helper.py": """\
        from flytekit import task

        @task
        def double(x: int) -> int:
            return 2 * x
        """,
    "relative.py": """\
        from .helper import double

        if __name__ == "__main__":
            print(double(x=21))
        """,
}


def test_the_tool_runs_each_script_on_both_and_reports_what_it_saw(tmp_path: Path) -> None:
    package = tmp_path / "checkout" / "examples" / "basics" / "basics"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name, text in SCRIPTS.items():
        (package / name).write_text(textwrap.dedent(text))
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "flytesnacks.py"),
            str(tmp_path / "checkout"),
            "--flytekit-python",
            sys.executable,
            "--taskplug-python",
            sys.executable,
            "--section",
            "basics",
            "--flytekit-runs",
            "1",
            "--network",
            "env",
            "--json",
            str(report),
            "--jobs",
            "2",
            "--expect-at-least",
            "4",  # 3 of the 4 flytekit-local scripts behave the same: exit status 1
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 1, proc.stderr
    assert "fewer than 4 scripts run on taskplug" in proc.stderr
    document = json.loads(report.read_text())
    scripts = {s["name"].rsplit("/", 1)[-1]: s for s in document["scripts"]}
    assert set(scripts) == set(SCRIPTS)

    assert scripts["same.py"]["verdict"] == "same"
    assert scripts["same.py"]["flytekit_runs"][0]["stdout"] == ["3"]
    assert scripts["same.py"]["taskplug"]["rewritten_files"] >= 1

    differs = scripts["differs.py"]
    assert differs["verdict"] == "stdout differs"
    assert differs["stdout_difference"] == "line 1: flytekit 'flytekit' / taskplug 'taskplug'"

    broken = scripts["broken.py"]
    assert broken["flytekit_status"] == "fails"
    assert broken["taskplug"] is None
    assert broken["verdict"] == "not tried"

    relative = scripts["relative.py"]
    assert relative["mode"] == "module"
    assert relative["verdict"] == "same"
    assert [imp["file"] for imp in relative["api"]["imports"]] == ["helper.py"]

    assert document["summary"]["run_on_flytekit"] == 4  # helper.py runs too (it only defines)
    assert document["summary"]["run_on_taskplug"] == 3
