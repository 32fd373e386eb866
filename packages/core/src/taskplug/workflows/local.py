"""Running a compiled workflow on this machine, node by node, through literals.

This is what Flyte's propeller does with the ``WorkflowTemplate``: each node's inputs are
assembled from its bindings (outputs of earlier nodes, the workflow's inputs, constants) into a
``LiteralMap``, the node's task or sub-workflow runs on it (``dispatch_execute``), and its output
``LiteralMap`` feeds the nodes after it. The workflow function is not run again, so a local run
checks exactly the graph a cluster would run, with the same literals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.errors import TypeTransformerFailedError
from taskplug.workflows.bindings import fill_literal
from taskplug.workflows.errors import where

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from flyteidl.core import literals_pb2

    from taskplug.workflows.bindings import Spec
    from taskplug.workflows.node import Node

__all__ = ["from_literal_map", "run_graph", "to_literal_map"]


def run_graph(
    *,
    workflow: str,
    nodes: Sequence[Node],
    order: Iterable[int],
    outputs: Sequence[tuple[str, Spec]],
    inputs: literals_pb2.LiteralMap,
) -> literals_pb2.LiteralMap:
    """Run ``nodes`` in ``order`` on ``inputs``; return the ``LiteralMap`` the outputs bind.

    An exception raised by a node keeps its type and gets a note naming the workflow and node.
    """
    from flyteidl.core.literals_pb2 import LiteralMap

    results: list[literals_pb2.LiteralMap | None] = [None] * len(nodes)
    for i in order:
        node = nodes[i]
        lm = LiteralMap()
        lits = lm.literals
        for var, spec in node.inputs:
            fill_literal(lits[var], spec, results, inputs)
        try:
            results[i] = node.entity.dispatch_execute(lm)
        except Exception as exc:
            _note(exc, workflow, node)
            raise
    out = LiteralMap()
    lits = out.literals
    for var, spec in outputs:
        fill_literal(lits[var], spec, results, inputs)
    return out


def _note(exc: BaseException, workflow: str, node: Node) -> None:
    target = getattr(exc, "original", None) or exc
    text = f"(raised in {where(workflow, node.id, node.describe_entity())})"
    if text not in getattr(target, "__notes__", ()):
        target.add_note(text)


def to_literal_map(
    owner: str, converters: dict[str, Any], values: dict[str, Any], *, kind: str = "input"
) -> literals_pb2.LiteralMap:
    """Python values to a ``LiteralMap``; errors name ``owner`` (``workflow 'm.wf'``), the var."""
    from flyteidl.core.literals_pb2 import LiteralMap

    lm = LiteralMap()
    lits = lm.literals
    for name, conv in converters.items():
        try:
            conv.fill(lits[name], values[name])
        except TypeTransformerFailedError as exc:
            err = type(exc)(
                f"{owner}, {kind} {name!r}: {exc.detail}", expected=exc.expected, got=exc.got
            )
            raise err from exc.__cause__
    return lm


def from_literal_map(
    owner: str,
    converters: dict[str, Any],
    lm: literals_pb2.LiteralMap,
    *,
    output_tuple: type | None = None,
) -> Any:
    """A ``LiteralMap`` of outputs to what a call returns (value, tuple, NamedTuple, ``None``)."""
    if not converters:
        return None
    lits = lm.literals
    values = []
    for name, conv in converters.items():
        try:
            values.append(conv.to_python(lits[name]))
        except TypeTransformerFailedError as exc:
            err = type(exc)(
                f"{owner}, output {name!r}: {exc.detail}", expected=exc.expected, got=exc.got
            )
            raise err from exc.__cause__
    if output_tuple is not None:
        return output_tuple(*values)
    return values[0] if len(values) == 1 else tuple(values)
