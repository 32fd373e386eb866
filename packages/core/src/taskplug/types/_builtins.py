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


@functools.cache
def pydantic_transformer() -> TypeTransformer[Any]:
    """The pydantic transformer (called only once pydantic is imported by the user)."""
    return PydanticTransformer(sys.modules["pydantic"].BaseModel)
