"""Execution state, kept in ``contextvars`` (safe under asyncio and threads)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

__all__ = [
    "ExecutionParameters",
    "ExecutionState",
    "current_execution",
    "execution_scope",
]

_LOGGER = logging.getLogger("taskplug.user")


class Secrets:
    """Read-only access to secrets the task requested; values never appear in ``repr``."""

    def __init__(self, env_prefix: str = "_FSEC_", directory: str | None = None) -> None:
        self._prefix = env_prefix
        self._dir = directory or os.environ.get("TASKPLUG_SECRETS_DIR", "/etc/secrets")

    def get(self, group: str, key: str | None = None) -> str:
        """The secret ``group``/``key``, from the environment or the mounted secrets folder."""
        name = f"{self._prefix}{group}" + (f"_{key}" if key else "")
        name = name.upper()
        if name in os.environ:
            return os.environ[name]
        path = os.path.join(self._dir, group.lower(), (key or "").lower())
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError:
            raise KeyError(
                f"secret group={group!r} key={key!r} not found (looked for ${name} and {path})"
            ) from None

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


class ExecutionParameters:
    """What a run knows about itself; passed to ``pre_execute`` / ``post_execute``.

    Cheap to create: the execution id, working directory and secrets are made on first access,
    so a local call that asks for none of them does no filesystem work.

    A working directory these parameters create (``working_directory=None``, first access) is
    theirs: :meth:`close` removes it. A task run closes the parameters it made itself when it
    ends (a local call, ``dispatch_execute`` without ``params``, ``sandbox_execute``, the
    container entrypoint); whoever passes its own parameters closes them (or uses them as a
    context manager). A directory passed in is never removed.
    """

    __slots__ = (
        "_directory_prefix",
        "_execution_id",
        "_secrets",
        "_working_directory",
        "created_working_directory",
        "extra",
        "local",
        "logger",
        "output_prefix",
        "raw_output_prefix",
        "task_name",
    )

    def __init__(
        self,
        *,
        task_name: str = "",
        execution_id: str | None = None,
        working_directory: str | None = None,
        raw_output_prefix: str = "",
        output_prefix: str = "",
        logger: logging.Logger = _LOGGER,
        secrets: Secrets | None = None,
        local: bool = True,
        working_directory_prefix: str = "taskplug-",
    ) -> None:
        self.task_name = task_name
        self._execution_id = execution_id
        self._working_directory = working_directory
        #: The working directory these parameters made (``None``: none, or closed already).
        self.created_working_directory: str | None = None
        self._directory_prefix = working_directory_prefix
        self.raw_output_prefix = raw_output_prefix
        self.output_prefix = output_prefix
        self.logger = logger
        self._secrets = secrets
        self.local = local
        self.extra: dict[str, Any] = {}

    @property
    def execution_id(self) -> str:
        """The execution id (``local-<hex>`` for local runs)."""
        if self._execution_id is None:
            import uuid

            self._execution_id = f"local-{uuid.uuid4().hex[:12]}"
        return self._execution_id

    @property
    def working_directory(self) -> str:
        """A working directory for this run, created on first access (removed by :meth:`close`)."""
        if self._working_directory is None:
            import tempfile

            path = tempfile.mkdtemp(prefix=self._directory_prefix)
            self._working_directory = self.created_working_directory = path
        return self._working_directory

    def close(self, *, outputs: Any = None) -> None:
        """Remove the working directory these parameters created, if any (idempotent).

        ``outputs`` (the run's serialized outputs, bytes or a protobuf message) keeps it when
        they mention its path, i.e. refer to files in it (a local run that returns a ``File``
        written there): the directory is then left to the caller. A later access to
        :attr:`working_directory` creates a new directory.
        """
        path = self.created_working_directory
        if path is None:
            return
        self.created_working_directory = None
        if outputs is not None:
            data = outputs if isinstance(outputs, bytes) else outputs.SerializeToString()
            if os.fsencode(path) in data:
                return
        self._working_directory = None
        import shutil

        shutil.rmtree(path, ignore_errors=True)

    def __enter__(self) -> ExecutionParameters:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def secrets(self) -> Secrets:
        """The secrets the task may read (values never appear in ``repr`` or logs)."""
        if self._secrets is None:
            self._secrets = Secrets()
        return self._secrets

    def __repr__(self) -> str:
        return (
            f"ExecutionParameters(task_name={self.task_name!r}, "
            f"execution_id={self._execution_id!r}, local={self.local})"
        )


class ExecutionState:
    """The run in progress in one context: its parameters and mode (``local``/``container``)."""

    __slots__ = ("mode", "params")

    def __init__(self, params: ExecutionParameters, mode: str = "local") -> None:
        self.params = params
        self.mode = mode


_CURRENT: ContextVar[ExecutionState | None] = ContextVar("taskplug_execution", default=None)


def current_execution() -> ExecutionState | None:
    """The execution in progress in this context (thread / asyncio task), if any."""
    return _CURRENT.get()


@contextlib.contextmanager
def execution_scope(state: ExecutionState) -> Iterator[ExecutionState]:
    """Make ``state`` current for the duration of the block."""
    token = _CURRENT.set(state)
    try:
        yield state
    finally:
        _CURRENT.reset(token)
