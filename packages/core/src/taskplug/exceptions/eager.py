"""``EagerException``: a call made by an ``@eager`` task failed (flytekit's name and path).

Catch it in an eager function around awaited calls::

    from taskplug.exceptions.eager import EagerException

    @eager
    async def main(x: int) -> int:
        try:
            return await risky(x=x)
        except EagerException:
            return -1

The eager plugin (``taskplug-eager``) raises its child errors (``EagerChildError``: a call that
failed in another process, timed out or was killed) as subclasses of ``EagerException``. As in
flytekit, a call that runs in the same process (the local backend) raises the task's own
exception instead.
"""

from __future__ import annotations

__all__ = ["EagerException"]


class EagerException(Exception):
    """A node called from an eager task failed."""
