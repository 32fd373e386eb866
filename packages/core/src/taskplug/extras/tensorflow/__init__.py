"""flytekit's ``flytekit.extras.tensorflow`` path: TensorFlow values as task inputs and outputs.

* ``tf.keras.Model`` (and subclasses) need no import from here: its transformer is registered
  lazily by the core and built the first time a task declares one
  (see :mod:`taskplug.extras.tensorflow.model`); so is ``tf.Tensor``'s
  (see :mod:`taskplug.extras.tensorflow.tensor`).
* ``TFRecordFile`` / ``TFRecordsDirectory`` (from ``taskplug.types.file`` /
  ``taskplug.types.directory``) become TFRecord blobs read as a ``tf.data.TFRecordDataset``
  once tensorflow is imported, configured by ``Annotated[TFRecordFile,
  TFRecordDatasetConfig(...)]`` (see :mod:`taskplug.extras.tensorflow.record`).

Importing this package (or its modules) does not import tensorflow: that happens when a
TensorFlow type is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskplug.extras.tensorflow.model import (
        TensorFlowModelTransformer as TensorFlowModelTransformer,
    )
    from taskplug.extras.tensorflow.record import (
        TensorFlowRecordFileTransformer as TensorFlowRecordFileTransformer,
    )
    from taskplug.extras.tensorflow.record import (
        TensorFlowRecordsDirTransformer as TensorFlowRecordsDirTransformer,
    )
    from taskplug.extras.tensorflow.record import TFRecordDatasetConfig as TFRecordDatasetConfig
    from taskplug.extras.tensorflow.tensor import (
        TensorFlowTensorTransformer as TensorFlowTensorTransformer,
    )

_EXPORTS = {
    "TFRecordDatasetConfig": "record",
    "TensorFlowModelTransformer": "model",
    "TensorFlowRecordFileTransformer": "record",
    "TensorFlowRecordsDirTransformer": "record",
    "TensorFlowTensorTransformer": "tensor",
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
