"""Every code block and command of docs/eager.md runs here, and prints what its comments say.

Blocks after ``<!-- docs-test: file=NAME -->`` are written to NAME; other ``python`` blocks
run in a fresh interpreter in that folder; a ``print(...)  # value`` line must print
``value``. Shell blocks run as commands there. (tests/docs runs the same blocks with the
shared docs runner; this test adds the check of what each block prints, and skips the block
that installs into a virtual environment, which the shared runner covers.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from flyteidl.core import literals_pb2

DOC = Path(__file__).resolve().parents[2] / "docs" / "eager.md"
BLOCK = re.compile(r"(?:<!-- docs-test: ([^>]*?) -->\n)?```(\w*)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, str | None, str, str]]:
    """``(action, file name, language, code)`` of each block (``venv`` blocks left out)."""
    out: list[tuple[str, str | None, str, str]] = []
    for marks, lang, code in BLOCK.findall(DOC.read_text()):
        if "venv" in marks.split():
            continue
        name = re.search(r"file=(\S+)", marks)
        out.append(("file" if name else "run", name[1] if name else None, lang, code))
    return out


def test_the_doc_has_code_blocks():
    kinds = [(action, lang) for action, _, lang, _ in blocks()]
    assert ("file", "python") in kinds and ("run", "python") in kinds and ("run", "") in kinds


def test_every_block_runs(tmp_path: Path):
    env = dict(os.environ, PYTHONPATH=str(tmp_path), TASKPLUG_EAGER_BLOB_DIR=str(tmp_path / "b"))
    bindir = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    (tmp_path / "inputs.pb").write_bytes(literals_pb2.LiteralMap().SerializeToString())
    for action, name, lang, code in blocks():
        if action == "file":
            (tmp_path / (name or "snippet.py")).write_text(code)
            continue
        if lang == "python":
            proc = subprocess.run(
                [sys.executable, "-c", code],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 0, f"{code}\n{proc.stderr[-3000:]}"
            expected = [
                line.partition("#")[2].strip()
                for line in code.splitlines()
                if line.lstrip().startswith("print(") and "#" in line
            ]
            assert proc.stdout.splitlines() == expected, code
        else:
            proc = subprocess.run(
                ["bash", "-c", code],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 0, f"{code}\n{proc.stderr[-3000:]}"
            if "eager failure handler" in code:
                assert (tmp_path / "out" / "outputs.pb").exists()
