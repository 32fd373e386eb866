"""The machinery of the model views: :class:`FlyteIdlEntity` and its field descriptors."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from google.protobuf.message import Message

__all__ = ["FlyteIdlEntity", "MessageField", "ModelList", "ModelMap", "ValueField", "pb_of"]

M = TypeVar("M", bound="FlyteIdlEntity")


def pb_of(value: Any, pb_type: type[Message], what: str) -> Message:
    """The flyteidl message of ``value``: a model's, or ``value`` itself if it is one."""
    if isinstance(value, pb_type):
        return value
    if isinstance(value, FlyteIdlEntity) and isinstance(value._pb, pb_type):
        return value._pb
    raise TypeError(
        f"{what} takes a {pb_type.__name__} model (or flyteidl message), got "
        f"{type(value).__name__}: {value!r}"
    )


class FlyteIdlEntity:
    """A flytekit model: a view of one flyteidl message (``to_flyte_idl()`` returns it)."""

    _pb_type: ClassVar[type[Message]]
    __slots__ = ("_pb",)
    _pb: Any  # the flyteidl message (typed loosely: each subclass views its own kind)

    def __init__(self) -> None:
        self._pb = self._pb_type()

    @classmethod
    def from_flyte_idl(cls: type[M], pb2_object: Message) -> M:
        """The model viewing ``pb2_object`` (not a copy: changes show on both sides)."""
        if not isinstance(pb2_object, cls._pb_type):
            raise TypeError(
                f"{cls.__name__}.from_flyte_idl takes a {cls._pb_type.__name__}, got "
                f"{type(pb2_object).__name__}"
            )
        obj = cls.__new__(cls)
        obj._pb = pb2_object
        return obj

    def to_flyte_idl(self) -> Any:
        """The flyteidl message this model views."""
        return self._pb

    def serialize_to_string(self) -> bytes:
        """The message's wire bytes."""
        data: bytes = self._pb.SerializeToString()
        return data

    @property
    def is_empty(self) -> bool:
        """Whether no field is set."""
        return bool(self._pb.ByteSize() == 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FlyteIdlEntity) and other._pb == self._pb

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._pb.SerializeToString(deterministic=True))

    def __repr__(self) -> str:
        return str(self._pb)

    def __str__(self) -> str:
        return self.short_string()

    def short_string(self) -> str:
        """flytekit's ``Flyte Serialized object (Name):`` rendering, fields indented."""
        body = _yaml_like(self._pb, 2).rstrip(os.linesep)
        return f"Flyte Serialized object ({type(self).__name__}):" + os.linesep + body


def _yaml_like(msg: Any, indent: int) -> str:
    if not hasattr(msg, "ListFields"):
        return str(msg)
    lines: list[str] = []
    for descriptor, value in msg.ListFields():
        if hasattr(value, "ListFields"):
            if value.ListFields():
                lines.append(" " * indent + descriptor.name + ":")
                lines.append(_yaml_like(value, indent + 2).rstrip(os.linesep))
        else:
            text = str(value).strip()
            if len(text) > 80:
                text = text[:75] + " [...]"
            if text:
                lines.append(" " * indent + f"{descriptor.name}: {text}")
    return os.linesep.join(lines) + (os.linesep if lines else "")


T = TypeVar("T")


class ValueField(Generic[T]):
    """A scalar field (str, int, float, bytes, bool, enum number).

    ``none_if_empty``: read the field's default (``""``, ``0``) as ``None``, where flytekit's
    model does; ``oneof``: read ``None`` unless this member of its oneof is set.
    """

    def __init__(self, name: str, *, none_if_empty: bool = False, oneof: bool = False) -> None:
        self.name = name
        self.none_if_empty = none_if_empty
        self.oneof = oneof

    def __get__(self, obj: FlyteIdlEntity | None, owner: type) -> Any:
        if obj is None:
            return self
        pb = obj._pb
        if self.oneof and not pb.HasField(self.name):
            return None
        value = getattr(pb, self.name)
        if self.none_if_empty and not value:
            return None
        return value

    def __set__(self, obj: FlyteIdlEntity, value: Any) -> None:
        if value is None:
            obj._pb.ClearField(self.name)
        else:
            setattr(obj._pb, self.name, value)


class MessageField:
    """A message field, read as a model view (``None`` when unset)."""

    def __init__(self, name: str, model: Callable[[], type[FlyteIdlEntity]]) -> None:
        self.name = name
        self._model = model

    def __get__(self, obj: FlyteIdlEntity | None, owner: type) -> Any:
        if obj is None:
            return self
        pb = obj._pb
        if not pb.HasField(self.name):
            return None
        return self._model().from_flyte_idl(getattr(pb, self.name))

    def __set__(self, obj: FlyteIdlEntity, value: Any) -> None:
        set_message(obj._pb, self.name, value, self._model())


def set_message(pb: Any, name: str, value: Any, model: type[FlyteIdlEntity]) -> None:
    """Set message field ``name`` of ``pb`` from a model or message (``None`` clears it)."""
    if value is None:
        pb.ClearField(name)
        return
    target = getattr(pb, name)
    target.CopyFrom(pb_of(value, type(target), f"{model.__name__} field {name!r}"))


class _ModelsField:
    """A field of message values, named ``name``, viewed through the model ``model()``
    (a callable, so that models can refer to classes defined later)."""

    def __init__(self, name: str, model: Callable[[], type[FlyteIdlEntity]]) -> None:
        self.name = name
        self._model = model


class ModelList(_ModelsField):
    """A repeated message field, read as a list of model views."""

    def __get__(self, obj: FlyteIdlEntity | None, owner: type) -> Any:
        if obj is None:
            return self
        model = self._model()
        return [model.from_flyte_idl(m) for m in getattr(obj._pb, self.name)]

    def __set__(self, obj: FlyteIdlEntity, value: Any) -> None:
        set_list(obj._pb, self.name, value or [])


def set_list(pb: Any, name: str, values: Any) -> None:
    """Replace repeated message field ``name`` with copies of ``values`` (models or messages)."""
    field = getattr(pb, name)
    del field[:]
    for v in values:
        item = field.add()
        item.CopyFrom(pb_of(v, type(item), f"field {name!r}"))


class ModelMap(_ModelsField):
    """A map of string to message, read as a dict of model views."""

    def __get__(self, obj: FlyteIdlEntity | None, owner: type) -> Any:
        if obj is None:
            return self
        model = self._model()
        return {k: model.from_flyte_idl(v) for k, v in getattr(obj._pb, self.name).items()}

    def __set__(self, obj: FlyteIdlEntity, value: Any) -> None:
        set_map(obj._pb, self.name, value or {})


def set_map(pb: Any, name: str, values: Any) -> None:
    """Replace map field ``name`` with copies of ``values`` (a dict of models or messages)."""
    field = getattr(pb, name)
    field.clear()
    for k, v in values.items():
        item = field[k]
        item.CopyFrom(pb_of(v, type(item), f"field {name!r}"))
