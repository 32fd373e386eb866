"""Conditions on promises: what ``p > 1``, ``p.is_true()`` and ``(a < 1) & (b > 2)`` build.

While a workflow compiles, comparing a promise does not give a ``bool`` (the value does not
exist yet): it gives a :class:`ComparisonExpression`, which ``conditional(...).if_(...)`` turns
into a flyteidl ``BooleanExpression`` evaluated when the workflow runs. Comparisons combine with
``&`` and ``|`` into a :class:`ConjunctionExpression` (Python's ``and``, ``or`` and ``not``
cannot be overloaded, as in flytekit). Using an expression as a truth value (``if p > 1:``)
raises :class:`~taskplug.workflows.errors.PromiseUsageError` naming the workflow and the node.

Operands are promises of primitive values (int, float, str, bool, datetime, timedelta, an enum,
or an ``Optional`` of them) and constants of those types or ``None``. A local run evaluates the
expression on the operands' literals, with Python's comparison operators (flytekit's local
semantics).
"""

from __future__ import annotations

import datetime
import enum
import operator
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from taskplug.workflows.errors import PromiseUsageError

if TYPE_CHECKING:
    from flyteidl.core import condition_pb2, literals_pb2

    from taskplug.workflows.promise import Promise

__all__ = [
    "ComparisonExpression",
    "ComparisonOps",
    "ConjunctionExpression",
    "ConjunctionOps",
    "Expression",
    "operand_var",
    "primitive_value",
]


class ComparisonOps(enum.Enum):
    """The comparison operators (flytekit's names and values)."""

    EQ = "=="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


class ConjunctionOps(enum.Enum):
    """The logical operators: ``&`` is AND, ``|`` is OR."""

    AND = "and"
    OR = "or"


_PYTHON_OPS: dict[ComparisonOps, Callable[[Any, Any], bool]] = {
    ComparisonOps.EQ: operator.eq,
    ComparisonOps.NE: operator.ne,
    ComparisonOps.GT: operator.gt,
    ComparisonOps.GE: operator.ge,
    ComparisonOps.LT: operator.lt,
    ComparisonOps.LE: operator.le,
}

# flyteidl ComparisonExpression.Operator / ConjunctionExpression.LogicalOperator numbers
_IDL_COMPARISON = {
    ComparisonOps.EQ: 0,
    ComparisonOps.NE: 1,
    ComparisonOps.GT: 2,
    ComparisonOps.GE: 3,
    ComparisonOps.LT: 4,
    ComparisonOps.LE: 5,
}
_IDL_CONJUNCTION = {ConjunctionOps.AND: 0, ConjunctionOps.OR: 1}

#: Simple literal types a promise operand may have (flyteidl SimpleType numbers).
_COMPARABLE_SIMPLE = {
    1: "INTEGER",
    2: "FLOAT",
    3: "STRING",
    4: "BOOLEAN",
    5: "DATETIME",
    6: "DURATION",
}
_NONE_SIMPLE = 0
_CONSTANT_TYPES = (bool, int, float, str, datetime.datetime, datetime.timedelta, enum.Enum)
_HINT = (
    "a condition compares promises of primitive values (int, float, str, bool, datetime, "
    "timedelta, an enum, or an Optional of them) with each other or with constants"
)


def operand_var(p: Promise) -> str:
    """The variable name of a promise operand in a branch node: ``<node id>.<output>``.

    flytekit's ``create_branch_node_promise_var``: ``n0.o0`` for a node's output, ``.x`` for
    the workflow input ``x`` (the inputs' node id is empty).
    """
    return f"{p.node.id}.{p.var}"


def _comparable(lt: Any) -> bool:
    kind = lt.WhichOneof("type")
    if kind == "simple":
        return lt.simple in _COMPARABLE_SIMPLE or lt.simple == _NONE_SIMPLE
    if kind == "enum_type":
        return True
    if kind == "union_type":
        return all(_comparable(v) for v in lt.union_type.variants)
    return False


class Expression:
    """What ``if_(...)`` takes: a comparison or a conjunction of comparisons."""

    __slots__ = ()

    def promises(self) -> Iterator[Promise]:
        """The promise operands, left to right (with repeats)."""
        raise NotImplementedError

    def evaluate(self, values: Callable[[Promise], literals_pb2.Literal]) -> bool:
        """The truth value, reading each promise operand's literal through ``values``."""
        raise NotImplementedError

    def fill(self, msg: condition_pb2.BooleanExpression, name_of: Callable[[Promise], str]) -> None:
        """Write the flyteidl ``BooleanExpression``; ``name_of`` names each promise operand
        (the branch node's input variable that carries it, see :func:`operand_var`)."""
        raise NotImplementedError

    def __and__(self, other: object) -> ConjunctionExpression:
        return ConjunctionExpression(self, ConjunctionOps.AND, _expression(other, self, "&"))

    def __or__(self, other: object) -> ConjunctionExpression:
        return ConjunctionExpression(self, ConjunctionOps.OR, _expression(other, self, "|"))

    def __rand__(self, other: object) -> ConjunctionExpression:
        return ConjunctionExpression(_expression(other, self, "&"), ConjunctionOps.AND, self)

    def __ror__(self, other: object) -> ConjunctionExpression:
        return ConjunctionExpression(_expression(other, self, "|"), ConjunctionOps.OR, self)

    def _fail(self, what: str) -> NoReturn:
        first = next(self.promises(), None)
        node = first.node if first is not None else None
        place = first.describe() if first is not None else "a workflow"
        raise PromiseUsageError(
            f"{place}: the condition {self} {what}; its value exists only when the workflow "
            "runs: pass it to conditional(...).if_(...) / .elif_(...), and combine conditions "
            "with & and | (Python's `and`, `or` and `not` cannot be used on promises)",
            workflow=node.workflow if node is not None else None,
            node=None if node is None or node.index < 0 else node.id,
        )

    def __bool__(self) -> bool:
        self._fail("has no truth value while the workflow is compiled (`if p > 1:`)")

    __hash__ = object.__hash__


def _expression(other: object, left: Expression, symbol: str) -> Expression:
    if isinstance(other, Expression):
        return other
    left._fail(
        f"was combined with {symbol} and a {type(other).__name__}, not another condition "
        "(`(p > 1) & (q < 2)`; write each comparison in parentheses)"
    )


class ComparisonExpression(Expression):
    """``lhs op rhs``: each side a promise or a constant literal."""

    __slots__ = ("_lhs", "_op", "_rhs")

    def __init__(self, lhs: Any, op: ComparisonOps, rhs: Any) -> None:
        self._op = op
        anchor = lhs if _is_promise(lhs) else rhs
        self._lhs = _operand(lhs, anchor)
        self._rhs = _operand(rhs, anchor)

    @property
    def lhs(self) -> Any:
        """The left operand: a promise or a flyteidl ``Literal``."""
        return self._lhs

    @property
    def rhs(self) -> Any:
        """The right operand: a promise or a flyteidl ``Literal``."""
        return self._rhs

    @property
    def op(self) -> ComparisonOps:
        """The operator."""
        return self._op

    def promises(self) -> Iterator[Promise]:
        """The promise operands."""
        for side in (self._lhs, self._rhs):
            if _is_promise(side):
                yield side

    def evaluate(self, values: Callable[[Promise], literals_pb2.Literal]) -> bool:
        """Compare the two operands' values with Python's operator."""
        left = primitive_value(values(self._lhs) if _is_promise(self._lhs) else self._lhs)
        right = primitive_value(values(self._rhs) if _is_promise(self._rhs) else self._rhs)
        try:
            return bool(_PYTHON_OPS[self._op](left, right))
        except TypeError as exc:
            raise TypeError(
                f"the condition {self} cannot compare {left!r} with {right!r}: {exc}"
            ) from exc

    def fill(self, msg: condition_pb2.BooleanExpression, name_of: Callable[[Promise], str]) -> None:
        """Write ``comparison``: operator, left and right operands."""
        comp = msg.comparison
        comp.operator = _IDL_COMPARISON[self._op]
        _fill_operand(comp.left_value, self._lhs, name_of)
        _fill_operand(comp.right_value, self._rhs, name_of)

    def __repr__(self) -> str:
        return f"Comp({_show(self._lhs)} {self._op.value} {_show(self._rhs)})"


class ConjunctionExpression(Expression):
    """``lhs & rhs`` or ``lhs | rhs`` of two conditions."""

    __slots__ = ("_lhs", "_op", "_rhs")

    def __init__(self, lhs: Expression, op: ConjunctionOps, rhs: Expression) -> None:
        self._lhs = lhs
        self._op = op
        self._rhs = rhs

    @property
    def lhs(self) -> Expression:
        """The left condition."""
        return self._lhs

    @property
    def rhs(self) -> Expression:
        """The right condition."""
        return self._rhs

    @property
    def op(self) -> ConjunctionOps:
        """AND or OR."""
        return self._op

    def promises(self) -> Iterator[Promise]:
        """The promise operands of both sides."""
        yield from self._lhs.promises()
        yield from self._rhs.promises()

    def evaluate(self, values: Callable[[Promise], literals_pb2.Literal]) -> bool:
        """Left first; the right side only when it decides (as flytekit evaluates)."""
        left = self._lhs.evaluate(values)
        if self._op is ConjunctionOps.AND:
            return left and self._rhs.evaluate(values)
        return left or self._rhs.evaluate(values)

    def fill(self, msg: condition_pb2.BooleanExpression, name_of: Callable[[Promise], str]) -> None:
        """Write ``conjunction``: operator, left and right expressions."""
        conj = msg.conjunction
        conj.operator = _IDL_CONJUNCTION[self._op]
        self._lhs.fill(conj.left_expression, name_of)
        self._rhs.fill(conj.right_expression, name_of)

    def __repr__(self) -> str:
        return f"( {self._lhs!r} {self._op.value} {self._rhs!r} )"


# -- operands ---------------------------------------------------------------------------------


def _is_promise(value: object) -> bool:
    from taskplug.workflows.promise import Promise

    return isinstance(value, Promise)


def _show(side: Any) -> str:
    if _is_promise(side):
        return f"{side.node.id or '<inputs>'}.{side.var}"
    return repr(primitive_value(side))


def _operand(value: Any, anchor: Any) -> Any:
    """A promise (checked: it must hold a primitive) or a constant as a literal."""
    from taskplug.workflows.promise import VoidPromise

    if _is_promise(value):
        if not _comparable(value.literal_type):
            value._fail(f"it cannot be compared: {_HINT}")
        return value
    if isinstance(value, VoidPromise):
        value._fail("compared")
    if value is not None and not isinstance(value, _CONSTANT_TYPES):
        anchor._fail(f"it cannot be compared with a {type(value).__name__} ({value!r}): {_HINT}")
    from taskplug.types.engine import TypeEngine

    return TypeEngine.to_literal(value, type(value))


def _fill_operand(msg: condition_pb2.Operand, side: Any, name_of: Callable[[Promise], str]) -> None:
    if _is_promise(side):
        msg.var = name_of(side)
    elif side.scalar.WhichOneof("value") == "none_type":
        msg.scalar.CopyFrom(side.scalar)
    else:
        msg.primitive.CopyFrom(side.scalar.primitive)


def primitive_value(lit: literals_pb2.Literal) -> Any:
    """The Python value of a primitive (or ``None``) literal, through a union if wrapped.

    Datetimes come back timezone-aware (UTC), so two datetimes compare consistently.
    """
    scalar = lit.scalar
    kind = scalar.WhichOneof("value")
    if kind == "union":
        return primitive_value(scalar.union.value)
    if kind == "none_type" or kind is None:
        return None
    if kind != "primitive":
        raise TypeError(f"a condition compares primitive values, got a scalar {kind}")
    prim = scalar.primitive
    which = prim.WhichOneof("value")
    if which == "integer":
        return prim.integer
    if which == "float_value":
        return prim.float_value
    if which == "string_value":
        return prim.string_value
    if which == "boolean":
        return prim.boolean
    if which == "datetime":
        return prim.datetime.ToDatetime(tzinfo=datetime.UTC)
    if which == "duration":
        return prim.duration.ToTimedelta()
    return None
