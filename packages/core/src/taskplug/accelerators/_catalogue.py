"""The open device catalogue: devices, partitions and what a pod needs, filled by plugins."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from taskplug.accelerators._devices import (
    DEFAULT_DEVICE_NODE_LABEL,
    DEFAULT_PARTITION_NODE_LABEL,
    NVIDIA_GPU,
    GPUAccelerator,
    PartitionKind,
    to_accelerator,
)
from taskplug.errors import DuplicateRegistrationError

if TYPE_CHECKING:
    from taskplug._manager import TaskplugPluginManager

# --------------------------------------------------------------------------------------------
# Catalogue data: devices, partitions, and what a pod needs for them
# --------------------------------------------------------------------------------------------


class Toleration(NamedTuple):
    """A Kubernetes toleration (``operator`` ``Exists`` or ``Equal``)."""

    key: str
    operator: Literal["Exists", "Equal"] = "Exists"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = "NoSchedule"

    def to_dict(self) -> dict[str, str]:
        """The toleration as in a pod manifest (camelCase keys, unset fields left out)."""
        out = {"key": self.key, "operator": self.operator}
        if self.value is not None:
            out["value"] = self.value
        if self.effect is not None:
            out["effect"] = self.effect
        return out


class NodeSelectorRequirement(NamedTuple):
    """One ``matchExpressions`` item of a required node affinity (``DoesNotExist`` …)."""

    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The requirement as in a pod manifest."""
        out: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            out["values"] = list(self.values)
        return out


class PartitionSpec(NamedTuple):
    """A legal partition of a device.

    ``resource_name``: the Kubernetes resource a pod requests for it (MIG under the NVIDIA
    device plugin's ``mixed`` strategy: ``nvidia.com/mig-1g.5gb``); ``None`` means the device's
    resource. ``kind``: ``"mig"`` (under the ``single`` MIG strategy the device's resource is
    requested instead), ``"slice"`` (TPU topologies) or ``"other"``.
    """

    name: str
    resource_name: str | None = None
    kind: PartitionKind = "other"
    node_labels: Mapping[str, str] | None = None
    plugin: str = ""


class DeviceSpec(NamedTuple):
    """One device of the catalogue and what a pod needs to get it.

    ``node_label`` / ``partition_label`` override the catalogue-wide label keys for this device
    (TPUs use GKE's labels); ``node_labels`` adds fixed labels; ``tolerations`` are added to
    every pod that uses the device (default: tolerate the taint named after its resource).
    """

    device: str
    resource_name: str = NVIDIA_GPU
    vendor: str = ""
    description: str = ""
    node_label: str | None = None
    partition_label: str | None = None
    node_labels: Mapping[str, str] = {}  # never mutated: copied on registration
    tolerations: tuple[Toleration, ...] | None = None
    plugin: str = ""

    def effective_tolerations(self) -> tuple[Toleration, ...]:
        """The tolerations a pod using this device gets."""
        if self.tolerations is not None:
            return self.tolerations
        return (Toleration(key=self.resource_name),)


class PodRequirements(NamedTuple):
    """What a pod needs to get ``count`` of an accelerator: data for the Kubernetes pod plugin.

    ``resources`` go into the container's requests and limits (extended resources must have
    request == limit); ``node_selector`` into ``spec.nodeSelector``; ``tolerations`` into
    ``spec.tolerations``; ``node_affinity`` into a required node affinity term.
    """

    resources: Mapping[str, str]
    node_selector: Mapping[str, str]
    tolerations: tuple[Toleration, ...] = ()
    node_affinity: tuple[NodeSelectorRequirement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The requirements in pod-manifest form (``resources``, ``nodeSelector`` …)."""
        out: dict[str, Any] = {
            "resources": {"requests": dict(self.resources), "limits": dict(self.resources)},
            "nodeSelector": dict(self.node_selector),
            "tolerations": [t.to_dict() for t in self.tolerations],
        }
        if self.node_affinity:
            out["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [r.to_dict() for r in self.node_affinity]}
                        ]
                    }
                }
            }
        return out


class UnknownAcceleratorError(LookupError):
    """A device or partition is not in the catalogue (the message lists what is)."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule

    def __str__(self) -> str:
        return str(self.args[0])


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RESOURCE = re.compile(r"^([A-Za-z0-9.-]+/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


class AcceleratorCatalogue:
    """The devices tasks may ask for; filled by ``taskplug_register_accelerators`` hooks.

    A plugin calls :meth:`add_device` and :meth:`add_partition` (also to add partitions to a
    device another plugin registered). Registering a device or a partition twice raises
    :class:`~taskplug.errors.DuplicateRegistrationError` naming both plugins. The catalogue-wide
    settings :attr:`device_node_label`, :attr:`partition_node_label` and :attr:`mig_strategy`
    describe the cluster (propeller's defaults); a platform plugin may change them.
    """

    def __init__(self) -> None:
        self._devices: dict[str, DeviceSpec] = {}
        self._partitions: dict[str, dict[str, PartitionSpec]] = {}
        self._pending: list[tuple[str, PartitionSpec]] = []
        self._plugin = ""
        #: Node label whose value is the device name (e.g. ``nvidia.com/gpu.accelerator``).
        self.device_node_label = DEFAULT_DEVICE_NODE_LABEL
        #: Node label whose value is the partition size.
        self.partition_node_label = DEFAULT_PARTITION_NODE_LABEL
        #: NVIDIA device plugin MIG strategy: ``"mixed"`` (``nvidia.com/mig-<profile>``
        #: resources) or ``"single"`` (every MIG slice is an ``nvidia.com/gpu``).
        self.mig_strategy: Literal["mixed", "single"] = "mixed"

    # -- registration ------------------------------------------------------------------------

    def add_device(
        self,
        device: str,
        *,
        resource_name: str = NVIDIA_GPU,
        partitions: Iterable[str | PartitionSpec] = (),
        vendor: str = "",
        description: str = "",
        node_label: str | None = None,
        partition_label: str | None = None,
        node_labels: Mapping[str, str] | None = None,
        tolerations: Iterable[Toleration] | None = None,
        partition_kind: PartitionKind = "other",
        plugin: str | None = None,
    ) -> DeviceSpec:
        """Register ``device`` with its Kubernetes resource name and legal partitions.

        ``partitions`` are names (``"1g.5gb"``; registered with ``partition_kind``) or
        :class:`PartitionSpec` objects. ``plugin`` defaults to the plugin whose hook is running.
        """
        owner = plugin or self._plugin or "(unknown plugin)"
        if not isinstance(device, str) or not _NAME.match(device):
            raise ValueError(f"plugin {owner!r}: invalid accelerator device name {device!r}")
        if not _RESOURCE.match(resource_name):
            raise ValueError(
                f"plugin {owner!r}: device {device!r}: invalid Kubernetes resource name "
                f"{resource_name!r}"
            )
        old = self._devices.get(device)
        if old is not None:
            raise DuplicateRegistrationError(
                f"accelerator device {device!r} is registered twice: by plugin {old.plugin!r} and "
                f"by plugin {owner!r}; add partitions with catalogue.add_partition() instead, or "
                "disable one plugin",
                plugin=owner,
            )
        spec = DeviceSpec(
            device=device,
            resource_name=resource_name,
            vendor=vendor,
            description=description,
            node_label=node_label,
            partition_label=partition_label,
            node_labels=dict(node_labels or {}),
            tolerations=tuple(tolerations) if tolerations is not None else None,
            plugin=owner,
        )
        self._devices[device] = spec
        self._partitions[device] = {}
        waiting = [p for d, p in self._pending if d == device]
        self._pending = [(d, p) for d, p in self._pending if d != device]
        for pending in waiting:
            self._add_partition_spec(device, pending, pending.plugin)
        for part in partitions:
            if isinstance(part, PartitionSpec):
                self._add_partition_spec(device, part, owner)
            else:
                self.add_partition(device, part, kind=partition_kind, plugin=owner)
        return spec

    def add_partition(
        self,
        device: str,
        partition: str,
        *,
        resource_name: str | None = None,
        kind: PartitionKind = "other",
        node_labels: Mapping[str, str] | None = None,
        plugin: str | None = None,
    ) -> PartitionSpec:
        """Declare ``partition`` legal for ``device``, which any plugin may register.

        The order of plugins does not matter: a partition of a device not registered yet waits
        for it; one whose device never comes is an error when the catalogue is complete
        (:meth:`finish`). For ``kind="mig"`` on an NVIDIA device the resource name defaults to
        ``nvidia.com/mig-<partition>``.
        """
        owner = plugin or self._plugin or "(unknown plugin)"
        spec = PartitionSpec(
            name=partition,
            resource_name=resource_name,
            kind=kind,
            node_labels=dict(node_labels) if node_labels is not None else None,
            plugin=owner,
        )
        if device not in self._devices:
            self._check_partition_name(device, spec)
            self._pending.append((device, spec))
            return spec
        return self._add_partition_spec(device, spec, owner)

    def finish(self) -> AcceleratorCatalogue:
        """End registration: a partition whose device nobody registered is an error."""
        if self._pending:
            device, spec = self._pending[0]
            raise UnknownAcceleratorError(
                f"plugin {spec.plugin!r} added partition {spec.name!r} to device {device!r}, "
                "which no plugin registers (catalogue.add_device)",
                rule="accelerator-device-known",
            )
        return self

    def _check_partition_name(self, device: str, spec: PartitionSpec) -> None:
        if not spec.name or not _NAME.match(spec.name):
            raise ValueError(
                f"plugin {spec.plugin!r}: device {device!r}: invalid partition name {spec.name!r}"
            )

    def _add_partition_spec(self, device: str, spec: PartitionSpec, owner: str) -> PartitionSpec:
        if not spec.plugin:
            spec = spec._replace(plugin=owner)
        self._check_partition_name(device, spec)
        dev = self._devices[device]
        if spec.resource_name is None and spec.kind == "mig" and dev.resource_name == NVIDIA_GPU:
            spec = spec._replace(resource_name=f"nvidia.com/mig-{spec.name}")
        parts = self._partitions[device]
        old = parts.get(spec.name)
        if old is not None:
            raise DuplicateRegistrationError(
                f"partition {spec.name!r} of accelerator device {device!r} is registered twice: "
                f"by plugin {old.plugin!r} and by plugin {spec.plugin!r}",
                plugin=spec.plugin,
            )
        parts[spec.name] = spec
        return spec

    # -- queries -----------------------------------------------------------------------------

    def __contains__(self, device: object) -> bool:
        return device in self._devices

    def __iter__(self) -> Iterator[DeviceSpec]:
        return iter(self._devices.values())

    def __len__(self) -> int:
        return len(self._devices)

    def device(self, device: str) -> DeviceSpec:
        """The :class:`DeviceSpec` of ``device`` (``UnknownAcceleratorError`` lists known ones)."""
        spec = self._devices.get(device)
        if spec is None:
            raise UnknownAcceleratorError(
                f"unknown accelerator device {device!r}; known devices: "
                f"{', '.join(sorted(self._devices)) or '(none)'}. A plugin can add it through "
                "the taskplug_register_accelerators hook (catalogue.add_device)",
                rule="accelerator-device-known",
            )
        return spec

    def partitions(self, device: str) -> Mapping[str, PartitionSpec]:
        """The legal partitions of ``device`` by name (empty for devices that cannot be split)."""
        self.device(device)
        return dict(self._partitions[device])

    def accelerator(self, device: str, partition: str | None = None) -> GPUAccelerator:
        """A checked :class:`GPUAccelerator` for a registered device (and partition)."""
        return self.resolve(GPUAccelerator(device, partition))

    def resolve(self, value: object) -> GPUAccelerator:
        """Normalize ``value`` (see :func:`to_accelerator`) and check device and partition.

        Raises ``TypeError`` for a value that is no accelerator and
        :class:`UnknownAcceleratorError` (a ``LookupError`` with a ``rule``) for an unknown device
        or a partition the device does not have.
        """
        acc = to_accelerator(value)
        self.device(acc.device)
        size = acc.partition_size
        if size is not None and size not in self._partitions[acc.device]:
            legal = sorted(self._partitions[acc.device])
            raise UnknownAcceleratorError(
                f"accelerator device {acc.device!r} has no partition {size!r}; "
                + (
                    f"legal partitions: {', '.join(legal)}" if legal else "it cannot be partitioned"
                ),
                rule="accelerator-partition-legal",
            )
        return acc

    def pod_requirements(self, accelerator: object, count: int = 1) -> PodRequirements:
        """What a pod needs for ``count`` of ``accelerator`` (resources, labels, tolerations).

        The device's node label (the catalogue's :attr:`device_node_label`, or the device's own)
        selects the device; a partition adds the partition label, as Flyte propeller does; an
        explicit ``unpartitioned`` request keeps the pod off partitioned nodes through a
        ``DoesNotExist`` node-affinity requirement on the partition label.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"accelerator count must be a whole number >= 1, got {count!r}")
        acc = self.resolve(accelerator)
        dev = self._devices[acc.device]
        node_label = dev.node_label or self.device_node_label
        partition_label = dev.partition_label or self.partition_node_label
        selector: dict[str, str] = {node_label: acc.device, **dev.node_labels}
        resource = dev.resource_name
        affinity: tuple[NodeSelectorRequirement, ...] = ()
        if acc.partition_size is not None:
            part = self._partitions[acc.device][acc.partition_size]
            if part.resource_name is not None and not (
                part.kind == "mig" and self.mig_strategy == "single"
            ):
                resource = part.resource_name
            if part.node_labels is not None:
                selector.update(part.node_labels)
            else:
                selector[partition_label] = part.name
        elif acc.is_unpartitioned:
            affinity = (NodeSelectorRequirement(partition_label, "DoesNotExist"),)
        return PodRequirements(
            resources={resource: str(count)},
            node_selector=selector,
            tolerations=dev.effective_tolerations(),
            node_affinity=affinity,
        )

    def __repr__(self) -> str:
        return f"<AcceleratorCatalogue {len(self._devices)} devices>"


# --------------------------------------------------------------------------------------------
# Building the catalogue from the plugins
# --------------------------------------------------------------------------------------------

_HOOK = "taskplug_register_accelerators"
_CACHE_ATTR = "_taskplug_accelerator_catalogue"


def build_catalogue(pm: TaskplugPluginManager) -> AcceleratorCatalogue:
    """Build a catalogue from every ``taskplug_register_accelerators`` implementation of ``pm``.

    Implementations run in pluggy order, one at a time, so that registrations (and duplicate
    errors) are attributed to the plugin that made them. An error raised by a plugin names it.
    """
    cat = AcceleratorCatalogue()
    for name, call in pm.hooks.each(_HOOK):
        cat._plugin = name
        try:
            call(catalogue=cat)
        finally:
            cat._plugin = ""
    return cat.finish()


def catalogue() -> AcceleratorCatalogue:
    """The accelerator catalogue of the current plugin manager, built on first use.

    Kept on the plugin manager itself, so :func:`taskplug.testing.fresh_plugin_manager` (or
    any replacement of the manager) gets a catalogue of its own; rebuilt as well when the set of
    ``taskplug_register_accelerators`` implementations changes.
    """
    from taskplug._manager import get_plugin_manager

    pm = get_plugin_manager()
    impls = getattr(pm.hook, _HOOK).get_hookimpls()
    cached: tuple[list[Any], AcceleratorCatalogue] | None = getattr(pm, _CACHE_ATTR, None)
    if cached is not None and cached[0] == impls:
        return cached[1]
    cat = build_catalogue(pm)
    setattr(pm, _CACHE_ATTR, (impls, cat))
    return cat
