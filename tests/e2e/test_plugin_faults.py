"""A plugin's mistakes in a container run are the plugin's (SYSTEM), named, not the user's."""

from __future__ import annotations

from conftest import Workspace, int_inputs
from flyteidl.core import errors_pb2, execution_pb2

SYSTEM = execution_pb2.ExecutionError.SYSTEM
USER = execution_pb2.ExecutionError.USER

PLUGIN = """
from taskplug import PythonFunctionTask
from taskplug.plugin import hookimpl

TASKPLUG_API_VERSION = "1.0"


class Doubling:
    pass


class DoublingTask(PythonFunctionTask):
    task_type = "doubling"

    def execute(self, **kwargs):
        return str(self.task_function(**kwargs) * 2)  # a str where the task declares int


@hookimpl
def taskplug_register_task_types(registry):
    registry.add(DoublingTask, config_type=Doubling)
"""

TASKS = """
from taskplug import task
from faulty_plugin import Doubling


@task(task_config=Doubling())
def twice(a: int) -> int:
    return a
"""

REPLACER = """
from taskplug.plugin import hookimpl

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_post_execute(task, params, outputs):
    return ["not", "an", "int"]
"""


def _error(run) -> errors_pb2.ContainerError:  # type: ignore[no-untyped-def]
    assert run.rc == 1, run.proc.stderr
    assert not run.outputs_path.exists()
    return run.error()


def test_a_plugin_execute_returning_the_wrong_type_is_a_system_error(ws: Workspace) -> None:
    ws.module("faulty_plugin", PLUGIN)
    ws.module("faulty_tasks", TASKS)
    run = ws.run(
        "faulty_tasks",
        "twice",
        ws.inputs(int_inputs(a=2)),
        env={"TASKPLUG_PLUGINS": "faulty_plugin"},
    )
    err = _error(run)
    assert err.origin == SYSTEM
    assert "plugin 'faulty_plugin'" in err.message
    assert "task type DoublingTask: execute() returned" in err.message
    assert "output 'o0'" in err.message


def test_a_post_execute_hook_replacing_outputs_badly_is_a_system_error(ws: Workspace) -> None:
    ws.module("replacing_plugin", REPLACER)
    ws.module(
        "plain_tasks",
        "from taskplug import task\n\n@task\ndef plain(a: int) -> int:\n    return a\n",
    )
    run = ws.run(
        "plain_tasks",
        "plain",
        ws.inputs(int_inputs(a=2)),
        env={"TASKPLUG_PLUGINS": "replacing_plugin"},
    )
    err = _error(run)
    assert err.origin == SYSTEM
    assert "plugin 'replacing_plugin'" in err.message
    assert "hook taskplug_post_execute answered outputs that do not fit" in err.message


def test_a_user_function_returning_the_wrong_type_stays_a_user_error(ws: Workspace) -> None:
    ws.module(
        "user_tasks",
        "from taskplug import task\n\n@task\ndef bad(a: int) -> int:\n    return str(a)\n",
    )
    err = _error(ws.run("user_tasks", "bad", ws.inputs(int_inputs(a=2))))
    assert err.origin == USER and err.code == "USER:TypeError"
