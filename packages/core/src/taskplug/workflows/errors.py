"""Errors of workflows and dynamic tasks; each names the workflow and, where there is one, the node.

``WorkflowCompileError`` (a ``ValueError``): the graph cannot be built — a missing or repeated
output binding, the wrong number of returned values. ``WorkflowTypeError`` (a ``TypeError``):
a value or promise does not fit the input it is bound to, or a call has an unknown, missing or
repeated argument. ``PromiseUsageError`` (a ``TypeError``): a promise — the future output of a
node — was used as a Python value while the workflow was compiled (``if p:``, ``p + 1``,
``len(p)``).
"""

from __future__ import annotations

from taskplug.errors import TaskplugError

__all__ = [
    "PromiseAttributeError",
    "PromiseUsageError",
    "WorkflowCompileError",
    "WorkflowError",
    "WorkflowTypeError",
]


class WorkflowError(TaskplugError):
    """Base class: ``workflow`` and ``node`` (ids; ``None`` when not about one node)."""

    def __init__(self, message: str, *, workflow: str | None = None, node: str | None = None):
        super().__init__(message)
        self.workflow = workflow
        self.node = node


class WorkflowCompileError(WorkflowError, ValueError):
    """The workflow's graph cannot be built as written."""


class WorkflowTypeError(WorkflowError, TypeError):
    """A value does not fit the input it is bound to, or a call's arguments are wrong."""


class PromiseUsageError(WorkflowError, TypeError):
    """A promise was used as a Python value while its workflow was being compiled."""


class PromiseAttributeError(PromiseUsageError, AttributeError):
    """An attribute of a promise was read (``p.field``); keeps ``hasattr`` working."""


def where(workflow: str | None, node: str | None = None, entity: str | None = None) -> str:
    """``workflow 'm.wf', node 'n1' (task 'm.t')`` for messages."""
    parts = []
    if workflow:
        parts.append(f"workflow {workflow!r}")
    if node is not None:
        parts.append(f"node {node!r}" + (f" ({entity})" if entity else ""))
    return ", ".join(parts)
