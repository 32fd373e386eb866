"""ACME's taskplug platform plugin: devices, defaults and policy for ACME's GPU cluster.

Everything here goes through taskplug's hooks; no task module needs to import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.accelerators import T4, Toleration
from taskplug.errors import PolicyError
from taskplug.extended_resources import gpu_counts
from taskplug.plugin import hookimpl

if TYPE_CHECKING:
    from taskplug.accelerators import AcceleratorCatalogue
    from taskplug.extended_resources import ExtendedResourcesProposal
    from taskplug.tasks.base import PythonTask

TASKPLUG_API_VERSION = "1.0"

#: The device a GPU task gets when it does not name one.
DEFAULT_ACCELERATOR = T4
#: The most GPUs one task may ask for.
MAX_GPUS = 8
#: The devices ACME's node pools have (partitions of these are fine too).
CLUSTER_DEVICES = frozenset({"nvidia-tesla-t4", "nvidia-a100-80gb", "amd-instinct-mi300x"})


@hookimpl
def taskplug_register_accelerators(catalogue: AcceleratorCatalogue) -> None:
    """Add the AMD MI300X pool and describe the cluster's node labels."""
    catalogue.add_device(
        "amd-instinct-mi300x",
        resource_name="amd.com/gpu",
        vendor="amd",
        description="AMD Instinct MI300X, 192 GB",
        node_label="amd.com/gpu.product-name",
        tolerations=[Toleration("amd.com/gpu")],
    )
    # ACME's nodes are labelled by NVIDIA GPU feature discovery, not with EKS's labels.
    catalogue.device_node_label = "nvidia.com/gpu.accelerator"


@hookimpl(trylast=True)
def taskplug_configure_task(task: PythonTask[Any]) -> None:
    """Refuse, when it is declared, a task that asks for more GPUs than a node has."""
    for count in gpu_counts(task, strict=False):
        if count is not None and count > MAX_GPUS:
            raise PolicyError(
                f"asks for {count} GPUs; ACME nodes have at most {MAX_GPUS}",
                task=task.name,
                rule="acme-max-gpus",
            )


@hookimpl(trylast=True)
def taskplug_get_extended_resources(proposal: ExtendedResourcesProposal) -> None:
    """Defaults, then policy; ``trylast`` so that it judges what every other plugin proposed.

    A GPU task that names no device gets the cluster's default, and GPU tasks get shared memory
    (sized as the memory limit) unless they set it; a device ACME does not have is refused.
    """
    if proposal.accelerator is None and proposal.gpu_count > 0:
        proposal.accelerator = DEFAULT_ACCELERATOR
    if proposal.accelerator is not None and proposal.shared_memory is None:
        proposal.shared_memory = True
    acc = proposal.resolved_accelerator()
    if acc is not None and acc.device not in CLUSTER_DEVICES:
        raise proposal.refuse(
            f"device {acc.device!r} is not available on ACME's cluster; use one of "
            f"{', '.join(sorted(CLUSTER_DEVICES))}",
            rule="acme-cluster-devices",
        )
