"""GPU and TPU accelerators: the objects users pass to ``@task`` and the open device catalogue.

Users write what they would write with flytekit::

    from taskplug.accelerators import A100, T4

    @task(limits=Resources(gpu=1), accelerator=T4)
    def train() -> None: ...

    @task(limits=Resources(gpu=1), accelerator=A100.partition_1g_5gb)   # one MIG slice
    def infer() -> None: ...

    @task(limits=Resources(gpu=1), accelerator=A100.unpartitioned)      # a whole, un-sliced GPU
    def big() -> None: ...

``accelerator=`` also takes a device string (``"nvidia-tesla-t4"``) or any object with a
flytekit-style ``to_flyte_idl()``; all are normalized to a :class:`GPUAccelerator`.

Unlike flytekit, whose device list is closed, the **catalogue is open**: every device, its legal
partitions, its Kubernetes resource name, node labels and tolerations come from plugins through
the hook ``taskplug_register_accelerators(catalogue)``; the devices below are registered by the
built-in plugin ``taskplug.builtin.accelerators`` through that same hook. :func:`catalogue`
builds the catalogue once, on first use, for the current plugin manager (and again if the
manager is replaced or a plugin implementing the hook is registered later).

Nothing here imports protobuf or builds the plugin manager at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from taskplug.errors import DuplicateRegistrationError

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug._manager import TaskplugPluginManager

__all__ = [
    "A10G",
    "A100",
    "A100_80GB",
    "BUILTIN_ACCELERATORS",
    "DEFAULT_DEVICE_NODE_LABEL",
    "DEFAULT_PARTITION_NODE_LABEL",
    "H100",
    "H200",
    "K80",
    "L4",
    "L4_VWS",
    "L40S",
    "M60",
    "NVIDIA_GPU",
    "P4",
    "P100",
    "RTX_PRO_6000",
    "T4",
    "V5E",
    "V5P",
    "V6E",
    "V100",
    "AcceleratorCatalogue",
    "BaseAccelerator",
    "DeviceSpec",
    "GPUAccelerator",
    "MultiInstanceGPUAccelerator",
    "NodeSelectorRequirement",
    "PartitionSpec",
    "PodRequirements",
    "Toleration",
    "UnknownAcceleratorError",
    "build_catalogue",
    "catalogue",
    "to_accelerator",
]

#: The Kubernetes resource name of NVIDIA GPUs (the NVIDIA device plugin).
NVIDIA_GPU = "nvidia.com/gpu"
#: The node label whose value is the device name (Flyte propeller's ``gpu-device-node-label``).
DEFAULT_DEVICE_NODE_LABEL = "k8s.amazonaws.com/accelerator"
#: The node label whose value is the partition size (``gpu-partition-size-node-label``).
DEFAULT_PARTITION_NODE_LABEL = "k8s.amazonaws.com/gpu-partition-size"

PartitionKind = Literal["mig", "slice", "other"]


# --------------------------------------------------------------------------------------------
# Accelerator objects (what users pass to ``@task(accelerator=...)``)
# --------------------------------------------------------------------------------------------


class BaseAccelerator:
    """Base class of accelerator objects; subclasses implement :meth:`to_flyte_idl`."""

    __slots__ = ()

    def to_flyte_idl(self) -> tasks_pb2.GPUAccelerator:
        """The flyteidl message of this accelerator."""
        raise NotImplementedError


class GPUAccelerator(BaseAccelerator):
    """A device, optionally a partition of it (a MIG profile, a TPU slice), or explicitly whole.

    ``GPUAccelerator("nvidia-tesla-t4")`` names a device as flytekit's class does;
    ``.partitioned("1g.5gb")`` and ``.unpartitioned`` derive new (immutable) objects. The device
    and partition are checked against the catalogue when a task using them is declared, so a
    device a plugin registers works exactly like a built-in one.
    """

    __slots__ = ("_device", "_partition_size", "_unpartitioned")

    def __init__(
        self, device: str, partition_size: str | None = None, *, unpartitioned: bool = False
    ) -> None:
        if not isinstance(device, str) or not device:
            raise ValueError(f"an accelerator device must be a non-empty string, got {device!r}")
        if partition_size is not None and unpartitioned:
            raise ValueError(
                f"accelerator {device!r}: a partition ({partition_size!r}) and unpartitioned=True "
                "exclude each other"
            )
        self._device = device
        self._partition_size = partition_size
        self._unpartitioned = unpartitioned

    @property
    def device(self) -> str:
        """The device name, as the cluster knows it (``"nvidia-tesla-a100"``)."""
        return self._device

    @property
    def partition_size(self) -> str | None:
        """The partition (``"1g.5gb"``), or ``None``."""
        return self._partition_size

    @property
    def is_unpartitioned(self) -> bool:
        """Whether a whole, un-partitioned device is asked for explicitly."""
        return self._unpartitioned

    def partitioned(self, partition_size: str) -> GPUAccelerator:
        """The same device, partition ``partition_size`` (checked when a task is declared)."""
        return GPUAccelerator(self._device, partition_size)

    @property
    def unpartitioned(self) -> GPUAccelerator:
        """The same device, asked for whole: ``A100.unpartitioned`` (as in flytekit)."""
        return GPUAccelerator(self._device, unpartitioned=True)

    def to_flyte_idl(self) -> tasks_pb2.GPUAccelerator:
        """``flyteidl.core.GPUAccelerator``: device, and ``partition_size`` or ``unpartitioned``."""
        from flyteidl.core import tasks_pb2

        msg = tasks_pb2.GPUAccelerator(device=self._device)
        if self._partition_size is not None:
            msg.partition_size = self._partition_size
        elif self._unpartitioned:
            msg.unpartitioned = True
        return msg

    def _key(self) -> tuple[str, str | None, bool]:
        return (self._device, self._partition_size, self._unpartitioned)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GPUAccelerator):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        if self._partition_size is not None:
            return f"GPUAccelerator({self._device!r}, {self._partition_size!r})"
        if self._unpartitioned:
            return f"GPUAccelerator({self._device!r}, unpartitioned=True)"
        return f"GPUAccelerator({self._device!r})"

    def __str__(self) -> str:
        if self._partition_size is not None:
            return f"{self._device}:{self._partition_size}"
        return self._device + (" (unpartitioned)" if self._unpartitioned else "")


class MultiInstanceGPUAccelerator(GPUAccelerator):
    """A device that can be split; its class lists the partitions as attributes.

    ``A100.partition_2g_10gb`` is a :class:`GPUAccelerator` for that MIG profile;
    :attr:`declared_partitions` lists the partitions the class declares (the built-in plugin
    registers exactly these in the catalogue).
    """

    __slots__ = ()

    @property
    def declared_partitions(self) -> tuple[str, ...]:
        """Partition sizes declared as attributes of this object's class, in declaration order."""
        seen: dict[str, None] = {}
        for klass in reversed(type(self).__mro__):
            for value in vars(klass).values():
                if (
                    isinstance(value, GPUAccelerator)
                    and value.device == self.device
                    and value.partition_size is not None
                ):
                    seen[value.partition_size] = None
        return tuple(seen)


def _p(device: str, size: str) -> GPUAccelerator:
    return GPUAccelerator(device, size)


#: `NVIDIA A10G <https://www.nvidia.com/en-us/data-center/products/a10-gpu>`_.
A10G = GPUAccelerator("nvidia-a10g")
#: `NVIDIA L4 <https://www.nvidia.com/en-us/data-center/l4>`_.
L4 = GPUAccelerator("nvidia-l4")
#: NVIDIA L4 with the virtual workstation (vWS) driver.
L4_VWS = GPUAccelerator("nvidia-l4-vws")
#: `NVIDIA L40S <https://www.nvidia.com/en-us/data-center/l40s>`_.
L40S = GPUAccelerator("nvidia-l40s")
#: NVIDIA Tesla K80.
K80 = GPUAccelerator("nvidia-tesla-k80")
#: NVIDIA Tesla M60.
M60 = GPUAccelerator("nvidia-tesla-m60")
#: NVIDIA Tesla P4.
P4 = GPUAccelerator("nvidia-tesla-p4")
#: NVIDIA Tesla P100.
P100 = GPUAccelerator("nvidia-tesla-p100")
#: NVIDIA Tesla T4.
T4 = GPUAccelerator("nvidia-tesla-t4")
#: NVIDIA Tesla V100.
V100 = GPUAccelerator("nvidia-tesla-v100")
#: NVIDIA RTX PRO 6000.
RTX_PRO_6000 = GPUAccelerator("nvidia-rtx-pro-6000")


class _A100(MultiInstanceGPUAccelerator):
    """NVIDIA A100 (40 GB); MIG profiles as attributes, e.g. ``A100.partition_2g_10gb``."""

    __slots__ = ()
    partition_1g_5gb = _p("nvidia-tesla-a100", "1g.5gb")
    partition_1g_10gb = _p("nvidia-tesla-a100", "1g.10gb")
    partition_2g_10gb = _p("nvidia-tesla-a100", "2g.10gb")
    partition_3g_20gb = _p("nvidia-tesla-a100", "3g.20gb")
    partition_4g_20gb = _p("nvidia-tesla-a100", "4g.20gb")
    partition_7g_40gb = _p("nvidia-tesla-a100", "7g.40gb")


class _A100_80GB(MultiInstanceGPUAccelerator):
    """NVIDIA A100 80 GB; MIG profiles as attributes, e.g. ``A100_80GB.partition_7g_80gb``."""

    __slots__ = ()
    partition_1g_10gb = _p("nvidia-a100-80gb", "1g.10gb")
    partition_1g_20gb = _p("nvidia-a100-80gb", "1g.20gb")
    partition_2g_20gb = _p("nvidia-a100-80gb", "2g.20gb")
    partition_3g_40gb = _p("nvidia-a100-80gb", "3g.40gb")
    partition_4g_40gb = _p("nvidia-a100-80gb", "4g.40gb")
    partition_7g_80gb = _p("nvidia-a100-80gb", "7g.80gb")


class _H100(MultiInstanceGPUAccelerator):
    """NVIDIA H100 80 GB; MIG profiles as attributes, e.g. ``H100.partition_1g_10gb``."""

    __slots__ = ()
    partition_1g_10gb = _p("nvidia-h100", "1g.10gb")
    partition_1g_20gb = _p("nvidia-h100", "1g.20gb")
    partition_2g_20gb = _p("nvidia-h100", "2g.20gb")
    partition_3g_40gb = _p("nvidia-h100", "3g.40gb")
    partition_4g_40gb = _p("nvidia-h100", "4g.40gb")
    partition_7g_80gb = _p("nvidia-h100", "7g.80gb")


class _H200(MultiInstanceGPUAccelerator):
    """NVIDIA H200 141 GB; MIG profiles as attributes, e.g. ``H200.partition_1g_18gb``."""

    __slots__ = ()
    partition_1g_18gb = _p("nvidia-h200", "1g.18gb")
    partition_1g_35gb = _p("nvidia-h200", "1g.35gb")
    partition_2g_35gb = _p("nvidia-h200", "2g.35gb")
    partition_3g_71gb = _p("nvidia-h200", "3g.71gb")
    partition_4g_71gb = _p("nvidia-h200", "4g.71gb")
    partition_7g_141gb = _p("nvidia-h200", "7g.141gb")


class _V5E(MultiInstanceGPUAccelerator):
    """Google Cloud TPU v5e; slice topologies as attributes, e.g. ``V5E.slice_2x4``."""

    __slots__ = ()
    slice_1x1 = _p("tpu-v5-lite-podslice", "1x1")
    slice_2x2 = _p("tpu-v5-lite-podslice", "2x2")
    slice_2x4 = _p("tpu-v5-lite-podslice", "2x4")
    slice_4x4 = _p("tpu-v5-lite-podslice", "4x4")
    slice_4x8 = _p("tpu-v5-lite-podslice", "4x8")
    slice_8x8 = _p("tpu-v5-lite-podslice", "8x8")
    slice_8x16 = _p("tpu-v5-lite-podslice", "8x16")
    slice_16x16 = _p("tpu-v5-lite-podslice", "16x16")


class _V5P(MultiInstanceGPUAccelerator):
    """Google Cloud TPU v5p; slice topologies as attributes, e.g. ``V5P.slice_2x4x4``."""

    __slots__ = ()
    slice_2x2x1 = _p("tpu-v5p-slice", "2x2x1")
    slice_2x2x2 = _p("tpu-v5p-slice", "2x2x2")
    slice_2x4x4 = _p("tpu-v5p-slice", "2x4x4")
    slice_4x4x4 = _p("tpu-v5p-slice", "4x4x4")
    slice_4x4x8 = _p("tpu-v5p-slice", "4x4x8")
    slice_4x8x8 = _p("tpu-v5p-slice", "4x8x8")
    slice_8x8x8 = _p("tpu-v5p-slice", "8x8x8")
    slice_8x8x16 = _p("tpu-v5p-slice", "8x8x16")
    slice_8x16x16 = _p("tpu-v5p-slice", "8x16x16")
    slice_16x16x16 = _p("tpu-v5p-slice", "16x16x16")
    slice_16x16x24 = _p("tpu-v5p-slice", "16x16x24")


class _V6E(MultiInstanceGPUAccelerator):
    """Google Cloud TPU v6e; slice topologies as attributes, e.g. ``V6E.slice_2x4``."""

    __slots__ = ()
    slice_1x1 = _p("tpu-v6e-slice", "1x1")
    slice_2x2 = _p("tpu-v6e-slice", "2x2")
    slice_2x4 = _p("tpu-v6e-slice", "2x4")
    slice_4x4 = _p("tpu-v6e-slice", "4x4")
    slice_4x8 = _p("tpu-v6e-slice", "4x8")
    slice_8x8 = _p("tpu-v6e-slice", "8x8")
    slice_8x16 = _p("tpu-v6e-slice", "8x16")
    slice_16x16 = _p("tpu-v6e-slice", "16x16")


#: NVIDIA A100 (40 GB), whole or as a MIG partition (``A100.partition_1g_5gb`` …).
A100 = _A100("nvidia-tesla-a100")
#: NVIDIA A100 80 GB, whole or as a MIG partition (``A100_80GB.partition_7g_80gb`` …).
A100_80GB = _A100_80GB("nvidia-a100-80gb")
#: NVIDIA H100 (80 GB), whole or as a MIG partition (``H100.partition_1g_10gb`` …).
H100 = _H100("nvidia-h100")
#: NVIDIA H200 (141 GB), whole or as a MIG partition (``H200.partition_1g_18gb`` …).
H200 = _H200("nvidia-h200")
#: Google Cloud TPU v5e, as a slice (``V5E.slice_2x4`` …).
V5E = _V5E("tpu-v5-lite-podslice")
#: Google Cloud TPU v5p, as a slice (``V5P.slice_2x2x1`` …).
V5P = _V5P("tpu-v5p-slice")
#: Google Cloud TPU v6e, as a slice (``V6E.slice_2x4`` …).
V6E = _V6E("tpu-v6e-slice")

#: Every built-in constant; the built-in plugin registers these devices.
BUILTIN_ACCELERATORS: tuple[GPUAccelerator, ...] = (
    A10G, L4, L4_VWS, L40S, K80, M60, P4, P100, T4, V100, RTX_PRO_6000,
    A100, A100_80GB, H100, H200, V5E, V5P, V6E,
)  # fmt: skip


def to_accelerator(value: object) -> GPUAccelerator:
    """Normalize what ``@task(accelerator=...)`` accepts into a :class:`GPUAccelerator`.

    Accepted: a :class:`GPUAccelerator`; a device string (``"nvidia-tesla-t4"``, or
    ``"nvidia-tesla-a100:1g.5gb"`` for a partition); any object with a ``to_flyte_idl()``
    returning a flyteidl ``GPUAccelerator`` (flytekit's accelerator constants).
    Raises ``TypeError`` for anything else (the device itself is checked by the catalogue).
    """
    if isinstance(value, GPUAccelerator):
        return value
    if isinstance(value, str):
        device, sep, partition = value.partition(":")
        return GPUAccelerator(device, partition if sep else None)
    to_idl = getattr(value, "to_flyte_idl", None)
    if callable(to_idl):
        msg = to_idl()
        name = getattr(msg, "device", None)
        if isinstance(name, str):
            which = msg.WhichOneof("partition_size_value")
            if which == "partition_size":
                return GPUAccelerator(name, msg.partition_size)
            return GPUAccelerator(
                name, unpartitioned=which == "unpartitioned" and bool(msg.unpartitioned)
            )
    raise TypeError(
        "accelerator= takes a GPUAccelerator (e.g. taskplug.accelerators.T4 or "
        f"A100.partition_1g_5gb) or a device name string, got {type(value).__name__}: {value!r}"
    )


# --------------------------------------------------------------------------------------------
# Catalogue data: devices, partitions, and what a pod needs for them
# --------------------------------------------------------------------------------------------


class Toleration(NamedTuple):
    """A Kubernetes toleration (``operator`` ``Exists`` or ``Equal``)."""

    key: str
    operator: Literal["Exists", "Equal"] = "Exists"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = "NoSchedule"

    def to_dict(self) -> dict[str, str]:
        """The toleration as in a pod manifest (camelCase keys, unset fields left out)."""
        out = {"key": self.key, "operator": self.operator}
        if self.value is not None:
            out["value"] = self.value
        if self.effect is not None:
            out["effect"] = self.effect
        return out


class NodeSelectorRequirement(NamedTuple):
    """One ``matchExpressions`` item of a required node affinity (``DoesNotExist`` …)."""

    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The requirement as in a pod manifest."""
        out: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            out["values"] = list(self.values)
        return out


class PartitionSpec(NamedTuple):
    """A legal partition of a device.

    ``resource_name``: the Kubernetes resource a pod requests for it (MIG under the NVIDIA
    device plugin's ``mixed`` strategy: ``nvidia.com/mig-1g.5gb``); ``None`` means the device's
    resource. ``kind``: ``"mig"`` (under the ``single`` MIG strategy the device's resource is
    requested instead), ``"slice"`` (TPU topologies) or ``"other"``.
    """

    name: str
    resource_name: str | None = None
    kind: PartitionKind = "other"
    node_labels: Mapping[str, str] | None = None
    plugin: str = ""


class DeviceSpec(NamedTuple):
    """One device of the catalogue and what a pod needs to get it.

    ``node_label`` / ``partition_label`` override the catalogue-wide label keys for this device
    (TPUs use GKE's labels); ``node_labels`` adds fixed labels; ``tolerations`` are added to
    every pod that uses the device (default: tolerate the taint named after its resource).
    """

    device: str
    resource_name: str = NVIDIA_GPU
    vendor: str = ""
    description: str = ""
    node_label: str | None = None
    partition_label: str | None = None
    node_labels: Mapping[str, str] = {}  # never mutated: copied on registration
    tolerations: tuple[Toleration, ...] | None = None
    plugin: str = ""

    def effective_tolerations(self) -> tuple[Toleration, ...]:
        """The tolerations a pod using this device gets."""
        if self.tolerations is not None:
            return self.tolerations
        return (Toleration(key=self.resource_name),)


class PodRequirements(NamedTuple):
    """What a pod needs to get ``count`` of an accelerator: data for the Kubernetes pod plugin.

    ``resources`` go into the container's requests and limits (extended resources must have
    request == limit); ``node_selector`` into ``spec.nodeSelector``; ``tolerations`` into
    ``spec.tolerations``; ``node_affinity`` into a required node affinity term.
    """

    resources: Mapping[str, str]
    node_selector: Mapping[str, str]
    tolerations: tuple[Toleration, ...] = ()
    node_affinity: tuple[NodeSelectorRequirement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The requirements in pod-manifest form (``resources``, ``nodeSelector`` …)."""
        out: dict[str, Any] = {
            "resources": {"requests": dict(self.resources), "limits": dict(self.resources)},
            "nodeSelector": dict(self.node_selector),
            "tolerations": [t.to_dict() for t in self.tolerations],
        }
        if self.node_affinity:
            out["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [r.to_dict() for r in self.node_affinity]}
                        ]
                    }
                }
            }
        return out


class UnknownAcceleratorError(LookupError):
    """A device or partition is not in the catalogue (the message lists what is)."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule

    def __str__(self) -> str:
        return str(self.args[0])


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RESOURCE = re.compile(r"^([A-Za-z0-9.-]+/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


class AcceleratorCatalogue:
    """The devices tasks may ask for; filled by ``taskplug_register_accelerators`` hooks.

    A plugin calls :meth:`add_device` and :meth:`add_partition` (also to add partitions to a
    device another plugin registered). Registering a device or a partition twice raises
    :class:`~taskplug.errors.DuplicateRegistrationError` naming both plugins. The catalogue-wide
    settings :attr:`device_node_label`, :attr:`partition_node_label` and :attr:`mig_strategy`
    describe the cluster (propeller's defaults); a platform plugin may change them.
    """

    def __init__(self) -> None:
        self._devices: dict[str, DeviceSpec] = {}
        self._partitions: dict[str, dict[str, PartitionSpec]] = {}
        self._pending: list[tuple[str, PartitionSpec]] = []
        self._plugin = ""
        #: Node label whose value is the device name (e.g. ``nvidia.com/gpu.accelerator``).
        self.device_node_label = DEFAULT_DEVICE_NODE_LABEL
        #: Node label whose value is the partition size.
        self.partition_node_label = DEFAULT_PARTITION_NODE_LABEL
        #: NVIDIA device plugin MIG strategy: ``"mixed"`` (``nvidia.com/mig-<profile>``
        #: resources) or ``"single"`` (every MIG slice is an ``nvidia.com/gpu``).
        self.mig_strategy: Literal["mixed", "single"] = "mixed"

    # -- registration ------------------------------------------------------------------------

    def add_device(
        self,
        device: str,
        *,
        resource_name: str = NVIDIA_GPU,
        partitions: Iterable[str | PartitionSpec] = (),
        vendor: str = "",
        description: str = "",
        node_label: str | None = None,
        partition_label: str | None = None,
        node_labels: Mapping[str, str] | None = None,
        tolerations: Iterable[Toleration] | None = None,
        partition_kind: PartitionKind = "other",
        plugin: str | None = None,
    ) -> DeviceSpec:
        """Register ``device`` with its Kubernetes resource name and legal partitions.

        ``partitions`` are names (``"1g.5gb"``; registered with ``partition_kind``) or
        :class:`PartitionSpec` objects. ``plugin`` defaults to the plugin whose hook is running.
        """
        owner = plugin or self._plugin or "(unknown plugin)"
        if not isinstance(device, str) or not _NAME.match(device):
            raise ValueError(f"plugin {owner!r}: invalid accelerator device name {device!r}")
        if not _RESOURCE.match(resource_name):
            raise ValueError(
                f"plugin {owner!r}: device {device!r}: invalid Kubernetes resource name "
                f"{resource_name!r}"
            )
        old = self._devices.get(device)
        if old is not None:
            raise DuplicateRegistrationError(
                f"accelerator device {device!r} is registered twice: by plugin {old.plugin!r} and "
                f"by plugin {owner!r}; add partitions with catalogue.add_partition() instead, or "
                "disable one plugin",
                plugin=owner,
            )
        spec = DeviceSpec(
            device=device,
            resource_name=resource_name,
            vendor=vendor,
            description=description,
            node_label=node_label,
            partition_label=partition_label,
            node_labels=dict(node_labels or {}),
            tolerations=tuple(tolerations) if tolerations is not None else None,
            plugin=owner,
        )
        self._devices[device] = spec
        self._partitions[device] = {}
        waiting = [p for d, p in self._pending if d == device]
        self._pending = [(d, p) for d, p in self._pending if d != device]
        for pending in waiting:
            self._add_partition_spec(device, pending, pending.plugin)
        for part in partitions:
            if isinstance(part, PartitionSpec):
                self._add_partition_spec(device, part, owner)
            else:
                self.add_partition(device, part, kind=partition_kind, plugin=owner)
        return spec

    def add_partition(
        self,
        device: str,
        partition: str,
        *,
        resource_name: str | None = None,
        kind: PartitionKind = "other",
        node_labels: Mapping[str, str] | None = None,
        plugin: str | None = None,
    ) -> PartitionSpec:
        """Declare ``partition`` legal for ``device``, which any plugin may register.

        The order of plugins does not matter: a partition of a device not registered yet waits
        for it; one whose device never comes is an error when the catalogue is complete
        (:meth:`finish`). For ``kind="mig"`` on an NVIDIA device the resource name defaults to
        ``nvidia.com/mig-<partition>``.
        """
        owner = plugin or self._plugin or "(unknown plugin)"
        spec = PartitionSpec(
            name=partition,
            resource_name=resource_name,
            kind=kind,
            node_labels=dict(node_labels) if node_labels is not None else None,
            plugin=owner,
        )
        if device not in self._devices:
            self._check_partition_name(device, spec)
            self._pending.append((device, spec))
            return spec
        return self._add_partition_spec(device, spec, owner)

    def finish(self) -> AcceleratorCatalogue:
        """End registration: a partition whose device nobody registered is an error."""
        if self._pending:
            device, spec = self._pending[0]
            raise UnknownAcceleratorError(
                f"plugin {spec.plugin!r} added partition {spec.name!r} to device {device!r}, "
                "which no plugin registers (catalogue.add_device)",
                rule="accelerator-device-known",
            )
        return self

    def _check_partition_name(self, device: str, spec: PartitionSpec) -> None:
        if not spec.name or not _NAME.match(spec.name):
            raise ValueError(
                f"plugin {spec.plugin!r}: device {device!r}: invalid partition name {spec.name!r}"
            )

    def _add_partition_spec(self, device: str, spec: PartitionSpec, owner: str) -> PartitionSpec:
        if not spec.plugin:
            spec = spec._replace(plugin=owner)
        self._check_partition_name(device, spec)
        dev = self._devices[device]
        if spec.resource_name is None and spec.kind == "mig" and dev.resource_name == NVIDIA_GPU:
            spec = spec._replace(resource_name=f"nvidia.com/mig-{spec.name}")
        parts = self._partitions[device]
        old = parts.get(spec.name)
        if old is not None:
            raise DuplicateRegistrationError(
                f"partition {spec.name!r} of accelerator device {device!r} is registered twice: "
                f"by plugin {old.plugin!r} and by plugin {spec.plugin!r}",
                plugin=spec.plugin,
            )
        parts[spec.name] = spec
        return spec

    # -- queries -----------------------------------------------------------------------------

    def __contains__(self, device: object) -> bool:
        return device in self._devices

    def __iter__(self) -> Iterator[DeviceSpec]:
        return iter(self._devices.values())

    def __len__(self) -> int:
        return len(self._devices)

    def device(self, device: str) -> DeviceSpec:
        """The :class:`DeviceSpec` of ``device`` (``UnknownAcceleratorError`` lists known ones)."""
        spec = self._devices.get(device)
        if spec is None:
            raise UnknownAcceleratorError(
                f"unknown accelerator device {device!r}; known devices: "
                f"{', '.join(sorted(self._devices)) or '(none)'}. A plugin can add it through "
                "the taskplug_register_accelerators hook (catalogue.add_device)",
                rule="accelerator-device-known",
            )
        return spec

    def partitions(self, device: str) -> Mapping[str, PartitionSpec]:
        """The legal partitions of ``device`` by name (empty for devices that cannot be split)."""
        self.device(device)
        return dict(self._partitions[device])

    def accelerator(self, device: str, partition: str | None = None) -> GPUAccelerator:
        """A checked :class:`GPUAccelerator` for a registered device (and partition)."""
        return self.resolve(GPUAccelerator(device, partition))

    def resolve(self, value: object) -> GPUAccelerator:
        """Normalize ``value`` (see :func:`to_accelerator`) and check device and partition.

        Raises ``TypeError`` for a value that is no accelerator and
        :class:`UnknownAcceleratorError` (a ``LookupError`` with a ``rule``) for an unknown device
        or a partition the device does not have.
        """
        acc = to_accelerator(value)
        self.device(acc.device)
        size = acc.partition_size
        if size is not None and size not in self._partitions[acc.device]:
            legal = sorted(self._partitions[acc.device])
            raise UnknownAcceleratorError(
                f"accelerator device {acc.device!r} has no partition {size!r}; "
                + (
                    f"legal partitions: {', '.join(legal)}" if legal else "it cannot be partitioned"
                ),
                rule="accelerator-partition-legal",
            )
        return acc

    def pod_requirements(self, accelerator: object, count: int = 1) -> PodRequirements:
        """What a pod needs for ``count`` of ``accelerator`` (resources, labels, tolerations).

        The device's node label (the catalogue's :attr:`device_node_label`, or the device's own)
        selects the device; a partition adds the partition label, as Flyte propeller does; an
        explicit ``unpartitioned`` request keeps the pod off partitioned nodes through a
        ``DoesNotExist`` node-affinity requirement on the partition label.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"accelerator count must be a whole number >= 1, got {count!r}")
        acc = self.resolve(accelerator)
        dev = self._devices[acc.device]
        node_label = dev.node_label or self.device_node_label
        partition_label = dev.partition_label or self.partition_node_label
        selector: dict[str, str] = {node_label: acc.device, **dev.node_labels}
        resource = dev.resource_name
        affinity: tuple[NodeSelectorRequirement, ...] = ()
        if acc.partition_size is not None:
            part = self._partitions[acc.device][acc.partition_size]
            if part.resource_name is not None and not (
                part.kind == "mig" and self.mig_strategy == "single"
            ):
                resource = part.resource_name
            if part.node_labels is not None:
                selector.update(part.node_labels)
            else:
                selector[partition_label] = part.name
        elif acc.is_unpartitioned:
            affinity = (NodeSelectorRequirement(partition_label, "DoesNotExist"),)
        return PodRequirements(
            resources={resource: str(count)},
            node_selector=selector,
            tolerations=dev.effective_tolerations(),
            node_affinity=affinity,
        )

    def __repr__(self) -> str:
        return f"<AcceleratorCatalogue {len(self._devices)} devices>"


# --------------------------------------------------------------------------------------------
# Building the catalogue from the plugins
# --------------------------------------------------------------------------------------------

_HOOK = "taskplug_register_accelerators"
_CACHE_ATTR = "_taskplug_accelerator_catalogue"


def build_catalogue(pm: TaskplugPluginManager) -> AcceleratorCatalogue:
    """Build a catalogue from every ``taskplug_register_accelerators`` implementation of ``pm``.

    Implementations run in pluggy order, one at a time, so that registrations (and duplicate
    errors) are attributed to the plugin that made them. An error raised by a plugin names it.
    """
    cat = AcceleratorCatalogue()
    for name, call in pm.hooks.each(_HOOK):
        cat._plugin = name
        try:
            call(catalogue=cat)
        finally:
            cat._plugin = ""
    return cat.finish()


def catalogue() -> AcceleratorCatalogue:
    """The accelerator catalogue of the current plugin manager, built on first use.

    Kept on the plugin manager itself, so :func:`taskplug.testing.fresh_plugin_manager` (or
    any replacement of the manager) gets a catalogue of its own; rebuilt as well when the set of
    ``taskplug_register_accelerators`` implementations changes.
    """
    from taskplug._manager import get_plugin_manager

    pm = get_plugin_manager()
    impls = getattr(pm.hook, _HOOK).get_hookimpls()
    cached: tuple[list[Any], AcceleratorCatalogue] | None = getattr(pm, _CACHE_ATTR, None)
    if cached is not None and cached[0] == impls:
        return cached[1]
    cat = build_catalogue(pm)
    setattr(pm, _CACHE_ATTR, (impls, cat))
    return cat
