"""Checks for type-transformer authors: values must survive every path a value can take."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import math
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from taskplug.errors import TypeTransformerFailedError
from taskplug.types.transformer import (
    TypeTransformer,
    TypeTransformerRegistry,
    short_repr,
    type_name,
)

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, types_pb2

    from taskplug.types.engine import Converter

__all__ = ["check_transformer_roundtrip", "value_difference"]


def check_transformer_roundtrip(
    subject: Any,
    *,
    values: Iterable[Any] = (),
    strategy: Any = None,
    max_examples: int = 100,
    containers: bool = True,
    in_dataclass: bool = True,
) -> int:
    """Check that values of a type survive conversion exactly, along every path.

    ``subject`` is a Python type (checked with the transformers currently registered) or a
    :class:`~taskplug.types.TypeTransformer` (checked in place of whatever handles its
    ``python_type``, without registering it). Each value, from ``values`` and from the
    hypothesis ``strategy`` when one is given (``max_examples`` of them), is converted

    * to a literal and back, and through the literal's protobuf bytes; the literal must be of
      the kind its literal type announces (a ``STRING`` type holds a ``string_value``…);
    * through its plain-data form (what a dataclass field holds), which must be msgpack-ready;
    * with ``containers``: inside ``list[T]``, ``dict[str, T]`` and ``Optional[T]`` (and
      ``None`` through ``Optional[T]``);
    * with ``in_dataclass``: as the fields of a dataclass (``T``, ``list[T]``,
      ``dict[str, T]``, ``Optional[T]``), through msgpack like any dataclass.

    The value that comes back must be the same: same type, equal value (floats and decimals
    bit for bit, datetimes with the same UTC offset), recursively through containers and
    dataclass fields; an object without ``__eq__`` is compared by its state (``__dict__`` and
    ``__slots__``). A difference fails with an ``AssertionError`` naming the path, the value
    sent and the value received. Returns how many values were checked.

    ``strategy`` needs hypothesis (imported only then).
    """
    values = list(values)
    if not values and strategy is None:
        raise ValueError("check_transformer_roundtrip needs values=[...] or strategy=...")
    if isinstance(subject, TypeTransformer):
        python_type: Any = subject.python_type
        scope: contextlib.AbstractContextManager[Any] = _registry_with(subject)
    else:
        python_type = subject
        scope = contextlib.nullcontext()
    count = 0
    with scope:
        checker = _Checker(python_type, containers=containers, in_dataclass=in_dataclass)
        for value in values:
            checker.check(value)
            count += 1
        if strategy is not None:
            count += _run_strategy(checker, strategy, max_examples)
    return count


def _run_strategy(checker: _Checker, strategy: Any, max_examples: int) -> int:
    import importlib

    try:
        hypothesis: Any = importlib.import_module("hypothesis")
    except ImportError as exc:  # pragma: no cover - hypothesis is a test dependency
        raise ImportError(
            "check_transformer_roundtrip(strategy=...) needs hypothesis: pip install hypothesis"
        ) from exc
    seen = [0]

    def run(value: Any) -> None:
        seen[0] += 1
        checker.check(value)

    settings = hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    settings(hypothesis.given(strategy)(run))()
    return seen[0]


@contextlib.contextmanager
def _registry_with(transformer: TypeTransformer[Any]) -> Iterator[None]:
    """The current registry's transformers, with ``transformer`` for its type, made current."""
    from taskplug._manager import get_plugin_manager
    from taskplug.types.engine import TypeEngine

    current = TypeEngine.registry()
    scratch = TypeTransformerRegistry()
    for entry in current.registrations():
        if entry.python_type is transformer.python_type:
            continue
        with scratch.registering(entry.plugin, entry.dist, builtin=entry.builtin):
            scratch.register(entry.transformer)
    with scratch.registering("check_transformer_roundtrip"):
        scratch.register(transformer)
    pm = get_plugin_manager()
    saved = pm.type_registry
    pm.type_registry = scratch
    try:
        yield
    finally:
        pm.type_registry = saved


@dataclasses.dataclass
class _Case:
    what: str
    declared: Any
    wrap: Callable[[Any], Any]
    conv: Converter


class _Checker:
    def __init__(self, t: Any, *, containers: bool, in_dataclass: bool) -> None:
        name = type_name(t)
        plans: list[tuple[str, Any, Callable[[Any], Any]]] = [(name, t, _identity)]
        if containers:
            plans += [
                (f"list[{name}]", list[t], lambda v: [v, v]),
                (f"dict[str, {name}]", dict[str, t], lambda v: {"a": v, "b": v}),
                (f"Optional[{name}]", typing.Optional[t], _identity),  # noqa: UP045
            ]
        if in_dataclass:
            holder = _holder(t)
            plans += [
                (
                    f"a dataclass with fields of type {name}",
                    holder,
                    lambda v: holder(v, [v, v], {"k": v}, v),
                ),
                (
                    f"a dataclass with a field of type {name} (others empty)",
                    holder,
                    lambda v: holder(v, [], {}, None),
                ),
            ]
        self.t = t
        self.cases = [_Case(what, d, wrap, _converter(d, what)) for what, d, wrap in plans]
        for case in self.cases:  # None through Optional[T], once
            if case.what.startswith("Optional["):
                _roundtrip(case, None, None)

    def check(self, value: Any) -> None:
        first = self.cases[0]
        _plain_roundtrip(first, value)
        for case in self.cases:
            _roundtrip(case, value, case.wrap(value))


def _identity(value: Any) -> Any:
    return value


def _holder(t: Any) -> Any:
    holder = dataclasses.make_dataclass(
        "RoundtripHolder",
        [
            ("value", t),
            ("items", list[t]),
            ("by_key", dict[str, t]),
            ("maybe", typing.Optional[t]),  # noqa: UP045
        ],
    )
    holder.__module__ = __name__
    return holder


def _converter(declared: Any, what: str) -> Converter:
    from taskplug.types.engine import TypeEngine

    try:
        return TypeEngine.converter(declared)
    except TypeTransformerFailedError as exc:
        raise AssertionError(f"{what}: the type engine cannot handle it: {exc.detail}") from exc


def _roundtrip(case: _Case, value: Any, wrapped: Any) -> None:
    from flyteidl.core import literals_pb2

    conv = case.conv
    sent = f"{case.what}: {short_repr(value)}"
    try:
        lit = conv.to_literal(wrapped)
    except TypeTransformerFailedError as exc:
        raise AssertionError(f"{sent} could not be converted to a literal: {exc}") from exc
    problem = literal_mismatch(lit, conv.literal_type)
    if problem is not None:
        raise AssertionError(f"{sent}: {problem}")
    try:
        back = conv.to_python(lit)
    except TypeTransformerFailedError as exc:
        raise AssertionError(f"{sent}: its literal could not be read back: {exc}") from exc
    _assert_same(wrapped, back, f"{sent} (to a literal and back)")
    data = lit.SerializeToString(deterministic=True)
    again = conv.to_python(literals_pb2.Literal.FromString(data))
    _assert_same(wrapped, again, f"{sent} (through protobuf bytes)")


def _plain_roundtrip(case: _Case, value: Any) -> None:
    conv = case.conv
    if conv.to_plain is None or conv.from_plain is None:
        return
    import msgpack

    sent = f"{case.what}: {short_repr(value)}"
    try:
        plain = conv.to_plain(value)
    except TypeTransformerFailedError as exc:
        raise AssertionError(f"{sent}: its plain-data form failed: {exc}") from exc
    try:
        packed = msgpack.packb(plain)
    except Exception as exc:
        raise AssertionError(
            f"{sent}: to_plain returned {short_repr(plain)}, which msgpack cannot store "
            f"({type(exc).__name__}: {exc}); return None, bool, int, float, str, bytes, or "
            "lists and str-keyed dicts of those"
        ) from exc
    try:
        back = conv.from_plain(msgpack.unpackb(packed, strict_map_key=False))
    except TypeTransformerFailedError as exc:
        raise AssertionError(
            f"{sent}: from_plain could not read what to_plain made ({short_repr(plain)}): {exc}"
        ) from exc
    _assert_same(value, back, f"{sent} (through its plain-data form {short_repr(plain)})")


def _assert_same(sent: Any, got: Any, where: str) -> None:
    difference = value_difference(sent, got)
    if difference is not None:
        raise AssertionError(f"{where} did not survive: {difference}")


def value_difference(a: Any, b: Any, path: str = "value") -> str | None:
    """How ``b`` differs from ``a`` (type or value, recursively), or ``None`` when the same."""
    if type(a) is not type(b):
        return (
            f"{path} {short_repr(a)} ({type_name(type(a))}) came back as {short_repr(b)} "
            f"({type_name(type(b))})"
        )
    if a is b:
        return None
    changed = f"{path} {short_repr(a)} came back as {short_repr(b)}"
    if isinstance(a, float):
        same = (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
        )
        return None if same else changed
    if isinstance(a, decimal.Decimal):
        return None if a.as_tuple() == b.as_tuple() else changed
    if isinstance(a, datetime.datetime):
        return None if a == b and a.utcoffset() == b.utcoffset() else changed
    if isinstance(a, list | tuple):
        if len(a) != len(b):
            return f"{path} had {len(a)} items, came back with {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            diff = value_difference(x, y, f"{path}[{i}]")
            if diff is not None:
                return diff
        return None
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"{path} had keys {sorted(map(repr, a))}, came back with {sorted(map(repr, b))}"
        for k in a:
            diff = value_difference(a[k], b[k], f"{path}[{k!r}]")
            if diff is not None:
                return diff
        return None
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            diff = value_difference(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
            if diff is not None:
                return diff
        return None
    if _has_own_eq(type(a)):
        if a == b:
            return None
        return _state_difference(a, b, path) or changed  # say which attribute, if one does
    return _state_difference(a, b, path)


def _has_own_eq(cls: type) -> bool:
    return any("__eq__" in klass.__dict__ for klass in cls.__mro__ if klass is not object)


def _state(obj: Any) -> dict[str, Any]:
    state: dict[str, Any] = dict(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                state[name] = getattr(obj, name)
    return state


def _state_difference(a: Any, b: Any, path: str) -> str | None:
    sa, sb = _state(a), _state(b)
    if set(sa) != set(sb):
        return f"{path} had attributes {sorted(sa)}, came back with {sorted(sb)}"
    for name in sa:
        diff = value_difference(sa[name], sb[name], f"{path}.{name}")
        if diff is not None:
            return diff
    return None


# -- does a literal hold what its literal type announces? -------------------------------------

_SIMPLE_FIELDS = {
    "INTEGER": ("primitive", "integer"),
    "FLOAT": ("primitive", "float_value"),
    "STRING": ("primitive", "string_value"),
    "BOOLEAN": ("primitive", "boolean"),
    "DATETIME": ("primitive", "datetime"),
    "DURATION": ("primitive", "duration"),
    "NONE": ("none_type", None),
    "BINARY": ("binary", None),
}


def literal_mismatch(lit: literals_pb2.Literal, lt: types_pb2.LiteralType) -> str | None:
    """Why ``lit`` is not of the kind ``lt`` announces (``None`` when it is, or unknown)."""
    from flyteidl.core import types_pb2

    from taskplug.types.engine import describe_literal

    kind = lt.WhichOneof("type")
    expected: str | None = None
    ok = True
    if kind == "simple":
        simple = types_pb2.SimpleType.Name(lt.simple)
        if simple == "STRUCT":
            expected = "scalar.binary or scalar.generic"
            ok = lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") in (
                "binary",
                "generic",
            )
        elif simple in _SIMPLE_FIELDS:
            scalar_kind, prim = _SIMPLE_FIELDS[simple]
            expected = f"scalar.{scalar_kind}" + (f".{prim}" if prim else "")
            ok = (
                lit.WhichOneof("value") == "scalar"
                and lit.scalar.WhichOneof("value") == scalar_kind
            )
            if ok and prim is not None:
                ok = lit.scalar.primitive.WhichOneof("value") == prim
    elif kind in ("collection_type", "map_value_type"):
        expected = "collection" if kind == "collection_type" else "map"
        ok = lit.WhichOneof("value") == expected
    elif kind in ("union_type", "blob", "enum_type"):
        expected, sub = {
            "union_type": ("scalar.union", "union"),
            "blob": ("scalar.blob", "blob"),
            "enum_type": ("scalar.primitive", "primitive"),
        }[kind]
        ok = lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == sub
    if ok:
        return None
    return (
        f"the literal type announces {expected} ({kind}), but the literal holds "
        f"{describe_literal(lit)}"
    )
