"""Shell tasks (taskplug.extras.tasks.shell): scripts run by a real shell, files in and out,
debug output, errors, and the built-in plugin that registers them, through the test kit."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

import taskplug.builtin.shell as shell_plugin
from taskplug import kwtypes, task, workflow
from taskplug.extras.tasks.shell import (
    OutputLocation,
    ProcessResult,
    RawShellTask,
    ShellScriptError,
    ShellTask,
    get_raw_shell_task,
    subproc_execute,
)
from taskplug.testing import check_hook_answers, check_import_budget, check_task_type
from taskplug.types import Directory, File

RULER = "\n==============================================\n"

copy_upper = ShellTask(
    name="copy_upper",
    script="tr a-z A-Z < {inputs.src} > {outputs.dst}",
    inputs=kwtypes(src=File),
    output_locs=[OutputLocation(var="dst", var_type=File, location="{inputs.src}.upper")],
)

split = ShellTask(
    name="split",
    script="mkdir -p {outputs.parts} && cd {outputs.parts} && split -l 1 {inputs.src} part-",
    inputs=kwtypes(src=File),
    output_locs=[
        OutputLocation(var="parts", var_type=Directory, location="{inputs.src}.parts"),
    ],
)

counted = ShellTask(
    name="counted",
    script="echo {inputs.word} {inputs.n}",
    inputs=kwtypes(word=str, n=int),
)


def test_a_file_in_a_file_out(tmp_path: Path) -> None:
    src = tmp_path / "words.txt"
    src.write_text("abc\ndef\n")
    out = copy_upper(src=File(str(src)))
    assert isinstance(out, File)
    assert Path(out).read_text() == "ABC\nDEF\n"
    assert os.fspath(out) == f"{src}.upper"


def test_a_directory_output(tmp_path: Path) -> None:
    src = tmp_path / "lines.txt"
    src.write_text("one\ntwo\nthree\n")
    out = split(src=File(str(src)))
    assert isinstance(out, Directory)
    assert sorted(os.listdir(out)) == ["part-aa", "part-ab", "part-ac"]


def test_stdout_is_printed_line_by_line_and_kept(capsys: pytest.CaptureFixture[str]) -> None:
    assert counted(word="hi", n=3) is None
    assert capsys.readouterr().out == "hi 3\n"
    assert counted.result == ProcessResult(0, "hi 3", "")


def test_debug_prints_the_script_between_rulers(capsys: pytest.CaptureFixture[str]) -> None:
    t = ShellTask(
        name="dbg",
        debug=True,
        script="echo {inputs.when} {inputs.flag}",
        inputs=kwtypes(when=datetime.datetime, flag=bool),
    )
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    t(when=when, flag=True)
    text = "echo 2024-01-02T03:04:05+00:00 True"
    assert capsys.readouterr().out == f"{RULER}\n{text}\n{RULER}\n2024-01-02T03:04:05+00:00 True\n"


def test_script_file_and_other_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.sh"
    script.write_text('arr=(x y); echo "${{arr[1]}}" {inputs.n}\n')
    t = ShellTask(
        name="from_file", script_file=str(script), shell="/bin/bash", inputs=kwtypes(n=int)
    )
    t(n=4)
    assert capsys.readouterr().out == "y 4\n"
    assert t.script_file == str(script) and t.shell == "/bin/bash"


def test_ctx_working_directory(capsys: pytest.CaptureFixture[str]) -> None:
    t = ShellTask(name="wd", script="test -d {ctx.working_directory} && echo yes", inputs={})
    t()
    assert capsys.readouterr().out == "yes\n"


def test_in_a_workflow(tmp_path: Path) -> None:
    @task
    def make(text: str) -> File:
        path = tmp_path / "made.txt"
        path.write_text(text)
        return File(str(path))

    @workflow
    def wf(text: str) -> File:
        return copy_upper(src=make(text=text))

    assert Path(wf(text="shout")).read_text() == "SHOUT"


def test_a_failing_script_raises_with_its_status() -> None:
    t = ShellTask(name="fails", script="echo out; echo err >&2; exit 4", inputs={})
    with pytest.raises(ShellScriptError, match="'fails': Failed to Execute Script, return-code 4"):
        t()
    assert t.result == ProcessResult(4, "out", "err\n")
    assert ShellScriptError.recoverable is True


def test_unknown_names_in_the_script_are_named() -> None:
    t = ShellTask(name="typo", script="echo {inputs.nme}", inputs=kwtypes(name=str))
    with pytest.raises(ValueError, match=r"task 'typo'.*'nme'.*inputs: name"):
        t(name="x")
    braces = ShellTask(name="braces", script="echo ${HOME}", inputs={})
    with pytest.raises(ValueError, match=r"task 'braces'.*doubled"):
        braces()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"script": "a", "script_file": "b"}, "not both"),
        ({}, "a script or a script_file is needed"),
        ({"script_file": "/no/such/file.sh"}, "does not exist"),
        ({"script": "a", "output_locs": ["x"]}, "OutputLocation objects"),
        (
            {"script": "a", "output_locs": [OutputLocation(var="n", var_type=int, location="x")]},
            "output 'n' is of type <class 'int'>; a shell task's outputs are files",
        ),
        ({"script": "a", "task_config": object()}, "takes no task_config"),
    ],
)
def test_declaration_errors_name_the_task(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        ShellTask(name="bad", **kwargs)  # type: ignore[arg-type]
    assert "'bad'" in str(info.value)


def test_raw_shell_task_exports_its_env(capfd: pytest.CaptureFixture[str]) -> None:
    raw = RawShellTask(
        name="raw",
        script="{inputs.export_env}\necho $GREETING {inputs.script_args}",
        inputs=kwtypes(env=dict[str, str], script_args=str),
    )
    raw(env={"GREETING": "hey"}, script_args="you")
    assert capfd.readouterr().out.endswith("hey you\n")
    made = get_raw_shell_task("raw_runner")
    assert isinstance(made, RawShellTask)
    assert set(made.python_interface.inputs) == {"env", "script_args", "script_file"}
    assert made.python_interface.outputs == {"out": Directory}


def test_subproc_execute() -> None:
    assert subproc_execute(["echo", "x"]) == ProcessResult(0, "x\n", "")
    with pytest.raises(RuntimeError, match="Failed with return code 1"):
        subproc_execute(["false"])
    with pytest.raises(RuntimeError, match="executable could not be found"):
        subproc_execute(["no-such-binary-here"])


def test_the_shell_plugin_passes_the_kit() -> None:
    template = check_task_type(
        counted, inputs={"word": "kit", "n": 1}, plugin=shell_plugin, entrypoint=True
    )
    assert template.type == "python-task"
    assert template.container.args[0] == "taskplug-execute"
    assert list(template.container.args[-4:]) == [
        "task-module",
        "test_kinds_shell",
        "task-name",
        "counted",
    ]
    registered = check_hook_answers(shell_plugin, counted)["taskplug_register_task_types"]
    assert {r.task_class for r in registered} == {ShellTask, RawShellTask}
    assert all(r.task_type == "python-task" for r in registered)


def test_the_plugin_is_installed_and_owns_shell_tasks() -> None:
    from taskplug import get_plugin_manager

    pm = get_plugin_manager()
    owner = pm.task_types.owner_of_class(ShellTask)
    assert owner is not None and owner.plugin == "extras-shell"
    assert pm.task_types.hook_owner(ShellTask, "taskplug_get_container") == "container"


def test_loading_the_plugin_is_cheap() -> None:
    cost = check_import_budget("taskplug.builtin.shell")
    assert "taskplug.extras.tasks.shell" not in cost.new_modules
