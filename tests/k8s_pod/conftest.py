"""Helpers for the k8s-pod plugin's tests: manifests validated by kubernetes-validate."""

from __future__ import annotations

from typing import Any

import pytest

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="the pod tests validate manifests with kubernetes-validate"
)

#: The Kubernetes version whose OpenAPI schema manifests are validated against (offline).
K8S_VERSION = kubernetes_validate.latest_version()


def validate_manifest(manifest: dict[str, Any]) -> None:
    """Validate a whole manifest strictly (unknown fields are errors) against the schema."""
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def validate_pod_spec(spec: dict[str, Any]) -> None:
    """Validate a pod spec, wrapped in a Pod manifest."""
    validate_manifest(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"}, "spec": spec}
    )


@pytest.fixture
def validate() -> Any:
    return validate_pod_spec
