"""Accelerators and shared memory in a pod: what the cluster applies from ``extended_resources``.

Used for pod output (a platform asked for it, see :mod:`taskplug_k8s_pod.hookspecs`) and by
``taskplug render-pod``, which shows the pod as the cluster runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug_k8s_pod.layers import find_container
from taskplug_k8s_pod.spec import PodSpecError

if TYPE_CHECKING:
    from taskplug.accelerators import GPUAccelerator
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask
    from taskplug_k8s_pod.pod import PodState

__all__ = ["GPU_KEYS", "SHM_MOUNT_NAME", "SHM_MOUNT_PATH", "apply_extended", "extended_request"]

#: flytekit's and Flyte propeller's shared-memory volume name and mount path.
SHM_MOUNT_NAME = "flyte-shared-memory"
SHM_MOUNT_PATH = "/dev/shm"
#: Resource names that count GPUs when no accelerator says otherwise.
GPU_KEYS = frozenset({"gpu", "nvidia.com/gpu"})


def extended_request(
    task: PythonTask[Any], settings: SerializationSettings, state: PodState | None
) -> tuple[GPUAccelerator | None, int, bool | str | None]:
    """``(accelerator, GPU count, shared memory)`` as the template's ``extended_resources`` say
    (after the platform's ``taskplug_get_extended_resources`` hooks), plus the shared memory the
    pod carries itself (pod output)."""
    from taskplug.accelerators import GPUAccelerator
    from taskplug.extended_resources import ExtendedResourcesProposal

    count = ExtendedResourcesProposal.from_task(task).gpu_count or 1
    msg = task.get_extended_resources(settings)
    accelerator: GPUAccelerator | None = None
    shared_memory: bool | str | None = state.shared_memory if state is not None else None
    if msg is not None:
        if msg.HasField("gpu_accelerator"):
            acc = msg.gpu_accelerator
            which = acc.WhichOneof("partition_size_value")
            accelerator = GPUAccelerator(
                acc.device,
                acc.partition_size if which == "partition_size" else None,
                unpartitioned=which == "unpartitioned" and acc.unpartitioned,
            )
        if msg.HasField("shared_memory"):
            shared_memory = msg.shared_memory.size_limit or True
    return accelerator, count, shared_memory


def apply_extended(
    spec: dict[str, Any],
    *,
    primary: str,
    accelerator: GPUAccelerator | None,
    gpu_count: int,
    shared_memory: bool | str | None,
    task: str,
) -> dict[str, Any]:
    """``spec`` with the accelerator's pod requirements and shared memory applied (a copy).

    The accelerator's resource (``nvidia.com/gpu``, ``nvidia.com/mig-1g.5gb``,
    ``google.com/tpu`` …) replaces ``gpu`` in the primary container's requests and limits;
    node selector, tolerations and node affinity come from the accelerator catalogue. Shared
    memory is a memory-backed ``emptyDir`` named ``flyte-shared-memory`` mounted at ``/dev/shm``
    in the primary container, sized when a size is given.
    """
    spec = dict(spec)
    containers = [dict(c) for c in spec.get("containers") or ()]
    index = find_container(containers, primary)
    if index < 0:
        containers.append({"name": primary})
        index = len(containers) - 1
    c = containers[index]
    if accelerator is not None:
        from taskplug.accelerators import catalogue

        reqs = catalogue().pod_requirements(accelerator, gpu_count)
        res = dict(c.get("resources") or {})
        for kind in ("limits", "requests"):
            values = {k: v for k, v in (res.get(kind) or {}).items() if k not in GPU_KEYS}
            values.update(reqs.resources)
            res[kind] = values
        c["resources"] = res
        selector = dict(spec.get("nodeSelector") or {})
        for key, value in reqs.node_selector.items():
            if selector.get(key, value) != value:
                raise PodSpecError(
                    f"node selector {key}={selector[key]!r} contradicts accelerator {accelerator}",
                    task=task,
                    field=f"pod_spec.nodeSelector[{key}]",
                )
            selector[key] = value
        spec["nodeSelector"] = selector
        tolerations = list(spec.get("tolerations") or ())
        for t in reqs.tolerations:
            item = t.to_dict()
            if item not in tolerations:
                tolerations.append(item)
        if tolerations:
            spec["tolerations"] = tolerations
        if reqs.node_affinity:
            exprs = [r.to_dict() for r in reqs.node_affinity]
            affinity = dict(spec.get("affinity") or {})
            node = dict(affinity.get("nodeAffinity") or {})
            required = dict(node.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
            terms = [dict(t) for t in required.get("nodeSelectorTerms") or ()] or [{}]
            for term in terms:
                term["matchExpressions"] = [*(term.get("matchExpressions") or ()), *exprs]
            required["nodeSelectorTerms"] = terms
            node["requiredDuringSchedulingIgnoredDuringExecution"] = required
            affinity["nodeAffinity"] = node
            spec["affinity"] = affinity
    else:
        for kind in ("limits", "requests"):
            values = (c.get("resources") or {}).get(kind) or {}
            if "gpu" in values:  # the cluster's GPU resource, as Flyte propeller renames it
                from taskplug.accelerators import NVIDIA_GPU

                res = dict(c["resources"])
                res[kind] = {(NVIDIA_GPU if k == "gpu" else k): v for k, v in values.items()}
                c["resources"] = res
    if shared_memory:
        empty_dir: dict[str, Any] = {"medium": "Memory"}
        if isinstance(shared_memory, str):
            empty_dir["sizeLimit"] = shared_memory
        spec["volumes"] = [
            *(spec.get("volumes") or ()),
            {"name": SHM_MOUNT_NAME, "emptyDir": empty_dir},
        ]
        c["volumeMounts"] = [
            *(c.get("volumeMounts") or ()),
            {"name": SHM_MOUNT_NAME, "mountPath": SHM_MOUNT_PATH},
        ]
    spec["containers"] = containers
    return spec
