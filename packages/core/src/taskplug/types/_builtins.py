"""The built-in transformers and their registration (imported on the first lookup)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from taskplug.types.containers import DICT, LIST, UNION
from taskplug.types.enums import ENUM, LITERAL
from taskplug.types.files import DIRECTORY, FILE
from taskplug.types.pickle import PICKLE
from taskplug.types.primitives import PRIMITIVE_TRANSFORMERS
from taskplug.types.records import DATACLASS, PydanticTransformer

if TYPE_CHECKING:
    from taskplug.types.engine import TypeTransformer, TypeTransformerRegistry

__all__ = ["DATACLASS", "LITERAL", "PICKLE", "UNION", "pydantic_transformer", "register_builtins"]


def register_builtins(registry: TypeTransformerRegistry) -> None:
    """Register the transformers of the built-in types (by class; MRO lookups find them)."""
    from taskplug.types.error.error import ERROR
    from taskplug.types.iterator.iterator import ITERATOR

    for tr in [*PRIMITIVE_TRANSFORMERS, LIST, DICT, ENUM, FILE, DIRECTORY, ERROR, ITERATOR]:
        registry.register(tr)
    from taskplug.types.tables import register_table_transformers  # tables (lazy pandas/arrow)

    register_table_transformers(registry)
    registry.register_lazy("numpy", "ndarray", _numpy_transformer)
    # torch (flytekit's extras.pytorch): built when a task first declares a torch type
    registry.register_lazy("torch", "Tensor", _torch_transformer("PyTorchTensorTransformer"))
    registry.register_lazy("torch.nn", "Module", _torch_transformer("PyTorchModuleTransformer"))
    registry.register_lazy(
        "taskplug.extras.pytorch.checkpoint",
        "PyTorchCheckpoint",
        _torch_transformer("PyTorchCheckpointTransformer"),
    )
    # tensorflow (flytekit's extras.tensorflow): Keras models and tensors built when a task
    # first declares one; TFRecordFile / TFRecordsDirectory are plain files until tensorflow
    # is imported, TFRecord blobs after (their transformers do not import it)
    registry.register_lazy("keras", "Model", _tensorflow_transformer("TensorFlowModelTransformer"))
    registry.register_lazy(
        "tensorflow", "Tensor", _tensorflow_transformer("TensorFlowTensorTransformer")
    )
    registry.register_lazy(
        "taskplug.types.file",
        "TFRecordFile",
        _tensorflow_transformer("TensorFlowRecordFileTransformer"),
    )
    registry.register_lazy(
        "taskplug.types.directory",
        "TFRecordsDirectory",
        _tensorflow_transformer("TensorFlowRecordsDirTransformer"),
    )


def _numpy_transformer() -> TypeTransformer[Any]:
    from taskplug.types.numpy.ndarray import numpy_transformer

    return numpy_transformer()


def _torch_transformer(name: str) -> Callable[[], TypeTransformer[Any]]:
    """A factory of ``taskplug.extras.pytorch``'s transformer ``name`` (imports torch)."""

    def build() -> TypeTransformer[Any]:
        from taskplug.extras import pytorch

        cls: Callable[[], TypeTransformer[Any]] = getattr(pytorch, name)
        return cls()

    return build


def _tensorflow_transformer(name: str) -> Callable[[], TypeTransformer[Any]]:
    """A factory of ``taskplug.extras.tensorflow``'s transformer ``name`` (the Keras model's
    and tensor's import tensorflow; the TFRecord ones do not)."""

    def build() -> TypeTransformer[Any]:
        from taskplug.extras import tensorflow

        cls: Callable[[], TypeTransformer[Any]] = getattr(tensorflow, name)
        return cls()

    return build


@functools.cache
def pydantic_transformer() -> TypeTransformer[Any]:
    """The pydantic transformer (called only once pydantic is imported by the user)."""
    return PydanticTransformer(sys.modules["pydantic"].BaseModel)
