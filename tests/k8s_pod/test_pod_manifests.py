"""Every accelerator, partition and shared-memory combination gives a valid pod.

For each device of the accelerator catalogue (whole, explicitly unpartitioned, and each of its
partitions) and each shared-memory setting, a pod task is declared; its template's pod spec
and its rendered manifest — and, with pod output asked by a platform, the template's pod spec
with the accelerator applied — are validated against the Kubernetes OpenAPI schema
(kubernetes-validate, offline, strict).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import kubernetes_validate, validate_manifest, validate_pod_spec
from google.protobuf import json_format

from taskplug import PodTemplate, Resources, task
from taskplug.accelerators import GPUAccelerator, catalogue
from taskplug.plugin import hookimpl
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.testing import fresh_plugin_manager
from taskplug_k8s_pod import render_manifest

SETTINGS = SerializationSettings.for_tests(project="ml", domain="development")
SHARED_MEMORY = [None, True, "2Gi"]
SPEC = {
    "containers": [
        {"name": "primary"},
        {"name": "proxy", "image": "envoyproxy/envoy:v1.30.1", "ports": [{"containerPort": 9901}]},
        {
            "name": "logs",
            "image": "fluent/fluent-bit:3.0",
            "volumeMounts": [{"name": "logs", "mountPath": "/logs"}],
        },
    ],
    "volumes": [{"name": "logs", "emptyDir": {}}],
}


def _accelerators() -> list[tuple[str, GPUAccelerator]]:
    out = []
    for device in catalogue():
        out.append((device.device, GPUAccelerator(device.device)))
        parts = catalogue().partitions(device.device)
        if parts:
            out.append(
                (
                    f"{device.device}:unpartitioned",
                    GPUAccelerator(device.device, unpartitioned=True),
                )
            )
        for name in parts:
            out.append((f"{device.device}:{name}", GPUAccelerator(device.device, name)))
    return out


ACCELERATORS = _accelerators()


class PodOutput:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_k8s_pod_output(self, task: Any) -> bool:
        return True


def _declare(accelerator: GPUAccelerator, shared_memory: Any, *, template: bool) -> Any:
    kwargs: dict[str, Any] = {"limits": Resources(gpu=1, mem="8Gi"), "accelerator": accelerator}
    if shared_memory is not None:
        kwargs["shared_memory"] = shared_memory
    if template:
        kwargs["pod_template"] = PodTemplate(pod_spec=SPEC, labels={"team": "ml"})

    @task(**kwargs)
    def work(a: int) -> int:
        return a

    return work


def test_the_catalogue_is_covered() -> None:
    devices = {name.partition(":")[0] for name, _ in ACCELERATORS}
    assert len(devices) == len(catalogue()) >= 18
    assert any(a.partition_size == "1g.5gb" for _, a in ACCELERATORS)
    assert any(a.partition_size == "2x4" for _, a in ACCELERATORS)  # TPU slices


@pytest.mark.parametrize("shared_memory", SHARED_MEMORY, ids=str)
def test_every_accelerator_gives_valid_pods(shared_memory: Any) -> None:
    for label, accelerator in ACCELERATORS:
        t = _declare(accelerator, shared_memory, template=True)
        tt = serialize(t, SETTINGS)
        validate_pod_spec(json_format.MessageToDict(tt.k8s_pod.pod_spec))
        manifest = render_manifest(t, SETTINGS)
        validate_manifest(manifest)
        reqs = catalogue().pod_requirements(accelerator, 1)
        primary = manifest["spec"]["containers"][0]
        assert primary["resources"]["limits"] == {"memory": "8Gi", **reqs.resources}, label
        for key, value in reqs.node_selector.items():
            assert manifest["spec"]["nodeSelector"][key] == value, label
        shm = [v for v in manifest["spec"].get("volumes", []) if v["name"] == "flyte-shared-memory"]
        assert bool(shm) == bool(shared_memory), label
        if isinstance(shared_memory, str):
            assert shm[0]["emptyDir"] == {"medium": "Memory", "sizeLimit": shared_memory}


@pytest.mark.parametrize("shared_memory", SHARED_MEMORY, ids=str)
def test_every_accelerator_with_pod_output_gives_valid_template_pods(shared_memory: Any) -> None:
    with fresh_plugin_manager(PodOutput()):
        for label, accelerator in ACCELERATORS:
            for template in (True, False):
                t = _declare(accelerator, shared_memory, template=template)
                spec = json_format.MessageToDict(serialize(t, SETTINGS).k8s_pod.pod_spec)
                validate_pod_spec(spec)
                reqs = catalogue().pod_requirements(accelerator, 1)
                limits = spec["containers"][0 if template else -1]["resources"]["limits"]
                assert set(reqs.resources) <= set(limits) and "gpu" not in limits, label
                validate_manifest(render_manifest(t, SETTINGS))


def test_rendered_manifest_shape() -> None:
    t = _declare(GPUAccelerator("nvidia-tesla-t4"), "1Gi", template=True)
    m = render_manifest(t, SETTINGS)
    validate_manifest(m, full=True)
    assert m["apiVersion"] == "v1" and m["kind"] == "Pod"
    assert m["metadata"]["namespace"] == "ml-development"
    assert m["metadata"]["labels"]["team"] == "ml"
    assert m["spec"]["restartPolicy"] == "Never"
    args = m["spec"]["containers"][0]["args"]
    assert not any("{{" in a for a in args), args
    assert args[args.index("--inputs") + 1].endswith("/n0/data/inputs.pb")
    env = {e["name"]: e["value"] for e in m["spec"]["containers"][0]["env"]}
    assert env["FLYTE_INTERNAL_TASK_NAME"] == t.name
    assert env["FLYTE_INTERNAL_EXECUTION_PROJECT"] == "ml"


def test_the_cached_validator_agrees_with_kubernetes_validate() -> None:
    good = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x"},
        "spec": {"containers": [{"name": "a", "image": "b"}]},
    }
    bad = {**good, "spec": {"containers": [{"name": "a", "image": "b", "bogus": 1}]}}
    validate_manifest(good)
    validate_manifest(good, full=True)
    with pytest.raises(AssertionError, match="bogus"):
        validate_manifest(bad)
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_manifest(bad, full=True)
