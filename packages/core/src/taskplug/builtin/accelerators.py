"""The built-in accelerator catalogue: flytekit's devices, their MIG profiles and TPU slices.

Registered through the ``taskplug`` entry point ``accelerators`` of the ``taskplug``
distribution and the hook ``taskplug_register_accelerators``, exactly as a third-party plugin
registers its devices. Disable it (``TASKPLUG_DISABLE_PLUGINS=accelerators``) to start from an
empty catalogue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    from taskplug.accelerators import AcceleratorCatalogue

TASKPLUG_API_VERSION = "1.0"

#: Google Kubernetes Engine's node labels for TPUs.
GKE_TPU_ACCELERATOR_LABEL = "cloud.google.com/gke-tpu-accelerator"
GKE_TPU_TOPOLOGY_LABEL = "cloud.google.com/gke-tpu-topology"
#: The Kubernetes resource of TPU chips on GKE.
GOOGLE_TPU = "google.com/tpu"


@hookimpl
def taskplug_register_accelerators(catalogue: AcceleratorCatalogue) -> None:
    """Register every constant of :mod:`taskplug.accelerators` with its partitions."""
    from taskplug.accelerators import (  # imported when the catalogue is first needed
        BUILTIN_ACCELERATORS,
        NVIDIA_GPU,
        MultiInstanceGPUAccelerator,
    )

    for acc in BUILTIN_ACCELERATORS:
        partitions = acc.declared_partitions if isinstance(acc, MultiInstanceGPUAccelerator) else ()
        if acc.device.startswith("tpu-"):
            catalogue.add_device(
                acc.device,
                resource_name=GOOGLE_TPU,
                vendor="google",
                partitions=partitions,
                partition_kind="slice",
                node_label=GKE_TPU_ACCELERATOR_LABEL,
                partition_label=GKE_TPU_TOPOLOGY_LABEL,
                plugin="accelerators",
            )
        else:
            catalogue.add_device(
                acc.device,
                resource_name=NVIDIA_GPU,
                vendor="nvidia",
                partitions=partitions,
                partition_kind="mig",
                plugin="accelerators",
            )
