"""Execution state, kept in ``contextvars`` (safe under asyncio and threads).

:func:`current_context` is flytekit's ``flytekit.current_context()``: the running task's
:class:`ExecutionParameters`, or a default set of them outside any task (as flytekit has one
at module level). Everything it offers beyond what a call needs (execution and task ids,
secrets, checkpoint, decks, stats) is made on first access, in :mod:`taskplug.runtime`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime

    from taskplug.runtime.checkpoint import Checkpoint
    from taskplug.runtime.identifiers import Identifier, WorkflowExecutionIdentifier
    from taskplug.runtime.secrets import SecretsManager
    from taskplug.runtime.stats import MockStats

__all__ = [
    "ExecutionParameters",
    "ExecutionState",
    "current_context",
    "current_execution",
    "execution_scope",
]

_LOGGER = logging.getLogger("taskplug.user")


class ExecutionParameters:
    """What a run knows about itself: ``current_context()``, and what ``pre_execute`` /
    ``post_execute`` receive.

    Cheap to create: the execution id, working directory, secrets, checkpoint and decks are
    made on first access, so a local call that asks for none of them does no filesystem work.

    flytekit's names are here with flytekit's meanings: ``execution_id`` (a
    ``WorkflowExecutionIdentifier``: ``ex:local:local:local`` for local runs, as flytekit's),
    ``task_id``, ``working_directory``, ``logging``, ``secrets``, ``checkpoint``, ``decks`` /
    ``default_deck``, ``stats``, ``execution_date``, ``raw_output_prefix``. :attr:`run_id` is
    taskplug's own id of the run (unique per local call, ``local-<hex>``; the execution's name
    in a container).

    A working directory these parameters create (``working_directory=None``, first access) is
    theirs: :meth:`close` removes it. A task run closes the parameters it made itself when it
    ends (a local call, ``dispatch_execute`` without ``params``, ``sandbox_execute``, the
    container entrypoint); whoever passes its own parameters closes them (or uses them as a
    context manager). A directory passed in is never removed.
    """

    __slots__ = (
        "_checkpoint",
        "_directory_prefix",
        "_execution_id",
        "_run_id",
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
        execution_id: str | WorkflowExecutionIdentifier | None = None,
        run_id: str | None = None,
        working_directory: str | None = None,
        raw_output_prefix: str = "",
        output_prefix: str = "",
        logger: logging.Logger = _LOGGER,
        secrets: SecretsManager | None = None,
        local: bool = True,
        working_directory_prefix: str = "taskplug-",
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.task_name = task_name
        #: a ``WorkflowExecutionIdentifier``, or the execution's name as a str (also the run id)
        self._execution_id = execution_id
        self._run_id = run_id
        self._working_directory = working_directory
        #: The working directory these parameters made (``None``: none, or closed already).
        self.created_working_directory: str | None = None
        self._directory_prefix = working_directory_prefix
        self.raw_output_prefix = raw_output_prefix
        self.output_prefix = output_prefix
        self.logger = logger
        self._secrets = secrets
        self.local = local
        self._checkpoint = checkpoint
        self.extra: dict[str, Any] = {}

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

    # -- issue 15, workstream CTX: flytekit's ExecutionParameters surface -------------------

    @property
    def run_id(self) -> str:
        """taskplug's id of this run: ``local-<hex>`` locally, the execution name in a container."""
        if self._run_id is None:
            given = self._execution_id
            if isinstance(given, str) and given:
                self._run_id = given
            elif given is not None and not isinstance(given, str) and given.name:
                self._run_id = given.name
            else:
                import uuid

                self._run_id = f"local-{uuid.uuid4().hex[:12]}"
        return self._run_id

    @property
    def execution_id(self) -> WorkflowExecutionIdentifier:
        """The workflow execution's identifier (``.project``, ``.domain``, ``.name``).

        ``str()`` gives ``ex:<project>:<domain>:<name>``; local runs are ``ex:local:local:local``
        (as in flytekit); in a container the values come from Flyte's environment variables.
        """
        given = self._execution_id
        if given is not None and not isinstance(given, str):
            return given
        from taskplug.runtime import identifiers

        _ = self.run_id  # fixes the run id before the given name is replaced
        if self.local:
            ident = identifiers.LOCAL_EXECUTION_ID
        else:
            ident = identifiers.execution_id_from_env(given or None)
        self._execution_id = ident
        return ident

    @property
    def task_id(self) -> Identifier:
        """The running task's identifier (``TASK:local:local:local:local`` locally, as flytekit)."""
        from taskplug.runtime import identifiers

        return identifiers.LOCAL_TASK_ID if self.local else identifiers.task_id_from_env()

    @property
    def logging(self) -> logging.Logger:
        """The logger for user code (flytekit's name for :attr:`logger`)."""
        return self.logger

    @property
    def secrets(self) -> SecretsManager:
        """The secrets the task may read (values never appear in ``repr`` or logs)."""
        if self._secrets is None:
            from taskplug.runtime.secrets import SecretsManager

            self._secrets = SecretsManager()
        return self._secrets

    @property
    def checkpoint(self) -> Checkpoint:
        """This run's checkpoint (see :mod:`taskplug.runtime.checkpoint`)."""
        if self._checkpoint is None:
            from taskplug.runtime.checkpoint import SyncCheckpoint

            if self.local:
                dest = os.path.join(self.working_directory, "__cp")
                self._checkpoint = SyncCheckpoint(checkpoint_dest=dest)
            else:
                dest = str(self.extra.get("checkpoint_path") or "")
                if not dest:
                    raise NotImplementedError(
                        f"task {self.task_name!r} has no checkpoint: the entrypoint was started "
                        "without --checkpoint-path (the platform does not offer checkpoints)"
                    )
                prev = self.extra.get("prev_checkpoint")
                self._checkpoint = SyncCheckpoint(checkpoint_dest=dest, checkpoint_src=prev)
        return self._checkpoint

    @property
    def decks(self) -> list[Any]:
        """The decks (HTML pages, :class:`taskplug.Deck`) this run renders."""
        from taskplug.deck.deck import DECKS_KEY

        decks: list[Any] = self.extra.setdefault(DECKS_KEY, [])
        return decks

    @property
    def default_deck(self) -> Any:
        """The run's page called ``default``, made on first use; later uses add to the same
        page (flytekit makes a new one each time, and only the last is shown)."""
        from taskplug.deck.deck import Deck

        for deck in self.decks:
            if deck.name == "default":
                return deck
        deck = Deck("default", auto_add_to_deck=False)
        self.decks.append(deck)
        return deck

    @property
    def stats(self) -> MockStats:
        """A statsd stand-in that keeps values in memory (one per process)."""
        return _process_stats()

    @property
    def execution_date(self) -> datetime.datetime:
        """When the execution started (this process's start of work, in UTC, when local)."""
        return _process_start()

    @property
    def output_metadata_prefix(self) -> str | None:
        """Where the run's outputs are written (``None`` locally)."""
        return self.output_prefix or None

    def has_attr(self, attr_name: str) -> bool:
        """Whether a task type put ``attr_name`` into these parameters (``extra``)."""
        extra = self.extra
        return attr_name in extra or attr_name.upper() in extra

    def get(self, key: str) -> Any:
        """What a task type put into these parameters under ``key`` (``KeyError`` if none)."""
        extra = self.extra
        for name in (key, key.upper()):
            if name in extra:
                return extra[name]
        raise KeyError(
            f"{key!r} is not available in this run's context: only the task type that "
            "provides it (through ExecutionParameters.extra) makes it available"
        )

    # -- end of workstream CTX --------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"ExecutionParameters(task_name={self.task_name!r}, "
            f"run_id={self._run_id!r}, local={self.local})"
        )


class ExecutionState:
    """The run in progress in one context: its parameters and mode (``local``/``container``)."""

    __slots__ = ("mode", "params")

    def __init__(self, params: ExecutionParameters, mode: str = "local") -> None:
        self.params = params
        self.mode = mode

    # flytekit's names (issue 15, workstream CTX)
    @property
    def user_space_params(self) -> ExecutionParameters:
        """The run's parameters (what ``current_context()`` returns)."""
        return self.params

    @property
    def working_dir(self) -> str:
        """The run's working directory."""
        return self.params.working_directory

    def is_local_execution(self) -> bool:
        """Whether the run is local (not in a container started by Flyte)."""
        return self.mode == "local"


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


# -- issue 15, workstream CTX: current_context() -------------------------------------------


def current_context() -> ExecutionParameters:
    """The running task's parameters; outside any task, this process's default ones.

    flytekit's ``flytekit.current_context()``::

        @task
        def t() -> str:
            ctx = current_context()
            ctx.logging.info("running %s", ctx.execution_id.name)
            return ctx.secrets.get("db", "password")

    Outside a task (module level, a workflow body) it returns a set of parameters that lives as
    long as the process, whose working directory is removed at exit; it has no checkpoint.
    """
    state = _CURRENT.get()
    if state is not None:
        return state.params
    return _default_parameters()


class _ProcessParameters(ExecutionParameters):
    """The parameters :func:`current_context` returns outside any task."""

    __slots__ = ()

    @property
    def checkpoint(self) -> Checkpoint:
        """Outside a task there is none (as in flytekit)."""
        raise NotImplementedError(
            "current_context().checkpoint exists inside a task run only; this code runs "
            "outside any task"
        )


@functools.cache
def _default_parameters() -> ExecutionParameters:
    import atexit

    params = _ProcessParameters(task_name="", working_directory_prefix="taskplug-user-space-")
    atexit.register(params.close)
    return params


@functools.cache
def _process_stats() -> MockStats:
    from taskplug.runtime.stats import MockStats

    return MockStats()


@functools.cache
def _process_start() -> datetime.datetime:
    import datetime

    return datetime.datetime.now(datetime.UTC)
