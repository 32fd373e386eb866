"""``tf.Tensor`` as a task input or output: flytekit has no transformer for it and pickles it
(its ``FlytePickle`` fallback), so taskplug sends it the same way, declared, without
``pickle_untyped``: a ``"PythonPickle"`` blob of the cloudpickled tensor (an eager tensor
pickles as its values, dtype and shape). Reading unpickles: only for data you trust, as with
any pickle.

tensorflow is imported when the transformer is built (the first time a task declares a
``tf.Tensor``), never by importing this module.
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import literals_pb2

from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, fail
from taskplug.types.pickle import PICKLE

__all__ = ["TensorFlowTensorTransformer"]


class TensorFlowTensorTransformer(TypeTransformer[Any]):
    """``tf.Tensor`` ↔ a pickled blob, flytekit's wire form for it (``"PythonPickle"``)."""

    def __init__(self) -> None:
        import tensorflow as tf

        super().__init__("TensorFlow Tensor", tf.Tensor)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        pickled = PICKLE.converter(t, engine, True)
        expected = t if isinstance(t, type) else self.python_type

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if not isinstance(value, expected):
                raise fail(t, value, "(a tf.Tensor)")
            pickled.raw_fill(msg, value)

        # named as flytekit names it (the tag of a union variant)
        return Converter(t, pickled.literal_type, fill, pickled.raw_read, name=pickled.name)
