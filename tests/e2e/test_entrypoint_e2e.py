"""``taskplug-execute`` as a real process: success, user errors, system errors, exit status.

Every test starts the installed console script (or ``python -m taskplug.execute``) with a
task module written to tmp_path and put on the child's PYTHONPATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import RESOLVER, Workspace, console_script, int_inputs
from flyteidl.core import errors_pb2, execution_pb2, literals_pb2

from taskplug.execute import Options, _click_command, parse_args

USER = execution_pb2.ExecutionError.USER
SYSTEM = execution_pb2.ExecutionError.SYSTEM
RECOVERABLE = errors_pb2.ContainerError.RECOVERABLE
NON_RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE

MATH = """
from taskplug import task


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def boom(a: int) -> int:
    if a > 0:
        raise ValueError(f"bad value {a}")
    return a


@task
def wrong_output(a: int) -> int:
    return "not an int"  # type: ignore[return-value]


class Flaky(Exception):
    error_code = "USER:Flaky"
    recoverable = True


@task
def flaky(a: int) -> int:
    if a > 0:
        raise Flaky("try again")
    return a


@task
def where(a: int) -> str:
    from taskplug import current_execution

    state = current_execution()
    p = state.params
    return f"{state.mode}|{p.local}|{p.raw_output_prefix}|{p.output_prefix}|{p.task_name}"


@task
def split(s: str) -> list[str]:
    return s.split(",")


not_a_task = 42
"""


@pytest.fixture
def math(ws: Workspace) -> str:
    return ws.module("mathtasks", MATH)


def assert_failed(run, origin, kind, rc=1):  # type: ignore[no-untyped-def]
    assert run.rc == rc, run.proc.stderr
    assert not run.outputs_path.exists()
    err = run.error()
    assert err.origin == origin, err
    assert err.kind == kind, err
    assert err.message.startswith("Trace:\n\n") and "\nMessage:\n\n    " in err.message
    assert err.HasField("timestamp") and err.timestamp.seconds > 1_600_000_000
    # only outputs.pb/error.pb (and no stray temporary files) under the prefix
    assert sorted(p.name for p in run.out_dir.iterdir()) == ["error.pb"]
    return err


# -- success --------------------------------------------------------------------------------


def test_success_console_script(ws: Workspace, math: str) -> None:
    run = ws.run(math, "add", ws.inputs(int_inputs(a=1, b=2)))
    assert run.rc == 0, run.proc.stderr
    assert run.outputs().literals["o0"].scalar.primitive.integer == 3
    assert not run.error_path.exists()
    assert sorted(p.name for p in run.out_dir.iterdir()) == ["outputs.pb"]


def test_success_python_m_file_urls_and_ignored_flags(ws: Workspace, math: str) -> None:
    inputs = ws.inputs(int_inputs(a=40, b=2))
    out = ws.root / "deep" / "prefix"
    argv = [
        f"--inputs=file://{inputs}",
        "--output-prefix",
        f"file://{out}",
        "--raw-output-data-prefix",
        "{{.rawOutputDataPrefix}}",
        "--checkpoint-path",
        "{{.checkpointOutputPrefix}}",
        "--prev-checkpoint",
        '""',
        "--dynamic-addl-distro",
        "s3://bucket/fast.tar.gz",
        "--dynamic-dest-dir",
        ".",
        "--resolver",
        RESOLVER,
        "--",
        "task-module",
        math,
        "task-name",
        "add",
    ]
    run = ws.run(math, "add", inputs, argv=argv, script=False, out_dir=out)
    assert run.rc == 0, run.proc.stderr
    assert run.outputs().literals["o0"].scalar.primitive.integer == 42


def test_container_execution_parameters(ws: Workspace, math: str) -> None:
    run = ws.run(math, "where", ws.inputs(int_inputs(a=1)))
    assert run.rc == 0, run.proc.stderr
    text = run.outputs().literals["o0"].scalar.primitive.string_value
    mode, local, raw, out, name = text.split("|")
    assert (mode, local, name) == ("container", "False", "mathtasks.where")
    assert raw == str(ws.root / "raw")
    assert out == str(run.out_dir)


def test_collection_output_and_default_resolver(ws: Workspace, math: str) -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["s"].scalar.primitive.string_value = "x,y,z"
    inputs = ws.inputs(lm)
    out = ws.root / "o"
    # no --resolver: taskplug's default resolver; resolver args without "--" (as click allows)
    argv = ["--inputs", str(inputs), "--output-prefix", str(out)]
    argv += ["task-module", math, "task-name", "split"]
    run = ws.run(math, "split", inputs, argv=argv, out_dir=out)
    assert run.rc == 0, run.proc.stderr
    items = run.outputs().literals["o0"].collection.literals
    assert [i.scalar.primitive.string_value for i in items] == ["x", "y", "z"]


def test_fsspec_scheme_for_inputs_and_outputs(ws: Workspace, math: str) -> None:
    # local:// is fsspec's LocalFileSystem under another name: exercises the fsspec code path
    inputs = ws.inputs(int_inputs(a=5, b=6))
    out = ws.root / "viafsspec"
    argv = ["--inputs", f"local://{inputs}", "--output-prefix", f"local://{out}"]
    argv += ["--resolver", RESOLVER, "--", "task-module", math, "task-name", "add"]
    run = ws.run(math, "add", inputs, argv=argv, out_dir=out)
    assert run.rc == 0, run.proc.stderr
    assert run.outputs().literals["o0"].scalar.primitive.integer == 11
    assert sorted(p.name for p in out.iterdir()) == ["outputs.pb"]


def test_test_flag_loads_without_running(ws: Workspace, math: str) -> None:
    out = ws.root / "t"
    argv = ["--inputs", str(ws.root / "missing.pb"), "--output-prefix", str(out), "--test"]
    argv += ["--resolver", RESOLVER, "--", "task-module", math, "task-name", "add"]
    run = ws.run(math, "add", "", argv=argv, out_dir=out)
    assert run.rc == 0, run.proc.stderr
    assert not out.exists()


# -- user errors ------------------------------------------------------------------------------


def test_user_exception(ws: Workspace, math: str) -> None:
    run = ws.run(math, "boom", ws.inputs(int_inputs(a=1)))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert err.code == "USER:RuntimeError"
    assert err.message.endswith("Message:\n\n    ValueError: bad value 1")
    assert 'mathtasks.py", line' in err.message and "in boom" in err.message
    assert "taskplug/tasks" not in err.message  # framework frames trimmed
    assert "ValueError: bad value 1" in run.proc.stderr
    assert "USER" in run.proc.stderr


def test_fail_on_error_false_exits_zero(ws: Workspace, math: str) -> None:
    run = ws.run(math, "boom", ws.inputs(int_inputs(a=1)), env={"FLYTE_FAIL_ON_ERROR": "false"})
    err = assert_failed(run, USER, NON_RECOVERABLE, rc=0)
    assert "ValueError: bad value 1" in err.message


@pytest.mark.parametrize("value", ["true", "1", "TRUE", "anything"])
def test_fail_on_error_true_or_unknown_exits_one(ws: Workspace, math: str, value: str) -> None:
    run = ws.run(math, "boom", ws.inputs(int_inputs(a=1)), env={"FLYTE_FAIL_ON_ERROR": value})
    assert_failed(run, USER, NON_RECOVERABLE, rc=1)


def test_user_error_code_and_recoverable(ws: Workspace, math: str) -> None:
    run = ws.run(math, "flaky", ws.inputs(int_inputs(a=1)))
    err = assert_failed(run, USER, RECOVERABLE)
    assert err.code == "USER:Flaky"
    assert err.message.endswith("Flaky: try again")


def test_wrong_input_literal_type(ws: Workspace, math: str) -> None:
    lm = int_inputs(b=2)
    lm.literals["a"].scalar.primitive.string_value = "one"
    run = ws.run(math, "add", ws.inputs(lm))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert err.code == "USER:TypeError"
    summary = err.message.rpartition("Message:\n\n    ")[2]
    assert summary.startswith("LiteralDecodeError: task 'mathtasks.add', input 'a': ")
    assert "string_value" in summary and "int" in summary


def test_missing_input_in_literal_map(ws: Workspace, math: str) -> None:
    run = ws.run(math, "add", ws.inputs(int_inputs(a=1)))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert "input 'b'" in err.message and "missing" in err.message


def test_wrong_output_type(ws: Workspace, math: str) -> None:
    run = ws.run(math, "wrong_output", ws.inputs(int_inputs(a=1)))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert "output 'o0'" in err.message


def test_unknown_task_module(ws: Workspace, math: str) -> None:
    run = ws.run("no_such_module_xyz", "add", ws.inputs(int_inputs(a=1, b=2)))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert err.code == "USER:RuntimeError"
    summary = err.message.rpartition("Message:\n\n    ")[2]
    assert "no_such_module_xyz" in summary and "could not be imported" in summary
    assert "No module named 'no_such_module_xyz'" in summary


def test_unknown_task_name(ws: Workspace, math: str) -> None:
    run = ws.run(math, "no_such_task", ws.inputs(int_inputs(a=1, b=2)))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert "module 'mathtasks' has no task named 'no_such_task'" in err.message


def test_attribute_that_is_not_a_task(ws: Workspace, math: str) -> None:
    run = ws.run(math, "not_a_task", ws.inputs(int_inputs(a=1, b=2)))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert "mathtasks.not_a_task is a int, not a task" in err.message


def test_task_module_that_raises_on_import(ws: Workspace) -> None:
    mod = ws.module("brokenmod", "import json\nraise RuntimeError('module body failed')\n")
    run = ws.run(mod, "add", ws.inputs(int_inputs(a=1, b=2)))
    err = assert_failed(run, USER, NON_RECOVERABLE)
    assert "RuntimeError: module body failed" in err.message
    assert 'brokenmod.py", line 2' in err.message
    assert "importlib" not in err.message  # import machinery frames trimmed


# -- system errors ----------------------------------------------------------------------------


def test_corrupted_inputs(ws: Workspace, math: str) -> None:
    run = ws.run(math, "add", ws.inputs(b"\xff\xff\xff\xff not a protobuf \x00\x01"))
    err = assert_failed(run, SYSTEM, NON_RECOVERABLE)
    assert err.code == "SYSTEM"
    assert "is not a valid flyteidl LiteralMap" in err.message
    assert "inputs.pb" in err.message


def test_missing_inputs(ws: Workspace, math: str) -> None:
    missing = ws.root / "nowhere" / "inputs.pb"
    run = ws.run(math, "add", missing)
    err = assert_failed(run, SYSTEM, RECOVERABLE)
    assert f"inputs file '{missing}' does not exist" in err.message


def test_unknown_resolver(ws: Workspace, math: str) -> None:
    out = ws.root / "r"
    argv = ["--inputs", str(ws.inputs(int_inputs(a=1, b=2))), "--output-prefix", str(out)]
    argv += ["--resolver", "nowhere.resolver", "--", "task-module", math, "task-name", "add"]
    run = ws.run(math, "add", "", argv=argv, out_dir=out)
    err = assert_failed(run, SYSTEM, NON_RECOVERABLE)
    assert "resolver 'nowhere.resolver' could not be loaded" in err.message


def test_distributed_error_file_name_and_worker(ws: Workspace, math: str) -> None:
    env = {"_F_DES": "Earliest", "_F_WN": "worker-3"}
    run = ws.run(math, "boom", ws.inputs(int_inputs(a=1)), env=env)
    assert run.rc == 1
    (name,) = [p.name for p in run.out_dir.iterdir()]
    assert name.startswith("error-") and name.endswith(".pb") and len(name) == len("error-.pb") + 32
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((run.out_dir / name).read_bytes())
    assert doc.error.worker == "worker-3"
    assert doc.error.origin == USER


def test_unwritable_output_prefix_still_exits_nonzero(ws: Workspace, math: str) -> None:
    blocker = ws.root / "file-not-dir"
    blocker.write_text("x")
    out = blocker / "prefix"
    argv = ["--inputs", str(ws.inputs(int_inputs(a=1, b=2))), "--output-prefix", str(out)]
    argv += ["--", "task-module", math, "task-name", "add"]
    run = ws.run(math, "add", "", argv=argv, out_dir=out)
    assert run.rc == 1
    assert "could not be written" in run.proc.stderr


# -- command line -----------------------------------------------------------------------------


def test_usage_error_reported_by_click(ws: Workspace, math: str) -> None:
    run = ws.run(math, "add", "", argv=["--output-prefix", str(ws.root / "x"), "--", "a"])
    assert run.rc == 2
    assert "Missing option '--inputs'" in run.proc.stderr
    run = ws.run(math, "add", "", argv=["--inputs", "i", "--output-prefix", "o", "--bogus", "1"])
    assert run.rc == 2
    assert "No such option" in run.proc.stderr and "--bogus" in run.proc.stderr


def test_help(ws: Workspace, math: str) -> None:
    run = ws.run(math, "add", "", argv=["--help"])
    assert run.rc == 0
    for flag in ("--inputs", "--output-prefix", "--raw-output-data-prefix", "--resolver"):
        assert flag in run.proc.stdout


ARGVS = [
    ["--inputs", "i", "--output-prefix", "o", "--resolver", "r", "--", "task-module", "m"],
    ["--inputs=i", "--output-prefix=o", "task-module", "m", "task-name", "t"],
    ["--inputs", "i", "--output-prefix", "o", "--test", "--", "--weird", "-x"],
    ["--inputs", "a", "--inputs", "b", "--output-prefix", "o", "x", "--", "y"],
    ["task-module", "m", "--inputs", "i", "--output-prefix", "o", "task-name", "t"],
    [
        "--inputs",
        "i",
        "--output-prefix",
        "o",
        "--raw-output-data-prefix",
        "r",
        "--checkpoint-path",
        "c",
        "--prev-checkpoint",
        "p",
        "--dynamic-addl-distro",
        "d",
        "--dynamic-dest-dir",
        "e",
        "--resolver",
        "res",
        "--",
        "x",
    ],
    ["--inputs", "i", "--output-prefix", "o", "-", "--", "--"],
    ["--inputs=", "--output-prefix", "o"],
]


@pytest.mark.parametrize("argv", ARGVS)
def test_fast_parser_agrees_with_click(argv: list[str]) -> None:
    fast = parse_args(argv)
    assert fast is not None
    slow = _click_command().main(args=list(argv), standalone_mode=False)
    assert isinstance(slow, Options)
    assert fast == slow


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--inputs", "i"],
        ["--inputs", "i", "--output-prefix"],
        ["--inputs", "i", "--output-prefix", "o", "--unknown"],
        ["--inputs", "--output-prefix", "o"],
        ["--inputs", "i", "--output-prefix", "o", "--test=yes"],
    ],
)
def test_fast_parser_defers_to_click(argv: list[str]) -> None:
    assert parse_args(argv) is None


def test_console_script_is_installed() -> None:
    script = console_script()
    assert os.access(script, os.X_OK)
    assert Path(script).parent == Path(sys.executable).parent
