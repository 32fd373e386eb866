"""TFRecord files and folders, as flytekit's ``TensorFlowRecordFileTransformer`` and
``TensorFlowRecordsDirTransformer`` send them.

``TFRecordFile`` (``taskplug.types.file``) and ``TFRecordsDirectory``
(``taskplug.types.directory``) are plain file and folder types (blob formats ``tfrecord`` and
``tfrecords_dir``) until tensorflow is imported; a task declared once it is (as flytekit
decides it) gets the TensorFlow forms:

* the literal type is a blob of format ``"TensorFlowRecord"``, ``SINGLE`` for a file,
  ``MULTIPART`` for a folder;
* a ``tf.train.Example`` (any protobuf message) returned as a ``TFRecordFile`` is written as a
  TFRecord file of that one record; a list (any iterable) of them returned as a
  ``TFRecordsDirectory`` as a folder of ``part_<i>.tfrecord`` files, one record each.
  A file or folder already written (a path, a ``FlyteFile`` / ``FlyteDirectory``) is sent as
  it is;
* an input is read as a ``tf.data.TFRecordDataset`` of the file (of the folder's files, in
  name order), configured by ``Annotated[TFRecordFile, TFRecordDatasetConfig(...)]``.

Importing this module does not import tensorflow.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
from collections.abc import Iterable
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import TypeTransformerFailedError
from taskplug.types.blobfile import local_dir, local_path, write_new_dir, write_new_path
from taskplug.types.engine import (
    Converter,
    TypeEngine,
    TypeTransformer,
    decode_error,
    fail,
    strip_annotated,
)
from taskplug.types.files import DIRECTORY, FILE, MULTIPART, SINGLE, Directory, File

__all__ = [
    "TENSORFLOW_RECORD_FORMAT",
    "TFRecordDatasetConfig",
    "TensorFlowRecordFileTransformer",
    "TensorFlowRecordsDirTransformer",
]

TENSORFLOW_RECORD_FORMAT = "TensorFlowRecord"


@dataclasses.dataclass
class TFRecordDatasetConfig:
    """How a TFRecord input is read: the arguments of ``tf.data.TFRecordDataset``.

    Declare it with ``Annotated[TFRecordFile, TFRecordDatasetConfig(compression_type="GZIP")]``.
    ``compression_type``: ``""`` or ``None`` (none), ``"ZLIB"`` or ``"GZIP"``; ``buffer_size``:
    bytes in the read buffer; ``num_parallel_reads``: files read in parallel (records then
    come interleaved); ``name``: the dataset operation's name.
    """

    compression_type: str | None = None
    buffer_size: int | None = None
    num_parallel_reads: int | None = None
    name: str | None = None


def dataset_config(t: Any) -> TFRecordDatasetConfig:
    """The :class:`TFRecordDatasetConfig` of ``Annotated[..., TFRecordDatasetConfig(...)]``."""
    while typing.get_origin(t) is typing.Annotated:
        for extra in t.__metadata__:
            if isinstance(extra, TFRecordDatasetConfig):
                return extra
        t = typing.get_args(t)[0]
    return TFRecordDatasetConfig()


def _dataset(filenames: list[str], config: TFRecordDatasetConfig) -> Any:
    import tensorflow as tf

    return tf.data.TFRecordDataset(
        filenames=filenames,
        compression_type=config.compression_type,
        buffer_size=config.buffer_size,
        num_parallel_reads=config.num_parallel_reads,
        name=config.name,
    )


def _is_record(value: Any) -> bool:
    from google.protobuf.message import Message

    return isinstance(value, Message)


def _write_records(path: str, records: Iterable[Any]) -> None:
    import tensorflow as tf

    with tf.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record.SerializeToString())


def _is_path(value: Any) -> bool:
    return isinstance(value, File | Directory | str | os.PathLike)


class _TFRecordTransformer(TypeTransformer[Any]):
    """Plain file / folder blobs without tensorflow, TFRecord blobs with it."""

    keeps_annotations = True
    DIMENSIONALITY: typing.ClassVar[int]
    TENSORFLOW_FORMAT = TENSORFLOW_RECORD_FORMAT

    def plain(self, cls: type, engine: type[TypeEngine]) -> Converter:
        """The converter of ``cls`` as a plain file or folder."""
        tr = DIRECTORY if self.DIMENSIONALITY == MULTIPART else FILE
        return tr.converter(cls, engine, False)

    def write(self, value: Any, t: Any) -> str:
        """Write ``value`` (records); returns the new blob's uri."""
        raise NotImplementedError

    def filenames(self, uri: str) -> list[str]:
        """The local files of the blob at ``uri``."""
        raise NotImplementedError

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        cls = strip_annotated(t)
        plain = self.plain(cls, engine)
        if "tensorflow" not in sys.modules:  # as flytekit: the TensorFlow form once imported
            return plain
        config = dataset_config(t)
        dim = self.DIMENSIONALITY
        lt = types_pb2.LiteralType()
        lt.blob.format = TENSORFLOW_RECORD_FORMAT
        lt.blob.dimensionality = dim

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if _is_path(value):
                plain.raw_fill(msg, value)
            else:
                msg.scalar.blob.uri = self.write(value, t)
            blob = msg.scalar.blob
            blob.metadata.type.format = TENSORFLOW_RECORD_FORMAT
            blob.metadata.type.dimensionality = dim

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "blob":
                blob = lit.scalar.blob
                if blob.uri and blob.metadata.type.dimensionality == dim:
                    try:
                        return _dataset(self.filenames(blob.uri), config)
                    except (FileNotFoundError, NotADirectoryError) as exc:
                        raise decode_error(t, lit, str(exc)) from exc
            raise decode_error(t, lit)

        return Converter(t, lt, fill, read, name=self.name)


class TensorFlowRecordFileTransformer(_TFRecordTransformer):
    """``TFRecordFile`` ↔ a ``"TensorFlowRecord"`` ``SINGLE`` blob (flytekit's
    ``"TensorFlow Record File"``): a ``tf.train.Example`` is written as a one-record file."""

    DIMENSIONALITY = SINGLE

    def __init__(self) -> None:
        from taskplug.types.file import TFRecordFile

        super().__init__("TensorFlow Record File", TFRecordFile)

    def write(self, value: Any, t: Any) -> str:
        if not _is_record(value):
            raise fail(t, value, "(a tf.train.Example, or a TFRecord file's path)")
        return write_new_path(suffix=".tfrecord", write=lambda path: _write_records(path, [value]))

    def filenames(self, uri: str) -> list[str]:
        path = local_path(uri, suffix=".tfrecord")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no TFRecord file at {uri}")
        return [path]


class TensorFlowRecordsDirTransformer(_TFRecordTransformer):
    """``TFRecordsDirectory`` ↔ a ``"TensorFlowRecord"`` ``MULTIPART`` blob (flytekit's
    ``"TensorFlow Record Directory"``): a list of ``tf.train.Example`` is written as a folder
    of ``part_<i>.tfrecord`` files, one record each."""

    DIMENSIONALITY = MULTIPART

    def __init__(self) -> None:
        from taskplug.types.directory import TFRecordsDirectory

        super().__init__("TensorFlow Record Directory", TFRecordsDirectory)

    def write(self, value: Any, t: Any) -> str:
        expected = "(a list of tf.train.Example, or a folder of TFRecord files)"
        if isinstance(value, bytes | dict) or not isinstance(value, Iterable):
            raise fail(t, value, expected)
        records = list(value)
        for record in records:
            if not _is_record(record):
                raise TypeTransformerFailedError(
                    f"expected a value of type {t} {expected}, got a list holding a "
                    f"{type(record).__name__}",
                    expected=t,
                    got=type(value),
                )

        def write(folder: str) -> None:
            for i, record in enumerate(records):
                _write_records(os.path.join(folder, f"part_{i}.tfrecord"), [record])

        return write_new_dir(write=write)

    def filenames(self, uri: str) -> list[str]:
        folder = local_dir(uri)
        if not os.path.isdir(folder):
            raise NotADirectoryError(f"no TFRecord folder at {uri}")
        return sorted(
            entry.path for entry in os.scandir(folder) if entry.is_file() and not _hidden(entry)
        )


def _hidden(entry: os.DirEntry[str]) -> bool:
    return entry.name.startswith(".")
