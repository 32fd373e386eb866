"""Helpers shared by the benchmarks: timing whole processes, progress, ratio tables.

Peak RSS of a process is read by the process itself, from ``VmHWM`` in ``/proc/self/status``
when it exits (a ``sitecustomize`` module this file puts first on the child's ``PYTHONPATH``
registers that, then removes itself from ``sys.modules`` so module counts stay as they were).
``ru_maxrss`` from ``wait4`` cannot be used: Linux keeps the high-water mark across ``exec``,
so a child started by this (larger) process reports at least the parent's size. Where
``/proc`` is missing, ``ru_maxrss`` is the fallback and the table says so.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable
RSS_FILE_ENV = "TASKPLUG_BENCH_RSS_FILE"

_SITECUSTOMIZE = '''"""Written by benchmarks/_common.py: report this process's peak RSS (VmHWM) when it exits."""
import atexit as _atexit
import os as _os
import sys as _sys


def _taskplug_bench_report_peak_rss():
    target = _os.environ.get("TASKPLUG_BENCH_RSS_FILE")
    if not target:
        return
    try:
        with open("/proc/self/status") as fh:
            kib = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return
    with open(target, "a") as out:
        out.write(f"{kib}\\n")


_atexit.register(_taskplug_bench_report_peak_rss)
_sys.modules.pop("sitecustomize", None)
'''


@dataclass
class ProcessRun:
    """Median wall time (s) and peak RSS (MiB) of a command over several runs."""

    wall: float
    rss_mib: float
    stdout: str
    rss_source: str = "VmHWM"


def run_process(
    args: list[str],
    *,
    repeat: int = 7,
    env: dict[str, str] | None = None,
    advance: Callable[[], None] | None = None,
) -> ProcessRun:
    """Run ``args`` ``repeat`` times (after one warm-up); median wall time, max peak RSS.

    ``args`` must start a Python program (a ``python`` command or a console script): its peak
    RSS is reported by the program itself, in its own process. ``advance`` is called after
    every run (a progress bar's).
    """
    walls: list[float] = []
    rss: list[float] = []
    out = ""
    source = "VmHWM"
    base = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory(prefix="taskplug-bench-") as tmp:
        hook = Path(tmp) / "hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(_SITECUSTOMIZE)
        base["PYTHONPATH"] = os.pathsep.join(p for p in (str(hook), base.get("PYTHONPATH")) if p)
        for i in range(repeat + 1):
            report = Path(tmp) / f"rss-{i}"
            child_env = {**base, RSS_FILE_ENV: str(report)}
            start = time.perf_counter()
            proc = subprocess.Popen(
                args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            stdout = proc.stdout.read().decode() if proc.stdout else ""
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            if proc.stdout:
                proc.stdout.close()
            if proc.stderr:
                proc.stderr.close()
            proc.returncode = os.waitstatus_to_exitcode(status)
            if advance is not None:
                advance()
            if proc.returncode != 0:
                raise RuntimeError(f"{args} failed ({proc.returncode}):\n{stderr[-3000:]}")
            if i == 0:
                continue  # warm-up: fills the OS page cache and writes .pyc files
            walls.append(wall)
            reported = report.read_text().split() if report.exists() else []
            if reported:
                rss.append(int(reported[-1]) / 1024)
            else:  # no /proc: the kernel's figure, which includes this parent's size
                rss.append(usage.ru_maxrss / 1024)
                source = "ru_maxrss (includes the parent's size)"
            out = stdout
    return ProcessRun(statistics.median(walls), max(rss), out, source)


@contextlib.contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr while a benchmark runs (drawn on a terminal only, then erased).

    Yields ``advance()``, to call after each step.
    """
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:  # pragma: no cover
        yield lambda: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


def print_table(title: str, rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> None:
    """A rich table (plain text when rich is missing)."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover
        print(title)
        print(" | ".join(headers))
        for row in rows:
            print(" | ".join(row))
        return
    table = Table(title=title)
    for h in headers:
        table.add_column(h)
    for row in rows:
        table.add_row(*row)
    Console(width=140).print(table)


def verdict(ok: bool) -> str:
    """A pass/miss marker for a target."""
    return "[green]meets target[/]" if ok else "[red]misses target[/]"
