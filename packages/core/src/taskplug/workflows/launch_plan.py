"""Launch plans: a workflow with saved inputs, a schedule and notifications (flytekit's API).

::

    default = LaunchPlan.get_or_create(pipeline)              # the default launch plan
    nightly = LaunchPlan.get_or_create(
        name="nightly", workflow=pipeline,
        default_inputs={"n": 10},                              # may be changed at launch
        fixed_inputs={"label": "nightly"},                     # may not
        schedule=CronSchedule(schedule="0 2 * * *"),
        notifications=[Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=[...])],
    )
    nightly()          # runs the workflow here with the saved inputs
    nightly(n=3)       # defaults can be overridden, fixed inputs cannot

Inside a workflow, calling a launch plan adds a launch-plan node (``workflow_node.launchplan_ref``):
on a cluster it starts an execution of its own. Serialization (``taskplug serialize``,
``taskplug package``) writes each launch plan as the admin ``LaunchPlan`` flytekit writes
(:mod:`taskplug.workflows.lp_wire`).

Launch plans are kept by name in :attr:`LaunchPlan.CACHE`, as in flytekit: ``get_or_create``
with the same name and settings returns the same object, a different workflow or different
settings under a taken name raise :class:`LaunchPlanError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from taskplug.errors import TaskSignatureError
from taskplug.workflows.compilation import COMPILING
from taskplug.workflows.lp_settings import (
    ConcurrencyLimitBehavior,
    ConcurrencyPolicy,
    LaunchPlanError,
    caller_module,
    check_inputs,
    check_notifications,
    check_raw_output,
    check_schedule,
    check_security,
    input_literals,
    str_map,
)

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, workflow_pb2

    from taskplug.context import ExecutionParameters
    from taskplug.tasks.interface import Interface
    from taskplug.workflows.graph import WorkflowBase
    from taskplug.workflows.metadata import NodeMetadata
    from taskplug.workflows.notification import Notification
    from taskplug.workflows.serialize import Registrable

__all__ = [
    "ConcurrencyLimitBehavior",
    "ConcurrencyPolicy",
    "LaunchPlan",
    "LaunchPlanError",
]


_UNSET: Any = object()


class LaunchPlan:
    """A workflow plus saved inputs, schedule, notifications and execution settings.

    Build one with :meth:`get_or_create`, :meth:`create` or :meth:`get_default_launch_plan`
    (the constructor takes the same keyword arguments as :meth:`create`, without caching).
    """

    #: Launch plans by name (flytekit's ``LaunchPlan.CACHE``).
    CACHE: ClassVar[dict[str, LaunchPlan]] = {}
    entity_kind = "launch plan"

    def __init__(
        self,
        name: str,
        workflow: WorkflowBase,
        *,
        default_inputs: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Any = None,
        notifications: Sequence[Notification] | None = None,
        labels: Any = None,
        annotations: Any = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        auth_role: Any = None,
        trigger: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
        concurrency: ConcurrencyPolicy | None = None,
        instantiated_in: str | None = None,
    ) -> None:
        from taskplug.workflows.graph import WorkflowBase

        if not isinstance(name, str) or not name:
            raise LaunchPlanError(f"a launch plan needs a non-empty name, got {name!r}")
        if not isinstance(workflow, WorkflowBase):
            raise LaunchPlanError(
                f"launch plan {name!r}: workflow must be a workflow (@workflow or "
                f"ImperativeWorkflow), got {type(workflow).__name__}"
            )
        self._name = name
        self._workflow = workflow
        label = f"launch plan {name!r}"
        iface = workflow.python_interface
        self._defaults = check_inputs(label, "default_inputs", default_inputs, iface)
        self._fixed = check_inputs(label, "fixed_inputs", fixed_inputs, iface)
        self._default_literals = input_literals(label, "default input", self._defaults, iface)
        self._fixed_literals = input_literals(label, "fixed input", self._fixed, iface)
        self._schedule = check_schedule(label, schedule, workflow)
        self._notifications = check_notifications(label, notifications)
        self._labels = str_map(name, "labels", labels)
        self._annotations = str_map(name, "annotations", annotations)
        self._raw_output = check_raw_output(label, raw_output_data_config)
        if max_parallelism is not None and (
            isinstance(max_parallelism, bool)
            or not isinstance(max_parallelism, int)
            or max_parallelism < 0
        ):
            raise LaunchPlanError(f"{label}: max_parallelism must be an int >= 0")
        self._max_parallelism = max_parallelism
        self._security_context = check_security(label, security_context, auth_role)
        if trigger is not None:
            raise LaunchPlanError(
                f"{label}: trigger= (artifact triggers) is not supported; use schedule="
            )
        if overwrite_cache is not None and not isinstance(overwrite_cache, bool):
            raise LaunchPlanError(f"{label}: overwrite_cache must be True, False or None")
        self._overwrite_cache = overwrite_cache
        self._auto_activate = bool(auto_activate)
        if concurrency is not None and not isinstance(concurrency, ConcurrencyPolicy):
            raise LaunchPlanError(f"{label}: concurrency must be a ConcurrencyPolicy")
        self._concurrency = concurrency
        self._saved = {**self._defaults, **self._fixed}
        self._instantiated_in = instantiated_in or ""

    # -- construction (flytekit's class methods) --------------------------------------------

    @staticmethod
    def get_default_launch_plan(*args: Any, workflow: Any = None, ctx: Any = None) -> LaunchPlan:
        """The default launch plan of ``workflow``: its name, its defaults, nothing else.

        Takes ``(workflow)`` or flytekit's ``(ctx, workflow)`` (the context is not needed and
        is ignored). Cached: the same workflow gives the same object.
        """
        if workflow is None:
            if len(args) == 1:
                workflow = args[0]
            elif len(args) == 2:
                workflow = args[1]
            else:
                raise TypeError(
                    "get_default_launch_plan() takes the workflow, or (ctx, workflow) as in "
                    f"flytekit; got {len(args)} positional argument(s)"
                )
        elif args:
            raise TypeError("get_default_launch_plan(): pass the workflow once")
        name = getattr(workflow, "name", None)
        cached = LaunchPlan.CACHE.get(name) if isinstance(name, str) else None
        if cached is not None and cached._workflow is workflow:
            return cached
        plan = LaunchPlan.default_for(workflow)
        plan._instantiated_in = caller_module()
        LaunchPlan.CACHE[plan.name] = plan
        return plan

    @staticmethod
    def default_for(workflow: WorkflowBase) -> LaunchPlan:
        """A new default launch plan of ``workflow`` (not cached): saved inputs are its defaults."""
        plan = LaunchPlan(getattr(workflow, "name", ""), workflow)
        plan._saved = {k: v for k, v in workflow.python_interface.defaults.items()}
        plan._is_default = True
        return plan

    _is_default = False

    @classmethod
    def create(
        cls,
        name: str,
        workflow: WorkflowBase,
        default_inputs: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Any = None,
        notifications: Sequence[Notification] | None = None,
        labels: Any = None,
        annotations: Any = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        auth_role: Any = None,
        trigger: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
        concurrency: ConcurrencyPolicy | None = None,
    ) -> LaunchPlan:
        """A new named launch plan; a name already taken by another launch plan raises.

        ``default_inputs`` may be changed when the plan is launched, ``fixed_inputs`` may not
        (values are checked against the workflow's input types here). ``schedule`` is a
        :class:`~taskplug.workflows.schedule.CronSchedule` or ``FixedRate``;
        ``notifications`` a list of ``Email`` / ``Slack`` / ``PagerDuty``; ``labels`` and
        ``annotations`` dicts; ``raw_output_data_config`` an output location prefix;
        ``security_context`` a flyteidl ``SecurityContext``.
        """
        plan = cls(
            name,
            workflow,
            default_inputs=default_inputs,
            fixed_inputs=fixed_inputs,
            schedule=schedule,
            notifications=notifications,
            labels=labels,
            annotations=annotations,
            raw_output_data_config=raw_output_data_config,
            max_parallelism=max_parallelism,
            security_context=security_context,
            auth_role=auth_role,
            trigger=trigger,
            overwrite_cache=overwrite_cache,
            auto_activate=auto_activate,
            concurrency=concurrency,
            instantiated_in=caller_module(),
        )
        cached = cls.CACHE.get(name)
        if cached is not None:
            problem = cached._differs_from(plan)
            if problem is not None:
                raise LaunchPlanError(
                    f"a launch plan named {name!r} already exists {problem}; launch plan names "
                    "must be unique"
                )
        cls.CACHE[name] = plan
        return plan

    @classmethod
    def get_or_create(
        cls,
        workflow: WorkflowBase,
        name: str | None = None,
        default_inputs: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Any = None,
        notifications: Sequence[Notification] | None = None,
        labels: Any = None,
        annotations: Any = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        auth_role: Any = None,
        trigger: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
        concurrency: ConcurrencyPolicy | None = None,
    ) -> LaunchPlan:
        """The launch plan called ``name`` (created on first use), or the default one.

        Without ``name`` it is the workflow's default launch plan, and no other argument may
        be given. With a name taken by a launch plan of another workflow or with other
        settings, :class:`LaunchPlanError` is raised.
        """
        settings = {
            "default_inputs": default_inputs,
            "fixed_inputs": fixed_inputs,
            "schedule": schedule,
            "notifications": notifications,
            "labels": labels,
            "annotations": annotations,
            "raw_output_data_config": raw_output_data_config,
            "max_parallelism": max_parallelism,
            "security_context": security_context,
            "auth_role": auth_role,
            "trigger": trigger,
            "overwrite_cache": overwrite_cache,
            "concurrency": concurrency,
        }
        if name is None:
            given = [k for k, v in settings.items() if v is not None]
            if given:
                raise LaunchPlanError(
                    f"LaunchPlan.get_or_create(): {', '.join(given)} need a launch plan name "
                    "(name=...); without a name it returns the workflow's default launch plan, "
                    "which has no other settings"
                )
            return cls.get_default_launch_plan(workflow)
        plan = cls(
            name,
            workflow,
            auto_activate=auto_activate,
            instantiated_in=caller_module(),
            **settings,
        )
        cached = cls.CACHE.get(name)
        if cached is not None:
            problem = cached._differs_from(plan)
            if problem is None:
                if cached._workflow is workflow:
                    return cached
            else:
                raise LaunchPlanError(
                    f"a launch plan named {name!r} already exists {problem}; use another name"
                )
        cls.CACHE[name] = plan
        return plan

    def _differs_from(self, other: LaunchPlan) -> str | None:
        """Why ``other`` cannot share this plan's name (``None``: it is the same plan)."""
        if other._workflow is not self._workflow and other._workflow.name != self._workflow.name:
            return (
                f"for workflow {self._workflow.name!r} (this one is for {other._workflow.name!r})"
            )
        if self._is_default != other._is_default:
            return "as the default launch plan of the workflow of that name"
        for attr, what in (
            ("_default_literals", "default_inputs"),
            ("_fixed_literals", "fixed_inputs"),
            ("_schedule", "schedule"),
            ("_notifications", "notifications"),
            ("_labels", "labels"),
            ("_annotations", "annotations"),
            ("_raw_output", "raw_output_data_config"),
            ("_max_parallelism", "max_parallelism"),
            ("_security_context", "security_context"),
            ("_overwrite_cache", "overwrite_cache"),
            ("_auto_activate", "auto_activate"),
            ("_concurrency", "concurrency"),
        ):
            if getattr(self, attr) != getattr(other, attr):
                return f"with other {what}"
        return None

    def clone_with(
        self,
        name: str,
        *,
        default_inputs: Mapping[str, Any] | None = None,
        fixed_inputs: Mapping[str, Any] | None = None,
        schedule: Any = _UNSET,
        notifications: Sequence[Notification] | None = None,
        labels: Any = None,
        annotations: Any = None,
        raw_output_data_config: Any = None,
        max_parallelism: int | None = None,
        security_context: Any = None,
        overwrite_cache: bool | None = None,
        auto_activate: bool = False,
        concurrency: ConcurrencyPolicy | None = None,
    ) -> LaunchPlan:
        """A new (uncached) launch plan named ``name``: these settings, else this plan's."""
        return LaunchPlan(
            name,
            self._workflow,
            default_inputs=self._defaults if default_inputs is None else default_inputs,
            fixed_inputs=self._fixed if fixed_inputs is None else fixed_inputs,
            schedule=self._schedule if schedule is _UNSET else schedule,
            notifications=notifications or self._notifications,
            labels=labels or self._labels,
            annotations=annotations or self._annotations,
            raw_output_data_config=raw_output_data_config or self._raw_output,
            max_parallelism=max_parallelism or self._max_parallelism,
            security_context=security_context or self._security_context,
            overwrite_cache=overwrite_cache or self._overwrite_cache,
            auto_activate=auto_activate,
            concurrency=concurrency or self._concurrency,
            instantiated_in=caller_module(),
        )

    # -- properties (flytekit's names) ------------------------------------------------------

    @property
    def name(self) -> str:
        """The launch plan's name (the workflow's name for a default launch plan)."""
        return self._name

    @property
    def workflow(self) -> WorkflowBase:
        """The workflow it launches."""
        return self._workflow

    @property
    def python_interface(self) -> Interface:
        """The workflow's interface."""
        return self._workflow.python_interface

    @property
    def interface(self) -> Interface:
        """The workflow's interface."""
        return self._workflow.python_interface

    @property
    def instantiated_in(self) -> str:
        """The module the launch plan was created in."""
        return self._instantiated_in

    @property
    def default_inputs(self) -> dict[str, Any]:
        """The ``default_inputs`` given (Python values)."""
        return dict(self._defaults)

    @property
    def raw_fixed_inputs(self) -> dict[str, Any]:
        """The fixed inputs (Python values)."""
        return dict(self._fixed)

    @property
    def fixed_inputs(self) -> literals_pb2.LiteralMap:
        """The fixed inputs as a flyteidl ``LiteralMap`` (``.literals`` by name)."""
        from flyteidl.core.literals_pb2 import LiteralMap

        lm = LiteralMap()
        for key, lit in self._fixed_literals.items():
            lm.literals[key].CopyFrom(lit)
        return lm

    @property
    def saved_inputs(self) -> dict[str, Any]:
        """What a call uses for inputs it is not given: defaults and fixed inputs."""
        return dict(self._saved)

    @property
    def parameters(self) -> Any:
        """The flyteidl ``ParameterMap`` of the inputs that can be given at launch."""
        from taskplug.workflows.lp_wire import parameter_map

        return parameter_map(self)

    @property
    def schedule(self) -> Any:
        """The schedule (``CronSchedule`` / ``FixedRate``) or ``None``."""
        return self._schedule

    @property
    def notifications(self) -> list[Notification]:
        """The notifications."""
        return list(self._notifications)

    @property
    def labels(self) -> dict[str, str] | None:
        """Labels of the executions it starts."""
        return self._labels

    @property
    def annotations(self) -> dict[str, str] | None:
        """Annotations of the executions it starts."""
        return self._annotations

    @property
    def raw_output_data_config(self) -> str | None:
        """Where the executions write their offloaded data (a location prefix)."""
        return self._raw_output

    @property
    def max_parallelism(self) -> int | None:
        """How many task nodes of an execution may run at once."""
        return self._max_parallelism

    @property
    def security_context(self) -> Any:
        """The flyteidl ``SecurityContext`` of the executions, or ``None``."""
        return self._security_context

    @property
    def overwrite_cache(self) -> bool | None:
        """Whether executions overwrite cached outputs."""
        return self._overwrite_cache

    @property
    def should_auto_activate(self) -> bool:
        """Whether registering it should activate it (client side, as in flytekit)."""
        return self._auto_activate

    @property
    def concurrency(self) -> ConcurrencyPolicy | None:
        """The concurrency policy."""
        return self._concurrency

    @property
    def trigger(self) -> None:
        """Always ``None`` (artifact triggers are not supported)."""
        return None

    # -- calls ------------------------------------------------------------------------------

    def _inputs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        label = f"launch plan {self._name!r}"
        if args:
            raise TaskSignatureError(
                f"{label} takes keyword arguments only ({', '.join(self.python_interface.inputs)})"
            )
        fixed = [k for k in kwargs if k in self._fixed]
        if fixed:
            raise TaskSignatureError(
                f"{label}: input(s) {', '.join(map(repr, fixed))} are fixed by the launch plan "
                f"and cannot be given (fixed: {self._fixed!r}); use another launch plan or "
                "make them default_inputs"
            )
        return {**self._saved, **kwargs}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """A launch-plan node while compiling a workflow; otherwise runs the workflow here.

        Inputs not given come from the plan's default and fixed inputs, then the workflow's
        defaults. Giving a fixed input raises :class:`~taskplug.errors.TaskSignatureError`.
        """
        inputs = self._inputs(args, kwargs)
        state = COMPILING.get()
        if state is not None:
            return state.call(self, (), inputs)
        return self._workflow(**inputs)

    def construct_node_metadata(self) -> NodeMetadata:
        """A launch-plan node's metadata: the workflow's (its short name, interruptible)."""
        return self._workflow.construct_node_metadata()

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """Run the workflow on a ``LiteralMap`` (a launch-plan node of a local run)."""
        lm = input_literal_map
        missing = [k for k in self._fixed_literals if k not in lm.literals]
        if missing:
            from flyteidl.core.literals_pb2 import LiteralMap

            lm = LiteralMap()
            lm.CopyFrom(input_literal_map)
            for key in missing:
                lm.literals[key].CopyFrom(self._fixed_literals[key])
        return self._workflow.dispatch_execute(lm, params=params, mode=mode)

    def fill_node(self, msg: workflow_pb2.Node, reg: Registrable) -> None:
        """Serialization: a ``workflow_node.launchplan_ref`` (fixed inputs are not bound)."""
        plan = reg.launch_plan(self)
        if self._fixed:
            keep = [b for b in msg.inputs if b.var not in self._fixed]
            del msg.inputs[:]
            msg.inputs.extend(keep)
        msg.workflow_node.launchplan_ref.CopyFrom(plan.id)

    def __repr__(self) -> str:
        return f"LaunchPlan(name={self._name!r}, workflow={self._workflow.name!r})"
