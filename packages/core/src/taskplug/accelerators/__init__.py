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

from taskplug.accelerators._catalogue import (
    AcceleratorCatalogue,
    DeviceSpec,
    NodeSelectorRequirement,
    PartitionSpec,
    PodRequirements,
    Toleration,
    UnknownAcceleratorError,
    build_catalogue,
    catalogue,
)
from taskplug.accelerators._devices import (
    A10G,
    A100,
    A100_80GB,
    BUILTIN_ACCELERATORS,
    DEFAULT_DEVICE_NODE_LABEL,
    DEFAULT_PARTITION_NODE_LABEL,
    H100,
    H200,
    K80,
    L4,
    L4_VWS,
    L40S,
    M60,
    NVIDIA_GPU,
    P4,
    P100,
    RTX_PRO_6000,
    T4,
    V5E,
    V5P,
    V6E,
    V100,
    BaseAccelerator,
    GPUAccelerator,
    MultiInstanceGPUAccelerator,
    to_accelerator,
)

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
