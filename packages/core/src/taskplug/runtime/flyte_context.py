"""``FlyteContext`` / ``FlyteContextManager``: flytekit's "everything" context, read-only here.

flytekit keeps one stack of contexts that its own machinery pushes and pops; code written for
flytekit reads it: ``FlyteContextManager.current_context()`` (or
``FlyteContext.current_context()``) gives an object whose

- ``file_access`` is a :class:`~taskplug.runtime.file_access.FileAccessProvider` (random local
  and remote paths, uploads, downloads) writing under the run's raw output prefix;
- ``user_space_params`` is what ``current_context()`` returns (the running task's parameters,
  or the process's default ones);
- ``execution_state`` has ``user_space_params``, ``mode`` and ``is_local_execution()``;
- ``compilation_state`` is the graph of the workflow being compiled (``.nodes``, ``.prefix``),
  or ``None`` when no workflow is compiling.

taskplug keeps its state in ``contextvars`` of its own (the running task, the compiling
workflow), so ``current_context()`` builds this object from them when asked: nothing is pushed
on a local call. :meth:`FlyteContextManager.with_context` is supported for what tests do with
it — run a block with another ``file_access`` or other user parameters.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from taskplug.context import (
    _CURRENT,
    ExecutionParameters,
    ExecutionState,
    current_context,
    current_execution,
)

if TYPE_CHECKING:
    from taskplug.runtime.file_access import FileAccessProvider
    from taskplug.workflows.state import CompilationState

__all__ = ["FlyteContext", "FlyteContextManager", "new_context"]


@dataclasses.dataclass(frozen=True)
class FlyteContext:
    """A snapshot of where code runs: file access, the run, the compiling workflow."""

    file_access: FileAccessProvider
    level: int = 0
    compilation_state: CompilationState | None = None
    execution_state: ExecutionState | None = None
    serialization_settings: Any = None
    in_a_condition: bool = False

    @property
    def user_space_params(self) -> ExecutionParameters | None:
        """The run's parameters (what ``current_context()`` returns)."""
        state = self.execution_state
        return state.params if state is not None else None

    @staticmethod
    def current_context() -> FlyteContext:
        """The context of the code calling it (:meth:`FlyteContextManager.current_context`)."""
        return FlyteContextManager.current_context()

    def new_builder(self) -> FlyteContext.Builder:
        """A builder starting from this context (for :meth:`FlyteContextManager.with_context`)."""
        return FlyteContext.Builder(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        )

    def with_file_access(self, fa: FileAccessProvider) -> FlyteContext.Builder:
        """A builder of this context with another file access."""
        return self.new_builder().with_file_access(fa)

    def with_execution_state(self, es: ExecutionState) -> FlyteContext.Builder:
        """A builder of this context with another execution state."""
        return self.new_builder().with_execution_state(es)

    def with_serialization_settings(self, ss: Any) -> FlyteContext.Builder:
        """A builder of this context with serialization settings."""
        return self.new_builder().with_serialization_settings(ss)

    def new_execution_state(self, working_dir: str | None = None) -> ExecutionState:
        """A fresh local execution state with new parameters (in ``working_dir`` if given)."""
        return ExecutionState(ExecutionParameters(working_directory=working_dir), "local")

    @dataclasses.dataclass
    class Builder:
        """Changes to a context; ``FlyteContextManager.with_context(builder)`` applies them."""

        file_access: FileAccessProvider
        level: int = 0
        compilation_state: CompilationState | None = None
        execution_state: ExecutionState | None = None
        serialization_settings: Any = None
        in_a_condition: bool = False

        def build(self) -> FlyteContext:
            """The context these settings describe."""
            fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
            return FlyteContext(**{**fields, "level": self.level + 1})

        def with_file_access(self, fa: FileAccessProvider) -> FlyteContext.Builder:
            """Use ``fa`` for file access."""
            self.file_access = fa
            return self

        def with_execution_state(self, es: ExecutionState) -> FlyteContext.Builder:
            """Use ``es`` (its ``user_space_params`` become ``current_context()``)."""
            self.execution_state = es
            return self

        def with_serialization_settings(self, ss: Any) -> FlyteContext.Builder:
            """Carry serialization settings."""
            self.serialization_settings = ss
            return self


#: Contexts pushed by :meth:`FlyteContextManager.with_context` / ``push_context``.
_PUSHED: ContextVar[tuple[FlyteContext, ...]] = ContextVar("taskplug_flyte_context", default=())


class FlyteContextManager:
    """Where ``current_context()`` comes from (flytekit's class; state in ``contextvars``)."""

    @staticmethod
    def current_context() -> FlyteContext:
        """The context of the calling code, made from the run and the compiling workflow."""
        from taskplug.runtime.file_access import file_access_for
        from taskplug.workflows.compilation import COMPILING

        state = current_execution()
        pushed = _PUSHED.get()
        if pushed:
            top = pushed[-1]
            return dataclasses.replace(
                top,
                compilation_state=COMPILING.get(),
                execution_state=state if state is not None else top.execution_state,
            )
        if state is None:
            state = ExecutionState(current_context(), "local")
        return FlyteContext(
            file_access=file_access_for(state.params.raw_output_prefix),
            level=0,
            compilation_state=COMPILING.get(),
            execution_state=state,
        )

    @staticmethod
    def push_context(ctx: FlyteContext, f: Any = None) -> FlyteContext:
        """Make ``ctx`` current until :meth:`pop_context` (prefer :meth:`with_context`)."""
        _PUSHED.set((*_PUSHED.get(), ctx))
        return ctx

    @staticmethod
    def pop_context() -> FlyteContext:
        """Undo the last :meth:`push_context`."""
        pushed = _PUSHED.get()
        if not pushed:
            raise RuntimeError("pop_context(): no context was pushed")
        _PUSHED.set(pushed[:-1])
        return pushed[-1]

    @staticmethod
    def size() -> int:
        """How many contexts are pushed (the implicit one counts as one)."""
        return len(_PUSHED.get()) + 1

    @staticmethod
    @contextlib.contextmanager
    def with_context(b: FlyteContext.Builder) -> Iterator[FlyteContext]:
        """Run the block in the context ``b`` builds.

        Its ``file_access`` is what ``current_context().file_access`` gives in the block; an
        execution state given to the builder becomes the block's run (its parameters are what
        ``taskplug.current_context()`` returns there).
        """
        ctx = b.build()
        token = _PUSHED.set((*_PUSHED.get(), ctx))
        run_token = None
        given = ctx.execution_state
        if given is not None and given.params is not current_context():
            run_token = _CURRENT.set(given)
        try:
            yield FlyteContextManager.current_context()
        finally:
            if run_token is not None:
                _CURRENT.reset(run_token)
            _PUSHED.reset(token)

    @staticmethod
    def initialize() -> None:
        """Forget every pushed context (flytekit's reset)."""
        _PUSHED.set(())


def new_context() -> contextlib.AbstractContextManager[FlyteContext]:
    """``with new_context() as ctx:`` — a block with a context of its own (flytekit's)."""
    return FlyteContextManager.with_context(FlyteContextManager.current_context().new_builder())
