"""Which handler reads or writes a table, and running it: used by the table transformers and
:class:`~taskplug.types.tables.StructuredDataset` (see :mod:`.handlers` for the order).

Without registered encoders and decoders, everything here comes down to taskplug's own formats
(parquet and CSV through Arrow, :mod:`.formats`); :func:`has_handlers` lets the hot path skip
the lookups.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

from taskplug.errors import TypeTransformerFailedError
from taskplug.types.tables.handlers import (
    GENERIC_FORMAT,
    StructuredDatasetTransformerEngine,
    _find,
    _pb,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from flyteidl.core import literals_pb2, types_pb2

__all__ = [
    "default_format",
    "find_decoder",
    "find_encoder",
    "has_handlers",
    "iter_as",
    "no_encoder",
    "open_as",
    "protocol_of",
    "run_encoder",
    "write_protocol",
]


def has_handlers() -> bool:
    """Whether any encoder or decoder was registered (the native path skips lookups if not)."""
    return bool(
        StructuredDatasetTransformerEngine.ENCODERS or StructuredDatasetTransformerEngine.DECODERS
    )


def protocol_of(uri: str) -> str:
    """The storage protocol of ``uri`` (``"file"`` for local paths), as fsspec names it."""
    from fsspec.utils import get_protocol

    return str(get_protocol(uri))


def write_protocol(df_type: type) -> str:
    """The protocol a new table of ``df_type`` is written to (its default, or the store's)."""
    default = StructuredDatasetTransformerEngine.DEFAULT_PROTOCOLS.get(df_type)
    if default:
        return default
    from taskplug.types.tables.storage import new_location

    return protocol_of(new_location())


def default_format(df_type: type) -> str:
    """The format a dataframe of ``df_type`` is written in when none is declared."""
    return StructuredDatasetTransformerEngine.DEFAULT_FORMATS.get(df_type, GENERIC_FORMAT)


def find_encoder(df_type: type, fmt: str, *, native: bool) -> Any:
    """A registered encoder for writing ``df_type`` in ``fmt``, or ``None``.

    ``native``: taskplug can write this itself (then only an exact registration is used).
    """
    if not StructuredDatasetTransformerEngine.ENCODERS:
        return None
    protocol = write_protocol(df_type)
    return _find(
        StructuredDatasetTransformerEngine.ENCODERS, df_type, protocol, fmt, exact_only=native
    )


def find_decoder(df_type: type, uri: str, fmt: str, *, native: bool) -> Any:
    """A registered decoder for reading ``fmt`` at ``uri`` as ``df_type``, or ``None``."""
    if not StructuredDatasetTransformerEngine.DECODERS:
        return None
    return _find(
        StructuredDatasetTransformerEngine.DECODERS,
        df_type,
        protocol_of(uri),
        fmt,
        exact_only=native,
    )


def run_encoder(
    handler: Any, dataset: Any, declared: types_pb2.StructuredDatasetType, fmt: str
) -> literals_pb2.StructuredDataset:
    """``handler.encode(...)`` with flytekit's arguments; its result as a flyteidl message, with
    the declared type filled in where it left it out and the handler's format."""
    from flyteidl.core import literals_pb2, types_pb2

    from taskplug.models.types import StructuredDatasetType
    from taskplug.types.adapter_context import adapter_context

    sdt = types_pb2.StructuredDatasetType()
    sdt.CopyFrom(declared)
    sdt.format = fmt
    result = handler.encode(adapter_context(), dataset, StructuredDatasetType.from_flyte_idl(sdt))
    msg = _pb(result)
    if not isinstance(msg, literals_pb2.StructuredDataset):
        raise TypeTransformerFailedError(
            f"{handler!r}.encode returned {type(result).__name__}, expected a "
            "literals.StructuredDataset",
            expected=handler.python_type,
            got=type(dataset.dataframe),
        )
    out = literals_pb2.StructuredDataset()
    out.CopyFrom(msg)
    if not out.metadata.HasField("structured_dataset_type"):
        out.metadata.structured_dataset_type.CopyFrom(sdt)
    out.metadata.structured_dataset_type.format = handler.supported_format
    return out


def _decode(
    handler: Any,
    sd: literals_pb2.StructuredDataset,
    metadata: literals_pb2.StructuredDatasetMetadata,
) -> Any:
    from taskplug.models.literals import StructuredDataset as SDModel
    from taskplug.models.literals import StructuredDatasetMetadata
    from taskplug.types.adapter_context import adapter_context

    return handler.decode(
        adapter_context(),
        SDModel.from_flyte_idl(sd),
        StructuredDatasetMetadata.from_flyte_idl(metadata),
    )


def _metadata_for(
    sd: literals_pb2.StructuredDataset, updated: literals_pb2.StructuredDatasetMetadata | None
) -> literals_pb2.StructuredDatasetMetadata:
    from flyteidl.core import literals_pb2

    md = literals_pb2.StructuredDatasetMetadata()
    md.CopyFrom(updated if updated is not None else sd.metadata)
    return md


def _columns(md: literals_pb2.StructuredDatasetMetadata | None) -> list[str] | None:
    if md is None:
        return None
    return [c.name for c in md.structured_dataset_type.columns] or None


_NOT_HANDLED = object()


def _by_handler(
    sd: literals_pb2.StructuredDataset,
    df_type: Any,
    updated_metadata: literals_pb2.StructuredDatasetMetadata | None,
) -> tuple[Any, Any, Any]:
    """``(result, decoder, frames)``: a registered decoder's result for ``sd`` and that
    decoder, or ``_NOT_HANDLED`` when taskplug's own formats read it through ``frames`` (the
    Arrow frame transformer of ``df_type``)."""
    from taskplug.types.tables.formats import NATIVE_FORMATS
    from taskplug.types.tables.transformers import arrow_frame_transformer

    fmt = sd.metadata.structured_dataset_type.format
    frames = arrow_frame_transformer(df_type)
    native = frames is not None and fmt in NATIVE_FORMATS
    handler = find_decoder(df_type, sd.uri, fmt, native=native)
    if handler is not None:
        return _decode(handler, sd, _metadata_for(sd, updated_metadata)), handler, frames
    if not native:
        raise _no_handler("decoder", df_type, fmt, sd.uri)
    return _NOT_HANDLED, None, frames


def open_as(
    sd: literals_pb2.StructuredDataset,
    df_type: Any,
    updated_metadata: literals_pb2.StructuredDatasetMetadata | None,
) -> Any:
    """The whole table literal ``sd`` as a ``df_type`` (a registered decoder, or taskplug's
    own formats through Arrow). ``updated_metadata`` holds the columns to read."""
    from taskplug.types.tables.formats import read_native

    result, handler, frames = _by_handler(sd, df_type, updated_metadata)
    if result is _NOT_HANDLED:
        fmt = sd.metadata.structured_dataset_type.format
        return frames.from_owned_arrow(read_native(sd.uri, fmt, _columns(updated_metadata)))
    if isinstance(result, types.GeneratorType):
        raise TypeTransformerFailedError(
            f"{handler!r} returned an iterator, but the whole table was asked for "
            "(use StructuredDataset.iter())",
            expected=df_type,
            got=type(result),
        )
    return result


def iter_as(
    sd: literals_pb2.StructuredDataset,
    df_type: Any,
    updated_metadata: literals_pb2.StructuredDatasetMetadata | None,
) -> Iterator[Any]:
    """The table literal ``sd`` batch by batch, each as a ``df_type``."""
    from taskplug.types.tables.formats import CSV, read_native

    result, _handler, frames = _by_handler(sd, df_type, updated_metadata)
    if result is not _NOT_HANDLED:
        if isinstance(result, types.GeneratorType):
            yield from result
        else:
            yield result
        return
    fmt = sd.metadata.structured_dataset_type.format
    columns = _columns(updated_metadata)
    if fmt == CSV:
        yield frames.from_owned_arrow(read_native(sd.uri, fmt, columns))
        return
    import pyarrow as pa

    from taskplug.types.tables.storage import iter_batches

    for batch in iter_batches(sd.uri, columns):
        yield frames.from_arrow(pa.Table.from_batches([batch]))


def _no_handler(kind: str, df_type: Any, fmt: str, uri: str) -> TypeTransformerFailedError:
    what = "StructuredDatasetEncoder" if kind == "encoder" else "StructuredDatasetDecoder"
    return TypeTransformerFailedError(
        f"no {kind} for {getattr(df_type, '__qualname__', df_type)!s} in format {fmt!r} "
        f"(table {uri!r}): taskplug reads and writes parquet and csv for dataframe types it "
        f"knows (pandas, pyarrow, and those with a DataFrameTransformer); register a {what} "
        "with StructuredDatasetTransformerEngine.register for others",
        expected=df_type,
        got=fmt,
    )


def no_encoder(df_type: Any, fmt: str) -> TypeTransformerFailedError:
    """The error for a dataframe nothing can write in ``fmt``."""
    return _no_handler("encoder", df_type, fmt, "(new)")
