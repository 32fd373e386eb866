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


def _check(value: Any, field: Field, path: str, task: str, *, quantity: bool = False) -> Any:
    """``value`` checked against ``field`` (and converted to manifest form)."""
    if is_k8s_model(value):
        value = to_plain(value)
    kind = field.kind
    if kind == "model":
        assert field.model is not None
        return _check_model(value, field.model, path, task)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise PodSpecError(
                f"expected a list, got {_type_name(value)} {value!r:.60}", task=task, field=path
            )
        assert field.item is not None
        return [
            _check(v, field.item, f"{path}[{i}]", task, quantity=quantity)
            for i, v in enumerate(value)
        ]
    if kind == "dict":
        if not isinstance(value, Mapping):
            raise PodSpecError(
                f"expected a mapping, got {_type_name(value)} {value!r:.60}", task=task, field=path
            )
        assert field.item is not None
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise PodSpecError(f"keys must be str, got {k!r}", task=task, field=path)
            if v is not None:
                out[k] = _check(v, field.item, f"{path}[{k}]", task, quantity=quantity)
        return out
    if kind == "str":
        if isinstance(value, str):
            return value
        if quantity and isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise PodSpecError(
            f"expected a string{' or a number' if quantity else ''}, got {_type_name(value)} "
            f"{value!r:.60}",
            task=task,
            field=path,
        )
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise PodSpecError(
            f"expected an integer, got {_type_name(value)} {value!r:.60}", task=task, field=path
        )
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise PodSpecError(
            f"expected true or false, got {_type_name(value)} {value!r:.60}", task=task, field=path
        )
    if kind in ("datetime", "date"):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, str):
            return value
        raise PodSpecError(f"expected a date-time, got {_type_name(value)}", task=task, field=path)
    return _plain_json(value, path, task)  # object: an int-or-string, a raw extension …


def _plain_json(value: Any, path: str, task: str) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain_json(v, f"{path}[{k}]", task) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v, f"{path}[{i}]", task) for i, v in enumerate(value)]
    raise PodSpecError(f"expected JSON data, got {_type_name(value)}", task=task, field=path)


def _check_model(value: Any, model: str, path: str, task: str) -> dict[str, Any]:
    if is_k8s_model(value):
        value = to_plain(value)
    if not isinstance(value, Mapping):
        raise PodSpecError(
            f"expected a mapping (a {model}), got {_type_name(value)} {value!r:.60}",
            task=task,
            field=path,
        )
    fields = schema().models[model]
    out: dict[str, Any] = {}
    for key, item in value.items():
        field = fields.get(key) if isinstance(key, str) else None
        if field is None:
            known = sorted(schema().camel[model])
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise PodSpecError(
                f"unknown field {key!r} of a {model}{hint} (fields: {', '.join(known)})",
                task=task,
                field=path,
            )
        if item is None:
            continue
        if field.camel in out:
            raise PodSpecError(
                f"field {field.camel!r} is given twice (as {field.camel!r} and "
                f"{field.snake!r}); keep one spelling",
                task=task,
                field=path,
            )
        out[field.camel] = _check(
            item,
            field,
            f"{path}.{field.camel}",
            task,
            quantity=field.camel in _QUANTITY_FIELDS,
        )
    return out


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
