"""``@dynamic``: a task whose body builds a workflow at run time, from its real inputs.

::

    @dynamic
    def fan_out(n: int) -> list[int]:
        return [square(x=i) for i in range(n)]     # n is a real int; square() gives promises

When a dynamic task runs, its function is compiled into a workflow with its actual inputs (node
ids ``dn0``, ``dn1``…). In a container, ``taskplug-execute`` writes that workflow as a
``DynamicJobSpec`` (``futures.pb``: the nodes, the templates of the tasks they run, the output
bindings, sub-workflows) for Flyte to run, exactly as ``pyflyte-execute`` does. Locally the same
compiled workflow runs node by node through literals, so a local run exercises the graph a
cluster would run. A body that calls no task returns its outputs directly (``outputs.pb``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.core import dynamic_job_pb2, literals_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.function import PythonFunctionTask
    from taskplug.workflows.workflow import PythonFunctionWorkflow

__all__ = [
    "FUTURES_FILE_NAME",
    "compile_dynamic",
    "compile_into_workflow",
    "dynamic",
    "dynamic_execute",
]

#: The file a dynamic task writes in its container instead of ``outputs.pb``.
FUTURES_FILE_NAME = "futures.pb"


def dynamic(_task_function: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@task(execution_mode=DYNAMIC)``: with or without parentheses, ``@task``'s arguments."""
    from taskplug.tasks.decorator import task
    from taskplug.tasks.function import PythonFunctionTask

    decorate: Any = task
    return decorate(
        _task_function,
        execution_mode=PythonFunctionTask.ExecutionBehavior.DYNAMIC,
        **kwargs,
    )


def _workflow_of(task: PythonFunctionTask[Any]) -> PythonFunctionWorkflow:
    """The (uncompiled) workflow made of the task's function, built once per task."""
    wf: PythonFunctionWorkflow | None = getattr(task, "_dynamic_workflow", None)
    if wf is None:
        from taskplug.workflows.workflow import (
            PythonFunctionWorkflow,
            WorkflowMetadata,
            WorkflowMetadataDefaults,
        )

        wf = PythonFunctionWorkflow(
            task.task_function,
            WorkflowMetadata(),
            WorkflowMetadataDefaults(interruptible=bool(task.metadata.interruptible)),
            pickle_untyped=task.pickle_untyped,
            compile=False,
        )
        task._dynamic_workflow = wf  # type: ignore[attr-defined]
    return wf


def compile_dynamic(task: PythonFunctionTask[Any], **kwargs: Any) -> PythonFunctionWorkflow:
    """The workflow the task's function builds from these (real) inputs; ids ``dn0``, ``dn1``…"""
    import copy

    wf = copy.copy(_workflow_of(task))
    wf.compile(prefix="d", **kwargs)
    return wf


def compile_into_workflow(
    task: PythonFunctionTask[Any], settings: SerializationSettings, **kwargs: Any
) -> dynamic_job_pb2.DynamicJobSpec | literals_pb2.LiteralMap:
    """The ``DynamicJobSpec`` of a run with these inputs, or its outputs when it made no node."""
    from flyteidl.core import dynamic_job_pb2

    from taskplug.workflows.serialize import Registrable, outputs_literal_map

    wf = compile_dynamic(task, **kwargs)
    if not wf.nodes:
        return outputs_literal_map(wf)
    reg = Registrable(settings)
    spec = reg.workflow(wf)
    job = dynamic_job_pb2.DynamicJobSpec()
    job.min_successes = len(wf.nodes)
    job.tasks.extend(reg.task_templates())
    job.nodes.extend(spec.template.nodes)
    job.outputs.extend(spec.template.outputs)
    job.subworkflows.extend(spec.sub_workflows)
    return job


def dynamic_execute(
    task: PythonFunctionTask[Any], task_function: Callable[..., Any], **kwargs: Any
) -> Any:
    """Run a dynamic task's body: compile it with ``kwargs``, then run or describe the graph.

    In a container (``taskplug-execute``): the ``DynamicJobSpec`` (or the outputs'
    ``LiteralMap`` when no node was made), with the settings the task was registered with
    (``_F_SS_C``). Locally: the compiled graph runs node by node and its outputs'
    ``LiteralMap`` is returned.
    """
    from taskplug.context import current_execution

    state = current_execution()
    if state is not None and state.mode == "container":
        from taskplug.workflows.transport import container_settings

        return compile_into_workflow(task, container_settings(), **kwargs)
    wf = compile_dynamic(task, **kwargs)
    from flyteidl.core.literals_pb2 import LiteralMap

    return wf.dispatch_execute(LiteralMap())
