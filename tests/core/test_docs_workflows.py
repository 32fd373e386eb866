"""Every code block and command of docs/workflows.md runs, in order, in one folder.

A ``python`` block preceded by ``<!-- docs-test: file=NAME -->`` is written to ``NAME``; every other
``python`` block runs as a script of its own (its asserts are the checks); each line of a
``console`` block runs as a command (``taskplug`` is the one installed next to this Python).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflows.md"
_BLOCK = re.compile(
    r"(?:<!-- docs-test: file=(?P<file>\S+) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S
)


def blocks() -> list[tuple[str, str | None, str]]:
    """``(language, file name or None, body)`` of each fenced block, in order."""
    return [(m["lang"], m["file"], m["body"]) for m in _BLOCK.finditer(DOC.read_text())]


def test_the_doc_has_the_blocks_this_test_expects() -> None:
    langs = [lang for lang, _, _ in blocks()]
    assert set(langs) == {"python", "console"}
    assert langs.count("python") >= 7 and langs.count("console") >= 2
    assert blocks()[0][1] == "pipeline.py"


def test_every_block_runs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "200"}
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    for var in ("TASKPLUG_IMAGE", "TASKPLUG_CONFIG", "TASKPLUG_PLUGINS"):
        env.pop(var, None)
    ran = 0
    for i, (lang, file_name, body) in enumerate(blocks()):
        if file_name is not None:
            (tmp_path / file_name).write_text(body)
            continue
        if lang == "python":
            script = tmp_path / f"doc_snippet_{i}.py"
            script.write_text(body)
            commands = [[sys.executable, str(script)]]
        else:
            commands = [line.split() for line in body.splitlines() if line.strip()]
        for cmd in commands:
            proc = subprocess.run(
                cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
            )
            assert proc.returncode == 0, f"block {i} {cmd}:\n{proc.stdout}\n{proc.stderr}"
            ran += 1
    assert ran >= 12
    assert (tmp_path / "flyte-package.tgz").exists()
    assert (tmp_path / "build" / "pipeline.pipeline.workflow.pb").exists()


README = DOC.parents[1] / "README.md"


def test_readme_workflow_example_and_package_command(tmp_path: Path) -> None:
    """The README's workflow block runs (as my_tasks.py) and its package command works on it."""
    text = README.read_text()
    (body,) = [m["body"] for m in _BLOCK.finditer(text) if "@workflow" in m["body"]]
    (command,) = [line for line in text.splitlines() if line.startswith("taskplug package ")]
    (tmp_path / "my_tasks.py").write_text(body + "\nassert pipeline(x=3) == 12\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    proc = subprocess.run(
        [sys.executable, "my_tasks.py"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    args = command.split("#")[0].split()
    proc = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "flyte-package.tgz").exists()
