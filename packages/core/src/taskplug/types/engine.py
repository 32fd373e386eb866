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
from typing import Any, Generic, TypeVar

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import (
    DuplicateRegistrationError,
    LiteralDecodeError,
    TypeTransformerFailedError,
    UnsupportedTypeError,
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

T = TypeVar("T")
Literal = literals_pb2.Literal
LiteralType = types_pb2.LiteralType
FillFn = Callable[[literals_pb2.Literal, Any], None]
ReadFn = Callable[[literals_pb2.Literal], Any]
PlainFn = Callable[[Any], Any]
NoneType = type(None)


def type_name(t: object) -> str:
    """A short readable name of a type (``int``, ``list[int]``, ``mymod.MyClass``)."""
    if isinstance(t, type) and not typing.get_args(t):
        if t.__module__ in ("builtins", "datetime"):
            return (
                str(t.__qualname__) if t.__module__ == "builtins" else f"datetime.{t.__qualname__}"
            )
        return f"{t.__module__}.{t.__qualname__}"
    return repr(t).replace("typing.", "")


def _short_repr(value: object, limit: int = 60) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fail(expected: object, value: object, what: str = "") -> TypeTransformerFailedError:
    """The error for a Python value that does not fit the declared type ``expected``."""
    where = f" {what}" if what else ""
    return TypeTransformerFailedError(
        f"expected a value of type {type_name(expected)}{where}, got {type(value).__name__}: "
        f"{_short_repr(value)}",
        expected=expected,
        got=type(value),
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
                f"cannot convert {type(value).__name__} {_short_repr(value)} to "
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


class TypeTransformer(Generic[T]):
    """Base class of the transformers that teach the type engine a Python type.

    A plugin subclasses it for its type and registers an instance through the
    ``taskplug_register_type_transformers`` hook (``registry.register(MyTransformer())``).
    It implements, flytekit-style, :meth:`get_literal_type`, :meth:`to_literal` and
    :meth:`to_python_value` (and may refine :meth:`assert_type`); built-in transformers
    override :meth:`converter` instead, to build specialised closures.

    ``name`` is the transformer's name; it tags union variants, so keep it stable.
    ``python_type`` is the class handled; subclasses of it are handled too.
    """

    def __init__(self, name: str, python_type: type[T]) -> None:
        self.name = name
        self.python_type = python_type

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """The ``LiteralType`` of the declared type ``t``."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_literal_type")

    def to_literal(self, value: T, t: Any) -> literals_pb2.Literal:
        """Convert ``value`` (already checked by :meth:`assert_type`) to a ``Literal``."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_literal")

    def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> T:
        """Convert ``literal`` to a value of the declared type ``t``."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_python_value")

    def assert_type(self, t: Any, value: Any) -> None:
        """Raise :class:`TypeTransformerFailedError` when ``value`` does not fit ``t``."""
        origin = typing.get_origin(t) or t
        if isinstance(origin, type) and not isinstance(value, origin):
            raise fail(t, value)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        """Build the :class:`Converter` for the declared type ``t`` (called once per type)."""
        literal_type = self.get_literal_type(t)
        assert_type, to_literal, to_python = self.assert_type, self.to_literal, self.to_python_value

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            assert_type(t, value)
            msg.CopyFrom(to_literal(value, t))

        def read(lit: literals_pb2.Literal) -> Any:
            return to_python(lit, t)

        return Converter(t, literal_type, fill, read, name=self.name)

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}(name={self.name!r})"


class TypeTransformerRegistry:
    """Transformers by the Python class they handle; lookups walk the class's MRO."""

    def __init__(self) -> None:
        self._by_type: dict[type, TypeTransformer[Any]] = {}
        #: Converters built from this registry, by (type key, allow_pickle).
        self.converters: dict[tuple[Any, bool], Converter] = {}

    def register(self, transformer: TypeTransformer[Any]) -> None:
        """Add ``transformer`` for ``transformer.python_type``; a second claim is refused."""
        t = transformer.python_type
        existing = self._by_type.get(t)
        if existing is not None:
            raise DuplicateRegistrationError(
                f"type {type_name(t)} has two transformers: {existing!r} was registered first, "
                f"{transformer!r} tried to register too; remove or disable one of the plugins",
                plugin=type(transformer).__module__,
            )
        self._by_type[t] = transformer
        self.converters.clear()

    def get(self, cls: type) -> TypeTransformer[Any] | None:
        """The transformer for ``cls`` or its nearest registered base class."""
        by_type = self._by_type
        for base in getattr(cls, "__mro__", (cls,)):
            tr = by_type.get(base)
            if tr is not None:
                return tr
        return None

    def __contains__(self, t: object) -> bool:
        return t in self._by_type

    def __iter__(self) -> typing.Iterator[TypeTransformer[Any]]:
        return iter(list(self._by_type.values()))


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
                _builtins.register_builtins(reg)
                pm.type_registry = reg  # before the hook: a plugin may look types up
                pm.hooks.register_type_transformers(reg)
        return reg

    @classmethod
    def register(cls, transformer: TypeTransformer[Any]) -> None:
        """Register a transformer directly (plugins should prefer the hook)."""
        cls.registry().register(transformer)

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
            conv = transformer.converter(t, cls, allow_pickle)
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
            f"type {type_name(t)} is not supported: no transformer handles it. Use a supported "
            "type, register a TypeTransformer for it from a plugin, or allow pickling it "
            "(pickle_untyped=True on the task)",
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
