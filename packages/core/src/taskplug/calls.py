"""Call interception: let a plugin take over task calls made while one of its runs is active.

A plain call ``add(a=1, b=2)`` runs the task locally. Some task types drive *other* tasks:
an eager task's body calls tasks, and each of those calls should become an execution of its
own on a backend (a worker pool, a subprocess, a Ray task) instead of a local call. Such a
plugin installs a :class:`CallInterceptor` for the duration of its run::

    from taskplug.calls import intercept_calls

    with intercept_calls(my_run):     # contextvar: this thread / asyncio task and its children
        await body(**inputs)          # add(a=1) inside -> my_run.call(add, {"a": 1})

While it is installed (in this context only: other threads and asyncio tasks are unaffected,
and asyncio tasks created inside inherit it):

* ``task(...)`` of a synchronous task returns ``interceptor.call(task, inputs)``;
* ``task(...)`` of an async task (``AsyncPythonFunctionTask``, eager tasks) and
  ``task.aio(...)`` of any task return ``interceptor.acall(task, inputs)``, an awaitable.

``inputs`` is the dict of bound inputs (positional arguments already turned into names,
defaults filled in, unknown names refused). Without an interceptor a call costs one
``ContextVar.get()`` more than before (tens of nanoseconds). An interceptor that runs a task
in the same thread and wants the task's own calls to run plainly installs ``None`` around it
(``with intercept_calls(None): ...``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from taskplug.tasks.base import PythonTask

__all__ = [
    "CallInterceptor",
    "current_interceptor",
    "intercept_calls",
    "reset_interceptor",
    "set_interceptor",
]


@runtime_checkable
class CallInterceptor(Protocol):
    """Receives the task calls made while it is installed (see the module docstring)."""

    def call(self, task: PythonTask[Any], inputs: dict[str, Any]) -> Any:
        """A synchronous call ``task(**inputs)``: return what the call returns."""
        ...

    def acall(self, task: PythonTask[Any], inputs: dict[str, Any]) -> Awaitable[Any]:
        """An awaited call (async task, or ``task.aio(...)``): return an awaitable."""
        ...


_INTERCEPTOR: ContextVar[CallInterceptor | None] = ContextVar(
    "taskplug_call_interceptor", default=None
)
#: The bound ``get`` of the context variable (what the task classes call on every call).
get_interceptor = _INTERCEPTOR.get


def current_interceptor() -> CallInterceptor | None:
    """The interceptor installed in this context, if any."""
    return _INTERCEPTOR.get()


def set_interceptor(interceptor: CallInterceptor | None) -> Token[CallInterceptor | None]:
    """Install ``interceptor`` (``None``: plain calls) in this context; returns the reset token."""
    if interceptor is not None and not isinstance(interceptor, CallInterceptor):
        raise TypeError(
            f"set_interceptor() takes an object with call() and acall() methods (a "
            f"taskplug.calls.CallInterceptor) or None, got {type(interceptor).__name__}"
        )
    return _INTERCEPTOR.set(interceptor)


def reset_interceptor(token: Token[CallInterceptor | None]) -> None:
    """Restore the interceptor that was installed before :func:`set_interceptor`."""
    _INTERCEPTOR.reset(token)


@contextlib.contextmanager
def intercept_calls(interceptor: CallInterceptor | None) -> Iterator[CallInterceptor | None]:
    """Install ``interceptor`` for the duration of the block (``None``: plain calls)."""
    token = set_interceptor(interceptor)
    try:
        yield interceptor
    finally:
        _INTERCEPTOR.reset(token)
