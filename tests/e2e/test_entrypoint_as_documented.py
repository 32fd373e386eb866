"""``taskplug-execute`` as docs/entrypoint.md and its ``--help`` describe it.

- A plugin's failure is the platform's: SYSTEM in error.pb, naming the plugin, whether it
  happens while the task module is imported (plugins load then) or while the task runs (also
  when the task's own code reaches the plugin; an error the task raises while handling one is
  the task's).
- A task module that fails to import shows the user's frames only — no taskplug, no
  importlib — in error.pb and on stderr, and the failure is said once.
- The checkpoint and fast-registration flags reach the task in ``params.extra``, as both the
  docs and ``--help`` say.
"""

from __future__ import annotations

import pytest
from conftest import Workspace, int_inputs
from flyteidl.core import errors_pb2, execution_pb2

USER = execution_pb2.ExecutionError.USER
SYSTEM = execution_pb2.ExecutionError.SYSTEM
NON_RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE

TASKS = """
from taskplug import task


@task
def add(a: int, b: int) -> int:
    return a + b
"""

PLUGIN_RAISING_AT_DECLARATION = """
from taskplug.plugin import hookimpl

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_configure_task(task):
    raise KeyError("no such cost centre")
"""

PLUGIN_RAISING_AT_RUN = """
from taskplug.plugin import hookimpl

TASKPLUG_API_VERSION = "1.0"


@hookimpl
def taskplug_pre_execute(task, params):
    raise ConnectionError("metrics endpoint unreachable")
"""

FRAMEWORK_FRAMES = ("taskplug/", "<frozen importlib", "importlib/__init__.py", "resolver.py")


def system_failure(run, plugin: str) -> errors_pb2.ContainerError:  # type: ignore[no-untyped-def]
    assert run.rc == 1, run.proc.stderr
    assert not run.outputs_path.exists()
    err = run.error()
    assert (err.origin, err.kind, err.code) == (SYSTEM, NON_RECOVERABLE, "SYSTEM"), err
    summary = err.message.rpartition("Message:\n\n    ")[2]
    assert plugin in summary, summary
    assert "(SYSTEM, NON_RECOVERABLE, code SYSTEM)" in run.proc.stderr
    return err


def test_plugin_that_will_not_load_is_a_system_error(ws: Workspace) -> None:
    mod = ws.module("tasks_a", TASKS)
    env = {"TASKPLUG_PLUGINS": "no_such_plugin_mod", "TASKPLUG_STRICT_PLUGINS": "1"}
    run = ws.run(mod, "add", ws.inputs(int_inputs(a=1, b=2)), env=env)
    err = system_failure(run, "no_such_plugin_mod")
    assert "PluginLoadError" in err.message
    assert "TaskResolutionError" not in err.message  # not blamed on the task module
    for frame in FRAMEWORK_FRAMES:
        assert frame not in err.message, err.message


def test_plugin_hook_raising_while_the_module_is_imported_is_a_system_error(
    ws: Workspace,
) -> None:
    mod = ws.module("tasks_b", TASKS)
    ws.module("cost_policy", PLUGIN_RAISING_AT_DECLARATION)
    run = ws.run(
        mod, "add", ws.inputs(int_inputs(a=1, b=2)), env={"TASKPLUG_PLUGINS": "cost_policy"}
    )
    err = system_failure(run, "cost_policy")
    summary = err.message.rpartition("Message:\n\n    ")[2]
    assert "taskplug_configure_task" in summary and "no such cost centre" in summary
    assert 'cost_policy.py", line 9, in taskplug_configure_task' in err.message
    assert "USER" not in run.proc.stderr


def test_plugin_hook_raising_while_the_task_runs_is_a_system_error(ws: Workspace) -> None:
    mod = ws.module("tasks_c", TASKS)
    ws.module("metrics_plugin", PLUGIN_RAISING_AT_RUN)
    run = ws.run(
        mod, "add", ws.inputs(int_inputs(a=1, b=2)), env={"TASKPLUG_PLUGINS": "metrics_plugin"}
    )
    err = system_failure(run, "metrics_plugin")
    assert "taskplug_pre_execute" in err.message and "metrics endpoint unreachable" in err.message


def test_task_module_failing_to_import_shows_only_user_frames_once(ws: Workspace) -> None:
    ws.module("helpers_x", "import json\nimport no_such_dependency_xyz\n")
    mod = ws.module("tasks_d", "from taskplug import task\nfrom helpers_x import json\n")
    run = ws.run(mod, "add", ws.inputs(int_inputs(a=1, b=2)))
    assert run.rc == 1
    err = run.error()
    assert (err.origin, err.kind, err.code) == (USER, NON_RECOVERABLE, "USER:RuntimeError")
    for text in (err.message, run.proc.stderr):
        for frame in FRAMEWORK_FRAMES:
            assert frame not in text, text
        assert 'tasks_d.py", line 2, in <module>' in text
        assert 'helpers_x.py", line 2, in <module>' in text
        # one traceback, no chain, and the resolver's explanation once, in Message:
        assert text.count("Traceback (most recent call last)") == 1
        assert "The above exception" not in text and "During handling" not in text
        assert text.count("TaskResolutionError") == 1
        assert text.count("No module named 'no_such_dependency_xyz'") == 2  # trace + Message
    summary = err.message.rpartition("Message:\n\n    ")[2]
    assert summary == (
        "TaskResolutionError: task module 'tasks_d' could not be imported: "
        "ModuleNotFoundError: No module named 'no_such_dependency_xyz'"
    )


@pytest.mark.parametrize("body", ["raise RuntimeError('module body failed')", "1 / 0"])
def test_task_module_raising_on_import_shows_only_user_frames(ws: Workspace, body: str) -> None:
    mod = ws.module("tasks_e", f"from taskplug import task\n{body}\n")
    run = ws.run(mod, "add", ws.inputs(int_inputs(a=1, b=2)))
    err = run.error()
    assert err.origin == USER
    assert 'tasks_e.py", line 2, in <module>' in err.message
    for frame in FRAMEWORK_FRAMES:
        assert frame not in err.message and frame not in run.proc.stderr


def test_missing_task_module_has_no_framework_frames(ws: Workspace) -> None:
    run = ws.run("no_such_tasks_module", "add", ws.inputs(int_inputs(a=1, b=2)))
    err = run.error()
    assert (err.origin, err.code) == (USER, "USER:RuntimeError")
    trace = err.message.partition("\nMessage:")[0]
    # nothing of the user's ran, so the trace has no frames at all
    assert trace == "Trace:\n\n    ModuleNotFoundError: No module named 'no_such_tasks_module'\n"
    for frame in FRAMEWORK_FRAMES:
        assert frame not in run.proc.stderr


EXTRA = """
from taskplug import current_execution, task


@task
def extras(a: int) -> str:
    extra = current_execution().params.extra
    keys = ("checkpoint_path", "prev_checkpoint", "dynamic_addl_distro", "dynamic_dest_dir")
    return "|".join(str(extra[k]) for k in keys)
"""


def test_checkpoint_and_fast_registration_flags_reach_params_extra(ws: Workspace) -> None:
    mod = ws.module("tasks_f", EXTRA)
    out = ws.root / "extra-out"
    argv = ["--inputs", str(ws.inputs(int_inputs(a=1))), "--output-prefix", str(out)]
    argv += ["--checkpoint-path", "s3://b/ckpt", "--prev-checkpoint", "s3://b/prev"]
    argv += ["--dynamic-addl-distro", "s3://b/fast.tar.gz", "--dynamic-dest-dir", "/root"]
    argv += ["--", "task-module", mod, "task-name", "extras"]
    run = ws.run(mod, "extras", "", argv=argv, out_dir=out)
    assert run.rc == 0, run.proc.stderr
    got = run.outputs().literals["o0"].scalar.primitive.string_value
    assert got == "s3://b/ckpt|s3://b/prev|s3://b/fast.tar.gz|/root"
    help_text = ws.run(mod, "extras", "", argv=["--help"]).proc.stdout
    assert "ignored" not in help_text.lower()
    assert help_text.count("params.extra") == 4


LOADS_A_PLUGIN_AT_RUN = """
from taskplug import load_plugin, task


@task
def loads(a: int) -> int:
    load_plugin("no_such_plugin_at_run")  # the task's code reaches a plugin, which fails
    return a


@task
def loads_and_handles(a: int) -> int:
    try:
        load_plugin("no_such_plugin_at_run")
    except ImportError:
        raise ValueError("no plugin, no luck")  # the task's own error, while handling
    return a
"""


@pytest.mark.parametrize(
    ("task", "origin", "text"),
    [
        ("loads", SYSTEM, "no_such_plugin_at_run"),
        ("loads_and_handles", USER, "ValueError: no plugin, no luck"),
    ],
)
def test_plugin_failing_inside_the_task_code(
    ws: Workspace, task: str, origin: int, text: str
) -> None:
    mod = ws.module("tasks_g", LOADS_A_PLUGIN_AT_RUN)
    run = ws.run(mod, task, ws.inputs(int_inputs(a=1)))
    assert run.rc == 1, run.proc.stderr
    err = run.error()
    assert err.origin == origin, err
    assert text in err.message.rpartition("Message:\n\n    ")[2]
