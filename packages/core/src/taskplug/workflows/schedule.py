"""Launch plan schedules: :class:`CronSchedule` and :class:`FixedRate` (flytekit's names).

A schedule is data: Flyte's scheduler starts the launch plan, nothing runs it on this machine.
Each one becomes a flyteidl admin ``Schedule`` (``to_flyte_idl()``), written into the launch
plan's ``entity_metadata`` exactly as flytekit 1.16 writes it::

    LaunchPlan.get_or_create(
        name="nightly", workflow=report,
        schedule=CronSchedule(schedule="0 2 * * *", kickoff_time_input_arg="run_at"),
    )
    LaunchPlan.get_or_create(name="hourly", workflow=ping, schedule=FixedRate(timedelta(hours=1)))

``kickoff_time_input_arg`` names a ``datetime`` input of the workflow that receives the time
the run was scheduled for; the launch plan checks that the workflow has it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from taskplug.errors import TaskplugError

if TYPE_CHECKING:
    from flyteidl.admin import schedule_pb2

__all__ = ["CronSchedule", "FixedRate", "ScheduleError"]


class ScheduleError(TaskplugError, ValueError):
    """A schedule that Flyte's scheduler would refuse (bad cron expression, offset, rate)."""


#: Cron aliases Flyte's native scheduler understands (flytekit's ``_VALID_CRON_ALIASES``).
CRON_ALIASES = frozenset(
    {
        "hourly",
        "hours",
        "@hourly",
        "daily",
        "days",
        "@daily",
        "weekly",
        "weeks",
        "@weekly",
        "monthly",
        "months",
        "@monthly",
        "annually",
        "@annually",
        "yearly",
        "years",
        "@yearly",
    }
)
# An ISO 8601 duration, as flytekit checks offsets (not a full grammar, the same one).
_OFFSET = re.compile(r"([-+]?)P([-+0-9YMWD]+)?(T([-+0-9HMS.,]+)?)?")


def _check_arg(kind: str, arg: str | None) -> None:
    if arg is not None and (not isinstance(arg, str) or not arg.isidentifier()):
        raise ScheduleError(
            f"{kind}: kickoff_time_input_arg must be the name of a datetime input of the "
            f"workflow, got {arg!r}"
        )


@dataclass(frozen=True)
class CronSchedule:
    """Run on a cron expression (``"*/5 * * * *"``) or an alias (``"@daily"``, ``"hourly"``).

    ``offset`` is an ISO 8601 duration added to each tick (``"PT10M"``);
    ``kickoff_time_input_arg`` names the workflow's ``datetime`` input that receives the
    scheduled time. ``cron_expression`` (AWS style) is refused, as in flytekit 1.16: use
    ``schedule``. An expression that cannot be parsed raises :class:`ScheduleError`.
    """

    cron_expression: str | None = None
    schedule: str | None = None
    offset: str | None = None
    kickoff_time_input_arg: str | None = None

    VALID_CRON_ALIASES: ClassVar[frozenset[str]] = CRON_ALIASES

    def __post_init__(self) -> None:
        if self.cron_expression:
            raise ScheduleError(
                "CronSchedule: cron_expression (AWS style) is no longer supported by Flyte's "
                f"scheduler ({self.cron_expression!r}); pass schedule='*/5 * * * *' (5 fields) or "
                "an alias such as '@daily'"
            )
        if self.schedule is None:
            raise ScheduleError(
                "CronSchedule needs schedule=, a cron expression ('0 2 * * *') or an alias "
                f"({', '.join(sorted(a for a in CRON_ALIASES if a.startswith('@')))})"
            )
        if not isinstance(self.schedule, str):
            raise ScheduleError(f"CronSchedule: schedule must be a str, got {self.schedule!r}")
        if self.schedule.lower() not in CRON_ALIASES:
            _check_cron(self.schedule)
        if self.offset is not None and (
            not isinstance(self.offset, str) or _OFFSET.fullmatch(self.offset) is None
        ):
            raise ScheduleError(
                f"CronSchedule: offset must be an ISO 8601 duration such as 'PT10M', got "
                f"{self.offset!r}"
            )
        _check_arg("CronSchedule", self.kickoff_time_input_arg)

    def to_flyte_idl(self) -> schedule_pb2.Schedule:
        """The flyteidl admin ``Schedule``."""
        from flyteidl.admin import schedule_pb2

        msg = schedule_pb2.Schedule()
        msg.cron_schedule.schedule = self.schedule or ""
        if self.offset:
            msg.cron_schedule.offset = self.offset
        if self.kickoff_time_input_arg:
            msg.kickoff_time_input_arg = self.kickoff_time_input_arg
        return msg


def _check_cron(expression: str) -> None:
    from croniter import croniter  # type: ignore[import-untyped,unused-ignore]

    try:
        croniter(expression).get_next(datetime.datetime)
    except Exception as exc:
        raise ScheduleError(
            f"CronSchedule: {expression!r} is not a valid cron schedule ({exc}); use 5 fields "
            "'minute hour day-of-month month day-of-week' or an alias such as '@daily'"
        ) from None


# flyteidl admin FixedRateUnit values
_MINUTE, _HOUR, _DAY = 0, 1, 2
_UNIT_NAMES = {_MINUTE: "MINUTE", _HOUR: "HOUR", _DAY: "DAY"}


@dataclass(frozen=True)
class FixedRate:
    """Run every ``duration`` (whole minutes; written in days, hours or minutes as flytekit
    writes it). ``kickoff_time_input_arg`` as for :class:`CronSchedule`."""

    duration: datetime.timedelta
    kickoff_time_input_arg: str | None = None

    def __post_init__(self) -> None:
        d = self.duration
        if not isinstance(d, datetime.timedelta):
            raise ScheduleError(f"FixedRate: duration must be a timedelta, got {d!r}")
        if d.microseconds or d.seconds % 60 or d <= datetime.timedelta(0):
            raise ScheduleError(
                f"FixedRate: duration must be a positive whole number of minutes, got {d} "
                "(Flyte's scheduler has a granularity of one minute)"
            )
        _check_arg("FixedRate", self.kickoff_time_input_arg)

    @property
    def rate(self) -> tuple[int, str]:
        """``(value, unit)``: the largest of day, hour, minute that divides the duration."""
        value, unit = self._rate()
        return value, _UNIT_NAMES[unit]

    def _rate(self) -> tuple[int, int]:
        seconds = int(self.duration.total_seconds())
        if seconds % 86400 == 0:
            return seconds // 86400, _DAY
        if seconds % 3600 == 0:
            return seconds // 3600, _HOUR
        return seconds // 60, _MINUTE

    def to_flyte_idl(self) -> schedule_pb2.Schedule:
        """The flyteidl admin ``Schedule``."""
        from flyteidl.admin import schedule_pb2

        msg = schedule_pb2.Schedule()
        value, unit = self._rate()
        msg.rate.value = value
        msg.rate.unit = unit
        if self.kickoff_time_input_arg:
            msg.kickoff_time_input_arg = self.kickoff_time_input_arg
        return msg
