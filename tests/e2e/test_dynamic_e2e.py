"""A dynamic task in a real ``taskplug-execute`` process writes ``futures.pb`` as pyflyte-execute."""

from __future__ import annotations

from conftest import Workspace, int_inputs
from flyteidl.core import dynamic_job_pb2, execution_pb2

from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.workflows.transport import SERIALIZED_CONTEXT_ENV_VAR, serialized_context

DYN = """
from taskplug import dynamic, task


@task
def square(x: int) -> int:
    return x * x


@task
def total(xs: list[int]) -> int:
    return sum(xs)


@dynamic
def summed(n: int) -> int:
    return total(xs=[square(x=i) for i in range(n)])


@dynamic
def no_nodes(n: int) -> int:
    return n * 10


@dynamic
def broken(n: int) -> int:
    x = square(x=n)
    return x + 1
"""

SETTINGS = SerializationSettings(
    project="proj",
    domain="dev",
    version="v1",
    image_config=ImageConfig.from_images("ghcr.io/acme/app:3"),
)


def test_futures_pb_holds_the_dynamic_job(ws: Workspace) -> None:
    mod = ws.module("dyn_tasks", DYN)
    env = {
        SERIALIZED_CONTEXT_ENV_VAR: serialized_context(SETTINGS),
        "FLYTE_INTERNAL_TASK_VERSION": "v9",
    }
    run = ws.run(mod, "summed", ws.inputs(int_inputs(n=3)), env=env)
    assert run.rc == 0, run.proc.stderr
    assert not run.outputs_path.exists()
    job = dynamic_job_pb2.DynamicJobSpec.FromString((run.out_dir / "futures.pb").read_bytes())
    assert [n.id for n in job.nodes] == ["dn0", "dn1", "dn2", "dn3"]
    assert job.min_successes == 4
    assert [t.id.name for t in job.tasks] == ["dyn_tasks.square", "dyn_tasks.total"]
    task = job.tasks[0]
    assert task.container.image == "ghcr.io/acme/app:3"
    # project/domain from the serialized settings, the version is the running task's
    assert (task.id.project, task.id.domain, task.id.version) == ("proj", "dev", "v9")
    assert list(task.container.args)[:1] == ["taskplug-execute"]
    assert job.outputs[0].binding.promise.node_id == "dn3"


def test_settings_from_the_execution_when_there_is_no_context(ws: Workspace) -> None:
    mod = ws.module("dyn_tasks2", DYN)
    env = {
        SERIALIZED_CONTEXT_ENV_VAR: None,
        "TASKPLUG_IMAGE": "reg/from-env:5",
        "FLYTE_INTERNAL_EXECUTION_PROJECT": "p2",
        "FLYTE_INTERNAL_EXECUTION_DOMAIN": "d2",
        "FLYTE_INTERNAL_TASK_VERSION": "v2",
    }
    run = ws.run(mod, "summed", ws.inputs(int_inputs(n=1)), env=env)
    assert run.rc == 0, run.proc.stderr
    job = dynamic_job_pb2.DynamicJobSpec.FromString((run.out_dir / "futures.pb").read_bytes())
    t = job.tasks[0]
    assert (t.id.project, t.id.domain, t.id.version) == ("p2", "d2", "v2")
    assert t.container.image == "reg/from-env:5"


def test_no_nodes_writes_outputs(ws: Workspace) -> None:
    mod = ws.module("dyn_tasks3", DYN)
    run = ws.run(mod, "no_nodes", ws.inputs(int_inputs(n=4)))
    assert run.rc == 0, run.proc.stderr
    assert not (run.out_dir / "futures.pb").exists()
    assert run.outputs().literals["o0"].scalar.primitive.integer == 40


def test_a_broken_dynamic_writes_an_error(ws: Workspace) -> None:
    mod = ws.module("dyn_tasks4", DYN)
    env = {SERIALIZED_CONTEXT_ENV_VAR: serialized_context(SETTINGS)}
    run = ws.run(mod, "broken", ws.inputs(int_inputs(n=4)), env=env)
    assert run.rc == 1
    err = run.error()
    assert err.origin == execution_pb2.ExecutionError.USER
    assert "PromiseUsageError" in err.message and "node 'dn0'" in err.message
    assert not (run.out_dir / "futures.pb").exists()
