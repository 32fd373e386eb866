"""@dynamic: local runs through the compiled graph, DynamicJobSpec, settings carried in _F_SS_C."""

import typing

import pytest
from flyteidl.core import dynamic_job_pb2, literals_pb2

from taskplug import PythonFunctionTask, Resources, dynamic, task, workflow
from taskplug.serialization import serialize
from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.workflows.errors import PromiseUsageError
from taskplug.workflows.transport import (
    SERIALIZED_CONTEXT_ENV_VAR,
    serialized_context,
    settings_from_transport,
)

SETTINGS = SerializationSettings(
    project="proj",
    domain="dev",
    version="v7",
    image_config=ImageConfig.from_images("ghcr.io/acme/app:2", {"gpu": "ghcr.io/acme/gpu:1"}),
    env={"LOG": "debug"},
)


@task
def square(x: int) -> int:
    return x * x


@task
def total(xs: list[int]) -> int:
    return sum(xs)


@workflow
def sub(a: int) -> int:
    return square(x=a)


@dynamic
def fan_out(n: int) -> list[int]:
    return [square(x=i) for i in range(n)]


@dynamic(retries=2, requests=Resources(cpu="1"))
def summed(n: int) -> int:
    return total(xs=[square(x=i) for i in range(n)])


@task(execution_mode=PythonFunctionTask.ExecutionBehavior.DYNAMIC)
def via_task(n: int) -> int:
    return sub(a=n)


@dynamic
def plain(n: int) -> typing.Tuple[int, str]:
    return n * 2, "no nodes"


@workflow
def uses_dynamic(n: int) -> int:
    return total(xs=fan_out(n=n))


def test_dynamic_decorator_forms() -> None:
    for t in (fan_out, summed, via_task):
        assert isinstance(t, PythonFunctionTask)
        assert t.execution_mode is PythonFunctionTask.ExecutionBehavior.DYNAMIC
    assert summed.metadata.retries == 2
    assert fan_out.task_type == "python-task"


def test_local_runs() -> None:
    assert fan_out(n=4) == [0, 1, 4, 9]
    assert summed(n=4) == 14
    assert via_task(n=3) == 9
    assert plain(n=5) == (10, "no nodes")
    assert uses_dynamic(n=3) == 5


def test_a_fan_out_of_1000_nodes_runs_locally() -> None:
    result = fan_out(n=1000)
    assert len(result) == 1000 and result[999] == 999 * 999


def test_compile_into_workflow() -> None:
    job = summed.compile_into_workflow(SETTINGS, n=3)
    assert isinstance(job, dynamic_job_pb2.DynamicJobSpec)
    assert [n.id for n in job.nodes] == ["dn0", "dn1", "dn2", "dn3"]
    assert job.min_successes == 4
    assert [t.id.name for t in job.tasks] == [square.name, total.name]
    assert job.tasks[0].container.image == "ghcr.io/acme/app:2"
    assert (job.tasks[0].id.project, job.tasks[0].id.version) == ("proj", "v7")
    last = job.nodes[3]
    assert [b.promise.node_id for b in last.inputs[0].binding.collection.bindings] == [
        "dn0",
        "dn1",
        "dn2",
    ]
    assert [(o.var, o.binding.promise.node_id) for o in job.outputs] == [("o0", "dn3")]
    assert job.nodes[0].inputs[0].binding.scalar.primitive.integer == 0
    assert not job.subworkflows


def test_dynamic_with_a_sub_workflow() -> None:
    job = via_task.compile_into_workflow(SETTINGS, n=2)
    assert job.nodes[0].workflow_node.sub_workflow_ref.name == sub.name
    assert [w.id.name for w in job.subworkflows] == [sub.name]
    assert [t.id.name for t in job.tasks] == [square.name]


def test_no_nodes_gives_the_outputs() -> None:
    out = plain.compile_into_workflow(SETTINGS, n=4)
    assert isinstance(out, literals_pb2.LiteralMap)
    assert out.literals["o0"].scalar.primitive.integer == 8
    assert out.literals["o1"].scalar.primitive.string_value == "no nodes"


def test_the_template_carries_the_settings() -> None:
    tt = serialize(fan_out, SETTINGS)
    env = {e.key: e.value for e in tt.container.env}
    assert env["LOG"] == "debug"
    back = settings_from_transport(env[SERIALIZED_CONTEXT_ENV_VAR])
    assert (back.project, back.domain, back.version) == ("proj", "dev", "v7")
    assert back.image_config.default_image is not None
    assert back.image_config.default_image.full == "ghcr.io/acme/app:2"
    assert back.image_config.find_image("gpu") is not None
    assert back.env == {"LOG": "debug"}
    plain_env = {e.key for e in serialize(square, SETTINGS).container.env}
    assert SERIALIZED_CONTEXT_ENV_VAR not in plain_env
    assert serialized_context(SETTINGS) == env[SERIALIZED_CONTEXT_ENV_VAR]  # deterministic


def test_promise_misuse_inside_a_dynamic_names_it() -> None:
    @dynamic
    def misuse(n: int) -> int:
        x = square(x=n)
        if x:
            return x
        return n

    with pytest.raises(PromiseUsageError) as info:
        misuse(n=2)
    assert "workflow 'test_dynamic.misuse', node 'dn0'" in str(info.value)


def test_node_dependency_hints_are_registered_first() -> None:
    from taskplug.workflows.serialize import Registrable

    @dynamic(node_dependency_hints=[sub])
    def hinted(n: int) -> int:
        return sub(a=n)

    reg = Registrable(SETTINGS)
    reg.add(hinted)
    assert [(k, e.name) for k, e, _ in reg.entries] == [
        ("task", square.name),
        ("workflow", sub.name),
        ("launch_plan", sub.name),
        ("task", hinted.name),
    ]
