"""Resolvers and container commands: loader args, set_resolver, set_command_fn, and real runs
of `taskplug-execute` on tasks found by each resolver."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2

from taskplug import task
from taskplug.resolver import (
    TaskResolutionError,
    default_task_resolver,
    entrypoint_command,
    instance_task_resolver,
    load_resolver,
)
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.tasks.metadata import ExecutionMode

TASKS = """
from typing import Any
from taskplug import PythonInstanceTask, task
from taskplug.resolver import instance_task_resolver

@task
def add(a: int, b: int) -> int:
    return a + b

class Power(PythonInstanceTask[None]):
    def __init__(self, n: int) -> None:
        super().__init__(name=f"power_{n}", inputs={"x": int}, outputs={"o0": int},
                         task_resolver=instance_task_resolver)
        self.n = n

    def execute(self, **kwargs: Any) -> Any:
        return kwargs["x"] ** self.n

POWERS = [Power(n) for n in (2, 3)]   # made in a loop: no variable of their own
"""


@pytest.fixture
def tasks_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "resolver_tasks.py").write_text(textwrap.dedent(TASKS))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("resolver_tasks", None)
    import resolver_tasks

    yield resolver_tasks
    sys.modules.pop("resolver_tasks", None)


def test_default_resolver_round_trip(tasks_module):
    args = default_task_resolver.loader_args(None, tasks_module.add)
    assert args == ["task-module", "resolver_tasks", "task-name", "add"]
    assert default_task_resolver.load_task(args) is tasks_module.add
    assert load_resolver(default_task_resolver.location) is default_task_resolver


def test_instance_resolver_finds_tasks_made_in_a_loop(tasks_module):
    cube = tasks_module.POWERS[1]
    assert cube.task_resolver is instance_task_resolver
    args = instance_task_resolver.loader_args(None, cube)
    assert args == ["task-module", "resolver_tasks", "task-name", "power_3"]
    assert instance_task_resolver.load_task(args) is cube
    with pytest.raises(TaskResolutionError, match="no task named 'power_9'"):
        instance_task_resolver.load_task(["task-module", "resolver_tasks", "task-name", "power_9"])
    with pytest.raises(TaskResolutionError, match="could not be imported"):
        instance_task_resolver.load_task(["task-module", "no_such_mod_xyz", "task-name", "x"])
    with pytest.raises(TaskResolutionError, match="expects 'task-module M task-name N'"):
        instance_task_resolver.load_task(["task-module", "resolver_tasks"])


def test_set_resolver_and_command_fn_change_the_template(tasks_module):
    settings = SerializationSettings.for_tests()
    add = tasks_module.add
    args = list(serialize(add, settings).container.args)
    assert args[args.index("--resolver") + 1] == default_task_resolver.location
    add.set_resolver(instance_task_resolver)
    try:
        args = list(serialize(add, settings).container.args)
        assert args[args.index("--resolver") + 1] == instance_task_resolver.location
        assert args[-1] == "resolver_tasks.add"  # found by name
    finally:
        add.set_resolver(default_task_resolver)
    add.set_command_fn(lambda s: ["my-runner", "--task", add.name])
    assert list(serialize(add, settings).container.args) == ["my-runner", "--task", add.name]
    add.reset_command_fn()
    assert serialize(add, settings).container.args[0] == "taskplug-execute"
    assert add.get_command(settings) == add.get_default_command(settings)


@pytest.mark.parametrize("which", ["default", "instance"])
def test_entrypoint_runs_tasks_found_by_each_resolver(tasks_module, tmp_path, which):
    t = tasks_module.add if which == "default" else tasks_module.POWERS[1]
    inputs = {"a": 2, "b": 5} if which == "default" else {"x": 2}
    (tmp_path / "inputs.pb").write_bytes(t.inputs_to_literal_map(inputs).SerializeToString())
    settings = SerializationSettings.for_tests()
    args = list(serialize(t, settings).container.args)
    fill = {
        "{{.input}}": str(tmp_path / "inputs.pb"),
        "{{.outputPrefix}}": str(tmp_path / "out"),
        "{{.rawOutputDataPrefix}}": str(tmp_path / "raw"),
    }
    args = [fill.get(a, a) for a in args]
    exe = Path(sys.executable).with_name("taskplug-execute")
    proc = subprocess.run(
        [str(exe), *args[1:]],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = literals_pb2.LiteralMap.FromString((tmp_path / "out" / "outputs.pb").read_bytes())
    assert t.outputs_from_literal_map(out) == (7 if which == "default" else 8)


def test_sandbox_execute_and_local_execution_mode():
    @task
    def where(x: int) -> str:
        from taskplug import current_execution

        state = current_execution()
        assert state is not None
        return state.params.working_directory

    lm = where.inputs_to_literal_map({"x": 1})
    first = where.outputs_from_literal_map(where.sandbox_execute(lm))
    second = where.outputs_from_literal_map(where.sandbox_execute(lm))
    assert first != second and Path(first).is_dir() and "sandbox" in first
    assert where.local_execution_mode() is ExecutionMode.LOCAL_TASK_EXECUTION


def test_entrypoint_command_with_and_without_checkpoints() -> None:
    settings = SerializationSettings(project="p", domain="d", version="v")

    @task
    def t(a: int) -> int:
        return a

    full = entrypoint_command(default_task_resolver, settings, t)
    assert full[:3] == ["taskplug-execute", "--inputs", "{{.input}}"]
    assert full[full.index("--checkpoint-path") + 1] == "{{.checkpointOutputPrefix}}"
    assert full[full.index("--prev-checkpoint") + 1] == "{{.prevCheckpointPrefix}}"
    tail = ["--resolver", default_task_resolver.location, "--"]
    assert full[full.index("--resolver") :] == tail + default_task_resolver.loader_args(settings, t)
    bare = entrypoint_command(default_task_resolver, settings, t, checkpoints=False)
    assert "--checkpoint-path" not in bare and "--prev-checkpoint" not in bare
    assert [a for a in full if a not in bare] == [
        "--checkpoint-path",
        "{{.checkpointOutputPrefix}}",
        "--prev-checkpoint",
        "{{.prevCheckpointPrefix}}",
    ]
    assert full == t.get_default_command(settings)  # what @task tasks run
