"""``flytekit.core.workflow``'s names."""

from taskplug.workflows.graph import WorkflowBase
from taskplug.workflows.imperative import ImperativeWorkflow
from taskplug.workflows.reference import ReferenceWorkflow, reference_workflow
from taskplug.workflows.workflow import (
    PythonFunctionWorkflow,
    WorkflowFailurePolicy,
    WorkflowMetadata,
    WorkflowMetadataDefaults,
    workflow,
)

__all__ = [
    "ImperativeWorkflow",
    "PythonFunctionWorkflow",
    "ReferenceWorkflow",
    "WorkflowBase",
    "WorkflowFailurePolicy",
    "WorkflowMetadata",
    "WorkflowMetadataDefaults",
    "reference_workflow",
    "workflow",
]
