"""The ``k8s_pod`` target of a task template (flyteidl ``K8sPod``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug_k8s_pod.pod import state_of, wire_spec

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = ["k8s_pod"]


def k8s_pod(task: PythonTask[Any], settings: SerializationSettings) -> tasks_pb2.K8sPod:
    """The task's ``K8sPod``: pod spec (a protobuf ``Struct``) and pod metadata."""
    from flyteidl.core import tasks_pb2

    state = state_of(task)
    if state is None:  # pragma: no cover - the plugin serves only tasks that run as pods
        raise ValueError(f"task {task.name!r} does not run as a pod")
    pod = tasks_pb2.K8sPod()
    pod.pod_spec.update(wire_spec(task, settings, state))
    metadata = pod.metadata
    metadata.SetInParent()
    layer = state.layer
    if layer.labels:
        metadata.labels.update(layer.labels)
    if layer.annotations:
        metadata.annotations.update(layer.annotations)
    return pod
