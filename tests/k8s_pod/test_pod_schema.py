"""The shipped pod-spec schema table equals what the installed ``kubernetes`` client says."""

from __future__ import annotations

import json

import pytest

from taskplug_k8s_pod._schema import SCHEMA_FILE, generate, schema


def test_shipped_schema_matches_the_installed_kubernetes_client() -> None:
    pytest.importorskip("kubernetes.client", reason="needs the kubernetes client")
    shipped = json.loads(SCHEMA_FILE.read_text())
    fresh = generate()
    assert shipped["models"] == fresh["models"], (
        f"pod_schema.json was generated from kubernetes {shipped['kubernetes']}, the installed "
        f"client is {fresh['kubernetes']}: regenerate it with `python -m taskplug_k8s_pod._schema`"
    )


def test_schema_knows_both_spellings_and_types() -> None:
    pod = schema().models["V1PodSpec"]
    assert pod["nodeSelector"] is pod["node_selector"]
    assert pod["nodeSelector"].kind == "dict" and pod["nodeSelector"].item.kind == "str"
    containers = pod["containers"]
    assert containers.kind == "list" and containers.item.model == "V1Container"
    assert schema().models["V1ContainerPort"]["containerPort"].kind == "int"
