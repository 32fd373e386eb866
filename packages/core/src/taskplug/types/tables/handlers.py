"""flytekit's table extension API on taskplug's tables: encoders, decoders and renderers.

flytekit code teaches its type engine a dataframe type (or a storage format) by subclassing
:class:`StructuredDatasetEncoder` / :class:`StructuredDatasetDecoder` and registering instances
with :meth:`StructuredDatasetTransformerEngine.register`. Here that works unchanged, on top of
taskplug's Arrow-first tables:

* writing a table: an encoder registered for exactly (dataframe type, storage protocol,
  format) is used; otherwise taskplug's own formats (parquet, CSV: :mod:`.formats`) for any
  type with a :class:`~taskplug.types.tables.DataFrameTransformer`; otherwise a registered
  encoder for any format (``""``), the type's default format, or its only one;
* reading one: the same order with decoders, by the stored table's format;
* registering a handler for a type taskplug has no table transformer for (``numpy.ndarray``
  in flytekit's example) makes that type a table type (its other transformer, if any, is
  replaced, as flytekit does).

Handlers receive flytekit's arguments: a ``ctx`` (:func:`~taskplug.types.adapter_context.
adapter_context`), the user-facing :class:`StructuredDataset`, and :mod:`taskplug.models`
views of the literal and of the declared type; they return a ``literals.StructuredDataset``
model (or flyteidl message).
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Generic, TypeVar

__all__ = [
    "GENERIC_FORMAT",
    "GENERIC_PROTOCOL",
    "DuplicateHandlerError",
    "StructuredDatasetDecoder",
    "StructuredDatasetEncoder",
    "StructuredDatasetTransformerEngine",
]

T = TypeVar("T")
DF = TypeVar("DF")

#: No format declared (the type's default).
GENERIC_FORMAT = ""
#: flytekit's name for "any protocol".
GENERIC_PROTOCOL = "generic protocol"
#: Where handlers registered without a protocol are kept (they serve every protocol).
_ANY_PROTOCOL = "fsspec"


class DuplicateHandlerError(ValueError):
    """A handler is already registered for that (type, protocol, format)."""


def _strip_protocol(protocol: str | None) -> str | None:
    return protocol.replace("://", "") if protocol else None


class _TableHandler(abc.ABC, Generic[T]):
    """What encoders and decoders share: the dataframe type, protocol and format served."""

    def __init__(
        self,
        python_type: type[T],
        protocol: str | None = None,
        supported_format: str | None = None,
    ) -> None:
        self._python_type = python_type
        self._protocol = _strip_protocol(protocol)
        self._supported_format = supported_format or ""

    @property
    def python_type(self) -> type[T]:
        """The dataframe class handled."""
        return self._python_type

    @property
    def protocol(self) -> str | None:
        """The storage protocol served (``None``: all)."""
        return self._protocol

    @property
    def supported_format(self) -> str:
        """The format written or read (``""``: any)."""
        return self._supported_format

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}({getattr(self._python_type, '__name__', self._python_type)}"
            f", protocol={self._protocol!r}, format={self._supported_format!r})"
        )


class StructuredDatasetEncoder(_TableHandler[T]):
    """Writes dataframes of ``python_type`` in ``supported_format`` to ``protocol`` stores.

    ``protocol`` ``None`` serves every store; ``supported_format`` ``""`` every format.
    Implement :meth:`encode`.
    """

    @abc.abstractmethod
    def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
        """Write ``structured_dataset.dataframe``; return a ``literals.StructuredDataset``.

        ``structured_dataset_type`` is the declared ``StructuredDatasetType`` model (columns,
        format); put it in the returned literal's metadata (it is filled in if missing).
        """


class StructuredDatasetDecoder(_TableHandler[DF]):
    """Reads tables stored in ``supported_format`` on ``protocol`` stores as ``python_type``.

    Implement :meth:`decode`.
    """

    def __init__(
        self,
        python_type: type[DF],
        protocol: str | None = None,
        supported_format: str | None = None,
        additional_protocols: list[str] | None = None,
    ) -> None:
        super().__init__(python_type, protocol, supported_format)
        self._additional_protocols = [p.replace("://", "") for p in additional_protocols or []]

    @abc.abstractmethod
    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        """Read the table ``flyte_value`` (a ``literals.StructuredDataset`` model).

        ``current_task_metadata`` holds the columns the reading task declared (or those of the
        literal when it declared none): read only those. Return a dataframe, or an iterator of
        them (for ``StructuredDataset.iter()``).
        """


Handler = StructuredDatasetEncoder[Any] | StructuredDatasetDecoder[Any]
_Table = dict[type, dict[str, dict[str, Any]]]


class StructuredDatasetTransformerEngine:
    """Where encoders, decoders and renderers of tables are registered (flytekit's class).

    Class-level tables, as in flytekit: ``ENCODERS`` / ``DECODERS`` (type → protocol →
    format → handler), ``DEFAULT_FORMATS`` / ``DEFAULT_PROTOCOLS`` (type → default), and
    ``Renderers`` (type → an object with ``to_html(df)``).
    """

    ENCODERS: ClassVar[_Table] = {}
    DECODERS: ClassVar[_Table] = {}
    DEFAULT_FORMATS: ClassVar[dict[type, str]] = {}
    DEFAULT_PROTOCOLS: ClassVar[dict[type, str]] = {}
    Renderers: ClassVar[dict[type, Any]] = {}

    @classmethod
    def register(
        cls,
        h: Handler,
        default_for_type: bool = False,
        override: bool = False,
        default_format_for_type: bool = False,
        default_storage_for_type: bool = False,
    ) -> None:
        """Register an encoder or decoder.

        ``default_for_type``: its protocol and format become the defaults for writing a bare
        dataframe of its type (not allowed without a protocol); ``default_format_for_type`` /
        ``default_storage_for_type``: only one of them. ``override`` replaces what was
        registered for the same (type, protocol, format), and existing defaults.
        """
        if not isinstance(h, (StructuredDatasetEncoder, StructuredDatasetDecoder)):
            raise TypeError(
                f"StructuredDatasetTransformerEngine.register takes a StructuredDatasetEncoder "
                f"or StructuredDatasetDecoder, got {type(h).__name__}: {h!r}"
            )
        if h.protocol is None:
            if default_for_type:
                raise ValueError(
                    f"{h!r} serves every protocol, so it cannot be the default for its type; "
                    "give it a protocol or use default_format_for_type"
                )
            try:
                cls.register_for_protocol(
                    h, _ANY_PROTOCOL, False, override, default_format_for_type, False
                )
            except DuplicateHandlerError:
                if not override:
                    raise
        elif h.protocol == "":
            raise ValueError(f"{h!r}: use protocol=None, not '', for every protocol")
        else:
            protocols = [h.protocol]
            if isinstance(h, StructuredDatasetDecoder):
                protocols += h._additional_protocols
            for protocol in protocols:
                cls.register_for_protocol(
                    h,
                    protocol,
                    default_for_type,
                    override,
                    default_format_for_type,
                    default_storage_for_type,
                )

    @classmethod
    def register_for_protocol(
        cls,
        h: Handler,
        protocol: str,
        default_for_type: bool,
        override: bool,
        default_format_for_type: bool,
        default_storage_for_type: bool,
    ) -> None:
        """Register ``h`` for one protocol (see :meth:`register`)."""
        if protocol == "/":
            protocol = "file"
        table = cls.ENCODERS if isinstance(h, StructuredDatasetEncoder) else cls.DECODERS
        slot = table.setdefault(h.python_type, {}).setdefault(protocol, {})
        if h.supported_format in slot and not override:
            raise DuplicateHandlerError(
                f"a handler is already registered for ({h.python_type!r}, {protocol!r}, "
                f"{h.supported_format!r}): {slot[h.supported_format]!r}; pass override=True "
                f"to replace it with {h!r}"
            )
        slot[h.supported_format] = h
        t = h.python_type
        wants_format = default_format_for_type or default_for_type
        if wants_format and h.supported_format and (override or t not in cls.DEFAULT_FORMATS):
            cls.DEFAULT_FORMATS[t] = h.supported_format
        if (default_storage_for_type or default_for_type) and (
            override or t not in cls.DEFAULT_PROTOCOLS
        ):
            cls.DEFAULT_PROTOCOLS[t] = protocol
        _make_table_type(t)

    @classmethod
    def register_renderer(cls, python_type: type, renderer: Any) -> None:
        """Use ``renderer.to_html(df)`` to show dataframes of ``python_type`` (decks)."""
        cls.Renderers[python_type] = renderer

    @classmethod
    def get_encoder(cls, df_type: type, protocol: str, format: str) -> Any:
        """The encoder that writes ``df_type`` to ``protocol`` in ``format`` (or ValueError)."""
        found = _find(cls.ENCODERS, df_type, protocol, format, exact_only=False)
        if found is None:
            raise ValueError(
                f"no encoder for {df_type!r}, protocol {protocol!r}, format {format!r}"
            )
        return found

    @classmethod
    def get_decoder(cls, df_type: type, protocol: str, format: str) -> Any:
        """The decoder that reads ``format`` from ``protocol`` as ``df_type`` (or ValueError)."""
        found = _find(cls.DECODERS, df_type, protocol, format, exact_only=False)
        if found is None:
            raise ValueError(
                f"no decoder for {df_type!r}, protocol {protocol!r}, format {format!r}"
            )
        return found

    # -- flytekit's instance methods (ctx first, models) ---------------------------------------

    def get_literal_type(self, t: Any) -> Any:
        """The ``LiteralType`` model of a table type."""
        from taskplug.core.type_engine import TypeEngine

        return TypeEngine.to_literal_type(t)

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Any = None) -> Any:
        """The ``Literal`` model of a dataframe or ``StructuredDataset``."""
        from taskplug.core.type_engine import TypeEngine

        return TypeEngine.to_literal(ctx, python_val, python_type, expected)

    def to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> Any:
        """The dataframe or ``StructuredDataset`` of a table literal."""
        from taskplug.core.type_engine import TypeEngine

        return TypeEngine.to_python_value(ctx, lv, expected_python_type)

    def to_html(self, ctx: Any, python_val: Any, expected_python_type: Any) -> str:
        """HTML of a dataframe, by the renderer registered for its type."""
        from taskplug.types.tables.dataset import StructuredDataset

        df = python_val
        if isinstance(python_val, StructuredDataset):
            if python_val.dataframe is None:
                cols = ", ".join(f"{k}: {v!r}" for k, v in python_val.columns().items())
                return f"<p>StructuredDataset columns: {cols or '(not declared)'}</p>"
            df = python_val.dataframe
        renderer = type(self).Renderers.get(type(df))
        if renderer is None:
            raise NotImplementedError(f"no renderer is registered for {type(df)!r}")
        html: str = renderer.to_html(df)
        return html

    def open_as(self, ctx: Any, sd: Any, df_type: Any, updated_metadata: Any) -> Any:
        """Read the table literal ``sd`` as ``df_type``."""
        from taskplug.types.tables.dispatch import open_as

        return open_as(_pb(sd), df_type, _pb(updated_metadata) if updated_metadata else None)

    def iter_as(self, ctx: Any, sd: Any, df_type: Any, updated_metadata: Any) -> Any:
        """Read the table literal ``sd`` as ``df_type``, batch by batch."""
        from taskplug.types.tables.dispatch import iter_as

        return iter_as(_pb(sd), df_type, _pb(updated_metadata) if updated_metadata else None)


def _pb(value: Any) -> Any:
    to_idl = getattr(value, "to_flyte_idl", None)
    return to_idl() if callable(to_idl) else value


def _find(table: _Table, df_type: type, protocol: str, fmt: str, *, exact_only: bool) -> Any:
    """The handler for (type, protocol, format): an exact match first (the protocol's own,
    then one serving every protocol); unless ``exact_only``, then one for any format, the
    type's default format, or the only one there is when no format was asked for."""
    by_protocol = table.get(df_type)
    if not by_protocol:
        return None
    candidates = [by_protocol.get(protocol), by_protocol.get(_ANY_PROTOCOL)]
    for handlers in candidates:
        if handlers and fmt in handlers:
            return handlers[fmt]
    if exact_only:
        return None
    default = StructuredDatasetTransformerEngine.DEFAULT_FORMATS.get(df_type)
    for handlers in candidates:
        if not handlers:
            continue
        if GENERIC_FORMAT in handlers:
            return handlers[GENERIC_FORMAT]
        if fmt == GENERIC_FORMAT:
            if default and default in handlers:
                return handlers[default]
            if len(handlers) == 1:
                return next(iter(handlers.values()))
    return None


def _make_table_type(t: type) -> None:
    """Make ``t`` a table type of the type engine, if it is not one already."""
    from taskplug.types.engine import TypeEngine
    from taskplug.types.tables.dataset import StructuredDataset
    from taskplug.types.tables.transformers import DataFrameTransformer, handled_frame_transformer

    if isinstance(t, type) and issubclass(t, StructuredDataset):
        return
    registry = TypeEngine.registry()
    current = registry.get(t)
    if isinstance(current, DataFrameTransformer) and current.python_type is t:
        return
    registry.register(handled_frame_transformer(t), override=True)
