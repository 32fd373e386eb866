"""Tasks of bench_eager.py (a module of their own, so process-backend children can load them)."""

from __future__ import annotations

import asyncio

import taskplug
import taskplug_eager


@taskplug.task
def add(a: int, b: int) -> int:
    return a + b


@taskplug.task
async def async_add(a: int, b: int) -> int:
    return a + b


@taskplug_eager.eager
async def gather_sync(n: int) -> int:
    values = await asyncio.gather(*(add.aio(a=i, b=1) for i in range(n)))
    return sum(values)


@taskplug_eager.eager
async def gather_async(n: int) -> int:
    values = await asyncio.gather(*(async_add(a=i, b=1) for i in range(n)))
    return sum(values)
