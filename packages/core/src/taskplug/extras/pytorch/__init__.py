"""flytekit's ``flytekit.extras.pytorch`` path: PyTorch values as task inputs and outputs.

* ``torch.Tensor`` and ``torch.nn.Module`` (and their subclasses) need no import from here:
  their transformers are registered lazily by the core and built the first time a task
  declares one (see :mod:`taskplug.extras.pytorch.native`).
* :class:`PyTorchCheckpoint` (a module's and optimizer's state, hyperparameters) is defined
  here (see :mod:`taskplug.extras.pytorch.checkpoint`).

Importing this package does not import torch: that happens when a torch type is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskplug.extras.pytorch.checkpoint import PyTorchCheckpoint as PyTorchCheckpoint
    from taskplug.extras.pytorch.checkpoint import (
        PyTorchCheckpointTransformer as PyTorchCheckpointTransformer,
    )
    from taskplug.extras.pytorch.native import (
        PyTorchModuleTransformer as PyTorchModuleTransformer,
    )
    from taskplug.extras.pytorch.native import (
        PyTorchTensorTransformer as PyTorchTensorTransformer,
    )

_EXPORTS = {
    "PyTorchCheckpoint": "checkpoint",
    "PyTorchCheckpointTransformer": "checkpoint",
    "PyTorchModuleTransformer": "native",
    "PyTorchTensorTransformer": "native",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
