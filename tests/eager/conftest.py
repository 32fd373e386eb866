"""Fixtures of the eager tests: a real Ray runtime (once per session), leftover-process checks."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            state = fh.read().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(predicate: Any, *, timeout: float = 60, what: str = "condition") -> None:
    """Poll ``predicate`` until true (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def pids_in(folder: Path) -> list[int]:
    return [int(p.name) for p in folder.iterdir()] if folder.is_dir() else []


@pytest.fixture(scope="session")
def ray_runtime() -> Iterator[Any]:
    """A real local Ray runtime: 2 CPUs, no dashboard; started once per test session."""
    ray = pytest.importorskip("ray", reason="the ray backend tests need taskplug-eager[ray]")
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    # Ray gives its raylet a fixed 30 s to register; on a busy 2-core machine that can pass,
    # so start-up is tried up to three times.
    for attempt in range(3):
        try:
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                object_store_memory=100 * 1024 * 1024,
                runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}},
            )
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
            time.sleep(5)
    try:
        yield ray
    finally:
        ray.shutdown()
