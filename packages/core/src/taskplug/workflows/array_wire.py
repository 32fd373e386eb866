"""How a map task is written and found again: its template, its ``ArrayNode``, its resolver.

:class:`ArrayNodeWire` (a base of :class:`~taskplug.workflows.array_node.ArrayNodeMapTask`)
writes the map task's template as flytekit does — the mapped task's own template (custom,
config, container or pod, SQL, extended resources) with list inputs and the map command,
``taskplug-execute … --resolver …ArrayNodeMapTaskResolver -- vars B resolver R <R's args>`` —
and the workflow node as an ``ArrayNode`` around a node that runs it. In a container,
:class:`ArrayNodeMapTaskResolver` rebuilds the map task and :func:`array_index` says which
item to run, as flytekit's ``pyflyte-map-execute`` computes it.
"""

from __future__ import annotations

import hashlib
import os
import typing
from typing import TYPE_CHECKING, Any

from taskplug.resolver import entrypoint_command
from taskplug.tasks.base import PythonTask
from taskplug.workflows.metadata import NodeMetadata

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2, workflow_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.workflows.array_node import ArrayNodeMapTask
    from taskplug.workflows.node import Node
    from taskplug.workflows.serialize import Registrable

__all__ = [
    "FULL_STATE",
    "MINIMAL_STATE",
    "ArrayNodeMapTaskResolver",
    "ArrayNodeWire",
    "array_index",
    "array_node_map_task_resolver",
    "map_name",
]

#: flyteidl ``ArrayNode.ExecutionMode``.
MINIMAL_STATE, FULL_STATE = 0, 1


class ArrayNodeWire:
    """The serialization side of a map task (mixed into ``ArrayNodeMapTask``)."""

    name: str
    _run_task: Any
    _bound: set[str]
    _concurrency: int | None
    _min_success_ratio: float | None
    _run_all_sub_nodes: bool
    _execution_mode: int

    def get_command(self, settings: SerializationSettings) -> list[str]:
        """``taskplug-execute … --resolver …ArrayNodeMapTaskResolver -- vars B resolver R …``."""
        return entrypoint_command(array_node_map_task_resolver, settings, self)

    def _with_map_command(self, section: str, settings: SerializationSettings) -> Any:
        inner = self._run_task
        inner.set_command_fn(self.get_command)
        try:
            return getattr(inner, f"get_{section}")(settings)
        finally:
            inner.reset_command_fn()

    def get_custom(self, settings: SerializationSettings) -> dict[str, Any] | None:
        """The mapped task's ``custom`` (or ``{}``)."""
        return self._run_task.get_custom(settings) or {}

    def get_config(self, settings: SerializationSettings) -> dict[str, str] | None:
        """The mapped task's ``config``."""
        answer: dict[str, str] | None = self._run_task.get_config(settings)
        return answer

    def get_container(self, settings: SerializationSettings) -> tasks_pb2.Container | None:
        """The mapped task's container, running the map command."""
        answer: tasks_pb2.Container | None = self._with_map_command("container", settings)
        return answer

    def get_k8s_pod(self, settings: SerializationSettings) -> tasks_pb2.K8sPod | None:
        """The mapped task's pod, running the map command."""
        answer: tasks_pb2.K8sPod | None = self._with_map_command("k8s_pod", settings)
        return answer

    def get_sql(self, settings: SerializationSettings) -> tasks_pb2.Sql | None:
        """The mapped task's SQL target."""
        answer: tasks_pb2.Sql | None = self._with_map_command("sql", settings)
        return answer

    def get_extended_resources(
        self, settings: SerializationSettings
    ) -> tasks_pb2.ExtendedResources | None:
        """The mapped task's accelerator and shared memory."""
        answer: tasks_pb2.ExtendedResources | None = self._run_task.get_extended_resources(settings)
        return answer

    def construct_node_metadata(self) -> NodeMetadata:
        """The array node's metadata: the map task's full name only (as flytekit)."""
        return NodeMetadata(self.name)

    def sub_node_metadata(self) -> NodeMetadata:
        """The metadata of the node inside the array node: the task's timeout, retries and
        interruptible, named with the map task's full name."""
        md = PythonTask.construct_node_metadata(typing.cast("PythonTask[Any]", self))
        md.name = self.name
        return md

    def fill_workflow_node(
        self,
        msg: workflow_pb2.Node,
        node: Node,
        reg: Registrable,
        subs: dict[str, Any],
    ) -> None:
        """Write ``array_node`` (a sub-node running this task) as flytekit's translator does."""
        from taskplug.workflows.overrides import fill_task_node_overrides

        spec = reg.task(typing.cast("PythonTask[Any]", self))
        # As flytekit: metadata overrides of the node (retries, timeout, name, cache…) apply to
        # the sub-node; the array node keeps the map task's name only.
        base = NodeMetadata(self.name)
        overridden = node.metadata_for_reading()
        inner = self.sub_node_metadata()
        for field in NodeMetadata.__slots__:
            value = getattr(overridden, field)
            if value != getattr(base, field):
                setattr(inner, field, value)
        msg.metadata.Clear()
        base.fill(msg.metadata)
        array = msg.array_node
        sub = array.node
        sub.id = self.name
        inner.fill(sub.metadata)
        sub.inputs.extend(msg.inputs)
        task_node = sub.task_node
        task_node.reference_id.CopyFrom(spec.template.id)
        fill_task_node_overrides(task_node.overrides, node, reg.settings)
        if self._concurrency is not None:
            array.parallelism = self._concurrency
        if self._min_success_ratio is not None:
            array.min_success_ratio = self._min_success_ratio
        array.execution_mode = self._execution_mode
        array.is_original_sub_node_interface.SetInParent()
        array.bound_inputs.extend(sorted(self._bound))
        if self._run_all_sub_nodes:
            array.run_all_sub_nodes = True


def map_name(task: Any, bound: set[str], concurrency: Any, min_successes: Any, ratio: Any) -> str:
    """``<module>.map_<function>_<md5>-arraynode``, flytekit's name for the map task."""
    from taskplug.tasks.function import PythonInstanceTask

    if isinstance(task, PythonInstanceTask):
        module, function = task.task_type, task.lhs
    else:
        module, _, function = task.name.rpartition(".")
    key = f"{','.join(sorted(bound))}{concurrency}{min_successes}{ratio}"
    digest = hashlib.md5(key.encode("utf-8")).hexdigest()
    return f"{module}.map_{function}_{digest}-arraynode"


def array_index() -> int:
    """The item a container runs: ``$BATCH_JOB_ARRAY_INDEX_OFFSET`` plus the value of the
    variable that ``$BATCH_JOB_ARRAY_INDEX_VAR_NAME`` names (as flytekit computes it)."""
    offset = int(os.environ.get("BATCH_JOB_ARRAY_INDEX_OFFSET", "0") or 0)
    var = os.environ.get("BATCH_JOB_ARRAY_INDEX_VAR_NAME", "0")
    return offset + int(os.environ.get(var, "0") or 0)


class ArrayNodeMapTaskResolver:
    """Loads a map task in its container: ``vars B resolver R <R's arguments>``.

    ``B`` lists the bound inputs (comma-separated), ``R`` is the mapped task's own resolver; the
    map task is rebuilt around the task ``R`` loads (as flytekit's resolver of the same name).
    """

    @property
    def location(self) -> str:
        """``taskplug.workflows.array_node.ArrayNodeMapTaskResolver``."""
        return "taskplug.workflows.array_node.ArrayNodeMapTaskResolver"

    def name(self) -> str:
        """The resolver's location (flytekit's resolver answers its class path too)."""
        return self.location

    def loader_args(self, settings: Any, task: Any) -> list[str]:
        """``["vars", "a,b", "resolver", R, *R.loader_args(inner)]``."""
        inner = task.python_function_task
        resolver = inner.task_resolver
        return [
            "vars",
            ",".join(sorted(task.bound_inputs)),
            "resolver",
            resolver.location,
            *resolver.loader_args(settings, inner),
        ]

    def load_task(self, loader_args: list[str]) -> ArrayNodeMapTask:
        """The map task of the task the inner resolver loads."""
        from taskplug.resolver import TaskResolutionError, load_resolver

        if len(loader_args) < 4 or loader_args[0] != "vars" or loader_args[2] != "resolver":
            raise TaskResolutionError(
                f"resolver {self.location} expects 'vars B resolver R <R's arguments>', got "
                f"{loader_args!r}"
            )
        bound = {v for v in loader_args[1].split(",") if v}
        inner = load_resolver(loader_args[3]).load_task(list(loader_args[4:]))
        from taskplug.workflows.array_node import ArrayNodeMapTask

        return ArrayNodeMapTask(inner, bound_inputs=bound)


#: The resolver instance map tasks write into their command.
array_node_map_task_resolver = ArrayNodeMapTaskResolver()
