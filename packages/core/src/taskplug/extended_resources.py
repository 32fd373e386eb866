"""Extended resources of a task (GPU accelerator, shared memory): validation and serialization.

Two moments matter:

* **Declaration** — :func:`validate_task_resources` runs when ``@task`` builds the task and
  again after the ``taskplug_configure_task`` hooks. It normalizes ``task.accelerator`` to a
  :class:`~taskplug.accelerators.GPUAccelerator` and checks the combination of device,
  partition, GPU count and shared memory against the accelerator catalogue.
* **Serialization** — ``task.get_extended_resources(settings)`` builds an
  :class:`ExtendedResourcesProposal` from the task, lets every ``taskplug_get_extended_resources``
  hook adjust it (platform defaults and policy), then :meth:`ExtendedResourcesProposal.to_proto`
  checks the result with the same rules and renders flyteidl's ``ExtendedResources`` exactly as
  flytekit's ``construct_extended_resources`` does.

Every refusal is a :class:`~taskplug.errors.PolicyError` (a ``ValueError``) naming the task and
the rule (see :data:`RULES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.errors import PolicyError
from taskplug.resources import validate_quantity

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.accelerators import GPUAccelerator, PodRequirements
    from taskplug.tasks.base import PythonTask

__all__ = [
    "RULES",
    "SHARED_MEMORY_MOUNT_NAME",
    "SHARED_MEMORY_MOUNT_PATH",
    "ExtendedResourcesProposal",
    "check_shared_memory",
    "gpu_counts",
    "validate_task_resources",
]

#: flytekit's ``SHARED_MEMORY_MOUNT_NAME``.
SHARED_MEMORY_MOUNT_NAME = "flyte-shared-memory"
#: flytekit's ``SHARED_MEMORY_MOUNT_PATH``.
SHARED_MEMORY_MOUNT_PATH = "/dev/shm"

#: The rules checked here, by the name a :class:`~taskplug.errors.PolicyError` carries.
RULES: dict[str, str] = {
    "accelerator-type": "accelerator= is a GPUAccelerator, a device name, or None",
    "accelerator-device-known": "the device is registered in the accelerator catalogue",
    "accelerator-partition-legal": "the partition is one the catalogue lists for the device",
    "accelerator-needs-gpu": "a task with an accelerator does not set gpu=0",
    "gpu-count-whole": "a GPU count is a whole number",
    "mig-single-instance": "a task asks for at most one MIG partition (CUDA uses only one)",
    "shared-memory-quantity": "shared_memory is True, False, None or a Kubernetes quantity",
}


def _refuse(task: str, rule: str, message: str) -> PolicyError:
    return PolicyError(message, task=task, rule=rule)


def check_shared_memory(value: object, *, task: str) -> str | bool | None:
    """Normalize a ``shared_memory`` setting: ``None``/``False``, ``True``, or a quantity string.

    Raises :class:`~taskplug.errors.PolicyError` (rule ``shared-memory-quantity``) otherwise.
    """
    if value is None or value is False or value is True:
        return value
    try:
        return validate_quantity(value, what="shared_memory")
    except ValueError as exc:
        raise _refuse(
            task,
            "shared-memory-quantity",
            f"{exc}; use shared_memory=True for a size equal to the memory limit",
        ) from None


# Kubernetes quantity suffixes (binary first: "Mi" before "M"), as multipliers.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    *((f"{p}i", str(1024 ** (i + 1))) for i, p in enumerate("KMGTPE")),
    ("n", "1e-9"),
    ("u", "1e-6"),
    ("m", "1e-3"),
    ("k", "1e3"),
    *((p, f"1e{3 * (i + 2)}") for i, p in enumerate("MGTPE")),
)


def _count(value: object, *, task: str, where: str, strict: bool) -> int | None:
    if value is None:
        return None
    from decimal import ROUND_CEILING, Decimal, InvalidOperation

    text = str(value)
    factor = "1"
    for suffix, mult in _SUFFIXES:
        if text.endswith(suffix) and not text.endswith(("e" + suffix, "E" + suffix)):
            text, factor = text[: -len(suffix)], mult
            break
    try:
        number = Decimal(text) * Decimal(factor)
    except InvalidOperation:  # pragma: no cover - Resources validated the quantity already
        number = Decimal("NaN")
    if number.is_finite() and number >= 0:
        whole = number.to_integral_value(rounding=ROUND_CEILING)
        if whole == number or not strict:
            return int(whole)
    if not strict:
        return None
    raise _refuse(
        task,
        "gpu-count-whole",
        f"{where} gpu={value!r} is not a whole number of GPUs; GPUs cannot be split by "
        "quantity, ask for a partition instead (e.g. accelerator=A100.partition_1g_5gb)",
    )


def gpu_counts(task: PythonTask[Any], *, strict: bool = True) -> tuple[int | None, int | None]:
    """``(requests.gpu, limits.gpu)`` of ``task`` as whole numbers (``None`` when unset).

    A fraction raises :class:`~taskplug.errors.PolicyError` (rule ``gpu-count-whole``); with
    ``strict=False`` it is rounded up instead (what policy code reading any task wants).
    """
    spec = task.resources
    out: list[int | None] = []
    for where, res in (("requests", spec.requests), ("limits", spec.limits)):
        value = res.gpu
        if isinstance(value, (tuple, list)):  # pragma: no cover - ResourceSpec splits pairs
            value = value[-1]
        out.append(_count(value, task=task.name, where=where, strict=strict))
    return out[0], out[1]


def _check_accelerator(
    accelerator: object, counts: tuple[int | None, int | None], *, task: str
) -> GPUAccelerator | None:
    """Resolve ``accelerator`` in the catalogue and check it with the GPU counts."""
    if accelerator is None:
        return None
    from taskplug.accelerators import UnknownAcceleratorError, catalogue

    cat = catalogue()
    try:
        acc = cat.resolve(accelerator)
    except TypeError as exc:
        raise _refuse(task, "accelerator-type", str(exc)) from None
    except UnknownAcceleratorError as exc:
        raise _refuse(task, exc.rule, str(exc)) from None
    for where, count in zip(("requests", "limits"), counts):
        if count == 0:
            raise _refuse(
                task,
                "accelerator-needs-gpu",
                f"accelerator {acc} is set but {where} gpu=0; ask for at least one GPU "
                "(e.g. limits=Resources(gpu=1)) or drop the accelerator",
            )
    partition = acc.partition_size
    if partition is not None:
        part = cat.partitions(acc.device)[partition]
        if part.kind == "mig" and any(c is not None and c > 1 for c in counts):
            raise _refuse(
                task,
                "mig-single-instance",
                f"accelerator {acc} is a MIG partition and the task asks for "
                f"{max(c or 0 for c in counts)} of them; a CUDA process uses a single MIG "
                "instance, so ask for gpu=1 or a larger partition",
            )
    return acc


def validate_task_resources(task: PythonTask[Any]) -> None:
    """Check a task's accelerator, GPU counts and shared memory when it is declared.

    Normalizes ``task.accelerator`` (a device string or a flytekit accelerator becomes a
    :class:`~taskplug.accelerators.GPUAccelerator`) and ``task.shared_memory``. Tasks without an
    accelerator never build the catalogue.
    """
    name = task.name
    task.shared_memory = check_shared_memory(task.shared_memory, task=name)
    if task.accelerator is None:
        return
    task.accelerator = _check_accelerator(task.accelerator, gpu_counts(task), task=name)


class ExtendedResourcesProposal:
    """What a task's template will say about accelerators and shared memory.

    Starts as the task's own request (:meth:`from_task`); ``taskplug_get_extended_resources``
    hooks adjust it in place. ``accelerator``: a :class:`~taskplug.accelerators.GPUAccelerator`
    (or anything ``accelerator=`` accepts: it is checked again in :meth:`to_proto`) or ``None``.
    ``shared_memory``: ``True`` (size equal to the memory limit), a Kubernetes quantity, or
    ``None``/``False``. Read-only context for policy: :attr:`task_name`, :attr:`gpu_requests`,
    :attr:`gpu_limits`, :attr:`gpu_count`. :meth:`refuse` raises a ``PolicyError`` naming the task.
    """

    __slots__ = ("_counts", "_task_name", "accelerator", "shared_memory")

    def __init__(
        self,
        accelerator: Any = None,
        shared_memory: bool | str | None = None,
        *,
        task_name: str = "",
        gpu_requests: int | None = None,
        gpu_limits: int | None = None,
    ) -> None:
        self.accelerator = accelerator
        self.shared_memory = shared_memory
        self._task_name = task_name
        self._counts = (gpu_requests, gpu_limits)

    @classmethod
    def from_task(cls, task: PythonTask[Any]) -> ExtendedResourcesProposal:
        """The task's own request (GPU counts rounded up; see :func:`gpu_counts`)."""
        requests, limits = gpu_counts(task, strict=False)
        return cls(
            task.accelerator,
            task.shared_memory,
            task_name=task.name,
            gpu_requests=requests,
            gpu_limits=limits,
        )

    @property
    def task_name(self) -> str:
        """The name of the task being serialized."""
        return self._task_name

    @property
    def gpu_requests(self) -> int | None:
        """The task's ``requests.gpu`` (``None`` when unset)."""
        return self._counts[0]

    @property
    def gpu_limits(self) -> int | None:
        """The task's ``limits.gpu`` (``None`` when unset)."""
        return self._counts[1]

    @property
    def gpu_count(self) -> int:
        """GPUs the task's pod gets: the limit, else the request, else 0."""
        requests, limits = self._counts
        if limits is not None:
            return limits
        return requests or 0

    def refuse(self, message: str, *, rule: str) -> PolicyError:
        """A :class:`~taskplug.errors.PolicyError` naming the task and ``rule``; raise it."""
        return PolicyError(message, task=self._task_name or None, rule=rule)

    def resolved_accelerator(self) -> GPUAccelerator | None:
        """The accelerator, normalized and checked against the catalogue (or ``None``)."""
        return _check_accelerator(self.accelerator, self._counts, task=self._task_name)

    def pod_requirements(self) -> PodRequirements | None:
        """What the pod needs for this accelerator and GPU count (``None``: no accelerator).

        With no GPU count set one device is assumed.
        """
        acc = self.resolved_accelerator()
        if acc is None:
            return None
        from taskplug.accelerators import catalogue

        return catalogue().pod_requirements(acc, self.gpu_count or 1)

    def to_proto(self, *, task: str | None = None) -> tasks_pb2.ExtendedResources | None:
        """The flyteidl message, or ``None`` when nothing is requested (as flytekit does).

        Checks the (possibly plugin-adjusted) proposal with the declaration rules first.
        """
        name = task or self._task_name
        acc = _check_accelerator(self.accelerator, self._counts, task=name)
        shm = check_shared_memory(self.shared_memory, task=name)
        if acc is None and not shm:
            return None
        from flyteidl.core import tasks_pb2

        msg = tasks_pb2.ExtendedResources()
        if acc is not None:
            msg.gpu_accelerator.CopyFrom(acc.to_flyte_idl())
        if shm:
            out = msg.shared_memory
            out.mount_path = SHARED_MEMORY_MOUNT_PATH
            out.mount_name = SHARED_MEMORY_MOUNT_NAME
            if isinstance(shm, str):
                out.size_limit = shm
        return msg

    def __repr__(self) -> str:
        return (
            f"ExtendedResourcesProposal(task={self._task_name!r}, "
            f"accelerator={self.accelerator!r}, shared_memory={self.shared_memory!r}, "
            f"gpu_count={self.gpu_count})"
        )
