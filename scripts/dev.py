"""Set up and run taskplug's development tasks without touching the system Python.

    python3 scripts/dev.py example           run the main example (tox env ``example``)
    python3 scripts/dev.py test              run the whole test suite (``tox run -m ci``)
    python3 scripts/dev.py tox ARGS...       any tox command, e.g. ``tox -e bench -- --quick``
    python3 scripts/dev.py install [VENV]    build the four wheels into wheelhouse/ and install
                                             ``taskplug[all]`` into VENV (default ``.venv``)

The tox commands run tox from a private virtual environment, ``.tox/.bootstrap``, created on
first use with tox and tox-uv (the versions ``tox.ini`` requires). Nothing is installed into the
interpreter that runs this script, so it works on Debian's and Ubuntu's system Python, which
refuse ``pip install`` outside a virtual environment (PEP 668, "externally-managed-environment").

Virtual environments are made with the standard ``venv`` module. Where ``ensurepip`` is missing
(Debian/Ubuntu without the ``python3-venv`` package), the new environment gets pip from this
interpreter's own pip (``pip --python``, pip 22.3 or newer), still without changing this
interpreter. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import configparser
import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / ".tox" / ".bootstrap"
STAMP = "taskplug-bootstrap.txt"
PACKAGES = ("core", "plugin-k8s-pod", "plugin-sql", "plugin-eager")
DISTRIBUTIONS = ("taskplug", "taskplug-k8s-pod", "taskplug-sql", "taskplug-eager")
TOX_COMMANDS = {"example": ["run", "-e", "example"], "test": ["run", "-m", "ci"]}


class SetupError(Exception):
    """Something this script cannot do by itself; the message says what to install."""


def _say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def _python_in(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(args: list[str], *, dry_run: bool = False) -> None:
    if dry_run:
        print(shlex.join(args))
        return
    proc = subprocess.run(args, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.returncode)


def tox_requirements() -> list[str]:
    """The ``[tox] requires`` of tox.ini (what the bootstrap environment installs)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    text = parser.get("tox", "requires", fallback="tox\ntox-uv")
    return [line.strip() for line in text.splitlines() if line.strip()]


def create_venv(path: Path) -> Path:
    """A new virtual environment with pip at ``path``; its python.

    Refuses a folder that has files in it and is not a virtual environment (nothing is
    deleted); an existing virtual environment is replaced.
    """
    import venv

    if path.exists() and any(path.iterdir()) and not (path / "pyvenv.cfg").exists():
        raise SetupError(f"{path} has files in it and is not a virtual environment")
    has_ensurepip = importlib.util.find_spec("ensurepip") is not None
    _say(f"creating a virtual environment in {path}")
    venv.EnvBuilder(with_pip=has_ensurepip, clear=True, symlinks=os.name != "nt").create(path)
    python = _python_in(path)
    if not has_ensurepip:
        _seed_pip(python)
    return python


def _has_pip(python: Path) -> bool:
    check = [str(python), "-c", "import pip"]
    return subprocess.run(check, capture_output=True, check=False).returncode == 0


def _installed(python: Path, names: tuple[str, ...]) -> list[str]:
    """Which of the distributions ``names`` are installed in ``python``'s environment."""
    code = (
        "import importlib.metadata as m, sys\n"
        "for n in sys.argv[1:]:\n"
        "    try: m.version(n); print(n)\n"
        "    except m.PackageNotFoundError: pass\n"
    )
    proc = subprocess.run(
        [str(python), "-c", code, *names], capture_output=True, text=True, check=False
    )
    return proc.stdout.split()


def _seed_pip(python: Path) -> None:
    """Install pip into a new venv with this interpreter's pip, which stays as it is."""
    if importlib.util.find_spec("pip") is None:
        raise SetupError(
            f"{sys.executable} has neither ensurepip nor pip, so the virtual environment "
            "cannot get pip. On Debian/Ubuntu: sudo apt install python3-venv (or python3-pip)"
        )
    import pip

    version = tuple(int(p) for p in pip.__version__.split(".")[:2] if p.isdigit())
    if version < (22, 3):
        raise SetupError(
            f"this Python has no ensurepip and its pip {pip.__version__} is older than 22.3 "
            "(needed for pip --python). On Debian/Ubuntu: sudo apt install python3-venv"
        )
    _say("no ensurepip: seeding pip into the environment with this interpreter's pip")
    cmd = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "pip"]
    if subprocess.run(cmd, check=False).returncode != 0:
        raise SetupError(f"could not install pip into {python.parent.parent}: {shlex.join(cmd)}")


def bootstrap() -> Path:
    """``.tox/.bootstrap`` with tox and tox-uv (made or refreshed when needed); its python."""
    wanted = "\n".join(tox_requirements()) + "\n"
    python = _python_in(BOOTSTRAP)
    stamp = BOOTSTRAP / STAMP
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    if not python.exists() or not _has_pip(python):
        python = create_venv(BOOTSTRAP)
    _say(f"installing {', '.join(wanted.split())} into {BOOTSTRAP}")
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if subprocess.run([*pip, *wanted.split()], cwd=ROOT, check=False).returncode != 0:
        raise SetupError(f"could not install tox into {BOOTSTRAP} (see pip's message above)")
    stamp.write_text(wanted, encoding="utf-8")
    return python


def run_tox(args: list[str], *, dry_run: bool) -> None:
    python = bootstrap()
    _run([str(python), "-m", "tox", *args], dry_run=dry_run)


def install(venv: Path, *, extras: str, dry_run: bool) -> None:
    """Build the wheels into ``wheelhouse/`` and install ``taskplug[extras]`` into ``venv``."""
    python = _python_in(venv)
    if not python.exists():
        if dry_run:
            print(f"# would create a virtual environment in {venv}")
        else:
            python = create_venv(venv)
    elif not _has_pip(python):  # e.g. made by `uv venv` without --seed
        _say(f"{venv} has no pip: installing it")
        ensure = [str(python), "-m", "ensurepip"]
        if subprocess.run(ensure, capture_output=True, check=False).returncode != 0:
            _seed_pip(python)
    wheelhouse = ROOT / "wheelhouse"
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    folders = [str(ROOT / "packages" / p) for p in PACKAGES]
    wheel = [*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheelhouse), *folders]
    _run(wheel, dry_run=dry_run)
    # the same version may be installed already (from an older checkout): replace it
    installed = _installed(python, DISTRIBUTIONS) if python.exists() else []
    if installed:
        _run([*pip, "uninstall", "--quiet", "--yes", *installed], dry_run=dry_run)
    target = f"taskplug[{extras}]" if extras else "taskplug"
    _run([*pip, "install", "--quiet", "--find-links", str(wheelhouse), target], dry_run=dry_run)
    if not dry_run:
        _say(f"installed {target} into {venv}; try: {venv / 'bin' / 'taskplug'} plugins")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 scripts/dev.py",
        description="Run taskplug's development tasks from a private virtual environment.",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="set up, then print the final command(s) only"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("example", help="run the main example (tox run -e example)")
    sub.add_parser("test", help="run the whole test suite (tox run -m ci)")
    sub.add_parser("tox", help="run tox with the arguments that follow (tox's own --help too)")
    inst = sub.add_parser("install", help="install taskplug into a virtual environment")
    inst.add_argument(
        "venv", nargs="?", default=".venv", help="virtual environment (default .venv)"
    )
    inst.add_argument(
        "--extras", default="all", help="extras of taskplug to install (default: all; '' for none)"
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    # everything after "tox" belongs to tox (argparse would read its options as ours)
    split = next((i for i, a in enumerate(argv) if not a.startswith("-")), len(argv))
    tox_args = argv[split + 1 :] if argv[split : split + 1] == ["tox"] else []
    args = parser.parse_args(argv[: split + 1] if tox_args else argv)
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be run by an older python3
        _say(f"taskplug needs Python 3.11 or newer; this is {sys.version.split()[0]}")
        return 2
    try:
        if args.command == "install":
            install(Path(args.venv).absolute(), extras=args.extras, dry_run=args.dry_run)
        elif args.command == "tox":
            run_tox(tox_args, dry_run=args.dry_run)
        else:
            run_tox(TOX_COMMANDS[args.command], dry_run=args.dry_run)
    except SetupError as exc:
        _say(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
