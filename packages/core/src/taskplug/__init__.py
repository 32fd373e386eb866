"""taskplug: a light, fast plugin framework for Flyte task types.

``import taskplug`` is cheap: the names below are imported on first access (PEP 562), and the
plugin manager is built on first use, not at import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "task": "taskplug.tasks.decorator",
    "PythonTask": "taskplug.tasks.base",
    "TaskMetadata": "taskplug.tasks.metadata",
    "Documentation": "taskplug.tasks.metadata",
    "PythonFunctionTask": "taskplug.tasks.function",
    "AsyncPythonFunctionTask": "taskplug.tasks.function",
    "PythonInstanceTask": "taskplug.tasks.function",
    "PythonAutoContainerTask": "taskplug.tasks.function",
    "Interface": "taskplug.tasks.interface",
    "PodTemplate": "taskplug.pod_template",
    "Resources": "taskplug.resources",
    "Secret": "taskplug.resources",
    "Cache": "taskplug.resources",
    "TypeEngine": "taskplug.types",
    "File": "taskplug.types",
    "Directory": "taskplug.types",
    "kwtypes": "taskplug.types.tables",
    "StructuredDataset": "taskplug.types.tables",
    "FlyteSchema": "taskplug.types.tables",
    "current_execution": "taskplug.context",
    "TaskSignatureError": "taskplug.errors",
    "PluginError": "taskplug.errors",
    "PluginHookError": "taskplug.errors",
    "PolicyError": "taskplug.errors",
    "TaskplugError": "taskplug.errors",
    "TypeTransformerFailedError": "taskplug.errors",
    "ExecutionParameters": "taskplug.context",
    "get_plugin_manager": "taskplug._manager",
    "load_plugin": "taskplug._manager",
    # workflows (taskplug.workflows)
    "workflow": "taskplug.workflows.workflow",
    "PythonFunctionWorkflow": "taskplug.workflows.workflow",
    "WorkflowFailurePolicy": "taskplug.workflows.workflow",
    "WorkflowBase": "taskplug.workflows.graph",
    "ImperativeWorkflow": "taskplug.workflows.imperative",
    "dynamic": "taskplug.workflows.dynamic",
    "create_node": "taskplug.workflows.state",
    "Node": "taskplug.workflows.node",
    "Promise": "taskplug.workflows.promise",
    "VoidPromise": "taskplug.workflows.promise",
    "WorkflowError": "taskplug.workflows.errors",
    "WorkflowCompileError": "taskplug.workflows.errors",
    "WorkflowTypeError": "taskplug.workflows.errors",
    "PromiseUsageError": "taskplug.workflows.errors",
    # -- issue 15, workstream LP (launch plans, schedules, notifications, references, gates,
    #    Echo, the imperative builder as flytekit's `Workflow`)
    "LaunchPlan": "taskplug.workflows.launch_plan",
    "ConcurrencyPolicy": "taskplug.workflows.launch_plan",
    "ConcurrencyLimitBehavior": "taskplug.workflows.launch_plan",
    "CronSchedule": "taskplug.workflows.schedule",
    "FixedRate": "taskplug.workflows.schedule",
    "Email": "taskplug.workflows.notification",
    "Slack": "taskplug.workflows.notification",
    "PagerDuty": "taskplug.workflows.notification",
    "WorkflowExecutionPhase": "taskplug.workflows.notification",
    "reference_task": "taskplug.workflows.reference",
    "reference_workflow": "taskplug.workflows.reference",
    "reference_launch_plan": "taskplug.workflows.reference",
    "get_reference_entity": "taskplug.workflows.reference",
    "TaskReference": "taskplug.workflows.reference",
    "WorkflowReference": "taskplug.workflows.reference",
    "LaunchPlanReference": "taskplug.workflows.reference",
    "sleep": "taskplug.workflows.gate",
    "wait_for_input": "taskplug.workflows.gate",
    "approve": "taskplug.workflows.gate",
    "Workflow": "taskplug.workflows.imperative",
    "Echo": "taskplug.tasks.echo",
    # -- end of workstream LP
    # workflow constructs (issue 15, COND / MAP / PATTR)
    "conditional": "taskplug.workflows.condition",
    "map_task": "taskplug.workflows.array_node",
    "ArrayNodeMapTask": "taskplug.workflows.array_node",
    # -- issue 15, workstream CTX (current_context, FlyteContext, FlyteFile/FlyteDirectory,
    #    checkpoints)
    "current_context": "taskplug.context",
    "Checkpoint": "taskplug.runtime.checkpoint",
    "FlyteContext": "taskplug.runtime.flyte_context",
    "FlyteContextManager": "taskplug.runtime.flyte_context",
    "new_context": "taskplug.runtime.flyte_context",
    "FlyteFile": "taskplug.types.file.file",
    "FlyteDirectory": "taskplug.types.directory.types",
    # -- end of workstream CTX
    # -- issue 15, workstream KINDS (task kinds, images, decks)
    "ContainerTask": "taskplug.tasks.container",
    "ImageSpec": "taskplug.image_spec",
    "Deck": "taskplug.deck",
    # -- end of workstream KINDS
    # -- issue 15, workstream TYPES (flytekit's models, HashMethod, BatchSize, tables' API)
    "Blob": "taskplug.models.literals",
    "BlobMetadata": "taskplug.models.literals",
    "Literal": "taskplug.models.literals",
    "Scalar": "taskplug.models.literals",
    "LiteralType": "taskplug.models.types",
    "BlobType": "taskplug.models.core.types",
    "HashMethod": "taskplug.types.annotations",
    "BatchSize": "taskplug.types.annotations",
    "StructuredDatasetType": "taskplug.types.structured.structured_dataset",
    "StructuredDatasetFormat": "taskplug.types.structured.structured_dataset",
    "StructuredDatasetTransformerEngine": "taskplug.types.structured.structured_dataset",
    # -- end of workstream TYPES
}

__all__ = sorted([*_EXPORTS, "eager", "SQLTask", "__version__"])

if TYPE_CHECKING:
    from taskplug._manager import get_plugin_manager, load_plugin
    from taskplug.context import ExecutionParameters, current_execution
    from taskplug.deck.deck import Deck
    from taskplug.errors import (
        PluginError,
        PluginHookError,
        PolicyError,
        TaskplugError,
        TaskSignatureError,
        TypeTransformerFailedError,
    )
    from taskplug.image_spec import ImageSpec
    from taskplug.pod_template import PodTemplate
    from taskplug.resources import Cache, Resources, Secret
    from taskplug.tasks.base import PythonTask
    from taskplug.tasks.container import ContainerTask
    from taskplug.tasks.decorator import task
    from taskplug.tasks.function import (
        AsyncPythonFunctionTask,
        PythonAutoContainerTask,
        PythonFunctionTask,
        PythonInstanceTask,
    )
    from taskplug.tasks.interface import Interface
    from taskplug.tasks.metadata import Documentation, TaskMetadata
    from taskplug.types import Directory, File, TypeEngine
    from taskplug.types.tables.columns import kwtypes
    from taskplug.types.tables.dataset import FlyteSchema, StructuredDataset
    from taskplug.workflows.array_node import ArrayNodeMapTask, map_task
    from taskplug.workflows.condition import conditional
    from taskplug.workflows.dynamic import dynamic
    from taskplug.workflows.errors import (
        PromiseUsageError,
        WorkflowCompileError,
        WorkflowError,
        WorkflowTypeError,
    )
    from taskplug.workflows.graph import WorkflowBase
    from taskplug.workflows.imperative import ImperativeWorkflow
    from taskplug.workflows.node import Node
    from taskplug.workflows.promise import Promise, VoidPromise
    from taskplug.workflows.state import create_node
    from taskplug.workflows.workflow import (
        PythonFunctionWorkflow,
        WorkflowFailurePolicy,
        workflow,
    )


if TYPE_CHECKING:  # issue 15, workstream LP
    from taskplug.tasks.echo import Echo
    from taskplug.workflows.gate import approve, sleep, wait_for_input
    from taskplug.workflows.imperative import Workflow
    from taskplug.workflows.launch_plan import (
        ConcurrencyLimitBehavior,
        ConcurrencyPolicy,
        LaunchPlan,
    )
    from taskplug.workflows.notification import Email, PagerDuty, Slack, WorkflowExecutionPhase
    from taskplug.workflows.reference import (
        LaunchPlanReference,
        TaskReference,
        WorkflowReference,
        get_reference_entity,
        reference_launch_plan,
        reference_task,
        reference_workflow,
    )
    from taskplug.workflows.schedule import CronSchedule, FixedRate


if TYPE_CHECKING:  # issue 15, workstream CTX
    from taskplug.context import current_context
    from taskplug.runtime.checkpoint import Checkpoint
    from taskplug.runtime.flyte_context import FlyteContext, FlyteContextManager, new_context
    from taskplug.types.directory.types import FlyteDirectory
    from taskplug.types.file.file import FlyteFile


if TYPE_CHECKING:  # issue 15, workstream TYPES
    from taskplug.models.core.types import BlobType
    from taskplug.models.literals import Blob, BlobMetadata, Literal, Scalar
    from taskplug.models.types import LiteralType
    from taskplug.types.annotations import BatchSize, HashMethod
    from taskplug.types.structured.structured_dataset import (
        StructuredDatasetFormat,
        StructuredDatasetTransformerEngine,
        StructuredDatasetType,
    )


#: Names that live in plugin distributions: ``from taskplug import eager`` as in flytekit.
_PLUGIN_EXPORTS: dict[str, tuple[str, str]] = {
    "eager": ("taskplug_eager", "eager"),
    "SQLTask": ("taskplug_sql", "sql"),  # issue 15, workstream CTX (flytekit has it at the top)
}


def _plugin_export(name: str) -> Any:
    module, extra = _PLUGIN_EXPORTS[name]
    try:
        value = getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise ImportError(
            f"taskplug.{name} is provided by the plugin distribution "
            f"{module.replace('_', '-')}, which is not installed: "
            f"pip install 'taskplug[{extra}]'",
            name=module,
        ) from exc
    globals()[name] = value
    return value


def __getattr__(name: str) -> Any:
    if name in _PLUGIN_EXPORTS:
        return _plugin_export(name)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
