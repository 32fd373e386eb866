"""``flytekit.types.structured.structured_dataset``'s names, on taskplug's tables.

``StructuredDataset`` is taskplug's (:mod:`taskplug.types.tables`); the extension API
(:class:`StructuredDatasetEncoder`, :class:`StructuredDatasetDecoder`,
:class:`StructuredDatasetTransformerEngine`) is :mod:`taskplug.types.tables.handlers`;
``StructuredDatasetType`` and ``StructuredDatasetMetadata`` are the flytekit models of
:mod:`taskplug.models`.
"""

from __future__ import annotations

import collections
import typing
from typing import Any

from taskplug.models.literals import StructuredDatasetMetadata
from taskplug.models.types import StructuredDatasetType
from taskplug.types.tables.columns import flatten_columns, parse_table_annotation
from taskplug.types.tables.dataset import PARQUET, StructuredDataset
from taskplug.types.tables.formats import CSV
from taskplug.types.tables.handlers import (
    GENERIC_FORMAT,
    GENERIC_PROTOCOL,
    DuplicateHandlerError,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
)

__all__ = [
    "CSV",
    "GENERIC_FORMAT",
    "GENERIC_PROTOCOL",
    "PARQUET",
    "DuplicateHandlerError",
    "StructuredDataset",
    "StructuredDatasetDecoder",
    "StructuredDatasetEncoder",
    "StructuredDatasetFormat",
    "StructuredDatasetMetadata",
    "StructuredDatasetTransformerEngine",
    "StructuredDatasetType",
    "extract_cols_and_format",
    "flatten_dict",
]

#: A storage format is a string (flytekit's alias).
StructuredDatasetFormat = str


def flatten_dict(sub_dict: dict[str, Any], parent_key: str = "") -> dict[str, Any]:
    """Nested column dicts and dataclasses as dotted column names (flytekit's helper)."""
    return dict(flatten_columns(sub_dict, parent_key))


def extract_cols_and_format(
    t: Any,
) -> tuple[Any, collections.OrderedDict[str, Any] | None, str | None, Any]:
    """``Annotated[T, columns, "format", arrow_schema]`` → ``(T, columns, format, schema)``."""
    ann = parse_table_annotation(t)
    if typing.get_origin(t) is not typing.Annotated:
        return t, None, "", None
    return ann.base, ann.columns, ann.format, ann.arrow_schema
