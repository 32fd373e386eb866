"""``flytekit.core.checkpointer``'s names."""

from taskplug.runtime.checkpoint import Checkpoint, SyncCheckpoint

__all__ = ["Checkpoint", "SyncCheckpoint"]
