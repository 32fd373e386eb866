"""``taskplug.types.directory``: ``FlyteDirectory`` and its format aliases, as in
``flytekit.types.directory``. See :mod:`taskplug.types.directory.types` for the behaviour."""

from __future__ import annotations

import typing

from taskplug.types.directory.types import FlyteDirectory

__all__ = ["FlyteDirectory", "TFRecordsDirectory", "TensorboardLogs"]

tensorboard = typing.TypeVar("tensorboard")
#: A folder of TensorBoard logs (blob format ``tensorboard``).
TensorboardLogs = FlyteDirectory.__class_getitem__(tensorboard)
tfrecords_dir = typing.TypeVar("tfrecords_dir")
#: A folder of TFRecord files (blob format ``tfrecords_dir``).
TFRecordsDirectory = FlyteDirectory.__class_getitem__(tfrecords_dir)
