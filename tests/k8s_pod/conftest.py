"""Helpers for the k8s-pod plugin's tests: manifests validated by kubernetes-validate.

``kubernetes_validate.validate`` reads the schema files on every call; the many validations of
these tests use one validator built from the very same files (strict schema of the newest
Kubernetes version kubernetes-validate ships), and ``validate_manifest(..., full=True)`` goes
through ``kubernetes_validate.validate`` itself.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="the pod tests validate manifests with kubernetes-validate"
)

#: The Kubernetes version whose OpenAPI schema manifests are validated against (offline).
K8S_VERSION = kubernetes_validate.latest_version()


@lru_cache(maxsize=1)
def _pod_validator() -> Any:
    import jsonschema
    from kubernetes_validate.utils import schema_contents
    from referencing import Registry, Resource

    folder = f"kubernetes-json-schema/v{K8S_VERSION}-local-strict"
    schema = schema_contents(f"{folder}/pod-v1.json", K8S_VERSION)
    definitions = schema_contents(f"{folder}/_definitions.json", K8S_VERSION)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def validate_manifest(manifest: dict[str, Any], *, full: bool = False) -> None:
    """Validate a Pod manifest strictly (unknown fields are errors) against the schema."""
    if full or manifest.get("kind") != "Pod":
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
        return
    errors = sorted(_pod_validator().iter_errors(manifest), key=str)
    assert not errors, f"invalid Pod manifest: {errors[0].message} at {list(errors[0].path)}"


def validate_pod_spec(spec: dict[str, Any]) -> None:
    """Validate a pod spec, wrapped in a Pod manifest."""
    validate_manifest(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"}, "spec": spec}
    )
