"""Throwaway virtual environments with uv: install a plugin as a real distribution, then run
checks in that environment's interpreter, as a user's machine would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["make_venv", "run_checked", "uv_command"]


def uv_command() -> list[str] | None:
    """How to run uv here (the ``uv`` on ``PATH`` or the one of the ``uv`` package), or None."""
    found = shutil.which("uv")
    if found:
        return [found]
    try:
        import uv  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return [str(uv.find_uv_bin())]


def run_checked(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a command; fail with its output when it exits non-zero."""
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(
            f"{args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def make_venv(folder: Path, *requirements: str, find_links: Path | None = None) -> Path:
    """A venv in ``folder`` (this interpreter) with ``requirements`` installed; its python.

    Requirements are anything ``uv pip install`` takes: names, paths of project folders, wheels.
    """
    uv = uv_command()
    if uv is None:
        raise RuntimeError("uv is not installed; install the 'uv' package to build test venvs")
    run_checked([*uv, "venv", "--quiet", "--python", sys.executable, str(folder)])
    python = folder / "bin" / "python"
    if requirements:
        extra = ["--find-links", str(find_links)] if find_links is not None else []
        run_checked(
            [*uv, "pip", "install", "--quiet", "--python", str(python), *extra, *requirements]
        )
    return python
