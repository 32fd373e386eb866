"""Reference entities: tasks, workflows and launch plans already registered on a Flyte cluster.

::

    @reference_task(project="flytesnacks", domain="development",
                    name="pipelines.clean", version="v3")
    def clean(raw: list[float]) -> list[float]: ...       # the body never runs

    @workflow
    def wf(raw: list[float]) -> list[float]:
        return clean(raw=raw)  # a node pointing at flytesnacks/development/pipelines.clean/v3

The decorated function only declares the interface (it must match the registered one: Flyte
checks it when the workflow is registered). Nothing is registered for a reference; a node that
uses one points at the given project, domain, name and version (``task_node.reference_id``,
``workflow_node.sub_workflow_ref`` or ``workflow_node.launchplan_ref``), as flytekit writes it.

A reference cannot run on this machine: calling one (directly, or in a local run of a workflow
that uses it) raises :class:`ReferenceEntityError` unless its ``execute`` is replaced by a mock,
for instance ``unittest.mock.patch.object(clean, "execute", return_value=[1.0])`` (flytekit's
``task_mock`` / ``patch`` do the same): ``execute`` receives the inputs as Python values and
returns the outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from taskplug.errors import TaskplugError, TaskSignatureError
from taskplug.workflows.compilation import COMPILING

if TYPE_CHECKING:
    from flyteidl.core import identifier_pb2, literals_pb2, workflow_pb2

    from taskplug.context import ExecutionParameters
    from taskplug.tasks.interface import Interface
    from taskplug.workflows.metadata import NodeMetadata
    from taskplug.workflows.serialize import Registrable

__all__ = [
    "LaunchPlanReference",
    "Reference",
    "ReferenceEntity",
    "ReferenceEntityError",
    "ReferenceLaunchPlan",
    "ReferenceTask",
    "ReferenceWorkflow",
    "TaskReference",
    "WorkflowReference",
    "get_reference_entity",
    "reference_launch_plan",
    "reference_task",
    "reference_workflow",
]

# flyteidl core ResourceType values
_TASK, _WORKFLOW, _LAUNCH_PLAN = 1, 2, 3


class ReferenceEntityError(TaskplugError, NotImplementedError):
    """A reference entity was run on this machine without a mock for its ``execute``."""


@dataclass(frozen=True)
class Reference:
    """Where a registered entity lives: project, domain, name, version."""

    project: str
    domain: str
    name: str
    version: str
    resource_type: ClassVar[int] = 0
    kind: ClassVar[str] = "entity"

    def __post_init__(self) -> None:
        for what in ("project", "domain", "name", "version"):
            value = getattr(self, what)
            if not isinstance(value, str) or not value:
                raise TaskplugError(
                    f"reference {self.kind} {self.name!r}: {what} must be a non-empty str, got "
                    f"{value!r}"
                )

    @property
    def id(self) -> identifier_pb2.Identifier:
        """The flyteidl ``Identifier``."""
        from flyteidl.core import identifier_pb2

        return identifier_pb2.Identifier(
            resource_type=self.resource_type,
            project=self.project,
            domain=self.domain,
            name=self.name,
            version=self.version,
        )


@dataclass(frozen=True)
class TaskReference(Reference):
    """A registered task."""

    resource_type: ClassVar[int] = _TASK
    kind: ClassVar[str] = "task"


@dataclass(frozen=True)
class WorkflowReference(Reference):
    """A registered workflow."""

    resource_type: ClassVar[int] = _WORKFLOW
    kind: ClassVar[str] = "workflow"


@dataclass(frozen=True)
class LaunchPlanReference(Reference):
    """A registered launch plan."""

    resource_type: ClassVar[int] = _LAUNCH_PLAN
    kind: ClassVar[str] = "launch plan"


class ReferenceEntity:
    """A registered task, workflow or launch plan with a declared interface."""

    #: Serialization registers nothing for a reference.
    is_reference: ClassVar[bool] = True

    def __init__(
        self,
        reference: Reference,
        inputs: Mapping[str, Any],
        outputs: Mapping[str, Any],
        *,
        defaults: Mapping[str, Any] | None = None,
        output_tuple: type | None = None,
        docstring: str | None = None,
    ) -> None:
        from taskplug.tasks.interface import Interface

        if not isinstance(reference, Reference) or type(reference) is Reference:
            raise TaskplugError(
                "a reference entity needs a TaskReference, WorkflowReference or "
                f"LaunchPlanReference, got {reference!r}"
            )
        self._reference = reference
        iface = Interface(
            inputs, outputs, defaults=defaults, output_tuple=output_tuple, docstring=docstring
        )
        iface.build_converters(f"reference {reference.kind} {reference.name!r}", allow_pickle=False)
        self._interface = iface

    @property
    def entity_kind(self) -> str:
        """``reference task`` / ``reference workflow`` / ``reference launch plan``."""
        return f"reference {self._reference.kind}"

    @property
    def reference(self) -> Reference:
        """Project, domain, name and version of the registered entity."""
        return self._reference

    @property
    def id(self) -> identifier_pb2.Identifier:
        """The flyteidl ``Identifier`` nodes point at."""
        return self._reference.id

    @property
    def name(self) -> str:
        """The registered entity's name."""
        return self._reference.name

    @property
    def python_interface(self) -> Interface:
        """The declared interface."""
        return self._interface

    @property
    def interface(self) -> Interface:
        """The declared interface."""
        return self._interface

    def construct_node_metadata(self) -> NodeMetadata:
        """A node's metadata: the short name only (as flytekit)."""
        from taskplug.workflows.metadata import NodeMetadata, short_name

        return NodeMetadata(short_name(self.name))

    def execute(self, **kwargs: Any) -> Any:
        """Raises :class:`ReferenceEntityError`: replace it with a mock to run locally."""
        ref = self._reference
        raise ReferenceEntityError(
            f"{self.entity_kind} {ref.name!r} ({ref.project}/{ref.domain}, version "
            f"{ref.version!r}) is registered on a Flyte cluster: it cannot be run locally. You "
            "must mock this out: replace its execute, e.g. with "
            "unittest.mock.patch.object(<this reference>, 'execute', return_value=...)"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """A node while compiling a workflow; otherwise ``execute`` (a mock, or an error)."""
        state = COMPILING.get()
        if state is not None:
            return state.call(self, args, kwargs)
        from taskplug.workflows.local import from_literal_map, to_literal_map
        from taskplug.workflows.workflow import bind_arguments

        label = f"{self.entity_kind} {self.name!r}"
        iface = self._interface
        values = bind_arguments(label, iface, args, kwargs)
        lm = self.dispatch_execute(to_literal_map(label, iface.input_converters, values))
        return from_literal_map(label, iface.output_converters, lm, output_tuple=iface.output_tuple)

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """Inputs to Python, ``execute`` (mocked), outputs back to literals."""
        from taskplug.workflows.local import to_literal_map

        label = f"{self.entity_kind} {self.name!r}"
        iface = self._interface
        lits = input_literal_map.literals
        native = {}
        for name, conv in iface.input_converters.items():
            if name in lits:
                native[name] = conv.to_python(lits[name])
            elif name in iface.defaults:
                native[name] = iface.defaults[name]
        result = self.execute(**native)
        names = list(iface.output_converters)
        if not names:
            values: dict[str, Any] = {}
        elif len(names) == 1:
            values = {names[0]: result}
        else:
            if not isinstance(result, tuple) or len(result) != len(names):
                raise TaskSignatureError(
                    f"{label}: execute returned {type(result).__name__}, expected a tuple of "
                    f"{len(names)} values ({', '.join(names)})"
                )
            values = dict(zip(names, result))
        return to_literal_map(label, iface.output_converters, values, kind="output")

    def fill_node(self, msg: workflow_pb2.Node, reg: Registrable) -> None:
        """Serialization: the node points at the registered entity (nothing is registered)."""
        ref = self._reference
        if ref.resource_type == _TASK:
            msg.task_node.reference_id.CopyFrom(ref.id)
        elif ref.resource_type == _WORKFLOW:
            from taskplug.workflows.errors import WorkflowCompileError

            # Flyte needs a sub-workflow's template in the parent's WorkflowSpec; a reference
            # has none here (flytekit 1.16 refuses it the same way)
            raise WorkflowCompileError(
                f"reference workflow {ref.name!r} cannot be serialized as a sub-workflow node: "
                "Flyte needs the sub-workflow's template, which a reference does not have; "
                "reference its launch plan instead (@reference_launch_plan)",
                node=msg.id,
            )
        else:
            msg.workflow_node.launchplan_ref.CopyFrom(ref.id)

    def __repr__(self) -> str:
        r = self._reference
        return (
            f"{type(self).__name__}(project={r.project!r}, domain={r.domain!r}, name={r.name!r}, "
            f"version={r.version!r})"
        )


class _Declared(ReferenceEntity):
    """A reference made from project, domain, name, version and an interface."""

    reference_type: ClassVar[type[Reference]] = Reference

    def __init__(
        self,
        project: str,
        domain: str,
        name: str,
        version: str,
        inputs: Mapping[str, Any],
        outputs: Mapping[str, Any],
        **kwargs: Any,
    ) -> None:
        ref = self.reference_type(project, domain, name, version)
        super().__init__(ref, inputs, outputs, **kwargs)


class ReferenceTask(_Declared):
    """A task registered on a cluster, used by its declared interface."""

    reference_type = TaskReference


class ReferenceWorkflow(_Declared):
    """A workflow registered on a cluster (a sub-workflow node pointing at it; it cannot be
    serialized, as in flytekit: reference its launch plan instead)."""

    reference_type = WorkflowReference


class ReferenceLaunchPlan(_Declared):
    """A launch plan registered on a cluster (a launch-plan node pointing at it)."""

    reference_type = LaunchPlanReference


def _decorator(
    cls: type[_Declared], kind: str, project: str, domain: str, name: str, version: str
) -> Callable[[Callable[..., Any]], Any]:
    from taskplug.tasks.interface import transform_function

    def wrapper(fn: Callable[..., Any]) -> Any:
        if not callable(fn) or not hasattr(fn, "__code__"):
            raise TypeError(f"@reference_{kind} decorates a function, got {type(fn).__name__}")
        iface = transform_function(fn, task_name=f"reference {kind} {name!r}", check_returns=False)
        return cls(
            project,
            domain,
            name,
            version,
            iface.inputs,
            iface.outputs,
            defaults=iface.defaults,
            output_tuple=iface.output_tuple,
            docstring=fn.__doc__,
        )

    return wrapper


def reference_task(
    project: str, domain: str, name: str, version: str
) -> Callable[[Callable[..., Any]], ReferenceTask]:
    """Declare a registered task by its signature (the body never runs)."""
    out: Callable[[Callable[..., Any]], ReferenceTask] = _decorator(
        ReferenceTask, "task", project, domain, name, version
    )
    return out


def reference_workflow(
    project: str, domain: str, name: str, version: str
) -> Callable[[Callable[..., Any]], ReferenceWorkflow]:
    """Declare a registered workflow by its signature (the body never runs)."""
    out: Callable[[Callable[..., Any]], ReferenceWorkflow] = _decorator(
        ReferenceWorkflow, "workflow", project, domain, name, version
    )
    return out


def reference_launch_plan(
    project: str, domain: str, name: str, version: str
) -> Callable[[Callable[..., Any]], ReferenceLaunchPlan]:
    """Declare a registered launch plan by its signature (the body never runs)."""
    out: Callable[[Callable[..., Any]], ReferenceLaunchPlan] = _decorator(
        ReferenceLaunchPlan, "launch_plan", project, domain, name, version
    )
    return out


def get_reference_entity(
    resource_type: int,
    project: str,
    domain: str,
    name: str,
    version: str,
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any],
) -> ReferenceEntity:
    """A reference by resource type (1 task, 2 workflow, 3 launch plan) and interface."""
    classes: dict[int, type[_Declared]] = {
        _TASK: ReferenceTask,
        _WORKFLOW: ReferenceWorkflow,
        _LAUNCH_PLAN: ReferenceLaunchPlan,
    }
    cls = classes.get(resource_type)
    if cls is None:
        raise TaskplugError(
            f"get_reference_entity(): resource_type must be 1 (task), 2 (workflow) or 3 "
            f"(launch plan), got {resource_type!r}"
        )
    return cls(project, domain, name, version, inputs, outputs)
