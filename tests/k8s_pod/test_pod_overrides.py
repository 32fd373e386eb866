"""``t(...).with_overrides(pod_template=...)`` in a workflow, through ``taskplug_node_pod_override``."""

from __future__ import annotations

import pytest
from conftest import validate_pod_spec
from google.protobuf import json_format

from taskplug import PodTemplate, Resources, task, workflow
from taskplug.settings import SerializationSettings
from taskplug.workflows.serialize import workflow_spec
from taskplug_k8s_pod import PodSpecError

SETTINGS = SerializationSettings.for_tests()
OVERRIDE = PodTemplate(
    pod_spec={
        "containers": [
            {"name": "main", "env": [{"name": "NODE", "value": "1"}]},
            {"name": "side", "image": "busybox:1"},
        ],
        "tolerations": [{"key": "big", "operator": "Exists"}],
    },
    primary_container_name="main",
    labels={"node": "n0"},
)


@task(requests=Resources(cpu="1"), environment={"TASK": "1"})
def inc(x: int) -> int:
    return x + 1


@workflow
def tuned(a: int) -> int:
    return inc(x=a).with_overrides(pod_template=OVERRIDE)


def test_the_node_gets_the_override_pod() -> None:
    node = workflow_spec(tuned, SETTINGS).template.nodes[0]
    pod = node.task_node.overrides.pod_template
    assert pod.primary_container_name == "main"
    assert dict(pod.metadata.labels) == {"node": "n0"}
    spec = json_format.MessageToDict(pod.pod_spec)
    main, side = spec["containers"]
    assert main["args"][0] == "taskplug-execute" and main["args"][-1] == "inc"
    assert main["resources"] == {"limits": {}, "requests": {"cpu": "1"}}
    assert main["env"] == [{"name": "TASK", "value": "1"}, {"name": "NODE", "value": "1"}]
    assert side["image"] == "busybox:1"
    assert spec["tolerations"] == [{"key": "big", "operator": "Exists"}]
    validate_pod_spec(spec)
    # the task itself is unchanged: still a container task
    assert inc.pod_template is None


def test_a_bad_override_template_names_the_task_and_the_override() -> None:
    @workflow
    def bad(a: int) -> int:
        return inc(x=a).with_overrides(
            pod_template=PodTemplate(
                pod_spec={
                    "containers": [{"name": "primary", "resources": {"requests": {"cpu": "2"}}}]
                }
            )
        )

    with pytest.raises(
        PodSpecError,
        match=r"with_overrides\(pod_template\).*asks for cpu='2' but the task's requests say cpu='1'",
    ):
        workflow_spec(bad, SETTINGS)
