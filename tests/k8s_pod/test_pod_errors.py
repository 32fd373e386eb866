"""Bad pod input is refused when the task is declared, with an error naming task and field."""

from __future__ import annotations

from typing import Any

import pytest

from taskplug import PodTemplate, Resources, task
from taskplug.accelerators import A100, T4
from taskplug_k8s_pod import Pod, PodSpecError


def declare(**kwargs: Any) -> Any:
    @task(**kwargs)
    def bad(a: int) -> int:
        return a

    return bad


def refused(match: str, **kwargs: Any) -> PodSpecError:
    with pytest.raises(PodSpecError, match=match) as info:
        declare(**kwargs)
    err = info.value
    assert err.task == "test_pod_errors.bad", err  # PodSpecError carries task and field
    assert str(err).count("'test_pod_errors.bad'") >= 1
    return err


def pt(spec: Any, **kw: Any) -> PodTemplate:
    return PodTemplate(pod_spec=spec, **kw)


def test_primary_name_that_matches_nothing_and_cannot_be_inserted() -> None:
    err = refused(
        r"primary_container_name 'Main_Box' matches no container \(side\).*cannot be inserted",
        pod_template=pt(
            {"containers": [{"name": "side", "image": "x:1"}]}, primary_container_name="Main_Box"
        ),
    )
    assert err.field == "pod_template.primary_container_name"


def test_primary_name_of_an_init_container() -> None:
    err = refused(
        r"the primary container 'primary' is one of the initContainers",
        pod_template=pt({"initContainers": [{"name": "primary", "image": "x:1"}]}),
    )
    assert err.field == "pod_template.pod_spec.initContainers[0].name"


def test_duplicate_container_names() -> None:
    err = refused(
        r"two containers are named 'side'",
        pod_template=pt(
            {
                "containers": [{"name": "side", "image": "a:1"}],
                "initContainers": [{"name": "side", "image": "b:1"}],
            }
        ),
    )
    assert err.field == "pod_template.pod_spec.initContainers[0].name"


def test_container_without_a_name() -> None:
    err = refused(
        r"every container needs a name", pod_template=pt({"containers": [{"image": "a:1"}]})
    )
    assert err.field == "pod_template.pod_spec.containers[0]"


@pytest.mark.parametrize(
    ("spec", "field", "match"),
    [
        (
            {"containers": {"name": "x"}},
            "pod_template.pod_spec.containers",
            "expected a list, got dict",
        ),
        (
            {"nodeSelector": ["a"]},
            "pod_template.pod_spec.nodeSelector",
            "expected a mapping, got list",
        ),
        ({"hostIPC": "yes"}, "pod_template.pod_spec.hostIPC", "expected true or false, got str"),
        (
            {"containers": [{"name": "s", "ports": [{"containerPort": "80"}]}]},
            "pod_template.pod_spec.containers[0].ports[0].containerPort",
            "expected an integer, got str",
        ),
        ({"priority": True}, "pod_template.pod_spec.priority", "expected an integer, got bool"),
        (
            {"containers": [{"name": 7}]},
            "pod_template.pod_spec.containers[0].name",
            "expected a string",
        ),
    ],
)
def test_wrong_field_types(spec: Any, field: str, match: str) -> None:
    err = refused(match, pod_template=pt(spec))
    assert err.field == field


def test_unknown_fields_suggest_the_right_name() -> None:
    err = refused(
        r"unknown field 'nodeSelectors' of a V1PodSpec; did you mean 'nodeSelector'\?",
        pod_template=pt({"nodeSelectors": {"a": "b"}}),
    )
    assert err.field == "pod_template.pod_spec"
    err = refused(
        r"unknown field 'mountpath' of a V1VolumeMount; did you mean 'mountPath'\?",
        pod_template=pt(
            {
                "containers": [
                    {"name": "primary", "volumeMounts": [{"name": "v", "mountpath": "/v"}]}
                ]
            }
        ),
    )
    assert err.field == "pod_template.pod_spec.containers[0].volumeMounts[0]"


def test_a_field_in_both_spellings() -> None:
    refused(
        r"'nodeSelector' is given twice", pod_template=pt({"nodeSelector": {}, "node_selector": {}})
    )


@pytest.mark.parametrize("value", [object(), "pod.yaml", 42, ["x"]])
def test_pod_template_must_be_a_pod_template_or_dict(value: Any) -> None:
    err = refused(r"expected a taskplug.PodTemplate or a dict of its fields", pod_template=value)
    assert err.field == "pod_template"


def test_a_bare_pod_spec_is_not_a_template() -> None:
    k8s = pytest.importorskip("kubernetes.client", reason="needs the kubernetes client")
    refused(
        r"wrap a pod spec as PodTemplate\(pod_spec=...\)", pod_template=k8s.V1PodSpec(containers=[])
    )


def test_unknown_key_of_a_dict_template() -> None:
    refused(r"unknown field 'spec' of a pod template", pod_template={"spec": {}})


def test_resources_in_the_spec_contradicting_the_tasks() -> None:
    primary = {"name": "primary", "resources": {"limits": {"memory": "2Gi", "nvidia.com/gpu": "2"}}}
    err = refused(
        r"the template asks for memory='2Gi' but the task's limits say mem='1Gi'",
        pod_template=pt({"containers": [primary]}),
        limits=Resources(mem="1Gi"),
    )
    assert err.field == "pod_template.pod_spec.containers[0].resources.limits[memory]"
    err = refused(
        r"asks for nvidia.com/gpu='2' but the task's limits say gpu='1'",
        pod_template=pt({"containers": [primary]}),
        limits=Resources(gpu=1),
        accelerator=T4,
    )
    assert err.field.endswith("resources.limits[nvidia.com/gpu]")
    # equal quantities in other spellings are no contradiction
    declare(pod_template=pt({"containers": [primary]}), limits=Resources(mem="2048Mi", gpu="2"))


def test_environment_image_and_command_contradictions() -> None:
    refused(
        r"env 'MODE' is 'a' in the template but 'b' in the task's environment",
        pod_template=pt(
            {"containers": [{"name": "primary", "env": [{"name": "MODE", "value": "a"}]}]}
        ),
        environment={"MODE": "b"},
    )
    refused(
        r"image 'x:1' contradicts the task's container_image 'y:2'",
        pod_template=pt({"containers": [{"name": "primary", "image": "x:1"}]}),
        container_image="y:2",
    )
    err = refused(
        r"the primary container's command is set by taskplug",
        pod_template=pt({"containers": [{"name": "primary", "command": ["python"]}]}),
    )
    assert err.field == "pod_template.pod_spec.containers[0].command"


def test_accelerator_and_shared_memory_contradictions() -> None:
    refused(
        r"node selector k8s.amazonaws.com/accelerator='nvidia-tesla-t4' contradicts the task's "
        r"accelerator nvidia-tesla-a100",
        pod_template=pt({"nodeSelector": {"k8s.amazonaws.com/accelerator": "nvidia-tesla-t4"}}),
        accelerator=A100,
        limits=Resources(gpu=1),
    )
    refused(
        r"already mounts /dev/shm",
        pod_template=pt(
            {
                "containers": [
                    {"name": "primary", "volumeMounts": [{"name": "s", "mountPath": "/dev/shm"}]}
                ]
            }
        ),
        shared_memory=True,
    )


def test_pod_config_and_pod_template_together() -> None:
    refused(
        r"takes its pod from the Pod config",
        task_config=Pod(pod_spec={}),
        pod_template=PodTemplate(),
    )


def test_legacy_pod_errors_name_task_config() -> None:
    err = refused(r"unknown field 'bogus'", task_config=Pod(pod_spec={"bogus": 1}))
    assert err.field == "task_config.pod_spec"
    refused(
        r"always runs the task's image",
        task_config=Pod(pod_spec={"containers": [{"name": "primary", "image": "x:1"}]}),
    )


def test_pod_config_and_template_arguments() -> None:
    with pytest.raises(ValueError, match="needs a pod spec"):
        Pod(pod_spec=None)
    with pytest.raises(ValueError, match="non-empty container name"):
        PodTemplate(primary_container_name="")
    with pytest.raises(ValueError, match="labels=...\\) takes a dict of str to str"):
        PodTemplate(labels={"a": 1})  # type: ignore[dict-item]
