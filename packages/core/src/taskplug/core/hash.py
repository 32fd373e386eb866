"""``flytekit.core.hash``'s names: :class:`HashMethod`, :class:`HashOnReferenceMixin`."""

from taskplug.types.annotations import HashMethod, HashOnReferenceMixin

__all__ = ["HashMethod", "HashOnReferenceMixin"]
