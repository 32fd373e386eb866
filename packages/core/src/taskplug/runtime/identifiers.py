"""Execution and entity identifiers in flytekit's shapes (``current_context().execution_id``).

``WorkflowExecutionIdentifier`` is what ``current_context().execution_id`` returns, as in
flytekit: ``.project``, ``.domain``, ``.name``, ``str()`` gives ``ex:<project>:<domain>:<name>``
and ``repr()`` the protobuf text form. Local runs are ``ex:local:local:local`` (as flytekit's);
in a container the values come from the environment Flyte sets (``_F_PRJ``/``_F_DM``/``_F_NM``,
or their ``FLYTE_INTERNAL_EXECUTION_*`` long names). ``Identifier`` names a task, workflow or
launch plan (``current_context().task_id``, ``TASK:<project>:<domain>:<name>:<version>``).

Only ``to_flyte_idl()`` and ``repr()`` import flyteidl.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.core import identifier_pb2

__all__ = [
    "ContainerExecutionIdentifier",
    "Identifier",
    "ResourceType",
    "WorkflowExecutionIdentifier",
    "execution_id_from_env",
    "task_id_from_env",
]


class ResourceType(enum.IntEnum):
    """What an :class:`Identifier` names (flyteidl ``ResourceType`` numbers)."""

    UNSPECIFIED = 0
    TASK = 1
    WORKFLOW = 2
    LAUNCH_PLAN = 3
    DATASET = 4


@dataclass(frozen=True, eq=False)
class WorkflowExecutionIdentifier:
    """The identifier of a workflow execution: project, domain and name."""

    project: str
    domain: str
    name: str

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkflowExecutionIdentifier):
            return NotImplemented
        return (self.project, self.domain, self.name) == (other.project, other.domain, other.name)

    def __hash__(self) -> int:
        return hash((self.project, self.domain, self.name))

    def to_flyte_idl(self) -> identifier_pb2.WorkflowExecutionIdentifier:
        """The flyteidl message."""
        from flyteidl.core import identifier_pb2

        return identifier_pb2.WorkflowExecutionIdentifier(
            project=self.project, domain=self.domain, name=self.name
        )

    @classmethod
    def from_flyte_idl(cls, msg: Any) -> WorkflowExecutionIdentifier:
        """From a flyteidl ``WorkflowExecutionIdentifier`` message."""
        return cls(project=msg.project, domain=msg.domain, name=msg.name)

    @classmethod
    def from_python_std(cls, text: str) -> WorkflowExecutionIdentifier:
        """Parse ``ex:<project>:<domain>:<name>`` (what ``str()`` gives)."""
        parts = text.split(":")
        if len(parts) != 4 or parts[0] != "ex":
            raise ValueError(
                f"{text!r} is not a workflow execution identifier (ex:<project>:<domain>:<name>)"
            )
        return cls(project=parts[1], domain=parts[2], name=parts[3])

    def __str__(self) -> str:
        return f"ex:{self.project}:{self.domain}:{self.name}"

    def __repr__(self) -> str:
        return str(self.to_flyte_idl())


class ContainerExecutionIdentifier(WorkflowExecutionIdentifier):
    """The execution identifier of a run in a container, whose ``str()`` is flytekit's there.

    flytekit's entrypoint hands tasks its model class, which prints as
    ``Flyte Serialized object (WorkflowExecutionIdentifier):`` followed by one indented
    ``field: value`` line per non-empty field; a local run's prints as ``ex:…``. Equal to a
    :class:`WorkflowExecutionIdentifier` with the same fields.
    """

    def __str__(self) -> str:
        import textwrap

        lines = [
            f"  {field}: {text}"
            for field, value in (
                ("project", self.project),
                ("domain", self.domain),
                ("name", self.name),
            )
            if (text := textwrap.shorten(value.strip(), width=80))
        ]
        return "Flyte Serialized object (WorkflowExecutionIdentifier):\n" + "\n".join(lines)


@dataclass(frozen=True)
class Identifier:
    """A registered entity: resource type, project, domain, name and version."""

    resource_type: int
    project: str
    domain: str
    name: str
    version: str

    def resource_type_name(self) -> str:
        """``TASK``, ``WORKFLOW``, ``LAUNCH_PLAN`` …"""
        try:
            return ResourceType(self.resource_type).name
        except ValueError:
            return str(self.resource_type)

    def to_flyte_idl(self) -> identifier_pb2.Identifier:
        """The flyteidl message."""
        from flyteidl.core import identifier_pb2

        return identifier_pb2.Identifier(
            resource_type=int(self.resource_type),
            project=self.project,
            domain=self.domain,
            name=self.name,
            version=self.version,
        )

    @classmethod
    def from_flyte_idl(cls, msg: Any) -> Identifier:
        """From a flyteidl ``Identifier`` message."""
        return cls(msg.resource_type, msg.project, msg.domain, msg.name, msg.version)

    def __str__(self) -> str:
        return (
            f"{self.resource_type_name()}:{self.project}:{self.domain}:{self.name}:{self.version}"
        )

    __repr__ = __str__


#: A local run's identifiers, as flytekit's default context has them.
LOCAL_EXECUTION_ID = WorkflowExecutionIdentifier(project="local", domain="local", name="local")
LOCAL_TASK_ID = Identifier(ResourceType.TASK, "local", "local", "local", "local")


def _env(long: str, short: str) -> str:
    return os.environ.get(long) or os.environ.get(short) or ""


def execution_id_from_env(name: str | None = None) -> WorkflowExecutionIdentifier:
    """The execution identifier Flyte put into a container's environment.

    ``name`` (the run id given to the entrypoint) wins over the environment's name.
    """
    return ContainerExecutionIdentifier(
        project=_env("FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
        domain=_env("FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
        name=name or _env("FLYTE_INTERNAL_EXECUTION_ID", "_F_NM"),
    )


def task_id_from_env() -> Identifier:
    """The task identifier Flyte put into a container's environment."""
    return Identifier(
        ResourceType.TASK,
        _env("FLYTE_INTERNAL_TASK_PROJECT", "_F_TK_PRJ"),
        _env("FLYTE_INTERNAL_TASK_DOMAIN", "_F_TK_DM"),
        _env("FLYTE_INTERNAL_TASK_NAME", "_F_TK_NM"),
        _env("FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V"),
    )
