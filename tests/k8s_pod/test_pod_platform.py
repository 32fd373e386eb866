"""Platform hooks of the k8s-pod plugin: default template, named templates, pod output; the merge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import validate_manifest, validate_pod_spec
from google.protobuf import json_format

from taskplug import PodTemplate, Resources, task
from taskplug.accelerators import A100, T4
from taskplug.plugin import hookimpl
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.testing import fresh_plugin_manager
from taskplug_k8s_pod import PodSpecError, render_manifest

SETTINGS = SerializationSettings.for_tests()


class Platform:
    """A platform plugin: a default template, one named template, pod output on request."""

    TASKPLUG_API_VERSION = "1.0"

    def __init__(self, *, pod_output: bool = False) -> None:
        self.pod_output = pod_output
        self.asked: list[str] = []

    @hookimpl
    def taskplug_k8s_pod_default_template(self, task: Any) -> Any:
        return PodTemplate(
            pod_spec={
                "containers": [
                    {
                        "name": "primary",
                        "env": [{"name": "PLATFORM", "value": "1"}],
                        "volumeMounts": [{"name": "certs", "mountPath": "/certs"}],
                    }
                ],
                "volumes": [{"name": "certs", "secret": {"secretName": "ca"}}],
                "tolerations": [{"key": "platform", "operator": "Exists"}],
                "nodeSelector": {"pool": "default", "arch": "amd64"},
                "serviceAccountName": "platform-sa",
            },
            labels={"platform": "yes", "team": "unknown"},
        )

    @hookimpl
    def taskplug_k8s_pod_named_template(self, template_name: str, task: Any) -> Any:
        if template_name != "big-nodes":
            return None
        return {
            "pod_spec": {
                "nodeSelector": {"size": "big"},
                "containers": [{"name": "primary", "resources": {"limits": {"memory": "64Gi"}}}],
            }
        }

    @hookimpl
    def taskplug_k8s_pod_output(self, task: Any) -> bool:
        self.asked.append(task.name)
        return self.pod_output


@pytest.fixture
def platform() -> Iterator[Platform]:
    plugin = Platform()
    with fresh_plugin_manager(plugin):
        yield plugin


@pytest.fixture
def pod_output() -> Iterator[Platform]:
    plugin = Platform(pod_output=True)
    with fresh_plugin_manager(plugin):
        yield plugin


def spec_of(t: Any) -> dict[str, Any]:
    spec: dict[str, Any] = json_format.MessageToDict(serialize(t, SETTINGS).k8s_pod.pod_spec)
    return spec


def test_the_merge_order_of_the_docs_table(platform: Platform) -> None:
    """platform default ⊕ named template ⊕ task template ⊕ the task's own settings."""

    @task(
        pod_template=PodTemplate(
            pod_spec={
                "containers": [{"name": "main", "env": [{"name": "OWN", "value": "2"}]}],
                "tolerations": [{"key": "gpu", "operator": "Exists"}],
                "nodeSelector": {"pool": "ml"},
                "serviceAccountName": "trainer",
            },
            primary_container_name="main",
            labels={"team": "ml"},
        ),
        pod_template_name="big-nodes",
        requests=Resources(cpu="2"),
        environment={"TASK": "3"},
    )
    def train(a: int) -> int:
        return a

    tt = serialize(train, SETTINGS)
    spec = json_format.MessageToDict(tt.k8s_pod.pod_spec)
    # the task template wins scalars, maps merge key by key, lists of objects are united
    assert spec["nodeSelector"] == {"pool": "ml", "arch": "amd64"}
    assert spec["serviceAccountName"] == "trainer"
    assert spec["tolerations"] == [
        {"key": "platform", "operator": "Exists"},
        {"key": "gpu", "operator": "Exists"},
    ]
    assert spec["volumes"] == [{"name": "certs", "secret": {"secretName": "ca"}}]
    # the platform's primary container ("primary") is the task's primary ("main")
    [main] = spec["containers"]
    assert main["name"] == "main"
    assert main["volumeMounts"] == [{"name": "certs", "mountPath": "/certs"}]
    assert main["env"] == [
        {"name": "TASK", "value": "3"},
        {"name": "PLATFORM", "value": "1"},
        {"name": "OWN", "value": "2"},
    ]
    assert main["resources"] == {"limits": {}, "requests": {"cpu": "2"}}
    assert dict(tt.k8s_pod.metadata.labels) == {"platform": "yes", "team": "ml"}
    # the named template is the cluster's: not in the template, in the rendered pod
    assert "size" not in spec["nodeSelector"]
    assert tt.metadata.pod_template_name == "big-nodes"
    manifest = render_manifest(train, SETTINGS)
    assert manifest["spec"]["nodeSelector"] == {"pool": "ml", "arch": "amd64", "size": "big"}
    limits = manifest["spec"]["containers"][0]["resources"]["limits"]
    assert limits == {"memory": "64Gi"}
    validate_manifest(manifest)


def test_a_named_template_contradicting_the_task_is_refused(platform: Platform) -> None:
    with pytest.raises(
        PodSpecError, match=r"asks for memory='64Gi' but the task's limits say mem='8Gi'"
    ) as info:

        @task(
            pod_template=PodTemplate(), pod_template_name="big-nodes", limits=Resources(mem="8Gi")
        )
        def f(a: int) -> int:
            return a

    assert info.value.field.endswith(".pod_spec.containers[0].resources.limits[memory]")
    assert "pod template 'big-nodes'" in info.value.field


def test_without_pod_output_accelerators_stay_in_extended_resources(platform: Platform) -> None:
    @task(limits=Resources(gpu=1), accelerator=T4, shared_memory="1Gi")
    def plain(a: int) -> int:
        return a

    tt = serialize(plain, SETTINGS)
    assert tt.HasField("container") and not tt.HasField("k8s_pod")
    assert tt.extended_resources.gpu_accelerator.device == "nvidia-tesla-t4"
    assert tt.extended_resources.shared_memory.size_limit == "1Gi"
    assert platform.asked == ["test_pod_platform.plain"]
    # the rendered pod carries what the cluster applies
    manifest = render_manifest(plain, SETTINGS)
    pod = manifest["spec"]
    assert pod["nodeSelector"] == {"k8s.amazonaws.com/accelerator": "nvidia-tesla-t4"}
    assert pod["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "1"}
    assert pod["volumes"] == [
        {"name": "flyte-shared-memory", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}
    ]
    validate_manifest(manifest)


def test_pod_output_turns_a_plain_accelerated_task_into_a_pod(pod_output: Platform) -> None:
    @task(limits=Resources(gpu=1, mem="4Gi"), accelerator=A100.partition_1g_5gb, shared_memory=True)
    def infer(a: int) -> int:
        return a

    tt = serialize(infer, SETTINGS)
    assert tt.type == "python-task" and tt.HasField("k8s_pod") and not tt.HasField("container")
    assert dict(tt.config) == {"primary_container_name": "primary"}
    # the pod carries the shared memory now; the accelerator stays for the cluster too
    assert not tt.extended_resources.HasField("shared_memory")
    assert tt.extended_resources.gpu_accelerator.partition_size == "1g.5gb"
    spec = json_format.MessageToDict(tt.k8s_pod.pod_spec)
    [primary] = spec["containers"]
    assert primary["resources"] == {
        "limits": {"memory": "4Gi", "nvidia.com/mig-1g.5gb": "1"},
        "requests": {"nvidia.com/mig-1g.5gb": "1"},
    }
    assert primary["volumeMounts"] == [
        {"name": "certs", "mountPath": "/certs"},  # from the platform's default template
        {"name": "flyte-shared-memory", "mountPath": "/dev/shm"},
    ]
    assert spec["volumes"][1] == {"name": "flyte-shared-memory", "emptyDir": {"medium": "Memory"}}
    assert spec["nodeSelector"] == {
        "pool": "default",
        "arch": "amd64",
        "k8s.amazonaws.com/accelerator": "nvidia-tesla-a100",
        "k8s.amazonaws.com/gpu-partition-size": "1g.5gb",
    }
    assert spec["tolerations"] == [
        {"key": "platform", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    ]
    validate_pod_spec(spec)
    # rendering does not apply them twice
    manifest = render_manifest(infer, SETTINGS)
    assert [v["name"] for v in manifest["spec"]["volumes"]] == ["certs", "flyte-shared-memory"]
    validate_manifest(manifest)


def test_pod_output_for_a_pod_task_and_the_unpartitioned_affinity(pod_output: Platform) -> None:
    @task(
        limits=Resources(gpu=2),
        accelerator=A100.unpartitioned,
        pod_template=PodTemplate(
            pod_spec={
                "containers": [{"name": "primary"}, {"name": "side", "image": "busybox:1"}],
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {"key": "zone", "operator": "In", "values": ["a"]}
                                    ]
                                }
                            ]
                        }
                    }
                },
            }
        ),
    )
    def train(a: int) -> int:
        return a

    spec = spec_of(train)
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"] == [
        {
            "matchExpressions": [
                {"key": "zone", "operator": "In", "values": ["a"]},
                {"key": "k8s.amazonaws.com/gpu-partition-size", "operator": "DoesNotExist"},
            ]
        }
    ]
    assert spec["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "2"}
    assert "resources" not in spec["containers"][1]
    validate_pod_spec(spec)


def test_platform_hook_errors_name_the_plugin() -> None:
    class Broken:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_k8s_pod_default_template(self, task: Any) -> Any:
            return {"pod_spec": {"bogus": 1}}

    with (
        fresh_plugin_manager(Broken()),
        pytest.raises(
            PodSpecError, match=r"platform default template.pod_spec: unknown field 'bogus'"
        ),
    ):

        @task(pod_template=PodTemplate())
        def f(a: int) -> int:
            return a
