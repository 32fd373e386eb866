"""Templates against the task they are declared for: contradictions are errors naming the field.

See docs/pod.md ("How the pod is assembled"): resources, environment, image, command, the
accelerator's node selector and shared memory may be set in one place only; container names
must be valid and the primary container usable.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from taskplug_k8s_pod.extended import GPU_KEYS, SHM_MOUNT_NAME, SHM_MOUNT_PATH
from taskplug_k8s_pod.layers import Layer, find_container
from taskplug_k8s_pod.spec import CONTAINER_LISTS, PodSpecError

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask
    from taskplug_k8s_pod.pod import PodState

__all__ = ["check_against_task", "task_resource_maps"]

#: Task resource attributes and their Kubernetes names, in flytekit's order.
_K8S_NAMES = (
    ("ephemeral_storage", "ephemeral-storage"),
    ("cpu", "cpu"),
    ("gpu", "gpu"),
    ("mem", "memory"),
)
#: Kubernetes quantity suffixes (binary ones first, so "Mi" is not read as "M").
_FACTORS: dict[str, int | Decimal] = {
    **{s: 2 ** (10 * (i + 1)) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    "m": Decimal("0.001"),
    **{s: 10 ** (3 * (i + 1)) for i, s in enumerate(("k", "M", "G", "T", "P", "E"))},
}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _quantity(value: Any) -> Decimal | None:
    text = str(value).strip()
    for suffix, factor in _FACTORS.items():
        if text.endswith(suffix):
            text, mult = text[: -len(suffix)], Decimal(factor)
            break
    else:
        mult = Decimal(1)
    try:
        return Decimal(text) * mult
    except InvalidOperation:
        return None


def _same_quantity(a: Any, b: Any) -> bool:
    qa, qb = _quantity(a), _quantity(b)
    return (qa == qb) if qa is not None and qb is not None else str(a) == str(b)


def task_resource_maps(
    task: PythonTask[Any], settings: SerializationSettings | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """``(limits, requests)`` of the task in Kubernetes form (``{"cpu": "1", "memory": "1Gi"}``).

    With ``settings``: its ``default_resources`` when the task sets none (as flytekit).
    """
    spec = task.resources
    limits, requests = _k8s_map(spec.limits), _k8s_map(spec.requests)
    if not limits and not requests and settings is not None and settings.default_resources:
        default = settings.default_resources
        return _k8s_map(default.limits), _k8s_map(default.requests)
    return limits, requests


def _k8s_map(res: Any) -> dict[str, str]:
    return {
        k8s: value if isinstance(value, str) else str(value)
        for attr, k8s in _K8S_NAMES
        if (value := getattr(res, attr))
    }


def _accelerator_requirements(task: PythonTask[Any]) -> Any:
    if task.accelerator is None:
        return None
    from taskplug.accelerators import catalogue
    from taskplug.extended_resources import ExtendedResourcesProposal

    count = ExtendedResourcesProposal.from_task(task).gpu_count or 1
    return catalogue().pod_requirements(task.accelerator, count)


def check_against_task(task: PythonTask[Any], state: PodState) -> None:
    """Refuse templates that contradict the task (each error names the task and the field)."""
    name = task.name
    for layer in (state.layer,) if state.cluster is state.layer else (state.layer, state.cluster):
        spec, primary = layer.spec, layer.primary
        where = f"{layer.origin}.pod_spec"
        containers = spec.get("containers") or []
        if "names checked" not in layer.cache:
            _check_names(name, layer, spec, primary, where, containers)
            layer.cache["names checked"] = True
        index = find_container(containers, primary)
        if index < 0:
            _check_extended(task, state, spec, {}, where)
            continue
        at = f"{where}.containers[{index}]"
        _check_primary(task, state, containers[index], at)
        _check_extended(task, state, spec, containers[index], where, at)


def _check_names(
    name: str,
    layer: Layer,
    spec: dict[str, Any],
    primary: str,
    where: str,
    containers: list[dict[str, Any]],
) -> None:
    """Container names of a layer: valid, the primary one usable (the task does not matter)."""
    for key in CONTAINER_LISTS:
        for i, container in enumerate(spec.get(key) or ()):
            if not _DNS_LABEL.match(container["name"]) or len(container["name"]) > 63:
                raise PodSpecError(
                    f"container name {container['name']!r} is not a valid Kubernetes name "
                    "(lower-case letters, digits and '-', at most 63)",
                    task=name,
                    field=f"{where}.{key}[{i}].name",
                )
            if key != "containers" and container["name"] == primary:
                raise PodSpecError(
                    f"the primary container {primary!r} is one of the {key}; the task runs "
                    "in a regular container: rename one of them",
                    task=name,
                    field=f"{where}.{key}[{i}].name",
                )
    if find_container(containers, primary) < 0 and (
        not _DNS_LABEL.match(primary) or len(primary) > 63
    ):
        raise PodSpecError(
            f"primary_container_name {primary!r} matches no container "
            f"({', '.join(c['name'] for c in containers) or 'none'}), and a container "
            "of that name cannot be inserted: it is not a valid Kubernetes name "
            "(lower-case letters, digits and '-', at most 63)",
            task=name,
            field=f"{layer.origin}.primary_container_name",
        )


def _check_primary(task: PythonTask[Any], state: PodState, c: dict[str, Any], where: str) -> None:
    name = task.name
    for key in ("command", "args"):
        if c.get(key):
            raise PodSpecError(
                f"the primary container's {key} is set by taskplug (it runs the task through "
                f"taskplug-execute); remove {key} from the template",
                task=name,
                field=f"{where}.{key}",
            )
    image = c.get("image")
    own_image = getattr(task, "container_image", None)
    if image and state.legacy:
        raise PodSpecError(
            "with task_config=Pod(...) the primary container always runs the task's image; "
            "set container_image= on the task instead",
            task=name,
            field=f"{where}.image",
        )
    if image and own_image and image != own_image:
        raise PodSpecError(
            f"image {image!r} contradicts the task's container_image {own_image!r}; set it "
            "in one place",
            task=name,
            field=f"{where}.image",
        )
    limits, requests = task_resource_maps(task)
    resources = c.get("resources") or {}
    gpu_keys = set(GPU_KEYS)
    reqs = _accelerator_requirements(task)
    if reqs is not None:
        gpu_keys.update(reqs.resources)
    for kind, ours in (("limits", limits), ("requests", requests)):
        theirs = resources.get(kind) or {}
        for key, value in ours.items():
            for their_key in gpu_keys if key == "gpu" else (key,):
                if their_key in theirs and not _same_quantity(theirs[their_key], value):
                    attr = {"memory": "mem", "ephemeral-storage": "ephemeral_storage"}.get(key, key)
                    raise PodSpecError(
                        f"the template asks for {their_key}={theirs[their_key]!r} but the task's "
                        f"{kind} say {attr}={value!r}; set the resource in one place",
                        task=name,
                        field=f"{where}.resources.{kind}[{their_key}]",
                    )
    env = {e.get("name"): e for e in c.get("env") or ()}
    for key, value in task.environment.items():
        theirs = env.get(key)
        if theirs is not None and (theirs.get("value") != value or "valueFrom" in theirs):
            raise PodSpecError(
                f"env {key!r} is {theirs.get('value', theirs.get('valueFrom'))!r} in the template "
                f"but {value!r} in the task's environment; set it in one place",
                task=name,
                field=f"{where}.env[{key}]",
            )


def _check_extended(
    task: PythonTask[Any],
    state: PodState,
    spec: dict[str, Any],
    primary: dict[str, Any],
    where: str,
    at: str = "",
) -> None:
    name = task.name
    reqs = _accelerator_requirements(task)
    if reqs is not None:
        selector = spec.get("nodeSelector") or {}
        for key, value in reqs.node_selector.items():
            if key in selector and selector[key] != value:
                raise PodSpecError(
                    f"node selector {key}={selector[key]!r} contradicts the task's accelerator "
                    f"{task.accelerator} (which needs {key}={value!r})",
                    task=name,
                    field=f"{where}.nodeSelector[{key}]",
                )
    if state.shared_memory or task.shared_memory:
        for i, volume in enumerate(spec.get("volumes") or ()):
            if volume.get("name") == SHM_MOUNT_NAME:
                raise PodSpecError(
                    f"a volume is named {SHM_MOUNT_NAME!r}, which shared_memory= adds; remove "
                    "one of them",
                    task=name,
                    field=f"{where}.volumes[{i}]",
                )
        for i, mount in enumerate(primary.get("volumeMounts") or ()):
            if mount.get("mountPath") == SHM_MOUNT_PATH:
                raise PodSpecError(
                    f"the primary container already mounts {SHM_MOUNT_PATH}, where "
                    "shared_memory= mounts shared memory; remove one of them",
                    task=name,
                    field=f"{at}.volumeMounts[{i}]",
                )
