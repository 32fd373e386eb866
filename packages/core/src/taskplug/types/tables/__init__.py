"""Tables in the type engine: dataframes and ``StructuredDataset`` as task inputs and outputs.

::

    import pandas as pd
    from typing import Annotated
    from taskplug import task, kwtypes, StructuredDataset

    @task
    def top(df: Annotated[pd.DataFrame, kwtypes(name=str, score=float)], n: int) -> pd.DataFrame:
        return df.nlargest(n, "score")

``pandas.DataFrame``, ``pyarrow.Table`` and :class:`StructuredDataset` travel as flytekit's
structured dataset literals: parquet files under the raw output prefix (``<uri>/00000``), the
declared columns and the format (``"parquet"``) in the literal's metadata, so flytekit reads
what taskplug writes and the other way round. ``FlyteSchema[kwtypes(...)]`` (flytekit's older
schema literals) is accepted too. Other dataframe libraries plug in with a
:class:`DataFrameTransformer` (everything goes through Arrow).

Importing this package does not import pandas or pyarrow: their transformers are registered
lazily and built the first time a task declares one of their types.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskplug.types.engine import TypeTransformerRegistry as TypeTransformerRegistry
    from taskplug.types.tables.columns import kwtypes as kwtypes
    from taskplug.types.tables.conform import TableSchemaError as TableSchemaError
    from taskplug.types.tables.conform import column_problems as column_problems
    from taskplug.types.tables.conform import conform_batches as conform_batches
    from taskplug.types.tables.conform import conform_table as conform_table
    from taskplug.types.tables.dataset import FlyteSchema as FlyteSchema
    from taskplug.types.tables.dataset import StructuredDataset as StructuredDataset
    from taskplug.types.tables.handlers import (
        StructuredDatasetDecoder as StructuredDatasetDecoder,
    )
    from taskplug.types.tables.handlers import (
        StructuredDatasetEncoder as StructuredDatasetEncoder,
    )
    from taskplug.types.tables.handlers import (
        StructuredDatasetTransformerEngine as StructuredDatasetTransformerEngine,
    )
    from taskplug.types.tables.helpers import from_arrow as from_arrow
    from taskplug.types.tables.helpers import table_type_for as table_type_for
    from taskplug.types.tables.helpers import write_dataset as write_dataset
    from taskplug.types.tables.storage import local_run as local_run
    from taskplug.types.tables.transformers import DataFrameTransformer as DataFrameTransformer

_EXPORTS = {
    "DataFrameTransformer": "transformers",
    "StructuredDatasetDecoder": "handlers",
    "StructuredDatasetEncoder": "handlers",
    "StructuredDatasetTransformerEngine": "handlers",
    "FlyteSchema": "dataset",
    "StructuredDataset": "dataset",
    "TableSchemaError": "conform",
    "column_problems": "conform",
    "conform_table": "conform",
    "from_arrow": "helpers",
    "kwtypes": "columns",
    "local_run": "storage",
    "table_type_for": "helpers",
    "write_dataset": "helpers",
    "conform_batches": "conform",
}

__all__ = sorted([*_EXPORTS, "register_table_transformers"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def register_table_transformers(registry: TypeTransformerRegistry) -> None:
    """``StructuredDataset`` and ``FlyteSchema`` now; pandas and pyarrow lazily."""
    from taskplug.types.tables import transformers

    registry.register(transformers.STRUCTURED_DATASET)
    registry.register(transformers.FLYTE_SCHEMA)
    registry.register_lazy("pandas", "DataFrame", transformers.pandas_transformer)
    registry.register_lazy("pyarrow", "Table", transformers.arrow_transformer)
    from taskplug.types.tables.handlers import StructuredDatasetTransformerEngine as Engine

    # types that flytekit-style encoders/decoders made table types (a registry built anew
    # keeps them so)
    for t in {*Engine.ENCODERS, *Engine.DECODERS}:
        current = registry.get(t)
        if not isinstance(current, transformers.DataFrameTransformer):
            registry.register(transformers.handled_frame_transformer(t), override=True)
