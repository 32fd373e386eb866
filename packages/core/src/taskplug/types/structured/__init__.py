"""flytekit's ``flytekit.types.structured`` path: :class:`StructuredDataset` and its formats.

Tables are implemented in :mod:`taskplug.types.tables` (Arrow first, parquet on storage); this
package gives them the module paths flytekit code imports them from.
"""

from __future__ import annotations

from taskplug.types.structured.structured_dataset import (
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    StructuredDataset,
)

__all__ = ["CSV", "GENERIC_FORMAT", "PARQUET", "StructuredDataset"]
