"""Reference entities, gate nodes, Echo, FlyteError, EagerException, schedules, notifications."""

from __future__ import annotations

import datetime
import io
import typing
from unittest import mock

import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug import (
    CronSchedule,
    Echo,
    Email,
    FixedRate,
    PagerDuty,
    Slack,
    WorkflowExecutionPhase,
    approve,
    get_reference_entity,
    reference_launch_plan,
    reference_task,
    reference_workflow,
    sleep,
    task,
    wait_for_input,
    workflow,
)
from taskplug.errors import TaskplugError, TypeTransformerFailedError
from taskplug.settings import SerializationSettings
from taskplug.types import TypeEngine
from taskplug.types.error import FlyteError
from taskplug.workflows.errors import WorkflowCompileError, WorkflowTypeError
from taskplug.workflows.gate import GateDisapprovedError
from taskplug.workflows.notification import NotificationError
from taskplug.workflows.reference import ReferenceEntityError, ReferenceTask
from taskplug.workflows.schedule import ScheduleError
from taskplug.workflows.serialize import Registrable, workflow_template

SETTINGS = SerializationSettings.for_tests()


@reference_task(project="proj", domain="dev", name="shared.clean", version="v2")
def clean(values: list[float], limit: float = 1.0) -> list[float]: ...


@reference_launch_plan(project="proj", domain="prod", name="shared.nightly", version="7")
def nightly(day: str) -> int: ...


@reference_workflow(project="proj", domain="dev", name="shared.train", version="v1")
def train(data: list[float]) -> float: ...


@task
def total(values: list[float]) -> float:
    return sum(values)


@workflow
def pipeline(values: list[float]) -> typing.Tuple[float, int]:
    return total(values=clean(values=values)), nightly(day="mon")


# -- references ---------------------------------------------------------------------------------


def test_a_reference_cannot_run_here_and_says_how_to_mock_it() -> None:
    with pytest.raises(ReferenceEntityError) as info:
        clean(values=[1.0])
    text = str(info.value)
    assert "reference task 'shared.clean' (proj/dev, version 'v2')" in text
    assert "cannot be run locally" in text and "patch.object" in text
    assert isinstance(info.value, NotImplementedError)
    with pytest.raises(ReferenceEntityError, match="shared.clean") as info:
        pipeline(values=[1.0])
    assert any("node 'n0'" in note for note in info.value.__notes__)


def test_a_mocked_reference_runs_in_a_local_workflow_run() -> None:
    with (
        mock.patch.object(clean, "execute", return_value=[2.0, 3.0]) as m,
        mock.patch.object(nightly, "execute", return_value=4),
    ):
        assert pipeline(values=[9.0]) == (5.0, 4)
        assert clean(values=[1.0], limit=3.0) == [2.0, 3.0]
    assert m.call_args_list[0] == mock.call(values=[9.0], limit=1.0)


def test_a_mock_returning_the_wrong_type_names_the_reference_and_output() -> None:
    with (
        mock.patch.object(clean, "execute", return_value="nope"),
        pytest.raises(TypeTransformerFailedError, match=r"reference task 'shared.clean'"),
    ):
        clean(values=[1.0])


def test_references_serialize_as_pointers_and_register_nothing() -> None:
    template = workflow_template(pipeline, SETTINGS)
    ref = template.nodes[0].task_node.reference_id
    assert (ref.resource_type, ref.project, ref.domain, ref.name, ref.version) == (
        1,
        "proj",
        "dev",
        "shared.clean",
        "v2",
    )
    assert not template.nodes[0].task_node.HasField("overrides")
    assert template.nodes[0].metadata.name == "clean"
    assert template.nodes[2].workflow_node.launchplan_ref.name == "shared.nightly"
    reg = Registrable(SETTINGS)
    reg.add(clean)
    assert reg.entries == []
    reg.add(pipeline)
    assert [e.name for _, e, _ in reg.entries] == [total.name, pipeline.name, pipeline.name]


def test_a_reference_workflow_compiles_but_cannot_be_serialized_as_a_sub_workflow() -> None:
    @workflow
    def uses_train(data: list[float]) -> float:
        return train(data=data)

    with mock.patch.object(train, "execute", return_value=1.5):
        assert uses_train(data=[1.0]) == 1.5
    with pytest.raises(WorkflowCompileError, match=r"reference its launch plan instead"):
        workflow_template(uses_train, SETTINGS)


def test_reference_declarations_are_checked() -> None:
    with pytest.raises(TaskplugError, match="version must be a non-empty str"):
        reference_task(project="p", domain="d", name="n", version="")(lambda: None)
    with pytest.raises(TaskplugError, match=r"resource_type must be 1 \(task\)"):
        get_reference_entity(9, "p", "d", "n", "v", {}, {})
    ref = get_reference_entity(1, "p", "d", "n", "v", {"a": int}, {"o0": str})
    assert isinstance(ref, ReferenceTask) and ref.id.name == "n"
    with pytest.raises(WorkflowTypeError, match=r"reference task 'shared.clean'.*'limits'"):

        @workflow
        def wrong(values: list[float]) -> list[float]:
            return clean(values=values, limits=2.0)


# -- gates --------------------------------------------------------------------------------------


@task
def report(n: int) -> dict:
    return {"n": n}


@task
def publish(report: dict, title: str) -> str:
    return f"{title}: {report['n']}"


@workflow
def gated(n: int) -> str:
    pause = sleep(datetime.timedelta(seconds=30))
    r = report(n=n)
    pause >> r
    title = wait_for_input("title", timeout=datetime.timedelta(hours=2), expected_type=str)
    return approve(publish(report=r, title=title), "ok", timeout=datetime.timedelta(minutes=5))


def test_a_local_run_sleeps_asks_and_approves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Weekly\ny\n"))
    assert gated(n=3) == "Weekly: 3"
    out = capsys.readouterr().out
    assert "[Sleep Gate] Simulating Sleep for 0:00:30" in out
    assert "[Input Gate] Waiting for input @title of type <class 'str'>" in out
    assert "[Approval Gate] @ok Approve Weekly: 3?" in out


def test_a_refused_approval_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("T\nn\n"))
    with pytest.raises(GateDisapprovedError, match="did not approve .* gate node ok"):
        gated(n=1)


def test_gates_serialize_as_flytekit_writes_them() -> None:
    nodes = workflow_template(gated, SETTINGS).nodes
    sleep_node, _, signal, _, approval = nodes
    assert sleep_node.gate_node.sleep.duration.seconds == 30
    assert sleep_node.metadata.name == "sleep-gate"
    assert signal.gate_node.signal.signal_id == "title"
    assert signal.gate_node.signal.type.simple == types_pb2.SimpleType.STRING
    assert signal.metadata.timeout.seconds == 7200
    assert approval.gate_node.approve.signal_id == "ok"
    assert [b.var for b in approval.inputs] == ["o0"]


def test_gates_outside_a_workflow(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sleep(datetime.timedelta(minutes=1)) is None
    monkeypatch.setattr("sys.stdin", io.StringIO("41\n[1, 2]\n"))
    assert wait_for_input("n", timeout=datetime.timedelta(hours=1), expected_type=int) == 41
    assert wait_for_input("l", timeout=datetime.timedelta(hours=1), expected_type=list[int]) == [
        1,
        2,
    ]
    assert "Simulating Sleep for 0:01:00" in capsys.readouterr().out


def test_approve_needs_a_node_output() -> None:
    with pytest.raises(TaskplugError, match="workflow inputs cannot be passed to approval"):

        @workflow
        def approves_input(n: int) -> int:
            return approve(n, "x", timeout=datetime.timedelta(hours=1))

    @task
    def nothing() -> None:
        return None

    with pytest.raises(TaskplugError, match="doesn't return anything"):

        @workflow
        def approves_void() -> None:
            approve(nothing(), "x", timeout=datetime.timedelta(hours=1))

    with pytest.raises(TaskplugError, match="timeout must be a timedelta"):
        wait_for_input("x", timeout=5, expected_type=int)  # type: ignore[arg-type]


# -- Echo -------------------------------------------------------------------------------------


def test_echo_returns_its_inputs_and_has_no_container() -> None:
    from taskplug.serialization import serialize

    one = Echo(name="echo_one", inputs={"radius": float})
    two = Echo(name="echo_two", inputs={"a": int, "b": str})
    assert one(radius=1.5) == 1.5 and two(a=1, b="x") == (1, "x")
    template = serialize(two, SETTINGS)
    assert template.type == "echo" and not template.HasField("container")
    assert sorted(template.interface.outputs.variables) == ["o0", "o1"]
    with pytest.raises(ValueError, match="inputs must be a dict"):
        Echo(name="bad", inputs=[int])  # type: ignore[arg-type]

    @workflow
    def passes(r: float) -> float:
        return one(radius=r)

    assert passes(r=2.0) == 2.0


def test_taskplug_core_has_flytekits_module_paths() -> None:
    import taskplug
    from taskplug.core.gate import approve as core_approve
    from taskplug.core.launch_plan import LaunchPlan
    from taskplug.core.notification import Email as CoreEmail
    from taskplug.core.reference import get_reference_entity as core_get
    from taskplug.core.reference_entity import TaskReference
    from taskplug.core.schedule import CronSchedule as CoreCron
    from taskplug.core.task import Echo as CoreEcho
    from taskplug.core.workflow import ImperativeWorkflow
    from taskplug.core.workflow import reference_workflow as core_ref_wf

    assert CoreEcho is Echo and core_approve is approve and CoreEmail is Email
    assert CoreCron is CronSchedule and core_get is get_reference_entity
    assert core_ref_wf is reference_workflow and taskplug.Workflow is ImperativeWorkflow
    assert LaunchPlan is taskplug.LaunchPlan and TaskReference("p", "d", "n", "v").id.version == "v"


# -- FlyteError and EagerException ------------------------------------------------------------


def test_flyte_error_is_an_error_literal() -> None:
    conv = TypeEngine.converter(FlyteError)
    assert conv.literal_type.simple == types_pb2.SimpleType.ERROR
    lit = conv.to_literal(FlyteError(message="boom", failed_node_id="n3"))
    assert lit.scalar.error.message == "boom" and lit.scalar.error.failed_node_id == "n3"
    assert conv.to_python(lit) == FlyteError("boom", "n3")
    with pytest.raises(TypeTransformerFailedError, match="FlyteError"):
        conv.to_literal("boom")
    with pytest.raises(TypeTransformerFailedError, match="scalar.error"):
        conv.to_python(literals_pb2.Literal())
    opt = TypeEngine.converter(typing.Optional[FlyteError])
    assert opt.to_python(opt.to_literal(None)) is None


def test_the_failure_handler_gets_a_flyte_error(capsys: pytest.CaptureFixture[str]) -> None:
    @task
    def breaks(a: int) -> int:
        if a > 0:
            raise KeyError(a)
        return a

    @task
    def handler(a: int, err: typing.Optional[FlyteError] = None) -> None:
        print(f"handled {a}: {err.failed_node_id if err else None}: {err.message if err else ''}")

    @workflow(on_failure=handler)
    def fragile(a: int) -> int:
        return breaks(a=a)

    with pytest.raises(KeyError):
        fragile(a=4)
    out = capsys.readouterr().out
    assert "handled 4: fn0: Error encountered while executing" in out and "breaks" in out


def test_eager_exception_is_what_eager_child_errors_are() -> None:
    from taskplug.exceptions.eager import EagerException

    assert issubclass(EagerException, Exception)
    pytest.importorskip("taskplug_eager", reason="the eager plugin is not installed")
    from taskplug_eager.errors import EagerChildError, EagerTimeoutError, error_from_document

    assert issubclass(EagerChildError, EagerException)
    assert issubclass(EagerTimeoutError, EagerException)
    assert callable(error_from_document)


# -- schedules and notifications --------------------------------------------------------------


def test_schedules_as_flyteidl() -> None:
    cron = CronSchedule(schedule="*/5 * * * *", offset="PT1M", kickoff_time_input_arg="t")
    msg = cron.to_flyte_idl()
    assert msg.cron_schedule.schedule == "*/5 * * * *" and msg.cron_schedule.offset == "PT1M"
    assert msg.kickoff_time_input_arg == "t"
    assert CronSchedule(schedule="@weekly").to_flyte_idl().cron_schedule.schedule == "@weekly"
    for delta, value, unit in [
        (datetime.timedelta(days=2), 2, 2),
        (datetime.timedelta(hours=3), 3, 1),
        (datetime.timedelta(minutes=150), 150, 0),
    ]:
        rate = FixedRate(delta).to_flyte_idl().rate
        assert (rate.value, rate.unit) == (value, unit)
    assert FixedRate(datetime.timedelta(hours=2)).rate == (2, "HOUR")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: CronSchedule(schedule="noon daily"), "not a valid cron schedule"),
        (lambda: CronSchedule(cron_expression="0 1 * * ? *"), "no longer supported"),
        (lambda: CronSchedule(), "needs schedule="),
        (lambda: CronSchedule(schedule="@daily", offset="10m"), "ISO 8601 duration"),
        (lambda: CronSchedule(schedule="@daily", kickoff_time_input_arg="a b"), "kickoff_time"),
        (lambda: FixedRate(datetime.timedelta(seconds=30)), "whole number of minutes"),
        (lambda: FixedRate(60), "must be a timedelta"),  # type: ignore[arg-type]
    ],
)
def test_bad_schedules_are_refused(make: typing.Callable[[], object], match: str) -> None:
    with pytest.raises(ScheduleError, match=match):
        make()


def test_notifications_as_flyteidl() -> None:
    phases = [WorkflowExecutionPhase.FAILED, WorkflowExecutionPhase.TIMED_OUT]
    for cls, field in ((Email, "email"), (Slack, "slack"), (PagerDuty, "pager_duty")):
        msg = cls(phases=phases, recipients_email=["a@b.c"]).to_flyte_idl()
        assert list(msg.phases) == [6, 8] and msg.WhichOneof("type") == field
        assert list(getattr(msg, field).recipients_email) == ["a@b.c"]
    assert WorkflowExecutionPhase.enum_to_string(4) == "SUCCEEDED"
    assert Email(phases=[6], recipients_email=["x"]) == Email(phases=[6], recipients_email=["x"])


@pytest.mark.parametrize(
    ("phases", "recipients", "match"),
    [
        ([], ["a@b.c"], "non-empty list of WorkflowExecutionPhase"),
        ([WorkflowExecutionPhase.RUNNING], ["a@b.c"], r"phase 2 \(RUNNING\) is not terminal"),
        ([WorkflowExecutionPhase.FAILED], [], "recipients_email must be a non-empty list"),
        ([WorkflowExecutionPhase.FAILED], "a@b.c", "recipients_email must be a non-empty list"),
    ],
)
def test_bad_notifications_are_refused(
    phases: list[int], recipients: typing.Any, match: str
) -> None:
    with pytest.raises(NotificationError, match=match):
        Email(phases=phases, recipients_email=recipients)
