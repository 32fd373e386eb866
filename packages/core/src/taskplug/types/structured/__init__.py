"""flytekit's ``flytekit.types.structured`` path: :class:`StructuredDataset` and the table
extension API (encoders, decoders, renderers; see :mod:`taskplug.types.tables.handlers`).

Tables are implemented in :mod:`taskplug.types.tables` (Arrow first; parquet and CSV built in);
this package gives them the module paths flytekit code imports them from.
"""

from __future__ import annotations

from taskplug.types.structured.structured_dataset import (
    CSV,
    GENERIC_FORMAT,
    PARQUET,
    DuplicateHandlerError,
    StructuredDataset,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
)

__all__ = [
    "CSV",
    "GENERIC_FORMAT",
    "PARQUET",
    "DuplicateHandlerError",
    "StructuredDataset",
    "StructuredDatasetDecoder",
    "StructuredDatasetEncoder",
    "StructuredDatasetTransformerEngine",
    "register_arrow_handlers",
    "register_csv_handlers",
    "register_pandas_handlers",
]


def register_csv_handlers() -> None:
    """flytekit's switch for CSV tables of pandas dataframes: taskplug reads and writes CSV
    (``Annotated[StructuredDataset, CSV]``) for every dataframe type already, so this does
    nothing; it is here so code written for flytekit runs unchanged."""


def register_pandas_handlers() -> None:
    """pandas tables are built in (parquet and CSV); nothing to register."""


def register_arrow_handlers() -> None:
    """pyarrow tables are built in (parquet and CSV); nothing to register."""
