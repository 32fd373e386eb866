"""The README's two set-up commands, on a Python that refuses installs (PEP 668).

Debian's and Ubuntu's ``python3`` carry an ``EXTERNALLY-MANAGED`` marker: ``pip install``
outside a virtual environment fails with "externally-managed-environment". Without the
``python3-venv`` package they have no ``ensurepip`` either. ``externally_managed_python`` builds
such an interpreter in tmp_path — not a virtual environment (pip exempts those from PEP 668),
but an installation of its own: this interpreter's binary and standard library (symlinked)
minus ``ensurepip``, pip in its site-packages, and the marker — and the test checks that pip
really refuses to install into it before running the README's commands with it as the
``python3`` on PATH, in a copy of the checkout. Afterwards its site-packages must be unchanged.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from docblocks import ROOT, copy_checkout, parse, uv

from taskplug.testing.venv import run_checked

README = ROOT / "README.md"
MARKER_TEXT = """[externally-managed]
Error=To install Python packages system-wide, try apt install python3-xyz (a simulation of
 Debian's marker, made by tests/docs/test_setup.py).
"""


def setup_commands() -> tuple[str, str]:
    """The README's set-up commands: (run the example, run the test suite)."""
    blocks = [b for b in parse(README) if "test_setup.py" in b.marks.get("skip", "")]
    assert len(blocks) == 2, [b.where for b in blocks]
    example, tests = (b.text.strip() for b in blocks)
    assert "\n" not in example and "\n" not in tests
    return example, tests


def externally_managed_python(prefix: Path) -> Path:
    """A PEP 668 Python installation at ``prefix`` without ensurepip (as Debian's); its python3."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    binary = Path(sys.base_prefix) / "bin" / version
    stdlib = Path(sysconfig.get_path("stdlib"))
    assert binary.exists() and (stdlib / "os.py").exists(), (binary, stdlib)
    (prefix / "bin").mkdir(parents=True)
    lib = prefix / "lib" / version
    lib.mkdir(parents=True)
    shutil.copy2(binary, prefix / "bin" / version)
    (prefix / "bin" / "python3").symlink_to(version)
    for shared in (Path(sys.base_prefix) / "lib").glob("libpython*"):
        (prefix / "lib" / shared.name).symlink_to(shared)
    skip = {"site-packages", "dist-packages", "ensurepip", "EXTERNALLY-MANAGED"}
    for entry in stdlib.iterdir():
        if entry.name not in skip:
            (lib / entry.name).symlink_to(entry)
    (lib / "EXTERNALLY-MANAGED").write_text(MARKER_TEXT)
    python = prefix / "bin" / "python3"
    site = run_checked([str(python), "-c", "import site; print(site.getsitepackages()[0])"])
    site_packages = Path(site.stdout.strip())
    assert site_packages.is_relative_to(prefix), site_packages
    site_packages.mkdir(parents=True, exist_ok=True)
    run_checked([*uv(), "pip", "install", "--quiet", "--target", str(site_packages), "pip"])
    return python


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file and link under ``folder`` (bytecode caches aside)."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in dirnames:  # folders: only that they exist (a cache inside changes mtime)
            found[os.path.relpath(os.path.join(dirpath, name), folder)] = (0, 0)
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            found[os.path.relpath(os.path.join(dirpath, name), folder)] = (
                st.st_size,
                st.st_mtime_ns,
            )
    return found


def clean_env(python: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        and not k.startswith(("TASKPLUG_", "TOX_", "_TOX"))
    }
    env["PATH"] = os.pathsep.join([str(python.parent), "/usr/bin", "/bin"])
    env["COLUMNS"] = "200"
    return env


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, tests = setup_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert commands[-1] == tests, f".ci/run ends with {commands[-1]!r}, README says {tests!r}"


def test_setup_commands_work_on_an_externally_managed_python(tmp_path: Path) -> None:
    example, tests = setup_commands()
    python = externally_managed_python(tmp_path / "system")
    site_packages = Path(
        run_checked(
            [str(python), "-c", "import site; print(site.getsitepackages()[0])"]
        ).stdout.strip()
    )
    env = clean_env(python)

    # the simulation is faithful: pip refuses to install into this interpreter
    refused = subprocess.run(
        ["python3", "-m", "pip", "install", "tox"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr
    assert subprocess.run(["python3", "-c", "import ensurepip"], env=env, check=False).returncode

    before = snapshot(tmp_path / "system")
    checkout = copy_checkout(tmp_path / "checkout")
    proc = subprocess.run(
        example, shell=True, cwd=checkout, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "doubled: [6, 28, 30, 18, 52, 10]" in proc.stdout
    assert "taskplug-execute wrote outputs.pb" in proc.stdout
    assert "seeding pip" in proc.stderr  # no ensurepip: pip came from the system pip

    # the test command: same bootstrap, and the command it runs is the test suite's
    dry = tests.replace("scripts/dev.py", "scripts/dev.py --dry-run", 1)
    proc = subprocess.run(dry, shell=True, cwd=checkout, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (command,) = proc.stdout.splitlines()
    assert re.fullmatch(
        rf"{re.escape(str(checkout))}/\.tox/\.bootstrap/bin/python -m tox run -m ci", command
    )

    assert snapshot(tmp_path / "system") == before, "the system interpreter was changed"
    assert not any(p.name.startswith("tox") for p in site_packages.iterdir())


def test_install_never_clears_a_folder_that_is_not_a_virtual_environment(tmp_path: Path) -> None:
    project = tmp_path / "my-project"
    project.mkdir()
    (project / "tasks.py").write_text("# the user's work\n")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dev.py"), "install", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "has files in it and is not a virtual environment" in proc.stderr
    assert [p.name for p in project.iterdir()] == ["tasks.py"]
