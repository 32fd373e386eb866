"""``WorkflowBase``: what every workflow is once compiled — nodes, output bindings, metadata.

Calling a workflow while another one is being compiled adds a sub-workflow node; calling it
anywhere else runs the graph locally (:mod:`taskplug.workflows.local`) and returns Python
values, the way a task call does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.tasks.interface import Interface, describe_type
from taskplug.tasks.metadata import Documentation
from taskplug.workflows.bindings import Spec, binding_context, make_spec
from taskplug.workflows.compilation import COMPILING, LOCAL_WORKFLOW_RUN
from taskplug.workflows.errors import WorkflowCompileError, WorkflowTypeError
from taskplug.workflows.metadata import NodeMetadata, short_name
from taskplug.workflows.node import Node
from taskplug.workflows.promise import Promise, VoidPromise
from taskplug.workflows.state import CompilationState

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug.context import ExecutionParameters
    from taskplug.workflows.workflow import WorkflowMetadata, WorkflowMetadataDefaults

__all__ = ["WorkflowBase", "bind_outputs", "execution_order"]


def bind_outputs(name: str, iface: Interface, returned: Any) -> list[tuple[str, Spec]]:
    """The output bindings of what a workflow function returned (checked against ``iface``)."""
    names = list(iface.outputs)
    if not names:
        if returned is None or isinstance(returned, VoidPromise):
            return []
        raise WorkflowCompileError(
            f"workflow {name!r} declares no outputs but returns {_what(returned)}; annotate "
            "its return type (-> int, -> tuple[int, str], a NamedTuple) to make them outputs",
            workflow=name,
        )
    if len(names) == 1:
        values = [returned]
        if isinstance(returned, tuple) and iface.output_tuple is not None and len(returned) == 1:
            values = [returned[0]]
        elif isinstance(returned, tuple) and returned and isinstance(returned[0], Promise):
            raise _count_error(name, names, returned)
    else:
        if not isinstance(returned, tuple) or len(returned) != len(names):
            raise _count_error(name, names, returned)
        values = list(returned)
    out: list[tuple[str, Spec]] = []
    for var, value in zip(names, values):
        conv = iface.output_converters[var]
        ctx = binding_context(name, None, None, var, kind="output")
        if value is None and not _accepts_none(conv):
            raise WorkflowCompileError(
                f"workflow {name!r}, output {var!r} ({describe_type(conv.python_type)}): "
                "missing output binding — the workflow returned None for it; return the "
                "promise of the task output that produces it",
                workflow=name,
            )
        out.append((var, make_spec(value, conv, [], ctx)))
    return out


def _accepts_none(conv: Any) -> bool:
    try:
        conv.to_literal(None)
    except Exception:
        return False
    return True


def _what(value: Any) -> str:
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} values"
    if isinstance(value, Promise):
        return repr(value)
    return f"a {type(value).__name__}"


def _count_error(name: str, names: list[str], returned: Any) -> WorkflowCompileError:
    got = len(returned) if isinstance(returned, tuple) else 1
    return WorkflowCompileError(
        f"workflow {name!r} declares {len(names)} output(s) ({', '.join(names)}) but returns "
        f"{got} value(s)" + (" (None)" if returned is None else ""),
        workflow=name,
    )


def execution_order(name: str, nodes: list[Node]) -> list[int]:
    """Node indices in an order that respects every dependency (creation order when it does).

    Data dependencies always point to earlier nodes; only ``runs_before`` can point forward.
    A cycle raises :class:`~taskplug.workflows.errors.WorkflowCompileError` naming its nodes.
    """
    if all(up.index < n.index for n in nodes for up in n.upstream):
        return list(range(len(nodes)))
    import heapq

    waiting = [len(n.upstream) for n in nodes]
    downstream: list[list[int]] = [[] for _ in nodes]
    for n in nodes:
        for up in n.upstream:
            downstream[up.index].append(n.index)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in downstream[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(nodes):
        stuck = [nodes[i].id for i, w in enumerate(waiting) if w > 0]
        raise WorkflowCompileError(
            f"workflow {name!r}: nodes {', '.join(map(repr, stuck))} wait for each other "
            "(a cycle made with runs_before / >>)",
            workflow=name,
        )
    return order


class WorkflowBase:
    """A compiled workflow: :attr:`nodes`, :attr:`output_bindings`, interface and metadata."""

    entity_kind = "workflow"

    def __init__(
        self,
        name: str,
        interface: Interface,
        *,
        metadata: WorkflowMetadata,
        defaults: WorkflowMetadataDefaults,
        on_failure: Any = None,
        docs: Documentation | None = None,
        doc_source: str | None = None,
        pickle_untyped: bool = False,
    ) -> None:
        self._name = name
        self._python_interface = interface
        self._metadata = metadata
        self._defaults = defaults
        self._on_failure = on_failure
        self._failure_node: Node | None = None
        self._docs = docs
        self._doc_source = doc_source
        self._pickle_untyped = pickle_untyped
        self._nodes: list[Node] = []
        self._outputs: list[tuple[str, Spec]] = []
        self._order: list[int] | None = None
        self._warned = False
        self._used = False  # called, used in another workflow or serialized (see __repr__)
        #: Set when the body named something defined later in its module (compiled on first use).
        self._compile_pending = False

    # -- properties (flytekit's names) ------------------------------------------------------

    @property
    def name(self) -> str:
        """The workflow's fully qualified name."""
        return self._name

    @property
    def short_name(self) -> str:
        """The last part of :attr:`name`."""
        return short_name(self._name)

    @property
    def python_interface(self) -> Interface:
        """Inputs (with defaults) and outputs as Python types."""
        return self._python_interface

    @property
    def interface(self) -> Interface:
        """Same as :attr:`python_interface` (the flyteidl one is built by serialization)."""
        return self._python_interface

    @property
    def workflow_metadata(self) -> WorkflowMetadata:
        """The failure policy."""
        return self._metadata

    @property
    def workflow_metadata_defaults(self) -> WorkflowMetadataDefaults:
        """Defaults for the nodes (``interruptible``)."""
        return self._defaults

    @property
    def nodes(self) -> list[Node]:
        """The nodes, in the order they were created (their ids are ``n0``, ``n1``…)."""
        if self._compile_pending:
            self.compile_now()
        return self._nodes

    @property
    def output_bindings(self) -> list[tuple[str, Spec]]:
        """``(output name, binding spec)`` in output order."""
        if self._compile_pending:
            self.compile_now()
        return self._outputs

    @property
    def on_failure(self) -> Any:
        """The task or workflow that runs when this workflow fails (or ``None``)."""
        return self._on_failure

    @property
    def failure_node(self) -> Node | None:
        """The node of :attr:`on_failure` (id ``fn0``, or ``efn`` for imperative workflows)."""
        if self._compile_pending:
            self.compile_now()
        return self._failure_node

    @property
    def pickle_untyped(self) -> bool:
        """Whether untyped values are pickled."""
        return self._pickle_untyped

    @property
    def docs(self) -> Documentation:
        """Documentation from the decorator or, by default, from the docstring."""
        if self._docs is None:
            short, _, long = (self._doc_source or "").strip().partition("\n")
            self._docs = Documentation(
                short_description=short.strip(), long_description=long.strip()
            )
        return self._docs

    @property
    def has_docs(self) -> bool:
        """Whether the workflow is documented (by a docstring or ``docs=``; flytekit writes a
        description for every function workflow, none for an undocumented imperative one)."""
        return True

    def construct_node_metadata(self) -> NodeMetadata:
        """The metadata of a node running this workflow: short name, ``interruptible``."""
        return NodeMetadata(short_name(self._name), interruptible=self._defaults.interruptible)

    def execution_order(self) -> list[int]:
        """Node indices in the order a local run executes them."""
        if self._compile_pending:
            self.compile_now()
        if self._order is None or len(self._order) != len(self._nodes):
            self._order = execution_order(self._name, self._nodes)
        return self._order

    def check_ids(self) -> None:
        """Refuse two nodes with the same id (after ``with_overrides(node_name=...)``)."""
        if self._compile_pending:
            self.compile_now()
        seen: dict[str, Node] = {}
        for n in self._nodes:
            other = seen.get(n.id)
            if other is not None:
                raise WorkflowCompileError(
                    f"workflow {self._name!r}: nodes {other.index} ({other.describe_entity()}) "
                    f"and {n.index} ({n.describe_entity()}) both have the id {n.id!r}; give "
                    "them different node_name overrides",
                    workflow=self._name,
                    node=n.id,
                )
            seen[n.id] = n

    def compile_now(self) -> None:
        """Compile a workflow whose compilation waited for names defined after it."""
        self._compile_pending = False
        compile_fn = getattr(self, "compile", None)
        if compile_fn is not None:
            compile_fn()

    def _set_graph(self, nodes: list[Node], outputs: list[tuple[str, Spec]]) -> None:
        self._nodes = nodes
        self._outputs = outputs
        self._order = execution_order(self._name, nodes)
        self.check_ids()

    def _compile_failure_node(
        self, state: CompilationState, inputs: dict[str, Any], *, node_id: str
    ) -> None:
        handler = self._on_failure
        own = set(self._python_interface.inputs)
        theirs = getattr(handler, "python_interface", None)
        if theirs is None:
            raise WorkflowCompileError(
                f"workflow {self._name!r}: on_failure must be a task or workflow, got "
                f"{type(handler).__name__}",
                workflow=self._name,
            )
        missing = own - set(theirs.inputs)
        if missing:
            raise WorkflowCompileError(
                f"workflow {self._name!r}: on_failure {handler.name!r} must take the workflow's "
                f"inputs; it lacks {', '.join(sorted(missing))}",
                workflow=self._name,
            )
        failure_state = CompilationState(self._name, prefix="f")
        failure_state.start = state.start
        failure_state.call(handler, (), {k: inputs[k] for k in own})
        node = failure_state.nodes[0]
        node._id = node_id
        self._failure_node = node

    # -- calls ------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """A sub-workflow node while compiling; otherwise a local run returning Python values."""
        self._used = True
        state = COMPILING.get()
        if state is not None:
            return state.call(self, args, kwargs)
        from taskplug.errors import TaskSignatureError
        from taskplug.workflows.workflow import bind_arguments

        label = f"workflow {self._name!r}"
        try:
            values = bind_arguments(label, self._python_interface, args, kwargs)
        except TaskSignatureError as exc:
            raise WorkflowTypeError(str(exc), workflow=self._name) from None
        return self.local_execute(**values)

    def local_execute(self, **kwargs: Any) -> Any:
        """Run the graph on these inputs (all of them, defaults filled in); Python outputs."""
        from taskplug.tasks.base import UserCodeError, user_exception
        from taskplug.workflows.local import from_literal_map, to_literal_map

        iface = self._python_interface
        label = f"workflow {self._name!r}"
        if self._compile_pending:
            self.compile_now()
        if not self._warned:
            self._warn_local_overrides()
        lm = to_literal_map(label, iface.input_converters, kwargs)
        token = LOCAL_WORKFLOW_RUN.set(True)  # images: ImageSpec.is_container() (task kinds)
        try:
            out = self.dispatch_execute(lm)
        except UserCodeError as err:
            failure = user_exception(err)
        else:
            # several outputs come back as flytekit's DefaultNamedTupleOutput (or the NamedTuple)
            return from_literal_map(
                label, iface.output_converters, out, output_tuple=iface.result_tuple
            )
        finally:
            LOCAL_WORKFLOW_RUN.reset(token)
        raise failure

    def _warn_local_overrides(self) -> None:
        """Once per workflow: overrides that only a cluster can honour are ignored locally."""
        self._warned = True
        nodes = [n.id for n in self._nodes if n.overrides is not None and n.overrides.any_set()]
        if nodes:
            import warnings

            from taskplug.tasks.base import LocalExecutionWarning

            warnings.warn(
                f"workflow {self._name!r} runs locally: the resource, accelerator, image and pod "
                f"overrides of node(s) {', '.join(nodes)} apply in a cluster only and are "
                "ignored here",
                LocalExecutionWarning,
                stacklevel=4,
            )

    def _run_failure_handler(self, inputs: dict[str, Any], message: str) -> None:
        handler = self._on_failure
        if handler is None:
            return
        theirs = handler.python_interface.inputs
        args = {k: v for k, v in inputs.items() if k in theirs}
        if "err" in theirs and "err" not in args:  # as flytekit: a FlyteError named err
            from taskplug.types.error.error import FlyteError

            node = self._failure_node.id if self._failure_node is not None else ""
            args["err"] = FlyteError(message=message, failed_node_id=node)
        handler(**args)

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """Run the graph on a ``LiteralMap`` of inputs; return the ``LiteralMap`` of outputs.

        When a node fails, the workflow's ``on_failure`` handler runs (with the workflow's
        inputs, and a ``FlyteError`` as ``err`` when it takes one) before the error goes on, as
        in flytekit: a failing sub-workflow runs its own handler, then its parent's.
        """
        from taskplug.workflows.local import run_graph

        if self._compile_pending:
            self.compile_now()
        try:
            return run_graph(
                workflow=self._name,
                nodes=self._nodes,
                order=self.execution_order(),
                outputs=self._outputs,
                inputs=input_literal_map,
            )
        except Exception as exc:
            if self._on_failure is not None:
                self._handle_failure(input_literal_map, exc)
            raise

    def _handle_failure(self, lm: literals_pb2.LiteralMap, exc: Exception) -> None:
        from taskplug.tasks.base import UserCodeError

        if isinstance(exc, UserCodeError):  # flytekit's text for a task failed in a local run
            text = f"Error encountered while executing {exc.task!r}:\n  {exc.original}"
        else:
            text = str(exc)
        lits = lm.literals
        inputs = {
            name: conv.to_python(lits[name])
            for name, conv in self._python_interface.input_converters.items()
            if name in lits
        }
        self._run_failure_handler(inputs, text)

    def __repr__(self) -> str:
        """flytekit's form: ``WorkflowBase - name && Inputs (n): {...} && Outputs …``.

        flytekit compiles a workflow on first use, so its output bindings show only once the
        workflow was called, used in another workflow or serialized; so do they here.
        """
        iface = self._python_interface
        bindings = "[]"
        if self._used:
            from taskplug.workflows.bindings import fill_binding_data

            parts = []
            from flyteidl.core.literals_pb2 import Binding

            for var, spec in self._outputs:
                b = Binding(var=var)
                fill_binding_data(b.binding, spec)
                parts.append(str(b))
            bindings = "[" + ", ".join(parts) + "]"
        return (
            f"WorkflowBase - {self._name} && Inputs ({len(iface.inputs)}): {iface.inputs} && "
            f"Outputs ({len(iface.outputs)}): {iface.outputs} && Output bindings: {bindings} && "
        )


def check_input_promise(name: str, p: Any) -> Promise:
    """``p`` as a promise of a workflow output (imperative workflows), or a clear error."""
    if not isinstance(p, Promise):
        raise WorkflowTypeError(
            f"workflow {name!r}: add_workflow_output() takes a promise (a node output or a "
            f"workflow input), got {type(p).__name__}; pass python_type= for lists and dicts",
            workflow=name,
        )
    return p
