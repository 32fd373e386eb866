"""``ImperativeWorkflow``: a workflow built by calls, not by a function (flytekit's ``Workflow``).

::

    wb = ImperativeWorkflow(name="my_workflow")
    wb.add_workflow_input("in1", str)
    node = wb.add_entity(t1, a=wb.inputs["in1"])
    wb.add_entity(t2)
    wb.add_workflow_output("from_n0t1", node.outputs["o0"])

It is the same graph a ``@workflow`` function builds (``n0``, ``n1``… nodes, bindings, output
bindings), serializes the same way and runs locally the same way. Plugins use it to wrap a task
in a workflow of its own (the eager plugin's ``get_as_workflow()``).
"""

from __future__ import annotations

from typing import Any

from taskplug.tasks.interface import Interface
from taskplug.tasks.metadata import Documentation
from taskplug.workflows.bindings import binding_context, make_spec
from taskplug.workflows.errors import WorkflowCompileError, WorkflowTypeError
from taskplug.workflows.graph import WorkflowBase, check_input_promise, execution_order
from taskplug.workflows.node import Node
from taskplug.workflows.promise import Promise
from taskplug.workflows.state import CompilationState
from taskplug.workflows.workflow import (
    WorkflowFailurePolicy,
    WorkflowMetadata,
    WorkflowMetadataDefaults,
)

__all__ = ["ImperativeWorkflow", "Workflow"]

#: Id of an imperative workflow's failure node (flytekit's ``DEFAULT_FAILURE_NODE_ID``).
FAILURE_NODE_ID = "efn"


class ImperativeWorkflow(WorkflowBase):
    """A workflow assembled with :meth:`add_workflow_input`, :meth:`add_entity` and
    :meth:`add_workflow_output`; ``name`` must be unique among the workflows you register."""

    def __init__(
        self,
        name: str,
        failure_policy: WorkflowFailurePolicy | None = None,
        interruptible: bool = False,
        *,
        docs: Documentation | None = None,
        pickle_untyped: bool = False,
    ) -> None:
        super().__init__(
            name,
            Interface(),
            metadata=WorkflowMetadata(failure_policy or WorkflowFailurePolicy.FAIL_IMMEDIATELY),
            defaults=WorkflowMetadataDefaults(interruptible),
            docs=docs,
            pickle_untyped=pickle_untyped,
        )
        self._state = CompilationState(name)
        self._nodes = self._state.nodes
        self._inputs: dict[str, Promise] = {}
        self._unbound: set[str] = set()
        self._in_types: dict[str, Any] = {}
        self._out_types: dict[str, Any] = {}

    @property
    def has_docs(self) -> bool:
        """Only when documentation was given (``docs=``)."""
        return self._docs is not None

    @property
    def inputs(self) -> dict[str, Promise]:
        """The promises of the workflow's inputs, by name."""
        return self._inputs

    @property
    def compilation_state(self) -> CompilationState:
        """The graph being assembled."""
        return self._state

    def _rebuild(self) -> None:
        iface = Interface(self._in_types, self._out_types)
        try:
            iface.build_converters(self._name, allow_pickle=self._pickle_untyped)
        except Exception as exc:
            raise WorkflowTypeError(f"workflow {self._name!r}: {exc}", workflow=self._name) from exc
        self._python_interface = iface

    def add_workflow_input(self, input_name: str, python_type: Any) -> Promise:
        """Declare an input; returns its promise (also in :attr:`inputs`)."""
        if input_name in self._inputs:
            raise WorkflowCompileError(
                f"workflow {self._name!r}: input {input_name!r} is declared twice",
                workflow=self._name,
            )
        self._in_types[input_name] = python_type
        self._rebuild()
        promise = self._state.input_promise(
            input_name, self._python_interface.input_converters[input_name]
        )
        self._inputs[input_name] = promise
        self._unbound.add(input_name)
        return promise

    def add_entity(self, entity: Any, **kwargs: Any) -> Node:
        """Add a node calling ``entity`` with these inputs (values or promises); returns it."""
        if getattr(entity, "entity_kind", None) == "launch plan":
            kwargs = entity._inputs((), kwargs)  # its saved inputs fill what is not given
        self._state.call(entity, (), kwargs)
        self._mark_used(kwargs.values())
        self._order = None
        return self._state.nodes[-1]

    def add_task(self, task: Any, **kwargs: Any) -> Node:
        """:meth:`add_entity` for a task."""
        return self.add_entity(task, **kwargs)

    def add_subwf(self, sub_wf: WorkflowBase, **kwargs: Any) -> Node:
        """:meth:`add_entity` for a sub-workflow."""
        return self.add_entity(sub_wf, **kwargs)

    def add_launch_plan(self, launch_plan: Any, **kwargs: Any) -> Node:
        """:meth:`add_entity` for a launch plan (its saved inputs fill what is not given)."""
        return self.add_entity(launch_plan, **kwargs)

    def _mark_used(self, values: Any) -> None:
        for value in values:
            if isinstance(value, Promise) and value.is_workflow_input:
                self._unbound.discard(value.var)
            elif isinstance(value, (list, tuple)):
                self._mark_used(value)
            elif isinstance(value, dict):
                self._mark_used(value.values())

    def add_workflow_output(self, output_name: str, p: Any, python_type: Any = None) -> None:
        """Bind output ``output_name`` to ``p`` (a promise; lists/dicts need ``python_type``).

        Binding the same output twice raises
        :class:`~taskplug.workflows.errors.WorkflowCompileError`.
        """
        if output_name in self._out_types:
            raise WorkflowCompileError(
                f"workflow {self._name!r}, output {output_name!r}: bound twice; each output "
                "takes one add_workflow_output()",
                workflow=self._name,
            )
        if python_type is None:
            python_type = check_input_promise(self._name, p).python_type
        self._out_types[output_name] = python_type
        try:
            self._rebuild()
            conv = self._python_interface.output_converters[output_name]
            ctx = binding_context(
                self._name,
                None,
                None,
                output_name,
                kind="output",
                allow_pickle=self._pickle_untyped,
            )
            spec = make_spec(p, conv, [], ctx)
            self._state.check_spec(spec, None, output_name, kind="output")
        except Exception:
            del self._out_types[output_name]
            self._rebuild()
            raise
        self._outputs.append((output_name, spec))
        self._mark_used([p])

    def add_on_failure_handler(self, entity: Any) -> Node:
        """Run ``entity`` (taking the workflow's inputs) when the workflow fails; node ``efn``."""
        self._on_failure = entity
        self._compile_failure_node(self._state, dict(self._inputs), node_id=FAILURE_NODE_ID)
        assert self._failure_node is not None
        return self._failure_node

    def ready(self) -> bool:
        """Whether the workflow has nodes and every input is used."""
        return bool(self._state.nodes) and not self._unbound

    def execution_order(self) -> list[int]:
        """Node indices in the order a local run executes them."""
        if self._order is None or len(self._order) != len(self._nodes):
            self.check_ids()
            self._order = execution_order(self._name, self._nodes)
        return self._order

    def compile(self, **kwargs: Any) -> None:
        """Nothing to do: the graph is built by the ``add_*`` calls."""


#: flytekit's name for the imperative builder (``from flytekit import Workflow``).
Workflow = ImperativeWorkflow
