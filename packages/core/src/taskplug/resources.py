"""Compute resources, secrets and cache settings a task declares."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, fields
from typing import Any, ClassVar

__all__ = ["Cache", "ResourceSpec", "Resources", "Secret", "validate_quantity"]

# A Kubernetes resource quantity: a signed decimal with an optional suffix (binary or decimal SI,
# or a decimal exponent).
_QUANTITY = re.compile(
    r"^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$"
)


def validate_quantity(value: object, *, what: str) -> str:
    """Return ``value`` as a Kubernetes quantity string, or raise ``ValueError`` saying why."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(
            f"{what} must be a Kubernetes quantity (e.g. '2Gi', '500m', 4), got {value!r}"
        )
    text = str(value)
    if not _QUANTITY.match(text):
        raise ValueError(
            f"{what} must be a Kubernetes quantity (e.g. '2Gi', '500m', 4), got {value!r}"
        )
    return text


@dataclass
class Resources:
    """Requests or limits of cpu, memory, GPUs and ephemeral storage, as flytekit's ``Resources``.

    ``Resources(cpu="1", mem="2Gi")``; with ``@task(resources=...)`` a pair such as
    ``cpu=("1", "2")`` means request 1, limit 2, and a single value sets the request.
    Values are checked as Kubernetes quantities when the object is created.
    """

    cpu: str | int | float | tuple[Any, Any] | list[Any] | None = None
    mem: str | int | tuple[Any, Any] | list[Any] | None = None
    gpu: str | int | tuple[Any, Any] | list[Any] | None = None
    ephemeral_storage: str | int | None = None

    def __post_init__(self) -> None:
        empty = (self.cpu, self.mem, self.gpu, self.ephemeral_storage) == (None, None, None, None)
        if empty:
            return  # the common empty case, created for every task
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            items = value if isinstance(value, (tuple, list)) else (value,)
            if isinstance(value, (tuple, list)) and (
                len(value) != 2 or f.name == "ephemeral_storage"
            ):
                raise ValueError(
                    f"Resources.{f.name}={value!r}: a pair (request, limit) of two values is "
                    "expected"
                    + (
                        " (not allowed for ephemeral_storage)"
                        if f.name == "ephemeral_storage"
                        else ""
                    )
                )
            for item in items:
                validate_quantity(item, what=f"Resources.{f.name}")

    def is_pair(self) -> bool:
        """Whether any field holds a (request, limit) pair."""
        return any(isinstance(getattr(self, f.name), (tuple, list)) for f in fields(self))

    def items(self) -> list[tuple[str, str]]:
        """``(name, quantity)`` of the fields that are set (single values only)."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, (tuple, list)):
                raise ValueError(f"Resources.{f.name}={value!r}: a pair is not allowed here")
            out.append((f.name, str(value)))
        return out


@dataclass
class ResourceSpec:
    """Requests and limits together."""

    requests: Resources
    limits: Resources

    @classmethod
    def from_multiple_resource(cls, resources: Resources) -> ResourceSpec:
        """Split ``Resources`` holding (request, limit) pairs into requests and limits."""
        requests: dict[str, Any] = {}
        limits: dict[str, Any] = {}
        for f in fields(resources):
            value = getattr(resources, f.name)
            if value is None:
                continue
            if isinstance(value, (tuple, list)):
                requests[f.name], limits[f.name] = value
            else:
                requests[f.name] = value
        return cls(requests=Resources(**requests), limits=Resources(**limits))


class _MountType(enum.StrEnum):
    """How a secret is handed to the task (flytekit's ``Secret.MountType``)."""

    ANY = "ANY"
    ENV_VAR = "ENV_VAR"
    FILE = "FILE"


_MOUNT_NUMBERS = {0: "ANY", 1: "ENV_VAR", 2: "FILE"}
_ENV_VAR_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True)
class Secret:
    """A secret a task requests: ``Secret(group="db", key="password")``.

    The value is never part of a template or a log; tasks read it at run time through
    ``current_context().secrets.get(group, key)``. ``mount_requirement`` takes
    ``Secret.MountType.ENV_VAR`` (flytekit's spelling) or its name (``"ENV_VAR"``).
    """

    #: ``Secret.MountType.ANY`` / ``ENV_VAR`` / ``FILE`` (str values: ``"ANY"`` …).
    MountType: ClassVar[type[_MountType]] = _MountType

    group: str
    key: str | None = None
    group_version: str | None = None
    mount_requirement: str = "ANY"  # ANY | ENV_VAR | FILE
    env_var: str | None = None

    def __post_init__(self) -> None:
        mount: object = self.mount_requirement
        if isinstance(mount, int) and not isinstance(mount, bool):
            mount = _MOUNT_NUMBERS.get(mount, mount)
        if isinstance(mount, enum.Enum):
            mount = mount.name
        if mount not in ("ANY", "ENV_VAR", "FILE"):
            raise ValueError(
                "Secret.mount_requirement must be Secret.MountType.ANY, ENV_VAR or FILE (or "
                f"their names), got {self.mount_requirement!r}"
            )
        # a MountType member, which is also its name as a str ("ENV_VAR")
        object.__setattr__(self, "mount_requirement", _MountType(mount))
        if not isinstance(self.group, str) or not self.group:
            raise ValueError(f"Secret.group must be a non-empty str, got {self.group!r}")
        if self.env_var is not None and not _ENV_VAR_NAME.match(self.env_var):
            raise ValueError(
                f"Secret.env_var must be an environment variable name (A-Z, 0-9, _), "
                f"got {self.env_var!r}"
            )


@dataclass
class Cache:
    """Cache settings: ``@task(cache=Cache(version="1", serialize=True, ignored_inputs=("x",)))``.

    taskplug has no implicit version policy: a cached task needs a version, either here or in
    ``cache_version`` (flytekit raises the same error when it has no policy installed).
    """

    version: str | None = None
    serialize: bool = False
    ignored_inputs: tuple[str, ...] | str = ()
    salt: str = ""

    def get_ignored_inputs(self) -> tuple[str, ...]:
        """The ignored inputs as a tuple."""
        if isinstance(self.ignored_inputs, str):
            return (self.ignored_inputs,)
        return tuple(self.ignored_inputs)
