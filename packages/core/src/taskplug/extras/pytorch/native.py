"""``torch.Tensor`` and ``torch.nn.Module`` ↔ single-file blobs written by ``torch.save``, as
flytekit's ``PyTorchTensorTransformer`` and ``PyTorchModuleTransformer`` send them.

The literal type is a ``SINGLE`` blob of format ``"PyTorchTensor"`` or ``"PyTorchModule"``; the
file is ``torch.save(value)`` (a ``.pt`` file) where new tables go
(:func:`taskplug.types.blobfile.write_new_file`). Values are saved on the device they are on;
reading maps every storage to ``cuda:0`` when CUDA is available and to the CPU otherwise
(flytekit's ``map_location``), so a tensor saved on a GPU machine reads on a CPU-only one.

Tensors are read with ``torch.load(weights_only=True)`` (no code runs while reading). A whole
module can only travel as a pickle (that is the wire format flytekit defined), so modules are
read with ``weights_only=False``: declare ``torch.nn.Module`` only for data you trust, and
prefer :class:`~taskplug.extras.pytorch.PyTorchCheckpoint` (state dicts, read safely).

torch is imported when a transformer is built (the first time a task declares a torch type),
never by importing this module.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

from flyteidl.core import literals_pb2, types_pb2

from taskplug.types.blobfile import local_path, write_new_file
from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, decode_error, fail

__all__ = [
    "PYTORCH_MODULE_FORMAT",
    "PYTORCH_TENSOR_FORMAT",
    "PyTorchModuleTransformer",
    "PyTorchTensorTransformer",
    "TorchBlobTransformer",
    "map_location",
]

PYTORCH_TENSOR_FORMAT = "PyTorchTensor"
PYTORCH_MODULE_FORMAT = "PyTorchModule"


def map_location() -> Any:
    """Where loaded storages go: ``"cuda:0"`` when CUDA is available, else the CPU."""
    import torch

    return "cuda:0" if torch.cuda.is_available() else torch.device("cpu")


def save(value: Any) -> str:
    """``torch.save(value)`` into a new ``.pt`` file; returns its uri."""
    import torch

    return write_new_file(suffix=".pt", write=lambda fh: torch.save(value, fh))


def load(uri: str, *, weights_only: bool) -> Any:
    """``torch.load`` of the file at ``uri``, storages mapped by :func:`map_location`."""
    import torch

    return torch.load(
        local_path(uri, suffix=".pt"), map_location=map_location(), weights_only=weights_only
    )


class TorchBlobTransformer(TypeTransformer[Any]):
    """A value ↔ a ``SINGLE`` blob holding ``torch.save`` of it (the torch transformers' base).

    Subclasses set ``PYTORCH_FORMAT`` (the blob format), ``WEIGHTS_ONLY`` (how the file is
    read) and ``EXPECTED`` (words for a refused value); they may override :meth:`to_saved`
    (what is saved for a value) and :meth:`from_loaded` (what a loaded object becomes).
    """

    PYTORCH_FORMAT: ClassVar[str]
    WEIGHTS_ONLY: ClassVar[bool] = True
    EXPECTED: ClassVar[str] = ""

    def to_saved(self, value: Any, t: Any) -> Any:
        """What ``torch.save`` writes for ``value`` (refuse a bad value with :func:`fail`)."""
        expected = t if isinstance(t, type) else self.python_type
        if not isinstance(value, expected):
            raise fail(t, value, self.EXPECTED)
        return value

    def from_loaded(self, obj: Any, t: Any, lit: literals_pb2.Literal) -> Any:
        """The Python value of a loaded object (checked against the declared class)."""
        expected = t if isinstance(t, type) else self.python_type
        if not isinstance(obj, expected):
            raise decode_error(t, lit, f"the file holds a {type(obj).__name__}")
        return obj

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        fmt = self.PYTORCH_FORMAT
        weights_only = self.WEIGHTS_ONLY
        lt = types_pb2.LiteralType()
        lt.blob.format = fmt
        lt.blob.dimensionality = types_pb2.BlobType.SINGLE

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            saved = self.to_saved(value, t)
            blob = msg.scalar.blob
            blob.metadata.type.format = fmt
            blob.metadata.type.dimensionality = types_pb2.BlobType.SINGLE
            blob.uri = save(saved)

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") != "scalar" or lit.scalar.WhichOneof("value") != "blob":
                raise decode_error(t, lit, f"expected a blob holding a {fmt} file")
            uri = lit.scalar.blob.uri
            if not uri:
                raise decode_error(t, lit, "the blob has no uri")
            try:
                obj = load(uri, weights_only=weights_only)
            except FileNotFoundError as exc:
                raise decode_error(t, lit, str(exc)) from exc
            except pickle.UnpicklingError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise decode_error(
                    t,
                    lit,
                    f"{uri} holds objects that torch.load(weights_only=True) refuses "
                    f"(only tensors and plain data are read): {first}",
                ) from exc
            return self.from_loaded(obj, t, lit)

        return Converter(t, lt, fill, read, name=self.name)


class PyTorchTensorTransformer(TorchBlobTransformer):
    """``torch.Tensor`` ↔ a ``"PyTorchTensor"`` blob (flytekit's ``"PyTorch Tensor"``)."""

    PYTORCH_FORMAT = PYTORCH_TENSOR_FORMAT
    EXPECTED = "(a torch.Tensor)"

    def __init__(self) -> None:
        import torch

        super().__init__("PyTorch Tensor", torch.Tensor)


class PyTorchModuleTransformer(TorchBlobTransformer):
    """``torch.nn.Module`` ↔ a ``"PyTorchModule"`` blob (flytekit's ``"PyTorch Module"``).

    The whole module is pickled (``torch.save(module)``) and read back with
    ``weights_only=False``: only for modules from a source you trust.
    """

    PYTORCH_FORMAT = PYTORCH_MODULE_FORMAT
    WEIGHTS_ONLY = False
    EXPECTED = "(a torch.nn.Module)"

    def __init__(self) -> None:
        import torch

        super().__init__("PyTorch Module", torch.nn.Module)
