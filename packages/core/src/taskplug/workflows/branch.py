"""The node a conditional becomes: a flyteidl ``BranchNode``, run locally branch by branch.

:class:`BranchNode` is the entity of that node (see :mod:`taskplug.workflows.condition` for how
``conditional(...)`` builds it). A local run evaluates the conditions on the branch node's
inputs (the literals of the promises they read) and runs the nodes of the branch taken, and
only those; serialization writes ``branch_node.if_else`` as flytekit's translator writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from taskplug.workflows.errors import WorkflowCompileError, WorkflowError, where
from taskplug.workflows.expressions import operand_var
from taskplug.workflows.metadata import NodeMetadata

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, workflow_pb2

    from taskplug.workflows.condition import Case
    from taskplug.workflows.node import Node
    from taskplug.workflows.promise import Promise
    from taskplug.workflows.serialize import Registrable

__all__ = ["BranchNode", "ConditionFailedError"]


class ConditionFailedError(WorkflowError, ValueError):
    """A ``.fail(message)`` branch was taken; ``str()`` is the message (as flytekit's)."""

    def __init__(self, message: str, *, workflow: str, node: str, conditional: str) -> None:
        super().__init__(message, workflow=workflow, node=node)
        self.conditional = conditional


class BranchNode:
    """The entity of a conditional's node: its branches, and how each runs and serializes."""

    entity_kind = "conditional"

    def __init__(self, name: str, cases: list[Case], workflow: str) -> None:
        self._name = name
        self._cases = cases
        self._workflow = workflow
        self._outputs: list[str] = []
        self._names: dict[int, str] = {}
        self._node_id = ""

    @property
    def name(self) -> str:
        """The conditional's name."""
        return self._name

    @property
    def cases(self) -> list[Case]:
        """The branches, in order (the last one is ``else_``)."""
        return self._cases

    @property
    def output_names(self) -> list[str]:
        """The outputs of the branch node (those every returning branch has)."""
        return self._outputs

    def construct_node_metadata(self) -> NodeMetadata:
        """The node's metadata: the conditional's name, no retries (as flytekit)."""
        return NodeMetadata(self._name)

    def _name_of(self, p: Promise) -> str:
        return self._names.get(id(p)) or operand_var(p)

    # -- a local run --------------------------------------------------------------------------

    def selected(self, inputs: literals_pb2.LiteralMap) -> Case:
        """The branch taken for these branch-node inputs (the operands' literals)."""
        lits = inputs.literals

        def value(p: Promise) -> literals_pb2.Literal:
            return lits[self._name_of(p)]

        for case in self._cases:
            if case._expr is None or case._expr.evaluate(value):
                return case
        return self._cases[-1]  # not reached: the last case is else_

    def run_in_graph(
        self,
        node: Node,
        inputs: literals_pb2.LiteralMap,
        results: dict[Node, literals_pb2.LiteralMap],
        workflow_inputs: literals_pb2.LiteralMap,
    ) -> literals_pb2.LiteralMap:
        """Run the nodes of the branch taken; its outputs are the branch node's."""
        from flyteidl.core.literals_pb2 import LiteralMap

        from taskplug.workflows.local import run_node

        case = self.selected(inputs)
        if case._err is not None:
            raise ConditionFailedError(
                case._err, workflow=node.workflow, node=node.id, conditional=self._name
            )
        for inner in case._nodes:
            results[inner] = run_node(inner, results, workflow_inputs)
        out = LiteralMap()
        if self._outputs and case._output_node is not None:
            produced = results[case._output_node].literals
            for var in self._outputs:
                out.literals[var].CopyFrom(produced[var])
        return out

    # -- serialization ------------------------------------------------------------------------

    def fill_workflow_node(
        self,
        msg: workflow_pb2.Node,
        node: Node,
        reg: Registrable,
        subs: dict[str, Any],
    ) -> None:
        """Write ``branch_node.if_else`` as flytekit's translator writes it."""
        from taskplug.workflows.serialize import fill_node

        if_else = msg.branch_node.if_else
        cases = self._cases
        for i, case in enumerate(cases):
            if case._err is not None and case._expr is not None:
                self._refuse(node, f"{case._stmt}(...) fails; in Flyte only else_() may fail")
            if case._err is None and len(case._nodes) != 1:
                ids = ", ".join(f"{n.id} ({n.describe_entity()})" for n in case._nodes)
                self._refuse(
                    node,
                    f"branch {case._stmt} made {len(case._nodes)} nodes ({ids}); Flyte runs one "
                    "node per branch: put the calls in a workflow and call that in then(...)",
                )
            if case._expr is None:
                if case._err is not None:
                    if_else.error.failed_node_id = self._name
                    if_else.error.message = case._err
                else:
                    assert case._output_node is not None
                    fill_node(if_else.else_node, case._output_node, reg, subs)
                continue
            block = if_else.case if i == 0 else if_else.other.add()
            case._expr.fill(block.condition, self._name_of)
            assert case._output_node is not None
            fill_node(block.then_node, case._output_node, reg, subs)

    def _refuse(self, node: Node, detail: str) -> NoReturn:
        raise WorkflowCompileError(
            f"{where(node.workflow, node.id, node.describe_entity())}: cannot be serialized: "
            f"{detail}",
            workflow=node.workflow,
            node=node.id,
        )

    def __repr__(self) -> str:
        return f"BranchNode({self._name!r}, {len(self._cases)} branches)"
