"""The record of an eager run, as data: every child execution with its times, status and files.

``with recording() as runs: asyncio.run(wf(x=1))`` collects the :class:`RunRecord` of every
eager run started in the block; ``current_run().record`` is the live record inside a run.
``record.to_dict()`` / ``to_json()`` give plain data (e.g. for a timeline).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STATUSES", "ChildExecution", "RunRecord", "recording"]

#: The statuses a child goes through: queued → running → one of the final four.
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "timed_out")


@dataclass
class ChildExecution:
    """One child execution: a task called by an eager run, run on a backend.

    ``start``/``end`` are UNIX times (``None`` until it starts / ends). ``inputs_uri`` and
    ``outputs_uri`` are where the backend put the literal maps (``None`` for in-memory
    backends); ``error`` is the one-line reason of a failure; ``details`` holds what the
    backend knows (process id, Ray task id); ``run`` is the record of a nested eager run.
    """

    execution_id: str
    task: str
    kind: str
    backend: str
    status: str = "queued"
    submitted: float = field(default_factory=time.time)
    start: float | None = None
    end: float | None = None
    inputs_uri: str | None = None
    outputs_uri: str | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    run: RunRecord | None = None

    @property
    def finished(self) -> bool:
        """Whether the child reached a final status."""
        return self.status in ("succeeded", "failed", "cancelled", "timed_out")

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (``None`` while unknown)."""
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    def mark_running(self) -> None:
        """The backend started the child (ignored once it has ended, e.g. cancelled)."""
        if self.finished:
            return
        self.status = "running"
        self.start = time.time()

    def mark_done(self, status: str, error: str | None = None) -> None:
        """The child ended with ``status`` (one of :data:`STATUSES`)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        self.status = status
        self.end = time.time()
        if self.start is None:
            self.start = self.end
        if error is not None:
            self.error = error

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-compatible)."""
        return {
            "execution_id": self.execution_id,
            "task": self.task,
            "kind": self.kind,
            "backend": self.backend,
            "status": self.status,
            "submitted": self.submitted,
            "start": self.start,
            "end": self.end,
            "inputs_uri": self.inputs_uri,
            "outputs_uri": self.outputs_uri,
            "error": self.error,
            "details": dict(self.details),
            "run": self.run.to_dict() if self.run is not None else None,
        }


@dataclass
class RunRecord:
    """One eager run: its task, backend, status, times and children in call order."""

    run_id: str
    task: str
    backend: str
    version: str = ""
    root_id: str = ""
    status: str = "running"
    start: float = field(default_factory=time.time)
    end: float | None = None
    error: str | None = None
    executions: list[ChildExecution] = field(default_factory=list)

    def by_status(self, status: str) -> list[ChildExecution]:
        """The children with ``status``."""
        return [c for c in self.executions if c.status == status]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-compatible), children included."""
        return {
            "run_id": self.run_id,
            "root_id": self.root_id,
            "task": self.task,
            "backend": self.backend,
            "version": self.version,
            "status": self.status,
            "start": self.start,
            "end": self.end,
            "error": self.error,
            "executions": [c.to_dict() for c in self.executions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """The record :meth:`to_dict` wrote."""
        children = []
        for item in data.get("executions", []):
            fields = dict(item)
            nested = fields.pop("run", None)
            child = ChildExecution(**fields)
            child.run = cls.from_dict(nested) if nested else None
            children.append(child)
        fields = {k: v for k, v in data.items() if k != "executions"}
        return cls(**fields, executions=children)

    def to_json(self, *, indent: int | None = None) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)


_RECORDERS: ContextVar[list[RunRecord] | None] = ContextVar("taskplug_eager_recorder", default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[RunRecord]]:
    """Collect the records of the top-level eager runs started in the block (in start order)."""
    runs: list[RunRecord] = []
    token = _RECORDERS.set(runs)
    try:
        yield runs
    finally:
        _RECORDERS.reset(token)


def _note_run(record: RunRecord) -> None:
    runs = _RECORDERS.get()
    if runs is not None:
        runs.append(record)
