"""``flytekit.types.structured.structured_dataset``'s names, on taskplug's tables."""

from __future__ import annotations

from taskplug.types.tables.dataset import PARQUET, StructuredDataset

__all__ = ["CSV", "GENERIC_FORMAT", "PARQUET", "StructuredDataset", "StructuredDatasetFormat"]

#: A storage format is a string (flytekit's alias).
StructuredDatasetFormat = str
#: The storage format of comma-separated text tables.
CSV: StructuredDatasetFormat = "csv"
#: No format declared: the dataframe type's default (parquet).
GENERIC_FORMAT: StructuredDatasetFormat = ""
