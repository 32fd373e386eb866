"""TensorFlow types (flytekit's ``flytekit.extras.tensorflow``): ``tf.keras.Model``,
``tf.Tensor``, ``TFRecordFile`` / ``TFRecordsDirectory`` (with ``TFRecordDatasetConfig``) as
task inputs and outputs; tensorflow imported only when used.

tensorflow is an optional extra (large, slow to import): the tests of this module that need it
take the ``tf`` fixture and are skipped, with the reason, where it is not installed; the
import-lightness and registry tests run everywhere.
"""

import gzip
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug import task, workflow
from taskplug.errors import LiteralDecodeError, TypeTransformerFailedError
from taskplug.extras.tensorflow import TFRecordDatasetConfig
from taskplug.types import TypeEngine
from taskplug.types.directory import TFRecordsDirectory
from taskplug.types.engine import TypeTransformer
from taskplug.types.file import TFRecordFile
from taskplug.types.transformer import TypeTransformerRegistry

REASON = "tensorflow is an optional extra (taskplug[tensorflow]); not installed here"


def test_importing_taskplug_and_the_tensorflow_extra_does_not_import_tensorflow() -> None:
    code = (
        "import sys, typing, taskplug, taskplug.extras, taskplug.extras.tensorflow\n"
        "from taskplug.extras.tensorflow import *\n"
        "from taskplug.extras.tensorflow import TFRecordDatasetConfig\n"
        "from taskplug.extras.tensorflow.record import TFRecordDatasetConfig as C\n"
        "import taskplug.extras.tensorflow.model, taskplug.extras.tensorflow.tensor\n"
        "from taskplug import task\n"
        "from taskplug.types import TypeEngine\n"
        "from taskplug.types.file import TFRecordFile\n"
        "from taskplug.types.directory import TFRecordsDirectory\n"
        "@task\n"
        "def f(x: typing.Annotated[TFRecordFile, C(buffer_size=8)], d: TFRecordsDirectory)"
        " -> int:\n"
        "    return 1\n"
        "print(TypeEngine.to_literal_type(TFRecordFile).blob.format)\n"
        "print(TypeEngine.to_literal_type(TFRecordsDirectory).blob.format)\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # without tensorflow imported they are plain file and folder types, as in flytekit
    assert out.stdout.split("\n")[:3] == ["tfrecord", "tfrecords_dir", "False False"]


class Base:
    pass


class Lazy(Base):
    pass


class _Named(TypeTransformer[Any]):
    pass


def test_a_lazily_registered_class_counts_where_it_is_in_the_mro() -> None:
    registry = TypeTransformerRegistry()
    base = _Named("base", Base)
    lazy = _Named("lazy", Lazy)
    registry.register(base)
    registry.register_lazy(__name__, "Lazy", lambda: lazy)
    sub = type("Sub", (Lazy,), {})
    assert registry.get(Base) is base
    assert registry.get(sub) is lazy  # nearer than Base's, though Base's is registered
    assert registry.get(Lazy) is lazy


# -- with tensorflow ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tf() -> Any:
    return pytest.importorskip("tensorflow", reason=REASON)


def _blob(lit: literals_pb2.Literal) -> literals_pb2.Blob:
    assert lit.scalar.WhichOneof("value") == "blob"
    return lit.scalar.blob


def _model(tf: Any, seed: int = 1) -> Any:
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _example(tf: Any, i: int) -> Any:
    feature = tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))
    return tf.train.Example(features=tf.train.Features(feature={"i": feature}))


def _values(tf: Any, dataset: Any) -> list[int]:
    return [
        tf.train.Example.FromString(raw.numpy()).features.feature["i"].int64_list.value[0]
        for raw in dataset
    ]


def _fresh(t: Any) -> Any:
    """``t`` in a new ``Annotated`` (a converter of its own: the cache may hold one built
    before tensorflow was imported, a plain file's)."""
    return Annotated[t, "fresh"]


# -- tf.keras.Model -------------------------------------------------------------------------------


def test_keras_models_travel_as_keras_files(tf: Any) -> None:
    lt = TypeEngine.to_literal_type(tf.keras.Model)
    assert lt.blob.format == "TensorFlowModel"
    assert lt.blob.dimensionality == types_pb2.BlobType.SINGLE
    model = _model(tf)
    lit = TypeEngine.to_literal(model, tf.keras.Model)
    blob = _blob(lit)
    assert blob.metadata.type.format == "TensorFlowModel"
    assert blob.uri.endswith(".keras") and os.path.isfile(blob.uri)
    direct = tf.keras.models.load_model(blob.uri)  # the file Keras itself reads
    back = TypeEngine.to_python_value(lit, tf.keras.Model)
    x = tf.constant([[1.0, 2.0, 3.0]])
    for read in (direct, back):
        assert isinstance(read, tf.keras.Sequential)
        assert [w.tolist() for w in read.get_weights()] == [w.tolist() for w in model.get_weights()]
        assert read(x).numpy().tolist() == model(x).numpy().tolist()


def test_a_model_file_without_the_keras_suffix_is_read(tf: Any, tmp_path: Path) -> None:
    lit = TypeEngine.to_literal(_model(tf), tf.keras.Model)
    renamed = tmp_path / "model"
    os.replace(_blob(lit).uri, renamed)
    lit.scalar.blob.uri = str(renamed)
    assert isinstance(TypeEngine.to_python_value(lit, tf.keras.Model), tf.keras.Model)


def test_models_of_a_declared_subclass_and_bad_values(tf: Any, tmp_path: Path) -> None:
    lit = TypeEngine.to_literal(_model(tf), tf.keras.Sequential)
    assert isinstance(TypeEngine.to_python_value(lit, tf.keras.Sequential), tf.keras.Sequential)
    with pytest.raises(TypeTransformerFailedError, match="a tf.keras.Model"):
        TypeEngine.to_literal([1, 2], tf.keras.Model)
    not_keras = tmp_path / "x.keras"
    not_keras.write_bytes(b"not a zip")
    lit.scalar.blob.uri = str(not_keras)
    with pytest.raises(LiteralDecodeError, match="is not a Keras model file"):
        TypeEngine.to_python_value(lit, tf.keras.Model)
    lit.scalar.blob.uri = str(tmp_path / "missing.keras")
    with pytest.raises(LiteralDecodeError, match="missing.keras"):
        TypeEngine.to_python_value(lit, tf.keras.Model)


# -- tf.Tensor --------------------------------------------------------------------------------------


def test_tensors_travel_pickled_as_flytekit_sends_them(tf: Any) -> None:
    lt = TypeEngine.to_literal_type(tf.Tensor)
    assert lt.blob.format == "PythonPickle"
    assert lt.metadata["python_class_name"] == str(tf.Tensor)
    value = tf.constant([[1.5, -2.0], [0.0, 4.0]])
    lit = TypeEngine.to_literal(value, tf.Tensor)
    assert _blob(lit).metadata.type.format == "PythonPickle"
    back = TypeEngine.to_python_value(lit, tf.Tensor)
    assert back.dtype == tf.float32 and back.numpy().tolist() == value.numpy().tolist()
    with pytest.raises(TypeTransformerFailedError, match="a tf.Tensor"):
        TypeEngine.to_literal([1.0], tf.Tensor)


# -- TFRecordFile / TFRecordsDirectory ---------------------------------------------------------------


def test_an_example_is_written_as_a_one_record_file(tf: Any) -> None:
    t = _fresh(TFRecordFile)
    lt = TypeEngine.to_literal_type(t)
    assert (lt.blob.format, lt.blob.dimensionality) == ("TensorFlowRecord", 0)
    lit = TypeEngine.to_literal(_example(tf, 7), t)
    blob = _blob(lit)
    assert blob.metadata.type.format == "TensorFlowRecord"
    assert blob.metadata.type.dimensionality == types_pb2.BlobType.SINGLE
    assert _values(tf, tf.data.TFRecordDataset([blob.uri])) == [7]
    dataset = TypeEngine.to_python_value(lit, t)
    assert isinstance(dataset, tf.data.TFRecordDataset)
    assert _values(tf, dataset) == [7]


def test_a_written_file_is_sent_as_it_is_and_read_with_the_config(tf: Any, tmp_path: Path) -> None:
    path = tmp_path / "records.tfrecord.gz"
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    with tf.io.TFRecordWriter(str(path), options) as writer:
        for i in range(3):
            writer.write(_example(tf, i).SerializeToString())
    assert gzip.decompress(path.read_bytes())  # really compressed
    t = Annotated[TFRecordFile, TFRecordDatasetConfig(compression_type="GZIP", buffer_size=64)]
    lit = TypeEngine.to_literal(str(path), t)
    assert _blob(lit).uri == str(path)
    assert _blob(lit).metadata.type.format == "TensorFlowRecord"
    assert _values(tf, TypeEngine.to_python_value(lit, t)) == [0, 1, 2]
    with pytest.raises(TypeTransformerFailedError, match="a tf.train.Example"):
        TypeEngine.to_literal(42, t)
    lit.scalar.blob.uri = str(tmp_path / "missing.tfrecord")
    with pytest.raises(LiteralDecodeError, match="no TFRecord file"):
        TypeEngine.to_python_value(lit, t)


def test_a_list_of_examples_is_written_as_a_folder_of_part_files(tf: Any) -> None:
    t = _fresh(TFRecordsDirectory)
    lt = TypeEngine.to_literal_type(t)
    assert (lt.blob.format, lt.blob.dimensionality) == (
        "TensorFlowRecord",
        types_pb2.BlobType.MULTIPART,
    )
    lit = TypeEngine.to_literal([_example(tf, i) for i in (4, 5, 6)], t)
    uri = _blob(lit).uri
    assert sorted(os.listdir(uri)) == ["part_0.tfrecord", "part_1.tfrecord", "part_2.tfrecord"]
    assert _values(tf, tf.data.TFRecordDataset([os.path.join(uri, "part_1.tfrecord")])) == [5]
    dataset = TypeEngine.to_python_value(lit, t)
    assert isinstance(dataset, tf.data.TFRecordDataset)
    assert _values(tf, dataset) == [4, 5, 6]
    with pytest.raises(TypeTransformerFailedError, match="holding a int"):
        TypeEngine.to_literal([_example(tf, 1), 2], t)
    with pytest.raises(TypeTransformerFailedError, match="a list of tf.train.Example"):
        TypeEngine.to_literal(3, t)


def test_tasks_and_workflows_pass_tensorflow_values(tf: Any) -> None:
    @task
    def records(n: int) -> TFRecordsDirectory:
        return [_example(tf, i) for i in range(n)]

    @task
    def one(i: int) -> TFRecordFile:
        return _example(tf, i)

    @task
    def total(
        d: TFRecordsDirectory, f: Annotated[TFRecordFile, TFRecordDatasetConfig(name="one")]
    ) -> int:
        return sum(_values(tf, d)) + sum(_values(tf, f))

    @task
    def build() -> tf.keras.Model:
        return _model(tf, seed=3)

    @task
    def ones(n: int) -> tf.Tensor:
        return tf.ones((n, 3))

    @task
    def predict(model: tf.keras.Model, x: tf.Tensor) -> typing.List[float]:
        return [float(v) for v in tf.reduce_sum(model(x), axis=1).numpy()]

    @workflow
    def wf(n: int) -> typing.Tuple[int, typing.List[float]]:
        return total(d=records(n=n), f=one(i=10)), predict(model=build(), x=ones(n=n))

    count, predictions = wf(n=4)
    assert count == 0 + 1 + 2 + 3 + 10
    x = tf.ones((4, 3))
    expected = tf.reduce_sum(_model(tf, seed=3)(x), axis=1).numpy().tolist()
    assert predictions == pytest.approx(expected)
