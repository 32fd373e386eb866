"""The shape of a Kubernetes ``PodSpec``: field names and types, from the ``kubernetes`` client.

Checking a pod spec given as a plain dict needs to know every field of ``V1PodSpec`` and of
the models it refers to. Importing the ``kubernetes`` client for that takes about a second,
so the table (``pod_schema.json``, about 110 models) is generated once from the client's own
models (``openapi_types`` and ``attribute_map``) and shipped with the plugin::

    python -m taskplug_k8s_pod._schema      # regenerate from the installed kubernetes client

``tests/k8s_pod/test_schema.py`` checks that the shipped table equals what the installed
client gives, so a newer client shows up as a failing test with this command in its message.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["SCHEMA_FILE", "Field", "Schema", "generate", "schema"]

SCHEMA_FILE = Path(__file__).with_name("pod_schema.json")
ROOT = "V1PodSpec"
_PRIMITIVES = frozenset({"str", "int", "bool", "float", "object", "datetime", "date", "bytes"})


class Field(NamedTuple):
    """One field of a model: its camelCase and snake_case names and its parsed type.

    ``kind`` is a primitive (``str``, ``int``, ``bool``, ``object`` …), ``list``, ``dict`` or
    ``model``; ``item`` is the element type of a list or dict value; ``model`` the model name.
    """

    camel: str
    snake: str
    kind: str
    item: Field | None = None
    model: str | None = None


def _parse(text: str, camel: str = "", snake: str = "") -> Field:
    text = text.strip()
    for prefix in ("List[", "list["):
        if text.startswith(prefix) and text.endswith("]"):
            return Field(camel, snake, "list", item=_parse(text[len(prefix) : -1]))
    for prefix in ("Dict[str,", "dict(str,"):
        if text.startswith(prefix) and text[-1] in "])":
            return Field(camel, snake, "dict", item=_parse(text[len(prefix) : -1]))
    if text in _PRIMITIVES:
        return Field(camel, snake, text)
    return Field(camel, snake, "model", model=text)


class Schema:
    """Models by name; each model maps camelCase and snake_case names to a :class:`Field`."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.kubernetes_version: str = data["kubernetes"]
        self.root: str = data["root"]
        self.models: dict[str, dict[str, Field]] = {}
        self.camel: dict[str, dict[str, Field]] = {}
        for name, fields in data["models"].items():
            by_any: dict[str, Field] = {}
            by_camel: dict[str, Field] = {}
            for camel, (snake, type_text) in fields.items():
                field = _parse(type_text, camel, snake)
                by_any[camel] = by_any[snake] = by_camel[camel] = field
            self.models[name] = by_any
            self.camel[name] = by_camel


@lru_cache(maxsize=1)
def schema() -> Schema:
    """The shipped table (read once)."""
    return Schema(json.loads(SCHEMA_FILE.read_text()))


def generate() -> dict[str, Any]:
    """The table, from the installed ``kubernetes`` client (imports it)."""
    import kubernetes
    from kubernetes.client import models

    out: dict[str, dict[str, list[str]]] = {}
    todo = [ROOT]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        klass = getattr(models, name)
        fields: dict[str, list[str]] = {}
        for attr, type_text in sorted(klass.openapi_types.items()):
            fields[klass.attribute_map[attr]] = [attr, type_text]
            todo.extend(
                ref
                for ref in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", type_text)
                if ref not in _PRIMITIVES and ref not in {"List", "Dict", "list", "dict"}
            )
        out[name] = fields
    return {
        "kubernetes": kubernetes.__version__,
        "root": ROOT,
        "models": dict(sorted(out.items())),
    }


def main() -> None:  # pragma: no cover - a maintenance command, checked by the schema test
    """Write ``pod_schema.json`` from the installed kubernetes client."""
    data = generate()
    SCHEMA_FILE.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"wrote {SCHEMA_FILE} ({len(data['models'])} models, kubernetes {data['kubernetes']})")


if __name__ == "__main__":  # pragma: no cover
    main()
