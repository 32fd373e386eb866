"""``flytekit.core.launch_plan``'s names."""

from taskplug.workflows.launch_plan import LaunchPlan
from taskplug.workflows.reference import ReferenceLaunchPlan, reference_launch_plan

__all__ = ["LaunchPlan", "ReferenceLaunchPlan", "reference_launch_plan"]
