"""Pod templates as layers, and how layers merge (see docs/pod.md, "How the pod is assembled").

A layer is one checked template: its spec (camelCase dict), the name of its primary container,
labels and annotations. Layers merge in a fixed order — platform default, the named template
(``pod_template_name``), the task's own template — each later one over the earlier ones:

* mappings merge key by key (``nodeSelector``, ``securityContext`` …); a later scalar wins;
* lists of named items (``containers``, ``initContainers``, ``volumes``, a container's ``env``,
  ``ports``, ``volumeMounts`` …) merge item by item by ``name``, new names appended in order;
* other lists of objects (``tolerations``, ``imagePullSecrets`` without names …) are united:
  an item is appended unless an equal one is there;
* lists of plain values (``args``, ``command``) are replaced;
* each earlier layer's primary container is renamed to the primary name of the last layer, so
  a platform's ``primary`` container settings reach a task whose primary is called ``main``.

Contradictions between the templates and the task's own settings are errors (see
:mod:`taskplug_k8s_pod.pod`); between templates, the later (more specific) one wins.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, NamedTuple

from taskplug.pod_template import PRIMARY_CONTAINER_DEFAULT_NAME
from taskplug_k8s_pod.spec import PodSpecError, is_k8s_model, normalize_spec

__all__ = ["Layer", "find_container", "merge_layers", "read_template"]

_TEMPLATE_KEYS = {
    "pod_spec": "pod_spec",
    "podSpec": "pod_spec",
    "primary_container_name": "primary_container_name",
    "primaryContainerName": "primary_container_name",
    "labels": "labels",
    "annotations": "annotations",
}


class Layer(NamedTuple):
    """One pod template, checked: spec, primary container name, labels, annotations.

    ``cache`` holds what serialization derives from the layer (encoded parts of the spec).
    """

    spec: dict[str, Any]
    primary: str
    labels: dict[str, str]
    annotations: dict[str, str]
    origin: str
    cache: dict[Any, Any]


def find_container(containers: list[dict[str, Any]], name: str) -> int:
    """The index of the container called ``name`` (-1: none)."""
    for i, container in enumerate(containers):
        if container.get("name") == name:
            return i
    return -1


def _str_map(value: Any, *, task: str, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise PodSpecError(
            f"expected a dict of str to str, got {value!r:.80}", task=task, field=field
        )
    return dict(value)


# Checked templates by the identity of the object they were read from (kept alive here, so an
# id is never reused while cached): tasks sharing one template object share the work.
_READ: dict[tuple[int, str], tuple[Any, Layer]] = {}
_READ_MAX = 512


def read_template(template: Any, *, task: str, where: str = "pod_template") -> Layer:
    """Check a ``PodTemplate`` (or a dict of its fields, or an object with the same attributes).

    A dict takes the PodTemplate's field names in either spelling (``pod_spec``/``podSpec``,
    ``primary_container_name``/``primaryContainerName``, ``labels``, ``annotations``). A template
    object is read once: declaring more tasks with the same object reuses the checked layer
    (change a template by making a new one, not in place).
    """
    key = (id(template), where)
    hit = _READ.get(key)
    if hit is not None and hit[0] is template:
        return hit[1]
    layer = _read(template, task=task, where=where)
    if len(_READ) >= _READ_MAX:
        _READ.clear()
    _READ[key] = (template, layer)
    return layer


def _read(template: Any, *, task: str, where: str) -> Layer:
    if isinstance(template, Mapping):
        fields: dict[str, Any] = {}
        for key, value in template.items():
            name = _TEMPLATE_KEYS.get(key) if isinstance(key, str) else None
            if name is None:
                raise PodSpecError(
                    f"unknown field {key!r} of a pod template; a dict pod template takes "
                    "pod_spec, primary_container_name, labels and annotations",
                    task=task,
                    field=where,
                )
            if name in fields:
                raise PodSpecError(f"field {name!r} is given twice", task=task, field=where)
            fields[name] = value
    elif (
        hasattr(template, "pod_spec")
        and hasattr(template, "primary_container_name")
        and not is_k8s_model(template)
    ):
        fields = {
            "pod_spec": template.pod_spec,
            "primary_container_name": template.primary_container_name,
            "labels": getattr(template, "labels", None),
            "annotations": getattr(template, "annotations", None),
        }
    else:
        hint = (
            "; wrap a pod spec as PodTemplate(pod_spec=...)"
            if is_k8s_model(template) or type(template).__name__ == "V1PodSpec"
            else ""
        )
        raise PodSpecError(
            "expected a taskplug.PodTemplate or a dict of its fields, got "
            f"{type(template).__name__}{hint}",
            task=task,
            field=where,
        )
    primary = fields.get("primary_container_name") or PRIMARY_CONTAINER_DEFAULT_NAME
    if not isinstance(primary, str):
        raise PodSpecError(
            f"expected a container name (str), got {primary!r:.60}",
            task=task,
            field=f"{where}.primary_container_name",
        )
    return Layer(
        spec=normalize_spec(fields.get("pod_spec"), task=task, where=f"{where}.pod_spec"),
        primary=primary,
        labels=_str_map(fields.get("labels"), task=task, field=f"{where}.labels"),
        annotations=_str_map(fields.get("annotations"), task=task, field=f"{where}.annotations"),
        origin=where,
        cache={},
    )


def _merge(base: Any, over: Any) -> Any:
    """``over`` merged onto ``base`` (neither is changed)."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(over, list):
        if base and over and all(isinstance(i, dict) for i in (*base, *over)):
            if all("name" in i for i in (*base, *over)):
                merged = {i["name"]: i for i in base}
                order = [i["name"] for i in base]
                for item in over:
                    name = item["name"]
                    if name in merged:
                        merged[name] = _merge(merged[name], item)
                    else:
                        merged[name] = copy.deepcopy(item)
                        order.append(name)
                return [merged[n] for n in order]
            return [*base, *(copy.deepcopy(i) for i in over if i not in base)]
        return copy.deepcopy(over)
    return copy.deepcopy(over)


def _renamed(spec: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    if old == new:
        return spec
    containers = spec.get("containers") or []
    if not any(c.get("name") == old for c in containers):
        return spec
    out = dict(spec)
    out["containers"] = [{**c, "name": new} if c.get("name") == old else c for c in containers]
    return out


def merge_layers(layers: list[Layer]) -> Layer:
    """The layers merged in order (the last one is the most specific)."""
    if len(layers) == 1:
        return layers[0]
    primary = layers[-1].primary
    spec: dict[str, Any] = {}
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    for layer in layers:
        spec = _merge(spec, _renamed(layer.spec, layer.primary, primary))
        labels.update(layer.labels)
        annotations.update(layer.annotations)
    origin = " + ".join(x.origin for x in layers)
    return Layer(spec, primary, labels, annotations, origin, {})
