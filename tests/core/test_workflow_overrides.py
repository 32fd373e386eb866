"""Per-node overrides: each one is in the compiled node, or raises saying why it cannot apply."""

import datetime
from typing import Any

import pytest
from flyteidl.core import tasks_pb2
from google.protobuf import json_format, struct_pb2

from taskplug import Cache, Resources, task, workflow
from taskplug.accelerators import A100, T4
from taskplug.errors import PluginError
from taskplug.plugin import hookimpl
from taskplug.settings import SerializationSettings
from taskplug.testing import fresh_plugin_manager
from taskplug.workflows.errors import WorkflowCompileError
from taskplug.workflows.serialize import workflow_template

SETTINGS = SerializationSettings.for_tests().replace(
    image_config=SerializationSettings.for_tests().image_config.from_images(
        "ghcr.io/acme/base:1", {"gpu": "ghcr.io/acme/gpu:cuda12"}
    )
)


@task
def inc(x: int) -> int:
    return x + 1


@task(limits=Resources(cpu="1", mem="1Gi"))
def capped(x: int) -> int:
    return x


@workflow
def sub(a: int) -> int:
    return inc(x=a)


def _node(**overrides: Any) -> Any:
    """The compiled node of ``inc`` called with these overrides."""

    @workflow
    def wf(a: int) -> int:
        return inc(x=a).with_overrides(**overrides)

    return workflow_template(wf, SETTINGS).nodes[0]


def _entries(res: Any) -> list[tuple[int, str]]:
    return [(e.name, e.value) for e in res]


def test_no_override_leaves_an_empty_overrides_message() -> None:
    node = _node()
    ov = node.task_node.overrides
    assert node.task_node.HasField("overrides") and ov == type(ov)()


def test_requests() -> None:
    res = _node(requests=Resources(cpu="2", mem="3Gi", gpu="1")).task_node.overrides.resources
    assert _entries(res.requests) == [(1, "2"), (3, "3Gi"), (2, "1")]
    assert list(res.limits) == []


def test_limits() -> None:
    res = _node(limits=Resources(cpu="4", ephemeral_storage="9Gi")).task_node.overrides.resources
    assert _entries(res.limits) == [(1, "4"), (5, "9Gi")] and list(res.requests) == []


def test_resources_pairs() -> None:
    res = _node(resources=Resources(cpu=("1", "2"), mem="1Gi")).task_node.overrides.resources
    assert _entries(res.requests) == [(1, "1"), (3, "1Gi")]
    assert _entries(res.limits) == [(1, "2")]


def test_accelerator() -> None:
    ext = _node(accelerator=T4, limits=Resources(gpu="1")).task_node.overrides.extended_resources
    assert ext.gpu_accelerator.device == "nvidia-tesla-t4"
    ext = _node(accelerator=A100.partition_2g_10gb).task_node.overrides.extended_resources
    assert (ext.gpu_accelerator.device, ext.gpu_accelerator.partition_size) == (
        "nvidia-tesla-a100",
        "2g.10gb",
    )


def test_shared_memory() -> None:
    shm = _node(shared_memory=True).task_node.overrides.extended_resources.shared_memory
    assert (shm.mount_path, shm.mount_name, shm.size_limit) == (
        "/dev/shm",
        "flyte-shared-memory",
        "",
    )
    shm = _node(shared_memory="2Gi").task_node.overrides.extended_resources.shared_memory
    assert shm.size_limit == "2Gi"


def test_container_image_resolved_through_the_settings() -> None:
    assert _node(container_image="docker.io/x/y:1").task_node.overrides.container_image == (
        "docker.io/x/y:1"
    )
    node = _node(container_image="{{.image.gpu.fqn}}:{{.image.gpu.version}}")
    assert node.task_node.overrides.container_image == "ghcr.io/acme/gpu:cuda12"


def test_retries_timeout_interruptible_name() -> None:
    md = _node(retries=4).metadata
    assert md.retries.retries == 4
    md = _node(timeout=90).metadata
    assert md.timeout.seconds == 90
    md = _node(timeout=datetime.timedelta(minutes=2)).metadata
    assert md.timeout.seconds == 120
    md = _node(interruptible=True).metadata
    assert md.HasField("interruptible") and md.interruptible is True
    md = _node(name="friendly").metadata
    assert md.name == "friendly"

    @task(timeout=30)
    def timed(x: int) -> int:
        return x

    @workflow
    def no_timeout(a: int) -> int:
        return timed(x=a).with_overrides(timeout=None)

    assert not workflow_template(no_timeout, SETTINGS).nodes[0].metadata.HasField("timeout")


def test_node_name_and_references_to_it() -> None:
    @workflow
    def renamed(a: int) -> int:
        x = inc(x=a).with_overrides(node_name="First_Step")
        return inc(x=x)

    tt = workflow_template(renamed, SETTINGS)
    assert tt.nodes[0].id == "first-step"
    assert tt.nodes[1].inputs[0].binding.promise.node_id == "first-step"
    assert list(tt.nodes[1].upstream_node_ids) == ["first-step"]


def test_cache() -> None:
    md = _node(cache=True, cache_version="3", cache_serialize=True).metadata
    assert (md.cacheable, md.cache_version, md.cache_serializable) == (True, "3", True)
    md = _node(cache=Cache(version="9")).metadata
    assert (md.cacheable, md.cache_version, md.cache_serializable) == (True, "9", False)
    md = _node(cache=False).metadata
    assert md.HasField("cacheable") and md.cacheable is False
    with pytest.raises(WorkflowCompileError, match="needs a version"):
        _node(cache=True)


def test_aliases() -> None:
    node = _node(aliases={"o0": "result"})
    assert [(a.var, a.alias) for a in node.output_aliases] == [("o0", "result")]
    with pytest.raises(WorkflowCompileError, match="'nope' is not an output"):
        _node(aliases={"nope": "x"})


def test_overrides_accumulate_and_leave_the_task_alone() -> None:
    @workflow
    def both(a: int) -> int:
        x = inc(x=a).with_overrides(requests=Resources(cpu="2"))
        x.with_overrides(retries=2, limits=Resources(cpu="3"))
        return inc(x=x)

    tt = workflow_template(both, SETTINGS)
    res = tt.nodes[0].task_node.overrides.resources
    assert _entries(res.requests) == [(1, "2")] and _entries(res.limits) == [(1, "3")]
    assert tt.nodes[0].metadata.retries.retries == 2
    assert tt.nodes[1].metadata.retries.retries == 0
    assert tt.nodes[1].task_node.overrides == type(tt.nodes[1].task_node.overrides)()
    assert inc.metadata.retries == 0 and inc.resources.requests.cpu is None


def test_multi_output_and_void_results_take_overrides() -> None:
    @task
    def two(a: int) -> tuple[int, int]:
        return a, a

    @task
    def side(a: int) -> None:
        return None

    @workflow
    def wf(a: int) -> int:
        x, y = two(a=a).with_overrides(retries=1)
        side(a=x).with_overrides(retries=2)
        return y

    tt = workflow_template(wf, SETTINGS)
    assert [n.metadata.retries.retries for n in tt.nodes] == [1, 2]


# -- overrides that cannot apply ----------------------------------------------------------------


def test_task_config_is_refused() -> None:
    with pytest.raises(WorkflowCompileError, match="task_config= cannot apply") as info:
        _node(task_config={"x": 1})
    assert "node 'n0'" in str(info.value) and "workflow '" in str(info.value)


@pytest.mark.parametrize(
    "overrides",
    [
        {"requests": Resources(cpu="1")},
        {"container_image": "a/b:1"},
        {"accelerator": T4},
        {"shared_memory": True},
    ],
)
def test_task_level_overrides_on_a_sub_workflow_node_raise(overrides: dict[str, Any]) -> None:
    with pytest.raises(WorkflowCompileError, match="this node runs workflow") as info:

        @workflow
        def outer(a: int) -> int:
            return sub(a=a).with_overrides(**overrides)

    assert "node 'n0'" in str(info.value)


def test_metadata_overrides_apply_to_sub_workflow_nodes() -> None:
    @workflow
    def outer(a: int) -> int:
        return sub(a=a).with_overrides(retries=2, name="inner")

    md = workflow_template(outer, SETTINGS).nodes[0].metadata
    assert (md.retries.retries, md.name) == (2, "inner")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"requests": {"cpu": "1"}}, "expected Resources"),
        ({"requests": Resources(cpu=("1", "2"))}, "use resources= for pairs"),
        ({"resources": Resources(cpu="1"), "limits": Resources(cpu="1")}, "not both"),
        ({"retries": -1}, "whole number"),
        ({"timeout": "soon"}, "seconds"),
        ({"interruptible": "yes"}, "True or False"),
        ({"accelerator": "quantum-9000"}, "accelerator"),
        ({"shared_memory": "lots"}, "quantity"),
        ({"container_image": ""}, "image name"),
        ({"node_name": "!!"}, "letters or digits"),
    ],
)
def test_bad_override_values(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(WorkflowCompileError, match=message):
        _node(**overrides)


def test_unknown_override_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"unknown override\(s\) 'gpus'") as info:
        _node(gpus=2)
    assert "node 'n0'" in str(info.value) and "accelerator" in str(info.value)


def test_requests_above_the_tasks_limits_raise() -> None:
    @workflow
    def fine(a: int) -> int:
        return capped(x=a).with_overrides(requests=Resources(cpu="2"), limits=Resources(cpu="4"))

    assert workflow_template(fine, SETTINGS).nodes[0].task_node.overrides.resources.requests
    with pytest.raises(WorkflowCompileError, match="exceeds the limit cpu='1'"):

        @workflow
        def clamped(a: int) -> int:
            return capped(x=a).with_overrides(requests=Resources(cpu="1500m"))


# -- pod_template: through the taskplug_node_pod_override hook ------------------------------------


def test_pod_template_without_a_plugin_raises_naming_the_plugin_to_install() -> None:
    with (
        fresh_plugin_manager(autoload=False),
        pytest.raises(WorkflowCompileError, match="pod_template= cannot apply") as info,
    ):
        _node(pod_template=object())
    text = str(info.value)
    assert "taskplug_node_pod_override" in text and "taskplug[k8s-pod]" in text
    assert "node 'n0'" in text


class _PodPlugin:
    TASKPLUG_API_VERSION = "1.0"

    def __init__(self, answer: Any = "pod") -> None:
        self.answer = answer
        self.calls: list[tuple[str, Any]] = []

    @hookimpl
    def taskplug_node_pod_override(self, task: Any, pod_template: Any, settings: Any) -> Any:
        self.calls.append((task.name, pod_template))
        if self.answer != "pod":
            return self.answer
        pod = tasks_pb2.K8sPod()
        pod.metadata.labels.update(pod_template["labels"])
        pod.primary_container_name = "primary"
        spec = {"containers": [{"name": "primary", "image": task.get_image(settings)}]}
        pod.pod_spec.CopyFrom(json_format.ParseDict(spec, struct_pb2.Struct()))
        return pod


def test_pod_template_through_the_hook() -> None:
    plugin = _PodPlugin()
    with fresh_plugin_manager(plugin, autoload=False):
        node = _node(pod_template={"labels": {"team": "ml"}})
    pod = node.task_node.overrides.pod_template
    assert dict(pod.metadata.labels) == {"team": "ml"}
    assert pod.primary_container_name == "primary"
    assert pod.pod_spec["containers"][0]["image"] == "ghcr.io/acme/base:1"
    assert plugin.calls == [(inc.name, {"labels": {"team": "ml"}})]


def test_pod_template_no_answer_or_a_wrong_answer_raises() -> None:
    with (
        fresh_plugin_manager(_PodPlugin(answer=None), autoload=False),
        pytest.raises(WorkflowCompileError, match="no plugin implementing"),
    ):
        _node(pod_template={"labels": {}})
    with (
        fresh_plugin_manager(_PodPlugin(answer={"not": "a pod"}), autoload=False),
        pytest.raises(PluginError, match="expected flyteidl.core.tasks_pb2.K8sPod") as info,
    ):
        _node(pod_template={"labels": {}})
    assert "_PodPlugin" in str(info.value)


def test_hook_spec_is_documented() -> None:
    from taskplug import hookspecs

    spec = hookspecs.taskplug_node_pod_override
    assert "firstresult" in (spec.__doc__ or "") and "K8sPod" in (spec.__doc__ or "")


def test_a_local_run_warns_once_about_cluster_only_overrides() -> None:
    from taskplug.tasks.base import LocalExecutionWarning

    @workflow
    def tuned(a: int) -> int:
        x = inc(x=a).with_overrides(retries=3)
        return inc(x=x).with_overrides(requests=Resources(cpu="2"))

    with pytest.warns(LocalExecutionWarning, match=r"node\(s\) n1 apply in a cluster only"):
        assert tuned(a=1) == 3
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tuned(a=2) == 4
