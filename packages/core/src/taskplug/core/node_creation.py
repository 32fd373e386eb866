"""``flytekit.core.node_creation``'s name: ``create_node``."""

from taskplug.workflows.state import create_node

__all__ = ["create_node"]
