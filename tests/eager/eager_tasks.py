"""Tasks the eager tests run: module-level, so subprocesses and Ray workers can load them."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

from taskplug import task
from taskplug_eager import current_run, eager


class CustomError(Exception):
    """An exception class of the user's own (its type must survive a process boundary)."""


@task
def add(a: int, b: int) -> int:
    return a + b


@task
async def async_add(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


@task
def fail(x: int) -> int:
    if x >= 0:
        raise CustomError(f"no good: {x}")
    return x


@task
def value_error(x: int) -> int:
    if x >= 0:
        raise ValueError(f"bad value {x}")
    return x


@task
def own_timeout(x: int) -> int:
    if x >= 0:
        raise TimeoutError(f"the database took too long ({x})")
    return x


@task
def kill_self(x: int) -> int:
    if x >= 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


@task
def sleepy(folder: str, seconds: float) -> int:
    """Leave a file named after this process's pid in ``folder``, then sleep."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / str(os.getpid())).write_text(str(time.time()))
    time.sleep(seconds)
    return os.getpid()


@task
def env_value(name: str) -> str:
    return os.environ.get(name, "")


# -- for the local backend: tasks that prove parallelism and the concurrency limit -------------

_lock = threading.Lock()
_state = {"running": 0, "peak": 0}


def reset_peak() -> None:
    with _lock:
        _state["running"] = 0
        _state["peak"] = 0


def peak() -> int:
    return _state["peak"]


@task
def counted(x: int) -> int:
    """Records how many of these run at the same time."""
    with _lock:
        _state["running"] += 1
        _state["peak"] = max(_state["peak"], _state["running"])
    time.sleep(0.05)
    with _lock:
        _state["running"] -= 1
    return x


_barrier: dict[str, threading.Barrier] = {}


def set_barrier(n: int) -> None:
    _barrier["b"] = threading.Barrier(n, timeout=20)


@task
def rendezvous(x: int) -> int:
    """Passes only when all n calls wait here at the same time (else BrokenBarrierError)."""
    _barrier["b"].wait()
    return x


# -- eager tasks ------------------------------------------------------------------------------


@eager
async def inner(x: int) -> int:
    return add(a=x, b=100)


@eager
async def mixed(n: int) -> int:
    """Sync call, gathered sync calls, gathered async calls, a nested eager task."""
    one = add(a=1, b=2)
    sync_values = await asyncio.gather(*(add.aio(a=i, b=1) for i in range(n)))
    async_values = await asyncio.gather(*(async_add(a=i, b=1) for i in range(n)))
    nested = await inner(x=1)
    return one + sum(sync_values) + sum(async_values) + nested


@eager
async def catches(x: int) -> str:
    try:
        fail(x=x)
    except CustomError as exc:
        return f"caught {type(exc).__name__}: {exc}"
    return "not raised"


@eager
async def catches_async(x: int) -> str:
    try:
        await value_error.aio(x=x)
    except ValueError as exc:
        return f"caught {type(exc).__name__}: {exc}"
    return "not raised"


@eager
async def gather_fails(n: int) -> int:
    values = await asyncio.gather(*(add.aio(a=i, b=0) for i in range(n)), value_error.aio(x=1))
    return sum(values)


@eager
async def crashes(x: int) -> str:
    return str(kill_self(x=x))


@eager
async def fan_out_sleepy(folder: str, n: int, seconds: float) -> int:
    pids = await asyncio.gather(*(sleepy.aio(folder=folder, seconds=seconds) for _ in range(n)))
    return len(pids)


@eager
async def one_sleepy(folder: str, seconds: float) -> int:
    return sleepy(folder=folder, seconds=seconds)


@eager
async def versions(name: str) -> str:
    run = current_run()
    assert run is not None
    mine = run.settings.version
    child = env_value(name=name)
    nested = await nested_version(x=0)
    return f"{mine}|{child}|{nested}"


@eager
async def nested_version(x: int) -> str:
    run = current_run()
    assert run is not None
    return f"{run.settings.version}:{run.root_id}"


@eager
async def add_many(n: int) -> int:
    values = await asyncio.gather(*(add.aio(a=i, b=1) for i in range(n)))
    return sum(values)


@eager
async def count_parallel(n: int) -> int:
    values = await asyncio.gather(*(counted.aio(x=i) for i in range(n)))
    return len(values)


@eager
async def all_at_once(n: int) -> int:
    values = await asyncio.gather(*(rendezvous.aio(x=i) for i in range(n)))
    return sum(values)
