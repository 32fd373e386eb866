"""``StructuredDataset`` and the legacy ``FlyteSchema``: tables by reference, as in flytekit.

A ``StructuredDataset`` wraps either a dataframe (``StructuredDataset(dataframe=df)``, written
when it crosses a task boundary) or a stored table (``StructuredDataset(uri="s3://…")``). One
received as an input is read on demand::

    @task
    def count(sd: StructuredDataset) -> int:
        return len(sd.open(pd.DataFrame).all())

``FlyteSchema[kwtypes(a=int)]`` is flytekit's older table type (schema literals); taskplug reads
and writes it for compatibility: ``schema.open(pd.DataFrame).all()``.
"""

from __future__ import annotations

import collections
import typing
from collections.abc import Iterator
from typing import Any, ClassVar

from flyteidl.core import literals_pb2

__all__ = ["FlyteSchema", "StructuredDataset"]

PARQUET = "parquet"


def _frame_transformer(df_type: Any) -> Any:
    from taskplug.types.engine import TypeEngine
    from taskplug.types.tables.transformers import DataFrameTransformer

    transformer = TypeEngine.find_transformer(df_type)
    if not isinstance(transformer, DataFrameTransformer):
        raise TypeError(
            f"{df_type!r} is not a dataframe type taskplug knows (pandas.DataFrame, "
            "pyarrow.Table, or one a plugin registered with a DataFrameTransformer)"
        )
    return transformer


class StructuredDataset:
    """A table: a dataframe in memory, or parquet files at ``uri`` (flytekit's class, same use).

    ``open(df_type)`` picks the dataframe type to read as; ``all()`` reads everything,
    ``iter()`` batch by batch. ``file_format`` is the storage format (``"parquet"``).
    """

    def __init__(
        self,
        dataframe: Any = None,
        uri: str | None = None,
        metadata: literals_pb2.StructuredDatasetMetadata | None = None,
        *,
        file_format: str = "",
    ) -> None:
        self._dataframe = dataframe
        self.uri = uri
        self.file_format = file_format
        if metadata is not None and not isinstance(
            metadata, literals_pb2.StructuredDatasetMetadata
        ):
            metadata = metadata.to_flyte_idl()  # a flytekit-style model
        self._metadata = metadata
        self._literal: literals_pb2.StructuredDataset | None = None
        self._dataframe_type: Any = None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """As a pydantic field: ``{"uri": ..., "file_format": ...}`` in dumps, as flytekit's."""
        from taskplug.types.pydantic_fields import dataset_core_schema

        return dataset_core_schema(cls)

    @classmethod
    def columns(cls) -> dict[str, type]:
        """Declared columns (``Annotated[StructuredDataset, kwtypes(...)]`` declares them)."""
        return {}

    @classmethod
    def column_names(cls) -> list[str]:
        """Names of the declared columns."""
        return list(cls.columns())

    @property
    def dataframe(self) -> Any:
        """The dataframe this object wraps, if it was made from one."""
        return self._dataframe

    @property
    def metadata(self) -> literals_pb2.StructuredDatasetMetadata | None:
        """The flyteidl metadata (columns and format) the reading task declared or received."""
        return self._metadata

    @property
    def literal(self) -> literals_pb2.StructuredDataset | None:
        """The flyteidl ``StructuredDataset`` literal this value came from or was written as."""
        return self._literal

    def _column_names(self) -> list[str] | None:
        md = self._metadata
        if md is None:
            return None
        names = [c.name for c in md.structured_dataset_type.columns]
        return names or None

    def open(self, dataframe_type: Any) -> StructuredDataset:
        """Choose the dataframe type ``all()`` / ``iter()`` return; returns ``self``."""
        self._dataframe_type = dataframe_type
        return self

    def all(self) -> Any:
        """The whole table as the type given to :meth:`open` (read by a registered decoder
        for its format, or by taskplug: parquet and csv through Arrow)."""
        df_type = self._require_type()
        if self._dataframe is not None:
            if isinstance(self._dataframe, df_type):
                return self._dataframe
            transformer = _frame_transformer(df_type)
            return transformer.from_arrow(
                _frame_transformer(type(self._dataframe)).to_arrow(self._dataframe)
            )
        from taskplug.types.tables.dispatch import open_as

        return open_as(self._stored(), df_type, self._metadata)

    def iter(self) -> Iterator[Any]:
        """The table batch by batch, each batch as the type given to :meth:`open`."""
        df_type = self._require_type()
        if self._dataframe is not None:
            yield self.all()
            return
        from taskplug.types.tables.dispatch import iter_as

        yield from iter_as(self._stored(), df_type, self._metadata)

    def _stored(self) -> literals_pb2.StructuredDataset:
        """The table literal this object reads (built from ``uri`` if it has none)."""
        if self._literal is not None:
            return self._literal
        sd = literals_pb2.StructuredDataset(uri=self._require_uri())
        if self._metadata is not None:
            sd.metadata.CopyFrom(self._metadata)
        if self.file_format:
            sd.metadata.structured_dataset_type.format = self.file_format
        return sd

    def _require_type(self) -> Any:
        if self._dataframe_type is None:
            raise ValueError(
                "no dataframe type chosen: call open(pd.DataFrame) (or another type) first"
            )
        return self._dataframe_type

    def _require_uri(self) -> str:
        if not self.uri:
            raise ValueError("this StructuredDataset has neither a dataframe nor a uri")
        return self.uri

    def _relocate(self, uri: str) -> None:
        """Its files moved (a local run ended): point at the new place."""
        self.uri = uri
        if self._literal is not None:
            self._literal.uri = uri

    def __repr__(self) -> str:
        what = (
            f"dataframe={type(self._dataframe).__name__}"
            if self._dataframe is not None
            else f"uri={self.uri!r}"
        )
        fmt = f", file_format={self.file_format!r}" if self.file_format else ""
        return f"StructuredDataset({what}{fmt})"


class _SchemaReader:
    """What ``FlyteSchema.open()`` returns: ``all()`` and ``iter()``, as flytekit's readers."""

    def __init__(self, uri: str, columns: list[str] | None, df_type: Any) -> None:
        self._uri = uri
        self._columns = columns
        self._df_type = df_type

    @property
    def column_names(self) -> list[str] | None:
        """The declared column names (``None``: all)."""
        return self._columns

    def all(self, **kwargs: Any) -> Any:
        """The whole table."""
        from taskplug.types.tables.storage import read_table

        table = read_table(self._uri, self._columns)
        return _frame_transformer(self._df_type).from_owned_arrow(table)

    def iter(self, **kwargs: Any) -> Iterator[Any]:
        """The table batch by batch."""
        import pyarrow as pa

        from taskplug.types.tables.storage import iter_batches

        transformer = _frame_transformer(self._df_type)
        for batch in iter_batches(self._uri, self._columns):
            yield transformer.from_arrow(pa.Table.from_batches([batch]))


class FlyteSchema:
    """flytekit's legacy table type; ``FlyteSchema[kwtypes(a=int, b=str)]`` declares columns.

    Prefer ``pd.DataFrame`` / ``StructuredDataset`` (structured dataset literals); this type
    exists so tasks written for flytekit's SQL task types keep working. A task may return a
    dataframe (or a ``pyarrow.Table``) for a ``FlyteSchema`` output; a received one is read
    with ``schema.open(pd.DataFrame).all()``.
    """

    _columns: ClassVar[collections.OrderedDict[str, Any]] = collections.OrderedDict()
    _typed: ClassVar[dict[tuple[tuple[str, Any], ...], type[FlyteSchema]]] = {}

    def __init__(self, local_path: str | None = None, remote_path: str | None = None) -> None:
        self.local_path = local_path
        self.remote_path = remote_path

    def __class_getitem__(cls, columns: typing.Mapping[str, Any] | None) -> Any:
        """``FlyteSchema[kwtypes(a=int)]``: the schema type with those columns."""
        if not columns:
            return FlyteSchema
        if not isinstance(columns, dict):
            raise TypeError(
                f"FlyteSchema[...] takes columns as kwtypes(name=type, ...), got {columns!r}"
            )
        key = tuple(columns.items())
        typed = FlyteSchema._typed.get(key)
        if typed is None:
            typed = type(
                "FlyteSchema",
                (FlyteSchema,),
                {
                    "_columns": collections.OrderedDict(columns),
                    "__module__": __name__,
                    "__qualname__": f"FlyteSchema[{', '.join(columns)}]",
                },
            )
            FlyteSchema._typed[key] = typed
        return typed

    @classmethod
    def columns(cls) -> dict[str, Any]:
        """The declared columns."""
        return dict(cls._columns)

    @classmethod
    def column_names(cls) -> list[str]:
        """The declared column names."""
        return list(cls._columns)

    @classmethod
    def format(cls) -> str:
        """The storage format (always parquet)."""
        return PARQUET

    def open(self, dataframe_fmt: Any = None) -> _SchemaReader:
        """A reader of the stored table as ``dataframe_fmt`` (default ``pandas.DataFrame``)."""
        uri = self.remote_path or self.local_path
        if not uri:
            raise ValueError("this FlyteSchema points at no data (no remote_path or local_path)")
        if dataframe_fmt is None:
            import pandas

            dataframe_fmt = pandas.DataFrame
        return _SchemaReader(uri, self.column_names() or None, dataframe_fmt)

    def all(self) -> Any:
        """The whole table as a ``pandas.DataFrame``."""
        return self.open().all()

    def _relocate(self, uri: str) -> None:
        self.remote_path = uri

    @property
    def uri(self) -> str | None:
        """Where the table is stored."""
        return self.remote_path or self.local_path

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(remote_path={self.remote_path!r})"
