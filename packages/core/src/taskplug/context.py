"""Execution state, kept in ``contextvars`` (safe under asyncio and threads)."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
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


@dataclass
class ExecutionParameters:
    """What a run knows about itself; passed to ``pre_execute`` / ``post_execute`` hooks."""

    execution_id: str = "local"
    task_name: str = ""
    working_directory: str = ""
    raw_output_prefix: str = ""
    logger: logging.Logger = _LOGGER
    secrets: Secrets = field(default_factory=Secrets)
    local: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def scratch_dir(self) -> str:
        """A working directory for this run, created on first use."""
        if not self.working_directory:
            self.working_directory = tempfile.mkdtemp(prefix="taskplug-")
        return self.working_directory


@dataclass
class ExecutionState:
    """The state of the run in progress (one per task execution, per context)."""

    params: ExecutionParameters
    mode: str = "local"  # local | container
    env: Mapping[str, str] = field(default_factory=dict)


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
