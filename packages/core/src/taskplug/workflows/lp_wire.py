"""Launch plans as flyteidl admin ``LaunchPlan`` messages, as flytekit 1.16 writes them.

* ``spec.default_inputs``: one ``Parameter`` per workflow input that can be given at launch —
  the workflow's default when it has one (``None`` for an ``Optional`` input without one),
  replaced by the launch plan's ``default_inputs``, required otherwise; fixed inputs are left
  out;
* ``spec.fixed_inputs``: the fixed inputs as literals;
* ``spec.entity_metadata``: schedule and notifications;
* labels, annotations, raw output prefix (empty messages when not set), max parallelism,
  security context, overwrite cache, concurrency policy;
* ``closure``: empty expected inputs and outputs.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.admin import launch_plan_pb2
    from flyteidl.core import interface_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.workflows.launch_plan import LaunchPlan

__all__ = ["launch_plan_message", "parameter_map"]


def _optional(t: Any) -> bool:
    from taskplug.types.engine import NoneType, is_union, strip_annotated

    t = strip_annotated(t)
    return is_union(t) and NoneType in typing.get_args(t)


def parameter_map(plan: LaunchPlan) -> interface_pb2.ParameterMap:
    """The ``ParameterMap`` of the inputs of ``plan`` that can be given at launch."""
    from flyteidl.core import interface_pb2

    from taskplug.serialization import typed_interface

    iface = plan.workflow.python_interface
    variables = typed_interface(iface).inputs.variables
    overrides = plan._default_literals
    fixed = plan._fixed_literals
    out = interface_pb2.ParameterMap()
    params = out.parameters
    for name, conv in iface.input_converters.items():
        if name in fixed:
            continue
        p: interface_pb2.Parameter = params[name]
        p.var.CopyFrom(variables[name])
        if name in overrides:
            # flytekit builds these from an interface without a docstring: the description is
            # the input's name, and a None value makes the input required (unless Optional)
            p.var.description = name
            value = plan._defaults[name]
            if value is None and _optional(conv.python_type):
                p.default.scalar.none_type.SetInParent()
            elif value is None:
                p.required = True
            else:
                p.default.CopyFrom(overrides[name])
        elif name in iface.defaults and iface.defaults[name] is not None:
            p.default.CopyFrom(conv.to_literal(iface.defaults[name]))
        elif _optional(conv.python_type):
            p.default.scalar.none_type.SetInParent()
        else:
            p.required = True
    return out


def launch_plan_message(
    plan: LaunchPlan, settings: SerializationSettings
) -> launch_plan_pb2.LaunchPlan:
    """The admin ``LaunchPlan`` of ``plan`` (ids from ``settings``)."""
    from flyteidl.admin import launch_plan_pb2
    from flyteidl.core import identifier_pb2

    from taskplug.workflows.serialize import _identifier

    lp = launch_plan_pb2.LaunchPlan()
    _identifier(lp.id, identifier_pb2.LAUNCH_PLAN, plan.name, settings)
    spec = lp.spec
    _identifier(spec.workflow_id, identifier_pb2.WORKFLOW, plan.workflow.name, settings)
    md = spec.entity_metadata
    md.SetInParent()
    if plan.schedule is not None:
        md.schedule.CopyFrom(plan.schedule.to_flyte_idl())
    for note in plan.notifications:
        md.notifications.add().CopyFrom(note.to_flyte_idl())
    spec.default_inputs.CopyFrom(parameter_map(plan))
    spec.fixed_inputs.SetInParent()
    for key, lit in plan._fixed_literals.items():
        spec.fixed_inputs.literals[key].CopyFrom(lit)
    spec.labels.SetInParent()
    if plan.labels:
        spec.labels.values.update(plan.labels)
    spec.annotations.SetInParent()
    if plan.annotations:
        spec.annotations.values.update(plan.annotations)
    spec.raw_output_data_config.SetInParent()
    if plan.raw_output_data_config:
        spec.raw_output_data_config.output_location_prefix = plan.raw_output_data_config
    if plan.max_parallelism:
        spec.max_parallelism = plan.max_parallelism
    if plan.security_context is not None:
        spec.security_context.CopyFrom(plan.security_context)
    if plan.overwrite_cache:
        spec.overwrite_cache = True
    if plan.concurrency is not None:
        spec.concurrency_policy.CopyFrom(plan.concurrency.to_flyte_idl())
    closure = lp.closure
    closure.expected_inputs.SetInParent()
    closure.expected_outputs.SetInParent()
    return lp
