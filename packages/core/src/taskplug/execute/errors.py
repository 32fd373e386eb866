"""The ``error.pb`` the entrypoint writes: a flyteidl ``ErrorDocument``, as flytekit writes it.

flytekit 1.16 fills ``ContainerError`` with ``code``, ``message`` (``Trace:`` + indented
traceback + ``Message:`` + indented ``Type: text``), ``kind``, ``origin``, ``timestamp`` and
``worker``, and names the file ``error.pb`` (``error-<uuid>.pb`` for distributed tasks that
ask for it through ``FLYTE_INTERNAL_DIST_ERROR_STRATEGY`` / ``_F_DES``). So does this module.

Imported on the success path too (for :class:`Failure`), so it imports only ``os`` and ``time``
at the top; ``traceback``, ``textwrap`` and flyteidl's error protos come in when a failure does.
"""

from __future__ import annotations

import os
import time

__all__ = [
    "ERROR_FILE_NAME",
    "Failure",
    "error_document",
    "error_file_name",
    "format_trace",
    "worker_name",
]

ERROR_FILE_NAME = "error.pb"


def _env(*names: str) -> str:
    for name in names:
        if name in os.environ:
            return os.environ[name]
    return ""


def error_file_name() -> str:
    """``error.pb``, or ``error-<uuid>.pb`` when a distributed error strategy is set."""
    if not _env("FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES"):
        return ERROR_FILE_NAME
    return f"error-{os.urandom(16).hex()}.pb"


def worker_name() -> str:
    """The worker name a distributed task's backend plugin set (empty otherwise)."""
    if not _env("FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES"):
        return ""
    return _env("FLYTE_INTERNAL_WORKER_NAME", "_F_WN")


def format_trace(exc: BaseException, summary: BaseException | None = None) -> str:
    """flytekit's error message layout: the traceback of ``exc``, then ``Type: message``.

    ``summary`` is the exception named in the ``Message:`` part (``exc`` by default).
    """
    import textwrap
    import traceback

    indent = "    "
    trace = textwrap.indent(
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), indent
    )
    value = exc if summary is None else summary
    message = textwrap.indent(f"{type(value).__name__}: {value}", indent)
    return f"Trace:\n\n{trace}\nMessage:\n\n{message}"


class Failure(Exception):
    """A classified failure of the entrypoint, ready to become an ``ErrorDocument``.

    ``origin`` is ``"USER"`` or ``"SYSTEM"``; ``recoverable`` picks the ``kind``; ``summary``
    is the one-line ``Type: message`` shown on stderr; ``message`` is the full text stored.
    """

    def __init__(
        self,
        *,
        code: str,
        message: str,
        summary: str,
        origin: str,
        recoverable: bool,
        timestamp: float | None = None,
    ) -> None:
        super().__init__(summary)
        self.code = code
        self.message = message
        self.summary = summary
        self.origin = origin
        self.recoverable = recoverable
        self.timestamp = time.time() if timestamp is None else timestamp

    @classmethod
    def from_exception(
        cls,
        exc: BaseException,
        *,
        origin: str,
        recoverable: bool,
        code: str | None = None,
        summary: BaseException | None = None,
    ) -> Failure:
        """Build a failure whose message is ``exc``'s trace in flytekit's layout."""
        shown = exc if summary is None else summary
        return cls(
            code=code or origin,
            message=format_trace(exc, shown),
            summary=f"{type(shown).__name__}: {shown}",
            origin=origin,
            recoverable=recoverable,
        )


def error_document(failure: Failure, worker: str = "") -> bytes:
    """The serialized ``flyteidl.core.ErrorDocument`` for ``failure``."""
    from flyteidl.core import errors_pb2, execution_pb2

    doc = errors_pb2.ErrorDocument()
    err = doc.error
    err.code = failure.code
    err.message = failure.message
    err.kind = (
        errors_pb2.ContainerError.RECOVERABLE
        if failure.recoverable
        else errors_pb2.ContainerError.NON_RECOVERABLE
    )
    err.origin = (
        execution_pb2.ExecutionError.USER
        if failure.origin == "USER"
        else execution_pb2.ExecutionError.SYSTEM
    )
    seconds = int(failure.timestamp)
    err.timestamp.seconds = seconds
    err.timestamp.nanos = int((failure.timestamp - seconds) * 1_000_000_000)
    err.worker = worker
    data: bytes = doc.SerializeToString()
    return data
