"""A task's pod: its layers checked against the task when declared, assembled when serialized.

:func:`declare` runs when a pod task is declared (from the plugin's ``taskplug_configure_task``
and from :class:`~taskplug_k8s_pod.task.PodFunctionTask`): it reads and merges the template
layers, checks them against the task's own settings, and keeps the result on the task.
:func:`pod_spec` builds the pod spec of one template: the merged layers with the primary
container filled in from the task and the settings (image, ``taskplug-execute`` args,
resources, environment), exactly as flytekit writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskplug_k8s_pod.checks import check_against_task, task_resource_maps
from taskplug_k8s_pod.extended import (
    SHM_MOUNT_NAME,
    SHM_MOUNT_PATH,
    apply_extended,
    extended_request,
)
from taskplug_k8s_pod.layers import Layer, find_container, merge_layers, read_template
from taskplug_k8s_pod.spec import PodSpecError

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = [
    "SHM_MOUNT_NAME",
    "SHM_MOUNT_PATH",
    "PodState",
    "apply_extended",
    "check_against_task",
    "declare",
    "pod_spec",
    "state_of",
    "task_resource_maps",
]

#: Where the plugin keeps a task's checked pod (an attribute of the task owned by this plugin).
STATE_ATTR = "_taskplug_k8s_pod"


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
    index = find_container(containers, layer.primary)
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
