"""What a launch plan is made of, checked: inputs, schedule, notifications, settings.

The checks :class:`~taskplug.workflows.launch_plan.LaunchPlan` runs when it is made; each error
is a :class:`LaunchPlanError` naming the launch plan and what is wrong. Also the concurrency
policy (:class:`ConcurrencyPolicy`) and its behaviours.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskplug.errors import TaskplugError, TypeTransformerFailedError

if TYPE_CHECKING:
    from flyteidl.admin import launch_plan_pb2
    from flyteidl.core import literals_pb2

    from taskplug.tasks.interface import Interface
    from taskplug.workflows.graph import WorkflowBase
    from taskplug.workflows.notification import Notification

__all__ = [
    "ConcurrencyLimitBehavior",
    "ConcurrencyPolicy",
    "LaunchPlanError",
    "caller_module",
    "check_inputs",
    "check_notifications",
    "check_raw_output",
    "check_schedule",
    "check_security",
    "input_literals",
    "str_map",
]


class LaunchPlanError(TaskplugError, ValueError):
    """A launch plan cannot be made as asked (a taken name, an unknown input, a bad setting)."""


class ConcurrencyLimitBehavior:
    """What Flyte does when a launch plan's concurrency limit is reached."""

    #: Skip the new execution (flyteidl ``CONCURRENCY_LIMIT_BEHAVIOR_SKIP``, 1).
    SKIP = 1

    @classmethod
    def enum_to_string(cls, val: int) -> str:
        """``"SKIP"`` or ``"<UNKNOWN>"``."""
        return "SKIP" if val == cls.SKIP else "<UNKNOWN>"


@dataclass(frozen=True)
class ConcurrencyPolicy:
    """At most ``max_concurrency`` executions of the launch plan at a time."""

    max_concurrency: int
    behavior: int = ConcurrencyLimitBehavior.SKIP

    def __post_init__(self) -> None:
        m = self.max_concurrency
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise LaunchPlanError(f"ConcurrencyPolicy: max_concurrency must be >= 1, got {m!r}")

    def to_flyte_idl(self) -> launch_plan_pb2.ConcurrencyPolicy:
        """The flyteidl admin ``ConcurrencyPolicy``."""
        from flyteidl.admin import launch_plan_pb2

        return launch_plan_pb2.ConcurrencyPolicy(
            max=self.max_concurrency,
            behavior=self.behavior,
        )


def caller_module() -> str:
    """The module (outside taskplug) that is creating a launch plan (``__main__`` resolved)."""
    frame = sys._getframe(2)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("taskplug."):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return ""
    name = str(frame.f_globals.get("__name__", ""))
    if name == "__main__":
        from taskplug.tasks.interface import module_name_for_file

        path = frame.f_globals.get("__file__")
        return module_name_for_file(str(path)) if path else name
    return name


def str_map(plan: str, what: str, value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    values = getattr(value, "values", value)  # flytekit's Labels / Annotations keep a .values
    if callable(values):
        values = value
    if not isinstance(values, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        raise LaunchPlanError(
            f"launch plan {plan!r}: {what} must be a dict of str to str, got {value!r}"
        )
    return dict(values)


def check_inputs(
    label: str, what: str, values: Mapping[str, Any] | None, iface: Interface
) -> dict[str, Any]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise LaunchPlanError(f"{label}: {what} must be a dict of input name to value")
    unknown = [k for k in values if k not in iface.inputs]
    if unknown:
        raise LaunchPlanError(
            f"{label}: {what} names {', '.join(map(repr, unknown))}, which the workflow "
            f"does not take; its inputs are: {', '.join(iface.input_names) or 'none'}"
        )
    return dict(values)


def input_literals(
    label: str, what: str, values: dict[str, Any], iface: Interface
) -> dict[str, literals_pb2.Literal]:
    out = {}
    for key, value in values.items():
        conv = iface.input_converters[key]
        try:
            out[key] = conv.to_literal(value)
        except TypeTransformerFailedError as exc:
            raise LaunchPlanError(f"{label}, {what} {key!r}: {exc.detail}") from exc
    return out


def check_schedule(label: str, schedule: Any, workflow: WorkflowBase) -> Any:
    iface = workflow.python_interface
    if schedule is None:
        return None
    if not callable(getattr(schedule, "to_flyte_idl", None)):
        raise LaunchPlanError(
            f"{label}: schedule must be a CronSchedule or FixedRate, got {schedule!r}"
        )
    arg = getattr(schedule, "kickoff_time_input_arg", None)
    if arg:
        t = iface.inputs.get(arg)
        if t is None:
            raise LaunchPlanError(
                f"{label}: the schedule's kickoff_time_input_arg {arg!r} is not an input of "
                f"workflow {workflow.name!r}; its inputs are: "
                f"{', '.join(iface.input_names) or 'none'}"
            )
        if t is not datetime.datetime:
            raise LaunchPlanError(
                f"{label}: the schedule's kickoff_time_input_arg {arg!r} must be a "
                f"datetime.datetime input (the scheduled time), it is {t!r}"
            )
    return schedule


def check_notifications(label: str, notifications: Any) -> list[Notification]:
    from taskplug.workflows.notification import Notification

    if notifications is None:
        return []
    if isinstance(notifications, Notification):
        notifications = [notifications]
    if not isinstance(notifications, Sequence) or not all(
        isinstance(n, Notification) for n in notifications
    ):
        raise LaunchPlanError(
            f"{label}: notifications must be a list of Email, Slack or PagerDuty, got "
            f"{notifications!r}"
        )
    return list(notifications)


def check_raw_output(label: str, value: Any) -> str | None:
    if value is None:
        return None
    prefix = getattr(value, "output_location_prefix", value)
    if not isinstance(prefix, str):
        raise LaunchPlanError(
            f"{label}: raw_output_data_config must be a location prefix (str), got {value!r}"
        )
    return prefix


def check_security(label: str, context: Any, auth_role: Any) -> Any:
    if auth_role is not None:
        if context is not None:
            raise LaunchPlanError(
                f"{label}: pass security_context= or the deprecated auth_role=, not both"
            )
        from flyteidl.core import security_pb2

        context = security_pb2.SecurityContext()
        iam = getattr(auth_role, "assumable_iam_role", None)
        sa = getattr(auth_role, "kubernetes_service_account", None)
        if iam:
            context.run_as.iam_role = iam
        if sa:
            context.run_as.k8s_service_account = sa
        context.run_as.SetInParent()
        return context
    if context is None:
        return None
    from flyteidl.core import security_pb2

    msg = context.to_flyte_idl() if callable(getattr(context, "to_flyte_idl", None)) else context
    if not isinstance(msg, security_pb2.SecurityContext):
        raise LaunchPlanError(
            f"{label}: security_context must be a flyteidl SecurityContext, got {context!r}"
        )
    return msg
