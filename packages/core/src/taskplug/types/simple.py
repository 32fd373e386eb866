"""``SimpleTransformer``: a type encoded as one value of a built-in scalar type, in one line.

Importing this module loads no protobuf or flyteidl module.
"""

from __future__ import annotations

import datetime
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from taskplug.errors import LiteralDecodeError, TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types.transformer import TypeTransformer, fail, short_repr, type_name

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, types_pb2

    from taskplug.types.engine import Converter, TypeEngine

__all__ = ["SIMPLE_BASE_TYPES", "SimpleTransformer"]

T = TypeVar("T")

#: The types a :class:`SimpleTransformer` can encode to; the literal type is theirs.
SIMPLE_BASE_TYPES: tuple[type, ...] = (
    bool,
    int,
    float,
    str,
    bytes,
    datetime.datetime,
    datetime.date,
    datetime.timedelta,
)


class SimpleTransformer(TypeTransformer[T]):
    """A transformer for a type that travels as one ``bool``/``int``/``float``/``str``/… value.

    ::

        DECIMAL = SimpleTransformer("decimal", Decimal, str, encode=str, decode=Decimal)

    * ``name``: the transformer's name (tags union variants on the wire; keep it stable);
    * ``python_type``: the class handled. Values must be of exactly this class, and a task
      may not declare a subclass of it (register a transformer for the subclass instead);
    * ``base_type``: one of :data:`SIMPLE_BASE_TYPES` (``bool``, ``int``, ``float``, ``str``,
      ``bytes``, ``datetime.datetime``, ``datetime.date``, ``datetime.timedelta``). The
      literal type is the base type's (``str`` → ``simple: STRING``), so flytekit and the
      Flyte console see a plain string, integer…;
    * ``encode(value) -> base value`` and ``decode(base value) -> value``: ``decode`` must
      undo ``encode`` exactly. An exception raised by either becomes a
      :class:`~taskplug.errors.TypeTransformerFailedError` naming the value.

    Inside dataclasses, ``dict`` values and msgpack data the value is the base type's plain
    form (the string itself; a datetime as an ISO string, a timedelta as seconds). Datetimes
    come back timezone-aware (UTC), so ``decode`` should not depend on them being naive.
    """

    def __init__(
        self,
        name: str,
        python_type: type[T],
        base_type: type,
        *,
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> None:
        if not isinstance(python_type, type):
            raise TypeError(
                f"SimpleTransformer {name!r}: python_type must be a class, got "
                f"{short_repr(python_type)}"
            )
        if base_type not in SIMPLE_BASE_TYPES:
            raise TypeError(
                f"SimpleTransformer {name!r}: base_type must be one of "
                f"{', '.join(type_name(b) for b in SIMPLE_BASE_TYPES)}; got "
                f"{short_repr(base_type)}. For a value made of several parts, subclass "
                "TypeTransformer and implement to_plain/from_plain"
            )
        if not callable(encode) or not callable(decode):
            raise TypeError(f"SimpleTransformer {name!r}: encode and decode must be callables")
        super().__init__(name, python_type)
        self.base_type = base_type
        self.encode = encode
        self.decode = decode

    # The flytekit-style methods, for callers that use a transformer directly. The type
    # engine uses converter(), which builds the same behaviour from closures.

    def get_literal_type(self, t: Any = None) -> types_pb2.LiteralType:
        """The base type's literal type (a copy)."""
        from taskplug.types.engine import TypeEngine

        return TypeEngine.to_literal_type(self.base_type)

    def to_literal(self, value: T, t: Any = None) -> literals_pb2.Literal:
        """``value`` encoded, as a literal of the base type."""
        return self._own_converter(t).to_literal(value)

    def to_python_value(self, literal: literals_pb2.Literal, t: Any = None) -> T:
        """The value decoded from a literal of the base type."""
        value: T = self._own_converter(t).to_python(literal)
        return value

    def to_plain(self, value: T, t: Any = None) -> Any:
        """``value`` encoded, in the base type's plain-data form."""
        conv = self._own_converter(t)
        assert conv.to_plain is not None
        return conv.to_plain(value)

    def from_plain(self, data: Any, t: Any = None) -> T:
        """The value decoded from the base type's plain-data form."""
        conv = self._own_converter(t)
        assert conv.from_plain is not None
        value: T = conv.from_plain(data)
        return value

    def assert_type(self, t: Any, value: Any) -> None:
        """Values must be of exactly :attr:`python_type` (as flytekit's SimpleTransformer)."""
        if type(value) is not self.python_type:
            raise fail(self.python_type, value)

    def _own_converter(self, t: Any) -> Converter:
        from taskplug.types.engine import TypeEngine

        return self.converter(self.python_type if t is None else t, TypeEngine, False)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        """Closures around the base type's converter."""
        from flyteidl.core import types_pb2

        from taskplug.types.engine import Converter

        py, bt, name = self.python_type, self.base_type, self.name
        if (typing.get_origin(t) or t) is not py:
            raise UnsupportedTypeError(
                f"transformer {name!r} handles {type_name(py)} exactly, not its subclass "
                f"{type_name(t)}; register a transformer for {type_name(t)}",
                expected=t,
            )
        base = engine.converter(bt)
        base_fill, base_read = base.raw_fill, base.raw_read
        base_to_plain, base_from_plain = base.to_plain, base.from_plain
        assert base_to_plain is not None and base_from_plain is not None
        enc, dec = self.encode, self.decode

        def encode(value: Any) -> Any:
            if type(value) is not py:
                raise fail(t, value)
            out = enc(value)
            if type(out) is not bt:
                raise TypeTransformerFailedError(
                    f"transformer {name!r}: encode({short_repr(value)}) returned "
                    f"{type(out).__name__}, expected {type_name(bt)}",
                    expected=t,
                    got=type(value),
                )
            return out

        def decode(raw: Any) -> Any:
            value = dec(raw)
            if type(value) is not py:
                raise LiteralDecodeError(
                    f"transformer {name!r}: decode({short_repr(raw)}) returned "
                    f"{type(value).__name__}, expected {type_name(py)}",
                    expected=t,
                    got=type(raw),
                )
            return value

        def fill(msg: Any, value: Any) -> None:
            base_fill(msg, encode(value))

        def read(lit: Any) -> Any:
            return decode(base_read(lit))

        def to_plain(value: Any) -> Any:
            return base_to_plain(encode(value))

        def from_plain(data: Any) -> Any:
            return decode(base_from_plain(data))

        lt = types_pb2.LiteralType()
        lt.CopyFrom(base.literal_type)
        return Converter(t, lt, fill, read, name=name, to_plain=to_plain, from_plain=from_plain)

    def __repr__(self) -> str:
        return (
            f"SimpleTransformer({self.name!r}, {type_name(self.python_type)}, "
            f"{type_name(self.base_type)})"
        )
