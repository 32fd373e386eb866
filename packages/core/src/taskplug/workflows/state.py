"""The graph being built while a workflow (or a dynamic task) is compiled.

:class:`CompilationState` is what :data:`~taskplug.workflows.compilation.COMPILING` holds
while a workflow function runs: every call of a task or workflow goes through
:meth:`CompilationState.call`, which binds the arguments (promises, values, lists and dicts of
both), adds a :class:`~taskplug.workflows.node.Node` (ids ``n0``, ``n1``…, ``dn0``… inside a
dynamic task) and returns promises for its outputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.errors import TaskSignatureError, TypeTransformerFailedError
from taskplug.workflows.bindings import binding_context, make_spec
from taskplug.workflows.errors import WorkflowTypeError, where
from taskplug.workflows.metadata import NodeMetadata, construct_node_metadata
from taskplug.workflows.node import START_NODE_ID, Node
from taskplug.workflows.promise import Promise, VoidPromise, output_tuple_class

if TYPE_CHECKING:
    from taskplug.tasks.interface import Interface

__all__ = ["CompilationState", "create_node"]

_SCALARS = frozenset({int, float, str, bool})


class CompilationState:
    """The graph of one workflow (or dynamic task) while its function runs."""

    __slots__ = ("_metadata", "nodes", "open_sections", "parent", "prefix", "start", "workflow")

    def __init__(self, workflow: str, *, prefix: str = "") -> None:
        self.workflow = workflow
        self.prefix = prefix
        self.nodes: list[Node] = []
        self.start = Node(START_NODE_ID, None, index=-1, workflow=workflow)
        self._metadata: dict[int, tuple[Any, NodeMetadata]] = {}
        #: The state this one is nested in (the branches of a conditional), or ``None``.
        self.parent: CompilationState | None = None
        #: Conditionals started in this state and not finished yet (taskplug.workflows.condition).
        self.open_sections: list[Any] = []

    def nested(self) -> CompilationState:
        """A state for the nodes of a conditional's branches: same workflow, inputs and prefix,
        its own node list (ids restart at ``n0``, as flytekit numbers them)."""
        child = CompilationState(self.workflow, prefix=self.prefix)
        child.parent = self
        child.start = self.start
        child._metadata = self._metadata
        return child

    def finish(self) -> None:
        """Refuse a compilation that left a conditional unfinished (no ``else_()`` branch)."""
        if self.open_sections:
            section = self.open_sections[-1]
            from taskplug.workflows.errors import WorkflowCompileError

            raise WorkflowCompileError(
                f"workflow {self.workflow!r}: conditional {section.name!r} is not finished: "
                "end it with .else_().then(...) or .else_().fail('message') (every branch "
                "needs .then(...) or .fail(...))",
                workflow=self.workflow,
            )

    def input_promise(self, name: str, converter: Any) -> Promise:
        """The promise of workflow input ``name``."""
        return Promise(self.start, name, converter)

    def owns(self, p: Promise) -> bool:
        """Whether ``p`` is an input of this workflow or the output of one of its nodes
        (for a nested state: or of a node of the states it is nested in)."""
        node = p.node
        if node.index < 0:
            return node is self.start
        if node.index < len(self.nodes) and self.nodes[node.index] is node:
            return True
        return self.parent is not None and self.parent.owns(p)

    def check_spec(self, spec: Any, node_id: str | None, var: str, *, kind: str = "input") -> None:
        """Refuse a binding that uses a promise of another workflow (or of another compile)."""
        tag, payload = spec
        if tag == "p":
            if not self.owns(payload):
                place = where(self.workflow, node_id)
                raise WorkflowTypeError(
                    f"{place}, {kind} {var!r}: got {payload.describe()}, a promise of another "
                    "workflow; promises can only be used in the workflow that made them (pass "
                    "the value in as an input of this workflow)",
                    workflow=self.workflow,
                    node=node_id,
                )
        elif tag == "c":
            for sub in payload:
                self.check_spec(sub, node_id, var, kind=kind)
        elif tag == "m":
            for _, sub in payload:
                self.check_spec(sub, node_id, var, kind=kind)

    def call(self, entity: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Add a node running ``entity`` with these arguments; return its output promises."""
        nodes = self.nodes
        index = len(nodes)
        node_id = f"{self.prefix}n{index}"
        iface: Interface = entity.python_interface
        kind = getattr(entity, "entity_kind", "task")
        try:
            if kind == "task":
                values = iface.bind(entity.name, args, kwargs)
            else:
                from taskplug.workflows.workflow import bind_arguments

                values = bind_arguments(f"{kind} {entity.name!r}", iface, args, kwargs)
        except TaskSignatureError as exc:
            raise WorkflowTypeError(
                f"{where(self.workflow, node_id, f'{kind} {entity.name!r}')}: {exc}",
                workflow=self.workflow,
                node=node_id,
            ) from None
        cached = self._metadata.get(id(entity))
        if cached is None or cached[0] is not entity:
            cached = (entity, construct_node_metadata(entity))
            self._metadata[id(entity)] = cached
        node = Node(node_id, entity, index=index, workflow=self.workflow, metadata=cached[1])
        convs = iface.input_converters
        upstream = node.upstream
        inputs = node.inputs
        for name in sorted(values):
            value = values[name]
            conv = convs[name]
            if type(value) is Promise and value.converter is conv:  # the common case
                source = value.node
                if source.index >= 0:
                    if source.index >= index or nodes[source.index] is not source:
                        self.check_spec(("p", value), node_id, name)  # raises: not ours
                    if source not in upstream:
                        upstream.append(source)
                elif source is not self.start:
                    self.check_spec(("p", value), node_id, name)
                inputs.append((name, ("p", value)))
                continue
            if type(value) in _SCALARS:  # a plain value: converted here, errors below
                try:
                    inputs.append((name, ("l", conv.to_literal(value))))
                    continue
                except TypeTransformerFailedError:
                    pass
            ctx = binding_context(
                self.workflow,
                node_id,
                f"{kind} {entity.name!r}",
                name,
                allow_pickle=bool(getattr(entity, "pickle_untyped", False)),
            )
            spec = make_spec(value, conv, upstream, ctx)
            if spec[0] != "l":
                self.check_spec(spec, node_id, name)
            inputs.append((name, spec))
        nodes.append(node)
        outs = iface.output_converters
        if not outs:
            return VoidPromise(node)
        promises = tuple([Promise(node, n, c) for n, c in outs.items()])
        node._outputs = promises
        nt = iface.output_tuple
        if len(promises) == 1 and nt is None:
            return promises[0]
        cls = output_tuple_class(
            nt.__name__ if nt is not None else "DefaultNamedTupleOutput", tuple(outs)
        )
        return cls(*promises)


def create_node(entity: Any, *args: Any, **kwargs: Any) -> Any:
    """Add a node running ``entity`` to the workflow being compiled and return the node.

    For entities with no outputs (or to order calls explicitly): ``a = create_node(t1)``,
    ``b = create_node(t2, x=1)``, ``a >> b``; ``node.o0`` / ``node.outputs["o0"]`` are the
    output promises. Inputs are keyword arguments only. Outside a compilation the entity is
    simply called and its result returned.
    """
    from taskplug.workflows.compilation import COMPILING

    if args:
        raise TypeError(
            f"create_node({getattr(entity, 'name', entity)!r}, ...) takes inputs as keyword "
            f"arguments only; got {len(args)} positional argument(s)"
        )
    if not callable(getattr(entity, "python_interface", None) and entity):
        raise TypeError(f"create_node() needs a task or workflow, got {type(entity).__name__}")
    state = COMPILING.get()
    if state is None:
        return entity(**kwargs)
    state.call(entity, (), kwargs)
    return state.nodes[-1]
