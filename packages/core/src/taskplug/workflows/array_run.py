"""Running the items of a map task on this machine: a bounded pool, outputs in input order.

:func:`run_items` calls ``fn(**item)`` for every item. With more than one worker the items run
on a :class:`~concurrent.futures.ThreadPoolExecutor` of ``workers`` threads, in chunks of
consecutive items, each chunk in a copy of the caller's context (so the current execution and
other context variables are seen); one worker (or one item) runs them in the calling thread.
Failures are judged in input order, as flytekit's sequential loop judges them, so the same
item's exception is raised either way.
"""

from __future__ import annotations

import contextvars
import math
import os
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["default_workers", "run_items"]


def default_workers() -> int:
    """The pool size when ``concurrency`` is not set (or 0): ThreadPoolExecutor's default."""
    return min(32, (os.cpu_count() or 1) + 4)


def _mark(exc: BaseException, label: str, index: int, n: int) -> None:
    note = f"(item {index} of {n} of {label})"
    if note not in getattr(exc, "__notes__", ()):
        exc.add_note(note)


def run_items(
    fn: Callable[..., Any],
    items: Iterable[dict[str, Any]],
    *,
    n: int,
    need: int,
    workers: int | None,
    label: str,
) -> list[Any]:
    """``[fn(**item) for item in items]`` on up to ``workers`` threads (``None``/``0``: the
    default pool size); a failed item's output is ``None`` while at least ``need`` items can
    still succeed, otherwise its exception is raised (with a note naming the item).

    The items go to the pool in consecutive chunks (about four per worker, so a pool of 8
    threads gets 32 chunks): every worker stays busy and submitting costs little per item.
    """
    size = workers or default_workers()
    size = min(size, n)
    if size <= 1:
        return _sequential(fn, items, n=n, need=need, label=label)
    from concurrent.futures import ThreadPoolExecutor

    todo = list(items)
    per = max(1, math.ceil(n / (size * _CHUNKS_PER_WORKER)))
    outputs: list[Any] = [None] * n
    failed = 0
    with ThreadPoolExecutor(max_workers=size, thread_name_prefix="taskplug-map") as pool:
        futures = [
            pool.submit(_run_chunk, contextvars.copy_context(), fn, todo[start : start + per])
            for start in range(0, n, per)
        ]
        i = 0
        for k, future in enumerate(futures):
            for ok, value in future.result():
                if ok:
                    outputs[i] = value
                else:
                    failed += 1
                    if n - failed < need:
                        for rest in futures[k + 1 :]:
                            rest.cancel()
                        _mark(value, label, i, n)
                        raise value
                i += 1
    return outputs


#: Chunks per worker thread (load balance against the cost of handing work to the pool).
_CHUNKS_PER_WORKER = 4


def _run_chunk(
    ctx: contextvars.Context, fn: Callable[..., Any], chunk: list[dict[str, Any]]
) -> list[tuple[bool, Any]]:
    done: list[tuple[bool, Any]] = []
    for item in chunk:
        try:
            done.append((True, ctx.run(fn, **item)))
        except Exception as exc:
            done.append((False, exc))
    return done


def _sequential(
    fn: Callable[..., Any], items: Iterable[dict[str, Any]], *, n: int, need: int, label: str
) -> list[Any]:
    outputs: list[Any] = []
    failed = 0
    for i, item in enumerate(items):
        try:
            outputs.append(fn(**item))
        except Exception as exc:
            outputs.append(None)
            failed += 1
            if n - failed < need:
                _mark(exc, label, i, n)
                raise
    return outputs
