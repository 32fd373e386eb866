"""``flytekit.models.core.types``: :class:`BlobType` and :class:`EnumType`."""

from __future__ import annotations

from flyteidl.core import types_pb2

from taskplug.models._base import FlyteIdlEntity, ValueField

__all__ = ["BlobType", "EnumType"]


class EnumType(FlyteIdlEntity):
    """The literal type of an enum: its values (``types_pb2.EnumType``)."""

    _pb_type = types_pb2.EnumType
    __slots__ = ()

    def __init__(self, values: list[str]) -> None:
        super().__init__()
        self._pb.values.extend(values or [])

    @property
    def values(self) -> list[str]:
        """The enum's values."""
        return list(self._pb.values)


class BlobType(FlyteIdlEntity):
    """The type of a blob: a format string and one file or many (``types_pb2.BlobType``)."""

    class BlobDimensionality:
        """One file (``SINGLE``) or a directory of files (``MULTIPART``)."""

        SINGLE = types_pb2.BlobType.SINGLE
        MULTIPART = types_pb2.BlobType.MULTIPART

    _pb_type = types_pb2.BlobType
    __slots__ = ()

    format: ValueField[str] = ValueField("format")
    dimensionality: ValueField[int] = ValueField("dimensionality")

    def __init__(self, format: str, dimensionality: int) -> None:
        super().__init__()
        self._pb.format = format or ""
        self._pb.dimensionality = dimensionality
