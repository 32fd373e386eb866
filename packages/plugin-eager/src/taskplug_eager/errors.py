"""Errors of eager runs, and children's failures rebuilt with their original type.

A child that fails in another process (process or Ray backend) reports an ``ErrorDocument``
(flytekit's ``error.pb``). The parent rebuilds the exception the child raised: an instance of a
class derived from both :class:`EagerChildError` and the original class (found by the qualified
name in the child's traceback), so ``except ValueError`` catches a child's ``ValueError`` and
``err.execution`` says which child it was. In the local backend the child's own exception
object is raised.
"""

from __future__ import annotations

import functools
import importlib
import re
import signal
from typing import TYPE_CHECKING, Any

from taskplug.errors import TaskplugError
from taskplug.exceptions.eager import EagerException

if TYPE_CHECKING:
    from taskplug_eager.record import ChildExecution

__all__ = [
    "BackendUnavailableError",
    "CallTimeoutExpired",
    "EagerChildError",
    "EagerChildSystemError",
    "EagerError",
    "EagerNotAwaitedWarning",
    "EagerTimeoutError",
    "NoRemoteError",
    "UnknownBackendError",
    "error_from_document",
    "signal_error",
]


class EagerError(TaskplugError):
    """Base class of the errors of eager runs."""


class UnknownBackendError(EagerError, LookupError):
    """The settings name a backend no plugin registered."""


class BackendUnavailableError(EagerError, ConnectionError):
    """A backend cannot be reached or started (e.g. no Ray cluster at the address)."""


class NoRemoteError(EagerError, RuntimeError):
    """``run(remote, ss, ...)`` was called without a remote to run on."""


class EagerNotAwaitedWarning(RuntimeWarning):
    """An eager task was called but the coroutine it returned was never awaited."""


class EagerChildError(EagerError, EagerException):
    """A child execution failed; ``execution`` is its record entry (``ChildExecution``).

    It is an ``EagerException`` (``taskplug.exceptions.eager``, flytekit's name), so
    ``except EagerException`` in an eager function catches it.

    Errors rebuilt from another process derive from this class *and* the child's original
    exception class; ``original_type`` is the child's exception's qualified name,
    ``error_code`` the flytekit error code, ``child_message`` the child's full error text.
    """

    execution: ChildExecution | None = None
    original_type: str = ""
    error_code: str = ""
    child_message: str = ""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class EagerChildSystemError(EagerChildError, SystemError):
    """A child failed for a system reason: killed by a signal, no outputs, a backend fault."""

    signal: int | None = None


class EagerTimeoutError(EagerChildError, TimeoutError):
    """A child did not finish within its per-call time limit and was terminated."""


class CallTimeoutExpired(EagerError):
    """Raised by :meth:`Backend.run_blocking` when ``call.timeout`` passed (child terminated).

    Not a ``TimeoutError``, so it cannot be confused with a ``TimeoutError`` the child raised;
    the runtime turns it into :class:`EagerTimeoutError`.
    """


@functools.lru_cache(maxsize=256)
def _derived(cls: type[BaseException]) -> type[EagerChildError]:
    if issubclass(cls, EagerChildError):
        return cls
    return type(cls.__name__, (EagerChildError, cls), {"__module__": cls.__module__})


def _make(cls: type[BaseException], message: str) -> EagerChildError:
    try:
        sub = _derived(cls)  # type: ignore[arg-type]
        err = sub.__new__(sub)
        Exception.__init__(err, message)
    except Exception:  # exotic layouts (e.g. a C-level base that refuses the mix): plain
        err = EagerChildError(message)
    return err


_TYPE_LINE = re.compile(r"^\s*((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*)(?::|$)")


def _find_class(qualified: str) -> type[BaseException] | None:
    """Import ``module.Qual.Name`` (or a builtin name); ``None`` unless it is an exception."""
    import builtins

    if "." not in qualified:
        found = getattr(builtins, qualified, None)
    else:
        parts = qualified.split(".")
        found = None
        for cut in range(len(parts) - 1, 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:cut]))
            except Exception:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            found = obj
            break
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    return None


def original_type_name(message: str) -> str:
    """The qualified class name of the exception a flytekit-style error message is about.

    The ``Message:`` part names the class (``ValueError: …``); the traceback above it has the
    module-qualified name (``pkg.mod.MyError: …``) on the last line that ends with it.
    """
    trace, _, summary = message.rpartition("\nMessage:\n")
    first = summary.strip().splitlines()[0] if summary.strip() else ""
    short = first.partition(":")[0].strip()
    if not short:
        return ""
    qualified = short
    for line in trace.splitlines():
        m = _TYPE_LINE.match(line)
        if m and (m.group(1) == short or m.group(1).endswith("." + short)):
            qualified = m.group(1)
    return qualified


def error_from_document(
    doc: Any, *, task: str, execution: ChildExecution | None, type_name: str | None = None
) -> EagerChildError:
    """The exception to raise in the parent for a child's ``ErrorDocument`` ``doc``.

    USER errors come back as the child's exception class (when it can be imported here),
    SYSTEM errors as :class:`EagerChildSystemError`. ``type_name`` overrides the class name
    read from the message.
    """
    from flyteidl.core import execution_pb2

    error = doc.error
    qualified = type_name or original_type_name(error.message)
    summary = error.message.rpartition("\nMessage:\n")[2].strip()
    summary = "\n".join(line.strip() for line in summary.splitlines()) or error.code
    where = f"child {execution.execution_id} " if execution is not None else "child "
    text = f"{where}of task {task!r} failed: {summary}"
    cls = _find_class(qualified) if qualified else None
    if error.origin == execution_pb2.ExecutionError.SYSTEM:
        err: EagerChildError = EagerChildSystemError(f"{text} (system error, code {error.code})")
    elif cls is not None:
        # The message the child's exception had, so code that reads str(err) keeps working.
        short = summary.partition(": ")[2] if ": " in summary else ""
        err = _make(cls, short)
        err.add_note(f"raised by {where}of task {task!r} (error code {error.code})")
    else:
        err = EagerChildError(text)
    err.execution = execution
    err.original_type = qualified
    err.error_code = error.code
    err.child_message = error.message
    return err


def signal_error(
    *, task: str, execution: ChildExecution | None, returncode: int, stderr: str = ""
) -> EagerChildSystemError:
    """The error for a child process that ended without outputs (a signal, or a crash)."""
    where = f"child {execution.execution_id} " if execution is not None else "child "
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        text = f"{where}of task {task!r} was killed by {name} ({-returncode}) before it finished"
    else:
        text = (
            f"{where}of task {task!r} exited with status {returncode} and left neither "
            "outputs.pb nor error.pb"
        )
    if stderr.strip():
        text += "; its last output: " + stderr.strip()[-500:]
    err = EagerChildSystemError(text)
    err.execution = execution
    err.signal = -returncode if returncode < 0 else None
    err.error_code = "SYSTEM:Signal" if returncode < 0 else "SYSTEM:NoOutputs"
    return err
