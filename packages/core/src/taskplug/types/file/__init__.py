"""``taskplug.types.file``: ``FlyteFile`` and its format aliases, as in ``flytekit.types.file``.

``FlyteFile["csv"]``, ``FlyteFile[typing.TypeVar("csv")]`` and ``CSVFile`` are the same type
(blob format ``csv``). See :mod:`taskplug.types.file.file` for the behaviour.
"""

from __future__ import annotations

import typing
from typing import Annotated

from taskplug.types.file.file import FlyteFile

__all__ = [
    "CSVFile",
    "FileExt",
    "FlyteFile",
    "HDF5EncodedFile",
    "HTMLPage",
    "JPEGImageFile",
    "JSONLFile",
    "JoblibSerializedFile",
    "ONNXFile",
    "PDFFile",
    "PNGImageFile",
    "PythonNotebook",
    "PythonPickledFile",
    "SVGImageFile",
    "TFRecordFile",
]


class FileExt:
    """A file extension to annotate ``str`` with: ``FlyteFile[Annotated[str, FileExt("csv")]]``."""

    def __init__(self, ext: str) -> None:
        self._ext = ext

    def __str__(self) -> str:
        return self._ext

    def __repr__(self) -> str:
        return self._ext

    @staticmethod
    def check_and_convert_to_str(item: typing.Any) -> str:
        """The extension ``item`` names (a str, or ``Annotated[str, FileExt(...)]``)."""
        if typing.get_origin(item) is not Annotated:
            return str(item)
        base, *extra = typing.get_args(item)
        if base is str and extra:
            return str(extra[0])
        raise ValueError("the underlying type of a file extension must be str")


hdf5 = Annotated[str, FileExt("hdf5")]
HDF5EncodedFile = FlyteFile.__class_getitem__(hdf5)
html = Annotated[str, FileExt("html")]
HTMLPage = FlyteFile.__class_getitem__(html)
joblib = Annotated[str, FileExt("joblib")]
JoblibSerializedFile = FlyteFile.__class_getitem__(joblib)
jpeg = Annotated[str, FileExt("jpeg")]
JPEGImageFile = FlyteFile.__class_getitem__(jpeg)
pdf = Annotated[str, FileExt("pdf")]
PDFFile = FlyteFile.__class_getitem__(pdf)
png = Annotated[str, FileExt("png")]
PNGImageFile = FlyteFile.__class_getitem__(png)
python_pickle = Annotated[str, FileExt("python_pickle")]
PythonPickledFile = FlyteFile.__class_getitem__(python_pickle)
ipynb = Annotated[str, FileExt("ipynb")]
PythonNotebook = FlyteFile.__class_getitem__(ipynb)
svg = Annotated[str, FileExt("svg")]
SVGImageFile = FlyteFile.__class_getitem__(svg)
csv = Annotated[str, FileExt("csv")]
CSVFile = FlyteFile.__class_getitem__(csv)
onnx = Annotated[str, FileExt("onnx")]
ONNXFile = FlyteFile.__class_getitem__(onnx)
tfrecords_file = Annotated[str, FileExt("tfrecord")]
TFRecordFile = FlyteFile.__class_getitem__(tfrecords_file)
jsonl_file = Annotated[str, FileExt("jsonl")]
JSONLFile = FlyteFile.__class_getitem__(jsonl_file)
