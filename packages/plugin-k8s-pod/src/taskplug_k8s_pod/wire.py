"""The ``k8s_pod`` target of a task template (flyteidl ``K8sPod``).

The pod spec is written as ``Struct`` wire bytes (:mod:`taskplug_k8s_pod._struct`). Everything
but the primary container depends only on the task's template layers and the settings' images,
so it is encoded once per layer and image configuration and reused; only the primary container
(image, command, resources, environment of this task) is encoded per template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug_k8s_pod._struct import (
    encode_fields,
    encode_value,
    field_entry,
    list_value,
    string_list,
    varint,
)
from taskplug_k8s_pod.pod import PRIMARY_FIELDS, PodState, primary_fields, state_of, wire_spec

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = ["k8s_pod", "pod_spec_bytes"]

_CACHE_MAX = 8  # image configurations remembered per layer


# Encoded values by the identity of the (checked, never changed) value, and the image a
# container runs: checked specs share equal parts (taskplug_k8s_pod.spec), so do their bytes.
_ENCODED: dict[tuple[int, str | None], tuple[Any, bytes]] = {}
_ENCODED_MAX = 4096


def _encoded(value: Any, image: str | None) -> bytes:
    key = (id(value), image)
    hit = _ENCODED.get(key)
    if hit is not None and hit[0] is value:
        return hit[1]
    if type(value) is list and image is None:  # items may be shared even when the list is not
        payload = list_value([_encoded(v, None) for v in value])
        data = b"\x32" + varint(len(payload)) + payload
    else:
        data = encode_value(value if image is None else {**value, "image": image})
    if len(_ENCODED) >= _ENCODED_MAX:
        _ENCODED.clear()
    _ENCODED[key] = (value, data)
    return data


def _parts(
    task: PythonTask[Any], settings: SerializationSettings, state: PodState
) -> tuple[bytes, list[bytes | None], dict[str, Any], int, bytes]:
    """``(fields but containers, encoded containers with None for the primary, primary, index,
    the primary's fields the task does not set)``.

    Kept on the layer per image configuration: tasks sharing a template share the work.
    """
    layer = state.layer
    config = settings.image_config
    key = (id(config), state.legacy)
    hit = layer.cache.get(key)
    if hit is not None and hit[0] is config:
        return hit[1]  # type: ignore[no-any-return]
    spec = layer.spec
    containers = spec.get("containers") or []
    index = next((i for i, c in enumerate(containers) if c.get("name") == layer.primary), -1)
    base = containers[index] if index >= 0 else {"name": layer.primary}
    encoded: list[bytes | None] = []
    for i, c in enumerate(containers):
        if i == index:
            encoded.append(None)
        elif state.legacy:
            encoded.append(_encoded(c, None))
        else:
            encoded.append(_encoded(c, config.resolve(c.get("image"), task=task.name)))
    if index < 0:
        encoded.append(None)
        index = len(encoded) - 1
    rest = b"".join(field_entry(k, _encoded(v, None)) for k, v in spec.items() if k != "containers")
    fixed = encode_fields({k: v for k, v in base.items() if k not in PRIMARY_FIELDS})
    parts = (rest, encoded, base, index, fixed)
    if len(layer.cache) >= _CACHE_MAX:
        layer.cache.clear()
    layer.cache[key] = (config, parts)
    return parts


def pod_spec_bytes(
    task: PythonTask[Any], settings: SerializationSettings, state: PodState
) -> bytes:
    """The ``Struct`` bytes of the task's pod spec (what ``wire_spec`` returns, encoded)."""
    if state.pod_output:  # accelerator and shared memory change the whole spec
        return encode_fields(wire_spec(task, settings, state))
    rest, encoded, base, _, fixed = _parts(task, settings, state)
    own = primary_fields(task, settings, base, state.legacy)
    primary = [fixed]
    for key, value in own.items():
        if key == "args":
            primary.append(field_entry(key, string_list(value)))
        else:
            primary.append(field_entry(key, encode_value(value)))
    payload = b"".join(primary)
    values = [b"\x2a" + varint(len(payload)) + payload if v is None else v for v in encoded]
    containers = list_value(values)  # a ListValue: Value.list_value is field 6
    return rest + field_entry("containers", b"\x32" + varint(len(containers)) + containers)


def k8s_pod(task: PythonTask[Any], settings: SerializationSettings) -> tasks_pb2.K8sPod:
    """The task's ``K8sPod``: pod spec (a protobuf ``Struct``) and pod metadata."""
    from flyteidl.core import tasks_pb2

    state = state_of(task)
    if state is None:  # pragma: no cover - the plugin serves only tasks that run as pods
        raise ValueError(f"task {task.name!r} does not run as a pod")
    pod = tasks_pb2.K8sPod()
    pod.pod_spec.MergeFromString(pod_spec_bytes(task, settings, state))
    metadata = pod.metadata
    metadata.SetInParent()
    layer = state.layer
    if layer.labels:
        metadata.labels.update(layer.labels)
    if layer.annotations:
        metadata.annotations.update(layer.annotations)
    return pod


def node_pod_override(
    task: PythonTask[Any], pod_template: Any, settings: SerializationSettings
) -> tasks_pb2.K8sPod | None:
    """The ``K8sPod`` of a workflow node's ``with_overrides(pod_template=...)``.

    As flytekit's translator writes it: the override template's spec with its primary container
    filled in from the task (image, command, resources, env), the template's labels and
    annotations, and ``primary_container_name``. The template is checked like a task's own
    (errors name the task and ``with_overrides(pod_template)``). ``None`` for tasks that run no
    ``taskplug-execute`` container (their type's plugin may answer).
    """
    from flyteidl.core import tasks_pb2

    from taskplug_k8s_pod.layers import read_template
    from taskplug_k8s_pod.pod import PodState, check_against_task, pod_spec

    if not hasattr(task, "get_command") or not hasattr(task, "get_image"):
        return None
    layer = read_template(pod_template, task=task.name, where="with_overrides(pod_template)")
    check_against_task(task, PodState(pod_template, layer, layer))
    pod = tasks_pb2.K8sPod()
    pod.pod_spec.MergeFromString(encode_fields(pod_spec(task, settings, layer)))
    metadata = pod.metadata
    metadata.SetInParent()
    if layer.labels:
        metadata.labels.update(layer.labels)
    if layer.annotations:
        metadata.annotations.update(layer.annotations)
    pod.primary_container_name = layer.primary
    return pod
