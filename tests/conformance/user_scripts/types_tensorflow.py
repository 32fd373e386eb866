# user-script: needs=tensorflow
"""A Keras model built in one task, trained in another and used in a third, and TFRecord files
and folders (tf.train.Example values written by tasks, read back as tf.data.TFRecordDataset,
one of them through a TFRecordDatasetConfig annotation). (tf.Tensor values travel pickled on
flytekit, which logs a warning on stdout for them: tests/conformance/test_tensorflow_wire.py
covers them.)"""

import typing

import tensorflow as tf
from flytekit import task, workflow
from flytekit.extras.tensorflow.record import TFRecordDatasetConfig
from flytekit.types.directory import TFRecordsDirectory
from flytekit.types.file import TFRecordFile
from typing_extensions import Annotated


def example(label: int, score: float) -> tf.train.Example:
    feature = {
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[label])),
        "score": tf.train.Feature(float_list=tf.train.FloatList(value=[score])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


def parse(raw) -> str:
    features = tf.train.Example.FromString(raw.numpy()).features.feature
    label, score = features["label"].int64_list.value[0], features["score"].float_list.value[0]
    return f"{label}:{score:.3f}"


@task
def features(n: int) -> typing.List[typing.List[float]]:
    return [[i / 10, (i + 1) / 10] for i in range(0, n * 2, 2)]


@task
def build(units: int) -> tf.keras.Model:
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(units)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@task
def fit(model: tf.keras.Model, x: typing.List[typing.List[float]]) -> tf.keras.Model:
    x = tf.constant(x)
    model.fit(x, tf.reduce_sum(x, axis=1, keepdims=True), epochs=3, batch_size=2, verbose=0)
    return model


@task
def predict(model: tf.keras.Model, x: typing.List[typing.List[float]]) -> typing.List[str]:
    return [f"{v:.3f}" for v in model(tf.constant(x)).numpy().ravel()]


@workflow
def train(n: int) -> typing.List[str]:
    x = features(n=n)
    return predict(model=fit(model=build(units=1), x=x), x=x)


@task
def one_record(label: int) -> TFRecordFile:
    return example(label, label / 4)


@task
def records(n: int) -> TFRecordsDirectory:
    return [example(i, i * 1.5) for i in range(n)]


@task
def read_file(
    file: Annotated[TFRecordFile, TFRecordDatasetConfig(buffer_size=1024)],
) -> typing.List[str]:
    return [parse(raw) for raw in file]


@task
def read_dir(dir: TFRecordsDirectory) -> typing.List[str]:
    return sorted(parse(raw) for raw in dir)


@workflow
def tfrecords(label: int, n: int) -> typing.Tuple[typing.List[str], typing.List[str]]:
    return read_file(file=one_record(label=label)), read_dir(dir=records(n=n))


if __name__ == "__main__":
    print("predictions", train(n=4))
    print("records", tfrecords(label=3, n=3))
