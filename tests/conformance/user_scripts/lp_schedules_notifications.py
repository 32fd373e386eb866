"""Schedules and notifications on launch plans (flytekit's productionizing examples), printed
as the flyteidl messages they register as."""

from datetime import datetime, timedelta

from flytekit import (
    CronSchedule,
    Email,
    FixedRate,
    LaunchPlan,
    PagerDuty,
    Slack,
    WorkflowExecutionPhase,
    task,
    workflow,
)


@task
def stamp(when: datetime, label: str) -> str:
    return f"{label}@{when.isoformat()}"


@workflow
def stamped(when: datetime, label: str = "run") -> str:
    return stamp(when=when, label=label)


cron_lp = LaunchPlan.get_or_create(
    name="every_five_minutes",
    workflow=stamped,
    schedule=CronSchedule(schedule="*/5 * * * *", kickoff_time_input_arg="when"),
)
daily_lp = LaunchPlan.get_or_create(
    name="daily_with_offset",
    workflow=stamped,
    schedule=CronSchedule(schedule="@daily", offset="PT30M", kickoff_time_input_arg="when"),
    fixed_inputs={"label": "daily"},
)
rate_lp = LaunchPlan.get_or_create(
    name="every_90_minutes",
    workflow=stamped,
    schedule=FixedRate(duration=timedelta(minutes=90), kickoff_time_input_arg="when"),
    notifications=[
        Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["ops@example.com"]),
        Slack(
            phases=[WorkflowExecutionPhase.SUCCEEDED, WorkflowExecutionPhase.TIMED_OUT],
            recipients_email=["team@example.slack.com"],
        ),
        PagerDuty(phases=[WorkflowExecutionPhase.ABORTED], recipients_email=["p@pd.example"]),
    ],
)

if __name__ == "__main__":
    for lp in (cron_lp, daily_lp, rate_lp):
        print(lp.name)
        print(lp.schedule.to_flyte_idl())
    for n in rate_lp.notifications:
        print(n.to_flyte_idl())
    print(WorkflowExecutionPhase.SUCCEEDED, WorkflowExecutionPhase.FAILED)
    print(WorkflowExecutionPhase.enum_to_string(WorkflowExecutionPhase.TIMED_OUT))
    print(FixedRate(duration=timedelta(days=2)).to_flyte_idl())
    print(daily_lp(when=datetime(2024, 5, 1, 12, 0)))
    for bad in (
        lambda: CronSchedule(schedule="every day at noon"),
        lambda: CronSchedule(schedule="@daily", offset="ten minutes"),
        lambda: FixedRate(duration=timedelta(seconds=90)),
        lambda: Email(phases=[WorkflowExecutionPhase.RUNNING], recipients_email=["a@b.c"]),
        lambda: Slack(phases=[], recipients_email=["a@b.c"]),
    ):
        try:
            bad()
        except Exception:
            print("refused")
