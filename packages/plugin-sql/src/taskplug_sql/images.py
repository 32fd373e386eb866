"""The prebuilt images SQL template tasks run in (flytekit's convention, taskplug's names).

flytekit runs ``SQLite3Task`` in ``cr.flyte.org/flyteorg/flytekit:py3.11-<version>`` and
``SQLAlchemyTask`` in ``…:py3.11-sqlalchemy-<version>``: the user's code is not in the image,
the template says everything. taskplug-sql does the same with its own images:

* ``ghcr.io/taskplug/taskplug-sql:py<major>.<minor>-<version>`` (SQLite3Task),
* ``ghcr.io/taskplug/taskplug-sql:py<major>.<minor>-sqlalchemy-<version>`` (SQLAlchemyTask),

``latest`` instead of the version for development versions. ``$TASKPLUG_SQL_IMAGE`` (then
flytekit's ``$FLYTE_INTERNAL_IMAGE``) replaces the default; ``container_image=`` replaces it for
one task. Any image with ``pip install 'taskplug-sql[sqlite]'`` (or ``[postgres]``) works.
"""

from __future__ import annotations

import os
import sys

__all__ = ["IMAGE_ENV", "IMAGE_REPOSITORY", "default_image"]

IMAGE_REPOSITORY = "ghcr.io/taskplug/taskplug-sql"
IMAGE_ENV = "TASKPLUG_SQL_IMAGE"


def default_image(flavor: str = "", *, version: str | None = None) -> str:
    """The image for a template task of ``flavor`` (``""``: SQLite, ``"sqlalchemy"``)."""
    override = os.environ.get(IMAGE_ENV) or os.environ.get("FLYTE_INTERNAL_IMAGE")
    if override:
        return override
    if version is None:
        from taskplug_sql import __version__

        version = __version__
    suffix = "latest" if (not version or "dev" in version) else version.lstrip("v")
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    middle = f"-{flavor}" if flavor else ""
    return f"{IMAGE_REPOSITORY}:{python}{middle}-{suffix}"
