"""What a task declares about itself besides its code: metadata, documentation, run mode."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import Enum

__all__ = ["Documentation", "ExecutionMode", "TaskMetadata"]


class ExecutionMode(Enum):
    """Where a task is running (``local_execution_mode()``)."""

    LOCAL_TASK_EXECUTION = "local-task-execution"
    TASK_EXECUTION = "task-execution"


@dataclass
class TaskMetadata:
    """Metadata that goes into the template, with flytekit's field names and defaults."""

    cache: bool = False
    cache_serialize: bool = False
    cache_version: str = ""
    cache_ignore_input_vars: tuple[str, ...] = ()
    interruptible: bool | None = None
    deprecated: str = ""
    retries: int = 0
    timeout: datetime.timedelta | int | None = None
    pod_template_name: str | None = None
    generates_deck: bool = False
    is_eager: bool = False
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.timeout, int) and not isinstance(self.timeout, bool):
            self.timeout = datetime.timedelta(seconds=self.timeout) if self.timeout else None
        if self.timeout is not None and not isinstance(self.timeout, datetime.timedelta):
            raise ValueError(f"timeout must be seconds (int) or a timedelta, got {self.timeout!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ValueError(f"retries must be a whole number >= 0, got {self.retries!r}")
        if self.cache and not self.cache_version:
            raise ValueError(
                "cache=True needs a version: pass cache_version='1' or cache=Cache(version='1')"
            )


@dataclass
class Documentation:
    """Short and long descriptions of a task (from its docstring by default)."""

    short_description: str = ""
    long_description: str = ""
    source_code: str = ""
