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
from taskplug._manager import get_plugin_manager
from taskplug.errors import PluginError
from taskplug.serialization.answers import Answerer, check_config, check_custom, check_message
from taskplug.serialization.security import fill_security_context, security_context
from taskplug.tasks.base import PythonTask
from taskplug.tasks.function import PythonFunctionTask

if TYPE_CHECKING:
    from flyteidl.core import interface_pb2

    from taskplug._manager import TaskplugPluginManager
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.interface import Interface
    from taskplug.tasks.metadata import TaskMetadata

__all__ = [
    "RUNTIME_FLAVOR",
    "fill_interface",
    "fill_metadata",
    "interface_bytes",
    "security_context",
    "serialize",
    "serialize_to_bytes",
    "typed_interface",
]

#: ``metadata.runtime.flavor`` of every template (flytekit writes ``"python"`` too).
RUNTIME_FLAVOR = "python"

_TASK = identifier_pb2.TASK
_FLYTE_SDK = tasks_pb2.RuntimeMetadata.FLYTE_SDK
_BASE_SECURITY = PythonTask.security_context
_BASE_GET_CONTAINER = PythonTask.get_container
_BASE_GET_EXTENDED = PythonTask.get_extended_resources
_DYNAMIC = PythonFunctionTask.ExecutionBehavior.DYNAMIC
#: The target sections and their message types.
_TARGETS = {
    "container": tasks_pb2.Container,
    "k8s_pod": tasks_pb2.K8sPod,
    "sql": tasks_pb2.Sql,
}


def _apply(tt: tasks_pb2.TaskTemplate, section: str, answer: Any, who: Answerer) -> bool:
    """Check ``answer`` and write it into ``tt``; whether it was a target."""
    if section == "custom":
        tt.custom.update(check_custom(answer, who))
        return False
    if section == "config":
        config = check_config(answer, who)
        if config:
            tt.config.update(config)
        return False
    getattr(tt, section).CopyFrom(check_message(answer, _TARGETS[section], who))
    return True


def _check_owner(task: PythonTask[Any], pm: TaskplugPluginManager) -> None:
    """Refuse a task that nobody describes: no plugin owns its type and it has no target."""
    if pm.task_types.owner_of_class(type(task)) is not None:
        return  # the owner chose not to give a target (e.g. a task run by a backend service)
    off = [i for i in pm.infos.values() if i.status != "loaded"]
    hint = (
        " Plugins not loaded: "
        + "; ".join(f"{i.name!r} ({i.dist_label}) {i.status}: {i.reason}" for i in off)
        if off
        else " Install the plugin that provides this task type (`taskplug plugins` lists them)."
    )
    raise PluginError(
        f"task {task.name!r}: no plugin owns task type {type(task).__qualname__} "
        f"({task.task_type!r}), so nothing describes how it runs (no container, pod or SQL "
        f"target).{hint}"
    )


def serialize(task: PythonTask[Any], settings: SerializationSettings) -> tasks_pb2.TaskTemplate:
    """The flyteidl ``TaskTemplate`` of ``task`` for ``settings``.

    Sections the hooks leave empty (``None``) are left unset, as flytekit leaves them.
    A dynamic task's container also gets the settings themselves (``_F_SS_C``), as flytekit's.
    """
    if getattr(task, "execution_mode", None) is _DYNAMIC:  # taskplug.workflows.dynamic
        from taskplug.workflows.transport import with_serialized_context

        settings = with_serialized_context(settings)
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

    # Owned hooks are asked of the task's owner only; a task class that overrides the method
    # is asked itself (``HookRelay.owned_plan``, cached per class). Every answer is checked.
    cls = type(task)
    pm = get_plugin_manager()
    targets = False
    for section, mode, call in pm.hooks.owned_plan(cls):
        if mode == "skip":
            continue
        if mode == "method":
            answer = getattr(task, f"get_{section}")(settings)
        else:
            if mode == "dynamic":  # a plugin serves some tasks for this hook: ask per task
                call = pm.hooks.owned(f"taskplug_get_{section}", task)
            if call is None:
                continue
            answer = call(task=task, settings=settings)
        if answer is not None:
            who = Answerer(pm, task, f"taskplug_get_{section}", method=mode == "method")
            targets = _apply(tt, section, answer, who) or targets
    if not targets:
        _check_owner(task, pm)

    if task.task_type_version:
        tt.task_type_version = task.task_type_version
    if cls.security_context is _BASE_SECURITY:
        if task.secret_requests:
            fill_security_context(tt.security_context, task.secret_requests)
    else:
        ctx = task.security_context
        if ctx is not None:
            tt.security_context.CopyFrom(ctx)

    # Without hook implementations the base method only copies the task's own request.
    if (
        cls.get_extended_resources is not _BASE_GET_EXTENDED
        or task.accelerator is not None
        or task.shared_memory
        or pm.hooks.has_impls("taskplug_get_extended_resources")
    ):
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
    msg.MergeFromString(interface_bytes(iface))
    return msg


def interface_bytes(iface: Interface) -> bytes:
    """The protobuf encoding of the ``TypedInterface`` of ``iface``.

    Written directly in the wire format from each converter's literal type (encoded once per
    literal type and cached): one parse of the result is several times cheaper than copying
    every variable's ``LiteralType`` into a message. ``tests/core/test_serialization.py``
    checks it against a message built field by field.
    """
    describe = iface.description
    inputs = [
        _entry(name, conv.literal_type, describe(name) or name)
        for name, conv in iface.input_converters.items()
    ]
    out_convs = iface.output_converters
    shared = describe("o0") if len(out_convs) > 1 else ""
    outputs = [
        _entry(name, conv.literal_type, describe(name) or shared or name)
        for name, conv in out_convs.items()
    ]
    ins, outs = b"".join(inputs), b"".join(outputs)
    return b"".join((b"\x0a", _varint(len(ins)), ins, b"\x12", _varint(len(outs)), outs))


# LiteralType bytes by id(); the message is kept too, so an id is never reused while cached.
_LT_CACHE: dict[int, tuple[Any, bytes]] = {}
_LT_CACHE_MAX = 4096
_VARINT_1 = [bytes((n,)) for n in range(128)]


def _lt_bytes(lt: Any) -> bytes:
    hit = _LT_CACHE.get(id(lt))
    if hit is not None and hit[0] is lt:
        return hit[1]
    data: bytes = lt.SerializeToString(deterministic=True)
    if len(_LT_CACHE) >= _LT_CACHE_MAX:
        _LT_CACHE.clear()
    _LT_CACHE[id(lt)] = (lt, data)
    return data


def _varint(n: int) -> bytes:
    if n < 128:
        return _VARINT_1[n]
    out = bytearray()
    while n >= 128:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


# Encoded map entries by (name, id(LiteralType), description): many tasks share variables.
_ENTRY_CACHE: dict[tuple[str, int, str], tuple[Any, bytes]] = {}


def _entry(name: str, literal_type: Any, description: str) -> bytes:
    """One ``VariableMap.variables`` map entry: key 1 = name, value 2 = Variable.

    ``Variable``: type 1 = LiteralType, description 2 = string. Each field is tag byte
    (``field << 3 | 2``: length-delimited), varint length, payload.
    """
    key_ = (name, id(literal_type), description)
    hit = _ENTRY_CACHE.get(key_)
    if hit is not None and hit[0] is literal_type:
        return hit[1]
    lt = _lt_bytes(literal_type)
    desc = description.encode()
    var = b"".join((b"\x0a", _varint(len(lt)), lt, b"\x12", _varint(len(desc)), desc))
    key = name.encode()
    entry = b"".join((b"\x0a", _varint(len(key)), key, b"\x12", _varint(len(var)), var))
    data = b"".join((b"\x0a", _varint(len(entry)), entry))
    if len(_ENTRY_CACHE) >= _LT_CACHE_MAX:
        _ENTRY_CACHE.clear()
    _ENTRY_CACHE[key_] = (literal_type, data)
    return data


def typed_interface(iface: Interface) -> interface_pb2.TypedInterface:
    """The flyteidl ``TypedInterface`` of ``iface`` (a new message)."""
    from flyteidl.core import interface_pb2

    return fill_interface(interface_pb2.TypedInterface(), iface)
