"""One isolated run of an example script.

Each run gets a fresh temporary directory holding a copy of the script's whole project (so
sibling modules and data files are found, and nothing the script writes touches the
checkout), its own ``HOME`` (no ``~/.flyte`` configuration or local cache is shared between
runs) and its own ``TMPDIR``. When the run is the taskplug one, every ``.py`` file of the copy
goes through the import-rewriting rule first.

No network: the proxy variables point at a closed local port (which stops HTTP clients that
honour them), and when the ``unshare`` tool can make a user and network namespace the script
runs in one with only a loopback interface (nothing outside the machine is reachable at all).
Variables that point flytekit at a cluster (``FLYTE_*``, ``FLYTECTL_CONFIG``) or clouds
(``AWS_*``, ``GOOGLE_*``, ``AZURE_*``) are not passed on: the environment is built from scratch.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from snacks.discover import Script
from snacks.rewrite import rewrite_source

_CLOSED_PROXY = "http://127.0.0.1:9"
_NETNS_PREFIX = ("unshare", "--map-root-user", "--net", "--")
# Inside the new namespace the loopback interface starts down; bring it up when `ip` exists.
_LOOPBACK_UP = 'ip link set lo up 2>/dev/null; exec "$@"'


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """What one subprocess run did. ``exit_code`` is None when it was killed at the timeout."""

    command: list[str]
    cwd: str
    exit_code: int | None
    timed_out: bool
    seconds: float
    stdout: str
    stderr: str
    run_root: str
    rewritten_files: int


def network_namespace_works() -> bool:
    """True when ``unshare`` can run a command without network access on this machine."""
    if shutil.which("unshare") is None:
        return False
    try:
        proc = subprocess.run([*_NETNS_PREFIX, "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _environment(*, home: Path, tmp: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "COLUMNS": "120",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        # Plain Python tracebacks (flytekit installs rich's otherwise), so both runs' errors
        # read the same way.
        "FLYTE_SDK_RICH_TRACEBACKS": "0",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "",
        "no_proxy": "",
    }
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        env[name] = env[name.upper()] = _CLOSED_PROXY
    return env


def _copy_project(script: Script, *, dest: Path, rewrite: bool) -> int:
    shutil.copytree(
        script.project,
        dest,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"),
    )
    if not rewrite:
        return 0
    rewritten = 0
    for path in dest.rglob("*.py"):
        try:
            source = path.read_text(encoding="utf-8")
            new, changes = rewrite_source(source, filename=str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue  # left as it is: the run then shows what Python makes of it
        if changes:
            path.write_text(new, encoding="utf-8")
            rewritten += 1
    return rewritten


def _command(
    script: Script, *, python: Path, copy: Path, as_module: bool
) -> tuple[list[str], Path]:
    if as_module:
        return [str(python), "-m", script.module], copy
    return [str(python), script.path.name], copy / script.package


def run_script(
    script: Script,
    *,
    python: Path,
    rewrite: bool,
    timeout: float,
    isolate_network: bool,
    as_module: bool,
    keep: bool = False,
) -> RunResult:
    """Run ``script`` once with ``python`` (after rewriting its imports when ``rewrite``).

    ``as_module``: ``python -m package.module`` from the project folder instead of
    ``python script.py`` from the script's folder.
    """
    root = Path(tempfile.mkdtemp(prefix="snacks-")).resolve()
    try:
        home, tmp = root / "home", root / "tmp"
        home.mkdir()
        tmp.mkdir()
        copy = root / script.package
        rewritten = _copy_project(script, dest=copy, rewrite=rewrite)
        command, cwd = _command(script, python=python, copy=copy, as_module=as_module)
        if isolate_network:
            command = [*_NETNS_PREFIX, "sh", "-c", _LOOPBACK_UP, "sh", *command]
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=_environment(home=home, tmp=tmp),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        timed_out = False
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
        seconds = time.perf_counter() - started
        return RunResult(
            command=command,
            cwd=str(cwd),
            exit_code=None if timed_out else proc.returncode,
            timed_out=timed_out,
            seconds=round(seconds, 2),
            stdout=stdout,
            stderr=stderr,
            run_root=str(root),
            rewritten_files=rewritten,
        )
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
