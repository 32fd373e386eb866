"""``flytekit.core.testing``'s names: ``task_mock``, ``patch``."""

from taskplug.testing.mocking import patch, task_mock

__all__ = ["patch", "task_mock"]
