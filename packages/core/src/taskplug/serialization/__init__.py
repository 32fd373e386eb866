"""Serialization: a task becomes a flyteidl ``TaskTemplate``, the same one flytekit would write.

``serialize(task, settings)`` assembles the template from the task (id, type, interface,
metadata, security context) and from the plugin hooks (custom, config, container, pod, SQL,
extended resources), each through the task's own ``get_*`` methods, so subclasses and hook
implementations both take part::

    from taskplug.serialization import serialize
    from taskplug.settings import SerializationSettings

    template = serialize(add, SerializationSettings.for_image("ghcr.io/acme/app:1", "v1"))
    data = template.SerializeToString()

Messages are filled in place (no nested constructors, at most one ``CopyFrom`` per section a
hook returns).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from flyteidl.core import identifier_pb2, tasks_pb2

from taskplug import __version__
from taskplug.serialization.security import fill_security_context, security_context
from taskplug.tasks.base import PythonTask

if TYPE_CHECKING:
    from flyteidl.core import interface_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import TaskMetadata
    from taskplug.tasks.interface import Interface

__all__ = [
    "RUNTIME_FLAVOR",
    "fill_interface",
    "fill_metadata",
    "security_context",
    "serialize",
    "serialize_to_bytes",
    "typed_interface",
]

#: ``metadata.runtime.flavor`` of every template (flytekit writes ``"python"`` too).
RUNTIME_FLAVOR = "python"

_TASK = identifier_pb2.TASK
_FLYTE_SDK = tasks_pb2.RuntimeMetadata.FLYTE_SDK
_DEFAULT_SECURITY = PythonTask.security_context


def serialize(task: PythonTask[Any], settings: SerializationSettings) -> tasks_pb2.TaskTemplate:
    """The flyteidl ``TaskTemplate`` of ``task`` for ``settings``.

    Sections the hooks leave empty (``None``) are left unset, as flytekit leaves them.
    """
    tt = tasks_pb2.TaskTemplate()
    tid = tt.id
    tid.resource_type = _TASK
    tid.project = settings.project or ""
    tid.domain = settings.domain or ""
    tid.name = task.name
    tid.version = settings.version or ""
    tt.type = task.task_type

    fill_metadata(tt.metadata, task.metadata, generates_deck=task.enable_deck)
    fill_interface(tt.interface, task.python_interface)

    custom = task.get_custom(settings)
    if custom is not None:
        tt.custom.update(custom)
    config = task.get_config(settings)
    if config:
        tt.config.update(config)

    container = task.get_container(settings)
    if container is not None:
        tt.container.CopyFrom(container)
    pod = task.get_k8s_pod(settings)
    if pod is not None:
        tt.k8s_pod.CopyFrom(pod)
    sql = task.get_sql(settings)
    if sql is not None:
        tt.sql.CopyFrom(sql)

    if task.task_type_version:
        tt.task_type_version = task.task_type_version
    if type(task).security_context is _DEFAULT_SECURITY:
        if task.secret_requests:
            fill_security_context(tt.security_context, task.secret_requests)
    else:
        ctx = task.security_context
        if ctx is not None:
            tt.security_context.CopyFrom(ctx)

    extended = task.get_extended_resources(settings)
    if extended is not None:
        tt.extended_resources.CopyFrom(extended)
    return tt


def serialize_to_bytes(task: PythonTask[Any], settings: SerializationSettings) -> bytes:
    """The template's protobuf bytes (deterministic: equal templates give equal bytes)."""
    data: bytes = serialize(task, settings).SerializeToString(deterministic=True)
    return data


def fill_metadata(
    md: tasks_pb2.TaskMetadata, meta: TaskMetadata, *, generates_deck: bool = False
) -> tasks_pb2.TaskMetadata:
    """Write ``meta`` into the flyteidl ``TaskMetadata`` ``md`` in place, as flytekit does.

    Always present, as in flytekit: ``runtime``, ``retries``, ``generates_deck`` and the
    Kubernetes object ``metadata`` (labels and annotations), even when empty.
    """
    if meta.cache:
        md.discoverable = True
    rt = md.runtime
    rt.type = _FLYTE_SDK
    rt.version = __version__
    rt.flavor = RUNTIME_FLAVOR
    timeout = meta.timeout
    if timeout:
        if isinstance(timeout, datetime.timedelta):
            md.timeout.FromTimedelta(timeout)
        else:
            md.timeout.seconds = int(timeout)
    retries = md.retries
    if meta.retries:
        retries.retries = meta.retries
    else:
        retries.SetInParent()
    if meta.cache_version:
        md.discovery_version = meta.cache_version
    if meta.deprecated:
        md.deprecated_error_message = meta.deprecated
    if meta.interruptible is not None:
        md.interruptible = meta.interruptible
    if meta.cache_serialize:
        md.cache_serializable = True
    if meta.pod_template_name:
        md.pod_template_name = meta.pod_template_name
    if meta.cache_ignore_input_vars:
        md.cache_ignore_input_vars.extend(meta.cache_ignore_input_vars)
    if meta.is_eager:
        md.is_eager = True
    deck = md.generates_deck
    if meta.generates_deck or generates_deck:
        deck.value = True
    else:
        deck.SetInParent()
    k8s = md.metadata
    k8s.SetInParent()
    if meta.labels:
        k8s.labels.update(meta.labels)
    if meta.annotations:
        k8s.annotations.update(meta.annotations)
    return md


def fill_interface(
    msg: interface_pb2.TypedInterface, iface: Interface
) -> interface_pb2.TypedInterface:
    """Write the typed interface of ``iface`` into ``msg`` in place.

    Each variable's description is its docstring description, else its name (as flytekit).
    A single return description is shared by every output, as flytekit shares it.
    """
    inputs = msg.inputs.variables
    for name, conv in iface.input_converters.items():
        var = inputs[name]
        var.type.CopyFrom(conv.literal_type)
        var.description = iface.description(name) or name
    outputs = msg.outputs.variables
    out_convs = iface.output_converters
    shared = iface.description("o0") if len(out_convs) > 1 else ""
    for name, conv in out_convs.items():
        var = outputs[name]
        var.type.CopyFrom(conv.literal_type)
        var.description = iface.description(name) or shared or name
    if not out_convs:
        msg.outputs.SetInParent()
    if not iface.input_converters:
        msg.inputs.SetInParent()
    return msg


def typed_interface(iface: Interface) -> interface_pb2.TypedInterface:
    """The flyteidl ``TypedInterface`` of ``iface`` (a new message)."""
    from flyteidl.core import interface_pb2

    return fill_interface(interface_pb2.TypedInterface(), iface)
