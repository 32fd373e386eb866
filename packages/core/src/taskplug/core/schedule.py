"""``flytekit.core.schedule``'s names."""

from taskplug.workflows.schedule import CronSchedule, FixedRate

__all__ = ["CronSchedule", "FixedRate"]
