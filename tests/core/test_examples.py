"""The README's main example runs end to end (local calls, serialization, the entrypoint)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_runs_and_its_container_run_agrees_with_the_local_one(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "TMPDIR": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert list(tmp_path.iterdir()) == []  # its temporary folder is removed at the end
    out = proc.stdout
    assert "doubled: [6, 28, 30, 18, 52, 10]" in out
    assert "stats:   Stats(count=5, mean=27.6)" in out
    assert "quickstart.summarize" in out and "python-task" in out
    assert "taskplug-execute wrote outputs.pb: Split(small=[3, 9, 5], large=[14, 15, 26])" in out
    # the SQLite3Task part (a temporary database, removed with everything else: see above)
    assert "sqlite:  [{'sensor': 'b', 'value': 14}, {'sensor': 'a', 'value': 15}, " in out
    assert "sqlite stats: Stats(count=3, mean=18.333333333333332)" in out


def test_quickstart_keeps_its_files_in_a_folder_given(tmp_path: Path):
    out = tmp_path / "qs"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "quickstart.split.pb").exists() and (out / "run" / "outputs.pb").exists()
