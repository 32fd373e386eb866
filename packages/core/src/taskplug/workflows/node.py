"""Nodes: one call of a task or workflow inside a workflow, with its bindings and overrides.

While a workflow function runs to build its graph, every task or workflow call adds a
:class:`Node` (see :mod:`taskplug.workflows.state`) and returns promises for the node's outputs.
``t(x=1).with_overrides(...)`` changes the node, never the task.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from taskplug.resources import Cache, Resources
from taskplug.workflows.errors import WorkflowCompileError, WorkflowTypeError, where
from taskplug.workflows.metadata import (
    NodeMetadata,
    NodeOverrides,
    construct_node_metadata,
    dnsify,
    entity_kind,
    short_name,
)
from taskplug.workflows.promise import Promise, VoidPromise

if TYPE_CHECKING:
    from taskplug.workflows.bindings import Spec

__all__ = [
    "START_NODE_ID",
    "Node",
    "NodeMetadata",
    "NodeOverrides",
    "construct_node_metadata",
    "dnsify",
    "entity_kind",
    "node_of",
    "short_name",
]

#: Id of the node that stands for the workflow's inputs (flytekit 1.16's ``GLOBAL_INPUT_NODE_ID``).
START_NODE_ID = ""
_UNSET: Any = object()
_OVERRIDES = (
    "node_name, name, aliases, timeout, retries, interruptible, cache, cache_version, "
    "cache_serialize, requests, limits, resources, container_image, accelerator, "
    "shared_memory, pod_template"
)


class Node:
    """One call in a workflow: ``id``, the ``entity`` called, its ``inputs`` bindings.

    ``upstream`` lists the nodes it waits for (data dependencies, then ``runs_before``);
    ``outputs`` maps output names to promises (``node.o0`` works too).
    """

    __slots__ = (
        "_id",
        "_md",
        "_md_shared",
        "_outputs",
        "aliases",
        "entity",
        "index",
        "inputs",
        "overrides",
        "upstream",
        "workflow",
    )

    def __init__(
        self,
        node_id: str,
        entity: Any,
        *,
        index: int,
        workflow: str,
        metadata: NodeMetadata | None = None,
    ) -> None:
        self._id = node_id
        self.entity = entity
        self.index = index
        self.workflow = workflow
        self.inputs: list[tuple[str, Spec]] = []
        self.upstream: list[Node] = []
        if metadata is None:
            metadata = (
                construct_node_metadata(entity) if entity is not None else NodeMetadata("start")
            )
            self._md_shared = False
        else:
            self._md_shared = True  # copied on the first change (see ``metadata``)
        self._md = metadata
        self.overrides: NodeOverrides | None = None
        self.aliases: dict[str, str] | None = None
        self._outputs: tuple[Promise, ...] = ()

    @property
    def metadata(self) -> NodeMetadata:
        """The node's metadata (its own copy: changing it changes this node only)."""
        if self._md_shared:
            self._md = self._md.clone()
            self._md_shared = False
        return self._md

    @metadata.setter
    def metadata(self, value: NodeMetadata) -> None:
        self._md = value
        self._md_shared = False

    def metadata_for_reading(self) -> NodeMetadata:
        """The metadata without taking a copy (serialization reads it, never writes)."""
        return self._md

    @property
    def id(self) -> str:
        """The node id (``n0``…; DNS-safe after ``with_overrides(node_name=...)``)."""
        return self._id

    @property
    def name(self) -> str:
        """Same as :attr:`id` (flytekit's name)."""
        return self._id

    @property
    def flyte_entity(self) -> Any:
        """The task or workflow this node runs (flytekit's name)."""
        return self.entity

    @property
    def bindings(self) -> list[tuple[str, Spec]]:
        """``(input name, binding spec)`` sorted by input name."""
        return self.inputs

    @property
    def upstream_nodes(self) -> list[Node]:
        """The nodes this node waits for."""
        return self.upstream

    @property
    def outputs(self) -> dict[str, Promise]:
        """Output promises by name."""
        return {p.var: p for p in self._outputs}

    def describe_entity(self) -> str:
        """``task 'm.t'`` / ``workflow 'm.wf'``."""
        entity = self.entity
        if entity is None:
            return "the workflow's inputs"
        return f"{entity_kind(entity)} {entity.name!r}"

    def _where(self) -> str:
        return where(self.workflow, self._id, self.describe_entity())

    def __getattr__(self, name: str) -> Promise:
        if name.startswith("__"):
            raise AttributeError(name)
        for p in self._outputs:
            if p.var == name:
                return p
        names = ", ".join(p.var for p in self._outputs) or "none"
        raise AttributeError(f"{self._where()} has no output {name!r}; its outputs: {names}")

    def __repr__(self) -> str:
        return f"Node({self._id!r}, {self.describe_entity()})"

    # -- ordering ---------------------------------------------------------------------------

    def runs_before(self, other: Any) -> Any:
        """Make ``other`` (a node, promise or call result) wait for this node; returns it."""
        target = node_of(other)
        if target is None or target.index < 0:
            raise WorkflowCompileError(
                f"{self._where()}: runs_before()/>> needs a node or the result of a task or "
                f"workflow call, got {type(other).__name__}",
                workflow=self.workflow,
                node=self._id,
            )
        if target is self:
            raise WorkflowCompileError(
                f"{self._where()}: a node cannot run before itself",
                workflow=self.workflow,
                node=self._id,
            )
        if target.workflow != self.workflow:
            raise WorkflowCompileError(
                f"{self._where()}: runs_before() links nodes of the same workflow only "
                f"(the other node belongs to {target.workflow!r})",
                workflow=self.workflow,
                node=self._id,
            )
        if self not in target.upstream:
            target.upstream.append(self)
        return other

    def __rshift__(self, other: Any) -> Any:
        return self.runs_before(other)

    # -- overrides --------------------------------------------------------------------------

    def _refuse(self, what: str, why: str) -> WorkflowCompileError:
        return WorkflowCompileError(
            f"{self._where()}: override {what}= cannot apply: {why}",
            workflow=self.workflow,
            node=self._id,
        )

    def _task_only(self, what: str) -> None:
        from taskplug.tasks.base import PythonTask

        if not isinstance(self.entity, PythonTask):
            raise self._refuse(
                what,
                f"it sets what a task's container or pod gets, and this node runs "
                f"{self.describe_entity()}; set it on the tasks inside that workflow",
            )

    def with_overrides(
        self,
        *,
        node_name: str | None = None,
        aliases: dict[str, str] | None = None,
        requests: Resources | None = None,
        limits: Resources | None = None,
        resources: Resources | None = None,
        timeout: int | datetime.timedelta | None = _UNSET,
        retries: int | None = None,
        interruptible: bool | None = None,
        name: str | None = None,
        task_config: Any = None,
        container_image: str | None = None,
        accelerator: Any = None,
        shared_memory: bool | str | None = None,
        pod_template: Any = None,
        cache: bool | Cache | None = None,
        cache_version: str | None = None,
        cache_serialize: bool | None = None,
        **unknown: Any,
    ) -> Node:
        """Change this node (not the task): flytekit's ``with_overrides`` arguments.

        Each override is reflected in the compiled node or raises
        :class:`~taskplug.workflows.errors.WorkflowCompileError` saying why it cannot apply:
        ``node_name`` (the node id, made DNS-safe), ``name`` (metadata name), ``timeout``
        (seconds or a ``timedelta``; ``None`` removes it), ``retries``, ``interruptible``,
        ``cache`` / ``cache_version`` / ``cache_serialize``, ``aliases`` (output aliases);
        on task nodes only: ``requests``, ``limits``, ``resources`` (pairs allowed),
        ``container_image``, ``accelerator``, ``shared_memory`` and ``pod_template`` (needs a
        plugin implementing ``taskplug_node_pod_override``, e.g. ``taskplug-k8s-pod``).
        ``task_config`` is refused: it would change the task for every node that runs it.
        Calling ``with_overrides`` again adds to what was set before.
        """
        if unknown:
            raise WorkflowTypeError(
                f"{self._where()}: with_overrides() got unknown override(s) "
                f"{', '.join(map(repr, sorted(unknown)))}; the overrides are: {_OVERRIDES}",
                workflow=self.workflow,
                node=self._id,
            )
        if task_config is not None:
            raise self._refuse(
                "task_config",
                "a task's config belongs to the task (changing it here would change every node "
                "that runs the task); declare a second task with the other config",
            )
        if node_name is not None:
            self._set_node_name(node_name)
        if name is not None:
            if not isinstance(name, str) or not name:
                raise self._refuse("name", f"expected a non-empty str, got {name!r}")
            self.metadata.name = name
        if aliases is not None:
            self._set_aliases(aliases)
        if timeout is not _UNSET:
            self.metadata.timeout = self._timeout(timeout)
        if retries is not None:
            if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
                raise self._refuse("retries", f"expected a whole number >= 0, got {retries!r}")
            self.metadata.retries = retries
        if interruptible is not None:
            if not isinstance(interruptible, bool):
                raise self._refuse(
                    "interruptible", f"expected True or False, got {interruptible!r}"
                )
            self.metadata.interruptible = interruptible
        if cache is not None or cache_version is not None or cache_serialize is not None:
            self._set_cache(cache, cache_version, cache_serialize)
        if resources is not None:
            if requests is not None or limits is not None:
                raise self._refuse("resources", "pass resources= or requests=/limits=, not both")
            from taskplug.resources import ResourceSpec

            if not isinstance(resources, Resources):
                raise self._refuse("resources", f"expected Resources, got {resources!r}")
            spec = ResourceSpec.from_multiple_resource(resources)
            requests, limits = spec.requests, spec.limits
        task_level = {
            "requests": requests,
            "limits": limits,
            "container_image": container_image,
            "accelerator": accelerator,
            "shared_memory": shared_memory,
            "pod_template": pod_template,
        }
        if any(v is not None for v in task_level.values()):
            self._set_task_overrides(**task_level)
        return self

    def _set_node_name(self, node_name: str) -> None:
        if not isinstance(node_name, str) or not dnsify(node_name):
            raise self._refuse(
                "node_name", f"expected a name with letters or digits, got {node_name!r}"
            )
        self._id = dnsify(node_name)

    def _set_aliases(self, aliases: dict[str, str]) -> None:
        if not isinstance(aliases, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
        ):
            raise self._refuse("aliases", f"expected dict[str, str], got {aliases!r}")
        names = [p.var for p in self._outputs]
        unknown = [k for k in aliases if k not in names]
        if unknown:
            raise self._refuse(
                "aliases",
                f"{', '.join(map(repr, unknown))} is not an output; outputs: "
                f"{', '.join(names) or 'none'}",
            )
        self.aliases = {**(self.aliases or {}), **aliases}

    def _timeout(self, timeout: Any) -> datetime.timedelta | None:
        if timeout is None:
            return None
        if isinstance(timeout, datetime.timedelta):
            return timeout
        if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout >= 0:
            return datetime.timedelta(seconds=timeout)
        raise self._refuse("timeout", f"expected seconds (int) or a timedelta, got {timeout!r}")

    def _set_cache(self, cache: Any, version: str | None, serialize: bool | None) -> None:
        md = self.metadata
        if isinstance(cache, Cache):
            if version is not None or serialize is not None:
                raise self._refuse(
                    "cache", "with cache=Cache(...), set version and serialize on the Cache"
                )
            if not cache.version:
                raise self._refuse("cache", "Cache(version=...) needs a version")
            md.cacheable, md.cache_version, md.cache_serializable = (
                True,
                cache.version,
                cache.serialize,
            )
            return
        if cache is not None and not isinstance(cache, bool):
            raise self._refuse("cache", f"expected True, False or Cache(...), got {cache!r}")
        if cache is True and version is None and not md.cache_version:
            raise self._refuse(
                "cache", "cache=True needs a version: pass cache_version='1' or Cache(version='1')"
            )
        if cache is not None:
            md.cacheable = cache
        if version is not None:
            md.cache_version = str(version)
        if serialize is not None:
            md.cache_serializable = bool(serialize)

    def _set_task_overrides(self, **values: Any) -> None:
        for what, value in values.items():
            if value is not None:
                self._task_only(what)
        ov = self.overrides or NodeOverrides()
        for what in ("requests", "limits"):
            res = values[what]
            if res is None:
                continue
            if not isinstance(res, Resources):
                raise self._refuse(what, f"expected Resources, got {res!r}")
            if res.is_pair():
                raise self._refuse(what, "takes single values; use resources= for pairs")
            setattr(ov, what, res)
        if values["requests"] is not None:
            from taskplug.workflows.overrides import check_requests_fit

            check_requests_fit(self, values["requests"], ov)
        image = values["container_image"]
        if image is not None:
            if not isinstance(image, str) or not image.strip():
                raise self._refuse("container_image", f"expected an image name, got {image!r}")
            ov.container_image = image
        if values["accelerator"] is not None or values["shared_memory"] is not None:
            self._check_extended(ov, values["accelerator"], values["shared_memory"])
        if values["pod_template"] is not None:
            from taskplug.workflows.overrides import check_pod_override

            check_pod_override(self, values["pod_template"])
            ov.pod_template = values["pod_template"]
        self.overrides = ov

    def _check_extended(self, ov: NodeOverrides, accelerator: Any, shm: Any) -> None:
        from taskplug.errors import PolicyError
        from taskplug.workflows.overrides import extended_resources

        acc = accelerator if accelerator is not None else ov.accelerator
        mem = shm if shm is not None else ov.shared_memory
        try:
            extended_resources(self, acc, mem)
        except PolicyError as exc:
            what = "accelerator" if accelerator is not None else "shared_memory"
            raise self._refuse(what, str(exc)) from exc
        ov.accelerator, ov.shared_memory = acc, mem


def node_of(obj: Any) -> Node | None:
    """The node behind a node, promise, void promise or multi-output result (else ``None``)."""
    if isinstance(obj, Node):
        return obj
    if isinstance(obj, (Promise, VoidPromise)):
        return obj.node
    if isinstance(obj, tuple) and obj and isinstance(obj[0], Promise):
        return obj[0].node
    return None
