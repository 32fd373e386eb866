"""``taskplug package``: a registrable archive in the layout ``pyflyte package`` writes.

The archive (``flyte-package.tgz``) holds one protobuf file per entity, numbered in registration
order (what an entity uses comes first), named as flytekit names them::

    00_mymod.add_1.pb        admin TaskSpec      (suffix 1: task)
    01_mymod.pipeline_2.pb   admin WorkflowSpec  (suffix 2: workflow)
    02_mymod.pipeline_3.pb   admin LaunchPlan    (suffix 3: the workflow's default launch plan)

``flytectl register files flyte-package.tgz --version v1`` (or ``--archive``) registers it;
project, domain and version are left empty for flytectl to fill in. Fast registration (code
shipped in the archive instead of the image) is not supported: the tasks run the code that is
in their image.
"""

from __future__ import annotations

import io
import math
import os
import tarfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug.workflows.serialize import Registrable

__all__ = ["archive_files", "collect", "write_package"]

_SUFFIX = {"task": 1, "workflow": 2, "launch_plan": 3}


def collect(entities: Iterable[Any], settings: SerializationSettings) -> Registrable:
    """Serialize tasks and workflows (with their dependencies and default launch plans)."""
    from taskplug.workflows.serialize import Registrable

    reg = Registrable(settings)
    for entity in entities:
        reg.add(entity)
    return reg


def _digits(n: int) -> int:
    """flytekit's zero-padding: enough digits to number ``n`` files from 0."""
    return 0 if n == 0 else math.ceil(math.log(n, 10))


def archive_files(reg: Registrable) -> list[tuple[str, bytes]]:
    """``(file name, protobuf bytes)`` of each entity, named and numbered as flytekit does."""
    entries = reg.entries
    width = _digits(len(entries))
    out = []
    for i, (kind, entity, message) in enumerate(entries):
        name = f"{str(i).zfill(width)}_{entity.name}_{_SUFFIX[kind]}.pb"
        out.append((name, message.SerializeToString(deterministic=True)))
    return out


def write_package(reg: Registrable, output: str, *, force: bool = False) -> list[str]:
    """Write the ``.tgz`` archive atomically (temporary name, then rename); its file names."""
    if not reg.entries:
        raise ValueError("nothing to package: no tasks or workflows were found")
    if os.path.exists(output) and not force:
        raise FileExistsError(f"{output} already exists; pass --force to replace it")
    files = archive_files(reg)
    directory = os.path.dirname(os.path.abspath(output))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(output)}.{os.getpid()}.tmp")
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for name, data in files:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, output)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return [name for name, _ in files]
