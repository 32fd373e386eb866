"""Pod tasks serialize to a ``k8s_pod`` target: primary container filled in, the rest preserved."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from conftest import validate_pod_spec
from google.protobuf import json_format

import taskplug_k8s_pod.plugin as pod_plugin
from taskplug import PodTemplate, Resources, task
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.tasks.base import LocalExecutionWarning
from taskplug.testing import check_task_type
from taskplug_k8s_pod import Pod, PodFunctionTask, PodSpecError

SETTINGS = SerializationSettings.for_tests(env={"FROM_SETTINGS": "1"})
SIDECARS: dict[str, Any] = {
    "containers": [
        {"name": "primary", "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]},
        {"name": "proxy", "image": "envoyproxy/envoy:v1.30.1", "ports": [{"containerPort": 9901}]},
        {"name": "metrics", "image": "prom/statsd-exporter:v0.26.0", "args": ["--log.level=warn"]},
    ],
    "initContainers": [{"name": "fetch", "image": "busybox:1.36", "command": ["true"]}],
    "volumes": [{"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}}],
    "nodeSelector": {"pool": "batch"},
    "tolerations": [{"key": "batch", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
                ]
            }
        }
    },
}


def spec_of(t: Any, settings: SerializationSettings = SETTINGS) -> dict[str, Any]:
    tt = serialize(t, settings)
    spec: dict[str, Any] = json_format.MessageToDict(tt.k8s_pod.pod_spec)
    return spec


@task(
    requests=Resources(cpu="1", mem="1Gi"),
    limits=Resources(cpu="2", mem="2Gi"),
    environment={"TASK": "yes"},
    pod_template=PodTemplate(pod_spec=SIDECARS, labels={"team": "ml"}, annotations={"a": "b"}),
)
def train(epochs: int) -> float:
    return epochs / 2


@task(task_config=Pod(pod_spec={"containers": []}, labels={"legacy": "1"}))
def legacy(x: int) -> int:
    return x + 1


def test_template_keeps_python_task_and_targets_a_pod() -> None:
    tt = serialize(train, SETTINGS)
    assert tt.type == "python-task" and tt.task_type_version == 0
    assert tt.HasField("k8s_pod") and not tt.HasField("container")
    assert dict(tt.config) == {"primary_container_name": "primary"}
    assert dict(tt.k8s_pod.metadata.labels) == {"team": "ml"}
    assert dict(tt.k8s_pod.metadata.annotations) == {"a": "b"}


def test_primary_container_gets_image_command_resources_env() -> None:
    spec = spec_of(train)
    primary = spec["containers"][0]
    assert primary["name"] == "primary"
    assert primary["image"] == SETTINGS.image_config.resolve(None, task="t")
    assert primary["command"] == []
    assert primary["args"][0] == "taskplug-execute"
    assert primary["args"][-4:] == ["task-module", "test_pod_serialize", "task-name", "train"]
    assert primary["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    assert primary["env"] == [
        {"name": "FROM_SETTINGS", "value": "1"},
        {"name": "TASK", "value": "yes"},
    ]
    assert primary["volumeMounts"] == [{"name": "scratch", "mountPath": "/scratch"}]


def test_sidecars_init_containers_volumes_scheduling_are_preserved() -> None:
    spec = spec_of(train)
    for key in ("initContainers", "volumes", "nodeSelector", "tolerations", "affinity"):
        assert spec[key] == SIDECARS[key], key
    assert [c["name"] for c in spec["containers"]] == ["primary", "proxy", "metrics"]
    assert spec["containers"][1] == {
        **SIDECARS["containers"][1],
        "ports": [{"containerPort": 9901.0}],
    }
    assert spec["containers"][2] == SIDECARS["containers"][2]
    validate_pod_spec(spec)


def test_dict_specs_in_either_spelling_equal_kubernetes_models() -> None:
    k8s = pytest.importorskip("kubernetes.client", reason="needs the kubernetes client")
    model = k8s.V1PodSpec(
        containers=[
            k8s.V1Container(name="primary", env=[k8s.V1EnvVar(name="E", value="1")]),
            k8s.V1Container(
                name="side",
                image="busybox:1",
                security_context=k8s.V1SecurityContext(run_as_non_root=True),
            ),
        ],
        node_selector={"pool": "gpu"},
        host_ipc=True,
    )
    snake = {
        "containers": [
            {"name": "primary", "env": [{"name": "E", "value": "1"}]},
            {"name": "side", "image": "busybox:1", "security_context": {"run_as_non_root": True}},
        ],
        "node_selector": {"pool": "gpu"},
        "host_ipc": True,
    }
    camel = {
        "containers": [
            {"name": "primary", "env": [{"name": "E", "value": "1"}]},
            {"name": "side", "image": "busybox:1", "securityContext": {"runAsNonRoot": True}},
        ],
        "nodeSelector": {"pool": "gpu"},
        "hostIPC": True,
    }

    def declare(spec: Any) -> Any:
        @task(pod_template=PodTemplate(pod_spec=spec))
        def f(a: int) -> int:
            return a

        return f

    specs = [
        spec_of(declare(s))
        for s in (model, snake, camel, k8s.ApiClient().sanitize_for_serialization(model))
    ]
    assert specs[0] == specs[1] == specs[2] == specs[3]
    assert specs[0]["hostIPC"] is True
    validate_pod_spec(specs[0])


def test_primary_container_is_inserted_when_missing() -> None:
    @task(
        pod_template=PodTemplate(
            pod_spec={"containers": [{"name": "side", "image": "busybox:1"}]},
            primary_container_name="main",
        )
    )
    def f(a: int) -> int:
        return a

    spec = spec_of(f)
    assert [c["name"] for c in spec["containers"]] == ["side", "main"]
    assert spec["containers"][1]["args"][0] == "taskplug-execute"
    assert dict(serialize(f, SETTINGS).config) == {"primary_container_name": "main"}


def test_empty_template_and_pod_template_dict() -> None:
    @task(pod_template=PodTemplate())
    def empty(a: int) -> int:
        return a

    @task(
        pod_template={
            "podSpec": {"containers": [{"name": "main"}]},
            "primaryContainerName": "main",
            "labels": {"x": "y"},
        }
    )
    def as_dict(a: int) -> int:
        return a

    assert [c["name"] for c in spec_of(empty)["containers"]] == ["primary"]
    tt = serialize(as_dict, SETTINGS)
    assert dict(tt.config) == {"primary_container_name": "main"}
    assert dict(tt.k8s_pod.metadata.labels) == {"x": "y"}


def test_legacy_pod_config_is_a_sidecar_task_version_2() -> None:
    assert isinstance(legacy, PodFunctionTask)
    tt = serialize(legacy, SETTINGS)
    assert tt.type == "sidecar" and tt.task_type_version == 2
    assert tt.HasField("k8s_pod") and not tt.HasField("container")
    assert dict(tt.config) == {"primary_container_name": "primary"}
    assert dict(tt.k8s_pod.metadata.labels) == {"legacy": "1"}
    spec = spec_of(legacy)
    assert [c["name"] for c in spec["containers"]] == ["primary"]  # inserted into containers=[]
    validate_pod_spec(spec)


def test_local_runs_call_the_function_and_warn_once() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert train(epochs=4) == 2.0
        assert train(epochs=6) == 3.0
        assert legacy(x=1) == 2
    notes = [w for w in caught if issubclass(w.category, LocalExecutionWarning)]
    assert len(notes) == 2 and "pod template" in str(notes[0].message)


def test_serializing_twice_gives_the_same_template() -> None:
    """flytekit's Pod task changes its spec when serializing; taskplug's tasks do not."""
    assert serialize(legacy, SETTINGS) == serialize(legacy, SETTINGS)
    assert serialize(train, SETTINGS) == serialize(train, SETTINGS)


@pytest.mark.filterwarnings("ignore::taskplug.tasks.base.LocalExecutionWarning")
@pytest.mark.parametrize("t", [train, legacy], ids=["pod_template", "Pod"])
def test_the_testing_kit_accepts_the_plugins_task_types(t: Any) -> None:
    inputs = {"epochs": 3} if t is train else {"x": 3}
    template = check_task_type(t, inputs=inputs, plugin=pod_plugin, settings=SETTINGS)
    assert template.HasField("k8s_pod")


def test_a_template_replaced_or_removed_after_declaration_is_read_again() -> None:
    @task(pod_template=PodTemplate(pod_spec={"containers": [{"name": "a", "image": "busybox:1"}]}))
    def later(x: int) -> int:
        return x

    later.pod_template = PodTemplate(pod_spec={"containers": [{"name": "b", "image": "busybox:1"}]})
    assert [c["name"] for c in spec_of(later)["containers"]] == ["b", "primary"]
    later.pod_template = PodTemplate(pod_spec={"nodeSelectors": {}})
    with pytest.raises(PodSpecError, match="unknown field 'nodeSelectors'"):
        serialize(later, SETTINGS)
    later.pod_template = None
    tt = serialize(later, SETTINGS)
    assert tt.HasField("container") and not tt.HasField("k8s_pod") and not tt.config
