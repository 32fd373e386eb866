"""``Iterator[T]``: a collection literal of ``T`` on the wire, a lazy :class:`FlyteIterator` read.

The literal type is ``collection_type`` of ``T``'s literal type and the literal a
``LiteralCollection``, exactly what flytekit's ``IteratorTransformer`` writes (so ``Iterator[T]``
and ``list[T]`` exchange literals). Writing consumes the iterator (a generator runs to its end);
reading converts nothing until the items are asked for.
"""

from __future__ import annotations

import collections.abc
import typing
from typing import Any

from flyteidl.core import literals_pb2

from taskplug.errors import UnsupportedTypeError
from taskplug.types.engine import (
    Converter,
    TypeEngine,
    TypeTransformer,
    decode_error,
    fail,
    type_name,
)

__all__ = ["ITERATOR", "FlyteIterator", "IteratorTransformer"]


class FlyteIterator:
    """The items of a collection literal, converted to ``T`` one by one as they are reached.

    ``len()`` is the number of items; iterating again starts from the first item (as
    flytekit's ``FlyteIterator`` does). ``ctx`` is accepted for flytekit's signature and unused.
    """

    def __init__(
        self,
        ctx: Any,
        lv: Any,
        expected_python_type: Any,
        length: int | None = None,
    ) -> None:
        if not isinstance(lv, literals_pb2.Literal):  # a flytekit-style model
            lv = lv.to_flyte_idl()
        self._ctx = ctx
        self._lv = lv
        self._expected_python_type = expected_python_type
        args = typing.get_args(expected_python_type)
        self._item_type = args[0] if args else Any
        self._length = len(lv.collection.literals) if length is None else length
        self._index = 0
        self._converter: Converter | None = None

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> FlyteIterator:
        self._index = 0
        return self

    def __next__(self) -> Any:
        if self._index >= self._length:
            raise StopIteration
        conv = self._converter
        if conv is None:
            conv = self._converter = TypeEngine.converter(self._item_type)
        item = conv.to_python(self._lv.collection.literals[self._index])
        self._index += 1
        return item


class IteratorTransformer(TypeTransformer[Any]):
    """``Iterator[T]`` (``typing`` or ``collections.abc``) ↔ a collection literal of ``T``."""

    def __init__(self) -> None:
        super().__init__("Typed Iterator", collections.abc.Iterator)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        args = typing.get_args(t)
        if not args:
            raise UnsupportedTypeError(
                f"{type_name(t)} needs its item type: declare Iterator[int], Iterator[str], ...",
                expected=t,
            )
        item_type = args[0]
        as_list = engine.converter(list[item_type], allow_pickle=allow_pickle)  # type: ignore[valid-type]
        fill_list = as_list.raw_fill

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if isinstance(value, (str, bytes, dict)) or not isinstance(
                value, collections.abc.Iterable
            ):
                raise fail(t, value, "(an iterator, a generator or another iterable)")
            fill_list(msg, list(value))

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") != "collection":
                raise decode_error(t, lit, "expected a collection")
            return FlyteIterator(None, lit, t)

        return Converter(t, as_list.literal_type, fill, read, name=self.name)


ITERATOR = IteratorTransformer()
