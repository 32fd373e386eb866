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
    from taskplug._manager import (
        get_plugin_manager as get_plugin_manager,
    )
    from taskplug._manager import (
        load_plugin as load_plugin,
    )
    from taskplug.context import (
        ExecutionParameters as ExecutionParameters,
    )
    from taskplug.context import (
        current_execution as current_execution,
    )
    from taskplug.deck.deck import Deck as Deck
    from taskplug.errors import (
        PluginError as PluginError,
    )
    from taskplug.errors import (
        PluginHookError as PluginHookError,
    )
    from taskplug.errors import (
        PolicyError as PolicyError,
    )
    from taskplug.errors import (
        TaskplugError as TaskplugError,
    )
    from taskplug.errors import (
        TaskSignatureError as TaskSignatureError,
    )
    from taskplug.errors import (
        TypeTransformerFailedError as TypeTransformerFailedError,
    )
    from taskplug.image_spec import ImageSpec as ImageSpec
    from taskplug.pod_template import PodTemplate as PodTemplate
    from taskplug.resources import Cache as Cache
    from taskplug.resources import Resources as Resources
    from taskplug.resources import Secret as Secret
    from taskplug.tasks.base import PythonTask as PythonTask
    from taskplug.tasks.container import ContainerTask as ContainerTask
    from taskplug.tasks.decorator import task as task
    from taskplug.tasks.function import (
        AsyncPythonFunctionTask as AsyncPythonFunctionTask,
    )
    from taskplug.tasks.function import (
        PythonAutoContainerTask as PythonAutoContainerTask,
    )
    from taskplug.tasks.function import (
        PythonFunctionTask as PythonFunctionTask,
    )
    from taskplug.tasks.function import (
        PythonInstanceTask as PythonInstanceTask,
    )
    from taskplug.tasks.interface import Interface as Interface
    from taskplug.tasks.metadata import Documentation as Documentation
    from taskplug.tasks.metadata import TaskMetadata as TaskMetadata
    from taskplug.types import Directory as Directory
    from taskplug.types import File as File
    from taskplug.types import TypeEngine as TypeEngine
    from taskplug.types.tables.columns import kwtypes as kwtypes
    from taskplug.types.tables.dataset import (
        FlyteSchema as FlyteSchema,
    )
    from taskplug.types.tables.dataset import (
        StructuredDataset as StructuredDataset,
    )
    from taskplug.workflows.array_node import (
        ArrayNodeMapTask as ArrayNodeMapTask,
    )
    from taskplug.workflows.array_node import (
        map_task as map_task,
    )
    from taskplug.workflows.condition import conditional as conditional
    from taskplug.workflows.dynamic import dynamic as dynamic
    from taskplug.workflows.errors import (
        PromiseUsageError as PromiseUsageError,
    )
    from taskplug.workflows.errors import (
        WorkflowCompileError as WorkflowCompileError,
    )
    from taskplug.workflows.errors import (
        WorkflowError as WorkflowError,
    )
    from taskplug.workflows.errors import (
        WorkflowTypeError as WorkflowTypeError,
    )
    from taskplug.workflows.graph import WorkflowBase as WorkflowBase
    from taskplug.workflows.imperative import ImperativeWorkflow as ImperativeWorkflow
    from taskplug.workflows.node import Node as Node
    from taskplug.workflows.promise import Promise as Promise
    from taskplug.workflows.promise import VoidPromise as VoidPromise
    from taskplug.workflows.state import create_node as create_node
    from taskplug.workflows.workflow import (
        PythonFunctionWorkflow as PythonFunctionWorkflow,
    )
    from taskplug.workflows.workflow import (
        WorkflowFailurePolicy as WorkflowFailurePolicy,
    )
    from taskplug.workflows.workflow import (
        workflow as workflow,
    )


if TYPE_CHECKING:  # issue 15, workstream LP
    from taskplug.tasks.echo import Echo as Echo
    from taskplug.workflows.gate import (
        approve as approve,
    )
    from taskplug.workflows.gate import (
        sleep as sleep,
    )
    from taskplug.workflows.gate import (
        wait_for_input as wait_for_input,
    )
    from taskplug.workflows.imperative import Workflow as Workflow
    from taskplug.workflows.launch_plan import (
        ConcurrencyLimitBehavior as ConcurrencyLimitBehavior,
    )
    from taskplug.workflows.launch_plan import (
        ConcurrencyPolicy as ConcurrencyPolicy,
    )
    from taskplug.workflows.launch_plan import (
        LaunchPlan as LaunchPlan,
    )
    from taskplug.workflows.notification import (
        Email as Email,
    )
    from taskplug.workflows.notification import (
        PagerDuty as PagerDuty,
    )
    from taskplug.workflows.notification import (
        Slack as Slack,
    )
    from taskplug.workflows.notification import (
        WorkflowExecutionPhase as WorkflowExecutionPhase,
    )
    from taskplug.workflows.reference import (
        LaunchPlanReference as LaunchPlanReference,
    )
    from taskplug.workflows.reference import (
        TaskReference as TaskReference,
    )
    from taskplug.workflows.reference import (
        WorkflowReference as WorkflowReference,
    )
    from taskplug.workflows.reference import (
        get_reference_entity as get_reference_entity,
    )
    from taskplug.workflows.reference import (
        reference_launch_plan as reference_launch_plan,
    )
    from taskplug.workflows.reference import (
        reference_task as reference_task,
    )
    from taskplug.workflows.reference import (
        reference_workflow as reference_workflow,
    )
    from taskplug.workflows.schedule import CronSchedule as CronSchedule
    from taskplug.workflows.schedule import FixedRate as FixedRate


if TYPE_CHECKING:  # issue 15, workstream CTX
    from taskplug.context import current_context as current_context
    from taskplug.runtime.checkpoint import Checkpoint as Checkpoint
    from taskplug.runtime.flyte_context import (
        FlyteContext as FlyteContext,
    )
    from taskplug.runtime.flyte_context import (
        FlyteContextManager as FlyteContextManager,
    )
    from taskplug.runtime.flyte_context import (
        new_context as new_context,
    )
    from taskplug.types.directory.types import FlyteDirectory as FlyteDirectory
    from taskplug.types.file.file import FlyteFile as FlyteFile


if TYPE_CHECKING:  # issue 15, workstream TYPES
    from taskplug.models.core.types import BlobType as BlobType
    from taskplug.models.literals import (
        Blob as Blob,
    )
    from taskplug.models.literals import (
        BlobMetadata as BlobMetadata,
    )
    from taskplug.models.literals import (
        Literal as Literal,
    )
    from taskplug.models.literals import (
        Scalar as Scalar,
    )
    from taskplug.models.types import LiteralType as LiteralType
    from taskplug.types.annotations import BatchSize as BatchSize
    from taskplug.types.annotations import HashMethod as HashMethod
    from taskplug.types.structured.structured_dataset import (
        StructuredDatasetFormat as StructuredDatasetFormat,
    )
    from taskplug.types.structured.structured_dataset import (
        StructuredDatasetTransformerEngine as StructuredDatasetTransformerEngine,
    )
    from taskplug.types.structured.structured_dataset import (
        StructuredDatasetType as StructuredDatasetType,
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
