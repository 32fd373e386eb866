"""flytekit-style user scripts run on taskplug with only their import lines changed.

Every ``user_scripts/*.py`` is a script written the way a flytekit user writes one (fresh for
this project, in flytekit 1.16's API). It runs twice in a scratch folder: as written, on
flytekit, and after the import-rewriting rule of ``tools/flytesnacks.py`` (``from flytekit
import X`` → ``from taskplug import X`` …), on taskplug. Both runs must succeed and print the
same lines (scratch paths normalised). A script's first line may say
``# user-script: fails="text"`` when both must fail with ``text`` in their output (a documented
local error), or ``# user-script: taskplug-only-prints`` for lines that start with ``taskplug:``
and appear only in the taskplug run (extra diagnostics it is allowed to print), or
``# user-script: needs=torch`` (comma-separated modules) for a script that needs an optional
extra: it is skipped, with the reason, where one of those modules is not installed. Words
combine: ``# user-script: needs=torch taskplug-only-prints``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((Path(__file__).parent / "user_scripts").glob("*.py"))
_MARK = re.compile(r"^#\s*user-script:\s*(.*)$")


def _rule() -> ModuleType:
    name = "snacks_rewrite_for_user_scripts"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "snacks" / "rewrite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _run(script: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "TASKPLUG_", "_F"))}
    env.update(HOME=str(folder), TMPDIR=str(folder / "tmp"), PYTHONHASHSEED="0")
    (folder / "tmp").mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, script.name],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _missing(words: str) -> list[str]:
    """The modules a script's ``needs=a,b`` asks for that are not installed here."""
    needs = re.search(r"(?:^|\s)needs=(\S+)", words)
    if needs is None:
        return []
    names = [name for name in needs.group(1).split(",") if name]
    return [name for name in names if importlib.util.find_spec(name) is None]


def _lines(text: str, folder: Path) -> list[str]:
    text = text.replace(str(folder), "<run>")
    return [re.sub(r" at 0x[0-9a-f]+", " at 0x…", line).rstrip() for line in text.splitlines()]


def test_the_catalogue_is_there() -> None:
    assert len(SCRIPTS) >= 1


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_user_script_behaves_as_on_flytekit(script: Path, tmp_path: Path) -> None:
    source = script.read_text(encoding="utf-8")
    first = source.splitlines()[0] if source else ""
    mark = _MARK.match(first)
    words = mark.group(1) if mark else ""
    missing = _missing(words)
    if missing:
        pytest.skip(
            f"{script.name} needs {', '.join(missing)} (an optional extra), not installed here"
        )
    fails = re.search(r'fails="([^"]*)"', words)
    on_flytekit, on_taskplug = tmp_path / "flytekit", tmp_path / "taskplug"
    on_flytekit.mkdir()
    on_taskplug.mkdir()
    shutil.copy(script, on_flytekit / script.name)
    rewritten, changes = _rule().rewrite_source(source, filename=script.name)
    assert changes, f"{script.name} imports nothing from flytekit"
    assert "flytekit" not in "".join(
        line for line in rewritten.splitlines(keepends=True) if "import" in line
    ).replace("as flytekit", "")
    (on_taskplug / script.name).write_text(rewritten, encoding="utf-8")
    fk = _run(script, on_flytekit)
    tp = _run(script, on_taskplug)
    if fails:
        assert fk.returncode != 0 and fails.group(1) in fk.stdout + fk.stderr, fk.stderr[-2000:]
        assert tp.returncode != 0 and fails.group(1) in tp.stdout + tp.stderr, tp.stderr[-2000:]
        return
    assert fk.returncode == 0, f"the script fails on flytekit itself:\n{fk.stderr[-3000:]}"
    assert tp.returncode == 0, f"on taskplug:\n{tp.stderr[-3000:]}"
    expected = _lines(fk.stdout, on_flytekit)
    got = _lines(tp.stdout, on_taskplug)
    if "taskplug-only-prints" in words:
        got = [line for line in got if not line.startswith("taskplug:")]
    assert got == expected


def test_needs_marker_names_what_is_missing() -> None:
    assert _missing("") == []
    assert _missing("taskplug-only-prints") == []
    assert _missing("needs=json,msgpack") == []
    assert _missing("needs=json,no_such_module_xyz taskplug-only-prints") == ["no_such_module_xyz"]
    assert _missing('fails="x" needs=no_such_a,no_such_b') == ["no_such_a", "no_such_b"]


def test_a_script_needing_a_missing_module_is_skipped_with_the_reason(tmp_path: Path) -> None:
    script = tmp_path / "needs_missing.py"
    script.write_text(
        "# user-script: needs=no_such_module_xyz\nfrom flytekit import task\nraise SystemExit(3)\n"
    )
    with pytest.raises(pytest.skip.Exception, match="needs no_such_module_xyz"):
        test_user_script_behaves_as_on_flytekit(script, tmp_path)
