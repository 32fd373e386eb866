"""Whether a workflow (or a dynamic task) is being compiled in this context.

Kept tiny on purpose: ``PythonTask.__call__`` reads :data:`COMPILING` on every call (one
``ContextVar.get``), so this module imports nothing. While a workflow function runs to build its
graph, :data:`COMPILING` holds its :class:`~taskplug.workflows.state.CompilationState`, and a
call of a task or workflow adds a node instead of running.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskplug.workflows.state import CompilationState

__all__ = ["COMPILING", "LOCAL_WORKFLOW_RUN", "current_compilation"]

#: The compilation in progress in this context (thread / asyncio task), or ``None``.
COMPILING: ContextVar[CompilationState | None] = ContextVar("taskplug_compiling", default=None)


#: Whether a workflow is being run locally in this context (set by ``WorkflowBase.local_execute``;
#: ``ImageSpec.is_container()`` tells a task run by a local workflow from one called directly).
LOCAL_WORKFLOW_RUN: ContextVar[bool] = ContextVar("taskplug_local_workflow_run", default=False)


def current_compilation() -> CompilationState | None:
    """The workflow compilation in progress in this context, if any."""
    return COMPILING.get()
