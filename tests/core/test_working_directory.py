"""A run's working directory is made when asked for and removed when the run ends."""

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2

from taskplug import current_execution, task
from taskplug.context import ExecutionParameters
from taskplug.types import File

RUNS = 10


def _work_dir() -> str:
    state = current_execution()
    assert state is not None
    return state.params.working_directory


@task
def scratch(x: int) -> int:
    path = os.path.join(_work_dir(), "scratch.txt")
    with open(path, "w") as fh:
        fh.write(str(x))
    return x + 1


@task
async def scratch_async(x: int) -> int:
    with open(os.path.join(_work_dir(), "a.txt"), "w") as fh:
        fh.write("a")
    return x


@task
def scratch_fails(x: int) -> None:
    _work_dir()
    raise RuntimeError("boom")


@task
def report(x: int) -> File:
    path = os.path.join(_work_dir(), "report.txt")
    with open(path, "w") as fh:
        fh.write(f"report {x}")
    return File(path)


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process's temporary directory, empty, for this test."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("taskplug-"))


def test_runs_leave_no_working_directory_behind(tmp: Path) -> None:
    for i in range(RUNS):
        assert scratch(x=i) == i + 1
        assert scratch_async(x=i) == i
        with pytest.raises(RuntimeError, match="boom"):
            scratch_fails(x=i)
        lm = scratch.inputs_to_literal_map({"x": i})
        scratch.dispatch_execute(lm)
        scratch.dispatch_execute(lm, mode="container")
        scratch.sandbox_execute(lm)
    assert _leftovers(tmp) == []


def test_a_run_whose_outputs_point_into_it_keeps_it(tmp: Path) -> None:
    result = report(x=7)
    with result.open("r") as fh:
        assert fh.read() == "report 7"
    assert len(_leftovers(tmp)) == 1  # the file is the output: it stays


def test_parameters_passed_in_are_closed_by_their_owner(tmp: Path) -> None:
    given = tmp / "mine"
    given.mkdir()
    lm = scratch.inputs_to_literal_map({"x": 1})
    scratch.dispatch_execute(lm, params=ExecutionParameters(working_directory=str(given)))
    assert (given / "scratch.txt").read_text() == "1"  # never removed: it was passed in
    params = ExecutionParameters()
    scratch.dispatch_execute(lm, params=params)
    made = Path(params.working_directory)
    assert (made / "scratch.txt").exists()  # the caller's parameters: the caller closes them
    params.close()
    assert not made.exists()
    params.close()  # idempotent
    with ExecutionParameters() as scoped:
        inner = Path(scoped.working_directory)
        assert inner.is_dir()
    assert not inner.exists()
    assert _leftovers(tmp) == []


def test_close_keeps_a_directory_the_outputs_mention(tmp: Path) -> None:
    params = ExecutionParameters()
    path = params.working_directory
    params.close(outputs=literals_pb2.LiteralMap())
    assert not os.path.exists(path)
    params = ExecutionParameters()
    path = params.working_directory
    lm = literals_pb2.LiteralMap()
    lm.literals["f"].scalar.blob.uri = os.path.join(path, "x.csv")
    params.close(outputs=lm)
    assert os.path.isdir(path)
    assert params.working_directory == path  # still the run's, now left to the caller


TASKS = """
import os
from taskplug import current_execution, task


@task
def scratch(x: int) -> int:
    with open(os.path.join(current_execution().params.working_directory, "s.txt"), "w") as fh:
        fh.write("x")
    return x * 2
"""


def test_the_container_entrypoint_removes_it(tmp_path: Path) -> None:
    (tmp_path / "wd_tasks.py").write_text(textwrap.dedent(TASKS))
    folder = tmp_path / "tmp"
    folder.mkdir()
    lm = scratch.inputs_to_literal_map({"x": 4})
    (tmp_path / "inputs.pb").write_bytes(lm.SerializeToString())
    exe = Path(sys.executable).with_name("taskplug-execute")
    for i in range(3):
        proc = subprocess.run(
            [
                str(exe),
                "--inputs",
                str(tmp_path / "inputs.pb"),
                "--output-prefix",
                str(tmp_path / f"out{i}"),
                "--raw-output-data-prefix",
                str(tmp_path / "raw"),
                "--resolver",
                "taskplug.resolver.default_task_resolver",
                "--",
                "task-module",
                "wd_tasks",
                "task-name",
                "scratch",
            ],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "TMPDIR": str(folder)},
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        out = literals_pb2.LiteralMap.FromString((tmp_path / f"out{i}" / "outputs.pb").read_bytes())
        assert out.literals["o0"].scalar.primitive.integer == 8
    assert _leftovers(folder) == []
