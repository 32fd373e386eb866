"""Pod tasks against flytekit 1.16 + flytekitplugins-pod 1.16: the same templates, byte for byte.

Each case builds its pod spec twice with the ``kubernetes`` client (flytekit changes the specs
it serializes), declares one task with flytekit and one with taskplug, serializes both with
equivalent settings and compares the templates. The allow-list is the one of
``test_templates.py`` (the entrypoint and resolver in the primary container's args, the SDK
version); docs/conformance.md lists it with the pod entries. taskplug-only inputs (dict specs,
snake_case) are compared against flytekit's model specs.

Runs only where flytekit and flytekitplugins-pod are installed (``tox -e conformance``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")
fk_pod = pytest.importorskip("flytekitplugins.pod", reason="needs flytekitplugins-pod")
k8s = pytest.importorskip("kubernetes.client", reason="needs the kubernetes client")

from flytekit.extras import accelerators as fka  # noqa: E402
from flytekit.tools.translator import get_serializable, get_serializable_task  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from test_templates import (  # noqa: E402
    ALLOWED_ARG_SUBSTITUTIONS,
    _field_diffs,
    fk_settings,
    tp_settings,
)

import taskplug  # noqa: E402
from taskplug import accelerators as tpa  # noqa: E402
from taskplug.serialization import serialize  # noqa: E402
from taskplug_k8s_pod import Pod  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]


def work(a: int, b: str = "x") -> str:
    return b * a


# ---------------------------------------------------------------------------------------------
# Pod specs (a factory each: flytekit appends to the spec it serializes)
# ---------------------------------------------------------------------------------------------


def three_containers(primary: str = "primary") -> Any:
    return k8s.V1PodSpec(
        containers=[
            k8s.V1Container(
                name=primary,
                env=[k8s.V1EnvVar(name="FROM_SPEC", value="1")],
                volume_mounts=[k8s.V1VolumeMount(name="scratch", mount_path="/scratch")],
            ),
            k8s.V1Container(
                name="proxy",
                image="envoyproxy/envoy:v1.30.1",
                ports=[k8s.V1ContainerPort(container_port=9901, name="admin")],
                resources=k8s.V1ResourceRequirements(
                    requests={"cpu": "100m", "memory": "64Mi"}, limits={"memory": "128Mi"}
                ),
            ),
            k8s.V1Container(
                name="metrics",
                image="{{.image.spark.fqn}}:{{.image.spark.version}}",
                args=["--port", "9090"],
                readiness_probe=k8s.V1Probe(
                    http_get=k8s.V1HTTPGetAction(path="/ready", port=9090),
                    period_seconds=5,
                ),
            ),
        ],
        init_containers=[
            k8s.V1Container(name="fetch", image="busybox:1.36", command=["sh", "-c", "true"])
        ],
        volumes=[
            k8s.V1Volume(name="scratch", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="1Gi"))
        ],
        node_selector={"pool": "batch"},
        tolerations=[
            k8s.V1Toleration(key="batch", operator="Equal", value="yes", effect="NoSchedule")
        ],
        affinity=k8s.V1Affinity(
            node_affinity=k8s.V1NodeAffinity(
                required_during_scheduling_ignored_during_execution=k8s.V1NodeSelector(
                    node_selector_terms=[
                        k8s.V1NodeSelectorTerm(
                            match_expressions=[
                                k8s.V1NodeSelectorRequirement(
                                    key="zone", operator="In", values=["a", "b"]
                                )
                            ]
                        )
                    ]
                )
            )
        ),
        service_account_name="runner",
        security_context=k8s.V1PodSecurityContext(run_as_user=1000, fs_group=2000),
    )


def sidecar_without_image() -> Any:
    return k8s.V1PodSpec(containers=[k8s.V1Container(name="helper", command=["sleep", "inf"])])


def empty_containers() -> Any:
    return k8s.V1PodSpec(containers=[])


def primary_with_image() -> Any:
    return k8s.V1PodSpec(
        containers=[k8s.V1Container(name="primary", image="{{.image.spark.fqn}}:1.0")]
    )


def three_containers_dict() -> dict[str, Any]:
    """``three_containers()`` as a plain dict in camelCase (taskplug only)."""
    plain: dict[str, Any] = k8s.ApiClient().sanitize_for_serialization(three_containers())
    return plain


def three_containers_snake() -> dict[str, Any]:
    """``three_containers()`` as a dict in the client's snake_case (taskplug only)."""
    return three_containers().to_dict()  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# Cases: name -> (flytekit task kwargs factory, taskplug task kwargs factory)
# ---------------------------------------------------------------------------------------------

Kwargs = Callable[[], dict[str, Any]]


def _pt(lib: Any, spec: Callable[[], Any] | None, **kw: Any) -> Kwargs:
    return lambda: {"pod_template": lib.PodTemplate(pod_spec=spec() if spec else None, **kw)}


def _both(spec: Callable[[], Any] | None, tp_spec: Callable[[], Any] | None = None, **kw: Any):
    return _pt(flytekit, spec, **kw), _pt(taskplug, tp_spec or spec, **kw)


def _with(kwargs: Kwargs, **extra: Any) -> Kwargs:
    return lambda: {**kwargs(), **extra}


def _cases() -> dict[str, tuple[Kwargs, Kwargs]]:
    fk, tp = flytekit, taskplug
    c: dict[str, tuple[Kwargs, Kwargs]] = {}
    c["template_empty"] = (
        lambda: {"pod_template": fk.PodTemplate()},
        lambda: {"pod_template": tp.PodTemplate()},
    )
    c["template_empty_containers"] = _both(empty_containers)
    c["template_three_containers"] = _both(three_containers)
    c["template_dict_camel"] = (_both(three_containers)[0], _both(three_containers_dict)[1])
    c["template_dict_snake"] = (_both(three_containers)[0], _both(three_containers_snake)[1])
    c["template_primary_named"] = (
        _pt(fk, lambda: three_containers("main"), primary_container_name="main"),
        _pt(tp, lambda: three_containers("main"), primary_container_name="main"),
    )
    c["template_primary_inserted"] = _both(sidecar_without_image)
    c["template_primary_image"] = _both(primary_with_image)
    c["template_labels_annotations"] = _both(
        three_containers, labels={"team": "ml"}, annotations={"owner": "ana", "cost": "42"}
    )
    fk_kw, tp_kw = _both(three_containers)
    c["template_resources_env_image"] = (
        _with(
            fk_kw,
            requests=fk.Resources(cpu="1", mem="2Gi"),
            limits=fk.Resources(cpu="2", mem="4Gi", gpu="1", ephemeral_storage="10Gi"),
            environment={"TASK_ENV": "yes"},
            container_image="{{.image.spark.fqn}}:{{.image.default.version}}",
        ),
        _with(
            tp_kw,
            requests=tp.Resources(cpu="1", mem="2Gi"),
            limits=tp.Resources(cpu="2", mem="4Gi", gpu="1", ephemeral_storage="10Gi"),
            environment={"TASK_ENV": "yes"},
            container_image="{{.image.spark.fqn}}:{{.image.default.version}}",
        ),
    )
    c["template_requests_only"] = (
        _with(fk_kw, requests=fk.Resources(cpu="500m")),
        _with(tp_kw, requests=tp.Resources(cpu="500m")),
    )
    c["template_and_name"] = (
        _with(fk_kw, pod_template_name="cluster-default", retries=3),
        _with(tp_kw, pod_template_name="cluster-default", retries=3),
    )
    c["template_accelerator_shm"] = (
        _with(
            fk_kw,
            limits=fk.Resources(gpu="1"),
            accelerator=fka.A100.partition_1g_5gb,
            shared_memory="2Gi",
        ),
        _with(
            tp_kw,
            limits=tp.Resources(gpu="1"),
            accelerator=tpa.A100.partition_1g_5gb,
            shared_memory="2Gi",
        ),
    )
    # the legacy Pod task config of flytekitplugins-pod
    c["pod_empty_containers"] = (
        lambda: {"task_config": fk_pod.Pod(pod_spec=empty_containers())},
        lambda: {"task_config": Pod(pod_spec=empty_containers())},
    )
    c["pod_three_containers"] = (
        lambda: {
            "task_config": fk_pod.Pod(
                pod_spec=three_containers("main"),
                primary_container_name="main",
                labels={"a": "b"},
                annotations={"c": "d"},
            ),
            "requests": fk.Resources(cpu="1", mem="1Gi"),
            "environment": {"X": "1"},
        },
        lambda: {
            "task_config": Pod(
                pod_spec=three_containers("main"),
                primary_container_name="main",
                labels={"a": "b"},
                annotations={"c": "d"},
            ),
            "requests": tp.Resources(cpu="1", mem="1Gi"),
            "environment": {"X": "1"},
        },
    )
    c["pod_dict_spec"] = (
        lambda: {"task_config": fk_pod.Pod(pod_spec=sidecar_without_image())},
        lambda: {
            "task_config": Pod(
                pod_spec={"containers": [{"name": "helper", "command": ["sleep", "inf"]}]}
            )
        },
    )
    return c


CASES = _cases()


def _templates(name: str) -> tuple[Any, Any]:
    fk_kwargs, tp_kwargs = CASES[name]
    fk_task = flytekit.task(**fk_kwargs())(work)
    tp_task = taskplug.task(**tp_kwargs())(work)
    fk_tt = get_serializable_task(OrderedDict(), fk_settings(), fk_task).template.to_flyte_idl()
    return fk_tt, serialize(tp_task, tp_settings())


def _apply_allow_list(fk_tt: Any, tp_tt: Any) -> None:
    """The allow-list of test_templates.py, applied to the pod's primary container args."""
    spec = json_format.MessageToDict(fk_tt.k8s_pod.pod_spec)
    for container in spec.get("containers", []):
        if "args" in container:
            container["args"] = [ALLOWED_ARG_SUBSTITUTIONS.get(a, a) for a in container["args"]]
    fk_tt.k8s_pod.pod_spec.Clear()
    fk_tt.k8s_pod.pod_spec.update(spec)
    assert fk_tt.metadata.runtime.version == flytekit.__version__
    fk_tt.metadata.runtime.version = tp_tt.metadata.runtime.version


@pytest.mark.parametrize("name", sorted(CASES))
def test_pod_template_matches_flytekit(name: str) -> None:
    fk_tt, tp_tt = _templates(name)
    assert fk_tt.HasField("k8s_pod") and not fk_tt.HasField("container")
    _apply_allow_list(fk_tt, tp_tt)
    fk_spec = json_format.MessageToDict(fk_tt.k8s_pod.pod_spec)
    tp_spec = json_format.MessageToDict(tp_tt.k8s_pod.pod_spec)
    assert tp_spec == fk_spec, f"case {name!r}: pod specs differ"
    diffs = _field_diffs(fk_tt, tp_tt)
    assert not diffs, f"case {name!r}:\n  " + "\n  ".join(diffs)
    assert fk_tt.SerializeToString(deterministic=True) == tp_tt.SerializeToString(
        deterministic=True
    )


def test_the_allow_list_is_needed_for_pods() -> None:
    """The primary container's args differ only by the allow-listed entrypoint and resolver."""
    fk_tt, tp_tt = _templates("template_three_containers")
    fk_args = json_format.MessageToDict(fk_tt.k8s_pod.pod_spec)["containers"][0]["args"]
    tp_args = json_format.MessageToDict(tp_tt.k8s_pod.pod_spec)["containers"][0]["args"]
    assert fk_args[0] == "pyflyte-execute" and tp_args[0] == "taskplug-execute"
    assert fk_args[fk_args.index("--") :] == tp_args[tp_args.index("--") :]


def test_task_resources_merge_with_the_primary_containers_resources() -> None:
    """Allow-listed difference: flytekit drops the primary container's own resources when the
    task sets any; taskplug keeps the ones the task does not set (and refuses contradictions)."""

    def spec() -> Any:
        return k8s.V1PodSpec(
            containers=[
                k8s.V1Container(
                    name="primary",
                    resources=k8s.V1ResourceRequirements(
                        limits={"nvidia.com/gpu": "1"}, requests={"memory": "1Gi"}
                    ),
                )
            ]
        )

    fk_task = flytekit.task(
        pod_template=flytekit.PodTemplate(pod_spec=spec()), requests=flytekit.Resources(cpu="1")
    )(work)
    tp_task = taskplug.task(
        pod_template=taskplug.PodTemplate(pod_spec=spec()), requests=taskplug.Resources(cpu="1")
    )(work)
    fk_tt = get_serializable_task(OrderedDict(), fk_settings(), fk_task).template.to_flyte_idl()
    tp_tt = serialize(tp_task, tp_settings())
    fk_res = json_format.MessageToDict(fk_tt.k8s_pod.pod_spec)["containers"][0]["resources"]
    tp_res = json_format.MessageToDict(tp_tt.k8s_pod.pod_spec)["containers"][0]["resources"]
    assert fk_res == {"limits": {}, "requests": {"cpu": "1"}}
    assert tp_res == {"limits": {"nvidia.com/gpu": "1"}, "requests": {"memory": "1Gi", "cpu": "1"}}


# ---------------------------------------------------------------------------------------------
# Per-node overrides: t(...).with_overrides(pod_template=...) in a workflow
# ---------------------------------------------------------------------------------------------


def _node_pod(lib: Any, template: Any, **task_kwargs: Any) -> Any:
    """The ``TaskNodeOverrides.pod_template`` of a one-node workflow, serialized by ``lib``."""
    t = lib.task(**task_kwargs)(work)

    def wf(a: int) -> str:
        return t(a=a).with_overrides(pod_template=template)

    wf.__module__ = __name__
    wf.__qualname__ = "wf"
    if lib is flytekit:
        workflow = flytekit.workflow(wf)
        spec = get_serializable(OrderedDict(), fk_settings(), workflow)
        return spec.template.nodes[0].task_node.overrides.to_flyte_idl().pod_template
    from taskplug.workflows.serialize import workflow_spec

    workflow = taskplug.workflow(wf)
    return workflow_spec(workflow, tp_settings()).template.nodes[0].task_node.overrides.pod_template


@pytest.mark.parametrize("kind", ["three_containers", "inserted", "task_has_template"])
def test_node_pod_override_matches_flytekit(kind: str) -> None:
    def make(lib: Any) -> tuple[Any, dict[str, Any]]:
        if kind == "three_containers":
            tpl = lib.PodTemplate(
                pod_spec=three_containers("main"), primary_container_name="main", labels={"n": "1"}
            )
            return tpl, {"requests": lib.Resources(cpu="1"), "environment": {"E": "1"}}
        if kind == "inserted":
            return lib.PodTemplate(pod_spec=sidecar_without_image(), annotations={"a": "b"}), {}
        own = lib.PodTemplate(pod_spec=empty_containers())
        return lib.PodTemplate(pod_spec=primary_with_image()), {"pod_template": own}

    fk_tpl, fk_kw = make(flytekit)
    tp_tpl, tp_kw = make(taskplug)
    fk_pod = _node_pod(flytekit, fk_tpl, **fk_kw)
    tp_pod = _node_pod(taskplug, tp_tpl, **tp_kw)
    fk_spec = json_format.MessageToDict(fk_pod.pod_spec)
    for container in fk_spec.get("containers", []):
        if "args" in container:
            container["args"] = [ALLOWED_ARG_SUBSTITUTIONS.get(a, a) for a in container["args"]]
    fk_pod.pod_spec.Clear()
    fk_pod.pod_spec.update(fk_spec)
    assert json_format.MessageToDict(tp_pod.pod_spec) == fk_spec
    assert tp_pod == fk_pod
    assert tp_pod.SerializeToString(deterministic=True) == fk_pod.SerializeToString(
        deterministic=True
    )
