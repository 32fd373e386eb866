"""Every code block and command of docs/pod.md and the plugin's README runs.

Python blocks start with ``# file: NAME.py``: each is written into a temporary folder and run
there as a script, in order. ``$ taskplug …`` lines of ``console`` blocks run the real
``taskplug`` command in that folder; a rendered manifest (printed or written with ``-o``) is
validated against the Kubernetes schema.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import validate_manifest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "pod.md", ROOT / "packages" / "plugin-k8s-pod" / "README.md"]
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(path: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(path.read_text())]


def _taskplug() -> list[str]:
    script = Path(sys.executable).with_name("taskplug")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from taskplug.cli import main; sys.exit(main())"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_block_runs(doc: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    env.pop("TASKPLUG_IMAGE", None)
    ran = 0
    for lang, body in blocks(doc):
        if lang == "python":
            first, _, _ = body.partition("\n")
            assert first.startswith("# file: "), f"{doc.name}: python block without '# file:'"
            name = first.removeprefix("# file: ").strip()
            (tmp_path / name).write_text(body)
            proc = subprocess.run(
                [sys.executable, name], cwd=tmp_path, env=env, capture_output=True, text=True
            )
            assert proc.returncode == 0, f"{doc.name}: {name} failed:\n{proc.stderr}"
            ran += 1
        elif lang == "console":
            for line in body.splitlines():
                if not line.startswith("$ "):
                    continue
                argv = shlex.split(line[2:])
                assert argv[0] == "taskplug", line
                proc = subprocess.run(
                    [*_taskplug(), *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True
                )
                assert proc.returncode == 0, f"{doc.name}: {line!r} failed:\n{proc.stderr}"
                if argv[1] == "render-pod":
                    if "-o" in argv:
                        text = (tmp_path / argv[argv.index("-o") + 1]).read_text()
                    else:
                        text = proc.stdout
                    validate_manifest(yaml.safe_load(text), full=True)
                ran += 1
        else:
            pytest.fail(f"{doc.name}: a ```{lang} block that no test runs:\n{body}")
    assert ran >= 2, f"{doc.name}: only {ran} blocks ran"
