"""``flytekit.core.notification``'s names."""

from taskplug.workflows.notification import Email, Notification, PagerDuty, Slack

__all__ = ["Email", "Notification", "PagerDuty", "Slack"]
