"""``tf.keras.Model`` ↔ a ``"TensorFlowModel"`` blob holding a ``.keras`` file, as flytekit's
``TensorFlowModelTransformer`` sends it.

The literal type is a ``SINGLE`` blob of format ``"TensorFlowModel"``; the file is
``tf.keras.models.save_model(model, "….keras")`` (the Keras zip format: architecture, weights,
compile state) where new tables go (:func:`taskplug.types.blobfile.write_new_path`). Reading is
``tf.keras.models.load_model`` with Keras's defaults (``safe_mode=True``: a ``Lambda`` layer's
pickled code is refused), as in flytekit. A model of a custom subclass reads back only where
its class is registered with Keras (``keras.saving.register_keras_serializable``).

tensorflow is imported when the transformer is built (the first time a task declares a Keras
model), never by importing this module.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.types.blobfile import local_path, write_new_path
from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, decode_error, fail

__all__ = ["TENSORFLOW_MODEL_FORMAT", "TensorFlowModelTransformer"]

TENSORFLOW_MODEL_FORMAT = "TensorFlowModel"


def _keras_path(uri: str) -> str:
    """A local path to the file at ``uri`` whose name ends in ``.keras`` (Keras needs it)."""
    path = local_path(uri, suffix=".keras")
    if path.endswith(".keras"):
        return path
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {uri}")
    link = os.path.join(tempfile.mkdtemp(prefix="taskplug-keras-"), "model.keras")
    os.symlink(os.path.abspath(path), link)
    return link


class TensorFlowModelTransformer(TypeTransformer[Any]):
    """``tf.keras.Model`` ↔ a ``"TensorFlowModel"`` blob (flytekit's ``"TensorFlow Model"``)."""

    TENSORFLOW_FORMAT = TENSORFLOW_MODEL_FORMAT

    def __init__(self) -> None:
        import tensorflow as tf

        super().__init__("TensorFlow Model", tf.keras.Model)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        import tensorflow as tf

        expected = t if isinstance(t, type) else self.python_type
        lt = types_pb2.LiteralType()
        lt.blob.format = TENSORFLOW_MODEL_FORMAT
        lt.blob.dimensionality = types_pb2.BlobType.SINGLE

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if not isinstance(value, expected):
                raise fail(t, value, "(a tf.keras.Model)")
            blob = msg.scalar.blob
            blob.metadata.type.format = TENSORFLOW_MODEL_FORMAT
            blob.metadata.type.dimensionality = types_pb2.BlobType.SINGLE
            blob.uri = write_new_path(
                suffix=".keras", write=lambda path: tf.keras.models.save_model(value, path)
            )

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") != "scalar" or lit.scalar.WhichOneof("value") != "blob":
                raise decode_error(t, lit, f"expected a blob holding a {TENSORFLOW_MODEL_FORMAT}")
            uri = lit.scalar.blob.uri
            if not uri:
                raise decode_error(t, lit, "the blob has no uri")
            try:
                model = tf.keras.models.load_model(_keras_path(uri))
            except (OSError, ValueError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise decode_error(t, lit, f"{uri} is not a Keras model file: {first}") from exc
            if not isinstance(model, expected):
                raise decode_error(t, lit, f"the file holds a {type(model).__name__}")
            return model

        return Converter(t, lt, fill, read, name=self.name)
