"""``conditional``: if/elif/else branches in a workflow, as flytekit's ``conditional``.

::

    @workflow
    def shape(radius: float) -> float:
        return (
            conditional("shape")
            .if_((radius >= 0.1) & (radius < 1.0))
            .then(circumference(radius=radius))
            .elif_(radius < 10.0)
            .then(area(radius=radius))
            .else_()
            .fail("radius must be below 10")
        )

While the workflow compiles, the calls inside each ``then(...)`` add nodes to a state of their
own (ids restart at ``n0``, as flytekit numbers them); when the last branch is given, the whole
section becomes one node of the workflow: a flyteidl ``BranchNode`` whose inputs are the
promises the conditions read (named ``<node id>.<output>``) and whose outputs are the outputs
the branches have in common. ``taskplug.workflows.serialize`` writes it as flytekit does.

A local run evaluates the conditions on the inputs' literals and runs only the nodes of the
branch taken (flytekit's ``LocalExecutedConditionalSection``); ``.fail(message)`` taken raises
:class:`ConditionFailedError` (a ``ValueError`` whose text is the message, as flytekit's).

Misuse fails while the workflow compiles, naming the workflow and the conditional: a branch
without ``then``/``fail``, a conditional without ``else_()``, a condition that is not a
comparison (``if_(p)``, ``if_(True)``), a ``then`` given something other than the result of a
call made in that branch, branches whose common outputs differ in type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from taskplug.tasks.interface import describe_type
from taskplug.workflows.bindings import castable
from taskplug.workflows.branch import BranchNode, ConditionFailedError
from taskplug.workflows.compilation import COMPILING
from taskplug.workflows.errors import WorkflowCompileError, where
from taskplug.workflows.expressions import Expression, operand_var
from taskplug.workflows.node import Node
from taskplug.workflows.promise import Promise, VoidPromise, output_tuple_class

if TYPE_CHECKING:
    from contextvars import Token

    from taskplug.workflows.state import CompilationState

__all__ = [
    "BranchNode",
    "Case",
    "Condition",
    "ConditionFailedError",
    "ConditionalSection",
    "conditional",
]


class Case:
    """One branch: its condition (``None`` for ``else_``), then the nodes of its ``then``."""

    def __init__(self, section: ConditionalSection, expr: Expression | None, stmt: str) -> None:
        self._cs = section
        self._expr = expr
        self._stmt = stmt
        self._start = len(section._state.nodes)
        self._nodes: list[Node] = []
        self._output: Any = None
        self._output_node: Node | None = None
        self._err: str | None = None
        self._done = False

    @property
    def expr(self) -> Expression | None:
        """The condition (``None`` for the ``else_`` branch)."""
        return self._expr

    @property
    def output_promise(self) -> Any:
        """What ``then(...)`` was given (``None`` after ``fail``)."""
        return self._output

    @property
    def output_node(self) -> Node | None:
        """The node whose outputs are the branch's (flyteidl's ``then_node``)."""
        return self._output_node

    @property
    def nodes(self) -> list[Node]:
        """Every node made inside the branch, in order (a local run runs them all)."""
        return self._nodes

    @property
    def err(self) -> str | None:
        """The ``fail`` message."""
        return self._err

    def then(self, p: Any) -> Any:
        """The branch runs ``p`` — the result of a task, workflow or conditional called here.

        Returns the next step (``.elif_``/``.else_``), or the section's outputs after
        ``else_()``.
        """
        self._begin_end("then")
        self._nodes = self._cs._state.nodes[self._start :]
        self._output = p
        self._output_node = self._node_of(p)
        return self._cs._end_branch(self)

    def fail(self, message: str) -> Any:
        """Taking this branch fails the workflow with ``message``."""
        self._begin_end("fail")
        if not isinstance(message, str):
            self._cs._error(f"{self._stmt}(...).fail() takes a message (str), got {message!r}")
        self._nodes = self._cs._state.nodes[self._start :]
        if self._nodes:
            self._cs._error(
                f"{self._stmt}(...).fail() ends a branch that made node(s) "
                f"{', '.join(n.id for n in self._nodes)}; a failing branch runs nothing"
            )
        self._err = message
        return self._cs._end_branch(self)

    def _begin_end(self, what: str) -> None:
        if self._done:
            self._cs._error(f"{self._stmt}(...) already has its .then()/.fail(); {what}() again")
        self._done = True
        if COMPILING.get() is not self._cs._state:
            inner = self._cs._state.open_sections
            name = inner[-1].name if inner else "?"
            self._cs._error(
                f"conditional {name!r} inside branch {self._stmt}(...) is not finished: end it "
                "with .else_().then(...) or .else_().fail('message') before this .then()"
            )

    def _node_of(self, p: Any) -> Node:
        promises: list[Any]
        if isinstance(p, (Promise, VoidPromise)):
            promises = [p]
        elif isinstance(p, tuple) and p and all(isinstance(x, Promise) for x in p):
            promises = list(p)
        else:
            what = "None" if p is None else f"a {type(p).__name__}"
            self._cs._error(
                f"{self._stmt}(...).then() takes the result of a task, workflow or conditional "
                f"called inside it (`.then(t(x=...))`), got {what}"
            )
        node: Node = promises[0].node
        if any(x.node is not node for x in promises):
            self._cs._error(f"{self._stmt}(...).then() got the outputs of several nodes")
        if any(isinstance(x, Promise) and x.attr_path for x in promises):
            self._cs._error(
                f"{self._stmt}(...).then() takes a call's result, not a part of it "
                f"({promises[0]!r}); return the part from a task, or index the conditional's "
                "result after it"
            )
        if not any(n is node for n in self._nodes):
            made = (
                "an input of the workflow"
                if node.index < 0
                else f"node {node.id!r} ({node.describe_entity()}), made before the conditional"
            )
            self._cs._error(
                f"{self._stmt}(...).then() takes the result of a call made inside the branch "
                f"(`.then(t(x=...))`), got {made}; call the task in then(...)"
            )
        return node

    # flytekit-style mistakes that would otherwise be AttributeErrors
    def _needs_then(self, what: str) -> NoReturn:
        self._cs._error(f"{self._stmt}(...) needs .then(...) or .fail(...) before .{what}")

    def elif_(self, expr: Any) -> NoReturn:
        """Refused: a branch must be ended with ``then``/``fail`` first."""
        self._needs_then("elif_(...)")

    def else_(self) -> NoReturn:
        """Refused: a branch must be ended with ``then``/``fail`` first."""
        self._needs_then("else_()")

    def if_(self, expr: Any) -> NoReturn:
        """Refused: a branch must be ended with ``then``/``fail`` first."""
        self._needs_then("if_(...)")

    def __repr__(self) -> str:
        return f"{self._stmt}({self._expr!r})"


class Condition:
    """What a branch's ``then`` returns before the last branch: ``elif_`` or ``else_``."""

    def __init__(self, section: ConditionalSection) -> None:
        self._cs = section

    def elif_(self, expr: Any) -> Case:
        """Another branch, taken when the ones before it were not and ``expr`` holds."""
        return self._cs._start_branch(expr, "elif_")

    def else_(self) -> Case:
        """The last branch, taken when no other was."""
        return self._cs._start_branch(None, "else_")

    def __repr__(self) -> str:
        return f"condition({self._cs.name}) " + "".join(repr(c) for c in self._cs.cases)


class ConditionalSection:
    """A conditional being written: ``.if_(...)`` starts it (see :func:`conditional`)."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise WorkflowCompileError(
                f"conditional() takes a name (a non-empty str), got {name!r}"
            )
        outer = COMPILING.get()
        if outer is None:
            raise WorkflowCompileError(
                f"conditional({name!r}) can only be used in the body of a @workflow or a "
                "@dynamic task (where calls make nodes)"
            )
        self._name = name
        self._outer: CompilationState = outer
        self._state: CompilationState = outer.nested()
        self._cases: list[Case] = []
        self._condition = Condition(self)
        outer.open_sections.append(self)
        self._token: Token[CompilationState | None] | None = COMPILING.set(self._state)

    @property
    def name(self) -> str:
        """The conditional's name (the branch node's metadata name)."""
        return self._name

    @property
    def cases(self) -> list[Case]:
        """The branches so far."""
        return self._cases

    def if_(self, expr: Any) -> Case:
        """The first branch, taken when ``expr`` holds."""
        if self._cases:
            self._error("if_(...) starts a conditional; use .elif_(...) for the next branches")
        return self._start_branch(expr, "if_")

    def _error(self, detail: str) -> NoReturn:
        outer = self._outer
        workflow = outer.workflow
        node_id = f"{outer.prefix}n{len(outer.nodes)}"  # the node the conditional becomes
        if self._token is not None:  # leave the branch state: the compilation is over
            COMPILING.reset(self._token)
            self._token = None
            if self in outer.open_sections:
                outer.open_sections.remove(self)
        raise WorkflowCompileError(
            f"{where(workflow, node_id, f'conditional {self._name!r}')}: {detail}",
            workflow=workflow,
            node=node_id,
        )

    def _start_branch(self, expr: Any, stmt: str) -> Case:
        if self._token is None:
            self._error(f"{stmt}: the conditional is already complete")
        if stmt != "else_":
            self._check_expression(expr, stmt)
        case = Case(self, expr, stmt)
        self._cases.append(case)
        return case

    def _check_expression(self, expr: Any, stmt: str) -> None:
        if isinstance(expr, Expression):
            inside = {id(n) for n in self._state.nodes}
            for p in expr.promises():
                if id(p.node) in inside:
                    self._error(
                        f"{stmt}(...) reads {p.describe()}, made inside the conditional; a "
                        "condition can only read values computed before the conditional"
                    )
                if not self._outer.owns(p):
                    self._error(f"{stmt}(...) reads {p.describe()}, a promise of another workflow")
            return
        if isinstance(expr, bool):
            detail = (
                f"got an evaluated condition ({expr}): `and`, `or`, `not` and `is` cannot be "
                "used on promises; write (a > 1) & (b < 2), (a > 1) | (b < 2)"
            )
        elif isinstance(expr, Promise):
            detail = (
                f"got the promise {expr!r} itself; a condition must be a comparison: "
                "p.is_true(), p.is_false(), p.is_none(), p == x, p > x"
            )
        else:
            detail = (
                f"got {expr!r}; a condition is a comparison of promises (<, <=, >, >=, ==, !=, "
                "is_true(), is_false(), is_none()) or a conjunction of them (&, |)"
            )
        self._error(f"{stmt}(...): {detail}")

    def _end_branch(self, case: Case) -> Any:
        if case._stmt != "else_":
            return self._condition
        if self._token is not None:
            COMPILING.reset(self._token)
            self._token = None
        self._outer.open_sections.remove(self)
        if self._state.open_sections:  # an inner conditional left unfinished
            inner = self._state.open_sections[-1]
            self._error(f"conditional {inner.name!r} inside it is not finished")
        return self._make_node()

    # -- the branch node ------------------------------------------------------------------------

    def _output_vars(self) -> list[str] | None:
        """flytekit's ``compute_output_vars``: the outputs every returning branch has (in the
        first branch's order); ``None`` when a branch returns nothing."""
        names: list[str] | None = None
        for case in self._cases:
            out = case._output
            if case._err is not None:
                continue
            if isinstance(out, VoidPromise):
                return None
            current = [p.var for p in out] if isinstance(out, tuple) else [out.var]
            names = current if names is None else [v for v in names if v in current]
        return names

    def _make_node(self) -> Any:
        outer = self._outer
        index = len(outer.nodes)
        branch = BranchNode(self._name, list(self._cases), outer.workflow)
        node = Node(f"{outer.prefix}n{index}", branch, index=index, workflow=outer.workflow)
        branch._node_id = node.id
        seen: dict[str, Promise] = {}
        for case in self._cases:
            if case._expr is None:
                continue
            for p in case._expr.promises():
                var = operand_var(p)
                first = seen.setdefault(var, p)
                if first is not p and first.attr_path != p.attr_path:
                    self._error(
                        f"the conditions read output {p.var!r} of node {p.node.id!r} through two "
                        f"different attribute paths ({first!r}, {p!r}); Flyte names both "
                        f"{var!r}: compare one of them in a task instead"
                    )
                branch._names[id(p)] = var
        for var in sorted(seen):
            p = seen[var]
            node.inputs.append((var, ("p", p)))
            if p.node.index >= 0 and p.node not in node.upstream:
                node.upstream.append(p.node)
        names = self._output_vars() or []
        converters = [self._converter(var) for var in names]  # may raise: before the node exists
        outer.nodes.append(node)
        if not names:
            branch._outputs = []
            return VoidPromise(node)
        promises = tuple(Promise(node, var, conv) for var, conv in zip(names, converters))
        node._outputs = promises
        branch._outputs = names
        first = next(c._output for c in self._cases if c._err is None)
        if len(promises) == 1 and not isinstance(first, tuple):
            return promises[0]
        name = type(first).__name__ if isinstance(first, tuple) else "DefaultNamedTupleOutput"
        return output_tuple_class(name, tuple(names))(*promises)

    def _converter(self, var: str) -> Any:
        found: list[tuple[Case, Promise]] = []
        for case in self._cases:
            out = case._output
            if case._err is not None:
                continue
            for p in out if isinstance(out, tuple) else (out,):
                if p.var == var:
                    found.append((case, p))
        first_case, first = found[0]
        for case, p in found[1:]:
            if not castable(p.literal_type, first.literal_type):
                self._error(
                    f"the branches return output {var!r} with different types: "
                    f"{first_case._stmt} gives {describe_type(first.python_type)}, "
                    f"{case._stmt} gives {describe_type(p.python_type)}"
                )
        return first.converter


def conditional(name: str) -> ConditionalSection:
    """Start a conditional named ``name`` in a workflow (or ``@dynamic``) body.

    ``conditional("c").if_(expr).then(t1(...)).elif_(expr2).then(t2(...)).else_().then(t3(...))``
    (or ``.else_().fail("message")``) returns the outputs the branches have in common: a promise,
    a named tuple of promises, or a ``VoidPromise``. Conditions compare promises: ``<``, ``<=``,
    ``>``, ``>=``, ``==``, ``!=``, ``p.is_true()``, ``p.is_false()``, ``p.is_none()``, joined by
    ``&`` and ``|``. Conditionals nest: a ``then`` may take another ``conditional(...)``.
    """
    return ConditionalSection(name)
