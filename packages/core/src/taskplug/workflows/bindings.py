"""Bindings: how a node's input (or a workflow's output) gets its value.

A binding is built from what the workflow passed — a promise, a Python value, or a list/dict
mixing both — exactly as flytekit builds its ``BindingData``: lists become collections and
typed dicts become maps of per-item bindings, a union-typed list or dict binds through the
first variant that accepts it, anything else becomes a scalar literal. The spec is kept in a
small tuple form and turned into flyteidl messages only when needed:

* ``("p", promise)`` — the output of another node (its id is read at serialization time, so a
  later ``with_overrides(node_name=...)`` is reflected);
* ``("l", literal)`` — a value, already a flyteidl ``Literal``;
* ``("c", [spec, ...])`` — a collection; ``("m", [(key, spec), ...])`` — a map.

A promise bound to an input of another type is refused here, with the rules of Flyte's compiler
(:func:`castable`), instead of at registration.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from taskplug.errors import TypeTransformerFailedError
from taskplug.tasks.interface import describe_type
from taskplug.types.engine import TypeEngine, is_union, strip_annotated
from taskplug.workflows.errors import WorkflowTypeError, where
from taskplug.workflows.promise import Promise, VoidPromise

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flyteidl.core import literals_pb2, types_pb2

    from taskplug.types.engine import Converter
    from taskplug.workflows.node import Node

__all__ = [
    "Spec",
    "castable",
    "fill_binding_data",
    "fill_literal",
    "make_spec",
    "spec_literal",
]

Spec = tuple[str, Any]


class _Where:
    """Context of a binding, for error messages (built only when an error is raised)."""

    __slots__ = ("allow_pickle", "entity", "kind", "node", "var", "workflow")

    def __init__(
        self,
        workflow: str,
        node: str | None,
        entity: str | None,
        var: str,
        *,
        kind: str = "input",
        allow_pickle: bool = False,
    ) -> None:
        self.workflow = workflow
        self.node = node
        self.entity = entity
        self.var = var
        self.kind = kind
        self.allow_pickle = allow_pickle

    def error(self, detail: str) -> WorkflowTypeError:
        place = where(self.workflow, self.node, self.entity)
        return WorkflowTypeError(
            f"{place}, {self.kind} {self.var!r}: {detail}",
            workflow=self.workflow,
            node=self.node,
        )


def binding_context(
    workflow: str,
    node: str | None,
    entity: str | None,
    var: str,
    *,
    kind: str = "input",
    allow_pickle: bool = False,
) -> _Where:
    """The context :func:`make_spec` names in its errors."""
    return _Where(workflow, node, entity, var, kind=kind, allow_pickle=allow_pickle)


def make_spec(value: Any, conv: Converter, upstream: list[Node], ctx: _Where) -> Spec:
    """The binding spec of ``value`` for a variable of ``conv.python_type``.

    Upstream nodes of the promises found are appended to ``upstream`` (once each).
    """
    if type(value) is Promise:
        _check_promise(value, conv, ctx)
        node = value.node
        if node.index >= 0 and node not in upstream:
            upstream.append(node)
        return ("p", value)
    return _spec(value, conv.python_type, conv, upstream, ctx)


def _spec(value: Any, t: Any, conv: Converter | None, upstream: list[Node], ctx: _Where) -> Spec:
    if isinstance(value, Promise):
        conv = conv or _converter(t, ctx)
        _check_promise(value, conv, ctx)
        node = value.node
        if node.index >= 0 and node not in upstream:
            upstream.append(node)
        return ("p", value)
    if isinstance(value, VoidPromise):
        raise ctx.error(
            f"got the result of node {value.node.id!r} ({value.node.describe_entity()}), "
            "which has no outputs"
        )
    t = strip_annotated(t)
    if isinstance(value, (list, dict, tuple)):
        if isinstance(value, tuple) and _has_promise(value):
            raise ctx.error(
                f"got a tuple of {len(value)} promises (the outputs of a multi-output call); "
                "pass one of them (unpack the call: `a, b = t(...)`)"
            )
        if is_union(t) and not isinstance(value, tuple):
            # as flytekit: a list or dict binds through the first variant that takes it
            errors = []
            for arm in typing.get_args(t):
                try:
                    return _spec(value, arm, None, upstream, ctx)
                except WorkflowTypeError as exc:
                    errors.append(str(exc).rpartition(": ")[2])
            raise ctx.error(
                f"the value fits none of the variants of {describe_type(t)} ({'; '.join(errors)})"
            )
        if _has_promise(value):
            origin, args = typing.get_origin(t), typing.get_args(t)
            if isinstance(value, list) and origin is list:
                item_t = args[0] if args else Any
                item_conv = _converter(item_t, ctx)
                return ("c", [_spec(v, item_t, item_conv, upstream, ctx) for v in value])
            if isinstance(value, dict) and origin is dict and len(args) == 2 and args[0] is str:
                item_conv = _converter(args[1], ctx)
                return (
                    "m",
                    [(k, _spec(v, args[1], item_conv, upstream, ctx)) for k, v in value.items()],
                )
            raise ctx.error(
                f"a {type(value).__name__} holding promises cannot be bound to "
                f"{describe_type(t)}; only list[...] and dict[str, ...] inputs may hold promises"
            )
    conv = conv or _converter(t, ctx)
    try:
        literal = conv.to_literal(value)
    except TypeTransformerFailedError as exc:
        raise ctx.error(exc.detail) from exc
    return ("l", literal)


def _has_promise(value: Any) -> bool:
    if isinstance(value, (Promise, VoidPromise)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_promise(v) for v in value)
    if isinstance(value, dict):
        return any(_has_promise(v) for v in value.values())
    return False


def _converter(t: Any, ctx: _Where) -> Converter:
    try:
        return TypeEngine.converter(t, allow_pickle=ctx.allow_pickle)
    except TypeTransformerFailedError as exc:
        raise ctx.error(exc.detail) from exc


def _check_promise(p: Promise, conv: Converter, ctx: _Where) -> None:
    if p.converter is conv or castable(p.literal_type, conv.literal_type):
        return
    node = p.node
    source = (
        f"workflow input {p.var!r}"
        if p.is_workflow_input
        else f"output {p.var!r} of node {node.id!r} ({node.describe_entity()})"
    )
    raise ctx.error(
        f"expected {describe_type(conv.python_type)}, got {source}, which is "
        f"{describe_type(p.python_type)}"
    )


# -- Flyte's type compatibility rules ---------------------------------------------------------


def castable(src: types_pb2.LiteralType, dst: types_pb2.LiteralType) -> bool:
    """Whether a value of literal type ``src`` may be bound to a variable of type ``dst``.

    Follows flytepropeller's compiler: equal types, a type into a union that has a castable
    variant, a union into a union when every variant fits, collections and maps by their item
    types, ``None`` into an optional, blobs of the same dimensionality (a format-less blob
    matches any format), enums whose values are a subset. Metadata and annotations are ignored.
    """
    if src == dst:
        return True
    sk, dk = src.WhichOneof("type"), dst.WhichOneof("type")
    if dk == "union_type":
        variants = dst.union_type.variants
        if sk == "union_type":
            return all(any(castable(s, d) for d in variants) for s in src.union_type.variants)
        return any(castable(src, d) for d in variants)
    if sk != dk:
        return False
    if dk == "simple":
        return bool(src.simple == dst.simple)
    if dk == "collection_type":
        return castable(src.collection_type, dst.collection_type)
    if dk == "map_value_type":
        return castable(src.map_value_type, dst.map_value_type)
    if dk == "blob":
        a, b = src.blob, dst.blob
        return bool(
            a.dimensionality == b.dimensionality
            and (not a.format or not b.format or a.format == b.format)
        )
    if dk == "enum_type":
        return set(src.enum_type.values) <= set(dst.enum_type.values)
    return True  # schema, structured dataset: column checks are left to Flyte's compiler


# -- turning specs into messages ----------------------------------------------------------------


def fill_binding_data(msg: literals_pb2.BindingData, spec: Spec) -> None:
    """Write ``spec`` into a flyteidl ``BindingData`` in place (as flytekit writes it)."""
    kind, payload = spec
    if kind == "p":
        ref = msg.promise
        ref.node_id = payload.node.id
        ref.var = payload.var
        if type(payload) is not Promise:  # an attribute path: p.field, p[0], p["key"]
            for key in payload.attr_path:
                step = ref.attr_path.add()
                if isinstance(key, int):
                    step.int_value = key
                else:
                    step.string_value = key
    elif kind == "l":
        _literal_to_binding(msg, payload)
    elif kind == "c":
        bindings = msg.collection.bindings
        msg.collection.SetInParent()
        for sub in payload:
            fill_binding_data(bindings.add(), sub)
    else:
        out = msg.map.bindings
        msg.map.SetInParent()
        for key, sub in payload:
            fill_binding_data(out[key], sub)


def _literal_to_binding(msg: literals_pb2.BindingData, lit: literals_pb2.Literal) -> None:
    kind = lit.WhichOneof("value")
    if kind == "collection":
        msg.collection.SetInParent()
        for item in lit.collection.literals:
            _literal_to_binding(msg.collection.bindings.add(), item)
    elif kind == "map":
        msg.map.SetInParent()
        for key, item in lit.map.literals.items():
            _literal_to_binding(msg.map.bindings[key], item)
    else:
        msg.scalar.CopyFrom(lit.scalar)


def fill_literal(
    msg: literals_pb2.Literal,
    spec: Spec,
    results: Mapping[Node, literals_pb2.LiteralMap],
    inputs: literals_pb2.LiteralMap,
) -> None:
    """Write the value ``spec`` stands for into ``msg``, reading node outputs from ``results``.

    ``results[node]`` holds the outputs of a node that ran; ``inputs`` the workflow's inputs.
    A promise with an attribute path (``p.field``, ``p[0]``) is resolved here.
    """
    kind, payload = spec
    if kind == "p":
        node = payload.node
        source = inputs if node.index < 0 else results[node]
        if type(payload) is Promise:
            msg.CopyFrom(source.literals[payload.var])
        else:  # an attribute path (taskplug.workflows.attr_path)
            msg.CopyFrom(payload.resolve(source.literals[payload.var]))
    elif kind == "l":
        msg.CopyFrom(payload)
    elif kind == "c":
        items = msg.collection.literals
        msg.collection.SetInParent()
        for sub in payload:
            fill_literal(items.add(), sub, results, inputs)
    else:
        entries = msg.map.literals
        msg.map.SetInParent()
        for key, sub in payload:
            fill_literal(entries[key], sub, results, inputs)


def spec_literal(spec: Spec) -> literals_pb2.Literal:
    """The literal of a spec without promises (a dynamic task's outputs when it made no node)."""
    from flyteidl.core.literals_pb2 import Literal, LiteralMap

    lit = Literal()
    fill_literal(lit, spec, {}, LiteralMap())
    return lit
