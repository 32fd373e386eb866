"""Launch plans: creation, caching, saved inputs, calls, launch-plan nodes, bad input, CLI."""

from __future__ import annotations

import datetime
import itertools
import tarfile
import textwrap
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner
from flyteidl.admin import launch_plan_pb2
from flyteidl.core import security_pb2

from taskplug import (
    ConcurrencyPolicy,
    CronSchedule,
    Email,
    FixedRate,
    LaunchPlan,
    TaskSignatureError,
    Workflow,
    WorkflowExecutionPhase,
    task,
    workflow,
)
from taskplug.cli import main
from taskplug.settings import SerializationSettings
from taskplug.workflows.launch_plan import LaunchPlanError
from taskplug.workflows.lp_wire import launch_plan_message
from taskplug.workflows.serialize import Registrable, workflow_template

SETTINGS = SerializationSettings.for_tests()
_NAMES = itertools.count()


def _name(prefix: str) -> str:
    return f"{prefix}_{next(_NAMES)}"


@task
def area(width: float, height: float) -> float:
    return width * height


@task
def label(value: float, unit: str) -> str:
    return f"{value:g} {unit}"


@workflow
def room(width: float, height: float = 2.0, unit: str = "m2") -> str:
    return label(value=area(width=width, height=height), unit=unit)


@task
def stamp(when: datetime.datetime) -> str:
    return when.date().isoformat()


@workflow
def dated(when: datetime.datetime, n: int = 1) -> str:
    return stamp(when=when)


def test_the_default_launch_plan_is_cached_and_takes_flytekits_context_argument() -> None:
    default = LaunchPlan.get_or_create(room)
    assert default.name == room.name and default.workflow is room
    assert LaunchPlan.get_default_launch_plan(room) is default
    assert LaunchPlan.get_default_launch_plan(object(), room) is default  # flytekit: (ctx, wf)
    assert default.saved_inputs == {"height": 2.0, "unit": "m2"}
    assert default(width=3.0) == "6 m2"
    with pytest.raises(TypeError, match=r"takes the workflow, or \(ctx, workflow\)"):
        LaunchPlan.get_default_launch_plan()


def test_named_launch_plans_save_default_and_fixed_inputs() -> None:
    name = _name("room_lp")
    lp = LaunchPlan.get_or_create(
        workflow=room, name=name, default_inputs={"width": 4.0}, fixed_inputs={"unit": "ft2"}
    )
    assert lp.name == name and lp() == "8 ft2" and lp(width=1.0, height=1.0) == "1 ft2"
    assert lp.saved_inputs == {"width": 4.0, "unit": "ft2"}
    assert lp.default_inputs == {"width": 4.0} and lp.raw_fixed_inputs == {"unit": "ft2"}
    assert list(lp.fixed_inputs.literals) == ["unit"]
    assert sorted(lp.parameters.parameters) == ["height", "width"]
    same = LaunchPlan.get_or_create(
        workflow=room, name=name, default_inputs={"width": 4.0}, fixed_inputs={"unit": "ft2"}
    )
    assert same is lp and LaunchPlan.CACHE[name] is lp


def test_a_fixed_input_cannot_be_given_at_call_time() -> None:
    lp = LaunchPlan.create(_name("fixed"), room, fixed_inputs={"unit": "ft2"})
    with pytest.raises(TaskSignatureError, match=r"'unit' are fixed by the launch plan"):
        lp(width=1.0, unit="m2")
    with pytest.raises(TaskSignatureError, match="keyword arguments only"):
        lp(1.0)


def test_a_taken_name_with_another_workflow_or_other_settings_is_refused() -> None:
    name = _name("taken")
    LaunchPlan.get_or_create(room, name, default_inputs={"width": 1.0})
    with pytest.raises(LaunchPlanError, match=rf"named '{name}' already exists with other"):
        LaunchPlan.get_or_create(room, name, default_inputs={"width": 2.0})
    with pytest.raises(LaunchPlanError, match=r"for workflow '.*\.room' \(this one is for"):
        LaunchPlan.create(name, dated)
    with pytest.raises(LaunchPlanError, match="need a launch plan name"):
        LaunchPlan.get_or_create(room, default_inputs={"width": 1.0})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"default_inputs": {"depth": 1.0}}, r"default_inputs names 'depth', which the workflow"),
        (
            {"fixed_inputs": {"width": "wide"}},
            r"fixed input 'width': expected a value of type float",
        ),
        ({"default_inputs": [1.0]}, "default_inputs must be a dict"),
        ({"schedule": "daily"}, "schedule must be a CronSchedule or FixedRate"),
        ({"notifications": ["a@b.c"]}, "notifications must be a list of Email"),
        ({"labels": {"team": 1}}, "labels must be a dict of str to str"),
        ({"raw_output_data_config": 3}, "raw_output_data_config must be a location prefix"),
        ({"max_parallelism": -1}, "max_parallelism must be an int >= 0"),
        ({"security_context": "admin"}, "security_context must be a flyteidl SecurityContext"),
        ({"trigger": object()}, r"trigger= \(artifact triggers\) is not supported"),
        ({"concurrency": 3}, "concurrency must be a ConcurrencyPolicy"),
        ({"overwrite_cache": "yes"}, "overwrite_cache must be True, False or None"),
    ],
)
def test_bad_settings_name_the_launch_plan_and_what_is_wrong(
    kwargs: dict[str, typing.Any], match: str
) -> None:
    name = _name("bad")
    with pytest.raises(LaunchPlanError, match=match) as info:
        LaunchPlan.create(name, room, **kwargs)
    assert f"launch plan '{name}'" in str(info.value)
    assert name not in LaunchPlan.CACHE


def test_a_workflow_is_required() -> None:
    with pytest.raises(LaunchPlanError, match="workflow must be a workflow"):
        LaunchPlan.create(_name("t"), area)  # type: ignore[arg-type]
    with pytest.raises(LaunchPlanError, match="non-empty name"):
        LaunchPlan.create("", room)


def test_the_kickoff_time_input_must_be_a_datetime_input_of_the_workflow() -> None:
    ok = LaunchPlan.create(
        _name("cron"),
        dated,
        schedule=CronSchedule(schedule="0 1 * * *", kickoff_time_input_arg="when"),
    )
    assert ok.schedule.kickoff_time_input_arg == "when"
    with pytest.raises(LaunchPlanError, match=r"kickoff_time_input_arg 'at' is not an input"):
        LaunchPlan.create(
            _name("cron"),
            dated,
            schedule=CronSchedule(schedule="@daily", kickoff_time_input_arg="at"),
        )
    with pytest.raises(LaunchPlanError, match=r"'n' must be a datetime.datetime input"):
        LaunchPlan.create(
            _name("rate"),
            dated,
            schedule=FixedRate(datetime.timedelta(hours=1), kickoff_time_input_arg="n"),
        )


def test_a_launch_plan_in_a_workflow_is_a_launch_plan_node() -> None:
    lp = LaunchPlan.create(
        _name("inner"), room, default_inputs={"width": 5.0}, fixed_inputs={"unit": "cm2"}
    )

    @workflow
    def outer(h: float) -> str:
        return lp(height=h)

    assert outer(h=2.0) == "10 cm2"
    node = outer.nodes[0]
    assert node.entity is lp and "launch plan" in node.describe_entity()
    template = workflow_template(outer, SETTINGS)
    wn = template.nodes[0].workflow_node
    assert wn.launchplan_ref.name == lp.name and wn.launchplan_ref.resource_type == 3
    assert sorted(b.var for b in template.nodes[0].inputs) == ["height", "width"]
    assert template.nodes[0].metadata.name == "room"  # the workflow's short name, as flytekit
    with pytest.raises(Exception, match=r"'unit' are fixed"):

        @workflow
        def overrides_fixed(h: float) -> str:
            return lp(height=h, unit="m2")


def test_the_imperative_workflow_adds_launch_plans_with_their_saved_inputs() -> None:
    lp = LaunchPlan.create(_name("imp"), room, default_inputs={"width": 3.0})
    wb = Workflow(name=_name("imperative"))
    wb.add_workflow_input("h", float)
    node = wb.add_launch_plan(lp, height=wb.inputs["h"])
    wb.add_workflow_output("out", node.outputs["o0"])
    assert wb(h=3.0) == "9 m2"


def test_serialization_registers_the_workflow_then_the_launch_plan_once() -> None:
    lp = LaunchPlan.create(
        _name("reg"),
        room,
        notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["a@b.c"])],
        labels={"team": "ml"},
        security_context=security_pb2.SecurityContext(run_as=security_pb2.Identity(iam_role="r")),
        concurrency=ConcurrencyPolicy(max_concurrency=1),
    )

    @workflow
    def uses(h: float) -> str:
        return lp(height=h, width=1.0)

    reg = Registrable(SETTINGS)
    reg.add(uses)
    reg.add(lp)
    kinds = [(k, e.name) for k, e, _ in reg.entries]
    assert kinds.index(("workflow", room.name)) < kinds.index(("launch_plan", lp.name))
    assert kinds.count(("launch_plan", lp.name)) == 1
    assert kinds[-2:] == [("workflow", uses.name), ("launch_plan", uses.name)]
    msg = launch_plan_message(lp, SETTINGS)
    assert msg.spec.entity_metadata.notifications[0].email.recipients_email == ["a@b.c"]
    assert dict(msg.spec.labels.values) == {"team": "ml"}
    assert msg.spec.security_context.run_as.iam_role == "r"
    assert msg.spec.concurrency_policy.max == 1


def test_auth_role_becomes_the_security_context() -> None:
    class AuthRole:
        assumable_iam_role = "arn:role"
        kubernetes_service_account = "sa"

    lp = LaunchPlan.create(_name("auth"), room, auth_role=AuthRole())
    assert lp.security_context.run_as.k8s_service_account == "sa"
    with pytest.raises(LaunchPlanError, match="not both"):
        LaunchPlan.create(
            _name("auth"),
            room,
            auth_role=AuthRole(),
            security_context=security_pb2.SecurityContext(),
        )


def test_clone_with_keeps_what_is_not_changed() -> None:
    lp = LaunchPlan.create(_name("orig"), room, default_inputs={"width": 2.0}, max_parallelism=3)
    clone = lp.clone_with(_name("clone"), fixed_inputs={"unit": "x"})
    assert clone.default_inputs == {"width": 2.0} and clone.max_parallelism == 3
    assert clone() == "4 x"


# -- the command line -------------------------------------------------------------------------

MODULE = """
import datetime

from taskplug import CronSchedule, LaunchPlan, task, workflow


@task
def double(x: int) -> int:
    return x * 2


@workflow
def doubler(x: int, note: str = "") -> int:
    return double(x=x)


nightly = LaunchPlan.get_or_create(
    name="{name}",
    workflow=doubler,
    default_inputs={{"x": 21}},
    fixed_inputs={{"note": "nightly"}},
    schedule=CronSchedule(schedule="0 2 * * *"),
)
"""


@pytest.fixture
def lp_module(tmp_path: Path) -> tuple[Path, str]:
    name = _name("nightly")
    path = tmp_path / f"lp_cli_{next(_NAMES)}.py"
    path.write_text(textwrap.dedent(MODULE.format(name=name)))
    return path, name


def test_serialize_and_package_write_named_launch_plans(
    lp_module: tuple[Path, str], tmp_path: Path
) -> None:
    path, name = lp_module
    runner = CliRunner()
    out = tmp_path / "out"
    args = ["serialize", str(path), "-o", str(out), "-i", "ghcr.io/acme/app:1", "-v", "v1"]
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    lp = launch_plan_pb2.LaunchPlan.FromString((out / f"{name}.launchplan.pb").read_bytes())
    assert lp.spec.entity_metadata.schedule.cron_schedule.schedule == "0 2 * * *"
    assert list(lp.spec.fixed_inputs.literals) == ["note"]
    assert (out / f"{path.stem}.doubler.launchplan.pb").exists()
    archive = tmp_path / "pkg.tgz"
    args = ["package", str(path), "-o", str(archive), "-i", "ghcr.io/acme/app:1"]
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[-1] == f"{len(names) - 1}_{name}_3.pb", names
    assert f"2_{path.stem}.doubler_3.pb" in names


def test_run_a_launch_plan_uses_its_saved_inputs(lp_module: tuple[Path, str]) -> None:
    path, _ = lp_module
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(path), "nightly"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "42" in result.output
    result = runner.invoke(main, ["run", str(path), "nightly", "--x", "5"], terminal_width=200)
    assert result.exit_code == 0 and "10" in result.output
    result = runner.invoke(main, ["run", str(path), "nightly", "--note", "x"])
    assert result.exit_code == 2 and "No such option" in result.output
