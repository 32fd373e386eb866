"""flytekit's ``flytekit.types.schema`` path: :class:`FlyteSchema`, the legacy table type.

``FlyteSchema[kwtypes(a=int)]`` declares a table with columns, stored as parquet and sent as a
schema literal (see :mod:`taskplug.types.tables`, where it is implemented). Prefer
``StructuredDataset`` (:mod:`taskplug.types.structured`) in new code.
"""

from __future__ import annotations

from taskplug.types.schema.types import FlyteSchema, SchemaFormat, SchemaOpenMode

__all__ = ["FlyteSchema", "SchemaFormat", "SchemaOpenMode"]
