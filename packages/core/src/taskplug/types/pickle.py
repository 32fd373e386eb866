"""The pickle fallback, only with ``allow_pickle=True``: flytekit's ``FlytePickle`` wire form.

The value is cloudpickled into a file (under the raw output prefix in a container run, under
the temp directory otherwise, named by the md5 of the bytes); the literal is a ``Blob`` of format
``"PythonPickle"`` pointing at it. The literal type carries ``python_class_name`` in its
metadata. cloudpickle (and fsspec, for remote stores) are imported on first use.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, decode_error, fail
from taskplug.types.files import SINGLE, is_remote

__all__ = ["PICKLE", "PYTHON_PICKLE_FORMAT"]

PYTHON_PICKLE_FORMAT = "PythonPickle"


def _write(data: bytes) -> str:
    from taskplug.context import current_execution

    name = hashlib.md5(data, usedforsecurity=False).hexdigest()
    state = current_execution()
    prefix = state.params.raw_output_prefix if state is not None else ""
    if state is not None and state.mode == "container" and prefix:
        import fsspec

        uri = f"{prefix.rstrip('/')}/{uuid.uuid4().hex}/{name}"
        with fsspec.open(uri, "wb") as fh:
            fh.write(data)
        return uri
    folder = os.path.join(tempfile.gettempdir(), "taskplug-pickles", uuid.uuid4().hex)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def _read(uri: str) -> bytes:
    if is_remote(uri):
        import fsspec

        with fsspec.open(uri, "rb") as fh:
            data: bytes = fh.read()
            return data
    with open(uri, "rb") as fh:
        return fh.read()


class _PickleTransformer(TypeTransformer[Any]):
    def __init__(self) -> None:
        super().__init__("FlytePickle", object)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        lt = types_pb2.LiteralType()
        lt.blob.format = PYTHON_PICKLE_FORMAT
        lt.metadata.update({"python_class_name": str(t)})

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if value is None:
                raise fail(t, value, "(None cannot be pickled)")
            import cloudpickle

            uri = _write(cloudpickle.dumps(value))
            blob = msg.scalar.blob
            blob.metadata.type.format = PYTHON_PICKLE_FORMAT
            blob.metadata.type.dimensionality = SINGLE
            blob.uri = uri

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "blob":
                blob = lit.scalar.blob
                if blob.metadata.type.format == PYTHON_PICKLE_FORMAT and blob.uri:
                    import cloudpickle

                    return cloudpickle.loads(_read(blob.uri))
            raise decode_error(t, lit)

        return Converter(t, lt, fill, read, name=self.name)


PICKLE = _PickleTransformer()
