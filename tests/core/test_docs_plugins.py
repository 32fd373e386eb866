"""docs/plugins.md, "Type transformers": every code block runs.

Python blocks that start with ``# NAME.py`` make up the plugin module ``NAME``; the ``toml``
block is its distribution's ``pyproject.toml``. The module is installed as a real distribution
(dist-info with the entry points of the toml block), then the other Python blocks run, in order,
as one script in a fresh interpreter that finds the plugin through its entry point.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from taskplug.testing import make_distribution

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
SECTION = "## Type transformers"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
MODULE_HEADER = re.compile(r"^# (\w+)\.py\b")


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    rest = text[start + len(heading) :]
    end = re.search(r"^## ", rest, re.M)
    return rest[: end.start()] if end else rest


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(_section(DOC.read_text(), SECTION))]


def test_the_section_has_the_expected_blocks() -> None:
    kinds = [lang for lang, _ in _blocks()]
    assert kinds.count("toml") == 1
    assert kinds.count("python") >= 6
    assert set(kinds) == {"python", "toml"}  # nothing that this test would not run


def test_type_transformer_docs_run(tmp_path: Path) -> None:
    modules: dict[str, str] = {}
    script: list[str] = []
    pyproject: dict[str, object] = {}
    for lang, code in _blocks():
        if lang == "toml":
            pyproject = tomllib.loads(code)
            continue
        header = MODULE_HEADER.match(code)
        if header:
            modules[header.group(1)] = modules.get(header.group(1), "") + code + "\n"
        else:
            script.append(code)
    project = pyproject["project"]
    assert isinstance(project, dict)
    root = make_distribution(
        tmp_path / "site",
        project["name"],
        project["version"],
        modules,
        {"taskplug": project["entry-points"]["taskplug"]},
    )
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(root), *[p for p in sys.path if p]]),
        TMPDIR=str(tmp_path),
    )
    # the plugin module alone loads no protobuf (the authoring API is protobuf-free)
    probe = (
        "import sys, money_types\n"
        "print(sorted(m for m in sys.modules if m.startswith(('google.protobuf', 'flyteidl'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    # the user's side: the plugin is found through its entry point, the examples run
    (tmp_path / "docs_example.py").write_text("\n\n".join(script))
    run = subprocess.run(
        [sys.executable, str(tmp_path / "docs_example.py")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
