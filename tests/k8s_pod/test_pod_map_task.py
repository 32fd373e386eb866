"""A map task over a pod task: the pod plugin writes its pod, running the map command."""

from __future__ import annotations

import functools

import pytest
from google.protobuf import json_format

from taskplug import PodTemplate, Resources, map_task, task
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.tasks.base import LocalExecutionWarning

SETTINGS = SerializationSettings.for_tests()


@task(
    requests=Resources(cpu="1"),
    pod_template=PodTemplate(
        pod_spec={"containers": [{"name": "primary"}], "nodeSelector": {"pool": "maps"}},
        labels={"team": "ml"},
    ),
)
def score(x: int, scale: float) -> float:
    return x * scale


def test_the_map_template_is_the_tasks_pod_with_the_map_command() -> None:
    mt = map_task(functools.partial(score, scale=2.0), concurrency=3)
    tt = serialize(mt, SETTINGS)
    assert tt.HasField("k8s_pod") and not tt.HasField("container")
    assert tt.task_type_version == 1 and dict(tt.config) == {"primary_container_name": "primary"}
    assert dict(tt.k8s_pod.metadata.labels) == {"team": "ml"}
    spec = json_format.MessageToDict(tt.k8s_pod.pod_spec)
    assert spec["nodeSelector"] == {"pool": "maps"}
    args = spec["containers"][0]["args"]
    assert args[0] == "taskplug-execute"
    assert args[args.index("--resolver") + 1] == (
        "taskplug.workflows.array_node.ArrayNodeMapTaskResolver"
    )
    assert args[args.index("--") + 1 :][:4] == [
        "vars",
        "scale",
        "resolver",
        "taskplug.resolver.default_task_resolver",
    ]
    assert spec["containers"][0]["resources"]["requests"] == {"cpu": "1"}
    # the task itself keeps its own command
    own = json_format.MessageToDict(serialize(score, SETTINGS).k8s_pod.pod_spec)
    assert "vars" not in own["containers"][0]["args"]
    with pytest.warns(LocalExecutionWarning, match="pod template"):
        assert mt(x=[1, 2]) == [2.0, 4.0]
