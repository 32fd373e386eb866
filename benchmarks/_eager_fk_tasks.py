"""flytekit's side of bench_eager.py (module level, as flytekit requires)."""

from __future__ import annotations

import asyncio

import flytekit


@flytekit.task
async def fk_async_add(a: int, b: int) -> int:
    return a + b


async def fk_gather(n: int) -> int:
    values = await asyncio.gather(*(fk_async_add(a=i, b=1) for i in range(n)))
    return sum(values)


fk_decks = flytekit.eager(fk_gather)
fk_nodecks = flytekit.eager(fk_gather)
fk_nodecks._disable_deck = True  # flytekit's @eager forces decks on; switch them off
