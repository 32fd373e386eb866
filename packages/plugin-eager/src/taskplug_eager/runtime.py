"""The live side of an eager run: calls made in the body become child executions on a backend.

An :class:`EagerRun` is a :class:`taskplug.calls.CallInterceptor` installed while the eager
task's body runs. Every task called in the body becomes a child: its inputs are converted to a
``LiteralMap`` (a bad input fails at the call, naming the task and the input), the backend runs
it, and the outputs come back as Python values. The run keeps a :class:`RunRecord`. When the
body fails or is cancelled, every child still running is cancelled, and each backend
terminates its child (kills the subprocess, cancels the Ray task) before the error goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from taskplug.calls import reset_interceptor, set_interceptor
from taskplug_eager.errors import (
    CallTimeoutExpired,
    EagerChildError,
    EagerError,
    EagerTimeoutError,
)
from taskplug_eager.record import ChildExecution, RunRecord, _note_run

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from flyteidl.core import literals_pb2

    from taskplug.tasks.base import PythonTask
    from taskplug_eager.backends import Backend
    from taskplug_eager.settings import EagerSettings

__all__ = ["EAGER_ROOT_ENV_NAME", "EagerRun", "current_run"]

#: Environment variable naming the top-level eager execution (flytekit's ``_F_EE_ROOT``).
EAGER_ROOT_ENV_NAME = "_F_EE_ROOT"

_RUN: ContextVar[EagerRun | None] = ContextVar("taskplug_eager_run", default=None)
#: Set by an in-process backend around a nested eager child: the calling run and the child.
PARENT_RUN: ContextVar[tuple[EagerRun, ChildExecution] | None] = ContextVar(
    "taskplug_eager_parent", default=None
)


def current_run() -> EagerRun | None:
    """The eager run whose body is executing here (``None`` outside eager bodies)."""
    return _RUN.get()


def _kind(task: PythonTask[Any]) -> str:
    from taskplug.tasks.function import AsyncPythonFunctionTask

    if getattr(task.metadata, "is_eager", False):
        return "eager"
    return "async" if isinstance(task, AsyncPythonFunctionTask) else "task"


class EagerRun:
    """One run of an eager task's body: settings, backend, record, children in flight."""

    def __init__(
        self,
        *,
        task: PythonTask[Any],
        settings: EagerSettings,
        backend: Backend,
        run_id: str,
        root_id: str,
        parent: EagerRun | None = None,
        owns_backend: bool = True,
    ) -> None:
        self.task = task
        self.settings = settings
        self.backend = backend
        self.run_id = run_id
        self.root_id = root_id
        self.parent = parent
        self.owns_backend = owns_backend
        self.record = RunRecord(
            run_id=run_id,
            task=task.name,
            backend=backend.name,
            version=settings.version,
            root_id=root_id,
        )
        self._count = 0
        self._count_lock = threading.Lock()
        self._inflight: set[asyncio.Task[Any]] = set()
        self._body: asyncio.Task[Any] | None = None
        self._closed = False
        #: The signal that terminated the run (container runs handle SIGTERM and SIGINT).
        self.terminated_by: str | None = None

    # -- children ----------------------------------------------------------------------------

    def _child(self, task: PythonTask[Any]) -> ChildExecution:
        if self._closed:
            raise EagerError(
                f"eager run {self.run_id} of task {self.task.name!r} has ended; task "
                f"{task.name!r} cannot be started from it any more (a coroutine outlived the "
                "eager body: await every call inside the body)"
            )
        with self._count_lock:
            self._count += 1
            n = self._count
        child = ChildExecution(
            execution_id=f"{self.run_id}.{n}",
            task=task.name,
            kind=_kind(task),
            backend=self.backend.name,
        )
        self.record.executions.append(child)
        return child

    def _timeout(self, task: PythonTask[Any]) -> float | None:
        own = task.metadata.timeout
        if own:
            return float(own.total_seconds() if hasattr(own, "total_seconds") else own)
        return self.settings.call_timeout

    def _make_call(self, task: PythonTask[Any], inputs: dict[str, Any]) -> Any:
        from taskplug_eager.backends import ChildCall

        lm = task.inputs_to_literal_map(inputs)  # bad input: fails here, naming task and input
        child = self._child(task)
        return ChildCall(
            task=task,
            inputs=lm,
            execution=child,
            timeout=self._timeout(task),
            settings=self.settings,
            root_id=self.root_id,
            run_id=self.run_id,
        )

    def call(self, task: PythonTask[Any], inputs: dict[str, Any]) -> Any:
        """A synchronous call in the body: run the child on the backend and wait for it."""
        call = self._make_call(task, inputs)
        child = call.execution
        try:
            out = self.backend.run_blocking(call)
        except CallTimeoutExpired as exc:
            raise self._timed_out(call) from exc
        except BaseException as exc:
            self._failed(child, exc)
            raise
        child.mark_done("succeeded")
        return task.outputs_from_literal_map(out)

    def acall(self, task: PythonTask[Any], inputs: dict[str, Any]) -> Awaitable[Any]:
        """An awaited call in the body (async task, nested eager task, ``task.aio``)."""
        return self._acall(task, inputs)

    async def _acall(self, task: PythonTask[Any], inputs: dict[str, Any]) -> Any:
        call = self._make_call(task, inputs)
        child = call.execution
        current = asyncio.current_task()
        tracked = current is not None and current is not self._body
        if tracked:
            assert current is not None
            self._inflight.add(current)
        try:
            limit = asyncio.timeout(call.timeout)
            try:
                async with limit:
                    out = await self.backend.run(call)
            except TimeoutError as exc:
                if limit.expired():
                    raise self._timed_out(call) from exc
                self._failed(child, exc)  # the child's own TimeoutError
                raise
            except asyncio.CancelledError:
                if not child.finished:
                    child.mark_done("cancelled", "cancelled: the eager run failed or was cancelled")
                raise
            except BaseException as exc:
                self._failed(child, exc)
                raise
            child.mark_done("succeeded")
            return task.outputs_from_literal_map(out)
        finally:
            if tracked:
                assert current is not None
                self._inflight.discard(current)

    def _failed(self, child: ChildExecution, exc: BaseException) -> None:
        if child.finished:
            return
        if isinstance(exc, EagerChildError) and exc.execution is None:
            exc.execution = child
        child.mark_done("failed", f"{type(exc).__name__}: {exc}")

    def _timed_out(self, call: Any) -> EagerTimeoutError:
        child: ChildExecution = call.execution
        err = EagerTimeoutError(
            f"child {child.execution_id} of task {call.task.name!r} did not finish within "
            f"{call.timeout:g} s and was terminated (per-call timeout: the task's timeout, "
            "else the eager setting call_timeout)"
        )
        err.execution = child
        err.error_code = "SYSTEM:Timeout"
        child.mark_done("timed_out", str(err))
        return err

    # -- the body ----------------------------------------------------------------------------

    async def drive(self, body: Awaitable[Any], *, handle_signals: bool = False) -> Any:
        """Run ``body`` with this run's interceptor installed; clean up whatever it started."""
        self._body = asyncio.current_task()
        if self.parent is None:
            _note_run(self.record)
        if self.owns_backend:
            await self.backend.start()
        removed = self._install_signals() if handle_signals else []
        token = set_interceptor(self)
        run_token = _RUN.set(self)
        try:
            result = await body
        except BaseException as exc:
            self.record.status = (
                "cancelled" if isinstance(exc, asyncio.CancelledError) else "failed"
            )
            self.record.error = (
                f"terminated by {self.terminated_by}"
                if self.terminated_by
                else f"{type(exc).__name__}: {exc}"
            )
            raise
        else:
            self.record.status = "succeeded"
            return result
        finally:
            _RUN.reset(run_token)
            reset_interceptor(token)
            self._closed = True
            try:
                await self._cancel_inflight()
            finally:
                for sig in removed:
                    with contextlib.suppress(Exception):
                        asyncio.get_running_loop().remove_signal_handler(sig)
                self.record.end = time.time()
                if self.owns_backend:
                    await self.backend.close()

    async def _cancel_inflight(self) -> None:
        """Cancel every child still in flight and wait until each backend terminated its own."""
        while True:
            pending = [t for t in self._inflight if not t.done()]
            if not pending:
                break
            for t in pending:
                t.cancel()
            await asyncio.wait(pending)
            self._inflight.difference_update(pending)
        for child in self.record.executions:
            if not child.finished:
                child.mark_done("cancelled", "cancelled: the eager run ended before it did")

    def _install_signals(self) -> list[int]:
        """In the main thread of a container run: SIGTERM/SIGINT cancel the body (cleanly)."""
        if threading.current_thread() is not threading.main_thread() or self._body is None:
            return []
        loop = asyncio.get_running_loop()
        installed: list[int] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover
                continue
            installed.append(sig)
        return installed

    def _on_signal(self, sig: int) -> None:
        self.terminated_by = signal.Signals(sig).name
        if self._body is not None:
            self._body.cancel(msg=f"eager run {self.run_id} received {signal.Signals(sig).name}")


def new_run_id() -> str:
    """A fresh id for a top-level local run (``eager-<hex>``)."""
    return f"eager-{uuid.uuid4().hex[:12]}"


def root_id_from_env(default: str) -> str:
    """``_F_EE_ROOT`` when a parent set it, else ``default``."""
    return os.environ.get(EAGER_ROOT_ENV_NAME) or default


def literal_map_bytes(lm: literals_pb2.LiteralMap) -> bytes:
    """Deterministic bytes of a literal map."""
    data: bytes = lm.SerializeToString(deterministic=True)
    return data
