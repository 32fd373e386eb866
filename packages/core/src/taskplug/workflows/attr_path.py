"""Attribute paths of promises: ``p[0]``, ``p["key"]``, ``p.field``, and their combinations.

As in flytekit, indexing a promise or reading an attribute of it gives a promise of that part
of the value. The binding that uses it refers to the whole output plus an attribute path
(flyteidl ``OutputReference.attr_path``, a list of ``PromiseAttribute``), which Flyte's
propeller resolves when the workflow runs; a local run resolves it the same way
(:meth:`AttrPathPromise.resolve`). Unlike flytekit, the path is checked while the workflow
compiles and the part gets its type: ``list[T]`` takes ``[int]`` (``T``), ``dict[str, T]``
takes ``["key"]`` (``T``), a dataclass or pydantic model takes ``.field`` or ``["field"]``
(the field's type). Anything else — an index into an ``int``, an unknown field, a key of the
wrong type — raises :class:`~taskplug.workflows.errors.PromiseUsageError` (for ``p.x``, its
subclass :class:`~taskplug.workflows.errors.PromiseAttributeError`, so ``hasattr`` works)
naming the workflow, the node and the output.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import TYPE_CHECKING, Any

from taskplug.errors import TypeTransformerFailedError
from taskplug.tasks.interface import describe_type
from taskplug.types.engine import TypeEngine, is_pydantic_model, is_union, strip_annotated
from taskplug.workflows.errors import PromiseUsageError, WorkflowError, where
from taskplug.workflows.promise import Promise

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug.types.engine import Converter

__all__ = ["AttrPathPromise", "AttributePathError", "extend"]


class AttributePathError(WorkflowError, LookupError):
    """An attribute path could not be resolved when the workflow ran (no such item or key)."""


def _fields(t: Any) -> dict[str, Any] | None:
    """Field names to types of a dataclass or pydantic model (``None`` for other types)."""
    if isinstance(t, type) and dataclasses.is_dataclass(t):
        hints = typing.get_type_hints(t, include_extras=True)
        return {f.name: hints.get(f.name, f.type) for f in dataclasses.fields(t)}
    if is_pydantic_model(t):
        return {name: info.annotation for name, info in t.model_fields.items()}
    return None


def _step(p: Promise, key: object, attribute: bool) -> tuple[Any, str]:
    """The type of ``p``'s value after one step, and the step as text (``[0]``, ``.name``)."""
    t = strip_annotated(p.python_type)
    shown = f".{key}" if attribute else f"[{key!r}]"
    if is_union(t):
        raise _error(
            p,
            attribute,
            f"`p{shown}`: it is {describe_type(t)}, which may hold another type (or None) "
            "when the workflow runs; give the output a single type, or read it in a task",
        )
    fields = _fields(t)
    if fields is not None:
        if not isinstance(key, str):
            raise _error(p, attribute, f"`p{shown}`: a {describe_type(t)} takes field names")
        if key not in fields:
            raise _error(
                p,
                attribute,
                f"has no field {key!r} (`p{shown}`); the fields of {describe_type(t)}: "
                f"{', '.join(fields) or 'none'}",
            )
        return fields[key], f".{key}"
    origin, args = typing.get_origin(t), typing.get_args(t)
    if attribute:
        raise _error(
            p,
            True,
            f"has no attribute {key!r} (`p.{key}`): a {describe_type(t)} has no fields (only "
            "dataclasses and pydantic models do)",
        )
    if origin is list and args:
        if isinstance(key, bool) or not isinstance(key, int) or key < 0:
            raise _error(
                p, False, f"`p[{key!r}]`: a list is indexed by a whole number >= 0 (as Flyte does)"
            )
        return args[0], f"[{key}]"
    if origin is dict and len(args) == 2 and args[0] is str:
        if not isinstance(key, str):
            raise _error(p, False, f"`p[{key!r}]`: a {describe_type(t)} is indexed by str keys")
        return args[1], f"[{key!r}]"
    raise _error(
        p,
        False,
        f"it cannot be indexed (`p[{key!r}]`): only list[T], dict[str, T], dataclasses and "
        f"pydantic models can be (it is {describe_type(t)})",
    )


def _error(p: Promise, attribute: bool, detail: str) -> PromiseUsageError:
    if attribute:
        return p._attribute_error(detail)
    node = p.node
    return PromiseUsageError(
        f"{p.describe()}: {detail}",
        workflow=node.workflow,
        node=None if p.is_workflow_input else node.id,
    )


def extend(p: Promise, key: object, *, attribute: bool) -> AttrPathPromise:
    """The promise of ``p.key`` (``attribute``) or ``p[key]``: checked and typed."""
    new_type, text = _step(p, key, attribute)
    step = typing.cast("str | int", key)
    try:
        conv = TypeEngine.converter(new_type)
    except TypeTransformerFailedError as exc:
        raise _error(p, attribute, f"`p{text}` is {describe_type(new_type)}: {exc}") from exc
    if isinstance(p, AttrPathPromise):
        return AttrPathPromise(
            p.node,
            p.var,
            conv,
            root=p._root,
            path=(*p._path, step),
            types=(*p._types, new_type),
            text=p._text + text,
        )
    return AttrPathPromise(
        p.node,
        p.var,
        conv,
        root=p.converter,
        path=(step,),
        types=(new_type,),
        text=text,
    )


class AttrPathPromise(Promise):
    """A promise of a part of a node's output (or of a workflow input): ``p.a[0]["k"]``.

    ``node`` and ``var`` are the whole output's; :attr:`attr_path` the keys; the converter
    (``python_type``) is the part's.
    """

    __slots__ = ("_path", "_root", "_text", "_types")

    def __init__(
        self,
        node: Any,
        var: str,
        converter: Converter,
        *,
        root: Converter,
        path: tuple[str | int, ...],
        types: tuple[Any, ...],
        text: str,
    ) -> None:
        super().__init__(node, var, converter)
        self._root = root
        self._path = path
        self._types = types
        self._text = text

    @property
    def attr_path(self) -> tuple[str | int, ...]:
        """The keys, in order (str for fields and dict keys, int for list indexes)."""
        return self._path

    def describe(self) -> str:
        """``workflow 'm.wf', node 'n0' (task 'm.t'), output 'o0'[0].name (str)``."""
        node = self._node
        kind = "input" if self.is_workflow_input else "output"
        place = (
            where(node.workflow)
            if self.is_workflow_input
            else where(node.workflow, node.id, node.describe_entity())
        )
        return f"{place}, {kind} {self._var!r}{self._text} ({describe_type(self.python_type)})"

    def __repr__(self) -> str:
        node = self._node
        src = "input" if self.is_workflow_input else f"node {node.id!r}"
        return f"Promise({src}, {self._var!r}{self._text}: {describe_type(self.python_type)})"

    def resolve(self, lit: literals_pb2.Literal) -> literals_pb2.Literal:
        """The literal of the part, from the literal of the whole output (a local run).

        Collections and maps are indexed as literals (as propeller does); inside a scalar
        (a dataclass, a msgpack dict) the value is read as Python, walked, and written back
        with the part's converter.
        """
        path = self._path
        i, n = 0, len(path)
        while i < n:
            kind = lit.WhichOneof("value")
            key = path[i]
            if kind == "collection":
                items = lit.collection.literals
                if not isinstance(key, int) or key >= len(items):
                    raise self._missing(i, f"has {len(items)} item(s)")
                lit = items[key]
            elif kind == "map":
                entries = lit.map.literals
                if key not in entries:
                    raise self._missing(i, f"has the keys {sorted(entries)}")
                lit = entries[str(key)]
            else:
                break
            i += 1
        if i == n:
            return lit
        before = self._root if i == 0 else TypeEngine.converter(self._types[i - 1])
        value = before.to_python(lit)
        for j in range(i, n):
            key = path[j]
            t = strip_annotated(self._types[j - 1]) if j else strip_annotated(before.python_type)
            try:
                value = getattr(value, str(key)) if _fields(t) is not None else value[key]
            except (AttributeError, KeyError, IndexError, TypeError) as exc:
                raise self._missing(j, f"{type(exc).__name__}: {exc}") from exc
        return self.converter.to_literal(value)

    def _missing(self, step: int, detail: str) -> AttributePathError:
        node = self._node
        source = (
            f"workflow input {self._var!r}"
            if self.is_workflow_input
            else f"output {self._var!r} of node {node.id!r} ({node.describe_entity()})"
        )
        shown = "".join(f"[{k!r}]" for k in self._path[: step + 1])
        return AttributePathError(
            f"{where(node.workflow)}: the attribute path {shown} of {source} cannot be "
            f"resolved: the value at {shown} does not exist (the value {detail})",
            workflow=node.workflow,
            node=None if self.is_workflow_input else node.id,
        )
