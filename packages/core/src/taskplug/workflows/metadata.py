"""What a node is made of besides its bindings: metadata, overrides, names.

:class:`NodeMetadata` is flyteidl's ``NodeMetadata`` (name, timeout, retries, interruptible,
cache); :class:`NodeOverrides` holds what ``with_overrides`` set for the task a node runs;
:func:`dnsify` makes node ids as flytekit makes them.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.core import workflow_pb2

    from taskplug.resources import Resources

__all__ = [
    "NodeMetadata",
    "NodeOverrides",
    "construct_node_metadata",
    "dnsify",
    "entity_kind",
    "short_name",
]


def short_name(name: str) -> str:
    """The last dotted part of a name (flytekit's ``extract_obj_name``)."""
    return name.rpartition(".")[2] if name else ""


def entity_kind(entity: object) -> str:
    """``"task"``, ``"workflow"`` (or the entity's own ``entity_kind``)."""
    return str(getattr(entity, "entity_kind", "task"))


def dnsify(value: str) -> str:
    """A DNS-1123 label for a node id, exactly as flytekit's ``_dnsify`` makes it."""
    res = ""
    if len(value) >= 63:
        digest = hashlib.sha224(value.encode("utf-8")).hexdigest()[:10]
        value = f"{digest}-{value[-(63 - 10 - 1) :]}"
    for ch in value:
        if ch in "_-.":
            if res != "" and len(res) < 62:
                res += "-"
        elif not ch.isalnum():
            pass
        elif ch.islower() or ch.isdigit():
            res += ch
        else:
            if res != "" and res[-1] != "-" and len(res) < 62:
                res += "-"
            res += ch.lower()
    if res.endswith("-"):
        res = res[:-1]
    return res


class NodeMetadata:
    """A node's name, timeout, retries, interruptibility and cache settings (flyteidl's)."""

    __slots__ = (
        "cache_serializable",
        "cache_version",
        "cacheable",
        "interruptible",
        "name",
        "retries",
        "timeout",
    )

    def __init__(
        self,
        name: str,
        *,
        timeout: datetime.timedelta | None = None,
        retries: int = 0,
        interruptible: bool | None = None,
        cacheable: bool | None = None,
        cache_version: str | None = None,
        cache_serializable: bool | None = None,
    ) -> None:
        self.name = name
        self.timeout = timeout
        self.retries = retries
        self.interruptible = interruptible
        self.cacheable = cacheable
        self.cache_version = cache_version
        self.cache_serializable = cache_serializable

    def fill(self, md: workflow_pb2.NodeMetadata) -> workflow_pb2.NodeMetadata:
        """Write into a flyteidl ``NodeMetadata`` in place (``retries`` always present)."""
        md.name = self.name
        if self.timeout:
            md.timeout.FromTimedelta(self.timeout)
        if self.retries:
            md.retries.retries = self.retries
        else:
            md.retries.SetInParent()
        if self.interruptible is not None:
            md.interruptible = self.interruptible
        if self.cacheable is not None:
            md.cacheable = self.cacheable
        if self.cache_version is not None:
            md.cache_version = self.cache_version
        if self.cache_serializable is not None:
            md.cache_serializable = self.cache_serializable
        return md

    def clone(self) -> NodeMetadata:
        """A copy (nodes share their entity's metadata until one is overridden)."""
        other = NodeMetadata.__new__(NodeMetadata)
        for key in NodeMetadata.__slots__:
            setattr(other, key, getattr(self, key))
        return other

    def to_flyte_idl(self) -> workflow_pb2.NodeMetadata:
        """A new flyteidl ``NodeMetadata``."""
        from flyteidl.core import workflow_pb2

        return self.fill(workflow_pb2.NodeMetadata())

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"NodeMetadata({fields})"


def construct_node_metadata(entity: Any) -> NodeMetadata:
    """The metadata of a node running ``entity``, as flytekit's ``construct_node_metadata``.

    Tasks: short name, the task's timeout, retries and interruptible; workflows: short name
    and the workflow's default ``interruptible``.
    """
    own = getattr(entity, "construct_node_metadata", None)
    if own is not None:
        md: NodeMetadata = own()
        return md
    return NodeMetadata(short_name(entity.name))


class NodeOverrides:
    """What ``with_overrides`` set on a task node (``None``: not overridden)."""

    __slots__ = (
        "accelerator",
        "container_image",
        "limits",
        "pod_template",
        "requests",
        "shared_memory",
    )

    def __init__(self) -> None:
        self.requests: Resources | None = None
        self.limits: Resources | None = None
        self.accelerator: Any = None
        self.shared_memory: bool | str | None = None
        self.container_image: str | None = None
        self.pod_template: Any = None

    def any_set(self) -> bool:
        """Whether anything is overridden."""
        return any(getattr(self, k) is not None for k in self.__slots__)
