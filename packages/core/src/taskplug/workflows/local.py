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

__all__ = ["from_literal_map", "run_graph", "run_node", "to_literal_map"]


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

    results: dict[Node, literals_pb2.LiteralMap] = {}
    for i in order:
        node = nodes[i]
        results[node] = run_node(node, results, inputs)
    out = LiteralMap()
    lits = out.literals
    try:
        for var, spec in outputs:
            fill_literal(lits[var], spec, results, inputs)
    except Exception as exc:
        _note(exc, f"(while binding the outputs of workflow {workflow!r})")
        raise
    return out


def run_node(
    node: Node,
    results: dict[Node, literals_pb2.LiteralMap],
    inputs: literals_pb2.LiteralMap,
) -> literals_pb2.LiteralMap:
    """Run one node: assemble its inputs from ``results`` (outputs of the nodes that ran) and
    the workflow's ``inputs``, dispatch its entity, return the node's outputs.

    An entity that runs inside the graph itself (a conditional's branch node) has
    ``run_in_graph(node, inputs_map, results, workflow_inputs)``; any other is dispatched.
    """
    from flyteidl.core.literals_pb2 import LiteralMap

    lm = LiteralMap()
    lits = lm.literals
    entity = node.entity
    try:
        for var, spec in node.inputs:
            fill_literal(lits[var], spec, results, inputs)
        in_graph = getattr(entity, "run_in_graph", None)
        if in_graph is not None:
            out: literals_pb2.LiteralMap = in_graph(node, lm, results, inputs)
            return out
        done: literals_pb2.LiteralMap = entity.dispatch_execute(lm)
        return done
    except Exception as exc:
        _note(exc, f"(raised in {where(node.workflow, node.id, node.describe_entity())})")
        raise


def _note(exc: BaseException, text: str) -> None:
    target = getattr(exc, "original", None) or exc
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
