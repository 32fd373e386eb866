"""The authoring API of type transformers: :class:`TypeTransformer` and its registry.

Importing this module loads no protobuf or flyteidl module (a plugin that only declares
transformers stays cheap to import); the literal machinery is imported when the type engine
first builds a converter from a transformer.

A transformer teaches the type engine one Python type. It gives the type

* a **literal form**: :meth:`TypeTransformer.get_literal_type`, :meth:`~TypeTransformer.to_literal`
  and :meth:`~TypeTransformer.to_python_value`, flytekit-style, on flyteidl messages; and/or
* a **plain-data form**: :meth:`~TypeTransformer.to_plain` and :meth:`~TypeTransformer.from_plain`,
  between a value and msgpack-ready data (``None``, ``bool``, ``int``, ``float``, ``str``,
  ``bytes``, lists and dicts of those). This form is what a value becomes inside a dataclass,
  a pydantic model or an untyped ``dict``. A transformer with only the plain-data form gets a
  literal form for free: a msgpack ``Binary`` scalar with literal type ``STRUCT``, as flytekit
  sends dataclasses.

For a type encoded as one scalar or string, :class:`~taskplug.types.SimpleTransformer` does all
of it from two functions.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from taskplug.errors import (
    DuplicateRegistrationError,
    TypeTransformerFailedError,
    UnsupportedTypeError,
)

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, types_pb2

    from taskplug.types.engine import Converter, TypeEngine

__all__ = [
    "Registration",
    "TypeTransformer",
    "TypeTransformerRegistry",
    "fail",
    "type_name",
]

T = TypeVar("T")


def type_name(t: object) -> str:
    """A short readable name of a type (``int``, ``list[int]``, ``mymod.MyClass``)."""
    if isinstance(t, type) and not typing.get_args(t):
        if t.__module__ in ("builtins", "datetime"):
            return (
                str(t.__qualname__) if t.__module__ == "builtins" else f"datetime.{t.__qualname__}"
            )
        return f"{t.__module__}.{t.__qualname__}"
    return repr(t).replace("typing.", "")


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut at ``limit`` characters; a broken ``__repr__`` is survived."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fail(expected: object, value: object, what: str = "") -> TypeTransformerFailedError:
    """The error for a Python value that does not fit the declared type ``expected``.

    Transformers raise it from :meth:`TypeTransformer.assert_type` and wherever a value is
    refused: ``raise fail(Money, value)``.
    """
    where = f" {what}" if what else ""
    return TypeTransformerFailedError(
        f"expected a value of type {type_name(expected)}{where}, got {type(value).__name__}: "
        f"{short_repr(value)}",
        expected=expected,
        got=type(value),
    )


class TypeTransformer(Generic[T]):
    """Base class of the transformers that teach the type engine a Python type.

    Subclass it for your type and register an instance from a plugin's
    ``taskplug_register_type_transformers`` hook (``registry.register(MoneyTransformer())``).
    ``name`` is the transformer's name (it tags union variants on the wire: keep it stable);
    ``python_type`` is the class handled (subclasses are handled too, unless the transformer
    refuses them).

    Implement one or both of:

    * the **plain-data form**, :meth:`to_plain` / :meth:`from_plain`: needed for the type to sit
      inside a dataclass, a pydantic model or an untyped ``dict``; alone, it is also the
      literal form (msgpack, literal type ``STRUCT``), so no flyteidl code is needed at all;
    * the **literal form**, :meth:`get_literal_type` / :meth:`to_literal` /
      :meth:`to_python_value` (flytekit's method names, without the context argument), for a
      wire form of your choice.

    :meth:`assert_type` refuses values that do not fit before either form is used. Built-in
    transformers override :meth:`converter` instead, to build specialised closures; a plugin
    rarely needs to.

    Lists, dicts with ``str`` keys and ``Optional``/unions of the type work with either form.
    ``taskplug.testing.check_transformer_roundtrip`` checks a transformer end to end.
    """

    #: When true, :meth:`converter` receives ``Annotated[T, ...]`` as declared (tables read
    #: their columns and storage format from it); otherwise ``T`` alone.
    keeps_annotations: ClassVar[bool] = False

    def __init__(
        self,
        name: str,
        python_type: type[T] | None = None,
        enable_type_assertions: bool = True,
        hash_overridable: bool = False,
        *,
        t: type[T] | None = None,
    ) -> None:
        if python_type is None:
            python_type = t  # flytekit's keyword: super().__init__(name=..., t=MyType)
        elif t is not None:
            raise TypeError(f"{type(self).__name__}: give python_type or t, not both")
        if python_type is None:
            raise TypeError(
                f"{type(self).__name__}(name={name!r}) needs the Python type it handles "
                "(python_type=, or t= as in flytekit)"
            )
        self.name = name
        self.python_type = python_type
        #: Whether values are checked with :meth:`assert_type` (flytekit's switch).
        self.type_assertions_enabled = enable_type_assertions
        #: flytekit's flag; kept for code that reads it.
        self.hash_overridable = hash_overridable

    # -- the literal form -------------------------------------------------------------------

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """The flyteidl ``LiteralType`` of the declared type ``t``.

        Default: ``STRUCT`` (msgpack) when the transformer has a plain-data form.
        """
        if self.has_plain_form():
            from taskplug.types.containers import msgpack_struct_type

            return msgpack_struct_type()
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_literal_type (or to_plain/from_plain)"
        )

    def to_literal(self, value: T, t: Any) -> literals_pb2.Literal:
        """Convert ``value`` (already checked by :meth:`assert_type`) to a flyteidl ``Literal``.

        Default: the plain-data form, msgpack-encoded in a ``Binary`` scalar (tag ``msgpack``).
        """
        if not self.has_plain_form():
            raise NotImplementedError(
                f"{type(self).__name__} must implement to_literal (or to_plain/from_plain)"
            )
        from flyteidl.core import literals_pb2

        from taskplug.types.containers import msgpack_fill

        lit = literals_pb2.Literal()
        msgpack_fill(lambda v: self.to_plain(v, t))(lit, value)
        return lit

    def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> T:
        """Convert a flyteidl ``Literal`` to a value of the declared type ``t``.

        Default: the plain-data form, read from a msgpack ``Binary`` scalar.
        """
        if not self.has_plain_form():
            raise NotImplementedError(
                f"{type(self).__name__} must implement to_python_value (or to_plain/from_plain)"
            )
        from taskplug.types.containers import msgpack_read

        value: T = msgpack_read(lambda d: self.from_plain(d, t), t)(literal)
        return value

    # -- the plain-data form ----------------------------------------------------------------

    def to_plain(self, value: T, t: Any) -> Any:
        """``value`` as msgpack-ready data (already checked by :meth:`assert_type`).

        Return ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``, or lists and
        ``str``-keyed dicts of those. Optional: implement it together with :meth:`from_plain`.
        """
        raise NotImplementedError(f"{type(self).__name__} has no plain-data form")

    def from_plain(self, data: Any, t: Any) -> T:
        """The value of declared type ``t`` that :meth:`to_plain` turned into ``data``.

        Raise :class:`~taskplug.errors.TypeTransformerFailedError` (e.g. ``fail(t, data)``) for
        data that cannot be read.
        """
        raise NotImplementedError(f"{type(self).__name__} has no plain-data form")

    def has_plain_form(self) -> bool:
        """Whether the transformer implements :meth:`to_plain` and :meth:`from_plain`."""
        cls = type(self)
        return (
            cls.to_plain is not TypeTransformer.to_plain
            and cls.from_plain is not TypeTransformer.from_plain
        )

    def has_literal_form(self) -> bool:
        """Whether the transformer implements :meth:`to_literal` and :meth:`to_python_value`."""
        cls = type(self)
        return (
            cls.to_literal is not TypeTransformer.to_literal
            and cls.to_python_value is not TypeTransformer.to_python_value
        )

    # -- checks and the converter -----------------------------------------------------------

    def assert_type(self, t: Any, value: Any) -> None:
        """Raise :class:`~taskplug.errors.TypeTransformerFailedError` when ``value`` does not
        fit the declared type ``t`` (default: ``isinstance`` of ``t``'s class)."""
        origin = typing.get_origin(t) or t
        if isinstance(origin, type) and not isinstance(value, origin):
            raise fail(t, value)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        """Build the :class:`~taskplug.types.Converter` of the declared type ``t``.

        Called once per declared type (converters are cached). The default builds it from the
        methods above; override it only to build specialised closures.
        """
        from flyteidl.core import literals_pb2, types_pb2

        from taskplug.types.engine import Converter

        self._check_complete()
        literal_type = self.get_literal_type(t)
        if not isinstance(literal_type, types_pb2.LiteralType):
            raise UnsupportedTypeError(
                f"{self!r}: get_literal_type returned {type(literal_type).__name__}, "
                "expected a flyteidl LiteralType",
                expected=t,
            )
        check = self.assert_type
        to_plain = from_plain = None
        if self.has_plain_form():
            encode, decode = self.to_plain, self.from_plain

            def to_plain(value: Any) -> Any:
                check(t, value)
                return encode(value, t)

            def from_plain(data: Any) -> Any:
                return decode(data, t)

        fill: Callable[[literals_pb2.Literal, Any], None]
        read: Callable[[literals_pb2.Literal], Any]
        if self.has_literal_form():
            to_literal, to_python = self.to_literal, self.to_python_value
            literal_class = literals_pb2.Literal
            name = self.name

            def fill(msg: literals_pb2.Literal, value: Any) -> None:
                check(t, value)
                lit = to_literal(value, t)
                if not isinstance(lit, literal_class):
                    raise TypeTransformerFailedError(
                        f"transformer {name!r}: to_literal returned {type(lit).__name__}, "
                        "expected a flyteidl Literal",
                        expected=t,
                        got=type(value),
                    )
                msg.CopyFrom(lit)

            def read(lit: literals_pb2.Literal) -> Any:
                return to_python(lit, t)

        else:
            from taskplug.types.containers import msgpack_fill, msgpack_read

            assert to_plain is not None and from_plain is not None
            fill = msgpack_fill(to_plain)
            read = msgpack_read(from_plain, t)
        return Converter(
            t, literal_type, fill, read, name=self.name, to_plain=to_plain, from_plain=from_plain
        )

    def _check_complete(self) -> None:
        cls = type(self)
        pairs = (
            ("to_plain", "from_plain"),
            ("to_literal", "to_python_value"),
        )
        for a, b in pairs:
            has_a = getattr(cls, a) is not getattr(TypeTransformer, a)
            has_b = getattr(cls, b) is not getattr(TypeTransformer, b)
            if has_a != has_b:
                missing, present = (b, a) if has_a else (a, b)
                raise UnsupportedTypeError(
                    f"{self!r} implements {present} but not {missing}; implement both",
                    expected=self.python_type,
                )
        if not (self.has_plain_form() or self.has_literal_form()):
            raise UnsupportedTypeError(
                f"{self!r} implements neither to_plain/from_plain nor "
                "to_literal/to_python_value; implement one pair (see docs/plugins.md)",
                expected=self.python_type,
            )

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}(name={self.name!r})"


@dataclass(frozen=True)
class Registration:
    """One transformer in a :class:`TypeTransformerRegistry` and who registered it."""

    python_type: type
    transformer: TypeTransformer[Any]
    #: The registering plugin's name (``None``: built in, or registered outside any plugin).
    plugin: str | None
    #: ``dist==version`` of the plugin's distribution, when it has one.
    dist: str | None
    builtin: bool = False

    @property
    def owner(self) -> str:
        """Who registered it, for messages: ``plugin 'money' (money-types==1.0)``."""
        return _owner(self.plugin, self.dist, self.builtin)


def _owner(plugin: str | None, dist: str | None, builtin: bool) -> str:
    if builtin:
        return "taskplug (built in)"
    if plugin is None:
        return "a direct TypeEngine.register() call"
    return f"plugin {plugin!r} ({dist or 'no distribution'})"


class TypeTransformerRegistry:
    """Transformers by the Python class they handle; lookups walk the class's MRO.

    Plugins receive it in ``taskplug_register_type_transformers`` and call :meth:`register`.
    While a plugin's hook runs, :attr:`current_plugin` and :attr:`current_dist` name it, so a
    type claimed twice is refused with both plugins named.
    """

    def __init__(self) -> None:
        self._by_type: dict[type, TypeTransformer[Any]] = {}
        self._registrations: dict[type, Registration] = {}
        self._lazy: dict[tuple[str, str], tuple[Callable[[], TypeTransformer[Any]], Any]] = {}
        #: Converters built from this registry, by (type key, allow_pickle).
        self.converters: dict[tuple[Any, bool], Converter] = {}
        #: The plugin whose hook is registering now (set by the plugin manager).
        self.current_plugin: str | None = None
        #: Its distribution, ``dist==version``.
        self.current_dist: str | None = None
        self._builtin = False

    @contextlib.contextmanager
    def registering(
        self, plugin: str | None, dist: str | None = None, *, builtin: bool = False
    ) -> Iterator[TypeTransformerRegistry]:
        """Attribute the registrations made inside the block to ``plugin`` (``dist``)."""
        saved = self.current_plugin, self.current_dist, self._builtin
        self.current_plugin, self.current_dist, self._builtin = plugin, dist, builtin
        try:
            yield self
        finally:
            self.current_plugin, self.current_dist, self._builtin = saved

    def register(
        self,
        transformer: TypeTransformer[Any],
        *,
        python_type: type | None = None,
        override: bool = False,
    ) -> None:
        """Add ``transformer`` for ``python_type`` (default: ``transformer.python_type``).

        A type has one transformer: a second claim raises
        :class:`~taskplug.errors.DuplicateRegistrationError` naming both registrations, unless
        ``override`` (the new one replaces the old). A transformer written for flytekit
        (methods with a ``ctx`` first argument, returning flytekit models) is recognised and
        registered through an adapter (:mod:`taskplug.types.flytekit_form`).
        """
        if not isinstance(transformer, TypeTransformer):
            raise TypeError(
                f"{self._who()} registered {short_repr(transformer)}, which is not a "
                "taskplug.types.TypeTransformer"
            )
        from taskplug.types.flytekit_form import FlytekitTransformerAdapter, is_flytekit_form

        if not isinstance(transformer, FlytekitTransformerAdapter) and is_flytekit_form(
            transformer
        ):
            transformer = FlytekitTransformerAdapter(transformer)
        t = transformer.python_type if python_type is None else python_type
        if not isinstance(t, type):
            raise TypeError(
                f"{self._who()} registered {transformer!r} whose python_type is "
                f"{short_repr(t)}, not a class"
            )
        entry = Registration(t, transformer, self.current_plugin, self.current_dist, self._builtin)
        existing = self._registrations.get(t)
        if existing is not None and not override:
            hint = (
                f"; uninstall or disable one of them (e.g. TASKPLUG_DISABLE_PLUGINS={entry.plugin})"
                if entry.plugin is not None and not entry.builtin
                else ""
            )
            raise DuplicateRegistrationError(
                f"type {type_name(t)} has two transformers: {existing.owner} registered "
                f"{existing.transformer!r}, {entry.owner} tried to register {transformer!r}"
                f"{hint}",
                plugin=entry.plugin,
                dist=entry.dist,
            )
        self._by_type[t] = transformer
        self._registrations[t] = entry
        self.converters.clear()

    def _who(self) -> str:
        return _owner(self.current_plugin, self.current_dist, self._builtin)

    def register_lazy(
        self, module: str, name: str, factory: Callable[[], TypeTransformer[Any]]
    ) -> None:
        """Register the transformer of class ``module.name`` without importing ``module``.

        ``factory()`` builds the transformer the first time a type is looked up while
        ``module`` is imported and the type is ``module.name`` or a subclass of it (how
        ``pandas.DataFrame`` and ``pyarrow.Table`` are known without importing either).
        """
        key = (module, name)
        if key in self._lazy:
            raise DuplicateRegistrationError(
                f"type {module}.{name} has two lazily registered transformers "
                f"({self._who()} tried to register the second)",
                plugin=self.current_plugin,
                dist=self.current_dist,
            )
        self._lazy[key] = (factory, (self.current_plugin, self.current_dist, self._builtin))

    def get(self, cls: type) -> TypeTransformer[Any] | None:
        """The transformer for ``cls`` or its nearest registered base class (a lazily
        registered class counts where it is in the MRO: ``TFRecordFile``'s comes before
        ``File``'s)."""
        by_type = self._by_type
        for base in getattr(cls, "__mro__", (cls,)):
            tr = by_type.get(base)
            if tr is not None:
                return tr
            if self._lazy and self._build_lazy(functools.partial(operator.is_, base)):
                return self.get(cls)
        if self._lazy and self._build_lazy(  # a virtual subclass (ABC.register)
            lambda target: isinstance(cls, type) and issubclass(cls, target)
        ):
            return self.get(cls)
        return None

    def _build_lazy(self, matches: Callable[[type], bool]) -> bool:
        """Build the first lazy transformer whose (imported) class ``matches``; whether one was."""
        for key, (factory, owner) in list(self._lazy.items()):
            module = sys.modules.get(key[0])
            target = getattr(module, key[1], None) if module is not None else None
            if isinstance(target, type) and matches(target):
                del self._lazy[key]
                transformer = factory()
                t = transformer.python_type
                if t not in self._by_type:  # built now; converters built so far stay valid
                    self._by_type[t] = transformer
                    self._registrations[t] = Registration(t, transformer, *owner)
                return True
        return False

    def registration(self, cls: type) -> Registration | None:
        """Who registered the transformer that handles ``cls`` (nearest base class)."""
        for base in getattr(cls, "__mro__", (cls,)):
            entry = self._registrations.get(base)
            if entry is not None:
                return entry
        return None

    def registrations(self) -> list[Registration]:
        """Every registration, in registration order."""
        return list(self._registrations.values())

    def owners(self) -> list[tuple[str, str]]:
        """``(plugin, "type (transformer name)")`` for each transformer a plugin registered."""
        return [
            (r.plugin, f"{type_name(r.python_type)} ({r.transformer.name})")
            for r in self._registrations.values()
            if r.plugin is not None and not r.builtin
        ]

    def __contains__(self, t: object) -> bool:
        return t in self._by_type

    def __iter__(self) -> Iterator[TypeTransformer[Any]]:
        return iter(list(self._by_type.values()))

    def __len__(self) -> int:
        return len(self._by_type)
