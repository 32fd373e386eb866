"""Per-node task overrides rendered as flyteidl's ``TaskNodeOverrides``.

``requests``/``limits`` become ``resources`` (entries in flytekit's order: cpu, memory, gpu,
ephemeral storage), ``accelerator``/``shared_memory`` become ``extended_resources`` (checked
against the accelerator catalogue like a task's own), ``container_image`` is resolved through
the settings' image config, and ``pod_template`` becomes the node's ``K8sPod`` through the hook
``taskplug_node_pod_override`` — answered by the Kubernetes pod plugin. Nothing is dropped
silently: an override that cannot be applied raises, naming the workflow and the node.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from taskplug.workflows.errors import WorkflowCompileError

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2, workflow_pb2

    from taskplug.resources import Resources
    from taskplug.settings import SerializationSettings
    from taskplug.workflows.metadata import NodeOverrides
    from taskplug.workflows.node import Node

__all__ = [
    "POD_OVERRIDE_HOOK",
    "check_pod_override",
    "check_requests_fit",
    "extended_resources",
    "fill_task_node_overrides",
    "pod_override",
]

#: The hook that turns a node's ``pod_template`` override into a ``K8sPod``.
POD_OVERRIDE_HOOK = "taskplug_node_pod_override"
_NEEDS_POD_PLUGIN = (
    "it needs a plugin implementing the hook taskplug_node_pod_override, such as the "
    "Kubernetes pod plugin (pip install 'taskplug[k8s-pod]'); none is loaded "
    "(`taskplug plugins` lists what is)"
)
# flytekit's order for node overrides, with flyteidl's ResourceName numbers
_ORDER = (("cpu", 1), ("mem", 3), ("gpu", 2), ("ephemeral_storage", 5))


def _gpu(res: Resources | None) -> int | None:
    if res is None or res.gpu is None:
        return None
    try:
        return int(str(res.gpu))
    except ValueError:
        return None


def extended_resources(
    node: Node, accelerator: Any, shared_memory: Any
) -> tasks_pb2.ExtendedResources | None:
    """The node's ``ExtendedResources`` (``None`` when neither is set); checks the catalogue.

    Raises :class:`~taskplug.errors.PolicyError` for an unknown device, an illegal partition,
    a shared memory size that is not a quantity, and the other declaration rules.
    """
    from taskplug.extended_resources import ExtendedResourcesProposal, gpu_counts

    task = node.entity
    ov = node.overrides
    requests, limits = gpu_counts(task, strict=False)
    if ov is not None:
        requests = _gpu(ov.requests) if ov.requests is not None else requests
        limits = _gpu(ov.limits) if ov.limits is not None else limits
    proposal = ExtendedResourcesProposal(
        accelerator,
        shared_memory,
        task_name=f"{task.name} (node {node.id!r} of workflow {node.workflow!r})",
        gpu_requests=requests,
        gpu_limits=limits,
    )
    return proposal.to_proto()


_BINARY = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_DECIMAL = {"m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def _quantity(value: object) -> Decimal | None:
    text = str(value)
    units: dict[str, Decimal] = {s: Decimal(2) ** (10 * (i + 1)) for i, s in enumerate(_BINARY)}
    units.update({s: Decimal(10) ** e for s, e in _DECIMAL.items()})
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            try:
                return Decimal(text[: -len(suffix)]) * Decimal(units[suffix])
            except InvalidOperation:
                return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def check_requests_fit(node: Node, requests: Resources, ov: NodeOverrides | None) -> None:
    """Flyte clamps requests to the task's limits: refuse a request the limits would cut."""
    own = ov is not None and ov.limits is not None
    limits = ov.limits if own else node.entity.resources.limits  # type: ignore[union-attr]
    for attr in ("cpu", "mem", "gpu", "ephemeral_storage"):
        want, cap = getattr(requests, attr), getattr(limits, attr)
        if want is None or cap is None:
            continue
        a, b = _quantity(want), _quantity(cap)
        if a is not None and b is not None and a > b:
            raise WorkflowCompileError(
                f"workflow {node.workflow!r}, node {node.id!r} ({node.describe_entity()}): "
                f"override requests={attr}={want!r} cannot apply: it exceeds the limit "
                f"{attr}={cap!r} and Flyte would lower it to the limit; override limits too",
                workflow=node.workflow,
                node=node.id,
            )


def _add_entries(entries: Any, res: Resources) -> None:
    for attr, number in _ORDER:
        value = getattr(res, attr)
        if value is not None:
            entry = entries.add()
            entry.name = number
            entry.value = str(value)


def check_pod_override(node: Node, pod_template: Any) -> None:
    """Refuse a ``pod_template`` override at once when no plugin can apply it."""
    from taskplug._manager import hooks

    if not hooks().has_impls(POD_OVERRIDE_HOOK):
        raise node._refuse("pod_template", _NEEDS_POD_PLUGIN)


def pod_override(node: Node, settings: SerializationSettings) -> tasks_pb2.K8sPod:
    """The node's pod from ``taskplug_node_pod_override`` (the first plugin that answers).

    The answer must be a flyteidl ``K8sPod``; a plugin answering anything else is named in the
    error, and no answer at all raises (the override would otherwise be lost).
    """
    from flyteidl.core import tasks_pb2

    from taskplug._manager import hooks
    from taskplug.errors import PluginError

    relay = hooks()
    if not relay.has_impls(POD_OVERRIDE_HOOK):
        raise node._refuse("pod_template", _NEEDS_POD_PLUGIN)
    ov = node.overrides
    assert ov is not None
    for plugin, call in relay.each(POD_OVERRIDE_HOOK):
        answer = call(task=node.entity, pod_template=ov.pod_template, settings=settings)
        if answer is None:
            continue
        if not isinstance(answer, tasks_pb2.K8sPod):
            raise PluginError(
                f"plugin {plugin!r} hook {POD_OVERRIDE_HOOK} returned "
                f"{type(answer).__name__}, expected flyteidl.core.tasks_pb2.K8sPod or None "
                f"(node {node.id!r} of workflow {node.workflow!r})",
                plugin=plugin,
            )
        return answer
    raise node._refuse(
        "pod_template",
        f"no plugin implementing {POD_OVERRIDE_HOOK} answered for {node.describe_entity()} "
        f"(task type {node.entity.task_type!r})",
    )


def fill_task_node_overrides(
    msg: workflow_pb2.TaskNodeOverrides, node: Node, settings: SerializationSettings
) -> None:
    """Write the node's overrides into ``msg`` (present, empty when nothing is overridden)."""
    msg.SetInParent()
    ov = node.overrides
    if ov is None:
        return
    if ov.requests is not None or ov.limits is not None:
        res = msg.resources
        res.SetInParent()
        if ov.requests is not None:
            _add_entries(res.requests, ov.requests)
        if ov.limits is not None:
            _add_entries(res.limits, ov.limits)
    if ov.accelerator is not None or ov.shared_memory is not None:
        ext = extended_resources(node, ov.accelerator, ov.shared_memory)
        if ext is not None:
            msg.extended_resources.CopyFrom(ext)
    if ov.container_image is not None:
        msg.container_image = settings.image_config.resolve(
            ov.container_image, task=f"{node.entity.name} (node {node.id!r})"
        )
    if ov.pod_template is not None:
        msg.pod_template.CopyFrom(pod_override(node, settings))
