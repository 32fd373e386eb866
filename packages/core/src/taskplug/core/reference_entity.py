"""``flytekit.core.reference_entity``'s names."""

from taskplug.workflows.reference import (
    LaunchPlanReference,
    Reference,
    ReferenceEntity,
    TaskReference,
    WorkflowReference,
)

__all__ = [
    "LaunchPlanReference",
    "Reference",
    "ReferenceEntity",
    "TaskReference",
    "WorkflowReference",
]
