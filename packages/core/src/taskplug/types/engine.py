"""The type engine: Python types to Flyte literal types, Python values to literals and back.

A :class:`Converter` is built once per declared type (and ``allow_pickle`` flag) and cached.
It holds closures specialised for that type, so converting a value does no type dispatch:
``conv.fill(msg, value)`` writes straight into a ``flyteidl`` ``Literal`` message (repeated
fields through ``add()``, scalars set in place), ``conv.to_python(literal)`` reads it back.

Transformers (:class:`TypeTransformer`) build converters. The built-in ones are registered in a
:class:`TypeTransformerRegistry` together with those contributed by plugins through the
``taskplug_register_type_transformers`` hook, which is called once, on the first lookup.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import types
import typing
from collections.abc import Callable
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import (
    LiteralDecodeError,
    TypeTransformerFailedError,
    UnsupportedTypeError,
)
from taskplug.types.transformer import (
    TypeTransformer,
    TypeTransformerRegistry,
    fail,
    short_repr,
    type_name,
)

__all__ = [
    "Converter",
    "FillFn",
    "ReadFn",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerRegistry",
    "describe_literal",
    "fail",
    "type_name",
]

Literal = literals_pb2.Literal
LiteralType = types_pb2.LiteralType
FillFn = Callable[[literals_pb2.Literal, Any], None]
ReadFn = Callable[[literals_pb2.Literal], Any]
PlainFn = Callable[[Any], Any]
NoneType = type(None)


#: What to do about a type no transformer handles (the end of that error's message).
NO_TRANSFORMER = (
    "Use a supported type, register a TypeTransformer for it from a plugin, or opt in to "
    "pickling it with pickle_untyped=True on the task (and on a workflow that passes it): "
    "flytekit pickles types it does not know by default, taskplug only when asked"
)


def describe_literal(lit: literals_pb2.Literal) -> str:
    """Which field of a ``Literal`` is set, e.g. ``scalar.primitive.string_value``."""
    try:
        kind = lit.WhichOneof("value")
        if kind is None:
            return (
                "an offloaded literal" if lit.HasField("offloaded_metadata") else "an empty literal"
            )
        if kind != "scalar":
            return str(kind)
        sk = lit.scalar.WhichOneof("value")
        if sk == "primitive":
            return f"scalar.primitive.{lit.scalar.primitive.WhichOneof('value')}"
        if sk == "binary":
            return f"scalar.binary (tag {lit.scalar.binary.tag!r})"
        return f"scalar.{sk}"
    except Exception:  # pragma: no cover - defensive, a literal is always inspectable
        return "an unreadable literal"


def decode_error(
    expected: object, lit: literals_pb2.Literal, detail: str = ""
) -> LiteralDecodeError:
    """The error for a literal that cannot become a value of type ``expected``."""
    extra = f" ({detail})" if detail else ""
    return LiteralDecodeError(
        f"cannot convert {describe_literal(lit)} to {type_name(expected)}{extra}",
        expected=expected,
        got=describe_literal(lit),
    )


class Converter:
    """Converts values of one declared Python type to ``Literal`` messages and back.

    Built once per type by :meth:`TypeEngine.converter` and cached. Attributes:

    * ``python_type``: the declared type; ``literal_type``: its ``LiteralType`` (shared, do not
      mutate it; :meth:`TypeEngine.to_literal_type` returns a copy);
    * ``fill(msg, value)``: fill an empty ``Literal`` in place; ``to_literal(value)``: a new one;
    * ``to_python(literal)``: the Python value; only :class:`TypeTransformerFailedError`
      (or its subclass :class:`LiteralDecodeError`) is raised for a literal that does not fit;
    * ``name``: the transformer name (used as the union tag, as flytekit does);
    * ``raw_fill`` / ``raw_read``: the unguarded closures (for converters of containers);
    * ``to_plain`` / ``from_plain``: the msgpack ("plain data") form of a value, used when the
      type appears inside a dataclass or a msgpack-encoded dict; ``None`` when unsupported;
    * ``prim_field``: the ``Primitive`` field a primitive type uses (``"integer"``...), else
      ``None``; containers use it to inline their loops.
    """

    __slots__ = (
        "fill",
        "from_plain",
        "literal_type",
        "name",
        "prim_field",
        "python_type",
        "raw_fill",
        "raw_read",
        "to_literal",
        "to_plain",
        "to_python",
    )

    def __init__(
        self,
        python_type: Any,
        literal_type: types_pb2.LiteralType,
        fill: FillFn,
        read: ReadFn,
        *,
        name: str,
        to_plain: PlainFn | None = None,
        from_plain: PlainFn | None = None,
        prim_field: str | None = None,
    ) -> None:
        self.python_type = python_type
        self.literal_type = literal_type
        self.name = name
        self.raw_fill = fill
        self.raw_read = read
        self.to_plain = to_plain
        self.from_plain = from_plain
        self.prim_field = prim_field
        self.fill: FillFn = _guard_fill(python_type, fill)
        self.to_python: ReadFn = _guard_read(python_type, read)
        self.to_literal: Callable[[Any], literals_pb2.Literal] = _make_to_literal(self.fill)

    def __repr__(self) -> str:
        return f"<Converter {type_name(self.python_type)} ({self.name})>"


def _guard_fill(python_type: Any, fill: FillFn) -> FillFn:
    def guarded_fill(msg: literals_pb2.Literal, value: Any) -> None:
        try:
            fill(msg, value)
        except TypeTransformerFailedError:
            raise
        except RecursionError as exc:
            raise fail(python_type, value, "(nested too deeply)") from exc
        except Exception as exc:
            raise TypeTransformerFailedError(
                f"cannot convert {type(value).__name__} {short_repr(value)} to "
                f"{type_name(python_type)}: {type(exc).__name__}: {exc}",
                expected=python_type,
                got=type(value),
            ) from exc

    return guarded_fill


def _guard_read(python_type: Any, read: ReadFn) -> ReadFn:
    def guarded_read(lit: literals_pb2.Literal) -> Any:
        try:
            return read(lit)
        except TypeTransformerFailedError:
            raise
        except Exception as exc:  # corrupt or foreign literal: one error kind only
            raise decode_error(python_type, lit, f"{type(exc).__name__}: {exc}") from exc

    return guarded_read


def _make_to_literal(fill: FillFn) -> Callable[[Any], literals_pb2.Literal]:
    new = literals_pb2.Literal

    def to_literal(value: Any) -> literals_pb2.Literal:
        msg = new()
        fill(msg, value)
        return msg

    return to_literal


def _with_hash(conv: Converter, calculate: Callable[[Any], Any]) -> Converter:
    """``conv`` whose literals carry ``calculate(value)`` in their ``hash`` field (what
    ``Annotated[T, HashMethod(fn)]`` asks for, as flytekit writes it)."""
    base_fill = conv.raw_fill
    python_type = conv.python_type

    def fill(msg: literals_pb2.Literal, value: Any) -> None:
        base_fill(msg, value)
        digest = calculate(value)
        if type(digest) is not str:
            raise TypeTransformerFailedError(
                f"the HashMethod of {type_name(python_type)} returned "
                f"{type(digest).__name__} {short_repr(digest)}; it must return a str",
                expected=python_type,
                got=type(value),
            )
        msg.hash = digest

    return Converter(
        python_type,
        conv.literal_type,
        fill,
        conv.raw_read,
        name=conv.name,
        to_plain=conv.to_plain,
        from_plain=conv.from_plain,
    )


def strip_annotated(t: Any) -> Any:
    """``Annotated[X, ...]`` → ``X`` (repeatedly); ``None`` → ``NoneType``."""
    while typing.get_origin(t) is typing.Annotated:
        t = typing.get_args(t)[0]
    return NoneType if t is None else t


def is_union(t: Any) -> bool:
    """Whether ``t`` is ``Union[...]``/``Optional[...]`` or ``X | Y``."""
    origin = typing.get_origin(t)
    return origin is typing.Union or origin is types.UnionType


def is_pydantic_model(t: Any) -> bool:
    """Whether ``t`` is a pydantic ``BaseModel`` subclass (pydantic is never imported here)."""
    pyd = sys.modules.get("pydantic")
    if pyd is None or not isinstance(t, type):
        return False
    base = getattr(pyd, "BaseModel", None)
    return base is not None and t is not base and issubclass(t, base)


def _cache_key(t: Any) -> Any:
    # Union[int, float] == Union[float, int], but variant order is part of the literal type.
    args = typing.get_args(t)
    return (t, tuple(_cache_key(a) for a in args)) if args else t


_BUILD_LOCK = threading.Lock()


class TypeEngine:
    """Entry point of the type system (flytekit-like names, all class methods).

    It keeps no state of its own: the transformer registry and its converter cache belong to
    the process-wide plugin manager, so a new manager (``fresh_plugin_manager``) comes with a
    new registry, filled from its plugins.
    """

    @classmethod
    def registry(cls) -> TypeTransformerRegistry:
        """The registry, with the built-in transformers and those of every plugin."""
        from taskplug._manager import get_plugin_manager

        pm = get_plugin_manager()
        reg = pm.type_registry
        if reg is not None:
            return reg
        with _BUILD_LOCK:
            reg = pm.type_registry
            if reg is None:
                from taskplug.types import _builtins

                reg = TypeTransformerRegistry()
                with reg.registering("taskplug", None, builtin=True):
                    _builtins.register_builtins(reg)
                pm.type_registry = reg  # before the hook: a plugin may look types up
                try:
                    pm.hooks.register_type_transformers(reg)
                except BaseException:
                    # no half-filled registry: the next lookup runs the hook (and fails) again
                    pm.type_registry = None
                    raise
        return reg

    @classmethod
    def register(
        cls,
        transformer: TypeTransformer[Any],
        additional_types: list[type] | None = None,
        *,
        override: bool = False,
    ) -> None:
        """Register a transformer directly (plugins should prefer the hook).

        ``additional_types`` are more classes it handles (flytekit's argument); ``override``
        replaces a transformer registered before for the same class. A transformer written for
        flytekit (``ctx``-first methods returning models) works through an adapter.
        """
        registry = cls.registry()
        registry.register(transformer, override=override)
        for extra in additional_types or ():
            registry.register(transformer, python_type=extra, override=override)

    @classmethod
    def clear_cache(cls) -> None:
        """Forget the converters built so far (registrations do this themselves)."""
        cls.registry().converters.clear()

    @classmethod
    def reset(cls) -> None:
        """Forget registry, plugins' transformers and converters; rebuilt on next use."""
        from taskplug._manager import get_plugin_manager

        get_plugin_manager().type_registry = None

    @classmethod
    def converter(cls, python_type: Any, *, allow_pickle: bool = False) -> Converter:
        """The cached :class:`Converter` of ``python_type``.

        Raises :class:`~taskplug.errors.UnsupportedTypeError` (a ``TypeError``) when no
        transformer handles the type and ``allow_pickle`` is false.
        """
        key = (_cache_key(python_type), allow_pickle)
        cache = cls.registry().converters
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable annotation: build without caching
            return cls._build(python_type, allow_pickle)
        conv = cls._build(python_type, allow_pickle)
        cache[key] = conv
        return conv

    @classmethod
    def _build(cls, python_type: Any, allow_pickle: bool) -> Converter:
        t = strip_annotated(python_type)
        transformer = cls.find_transformer(t, allow_pickle=allow_pickle)
        try:
            declared = python_type if transformer.keeps_annotations else t
            conv = transformer.converter(declared, cls, allow_pickle)
        except TypeTransformerFailedError:
            raise
        except RecursionError as exc:
            raise UnsupportedTypeError(
                f"type {type_name(python_type)} is recursive; taskplug cannot describe it",
                expected=python_type,
            ) from exc
        except Exception as exc:
            raise UnsupportedTypeError(
                f"type {type_name(python_type)} is not supported by {transformer!r}: "
                f"{type(exc).__name__}: {exc}",
                expected=python_type,
            ) from exc
        if t is not python_type:
            conv.python_type = python_type
            from taskplug.types.annotations import hash_method_of

            hasher = hash_method_of(python_type)
            if hasher is not None:
                conv = _with_hash(conv, hasher.calculate)
        return conv

    @classmethod
    def find_transformer(cls, t: Any, *, allow_pickle: bool = False) -> TypeTransformer[Any]:
        """The transformer that handles ``t`` (``Annotated`` already stripped)."""
        from taskplug.types import _builtins

        reg = cls.registry()
        if is_union(t):
            return _builtins.UNION
        origin = typing.get_origin(t)
        if origin is typing.Literal:
            return _builtins.LITERAL
        key = origin if origin is not None else t
        if isinstance(key, type):
            tr = reg.get(key)
            if tr is not None:
                return tr
            if dataclasses.is_dataclass(key):
                return _builtins.DATACLASS
            if is_pydantic_model(key):
                return _builtins.pydantic_transformer()
        if allow_pickle:
            return _builtins.PICKLE
        raise UnsupportedTypeError(
            f"type {type_name(t)} is not supported: no transformer handles it. {NO_TRANSFORMER}",
            expected=t,
        )

    @classmethod
    def to_literal_type(cls, t: Any, *, allow_pickle: bool = False) -> types_pb2.LiteralType:
        """A copy of the ``LiteralType`` of ``t``."""
        lt = types_pb2.LiteralType()
        lt.CopyFrom(cls.converter(t, allow_pickle=allow_pickle).literal_type)
        return lt

    @classmethod
    def to_literal(cls, value: Any, t: Any, *, allow_pickle: bool = False) -> literals_pb2.Literal:
        """Convert ``value`` of declared type ``t`` to a ``Literal``."""
        return cls.converter(t, allow_pickle=allow_pickle).to_literal(value)

    @classmethod
    def to_python_value(
        cls, literal: literals_pb2.Literal, t: Any, *, allow_pickle: bool = False
    ) -> Any:
        """Convert ``literal`` to a value of declared type ``t``."""
        return cls.converter(t, allow_pickle=allow_pickle).to_python(literal)

    @classmethod
    def literal_from_bytes(cls, t: Any, data: bytes, *, allow_pickle: bool = False) -> Any:
        """Decode serialized ``Literal`` bytes into a value of type ``t``.

        Any corrupt, truncated or foreign input raises :class:`LiteralDecodeError`.
        """
        conv = cls.converter(t, allow_pickle=allow_pickle)
        lit = literals_pb2.Literal()
        try:
            lit.ParseFromString(data)
        except Exception as exc:
            raise LiteralDecodeError(
                f"cannot decode {len(data) if isinstance(data, bytes | bytearray) else '?'} "
                f"bytes as a Literal for {type_name(t)}: {type(exc).__name__}: {exc}",
                expected=t,
                got=type(data),
            ) from exc
        return conv.to_python(lit)
