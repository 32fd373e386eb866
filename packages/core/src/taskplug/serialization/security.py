"""The security context of a task template: the secrets a task requests (never their values)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flyteidl.core import security_pb2

    from taskplug.resources import Secret

__all__ = ["fill_security_context", "security_context"]

# Secret.mount_requirement names to flyteidl's Secret.MountType numbers.
_MOUNT = {"ANY": 0, "ENV_VAR": 1, "FILE": 2}


def fill_security_context(
    msg: security_pb2.SecurityContext, secrets: Iterable[Secret]
) -> security_pb2.SecurityContext:
    """Add ``secrets`` to ``msg`` in place (as flytekit writes them); returns ``msg``."""
    add = msg.secrets.add
    for s in secrets:
        out = add()
        out.group = s.group
        if s.group_version:
            out.group_version = s.group_version
        if s.key:
            out.key = s.key
        mount = _MOUNT[s.mount_requirement]
        if mount:
            out.mount_requirement = mount
        if s.env_var:
            out.env_var = s.env_var
    return msg


def security_context(secrets: list[Secret]) -> security_pb2.SecurityContext:
    """A flyteidl ``SecurityContext`` that requests ``secrets``.

    Only the names go into it (group, key, version, how to mount); values are read at run
    time and never appear in a template.
    """
    from flyteidl.core import security_pb2

    return fill_security_context(security_pb2.SecurityContext(), secrets)
