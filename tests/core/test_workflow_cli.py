"""``taskplug run`` / ``serialize`` / ``package`` with workflows."""

import itertools
import tarfile
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from flyteidl.admin import launch_plan_pb2
from flyteidl.admin import task_pb2 as admin_task_pb2
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import tasks_pb2

from taskplug.cli import main

_COUNTER = itertools.count()

LIB = """
from taskplug import task


@task
def scale(x: float, factor: float = 2.0) -> float:
    return x * factor
"""

FLOWS = '''
import typing

from taskplug import dynamic, task, workflow
from {lib} import scale


@task
def make(n: int) -> list[float]:
    return [float(i) for i in range(n)]


@task
def summarize(xs: list[float], label: str = "sum") -> str:
    return f"{{label}}={{sum(xs)}}"


@workflow
def pipeline(n: int, label: str = "total") -> str:
    """Make numbers and sum them."""
    return summarize(xs=make(n=n), label=label)


@workflow
def scaled(x: float) -> typing.Tuple[float, float]:
    return scale(x=x), scale(x=x, factor=3.0)


@dynamic
def squares(n: int) -> list[float]:
    return [scale(x=float(i), factor=float(i)) for i in range(n)]
'''


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, str]:
    i = next(_COUNTER)
    lib = f"wf_lib_{i}"
    (tmp_path / f"{lib}.py").write_text(textwrap.dedent(LIB))
    path = tmp_path / f"wf_flows_{i}.py"
    path.write_text(textwrap.dedent(FLOWS.format(lib=lib)))
    return path, lib


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_run_a_workflow_with_typed_options(runner: CliRunner, files: tuple[Path, str]) -> None:
    path, _ = files
    result = runner.invoke(main, ["run", str(path), "pipeline", "--n", "4"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "total=6.0" in result.output
    result = runner.invoke(
        main, ["run", str(path), "pipeline", "--n", "3", "--label", "s"], terminal_width=200
    )
    assert result.exit_code == 0 and "s=3.0" in result.output
    result = runner.invoke(main, ["run", str(path), "scaled", "--x", "1.5"], terminal_width=200)
    assert result.exit_code == 0 and "3.0" in result.output and "4.5" in result.output
    result = runner.invoke(main, ["run", str(path), "pipeline", "--n", "x"])
    assert result.exit_code == 2 and "'x' is not a valid int" in result.output
    result = runner.invoke(main, ["run", str(path), "pipeline", "--help"], terminal_width=200)
    assert "Make numbers and sum them." in result.output and "--label" in result.output
    assert "Workflow " in result.output
    result = runner.invoke(main, ["run", str(path), "--help"], terminal_width=200)
    assert "pipeline" in result.output and "Run workflow" in result.output


def test_serialize_includes_workflows_and_the_tasks_they_use(
    runner: CliRunner, files: tuple[Path, str], tmp_path: Path
) -> None:
    path, lib = files
    out = tmp_path / "out"
    args = ["serialize", str(path), "-o", str(out), "-i", "ghcr.io/acme/app:1", "-v", "v2"]
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    mod = path.stem
    names = sorted(p.name for p in out.iterdir() if p.suffix == ".pb")
    assert names == sorted(
        [
            f"{mod}.make.pb",
            f"{mod}.summarize.pb",
            f"{mod}.squares.pb",
            f"{lib}.scale.pb",  # used by a workflow, declared elsewhere
            f"{mod}.pipeline.workflow.pb",
            f"{mod}.pipeline.launchplan.pb",
            f"{mod}.scaled.workflow.pb",
            f"{mod}.scaled.launchplan.pb",
        ]
    )
    spec = admin_workflow_pb2.WorkflowSpec.FromString(
        (out / f"{mod}.pipeline.workflow.pb").read_bytes()
    )
    assert spec.template.id.version == "v2" and [n.id for n in spec.template.nodes] == ["n0", "n1"]
    lp = launch_plan_pb2.LaunchPlan.FromString((out / f"{mod}.pipeline.launchplan.pb").read_bytes())
    assert lp.spec.default_inputs.parameters["label"].default.scalar.primitive.string_value == (
        "total"
    )
    tt = tasks_pb2.TaskTemplate.FromString((out / f"{lib}.scale.pb").read_bytes())
    assert tt.container.image == "ghcr.io/acme/app:1"
    assert (out / f"{mod}.pipeline.workflow.json").read_text().startswith("{")


def test_package_writes_pyflytes_layout(
    runner: CliRunner, files: tuple[Path, str], tmp_path: Path
) -> None:
    path, lib = files
    mod = path.stem
    archive = tmp_path / "flyte-package.tgz"
    args = ["package", str(path), "-o", str(archive), "-i", "ghcr.io/acme/app:1"]
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    assert sorted(members) == [
        f"0_{mod}.make_1.pb",
        f"1_{mod}.summarize_1.pb",
        f"2_{mod}.pipeline_2.pb",
        f"3_{mod}.pipeline_3.pb",
        f"4_{lib}.scale_1.pb",
        f"5_{mod}.scaled_2.pb",
        f"6_{mod}.scaled_3.pb",
        f"7_{mod}.squares_1.pb",
    ]
    spec = admin_task_pb2.TaskSpec.FromString(members[f"0_{mod}.make_1.pb"])
    assert spec.template.id.name == f"{mod}.make" and spec.template.id.version == ""
    wf = admin_workflow_pb2.WorkflowSpec.FromString(members[f"2_{mod}.pipeline_2.pb"])
    assert wf.description.short_description == "Make numbers and sum them."
    lp = launch_plan_pb2.LaunchPlan.FromString(members[f"3_{mod}.pipeline_3.pb"])
    assert lp.spec.workflow_id.name == f"{mod}.pipeline"
    # an existing archive is kept unless --force
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "--force" in result.output
    result = runner.invoke(main, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_package_refuses_fast_registration(
    runner: CliRunner, files: tuple[Path, str], tmp_path: Path
) -> None:
    path, _ = files
    for flag in (["--fast"], ["--copy", "all"], ["--copy", "auto"]):
        result = runner.invoke(
            main, ["package", str(path), "-o", str(tmp_path / "x.tgz"), "-i", "a/b:1", *flag]
        )
        assert result.exit_code == 2, result.output
        assert "fast registration" in result.output and "not supported" in result.output
        assert not (tmp_path / "x.tgz").exists()


def test_package_with_nothing_to_package(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty_mod_wf.py"
    empty.write_text("X = 1\n")
    result = runner.invoke(main, ["package", str(empty), "-o", str(tmp_path / "e.tgz")])
    assert result.exit_code == 1 and "nothing to package" in result.output
    assert "no tasks or workflows found" in result.output
