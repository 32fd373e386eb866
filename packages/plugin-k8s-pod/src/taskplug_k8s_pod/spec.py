"""Reading pod specs: ``kubernetes`` client models or plain dicts, to one checked camelCase dict.

:func:`normalize_spec` accepts a ``V1PodSpec`` (or any client model inside a dict), or a dict
in Kubernetes' camelCase (``nodeSelector``) or the client's snake_case (``node_selector``),
and returns the spec as it appears in a manifest: camelCase keys, ``None`` values left out.
Unknown fields, values of the wrong type, a field given in both spellings, containers without
a name and duplicate container names raise :class:`PodSpecError` naming the task and the path
of the field (``pod_template.pod_spec.containers[1].ports[0].containerPort``).

Client models are turned into dicts by the client itself (``ApiClient.sanitize_for_serialization``,
as flytekit does); the ``kubernetes`` package is never imported for dict specs.
"""

from __future__ import annotations

import datetime
import difflib
import json
import sys
from collections.abc import Mapping
from typing import Any

from taskplug.errors import TaskplugError
from taskplug_k8s_pod._schema import Field, schema

__all__ = [
    "CONTAINER_LISTS",
    "PodSpecError",
    "container_names",
    "is_k8s_model",
    "normalize_spec",
    "to_plain",
]

#: The pod-spec fields that hold containers (names are unique across all three).
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
#: Fields whose values are Kubernetes quantities: a number is accepted where the client says str.
_QUANTITY_FIELDS = frozenset({"limits", "requests", "overhead", "sizeLimit"})


class PodSpecError(TaskplugError, ValueError):
    """A pod spec or pod template is malformed or contradicts the task.

    ``task`` is the task's name, ``field`` the path of the offending field.
    """

    def __init__(self, message: str, *, task: str, field: str) -> None:
        super().__init__(f"task {task!r}: {field}: {message}")
        self.task = task
        self.field = field


def is_k8s_model(value: object) -> bool:
    """Whether ``value`` is a ``kubernetes`` client model (without importing the client)."""
    klass = type(value)
    return (
        klass.__module__.startswith("kubernetes.")
        and hasattr(klass, "openapi_types")
        and hasattr(klass, "attribute_map")
    )


_API_CLIENT: list[Any] = []


def to_plain(model: Any) -> Any:
    """A client model as plain JSON-like data, by the client (``sanitize_for_serialization``)."""
    if not _API_CLIENT:
        from kubernetes.client import ApiClient  # already imported: the user built a model

        _API_CLIENT.append(ApiClient())
    return _API_CLIENT[0].sanitize_for_serialization(model)


def _type_name(value: object) -> str:
    return type(value).__name__


_PLAIN = frozenset({dict, list, str, int, float, bool, type(None), tuple})
# A path is built lazily: a tuple (parent path, ".field" or "[index]") or the root string.
Path = Any


def _fmt(path: Path) -> str:
    parts: list[str] = []
    while isinstance(path, tuple):
        path, part = path
        parts.append(part)
    return str(path) + "".join(reversed(parts))


def _fail(message: str, value: Any, path: Path, task: str) -> PodSpecError:
    got = f", got {_type_name(value)} {value!r:.60}" if value is not _NO_VALUE else ""
    return PodSpecError(message + got, task=task, field=_fmt(path))


_NO_VALUE = object()


def _check(value: Any, field: Field, path: Path, task: str, quantity: bool = False) -> Any:
    """``value`` checked against ``field`` (and converted to manifest form)."""
    kind = field.kind
    t = type(value)
    if kind == "str":
        if t is str or (quantity and (t is int or t is float)):
            return value
        expected = "a string or a number" if quantity else "a string"
        raise _fail(f"expected {expected}", value, path, task)
    if t not in _PLAIN and is_k8s_model(value):
        value = to_plain(value)
        t = type(value)
    if kind == "model":
        assert field.model is not None
        return _check_model(value, field.model, path, task)
    if kind == "list":
        if t is not list and t is not tuple:
            raise _fail("expected a list", value, path, task)
        item = field.item
        assert item is not None
        if item.kind == "str" and all(type(v) is str for v in value):
            return list(value)
        return [_check(v, item, (path, f"[{i}]"), task, quantity) for i, v in enumerate(value)]
    if kind == "dict":
        if t is not dict and not isinstance(value, Mapping):
            raise _fail("expected a mapping", value, path, task)
        item = field.item
        assert item is not None
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise _fail(f"keys must be str (key {k!r})", _NO_VALUE, path, task)
            if v is not None:
                if item.kind == "str" and type(v) is str:
                    out[k] = v
                else:
                    out[k] = _check(v, item, (path, f"[{k}]"), task, quantity)
        return out
    if kind == "int":
        if t is int:
            return value
        raise _fail("expected an integer", value, path, task)
    if kind == "bool":
        if t is bool:
            return value
        raise _fail("expected true or false", value, path, task)
    if kind in ("datetime", "date"):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if t is str:
            return value
        raise _fail("expected a date-time", value, path, task)
    return _plain_json(value, path, task)  # object: an int-or-string, a raw extension …


def _plain_json(value: Any, path: Path, task: str) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain_json(v, (path, f"[{k}]"), task) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v, (path, f"[{i}]"), task) for i, v in enumerate(value)]
    raise _fail("expected JSON data", value, path, task)


# Checked parts of specs by their JSON text: tasks often repeat sidecars, volumes, tolerations
# without sharing the objects. The results are shared (never changed in place), so encoding
# can be remembered by identity (see taskplug_k8s_pod.wire).
_MEMO_MODELS = frozenset({"V1Container", "V1Volume", "V1Toleration", "V1Affinity"})
_MEMO: dict[tuple[str, str], dict[str, Any]] = {}
_MEMO_MAX = 2048
_dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def _check_model(value: Any, model: str, path: Path, task: str) -> dict[str, Any]:
    if model in _MEMO_MODELS and type(value) is dict:
        try:
            key = (model, _dumps(value))
        except (TypeError, ValueError):  # client models or other objects inside: no memo
            return _check_fields(value, model, path, task)
        hit = _MEMO.get(key)
        if hit is None:
            hit = _check_fields(value, model, path, task)
            if len(_MEMO) >= _MEMO_MAX:
                _MEMO.clear()
            _MEMO[key] = hit
        return hit
    return _check_fields(value, model, path, task)


def _check_fields(value: Any, model: str, path: Path, task: str) -> dict[str, Any]:
    t = type(value)
    items: Any
    if t is dict:
        items = value.items()
    elif t not in _PLAIN and is_k8s_model(value):  # the client model's own field tables
        names = t.attribute_map
        items = ((names[attr], getattr(value, attr)) for attr in t.openapi_types)
    elif isinstance(value, Mapping):
        items = value.items()
    else:
        raise _fail(f"expected a mapping (a {model})", value, path, task)
    fields = _models()[model]
    out: dict[str, Any] = {}
    for key, item in items:
        field = fields.get(key)
        if field is None:
            known = sorted(schema().camel[model])
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise _fail(
                f"unknown field {key!r} of a {model}{hint} (fields: {', '.join(known)})",
                _NO_VALUE,
                path,
                task,
            )
        if item is None:
            continue
        camel = field.camel
        if camel in out:
            raise _fail(
                f"field {camel!r} is given twice (as {camel!r} and {field.snake!r}); keep one "
                "spelling",
                _NO_VALUE,
                path,
                task,
            )
        kind = field.kind
        if (kind == "str" and type(item) is str) or (kind == "bool" and type(item) is bool):
            out[camel] = item
        else:
            out[camel] = _check(item, field, (path, "." + camel), task, camel in _QUANTITY_FIELDS)
    return out


_MODELS: list[dict[str, dict[str, Field]]] = []


def _models() -> dict[str, dict[str, Field]]:
    if not _MODELS:
        _MODELS.append(schema().models)
    return _MODELS[0]


def container_names(spec: Mapping[str, Any], *, task: str, where: str) -> list[str]:
    """The names of every container of ``spec`` (all three lists); each must be set and unique."""
    seen: dict[str, str] = {}
    for key in CONTAINER_LISTS:
        for i, container in enumerate(spec.get(key) or ()):
            name = container.get("name")
            path = f"{where}.{key}[{i}]"
            if not isinstance(name, str) or not name:
                raise PodSpecError("every container needs a name", task=task, field=path)
            if name in seen:
                raise PodSpecError(
                    f"two containers are named {name!r} (also {seen[name]}); container names "
                    "must be unique in a pod",
                    task=task,
                    field=f"{path}.name",
                )
            seen[name] = path
    return list(seen)


def normalize_spec(
    value: Any, *, task: str, where: str = "pod_template.pod_spec"
) -> dict[str, Any]:
    """``value`` (a ``V1PodSpec``, a dict, or ``None``) as a checked camelCase dict."""
    if value is None:
        return {}
    if is_k8s_model(value) and type(value).__name__ != "V1PodSpec":
        raise PodSpecError(
            f"expected a V1PodSpec or a dict, got a {type(value).__name__}", task=task, field=where
        )
    spec = _check_model(value, schema().root, where, task)
    container_names(spec, task=task, where=where)
    return spec


def kubernetes_loaded() -> bool:
    """Whether the ``kubernetes`` package has been imported in this process (tests use it)."""
    return "kubernetes" in sys.modules
