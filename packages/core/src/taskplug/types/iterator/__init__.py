"""flytekit's ``flytekit.types.iterator``: ``Iterator[T]`` inputs and outputs.

A task may return (or ``yield``) an ``Iterator[T]``: on the wire it is a collection of ``T``, as
flytekit sends it; a task or workflow that receives one gets a :class:`FlyteIterator`, which
converts each item when it is reached.
"""

from __future__ import annotations

from taskplug.types.iterator.iterator import FlyteIterator, IteratorTransformer

__all__ = ["FlyteIterator", "IteratorTransformer"]
