"""``FlyteError``: what a workflow's failure handler receives (``taskplug.types.error.error``)."""

from taskplug.types.error.error import ErrorTransformer, FlyteError

__all__ = ["ErrorTransformer", "FlyteError"]
