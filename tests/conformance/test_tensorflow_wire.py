"""TensorFlow types against flytekit 1.16's ``flytekit.extras.tensorflow``: the same literal
types (blob formats, dimensionality), the same file contents, and each side reads the other's
literals — Keras models, tensors, TFRecord files and folders.

Runs only where flytekit and tensorflow are installed (tensorflow is an optional extra; the
conformance env does not install it).
"""

import os
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest

pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")
tf = pytest.importorskip(
    "tensorflow",
    reason="tensorflow is an optional extra (taskplug[tensorflow]); not installed here",
)

from fk_engine import fk_ctx, fk_literal, fk_value  # noqa: E402
from flyteidl.core import literals_pb2  # noqa: E402
from flytekit.core.type_engine import TypeEngine as FkEngine  # noqa: E402
from flytekit.extras.tensorflow.record import (  # noqa: E402
    TFRecordDatasetConfig as FkConfig,
)
from flytekit.types.directory import TFRecordsDirectory as FkDir  # noqa: E402
from flytekit.types.file import TFRecordFile as FkFile  # noqa: E402

from taskplug.extras.tensorflow import TFRecordDatasetConfig  # noqa: E402
from taskplug.types import TypeEngine  # noqa: E402
from taskplug.types.directory import TFRecordsDirectory  # noqa: E402
from taskplug.types.file import TFRecordFile  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]

# a converter of their own: one built before tensorflow was imported is a plain file's
File = Annotated[TFRecordFile, TFRecordDatasetConfig()]
Dir = Annotated[TFRecordsDirectory, TFRecordDatasetConfig()]


@pytest.fixture(scope="module")
def ctx() -> Any:
    return fk_ctx()


def _metadata(lit: literals_pb2.Literal) -> bytes:
    """The literal without its uri (the file names are random on both sides)."""
    copy = literals_pb2.Literal()
    copy.CopyFrom(lit)
    copy.scalar.blob.uri = ""
    return copy.SerializeToString(deterministic=True)


def _local(lit: literals_pb2.Literal) -> str:
    uri = lit.scalar.blob.uri
    return uri[len("file://") :] if uri.startswith("file://") else uri


def _example(i: int) -> Any:
    feature = tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))
    return tf.train.Example(features=tf.train.Features(feature={"i": feature}))


def _values(dataset: Any) -> typing.List[int]:
    return [
        tf.train.Example.FromString(raw.numpy()).features.feature["i"].int64_list.value[0]
        for raw in dataset
    ]


def _model() -> Any:
    tf.keras.utils.set_random_seed(2)
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize(
    ("tp_t", "fk_t"),
    [
        (tf.keras.Model, tf.keras.Model),
        (tf.keras.Sequential, tf.keras.Sequential),
        (tf.Tensor, tf.Tensor),
        (File, FkFile),
        (Dir, FkDir),
        (
            Annotated[TFRecordFile, TFRecordDatasetConfig("GZIP")],
            Annotated[FkFile, FkConfig("GZIP")],
        ),
    ],
    ids=["model", "model-subclass", "tensor", "file", "dir", "file-annotated"],
)
def test_literal_types_match(tp_t: Any, fk_t: Any) -> None:
    assert TypeEngine.to_literal_type(tp_t) == FkEngine.to_literal_type(fk_t).to_flyte_idl()


def test_models_read_by_each_side(ctx: Any) -> None:
    model = _model()
    ours = TypeEngine.to_literal(model, tf.keras.Model)
    theirs = fk_literal(ctx, model, tf.keras.Model)
    assert _metadata(ours) == _metadata(theirs)
    x = tf.constant([[1.0, 0.5, -1.0, 2.0]])
    for read in (
        fk_value(ctx, ours, tf.keras.Model),
        TypeEngine.to_python_value(theirs, tf.keras.Model),
    ):
        assert isinstance(read, tf.keras.Sequential)
        assert read(x).numpy().tolist() == model(x).numpy().tolist()


def test_tensors_read_by_each_side(ctx: Any) -> None:
    value = tf.constant([[1, 2, 3], [4, 5, 6]], dtype=tf.int64)
    ours = TypeEngine.to_literal(value, tf.Tensor)
    theirs = fk_literal(ctx, value, tf.Tensor)
    assert _metadata(ours) == _metadata(theirs)
    for read in (fk_value(ctx, ours, tf.Tensor), TypeEngine.to_python_value(theirs, tf.Tensor)):
        assert read.dtype == tf.int64 and read.numpy().tolist() == value.numpy().tolist()


def test_record_files_are_the_same_bytes_and_read_by_each_side(ctx: Any) -> None:
    ours = TypeEngine.to_literal(_example(3), File)
    theirs = fk_literal(ctx, _example(3), FkFile)
    assert _metadata(ours) == _metadata(theirs)
    with open(_local(ours), "rb") as a, open(_local(theirs), "rb") as b:
        assert a.read() == b.read()
    assert _values(fk_value(ctx, ours, FkFile)) == [3]
    read = TypeEngine.to_python_value(theirs, File)
    assert isinstance(read, tf.data.TFRecordDataset) and _values(read) == [3]


def test_a_compressed_file_sent_by_path_is_read_by_flytekit_with_its_config(
    ctx: Any, tmp_path: Any
) -> None:
    path = str(tmp_path / "records.gz")
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for i in (1, 2):
            writer.write(_example(i).SerializeToString())
    t = Annotated[TFRecordFile, TFRecordDatasetConfig(compression_type="GZIP")]
    ours = TypeEngine.to_literal(path, t)
    fk_t = Annotated[FkFile, FkConfig(compression_type="GZIP")]
    assert _values(fk_value(ctx, ours, fk_t)) == [1, 2]
    assert _values(TypeEngine.to_python_value(ours, t)) == [1, 2]


def test_record_folders_are_the_same_files_and_read_by_each_side(ctx: Any) -> None:
    examples = [_example(i) for i in (7, 8, 9)]
    ours = TypeEngine.to_literal(examples, Dir)
    theirs = fk_literal(ctx, examples, FkDir)
    assert _metadata(ours) == _metadata(theirs)
    names = sorted(os.listdir(_local(ours)))
    assert names == sorted(os.listdir(_local(theirs))) == [f"part_{i}.tfrecord" for i in range(3)]
    for name in names:
        mine, flytekits = Path(_local(ours), name), Path(_local(theirs), name)
        assert mine.read_bytes() == flytekits.read_bytes()
    assert sorted(_values(fk_value(ctx, ours, FkDir))) == [7, 8, 9]
    read = TypeEngine.to_python_value(theirs, Dir)
    assert isinstance(read, tf.data.TFRecordDataset) and _values(read) == [7, 8, 9]
