"""Promises: what a task or workflow call returns while a workflow is being compiled.

A :class:`Promise` stands for one output of a node (or one input of the workflow) that exists
only when the workflow runs. It can be passed to other calls, returned from the workflow, and
given per-node overrides (``t(x=1).with_overrides(retries=3)``). ``p.field``, ``p[0]`` and
``p["key"]`` are promises of a part of the value (an attribute path, resolved when the workflow
runs; :mod:`taskplug.workflows.attr_path`); ``p > 1``, ``p == x``, ``p.is_true()`` are
conditions for ``conditional(...)`` (:mod:`taskplug.workflows.expressions`). Anything that
needs its value now — ``if p:``, ``p + 1``, ``len(p)``, ``for x in p`` — raises
:class:`~taskplug.workflows.errors.PromiseUsageError` naming the workflow, the node and the
output, because the value does not exist while the graph is being built. ``str(p)`` and
``f"{p}"`` give flytekit's description of the promise (``Promise(node:n0.o0.[])``).

A call of an entity with no outputs returns a :class:`VoidPromise` (it can order nodes and take
overrides, nothing else); several outputs come back as a named tuple of promises (see
:func:`output_tuple_class`) that also offers ``with_overrides`` and ``>>``.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any, NoReturn

from taskplug.tasks.interface import describe_type
from taskplug.workflows.errors import PromiseAttributeError, PromiseUsageError, where

if TYPE_CHECKING:
    from taskplug.types.engine import Converter
    from taskplug.workflows.expressions import ComparisonExpression
    from taskplug.workflows.node import Node

__all__ = ["Promise", "VoidPromise", "output_tuple_class"]

_HINT = (
    "a workflow body only wires calls together: pass the promise to another task, or do the "
    "work inside a task (or a @dynamic task, whose inputs are real values)"
)


class Promise:
    """One future output of a node (``node.id``, ``var``), typed by ``python_type``."""

    __slots__ = ("_conv", "_node", "_var")

    def __init__(self, node: Node, var: str, converter: Converter) -> None:
        self._node = node
        self._var = var
        self._conv = converter

    # -- what a promise is ------------------------------------------------------------------

    @property
    def node(self) -> Node:
        """The node that produces the value (the workflow's start node for its inputs)."""
        return self._node

    @property
    def var(self) -> str:
        """The output name (or the workflow input name)."""
        return self._var

    @property
    def python_type(self) -> Any:
        """The declared Python type of the value."""
        return self._conv.python_type

    @property
    def converter(self) -> Converter:
        """The type engine's converter for :attr:`python_type`."""
        return self._conv

    @property
    def literal_type(self) -> Any:
        """The flyteidl ``LiteralType`` of the value."""
        return self._conv.literal_type

    @property
    def is_workflow_input(self) -> bool:
        """Whether this promise is an input of the workflow (not a node's output)."""
        return self._node.index < 0

    @property
    def is_ready(self) -> bool:
        """Always ``False``: a promise's value exists only when the workflow runs."""
        return False

    # -- graph operations -------------------------------------------------------------------

    def with_overrides(self, **overrides: Any) -> Promise:
        """Override settings of the node that produces this value (see ``Node.with_overrides``)."""
        if self.is_workflow_input:
            self._fail("with_overrides() applies to the output of a task or workflow call")
        self._node.with_overrides(**overrides)
        return self

    def runs_before(self, other: Any) -> Any:
        """Make the node of ``other`` wait for this promise's node; returns ``other``."""
        if not self.is_workflow_input:
            self._node.runs_before(other)
        return other

    def __rshift__(self, other: Any) -> Any:
        return self.runs_before(other)

    # -- messages ---------------------------------------------------------------------------

    def describe(self) -> str:
        """``workflow 'm.wf', node 'n0' (task 'm.t'), output 'o0' (int)``."""
        node = self._node
        kind = "input" if self.is_workflow_input else "output"
        place = (
            where(node.workflow)
            if self.is_workflow_input
            else where(node.workflow, node.id, node.describe_entity())
        )
        return f"{place}, {kind} {self._var!r} ({describe_type(self.python_type)})"

    def _fail(self, what: str) -> NoReturn:
        node = self._node
        raise PromiseUsageError(
            f"{self.describe()}: {what}; {_HINT}",
            workflow=node.workflow,
            node=None if self.is_workflow_input else node.id,
        )

    def __repr__(self) -> str:
        node = self._node
        src = "input" if self.is_workflow_input else f"node {node.id!r}"
        return f"Promise({src}, {self._var!r}: {describe_type(self.python_type)})"

    # -- everything that would need the value now ------------------------------------------

    def __bool__(self) -> bool:
        self._fail("its truth value is not known while the workflow is compiled (`if p:`)")

    def __len__(self) -> int:
        self._fail("its length is not known while the workflow is compiled (`len(p)`)")

    def __iter__(self) -> Any:
        self._fail("it cannot be iterated while the workflow is compiled (`for x in p`)")

    def __contains__(self, item: object) -> bool:
        self._fail("membership cannot be tested while the workflow is compiled (`x in p`)")

    # -- attribute paths (taskplug.workflows.attr_path) -------------------------------------

    @property
    def attr_path(self) -> tuple[str | int, ...]:
        """The attribute path (``p.a[0]`` → ``("a", 0)``); empty for the output itself."""
        return ()

    def __getitem__(self, key: object) -> Promise:
        """``p[0]`` of a list, ``p["key"]`` of a ``dict[str, T]`` or a dataclass: a promise of
        that item, resolved when the workflow runs (an attribute path in the binding)."""
        from taskplug.workflows.attr_path import extend

        return extend(self, key, attribute=False)

    def __getattr__(self, name: str) -> Promise:
        """``p.field`` of a dataclass (or pydantic model): a promise of that field."""
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        from taskplug.workflows.attr_path import extend

        return extend(self, name, attribute=True)

    def _attribute_error(self, detail: str) -> PromiseAttributeError:
        node = self._node
        return PromiseAttributeError(
            f"{self.describe()}: {detail}",
            workflow=node.workflow,
            node=None if self.is_workflow_input else node.id,
        )

    # -- issue 15, PSTR: str() and f-strings describe the promise, as flytekit's do --------

    def __str__(self) -> str:
        """``Promise(node:n0.o0.[])``: flytekit's text for a promise (node id, output, path).

        A ``print(p)`` or ``f"{p}"`` in a workflow body shows it; the value itself exists
        only when the workflow runs.
        """
        node_id = "" if self.is_workflow_input else self._node.id
        return f"Promise(node:{node_id}.{self._var}.{list(self.attr_path)})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    # -- end of PSTR

    def __hash__(self) -> int:
        return id(self)

    # -- conditions (taskplug.workflows.expressions): for conditional(...).if_(...) ----------

    def __eq__(self, other: object) -> ComparisonExpression:  # type: ignore[override]
        return _compare(self, "EQ", other)

    def __ne__(self, other: object) -> ComparisonExpression:  # type: ignore[override]
        return _compare(self, "NE", other)

    def __gt__(self, other: object) -> ComparisonExpression:
        return _compare(self, "GT", other)

    def __ge__(self, other: object) -> ComparisonExpression:
        return _compare(self, "GE", other)

    def __lt__(self, other: object) -> ComparisonExpression:
        return _compare(self, "LT", other)

    def __le__(self, other: object) -> ComparisonExpression:
        return _compare(self, "LE", other)

    def is_(self, v: bool) -> ComparisonExpression:
        """The condition ``p == v``."""
        return _compare(self, "EQ", v)

    def is_true(self) -> ComparisonExpression:
        """The condition ``p == True`` (for a bool output or input)."""
        return _compare(self, "EQ", True)

    def is_false(self) -> ComparisonExpression:
        """The condition ``p == False``."""
        return _compare(self, "EQ", False)

    def is_none(self) -> ComparisonExpression:
        """The condition ``p == None`` (for an ``Optional`` output or input)."""
        return _compare(self, "EQ", None)

    def __index__(self) -> int:
        self._fail("it is not a number while the workflow is compiled (`range(p)`, `xs[p]`)")

    def __int__(self) -> int:
        self._fail("it is not a number while the workflow is compiled (`int(p)`)")

    def __float__(self) -> float:
        self._fail("it is not a number while the workflow is compiled (`float(p)`)")

    def _arith(self, *_: object) -> Any:
        self._fail("arithmetic needs its value, which exists only when the workflow runs")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arith
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _arith
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __neg__ = __pos__ = __abs__ = _arith
    __xor__ = __rxor__ = __invert__ = _arith
    __lshift__ = __rlshift__ = __rrshift__ = _arith

    def _logical(self, *_: object) -> Any:
        self._fail(
            "& and | combine conditions, not promises: compare first, `p.is_true() & (q > 1)`"
        )

    __and__ = __rand__ = __or__ = __ror__ = _logical

    def __call__(self, *args: object, **kwargs: object) -> Any:
        self._fail("it is not callable")


def _compare(p: Promise, op: str, other: object) -> ComparisonExpression:
    from taskplug.workflows.expressions import ComparisonExpression, ComparisonOps

    return ComparisonExpression(p, ComparisonOps[op], other)


class VoidPromise:
    """What a call of a task or workflow without outputs returns while compiling."""

    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        self._node = node

    @property
    def node(self) -> Node:
        """The node of the call."""
        return self._node

    def with_overrides(self, **overrides: Any) -> VoidPromise:
        """Override settings of the node (see ``Node.with_overrides``)."""
        self._node.with_overrides(**overrides)
        return self

    def runs_before(self, other: Any) -> Any:
        """Make the node of ``other`` wait for this node; returns ``other``."""
        self._node.runs_before(other)
        return other

    def __rshift__(self, other: Any) -> Any:
        return self.runs_before(other)

    def _fail(self, what: str) -> NoReturn:
        node = self._node
        raise PromiseUsageError(
            f"{where(node.workflow, node.id, node.describe_entity())}: {what}: it has no "
            "outputs, so its call returns nothing that can be used as a value",
            workflow=node.workflow,
            node=node.id,
        )

    def __bool__(self) -> bool:
        self._fail("used as a truth value")

    def __eq__(self, other: object) -> bool:
        self._fail("compared")

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"VoidPromise(node {self._node.id!r})"


class _OutputsMixin:
    """Graph operations of the named tuple of a multi-output call (applied to its node)."""

    __slots__ = ()

    def _first(self) -> Promise:
        first: Promise = tuple.__getitem__(self, 0)  # type: ignore[call-overload]
        return first

    def with_overrides(self, **overrides: Any) -> Any:
        """Override settings of the node that produces these outputs."""
        self._first().with_overrides(**overrides)
        return self

    def runs_before(self, other: Any) -> Any:
        """Make the node of ``other`` wait for this node; returns ``other``."""
        return self._first().runs_before(other)

    def __rshift__(self, other: Any) -> Any:
        return self.runs_before(other)


_TUPLE_CLASSES: dict[tuple[str, tuple[str, ...]], type] = {}


def output_tuple_class(name: str, fields: tuple[str, ...]) -> type:
    """A named tuple class ``name(fields…)`` of promises with ``with_overrides`` and ``>>``.

    Built once per (name, fields) and reused, so a call costs no class creation.
    """
    key = (name, fields)
    cls = _TUPLE_CLASSES.get(key)
    if cls is None:
        base = collections.namedtuple(name, fields)  # type: ignore[misc]
        cls = type(name, (_OutputsMixin, base), {"__slots__": ()})
        _TUPLE_CLASSES[key] = cls
    return cls
