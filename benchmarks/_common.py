"""Helpers shared by the benchmarks: timing whole processes and printing ratio tables."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class ProcessRun:
    """Median wall time (s) and peak RSS (MiB) of a command over several runs."""

    wall: float
    rss_mib: float
    stdout: str


def run_process(
    args: list[str], *, repeat: int = 7, env: dict[str, str] | None = None
) -> ProcessRun:
    """Run ``args`` ``repeat`` times (after one warm-up); median wall time, max peak RSS."""
    walls: list[float] = []
    rss: list[float] = []
    out = ""
    for i in range(repeat + 1):
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        stdout = proc.stdout.read().decode() if proc.stdout else ""
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        proc.stdout and proc.stdout.close()
        proc.stderr and proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{args} failed ({proc.returncode}):\n{stderr[-3000:]}")
        if i == 0:
            continue  # warm-up: fills the OS page cache and writes .pyc files
        walls.append(wall)
        rss.append(usage.ru_maxrss / 1024)
        out = stdout
    return ProcessRun(statistics.median(walls), max(rss), out)


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


PYTHON = sys.executable
