"""A task's pod: its layers checked against the task when declared, assembled when serialized.

:func:`declare` runs when a pod task is declared (from the plugin's ``taskplug_configure_task``
and from :class:`~taskplug_k8s_pod.task.PodFunctionTask`): it reads and merges the template
layers, checks them against the task's own settings, and keeps the result on the task.
:func:`pod_spec` builds the pod spec of one template: the merged layers with the primary
container filled in from the task and the settings (image, ``taskplug-execute`` args,
resources, environment), exactly as flytekit writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from taskplug_k8s_pod.layers import Layer, merge_layers, read_template
from taskplug_k8s_pod.spec import CONTAINER_LISTS, PodSpecError

if TYPE_CHECKING:
    from taskplug.accelerators import GPUAccelerator
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = [
    "SHM_MOUNT_NAME",
    "SHM_MOUNT_PATH",
    "PodState",
    "apply_extended",
    "declare",
    "pod_spec",
    "state_of",
    "task_resource_maps",
]

#: Where the plugin keeps a task's checked pod (an attribute of the task owned by this plugin).
STATE_ATTR = "_taskplug_k8s_pod"
#: flytekit's and Flyte propeller's shared-memory volume name and mount path.
SHM_MOUNT_NAME = "flyte-shared-memory"
SHM_MOUNT_PATH = "/dev/shm"
#: Task resource attributes and their Kubernetes names, in flytekit's order.
_K8S_NAMES = (
    ("ephemeral_storage", "ephemeral-storage"),
    ("cpu", "cpu"),
    ("gpu", "gpu"),
    ("mem", "memory"),
)
_GPU_KEYS = frozenset({"gpu", "nvidia.com/gpu"})
#: Kubernetes quantity suffixes (binary ones first, so "Mi" is not read as "M").
_FACTORS: dict[str, int | Decimal] = {
    **{s: 2 ** (10 * (i + 1)) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    "m": Decimal("0.001"),
    **{s: 10 ** (3 * (i + 1)) for i, s in enumerate(("k", "M", "G", "T", "P", "E"))},
}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass
class PodState:
    """What :func:`declare` found: the layers as written into the template and as the cluster
    runs them (with the named template), and how accelerators and shared memory are written."""

    source: Any
    layer: Layer
    cluster: Layer
    legacy: bool = False
    pod_output: bool = False
    shared_memory: bool | str | None = None


# --------------------------------------------------------------------------------------------
# Declaration
# --------------------------------------------------------------------------------------------


def _ask(hook: str, **kwargs: Any) -> Any:
    from taskplug.plugin import get_plugin_manager

    pm = get_plugin_manager()
    if not pm.hooks.has_impls(hook):
        return None
    return pm.hooks.call(hook, **kwargs)


_POD_TASK: list[type] = []


def _pod_task_class() -> type:
    if not _POD_TASK:
        from taskplug_k8s_pod.task import PodFunctionTask

        _POD_TASK.append(PodFunctionTask)
    return _POD_TASK[0]


def source_of(task: PythonTask[Any]) -> Any:
    """The object the task's pod comes from: its ``pod_template`` or its ``Pod`` config."""
    if isinstance(task, _pod_task_class()):
        return task.task_config
    return task.pod_template


def declare(task: PythonTask[Any], *, pod_output: bool | None = None) -> PodState | None:
    """Check the pod of ``task`` and keep it on the task; ``None`` when it runs no pod.

    ``pod_output``: ``None`` asks the platform (``taskplug_k8s_pod_output``) for tasks with an
    accelerator or shared memory.
    """
    legacy = isinstance(task, _pod_task_class())
    source = source_of(task)
    if legacy and task.pod_template is not None:
        raise PodSpecError(
            "a task with task_config=Pod(...) takes its pod from the Pod config; remove "
            "pod_template=, or use pod_template=PodTemplate(...) without the Pod config",
            task=task.name,
            field="pod_template",
        )
    old: PodState | None = getattr(task, STATE_ATTR, None)
    shared_memory = task.shared_memory
    if pod_output is None:
        if old is not None:
            pod_output, shared_memory = old.pod_output, old.shared_memory or shared_memory
        elif task.accelerator is not None or shared_memory:
            pod_output = bool(_ask("taskplug_k8s_pod_output", task=task))
        else:
            pod_output = False
    if source is None and not pod_output:
        setattr(task, STATE_ATTR, None)
        return None
    where = "task_config" if legacy else "pod_template"
    own = (
        read_template(source, task=task.name, where=where)
        if source is not None
        else Layer({}, "primary", {}, {}, "(no template)", {})
    )
    layers = [own]
    default = _ask("taskplug_k8s_pod_default_template", task=task)
    if default is not None:
        layers.insert(0, read_template(default, task=task.name, where="platform default template"))
    layer = merge_layers(layers)
    cluster = layer
    name = task.pod_template_name
    if name:
        named = _ask("taskplug_k8s_pod_named_template", template_name=name, task=task)
        if named is not None:
            layers.insert(-1, read_template(named, task=task.name, where=f"pod template {name!r}"))
            cluster = merge_layers(layers)
    state = PodState(
        source, layer, cluster, legacy, pod_output, shared_memory if pod_output else None
    )
    check_against_task(task, state)
    setattr(task, STATE_ATTR, state)
    if pod_output and task.shared_memory:
        task.shared_memory = None  # the pod carries it now, not extended_resources
    return state


def state_of(task: PythonTask[Any]) -> PodState | None:
    """The task's checked pod; checked again when its source changed after declaration."""
    state: PodState | None = getattr(task, STATE_ATTR, None)
    if state is not None and state.source is source_of(task):
        return state
    return declare(task)


def _find(containers: list[dict[str, Any]], name: str) -> int:
    for i, container in enumerate(containers):
        if container.get("name") == name:
            return i
    return -1


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
        index = _find(containers, primary)
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
    if _find(containers, primary) < 0 and (not _DNS_LABEL.match(primary) or len(primary) > 63):
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
    gpu_keys = set(_GPU_KEYS)
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


# --------------------------------------------------------------------------------------------
# Serialization
# --------------------------------------------------------------------------------------------


#: The primary container's fields the task sets (the others come from the templates).
PRIMARY_FIELDS = ("image", "command", "args", "resources", "env")


def primary_fields(
    task: Any, settings: SerializationSettings, base: dict[str, Any], legacy: bool
) -> dict[str, Any]:
    """What the task puts into its primary container ``base``: image, command, args, resources
    (when the task or the settings have any) and env, as flytekit writes them."""
    c: dict[str, Any] = {}
    image = base.get("image")
    if legacy or not image:
        c["image"] = task.get_image(settings)
    else:
        c["image"] = settings.image_config.resolve(image, task=task.name)
    c["command"] = []
    c["args"] = task.get_command(settings)
    spec_resources = base.get("resources")
    limits, requests = task_resource_maps(task, None if spec_resources else settings)
    if limits or requests:
        res = dict(spec_resources or {})
        res["limits"] = {**(res.get("limits") or {}), **limits}
        res["requests"] = {**(res.get("requests") or {}), **requests}
        c["resources"] = res
    elif spec_resources:
        c["resources"] = spec_resources
    env = settings.env
    task_env = task.environment
    merged = {**env, **task_env} if env else task_env
    c["env"] = [{"name": k, "value": v} for k, v in merged.items()] + list(base.get("env") or ())
    return c


def primary_container(
    task: Any, settings: SerializationSettings, base: dict[str, Any], legacy: bool
) -> dict[str, Any]:
    """The primary container ``base`` with the task's fields filled in."""
    return {**base, **primary_fields(task, settings, base, legacy)}


def pod_spec(
    task: PythonTask[Any], settings: SerializationSettings, layer: Layer, *, legacy: bool = False
) -> dict[str, Any]:
    """The pod spec of ``layer`` with the primary container filled in from the task."""
    spec = dict(layer.spec)
    containers = list(spec.get("containers") or ())
    index = _find(containers, layer.primary)
    base = containers[index] if index >= 0 else {"name": layer.primary}
    primary = primary_container(task, settings, base, legacy)
    if not legacy:
        resolve = settings.image_config.resolve
        containers = [{**c, "image": resolve(c.get("image"), task=task.name)} for c in containers]
    if index >= 0:
        containers[index] = primary
    else:
        containers.append(primary)
    spec["containers"] = containers
    return spec


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
    index = _find(containers, primary)
    if index < 0:
        containers.append({"name": primary})
        index = len(containers) - 1
    c = containers[index]
    if accelerator is not None:
        from taskplug.accelerators import catalogue

        reqs = catalogue().pod_requirements(accelerator, gpu_count)
        res = dict(c.get("resources") or {})
        for kind in ("limits", "requests"):
            values = {k: v for k, v in (res.get(kind) or {}).items() if k not in _GPU_KEYS}
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


def wire_spec(
    task: PythonTask[Any], settings: SerializationSettings, state: PodState
) -> dict[str, Any]:
    """The pod spec written into the task template (``k8s_pod.pod_spec``)."""
    spec = pod_spec(task, settings, state.layer, legacy=state.legacy)
    if state.pod_output:
        accelerator, count, shm = extended_request(task, settings, state)
        spec = apply_extended(
            spec,
            primary=state.layer.primary,
            accelerator=accelerator,
            gpu_count=count,
            shared_memory=shm,
            task=task.name,
        )
    return spec
