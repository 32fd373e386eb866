"""Transformers written for flytekit, run on taskplug's type engine through an adapter.

A flytekit transformer subclasses ``TypeTransformer`` (``super().__init__(name=..., t=...)``)
and implements

* ``get_literal_type(t)`` returning a ``LiteralType`` model,
* ``to_literal(ctx, python_val, python_type, expected)`` returning a ``Literal`` model,
* ``to_python_value(ctx, lv, expected_python_type)`` receiving one,

(or the ``async_`` versions of the last two). :func:`is_flytekit_form` recognises that shape
(a ``ctx`` first argument); the registry then keeps a :class:`FlytekitTransformerAdapter`
around it, which builds a taskplug converter from those methods: values are checked with the
transformer's ``assert_type``, the models it returns become flyteidl messages
(``to_flyte_idl()``, or flyteidl messages as they are), and literals reach it as
:mod:`taskplug.models` views. The ``ctx`` is
:func:`~taskplug.types.adapter_context.adapter_context`.

This module imports no protobuf until a converter is built.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from taskplug.errors import TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types.transformer import TypeTransformer, short_repr, type_name

if TYPE_CHECKING:
    from taskplug.types.engine import Converter, TypeEngine

__all__ = ["FlytekitTransformerAdapter", "is_flytekit_form", "run_sync"]

#: Positional parameters (after ``self``) of flytekit's method signatures.
_FLYTEKIT_ARITY = {"to_literal": 4, "to_python_value": 3}


def _positional(method: Any) -> int | None:
    try:
        sig = inspect.signature(method)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in sig.parameters.values() if p.kind in kinds)


def is_flytekit_form(transformer: Any) -> bool:
    """Whether ``transformer`` has flytekit's method signatures (a ``ctx`` first argument).

    True when its class defines ``async_to_literal`` / ``async_to_python_value`` (flytekit's
    ``AsyncTypeTransformer``), or its ``to_literal`` takes four arguments, or its
    ``to_python_value`` three. taskplug's own form takes two each.
    """
    cls = type(transformer)
    if callable(getattr(cls, "async_to_literal", None)) or callable(
        getattr(cls, "async_to_python_value", None)
    ):
        return True
    for name, arity in _FLYTEKIT_ARITY.items():
        method = getattr(transformer, name, None)
        overridden = getattr(cls, name, None) is not getattr(TypeTransformer, name, None)
        if method is not None and overridden and _positional(method) == arity:
            return True
    return False


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to its end from synchronous code (in a thread if a loop is running)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _to_idl(value: Any, pb_type: type, what: str, expected: Any) -> Any:
    if isinstance(value, pb_type):
        return value
    to_idl = getattr(value, "to_flyte_idl", None)
    if callable(to_idl):
        msg = to_idl()
        if isinstance(msg, pb_type):
            return msg
    raise TypeTransformerFailedError(
        f"{what} returned {type(value).__name__} {short_repr(value)}; expected a "
        f"{pb_type.__name__} model (taskplug.models) or flyteidl message",
        expected=expected,
        got=type(value),
    )


class FlytekitTransformerAdapter(TypeTransformer[Any]):
    """A flytekit-form transformer (``inner``) as a taskplug transformer.

    Its methods receive the declared type as written (``Annotated[...]`` included), as
    flytekit passes it.
    """

    keeps_annotations = True

    def __init__(self, inner: TypeTransformer[Any]) -> None:
        super().__init__(inner.name, inner.python_type)
        self.inner = inner

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        from flyteidl.core import literals_pb2, types_pb2

        from taskplug.models.literals import Literal as LiteralModel
        from taskplug.models.types import LiteralType as LiteralTypeModel
        from taskplug.types.adapter_context import adapter_context
        from taskplug.types.engine import Converter

        inner = self.inner
        name = self.name
        what = f"transformer {name!r} ({type(inner).__qualname__})"
        declared = inner.get_literal_type(t)
        if declared is None:
            raise UnsupportedTypeError(f"{what}: get_literal_type returned None", expected=t)
        lt = _to_idl(declared, types_pb2.LiteralType, f"{what}.get_literal_type", t)
        expected = LiteralTypeModel.from_flyte_idl(lt)
        to_literal = _sync_method(inner, "to_literal")
        to_python = _sync_method(inner, "to_python_value")
        check = inner.assert_type if getattr(inner, "type_assertions_enabled", True) else None
        literal_class = literals_pb2.Literal

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if check is not None:
                try:
                    check(t, value)
                except TypeTransformerFailedError:
                    raise
                except (TypeError, ValueError, AssertionError) as exc:
                    raise TypeTransformerFailedError(
                        f"{what} refused {type(value).__name__} {short_repr(value)}: {exc}",
                        expected=t,
                        got=type(value),
                    ) from exc
            lit = to_literal(adapter_context(), value, t, expected)
            msg.CopyFrom(_to_idl(lit, literal_class, f"{what}.to_literal", t))
            # flytekit's engine overwrites the hash (only a HashMethod in Annotated sets one)
            msg.ClearField("hash")

        def read(lit: literals_pb2.Literal) -> Any:
            return to_python(adapter_context(), LiteralModel.from_flyte_idl(lit), t)

        return Converter(t, lt, fill, read, name=name)

    def __repr__(self) -> str:
        return f"{type(self.inner).__module__}.{type(self.inner).__qualname__}(name={self.name!r})"


def _sync_method(inner: Any, name: str) -> Callable[..., Any]:
    """``inner.<name>``, or its ``async_<name>`` run to completion when only that exists."""
    cls = type(inner)
    method = getattr(inner, name, None)
    overridden = method is not None and getattr(cls, name) is not getattr(
        TypeTransformer, name, None
    )
    async_method = getattr(inner, f"async_{name}", None)
    if overridden and not getattr(method, "_taskplug_runs_async", False):
        return method  # type: ignore[return-value]
    if callable(async_method):

        def call(*args: Any) -> Any:
            return run_sync(async_method(*args))

        return call
    raise UnsupportedTypeError(
        f"transformer {inner.name!r} ({type_name(cls)}) implements neither {name} nor async_{name}",
        expected=inner.python_type,
    )
