"""flytekit's ``flytekit.types.numpy`` path: ``numpy.ndarray`` as task inputs and outputs.

The transformer is registered lazily: numpy is imported by the user's code, never by taskplug
itself until a task declares an array (see :mod:`taskplug.types.numpy.ndarray`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskplug.types.numpy.ndarray import NumpyArrayTransformer as NumpyArrayTransformer

__all__ = ["NumpyArrayTransformer"]


def __getattr__(name: str) -> Any:
    if name == "NumpyArrayTransformer":
        from taskplug.types.numpy.ndarray import NumpyArrayTransformer

        return NumpyArrayTransformer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
