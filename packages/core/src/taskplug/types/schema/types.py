"""``flytekit.types.schema.types``'s names: :class:`FlyteSchema` and its small enums."""

from __future__ import annotations

import enum

from taskplug.types.tables.dataset import FlyteSchema

__all__ = ["FlyteSchema", "SchemaFormat", "SchemaOpenMode"]


class SchemaFormat(enum.Enum):
    """The storage formats of a :class:`FlyteSchema` (taskplug writes parquet only)."""

    PARQUET = "parquet"


class SchemaOpenMode(enum.Enum):
    """How a :class:`FlyteSchema` is opened (flytekit's names)."""

    READ = "r"
    WRITE = "w"
