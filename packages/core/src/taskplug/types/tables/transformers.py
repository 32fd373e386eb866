"""Type transformers of tables: dataframes and ``StructuredDataset`` ↔ structured dataset
literals, ``FlyteSchema`` ↔ schema literals, both stored as parquet (see ``storage``).

Every dataframe library goes through Arrow: a :class:`DataFrameTransformer` only says how its
dataframes become a ``pyarrow.Table`` and back (pandas and pyarrow are built in; a plugin adds
another library with one instance, registered through ``taskplug_register_type_transformers``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import LiteralDecodeError, TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, decode_error, fail
from taskplug.types.tables.columns import (
    column_literal_type,
    flatten_columns,
    parse_table_annotation,
)
from taskplug.types.tables.dataset import PARQUET, FlyteSchema, StructuredDataset

__all__ = [
    "FLYTE_SCHEMA",
    "STRUCTURED_DATASET",
    "DataFrameTransformer",
    "arrow_frame_transformer",
    "arrow_transformer",
    "handled_frame_transformer",
    "pandas_transformer",
]

SD_TRANSFORMER_NAME = "StructuredDataset Transformer"
_COLUMN_TYPE = types_pb2.SchemaType.SchemaColumn.SchemaColumnType
_SCHEMA_TYPES: dict[int, int] = {
    types_pb2.SimpleType.INTEGER: _COLUMN_TYPE.INTEGER,
    types_pb2.SimpleType.FLOAT: _COLUMN_TYPE.FLOAT,
    types_pb2.SimpleType.STRING: _COLUMN_TYPE.STRING,
    types_pb2.SimpleType.BOOLEAN: _COLUMN_TYPE.BOOLEAN,
    types_pb2.SimpleType.DATETIME: _COLUMN_TYPE.DATETIME,
    types_pb2.SimpleType.DURATION: _COLUMN_TYPE.DURATION,
}
_SIMPLE_OF_SCHEMA = {v: k for k, v in _SCHEMA_TYPES.items()}


def _container_prefix() -> str:
    from taskplug.context import current_execution

    state = current_execution()
    if state is not None and state.mode == "container":
        return state.params.raw_output_prefix
    return ""


def _track(value: Any) -> Any:
    from taskplug.types.tables.storage import current_run

    run = current_run()
    if run is not None:
        run.track(value)
    return value


def _frame_transformer_of(value: Any) -> DataFrameTransformer | None:
    try:
        tr = TypeEngine.find_transformer(type(value))
    except TypeTransformerFailedError:
        return None
    return tr if isinstance(tr, DataFrameTransformer) else None


def _write(
    value: Any, columns: OrderedDict[str, Any] | None, expected: Any, fmt: str = PARQUET
) -> str:
    """Write a dataframe as a new table in ``fmt`` (parquet or csv); returns its uri.
    Declared columns are checked."""
    from taskplug.types.tables.formats import write_native
    from taskplug.types.tables.storage import new_location

    transformer = _frame_transformer_of(value)
    if transformer is None or not transformer.has_arrow:
        raise fail(expected, value, "(a dataframe)")
    table = transformer.to_arrow(value)
    if columns:
        from taskplug.types.tables.conform import column_problems

        problems = column_problems(table.schema, columns)
        if problems:
            raise TypeTransformerFailedError(
                f"the {type(value).__name__} does not match the declared columns: "
                + "; ".join(problems),
                expected=expected,
                got=type(value),
            )
    uri = new_location()
    write_native(table, uri, fmt)
    return uri


def _upload_if_local(uri: str) -> str:
    """A local table given by path is copied under the raw output prefix in a container run."""
    from taskplug.types.tables.storage import copy_to, is_remote, new_location

    if is_remote(uri) or not _container_prefix():
        return uri
    target = new_location()
    copy_to(uri, target)
    return target


def _incoming(lit: literals_pb2.Literal) -> literals_pb2.StructuredDataset | None:
    """The structured dataset a literal carries (schema literals converted as flytekit does)."""
    if lit.WhichOneof("value") != "scalar":
        return None
    kind = lit.scalar.WhichOneof("value")
    if kind == "structured_dataset":
        return lit.scalar.structured_dataset
    if kind == "schema":
        sd = literals_pb2.StructuredDataset(uri=lit.scalar.schema.uri)
        sdt = sd.metadata.structured_dataset_type
        for col in lit.scalar.schema.type.columns:
            new = sdt.columns.add()
            new.name = col.name
            new.literal_type.simple = _SIMPLE_OF_SCHEMA.get(col.type, types_pb2.SimpleType.NONE)
        sdt.format = PARQUET
        return sd
    if kind == "binary" and lit.scalar.binary.tag == "msgpack":
        import msgpack

        data = msgpack.unpackb(lit.scalar.binary.value)
        if isinstance(data, dict) and isinstance(data.get("uri"), str):
            sd = literals_pb2.StructuredDataset(uri=data["uri"])
            sd.metadata.structured_dataset_type.format = str(data.get("file_format") or "")
            return sd
    return None


class DataFrameTransformer(TypeTransformer[Any]):
    """Dataframes of one library ↔ structured dataset literals, through Arrow and parquet.

    ``to_arrow(df)`` gives a ``pyarrow.Table``, ``from_arrow(table)`` the dataframe back;
    ``from_owned_arrow(table)``, if given, does the same for a table that was just read and
    that nobody else holds (it may take the table's memory over).
    For a library taskplug does not know (polars, say), a plugin registers
    ``DataFrameTransformer(polars.DataFrame, to_arrow=lambda df: df.to_arrow(),
    from_arrow=polars.from_arrow)``.
    """

    keeps_annotations = True
    #: Whether ``to_arrow``/``from_arrow`` work (false for a type only registered encoders and
    #: decoders handle, see :func:`handled_frame_transformer`).
    has_arrow: bool = True

    def __init__(
        self,
        python_type: type,
        *,
        to_arrow: Callable[[Any], Any],
        from_arrow: Callable[[Any], Any],
        from_owned_arrow: Callable[[Any], Any] | None = None,
        name: str = SD_TRANSFORMER_NAME,
    ) -> None:
        super().__init__(name, python_type)
        self.to_arrow = to_arrow
        self.from_arrow = from_arrow
        #: ``from_arrow`` for a table nobody else holds (just read): may reuse its memory.
        self.from_owned_arrow = from_owned_arrow or from_arrow

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        return _table_converter(t, self.name, self)


class _HandledFrameTransformer(DataFrameTransformer):
    """A dataframe type that only registered encoders and decoders read and write."""

    has_arrow = False

    def __init__(self, python_type: type) -> None:
        def no_arrow(value: Any) -> Any:
            from taskplug.types.tables.dispatch import no_encoder

            raise no_encoder(python_type, "")

        super().__init__(python_type, to_arrow=no_arrow, from_arrow=no_arrow)


def handled_frame_transformer(python_type: type) -> DataFrameTransformer:
    """The table transformer of a type that has encoders/decoders but no Arrow conversion."""
    return _HandledFrameTransformer(python_type)


def arrow_frame_transformer(df_type: Any) -> DataFrameTransformer | None:
    """The transformer converting ``df_type`` to and from Arrow, or ``None``."""
    if not isinstance(df_type, type):
        return None
    try:
        tr = TypeEngine.find_transformer(df_type)
    except TypeTransformerFailedError:
        return None
    return tr if isinstance(tr, DataFrameTransformer) and tr.has_arrow else None


class _StructuredDatasetTransformer(TypeTransformer[Any]):
    keeps_annotations = True

    def __init__(self) -> None:
        super().__init__(SD_TRANSFORMER_NAME, StructuredDataset)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        return _table_converter(t, self.name, None)


def _dataset_type(t: Any) -> tuple[types_pb2.LiteralType, Any, OrderedDict[str, Any] | None, str]:
    ann = parse_table_annotation(t)
    columns = flatten_columns(ann.columns) if ann.columns else None
    lt = types_pb2.LiteralType()
    sdt = lt.structured_dataset_type
    sdt.SetInParent()
    for name, col_type in (columns or {}).items():
        col = sdt.columns.add()
        col.name = name
        col.literal_type.CopyFrom(column_literal_type(col_type, table=t))
    if ann.format:
        sdt.format = ann.format
    if ann.arrow_schema is not None:
        sdt.external_schema_type = "arrow"
        sdt.external_schema_bytes = ann.arrow_schema.to_string().encode()
    return lt, ann.base, columns, ann.format


def _check_format(t: Any, base: Any, fmt: str) -> None:
    """A dataframe type declared with a storage format nothing here can write is refused."""
    from taskplug.types.tables.formats import NATIVE_FORMATS
    from taskplug.types.tables.handlers import StructuredDatasetTransformerEngine as Engine

    if fmt in NATIVE_FORMATS and arrow_frame_transformer(base) is not None:
        return
    for table in (Engine.ENCODERS, Engine.DECODERS):
        for handlers in table.get(base, {}).values():
            if fmt in handlers or "" in handlers:
                return
    raise UnsupportedTypeError(
        f"{t!r}: no way to store {getattr(base, '__qualname__', base)} tables as {fmt!r}: "
        "taskplug writes parquet and csv itself; register a StructuredDatasetEncoder and "
        "Decoder for other formats",
        expected=t,
    )


def _table_converter(t: Any, name: str, frames: DataFrameTransformer | None) -> Converter:
    from taskplug.types.tables import dispatch

    lt, base, columns, declared_format = _dataset_type(t)
    declared = lt.structured_dataset_type
    is_dataset = frames is None
    if declared_format and not is_dataset:
        _check_format(t, base, declared_format)
    names = list(columns) if columns else None
    from_arrow = frames.from_owned_arrow if frames is not None and frames.has_arrow else None

    def encode(df: Any, dataset: StructuredDataset | None) -> literals_pb2.StructuredDataset:
        """A new table of ``df``: a registered encoder's, or parquet/csv through Arrow."""
        df_type = type(df)
        fmt = declared_format or dispatch.default_format(df_type)
        if dispatch.has_handlers():
            frame_tr = _frame_transformer_of(df)
            native = frame_tr is not None and frame_tr.has_arrow and fmt in ("", PARQUET, "csv")
            handler = dispatch.find_encoder(df_type, fmt, native=native)
            if handler is not None:
                wrapper = dataset if dataset is not None else StructuredDataset(dataframe=df)
                return dispatch.run_encoder(handler, wrapper, declared, fmt)
        if fmt not in ("", PARQUET, "csv"):
            frame_tr = _frame_transformer_of(df)
            if frame_tr is None:
                raise fail(t, df, "(a dataframe)")
            raise dispatch.no_encoder(df_type, fmt)
        fmt = fmt or PARQUET
        sd = literals_pb2.StructuredDataset(uri=_write(df, columns, t, fmt))
        sdt = sd.metadata.structured_dataset_type
        sdt.CopyFrom(declared)
        sdt.format = fmt
        return sd

    def fill(msg: literals_pb2.Literal, value: Any) -> None:
        if isinstance(value, StructuredDataset):
            written = value._literal
            if written is not None:  # passed through, or written before: never written twice
                msg.scalar.structured_dataset.CopyFrom(written)
                return
            if value.dataframe is None:
                if not value.uri:
                    raise fail(t, value, "(a StructuredDataset needs a dataframe or a uri)")
                sd = msg.scalar.structured_dataset
                sd.uri = _upload_if_local(value.uri)
                sdt = sd.metadata.structured_dataset_type
                sdt.CopyFrom(declared)
                sdt.format = declared_format or value.file_format
                return
            msg.scalar.structured_dataset.CopyFrom(encode(value.dataframe, value))
            value._literal = literals_pb2.StructuredDataset()
            value._literal.CopyFrom(msg.scalar.structured_dataset)
            return
        if is_dataset:
            raise TypeTransformerFailedError(
                f"expected a StructuredDataset, got {type(value).__name__}; wrap the dataframe: "
                "StructuredDataset(dataframe=df)",
                expected=t,
                got=type(value),
            )
        if not isinstance(value, base):
            raise fail(t, value)
        msg.scalar.structured_dataset.CopyFrom(encode(value, None))

    def reading_metadata(in_sdt: types_pb2.StructuredDatasetType) -> Any:
        """The incoming type with the declared columns, when some are declared."""
        md = literals_pb2.StructuredDatasetMetadata()
        sdt = md.structured_dataset_type
        sdt.CopyFrom(in_sdt)
        if columns:
            del sdt.columns[:]
            sdt.columns.extend(declared.columns)
        return md

    def read(lit: literals_pb2.Literal) -> Any:
        incoming = _incoming(lit)
        if incoming is None or not incoming.uri:
            raise decode_error(t, lit, "expected a structured dataset")
        in_sdt = incoming.metadata.structured_dataset_type
        fmt = in_sdt.format
        if is_dataset:
            sd = base(uri=incoming.uri, metadata=reading_metadata(in_sdt), file_format=fmt)
            sd._literal = literals_pb2.StructuredDataset()
            sd._literal.CopyFrom(incoming)
            return _track(sd)
        if from_arrow is not None and fmt in ("", PARQUET) and not dispatch.has_handlers():
            return from_arrow(_read(incoming.uri, names, t, lit))
        try:
            return dispatch.open_as(incoming, base, reading_metadata(in_sdt))
        except LiteralDecodeError:
            raise
        except TypeTransformerFailedError as exc:
            raise decode_error(t, lit, exc.detail) from exc
        except FileNotFoundError as exc:
            raise decode_error(t, lit, str(exc)) from exc
        except KeyError as exc:
            raise decode_error(
                t, lit, f"the table at {incoming.uri!r} lacks declared columns {names}: {exc}"
            ) from exc

    def to_plain(value: Any) -> Any:
        msg = literals_pb2.Literal()
        fill(msg, value)
        sd = msg.scalar.structured_dataset
        return {"uri": sd.uri, "file_format": sd.metadata.structured_dataset_type.format}

    def from_plain(value: Any) -> Any:
        if not (isinstance(value, dict) and isinstance(value.get("uri"), str)):
            raise fail(t, value)
        msg = literals_pb2.Literal()
        msg.scalar.structured_dataset.uri = value["uri"]
        msg.scalar.structured_dataset.metadata.structured_dataset_type.format = str(
            value.get("file_format") or ""
        )
        return read(msg)

    plain = is_dataset  # dataframes inside dataclasses are not supported (as in flytekit)
    return Converter(
        t,
        lt,
        fill,
        read,
        name=name,
        to_plain=to_plain if plain else None,
        from_plain=from_plain if plain else None,
    )


def _read(uri: str, names: list[str] | None, t: Any, lit: literals_pb2.Literal) -> Any:
    from taskplug.types.tables.storage import read_table

    try:
        return read_table(uri, names)
    except FileNotFoundError as exc:
        raise decode_error(t, lit, str(exc)) from exc
    except Exception as exc:
        if names and ("No match for" in str(exc) or "not found" in str(exc).lower()):
            raise decode_error(
                t, lit, f"the table at {uri!r} lacks declared columns {names}: {exc}"
            ) from exc
        raise


class _FlyteSchemaTransformer(TypeTransformer[Any]):
    def __init__(self) -> None:
        super().__init__("FlyteSchema Transformer", FlyteSchema)

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        columns: OrderedDict[str, Any] = OrderedDict(t.columns())
        lt = types_pb2.LiteralType()
        schema_type = lt.schema
        schema_type.SetInParent()
        for col_name, col_type in columns.items():
            simple = column_literal_type(col_type, table=t)
            kind = _SCHEMA_TYPES.get(simple.simple) if simple.WhichOneof("type") else None
            if kind is None:
                raise UnsupportedTypeError(
                    f"column {col_name!r} of {t.__qualname__}: FlyteSchema columns are int, "
                    "float, bool, str, datetime or timedelta",
                    expected=t,
                )
            col = schema_type.columns.add()
            col.name = col_name
            col.type = kind

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            if isinstance(value, FlyteSchema):
                uri = value.remote_path or value.local_path
                if not uri:
                    raise fail(t, value, "(the FlyteSchema points at no data)")
                uri = _upload_if_local(uri)
            else:
                uri = _write(value, columns or None, t)
            schema = msg.scalar.schema
            schema.uri = uri
            schema.type.CopyFrom(schema_type)

        def read(lit: literals_pb2.Literal) -> Any:
            incoming = _incoming(lit)
            if incoming is None or not incoming.uri:
                raise decode_error(t, lit, "expected a schema or structured dataset")
            return _track(t(remote_path=incoming.uri))

        return Converter(t, lt, fill, read, name=self.name)


def _pandas_to_arrow(df: Any) -> Any:
    import pyarrow as pa

    return pa.Table.from_pandas(df)


def _arrow_to_pandas(table: Any) -> Any:
    return table.to_pandas()


def _owned_arrow_to_pandas(table: Any) -> Any:
    # The table was just read for this conversion and nothing else holds it: pandas takes its
    # buffers over column by column instead of holding both copies at once.
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _identity(table: Any) -> Any:
    return table


def pandas_transformer() -> DataFrameTransformer:
    """The transformer of ``pandas.DataFrame`` (built when pandas is first declared)."""
    import pandas

    return DataFrameTransformer(
        pandas.DataFrame,
        to_arrow=_pandas_to_arrow,
        from_arrow=_arrow_to_pandas,
        from_owned_arrow=_owned_arrow_to_pandas,
    )


def arrow_transformer() -> DataFrameTransformer:
    """The transformer of ``pyarrow.Table`` (built when pyarrow is first declared)."""
    import pyarrow

    return DataFrameTransformer(pyarrow.Table, to_arrow=_identity, from_arrow=_identity)


STRUCTURED_DATASET = _StructuredDatasetTransformer()
FLYTE_SCHEMA = _FlyteSchemaTransformer()
