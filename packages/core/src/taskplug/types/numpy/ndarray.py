"""``numpy.ndarray`` ↔ a single-file blob of format ``"NumpyArray"`` (an ``.npy`` file), as
flytekit's ``NumpyArrayTransformer`` sends it.

``Annotated[np.ndarray, kwtypes(allow_pickle=True, mmap_mode="r")]`` passes those options to
``numpy.save`` / ``numpy.load`` (arrays of Python objects need ``allow_pickle``). The file goes
where new tables go (:func:`taskplug.types.tables.storage.new_location`): under the raw output
prefix in a container run, in the local run's scratch directory otherwise. numpy is imported
only when an array is declared (the transformer is registered lazily).
"""

from __future__ import annotations

import collections
import typing
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import UnsupportedTypeError
from taskplug.types.annotations import HashMethod
from taskplug.types.blobfile import local_path, write_new_file
from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, decode_error, fail

__all__ = ["NUMPY_ARRAY_FORMAT", "NumpyArrayTransformer", "numpy_transformer"]

NUMPY_ARRAY_FORMAT = "NumpyArray"
_OPTIONS = ("allow_pickle", "mmap_mode")


def _options(t: Any) -> dict[str, Any]:
    """The ``kwtypes(allow_pickle=..., mmap_mode=...)`` of ``Annotated[np.ndarray, ...]``."""
    if typing.get_origin(t) is not typing.Annotated:
        return {}
    found: dict[str, Any] | None = None
    for extra in typing.get_args(t)[1:]:
        if isinstance(extra, HashMethod):
            continue
        if isinstance(extra, collections.OrderedDict) and found is None:
            unknown = set(extra) - set(_OPTIONS)
            if unknown:
                raise UnsupportedTypeError(
                    f"{t!r}: unknown numpy option(s) {sorted(unknown)}; use allow_pickle "
                    "and mmap_mode",
                    expected=t,
                )
            found = dict(extra)
            continue
        raise UnsupportedTypeError(
            f"{t!r}: a numpy array takes kwtypes(allow_pickle=..., mmap_mode=...) or a "
            f"HashMethod in Annotated, not {extra!r}",
            expected=t,
        )
    return found or {}


def _save(array: Any, allow_pickle: bool) -> str:
    """Write ``array`` as a new ``.npy`` file; returns its uri."""
    import numpy as np

    return write_new_file(
        suffix=".npy", write=lambda fh: np.save(fh, array, allow_pickle=allow_pickle)
    )


def _load(uri: str, allow_pickle: bool, mmap_mode: Any) -> Any:
    import numpy as np

    return np.load(local_path(uri, suffix=".npy"), allow_pickle=allow_pickle, mmap_mode=mmap_mode)


class NumpyArrayTransformer(TypeTransformer[Any]):
    """``numpy.ndarray`` ↔ an ``.npy`` blob (flytekit's ``"Numpy Array"`` transformer)."""

    keeps_annotations = True

    def __init__(self, ndarray: type) -> None:
        super().__init__("Numpy Array", ndarray)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        options = _options(t)
        pickle = bool(options.get("allow_pickle", False))
        mmap_mode = options.get("mmap_mode")
        ndarray = self.python_type
        lt = types_pb2.LiteralType()
        lt.blob.format = NUMPY_ARRAY_FORMAT
        lt.blob.dimensionality = types_pb2.BlobType.SINGLE

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if not isinstance(value, ndarray):
                raise fail(t, value, "(a numpy.ndarray)")
            blob = msg.scalar.blob
            blob.metadata.type.format = NUMPY_ARRAY_FORMAT
            blob.metadata.type.dimensionality = types_pb2.BlobType.SINGLE
            blob.uri = _save(value, pickle)

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") != "scalar" or lit.scalar.WhichOneof("value") != "blob":
                raise decode_error(t, lit, "expected a blob holding an .npy file")
            uri = lit.scalar.blob.uri
            if not uri:
                raise decode_error(t, lit, "the blob has no uri")
            try:
                return _load(uri, pickle, mmap_mode)
            except FileNotFoundError as exc:
                raise decode_error(t, lit, str(exc)) from exc
            except ValueError as exc:
                if "allow_pickle" in str(exc):
                    raise decode_error(
                        t,
                        lit,
                        "the array holds Python objects: declare "
                        "Annotated[np.ndarray, kwtypes(allow_pickle=True)] to read it",
                    ) from exc
                raise

        return Converter(t, lt, fill, read, name=self.name)


def numpy_transformer() -> NumpyArrayTransformer:
    """The transformer of ``numpy.ndarray`` (built when an array is first declared)."""
    import numpy

    return NumpyArrayTransformer(numpy.ndarray)
