"""Every code block and command in docs/sql.md and packages/plugin-sql/README.md runs.

Python blocks of a page run in order, in one namespace, in a temporary working directory.
``console`` blocks are commands: ``pip install`` lines run with uv into a throwaway virtual
environment, with taskplug's own wheels built from this checkout (other packages from the
index), and the page's first Python block then runs in that environment, as on a user's
machine. The PostgreSQL example needs the server binaries (see tests/sql/conftest.py).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from taskplug.testing import fresh_plugin_manager
from taskplug.testing.venv import make_venv, run_checked, uv_command
from taskplug_sql.testing import find_postgres_bin

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "docs" / "sql.md", ROOT / "packages" / "plugin-sql" / "README.md"]
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(page: Path, language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(page.read_text()) if lang == language]


def test_pages_have_code() -> None:
    for page in PAGES:
        assert blocks(page, "python"), f"{page} has no Python block"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = blocks(page, "python")
    if any("PostgresServer" in block for block in code) and find_postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL example of the SQL docs")
        pytest.skip("PostgreSQL server binaries missing: apt-get install -y postgresql")
    module = types.ModuleType(f"docs_{page.stem.lower().replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses look it up
    namespace = module.__dict__
    with fresh_plugin_manager():  # a page may load a plugin: keep it out of other tests
        for number, block in enumerate(code, 1):
            try:
                exec(compile(block, f"{page.name} (python block {number})", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(
                    f"{page.name}, python block {number} failed: {exc}\n{block}"
                ) from exc


@pytest.mark.slow
def test_install_commands_work_in_a_fresh_environment(tmp_path: Path) -> None:
    uv = uv_command()
    if uv is None:
        pytest.skip("uv is not installed (it builds the wheels and the environment)")
    commands = [
        line.strip()
        for page in PAGES
        for block in blocks(page, "console")
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands and all(c.startswith("pip install ") for c in commands), commands
    wheels = tmp_path / "wheels"
    for package in ("core", "plugin-sql"):
        run_checked(
            [
                *uv,
                "build",
                "--wheel",
                "--quiet",
                "--out-dir",
                str(wheels),
                str(ROOT / "packages" / package),
            ]
        )
    python = make_venv(tmp_path / "env")
    for command in commands:
        requirements = shlex.split(command)[2:]
        run_checked(
            [
                *uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(python),
                "--find-links",
                str(wheels),
                *requirements,
            ]
        )
    first = blocks(PAGES[0], "python")[0]
    script = tmp_path / "first_example.py"
    script.write_text(textwrap.dedent(first) + "\nprint('ok', len(df))\n")
    proc = subprocess.run(
        [str(python), str(script)], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok 2")
    versions = run_checked(
        [
            str(python),
            "-c",
            "import adbc_driver_sqlite, sqlalchemy, psycopg, taskplug_sql; print('ok')",
        ]
    )
    assert versions.stdout.strip() == "ok"
