"""``flytekit.core.gate``'s names."""

from taskplug.workflows.gate import DEFAULT_TIMEOUT, Gate, approve, sleep, wait_for_input

__all__ = ["DEFAULT_TIMEOUT", "Gate", "approve", "sleep", "wait_for_input"]
