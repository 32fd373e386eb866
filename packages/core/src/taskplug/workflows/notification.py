"""Launch plan notifications: :class:`Email`, :class:`Slack`, :class:`PagerDuty` (flytekit's).

A notification is data: Flyte sends it when an execution of the launch plan reaches one of the
given terminal phases (:class:`WorkflowExecutionPhase`). All three send e-mail (Slack and
PagerDuty through their e-mail integrations); they differ in the flyteidl field they fill::

    LaunchPlan.get_or_create(
        name="nightly_alerts", workflow=report,
        notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["a@b.c"])],
    )
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from taskplug.errors import TaskplugError

if TYPE_CHECKING:
    from flyteidl.admin import common_pb2

__all__ = [
    "Email",
    "Notification",
    "NotificationError",
    "PagerDuty",
    "Slack",
    "WorkflowExecutionPhase",
]


class NotificationError(TaskplugError, ValueError):
    """A notification Flyte would refuse (no phase, a non-terminal phase, no recipient)."""


class WorkflowExecutionPhase:
    """Phases of a workflow execution (flyteidl ``WorkflowExecution.Phase``; plain ints)."""

    UNDEFINED = 0
    QUEUED = 1
    RUNNING = 2
    SUCCEEDING = 3
    SUCCEEDED = 4
    FAILING = 5
    FAILED = 6
    ABORTED = 7
    TIMED_OUT = 8
    ABORTING = 9

    @classmethod
    def enum_to_string(cls, int_value: int) -> str:
        """The name of a phase value (``"FAILED"``), ``"<UNKNOWN>"`` for another number."""
        for name, value in vars(cls).items():
            if name.isupper() and value == int_value:
                return name
        return "<UNKNOWN>"


_TERMINAL = frozenset(
    {
        WorkflowExecutionPhase.ABORTED,
        WorkflowExecutionPhase.FAILED,
        WorkflowExecutionPhase.SUCCEEDED,
        WorkflowExecutionPhase.TIMED_OUT,
    }
)


class Notification:
    """Base class: the ``phases`` that fire it and the recipients of one kind of target."""

    #: The terminal phases a notification may fire on.
    VALID_PHASES: ClassVar[frozenset[int]] = _TERMINAL
    #: The flyteidl ``Notification`` field this kind fills (``email``, ``slack``, ``pager_duty``).
    target: ClassVar[str] = "email"

    def __init__(self, phases: Sequence[int], recipients_email: Sequence[str]) -> None:
        kind = type(self).__name__
        if isinstance(phases, (str, bytes)) or not isinstance(phases, Sequence) or not phases:
            raise NotificationError(
                f"{kind}: phases must be a non-empty list of WorkflowExecutionPhase values, "
                f"got {phases!r}"
            )
        for phase in phases:
            if isinstance(phase, bool) or phase not in self.VALID_PHASES:
                names = ", ".join(
                    WorkflowExecutionPhase.enum_to_string(p) for p in sorted(self.VALID_PHASES)
                )
                raise NotificationError(
                    f"{kind}: phase {phase!r} ({WorkflowExecutionPhase.enum_to_string(phase)}) "
                    f"is not terminal; notifications fire on {names}"
                )
        if (
            isinstance(recipients_email, (str, bytes))
            or not isinstance(recipients_email, Sequence)
            or not recipients_email
            or not all(isinstance(r, str) and r for r in recipients_email)
        ):
            raise NotificationError(
                f"{kind}: recipients_email must be a non-empty list of addresses, got "
                f"{recipients_email!r}"
            )
        self.phases: list[int] = [int(p) for p in phases]
        self.recipients_email: list[str] = list(recipients_email)

    def to_flyte_idl(self) -> common_pb2.Notification:
        """The flyteidl admin ``Notification``."""
        from flyteidl.admin import common_pb2

        msg = common_pb2.Notification()
        msg.phases.extend(self.phases)
        getattr(msg, self.target).recipients_email.extend(self.recipients_email)
        return msg

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self.phases == other.phases
            and self.recipients_email == other.recipients_email
        )

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.phases), tuple(self.recipients_email)))

    def __repr__(self) -> str:
        phases = ", ".join(WorkflowExecutionPhase.enum_to_string(p) for p in self.phases)
        return f"{type(self).__name__}(phases=[{phases}], recipients_email={self.recipients_email})"


class Email(Notification):
    """E-mail the recipients when an execution reaches one of ``phases``."""

    target = "email"


class Slack(Notification):
    """Notify Slack (through its e-mail integration) when an execution reaches ``phases``."""

    target = "slack"


class PagerDuty(Notification):
    """Notify PagerDuty (through its e-mail integration) when an execution reaches ``phases``."""

    target = "pager_duty"
