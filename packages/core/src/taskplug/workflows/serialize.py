"""Workflows as flyteidl messages: ``WorkflowTemplate``, admin ``WorkflowSpec``, ``TaskSpec``,
default ``LaunchPlan`` — the same messages flytekit's translator writes.

::

    from taskplug.workflows.serialize import workflow_template, Registrable

    template = workflow_template(pipeline, settings)        # flyteidl.core WorkflowTemplate
    reg = Registrable(settings)
    reg.add(pipeline)                                         # its tasks, sub-workflows, itself,
    for kind, entity, message in reg.entries: ...             # and its default launch plan

:class:`Registrable` keeps flytekit's registration order: what an entity uses comes before it,
each entity once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from taskplug.workflows.bindings import fill_binding_data, spec_literal
from taskplug.workflows.errors import WorkflowCompileError

if TYPE_CHECKING:
    from flyteidl.admin import launch_plan_pb2
    from flyteidl.admin import task_pb2 as tasks_pb2
    from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
    from flyteidl.core import identifier_pb2, workflow_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask
    from taskplug.tasks.metadata import Documentation
    from taskplug.workflows.graph import WorkflowBase
    from taskplug.workflows.node import Node

__all__ = [
    "Registrable",
    "default_launch_plan",
    "description_entity",
    "workflow_spec",
    "workflow_template",
]


def _identifier(
    msg: identifier_pb2.Identifier, kind: int, name: str, s: SerializationSettings
) -> None:
    msg.resource_type = kind
    msg.project = s.project or ""
    msg.domain = s.domain or ""
    msg.name = name
    msg.version = s.version or ""


# Where the parameter and return sections of a docstring start (reST, Google, numpydoc): the
# long description ends there, as docstring_parser (flytekit) cuts it.
_META_SECTION = re.compile(
    r"^(:\w|(Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Attributes|Examples?|"
    r"Notes?)\s*:\s*$|[A-Z][A-Za-z ]*\n\s*-{3,}\s*$)",
    re.MULTILINE,
)


def description_entity(docs: Documentation, msg: Any) -> None:
    """Fill an admin ``DescriptionEntity`` as flytekit writes it (long description as RST).

    The long description stops where the docstring's parameter sections start.
    """
    msg.short_description = docs.short_description or ""
    long = msg.long_description
    long.SetInParent()
    text = docs.long_description or ""
    cut = _META_SECTION.search(text)
    if cut is not None:
        text = text[: cut.start()].strip()
    if text:
        long.value = text
    long.format = 3  # RST, flytekit's default format
    if docs.source_code:
        msg.source_code.link = docs.source_code


class Registrable:
    """Serialized tasks, workflows and launch plans, dependencies first, each once.

    ``entries`` holds ``(kind, entity, message)`` with kind ``"task"`` (admin ``TaskSpec``),
    ``"workflow"`` (admin ``WorkflowSpec``) or ``"launch_plan"`` (admin ``LaunchPlan``).
    """

    def __init__(self, settings: SerializationSettings) -> None:
        self.settings = settings
        self.entries: list[tuple[str, Any, Any]] = []
        self._tasks: dict[int, tuple[Any, tasks_pb2.TaskSpec]] = {}
        self._workflows: dict[int, tuple[Any, admin_workflow_pb2.WorkflowSpec]] = {}
        self._plans: dict[str, tuple[Any, launch_plan_pb2.LaunchPlan]] = {}

    def add(self, entity: Any) -> None:
        """Add a task, a workflow and its default launch plan, or a launch plan (with what
        they use). Reference entities point at what is registered already: nothing to add.

        A task that runs as a workflow of its own (it has ``get_as_workflow()``, as eager tasks
        do) also brings that workflow and its default launch plan, as in flytekit.
        """
        from taskplug.tasks.base import PythonTask
        from taskplug.workflows.launch_plan import LaunchPlan

        if getattr(entity, "is_reference", False):
            return
        if isinstance(entity, PythonTask):
            self.task(entity)
            as_workflow = getattr(entity, "get_as_workflow", None)
            if callable(as_workflow):
                wf = as_workflow()
                self.workflow(wf)
                self.launch_plan(wf)
        elif isinstance(entity, LaunchPlan):
            self.launch_plan(entity)
        else:
            self.workflow(entity)
            self.launch_plan(entity)

    def task(self, task: PythonTask[Any]) -> tasks_pb2.TaskSpec:
        """The admin ``TaskSpec`` of ``task`` (template and description), serialized once."""
        hit = self._tasks.get(id(task))
        if hit is not None:
            return hit[1]
        from flyteidl.admin import task_pb2 as tasks_pb2

        from taskplug.serialization import serialize

        for hint in getattr(task, "node_dependency_hints", None) or ():
            self.add(hint)
        spec = tasks_pb2.TaskSpec()
        spec.template.CopyFrom(serialize(task, self.settings))
        if getattr(task, "_docs", None) is not None or hasattr(task, "_doc_source"):
            # as flytekit: function tasks and documented tasks only (an Echo has none)
            description_entity(task.docs, spec.description)
        self._tasks[id(task)] = (task, spec)
        self.entries.append(("task", task, spec))
        return spec

    def workflow(self, wf: WorkflowBase) -> admin_workflow_pb2.WorkflowSpec:
        """The admin ``WorkflowSpec`` of ``wf`` (template, sub-workflows, description)."""
        hit = self._workflows.get(id(wf))
        if hit is not None:
            return hit[1]
        from flyteidl.admin import workflow_pb2 as admin_workflow_pb2

        spec = admin_workflow_pb2.WorkflowSpec()
        subs: dict[str, workflow_pb2.WorkflowTemplate] = {}
        fill_workflow_template(spec.template, wf, self, subs)
        for key in sorted(subs, key=lambda k: (subs[k].id.name, k)):
            spec.sub_workflows.add().CopyFrom(subs[key])
        if wf.has_docs:
            description_entity(wf.docs, spec.description)
        self._workflows[id(wf)] = (wf, spec)
        self.entries.append(("workflow", wf, spec))
        return spec

    def launch_plan(self, plan: Any) -> launch_plan_pb2.LaunchPlan:
        """The admin ``LaunchPlan`` of a :class:`~taskplug.workflows.launch_plan.LaunchPlan`,
        or of a workflow's default launch plan (same name, the workflow's defaults as inputs);
        its workflow comes first. One entry per launch plan name."""
        from taskplug.workflows.launch_plan import LaunchPlan
        from taskplug.workflows.lp_wire import launch_plan_message

        if not isinstance(plan, LaunchPlan):
            cached = LaunchPlan.CACHE.get(plan.name)
            if cached is not None and cached.workflow is plan and cached._is_default:
                plan = cached
            else:
                plan = LaunchPlan.default_for(plan)
        hit = self._plans.get(plan.name)
        if hit is not None:
            return hit[1]
        self.workflow(plan.workflow)
        msg = launch_plan_message(plan, self.settings)
        self._plans[plan.name] = (plan, msg)
        self.entries.append(("launch_plan", plan, msg))
        return msg

    def task_templates(self) -> list[Any]:
        """The ``TaskTemplate`` of every task added so far, in order."""
        return [msg.template for kind, _, msg in self.entries if kind == "task"]


def fill_workflow_template(
    msg: workflow_pb2.WorkflowTemplate,
    wf: WorkflowBase,
    reg: Registrable,
    subs: dict[str, workflow_pb2.WorkflowTemplate],
) -> None:
    """Write ``wf``'s template into ``msg``; sub-workflow templates are collected in ``subs``."""
    from flyteidl.core import identifier_pb2

    from taskplug.serialization import fill_interface

    wf.check_ids()
    wf._used = True
    _identifier(msg.id, identifier_pb2.WORKFLOW, wf.name, reg.settings)
    policy = wf.workflow_metadata.on_failure.value
    msg.metadata.SetInParent()
    if policy:
        msg.metadata.on_failure = policy
    msg.metadata_defaults.interruptible = wf.workflow_metadata_defaults.interruptible
    fill_interface(msg.interface, wf.python_interface)
    add_node = msg.nodes.add
    for node in wf.nodes:
        fill_node(add_node(), node, reg, subs)
    for var, spec in wf.output_bindings:
        b = msg.outputs.add()
        b.var = var
        fill_binding_data(b.binding, spec)
    if wf.failure_node is not None:
        fill_node(msg.failure_node, wf.failure_node, reg, subs)


def fill_node(
    msg: workflow_pb2.Node,
    node: Node,
    reg: Registrable,
    subs: dict[str, workflow_pb2.WorkflowTemplate],
) -> None:
    """Write one node: id, metadata, bindings, upstream ids, and its task or workflow target."""
    from taskplug.tasks.base import PythonTask
    from taskplug.workflows.overrides import fill_task_node_overrides

    msg.id = node.id
    node.metadata_for_reading().fill(msg.metadata)
    add_input = msg.inputs.add
    for var, spec in node.inputs:
        b = add_input()
        b.var = var
        fill_binding_data(b.binding, spec)
    if node.upstream:
        msg.upstream_node_ids.extend([n.id for n in node.upstream])
    if node.aliases:
        for var, alias in node.aliases.items():
            a = msg.output_aliases.add()
            a.var = var
            a.alias = alias
    entity = node.entity
    own = getattr(entity, "fill_workflow_node", None)
    if own is not None:  # a branch node (condition.py), an array node (array_node.py)
        own(msg, node, reg, subs)
        return
    if isinstance(entity, PythonTask):
        spec = reg.task(entity)
        tn = msg.task_node
        tn.reference_id.CopyFrom(spec.template.id)
        fill_task_node_overrides(tn.overrides, node, reg.settings)
        if node.overrides is not None and node.overrides.any_set():
            _check_target(node, spec.template)
        return
    fill = getattr(entity, "fill_node", None)
    if fill is not None:  # launch plans, reference entities, gates: they write their target
        fill(msg, reg)
        return
    wf_spec = reg.workflow(entity)
    msg.workflow_node.sub_workflow_ref.CopyFrom(wf_spec.template.id)
    for template in (wf_spec.template, *wf_spec.sub_workflows):
        subs.setdefault(template.SerializeToString(deterministic=True).hex(), template)


def _check_target(node: Node, template: Any) -> None:
    if template.HasField("container") or template.HasField("k8s_pod"):
        return
    raise WorkflowCompileError(
        f"workflow {node.workflow!r}, node {node.id!r} ({node.describe_entity()}): its "
        f"resource, image or pod overrides cannot apply: the task (type {template.type!r}) runs "
        "neither a container nor a pod",
        workflow=node.workflow,
        node=node.id,
    )


def workflow_template(
    wf: WorkflowBase, settings: SerializationSettings
) -> workflow_pb2.WorkflowTemplate:
    """The flyteidl ``WorkflowTemplate`` of ``wf`` (what flytekit's translator writes)."""
    return workflow_spec(wf, settings).template


def workflow_spec(
    wf: WorkflowBase, settings: SerializationSettings
) -> admin_workflow_pb2.WorkflowSpec:
    """The admin ``WorkflowSpec`` of ``wf``: template, sub-workflow templates, description."""
    return Registrable(settings).workflow(wf)


def default_launch_plan(
    wf: WorkflowBase, settings: SerializationSettings
) -> launch_plan_pb2.LaunchPlan:
    """flytekit's default launch plan of ``wf``: same name, the workflow's defaults as inputs.

    An input with a default is optional with that default; an ``Optional`` input without one
    defaults to ``None``; any other input is required.
    """
    from taskplug.workflows.launch_plan import LaunchPlan
    from taskplug.workflows.lp_wire import launch_plan_message

    return launch_plan_message(LaunchPlan.default_for(wf), settings)


def outputs_literal_map(wf: WorkflowBase) -> Any:
    """The outputs of a graph without nodes, as a ``LiteralMap`` (their bindings are values)."""
    from flyteidl.core.literals_pb2 import LiteralMap

    lm = LiteralMap()
    for var, spec in wf.output_bindings:
        lm.literals[var].CopyFrom(spec_literal(spec))
    return lm
