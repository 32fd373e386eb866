"""``flytekit.core.reference``'s name: ``get_reference_entity``."""

from taskplug.workflows.reference import get_reference_entity

__all__ = ["get_reference_entity"]
