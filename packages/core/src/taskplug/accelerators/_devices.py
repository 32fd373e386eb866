"""Accelerator objects users pass to ``@task``: ``GPUAccelerator`` and flytekit's constants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

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
