"""Markers that go into ``Annotated[...]`` next to a type: :class:`HashMethod`, :class:`BatchSize`.

* ``Annotated[T, HashMethod(fn)]`` on an output (or input): the literal carries ``fn(value)`` in
  its ``hash`` field, as flytekit writes it. Flyte's cache keys use that hash instead of the
  value itself, so a dataframe written to a new place each run still hits the cache.
* ``Annotated[T, BatchSize(n)]``: flytekit's hint for moving a directory (or a list of pickles)
  ``n`` items at a time; accepted and kept here, it changes nothing on the wire.

This module imports nothing heavy (no protobuf): the type engine reads the markers when it
builds a converter for an ``Annotated`` type.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["BatchSize", "HashMethod", "HashOnReferenceMixin", "get_batch_size", "hash_method_of"]

T = TypeVar("T")


class HashMethod(Generic[T]):
    """How to hash a value for Flyte's cache: ``Annotated[pd.DataFrame, HashMethod(fn)]``.

    ``fn(value)`` must return a ``str``; it becomes the literal's ``hash``.
    """

    def __init__(self, function: Callable[[T], str]) -> None:
        self._function = function

    def calculate(self, obj: T) -> str:
        """The hash of ``obj`` (the function given to the constructor, applied)."""
        return self._function(obj)

    def __repr__(self) -> str:
        name = getattr(self._function, "__qualname__", repr(self._function))
        return f"HashMethod({name})"


class HashOnReferenceMixin:
    """Hash by identity (flytekit's mixin of the same name)."""

    def __hash__(self) -> int:
        return hash(id(self))


class BatchSize:
    """``Annotated[FlyteDirectory, BatchSize(10)]``: move the contents ``val`` items at a time.

    flytekit reads it when it downloads or uploads a directory; taskplug accepts it wherever
    flytekit does and leaves the wire form unchanged.
    """

    def __init__(self, val: int) -> None:
        if isinstance(val, bool) or not isinstance(val, int) or val < 1:
            raise ValueError(f"BatchSize takes a positive int, got {val!r}")
        self._val = val

    @property
    def val(self) -> int:
        """The number of items per batch."""
        return self._val

    def __repr__(self) -> str:
        return f"BatchSize({self._val})"


def _markers(t: Any) -> tuple[Any, ...]:
    if typing.get_origin(t) is typing.Annotated:
        return typing.get_args(t)[1:]
    return ()


def get_batch_size(t: Any) -> int | None:
    """The :class:`BatchSize` of ``Annotated[..., BatchSize(n)]`` (``None`` when there is none)."""
    for marker in _markers(t):
        if isinstance(marker, BatchSize):
            return marker.val
    return None


def hash_method_of(t: Any) -> HashMethod[Any] | None:
    """The first :class:`HashMethod` of ``Annotated[..., HashMethod(fn)]``, if any."""
    for marker in _markers(t):
        if isinstance(marker, HashMethod):
            return marker
    return None
