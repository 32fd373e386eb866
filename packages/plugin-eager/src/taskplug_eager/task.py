"""``@eager`` and ``EagerAsyncPythonFunctionTask``: async tasks that drive other tasks.

Calling an eager task returns a coroutine (``await wf(x=1)``, or ``asyncio.run(wf(x=1))`` from
synchronous code). Its body is plain async Python; every task it calls becomes a child
execution on the configured backend (:mod:`taskplug_eager.settings`):

* ``t(x=1)`` of a sync task returns its value (the body waits for it);
* ``await t.aio(x=1)`` runs a sync task as an awaitable, so ``asyncio.gather`` runs many at
  once (up to the backend's ``concurrency``);
* ``await at(x=1)`` of an async task or a nested eager task.

A child's exception arrives with its original type. When the body fails or is cancelled,
every child still running is terminated.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Coroutine, Generator, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from taskplug.calls import current_interceptor, reset_interceptor, set_interceptor
from taskplug.context import current_execution
from taskplug.resolver import TaskResolver
from taskplug.tasks.function import AsyncPythonFunctionTask, PythonFunctionTask
from taskplug.tasks.metadata import TaskMetadata
from taskplug.workflows.compilation import COMPILING
from taskplug_eager.errors import EagerError, EagerNotAwaitedWarning, NoRemoteError
from taskplug_eager.runtime import (
    PARENT_RUN,
    EagerRun,
    new_run_id,
    root_id_from_env,
)

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug_eager.backends import Backend
    from taskplug_eager.settings import EagerSettings

__all__ = ["EagerAsyncPythonFunctionTask", "EagerCoroutine", "eager", "make_backend"]

T = TypeVar("T")


def make_backend(settings: EagerSettings) -> Backend:
    """Build the backend ``settings.backend`` names (registered through the backend hook)."""
    from taskplug_eager.backends import backend_registry

    return backend_registry().get(settings.backend).create(settings)


class EagerCoroutine(Coroutine[Any, Any, Any]):
    """The coroutine an eager task call returns: a coroutine that says so when it is dropped.

    Await it (``await wf(x=1)``) or run it (``asyncio.run(wf(x=1))``); one that is never
    started warns with :class:`~taskplug_eager.errors.EagerNotAwaitedWarning`, naming the task.
    """

    __slots__ = ("_coro", "_started", "_task_name")

    def __init__(self, task_name: str, coro: Coroutine[Any, Any, Any]) -> None:
        self._task_name = task_name
        self._coro = coro
        self._started = False

    def send(self, value: Any) -> Any:
        self._started = True
        return self._coro.send(value)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        self._started = True
        if val is None and tb is None:
            return self._coro.throw(typ)
        return self._coro.throw(typ, val, tb)

    def close(self) -> None:
        self._started = True
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        self._started = True
        return self._coro.__await__()

    def __repr__(self) -> str:
        return f"<eager call of task {self._task_name!r}: await it, or asyncio.run() it>"

    def __del__(self) -> None:
        if not self._started:
            self._coro.close()
            warnings.warn(
                f"eager task {self._task_name!r} was called but never run: calling an eager "
                "task returns a coroutine. Inside async code write `await task(...)`; from "
                "synchronous code run it with `asyncio.run(task(...))` (or task.run(...) "
                "with a backend)",
                EagerNotAwaitedWarning,
                stacklevel=2,
            )


class EagerAsyncPythonFunctionTask(AsyncPythonFunctionTask[T]):
    """An eager task (flytekit's "eager workflow"): Python drives the children.

    An ``AsyncPythonFunctionTask`` with ``execution_mode`` EAGER and ``metadata.is_eager``
    set; serialized like flytekit's (task type ``python-task``, ``is_eager`` metadata).
    """

    task_type = "python-task"

    def __init__(
        self,
        task_config: T | None,
        task_function: Callable[..., Any],
        task_type: str = "python-task",
        ignore_input_vars: list[str] | None = None,
        task_resolver: TaskResolver | None = None,
        node_dependency_hints: Iterable[Any] | None = None,
        enable_deck: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("execution_mode", None)
        metadata = kwargs.get("metadata")
        if isinstance(metadata, TaskMetadata):
            metadata.is_eager = True
        else:
            kwargs["metadata"] = TaskMetadata(is_eager=True)
        if kwargs.get("disable_deck") is not None:
            enable_deck = None  # type: ignore[assignment]
        super().__init__(
            task_config,
            task_function,
            task_type,
            ignore_input_vars,
            PythonFunctionTask.ExecutionBehavior.EAGER,
            task_resolver,
            node_dependency_hints,
            enable_deck=enable_deck,
            **kwargs,
        )

    def get_container(self, settings: SerializationSettings) -> Any:
        """The container, with the serialization settings in ``_F_SS_C`` (as flytekit).

        The eager task reads them back in its container, so its children run with the
        parent's version and settings.
        """
        from taskplug_eager.settings import SERIALIZED_CONTEXT_ENV_VAR, serialized_context

        env = dict(settings.env or {})
        env[SERIALIZED_CONTEXT_ENV_VAR] = serialized_context(settings)
        return super().get_container(settings.replace(env=env))

    # -- calling ------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """A coroutine: a new eager run, or a child of the eager run this is called in.

        Inside a workflow being compiled (``@workflow``), a node, as for any task.
        """
        if COMPILING.get() is not None:
            return super().__call__(*args, **kwargs)
        interceptor = current_interceptor()
        values = self.python_interface.bind(self.name, args, kwargs)
        if interceptor is not None:
            return interceptor.acall(self, values)
        return EagerCoroutine(self.name, self.async_call(**values))

    def aio(self, *args: Any, **kwargs: Any) -> Any:
        """The same as calling the eager task (it is already awaitable)."""
        return self(*args, **kwargs)

    async def run_with_backend(self, **kwargs: Any) -> Any:
        """Start a top-level run on the configured backend (``eager_settings``/environment)."""
        token = set_interceptor(None)
        parent = PARENT_RUN.set(None)
        try:
            return await self.async_call(**kwargs)
        finally:
            PARENT_RUN.reset(parent)
            reset_interceptor(token)

    def run(self, remote: Any, ss: SerializationSettings | None = None, **kwargs: Any) -> Any:
        """Run to completion from synchronous code, children on ``remote``.

        ``remote`` is a backend name (``"local"``, ``"process"``, ``"ray"``) or
        :class:`~taskplug_eager.settings.EagerSettings`; ``ss`` the serialization settings the
        children run with. taskplug has no Flyte remote: ``None`` (or anything else) raises
        :class:`~taskplug_eager.errors.NoRemoteError`.
        """
        from taskplug_eager.settings import EagerSettings, current_settings, eager_settings

        if isinstance(remote, EagerSettings):
            settings = remote
        elif isinstance(remote, str) and remote:
            settings = current_settings().replace(backend=remote)
        else:
            raise NoRemoteError(
                f"eager task {self.name!r}: run(remote, ss, ...) needs a remote to run on, got "
                f"{remote!r}. taskplug talks to no Flyte control plane: pass a backend name "
                "('local', 'process', 'ray') or EagerSettings, or use "
                "`await task.run_with_backend(...)` / `asyncio.run(task(...))`"
            )
        if ss is not None:
            settings = settings.replace(serialization_settings=ss)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise EagerError(
                f"eager task {self.name!r}: run() is synchronous and an event loop is running "
                "here; use `await task.run_with_backend(...)` instead"
            )
        with eager_settings(settings):
            return asyncio.run(self.run_with_backend(**kwargs))

    # -- executing ----------------------------------------------------------------------------

    def execute(self, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        """The coroutine that drives the body as an eager run."""
        return self._drive(kwargs)

    async def _drive(self, inputs: dict[str, Any]) -> Any:
        from taskplug_eager.settings import current_settings

        state = current_execution()
        mode = state.mode if state is not None else "local"
        params = state.params if state is not None else None
        nested = PARENT_RUN.get()
        if nested is not None:
            parent, child = nested
            run = EagerRun(
                task=self,
                settings=parent.settings,
                backend=parent.backend,
                run_id=child.execution_id,
                root_id=parent.root_id,
                parent=parent,
                owns_backend=False,
            )
            child.run = run.record
        else:
            settings = current_settings()
            in_container = mode == "container" and params is not None
            run_id = params.run_id if in_container and params is not None else new_run_id()
            run = EagerRun(
                task=self,
                settings=settings,
                backend=make_backend(settings),
                run_id=run_id,
                root_id=root_id_from_env(run_id),
            )
        token = PARENT_RUN.set(None)
        try:
            return await run.drive(
                self._task_function(**inputs), handle_signals=mode == "container" and not nested
            )
        except asyncio.CancelledError:
            if run.terminated_by:
                raise EagerError(
                    f"eager run {run.run_id} of task {self.name!r} was terminated by "
                    f"{run.terminated_by}; its children still running were terminated"
                ) from None
            raise
        finally:
            PARENT_RUN.reset(token)
            if mode == "container" and params is not None and params.output_prefix:
                _write_record(params.output_prefix, run)

    def get_as_workflow(self) -> Any:
        """The eager task in a workflow whose failure node is an :class:`EagerFailureHandlerTask`.

        An ``ImperativeWorkflow`` named like the task, with the task's inputs and outputs, one
        node running the eager task and the failure node ``{name}-cleanup`` (as flytekit).
        """
        from taskplug_eager.failure import as_workflow

        return as_workflow(self)


def _write_record(output_prefix: str, run: EagerRun) -> None:
    from taskplug.execute.storage import write_atomic
    from taskplug_eager.backends.process import RECORD_FILE

    try:
        write_atomic(output_prefix, RECORD_FILE, run.record.to_json().encode())
    except Exception as exc:  # the record must never turn a result into a failure
        warnings.warn(
            f"eager run {run.run_id}: the run record could not be written to "
            f"{output_prefix!r}: {type(exc).__name__}: {exc}",
            RuntimeWarning,
            stacklevel=2,
        )


def eager(
    _fn: Callable[..., Any] | None = None, /, **kwargs: Any
) -> EagerAsyncPythonFunctionTask[Any] | partial[Any]:
    """Make an eager task from an ``async def`` function (flytekit's ``@eager``).

    ```python
    @eager
    async def fan_out(n: int) -> int:
        values = await asyncio.gather(*(add.aio(a=i, b=1) for i in range(n)))
        return sum(values)
    ```

    Keyword arguments go to :class:`EagerAsyncPythonFunctionTask`, as in flytekit
    (``container_image``, ``environment``, ``requests``, ``limits``,
    ``metadata=TaskMetadata(timeout=...)`` …). As flytekit, eager tasks declare a deck
    (``enable_deck`` is ignored).
    """
    if _fn is None:
        return partial(eager, **kwargs)
    if not asyncio.iscoroutinefunction(_fn):
        raise TypeError(
            f"@eager needs an async function (`async def {getattr(_fn, '__name__', '?')}`), "
            f"got {_fn!r}"
        )
    kwargs.pop("enable_deck", None)
    task: EagerAsyncPythonFunctionTask[Any] = EagerAsyncPythonFunctionTask(
        None, _fn, enable_deck=True, **kwargs
    )
    import functools

    functools.update_wrapper(task, _fn)
    return task
