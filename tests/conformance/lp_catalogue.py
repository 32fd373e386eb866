"""Launch plans, schedules, notifications, references, gates, Echo and failure handlers that the
conformance tests build with both flytekit and taskplug (``tests/conformance/test_launch_plans.py``).

``HEADERS[lib] + CATALOGUE`` is the source of one module; written to disk twice under the same
module name (once per library), it gives entities whose ids agree. The headers differ only where
the libraries spell a value differently (flytekit's model classes for labels, annotations, the
output prefix and the security context; plain dicts, a str and the flyteidl message in taskplug).
"""

HEADERS = {
    "flytekit": (
        "from flytekit import (ConcurrencyPolicy, CronSchedule, Email, FixedRate, LaunchPlan,\n"
        "    PagerDuty, Slack, Workflow, WorkflowExecutionPhase, approve, reference_launch_plan,\n"
        "    reference_task, reference_workflow, sleep, task, wait_for_input, workflow)\n"
        "from flytekit.core.task import Echo\n"
        "from flytekit.types.error.error import FlyteError\n"
        "from flytekit.models.common import Annotations, Labels, RawOutputDataConfig\n"
        "from flytekit.models.security import Identity, SecurityContext\n"
        "LABELS = Labels({'team': 'ml', 'tier': 'gold'})\n"
        "ANNOTATIONS = Annotations({'owner': 'ana'})\n"
        "RAW = RawOutputDataConfig('s3://bucket/raw')\n"
        "SECURITY = SecurityContext(run_as=Identity(k8s_service_account='runner'))\n"
    ),
    "taskplug": (
        "from taskplug import (ConcurrencyPolicy, CronSchedule, Email, FixedRate, LaunchPlan,\n"
        "    PagerDuty, Slack, Workflow, WorkflowExecutionPhase, approve, reference_launch_plan,\n"
        "    reference_task, reference_workflow, sleep, task, wait_for_input, workflow)\n"
        "from taskplug.core.task import Echo\n"
        "from taskplug.types.error.error import FlyteError\n"
        "from flyteidl.core.security_pb2 import SecurityContext, Identity\n"
        "LABELS = {'team': 'ml', 'tier': 'gold'}\n"
        "ANNOTATIONS = {'owner': 'ana'}\n"
        "RAW = 's3://bucket/raw'\n"
        "SECURITY = SecurityContext(run_as=Identity(k8s_service_account='runner'))\n"
    ),
}

CATALOGUE = '''
import datetime
import typing


@task
def double(x: int) -> int:
    return x * 2


@task
def greet(name: str, punct: str = "!") -> str:
    return f"hello {name}{punct}"


@task
def report(data: typing.List[float]) -> dict:
    return {"n": len(data)}


@task
def finalize(report: dict, title: str) -> dict:
    return {"title": title, **report}


@task
def stamp(when: datetime.datetime) -> str:
    return when.isoformat()


@workflow
def base(x: int, name: str = "ana", scale: typing.Optional[float] = None) -> int:
    """A workflow with defaults.

    :param x: the number
    :param name: who
    """
    return double(x=x)


@workflow
def scheduled(kickoff: datetime.datetime, name: str) -> str:
    return stamp(when=kickoff)


plain_lp = LaunchPlan.get_or_create(base, "plain_lp")
defaults_lp = LaunchPlan.get_or_create(
    workflow=base, name="defaults_lp", default_inputs={"x": 3, "name": "bo"}
)
fixed_lp = LaunchPlan.create("fixed_lp", base, default_inputs={"x": 4}, fixed_inputs={"name": "cy"})
none_default_lp = LaunchPlan.get_or_create(base, "none_default_lp", default_inputs={"scale": None})
cron_lp = LaunchPlan.get_or_create(
    name="cron_lp",
    workflow=scheduled,
    schedule=CronSchedule(schedule="*/5 * * * *", kickoff_time_input_arg="kickoff"),
    fixed_inputs={"name": "cron"},
)
alias_lp = LaunchPlan.get_or_create(
    name="alias_lp",
    workflow=scheduled,
    schedule=CronSchedule(schedule="@daily", offset="PT10M", kickoff_time_input_arg="kickoff"),
)
rate_lp = LaunchPlan.get_or_create(
    name="rate_lp",
    workflow=base,
    schedule=FixedRate(duration=datetime.timedelta(hours=2)),
    default_inputs={"x": 1},
)
rate_min_lp = LaunchPlan.get_or_create(
    name="rate_min_lp",
    workflow=scheduled,
    schedule=FixedRate(duration=datetime.timedelta(minutes=90), kickoff_time_input_arg="kickoff"),
)
rate_day_lp = LaunchPlan.get_or_create(
    name="rate_day_lp", workflow=base, schedule=FixedRate(datetime.timedelta(days=3))
)
notify_lp = LaunchPlan.get_or_create(
    name="notify_lp",
    workflow=base,
    notifications=[
        Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["a@x.io", "b@x.io"]),
        Slack(
            phases=[WorkflowExecutionPhase.SUCCEEDED, WorkflowExecutionPhase.ABORTED],
            recipients_email=["team@slack.com"],
        ),
        PagerDuty(phases=[WorkflowExecutionPhase.TIMED_OUT], recipients_email=["p@pd.com"]),
    ],
)
settings_lp = LaunchPlan.get_or_create(
    name="settings_lp",
    workflow=base,
    labels=LABELS,
    annotations=ANNOTATIONS,
    raw_output_data_config=RAW,
    max_parallelism=7,
    security_context=SECURITY,
    overwrite_cache=True,
    auto_activate=True,
    concurrency=ConcurrencyPolicy(max_concurrency=2),
)


@workflow
def calls_lps(y: int) -> typing.Tuple[int, int]:
    a = defaults_lp(x=y)
    b = fixed_lp()
    a >> b
    return a, b


@workflow
def sub_and_lp(y: int) -> int:
    inner = base(x=y)
    return plain_lp(x=inner)


@reference_task(project="flytesnacks", domain="development", name="ref.tasks.clean", version="v3")
def clean(raw: typing.List[float], strict: bool) -> typing.List[float]:
    ...


@reference_task(project="flytesnacks", domain="development", name="ref.tasks.ping", version="v1")
def ping():
    ...


@reference_launch_plan(project="proj", domain="prod", name="ref.lp.nightly", version="7")
def nightly(day: str) -> int:
    ...


@workflow
def uses_refs(data: typing.List[float]) -> typing.Tuple[typing.List[float], int]:
    ping()
    cleaned = clean(raw=data, strict=True)
    return cleaned, nightly(day="mon")


@workflow
def gated(data: typing.List[float]) -> dict:
    pause = sleep(datetime.timedelta(minutes=10))
    r = report(data=data)
    pause >> r
    title = wait_for_input("title", timeout=datetime.timedelta(hours=2), expected_type=str)
    count = wait_for_input("count", timeout=datetime.timedelta(minutes=5), expected_type=int)
    r >> count
    final = finalize(report=r, title=title)
    return approve(final, "publish", timeout=datetime.timedelta(hours=3))


@workflow
def approve_first(data: typing.List[float]) -> dict:
    r = report(data=data)
    title = wait_for_input("title", timeout=datetime.timedelta(hours=1), expected_type=str)
    return finalize(report=approve(r, "raw-report", timeout=datetime.timedelta(hours=2)), title=title)


echo_one = Echo(name="echo_one", inputs={"radius": float})
echo_two = Echo(name="echo_two", inputs={"a": int, "b": str})


@workflow
def echoes(r: float) -> float:
    return echo_one(radius=r)


@task
def cleanup(name: str, err: typing.Optional[FlyteError] = None) -> None:
    print(name, err)


@workflow(on_failure=cleanup)
def guarded_err(name: str) -> int:
    return double(x=1)


imp = Workflow(name="lpcat.imperative_lp")
imp.add_workflow_input("y", int)
node = imp.add_entity(defaults_lp, x=imp.inputs["y"])
imp.add_workflow_output("out", node.outputs["o0"])
'''

#: Named launch plans compared one by one (admin LaunchPlan).
PLANS = [
    "plain_lp",
    "defaults_lp",
    "fixed_lp",
    "none_default_lp",
    "cron_lp",
    "alias_lp",
    "rate_lp",
    "rate_min_lp",
    "rate_day_lp",
    "notify_lp",
    "settings_lp",
]
#: Workflows compared as admin WorkflowSpec (their default launch plans too).
WORKFLOWS = [
    "base",
    "scheduled",
    "calls_lps",
    "sub_and_lp",
    "uses_refs",
    "gated",
    "approve_first",
    "echoes",
    "guarded_err",
    "imp",
]
#: Tasks compared as TaskTemplate.
TASKS = ["echo_one", "echo_two", "cleanup"]
