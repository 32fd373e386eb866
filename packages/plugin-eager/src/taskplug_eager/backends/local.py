"""The ``local`` backend: children run in this process.

Sync tasks run in a bounded pool of worker threads (``concurrency`` threads), so a gather of
``task.aio(...)`` calls really runs in parallel (for work that releases the GIL: I/O,
subprocesses, native code). Async tasks and nested eager tasks run as coroutines on the
eager run's own event loop. Each child still takes the literal round trip, as in a cluster.

Python cannot stop a running thread: when a run fails or is cancelled, queued sync children
never start and async children are cancelled, but a sync child already running in a worker
thread finishes there (its result is dropped; the record says ``cancelled``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TYPE_CHECKING, Any

from taskplug.calls import reset_interceptor, set_interceptor
from taskplug.context import ExecutionParameters
from taskplug.tasks.base import UserCodeError, user_exception
from taskplug.tasks.function import AsyncPythonFunctionTask
from taskplug_eager.backends import Backend, ChildCall
from taskplug_eager.errors import CallTimeoutExpired
from taskplug_eager.runtime import PARENT_RUN, current_run

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug_eager.settings import EagerSettings

__all__ = ["LocalBackend"]


def _params(call: ChildCall) -> ExecutionParameters:
    return ExecutionParameters(task_name=call.task.name, execution_id=call.execution.execution_id)


def _run_sync(call: ChildCall) -> literals_pb2.LiteralMap:
    """Run a sync child here (a worker thread, or the caller with no interceptor installed)."""
    call.execution.mark_running()
    try:
        return call.task.dispatch_execute(call.inputs, params=_params(call), mode="local")
    except UserCodeError as err:
        failure = user_exception(err)
    raise failure


class LocalBackend(Backend):
    """In-process execution; sync tasks in a pool of ``settings.concurrency`` threads."""

    name = "local"

    def __init__(self, settings: EagerSettings) -> None:
        super().__init__(settings)
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        pool = self._pool
        if pool is None:
            pool = self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=self.settings.concurrency, thread_name_prefix="taskplug-eager-local"
            )
        return pool

    async def run(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """Sync tasks in the worker pool; async and eager tasks on this event loop."""
        if isinstance(call.task, AsyncPythonFunctionTask):
            return await self._run_async(call)
        # Worker threads start with an empty context: no interceptor, plain calls inside.
        return await asyncio.get_running_loop().run_in_executor(self._executor(), _run_sync, call)

    async def _run_async(self, call: ChildCall) -> literals_pb2.LiteralMap:
        task: Any = call.task
        call.execution.mark_running()
        nested = call.execution.kind == "eager"
        token = set_interceptor(None)
        parent = current_run()
        parent_token = PARENT_RUN.set((parent, call.execution) if nested and parent else None)
        try:
            try:
                out: literals_pb2.LiteralMap = await task.async_dispatch_execute(
                    call.inputs, params=_params(call), mode="local"
                )
                return out
            except UserCodeError as err:
                failure = user_exception(err)
        finally:
            PARENT_RUN.reset(parent_token)
            reset_interceptor(token)
        raise failure

    def run_blocking(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """A sync call in the body: run inline (no thread hand-off) unless a timeout applies."""
        if isinstance(call.task, AsyncPythonFunctionTask):
            return super().run_blocking(call)
        if call.timeout is None:
            token = set_interceptor(None)
            try:
                return _run_sync(call)
            finally:
                reset_interceptor(token)
        future = self._executor().submit(_run_sync, call)
        try:
            return future.result(call.timeout)
        except TimeoutError:
            if future.done():  # the child itself raised a TimeoutError
                raise
            future.cancel()
            raise CallTimeoutExpired(f"child {call.execution.execution_id} timed out") from None

    async def close(self) -> None:
        """Stop the worker pool (queued children are dropped; running ones finish)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        await super().close()
