"""``map_task``: run a task once per item of list inputs (flytekit 1.16's ``ArrayNodeMapTask``).

::

    @workflow
    def prices(quantities: list[int], shipping: float) -> list[float]:
        fixed = functools.partial(total, shipping=shipping)      # a bound input
        return map_task(fixed, concurrency=4)(quantity=quantities)

``map_task(t)`` is a task whose inputs are lists of ``t``'s inputs (except those bound with
``functools.partial``, which keep their type) and whose output is the list of ``t``'s outputs,
in input order (``list[Optional[T]]`` when ``min_success_ratio`` is below 1: failed items
become ``None``). In a workflow it is an ``ArrayNode`` wrapping a node that runs the map task's
template, written exactly as flytekit writes both; in a container, ``taskplug-execute`` runs one
item (the array index comes from the environment, as ``pyflyte-map-execute`` reads it).

Run locally, the items run in parallel on a bounded pool of threads (``concurrency`` of them,
by default as many as :class:`concurrent.futures.ThreadPoolExecutor` would start): calls that
wait — on I/O, a subprocess, a service — overlap; pure-Python computation is still limited by
the interpreter lock. The outputs keep the order of the inputs whatever the finishing order,
and failures are counted as flytekit counts them (see :meth:`ArrayNodeMapTask.execute`).
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import TYPE_CHECKING, Any

from taskplug.tasks.base import PythonTask
from taskplug.tasks.interface import Interface
from taskplug.workflows.array_wire import (
    FULL_STATE,
    MINIMAL_STATE,
    ArrayNodeMapTaskResolver,
    ArrayNodeWire,
    array_index,
    array_node_map_task_resolver,
    map_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from flyteidl.core import literals_pb2

    from taskplug.context import ExecutionParameters

__all__ = [
    "ArrayNodeMapTask",
    "ArrayNodeMapTaskResolver",
    "array_index",
    "array_node_map_task",
    "array_node_map_task_resolver",
    "map_task",
]


def _mappable(task: object) -> str | None:
    """Why ``task`` cannot be mapped (``None`` when it can), as flytekit decides."""
    from taskplug.tasks.function import (
        AsyncPythonFunctionTask,
        PythonFunctionTask,
        PythonInstanceTask,
    )

    if isinstance(task, AsyncPythonFunctionTask):
        return "an async task (async def)"
    if isinstance(task, PythonFunctionTask):
        if task.execution_mode is not PythonFunctionTask.ExecutionBehavior.DEFAULT:
            return f"a {task.execution_mode.name.lower()} task"
        return None
    if isinstance(task, PythonInstanceTask):
        return None
    return f"a {type(task).__name__}" if task is not None else "None"


def list_interface(
    iface: Interface, bound: set[str], *, optional_outputs: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """flytekit's ``transform_interface_to_list_interface``: unbound inputs and the outputs
    become lists (``list[Optional[T]]`` outputs when failures are allowed)."""

    def to_lists(m: dict[str, Any], keep: set[str], optional: bool) -> dict[str, Any]:
        if all(v is list for k, v in m.items() if k not in keep):
            return dict(m)  # flytekit keeps a mapping whose types are all bare `list`
        return {
            k: v if k in keep else list.__class_getitem__((v | None) if optional else v)
            for k, v in m.items()
        }

    return to_lists(iface.inputs, bound, False), to_lists(iface.outputs, set(), optional_outputs)


class ArrayNodeMapTask(ArrayNodeWire, PythonTask[Any]):
    """A task run once per item of its list inputs (what :func:`map_task` returns).

    ``python_function_task`` is a ``@task`` (not dynamic, eager or async), an instance task, or
    a ``functools.partial`` of one binding some inputs by keyword (values or, in a workflow,
    promises). ``concurrency``: how many items run at once (``None``: the workflow's setting in
    a cluster; locally, a default pool size; ``0``: unbounded in a cluster). ``min_success_ratio``
    (0 to 1): the share of items that must succeed; the others' outputs are ``None``.
    """

    def __init__(
        self,
        python_function_task: Any,
        concurrency: int | None = None,
        min_successes: int | None = None,
        min_success_ratio: float | None = None,
        bound_inputs: set[str] | None = None,
        bound_inputs_values: dict[str, Any] | None = None,
        run_all_sub_nodes: bool = False,
    ) -> None:
        self._partial: functools.partial[Any] | None = None
        target = python_function_task
        if isinstance(target, functools.partial):
            self._partial = target
            target = target.func
        why = _mappable(target)
        label = getattr(target, "name", None) or repr(target)
        if why is not None:
            raise ValueError(
                f"map_task({label!r}): only a @task (not @dynamic, @eager or async) or an "
                f"instance task can be mapped, got {why}"
            )
        if self._partial is not None and self._partial.args:
            raise ValueError(
                f"map_task({label!r}): functools.partial binds inputs by keyword only "
                f"(got {len(self._partial.args)} positional argument(s))"
            )
        inner_iface = target.python_interface
        if len(inner_iface.outputs) > 1:
            raise ValueError(
                f"map_task({label!r}): only tasks with at most one output can be mapped, "
                f"it has {len(inner_iface.outputs)} ({', '.join(inner_iface.outputs)})"
            )
        _check_settings(label, concurrency, min_successes, min_success_ratio)
        if bound_inputs and bound_inputs_values and set(bound_inputs) != set(bound_inputs_values):
            raise ValueError(
                f"map_task({label!r}): bound_inputs and bound_inputs_values must name the "
                "same inputs"
            )
        bound = set(bound_inputs or ())
        if self._partial is not None:
            bound.update(self._partial.keywords)
        self._bound_values = dict(bound_inputs_values or {})
        bound.update(self._bound_values)
        unknown = sorted(bound - set(inner_iface.inputs))
        if unknown:
            raise ValueError(
                f"map_task({label!r}): bound input(s) {', '.join(map(repr, unknown))} are not "
                f"inputs of the task; its inputs: {', '.join(inner_iface.inputs) or 'none'}"
            )
        optional_out = (
            min_success_ratio is not None
            and min_success_ratio != 1
            and len(inner_iface.outputs) == 1
        )
        inputs, outputs = list_interface(inner_iface, bound, optional_outputs=optional_out)
        # The bound values are the defaults of their inputs, so every way of adding a node
        # (a call, create_node, ImperativeWorkflow.add_entity) passes them.
        fixed = {**(self._partial.keywords if self._partial is not None else {})}
        fixed.update(self._bound_values)
        self._run_task = target
        self._bound = bound
        self._concurrency = concurrency
        self._min_successes = min_successes
        self._min_success_ratio = min_success_ratio
        self._run_all_sub_nodes = run_all_sub_nodes
        from taskplug.tasks.function import PythonFunctionTask, PythonInstanceTask

        self._execution_mode = (
            MINIMAL_STATE
            if type(python_function_task) in (PythonFunctionTask, PythonInstanceTask)
            or (
                self._partial is not None
                and type(self._partial.func) in (PythonFunctionTask, PythonInstanceTask)
            )
            else FULL_STATE
        )
        super().__init__(
            target.task_type,
            map_name(target, bound, concurrency, min_successes, min_success_ratio),
            None,
            Interface(inputs, outputs, defaults=fixed),
            metadata=target.metadata,
            environment=target.environment,
            requests=target.requests,
            limits=target.limits,
            secret_requests=target.secret_requests,
            accelerator=target.accelerator,
            shared_memory=target.shared_memory,
            pod_template=target.pod_template,
            enable_deck=target.enable_deck,
            docs=target.docs,
            task_type_version=1,
            pickle_untyped=target.pickle_untyped,
        )

    # -- flytekit's properties ---------------------------------------------------------------

    @property
    def python_function_task(self) -> Any:
        """The task that runs for each item."""
        return self._run_task

    @property
    def bound_inputs(self) -> set[str]:
        """The inputs that are not mapped over (bound by ``functools.partial`` or by name)."""
        return self._bound

    @property
    def concurrency(self) -> int | None:
        """How many items run at once (``None``: not limited by the task)."""
        return self._concurrency

    @property
    def min_successes(self) -> int | None:
        """The number of items that must succeed (flytekit's ``map_task`` never sets it)."""
        return self._min_successes

    @property
    def min_success_ratio(self) -> float | None:
        """The share of items that must succeed."""
        return self._min_success_ratio

    @property
    def run_all_sub_nodes(self) -> bool:
        """Whether every item runs even after too many failed (in a cluster)."""
        return self._run_all_sub_nodes

    @property
    def execution_mode(self) -> int:
        """flyteidl ``ArrayNode.ExecutionMode``: minimal state for plain function/instance tasks."""
        return self._execution_mode

    @property
    def is_original_sub_node_interface(self) -> bool:
        """``False``: the sub-node runs this task's (list) interface, as flytekit writes it."""
        return False

    # -- calls -----------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Map over the list inputs; the inputs bound by ``functools.partial`` (the defaults of
        those inputs) are added, and ``bound_inputs_values`` win over arguments (as flytekit)."""
        if self._bound_values:
            kwargs.update(self._bound_values)
        return super().__call__(*args, **kwargs)

    def execute(self, **kwargs: Any) -> Any:
        """Run the task for every item, in parallel; the outputs in input order.

        As flytekit: the number of items is the length of the first mapped input; at least
        ``min_successes`` (or ``ceil(n * min_success_ratio)``, else all) items must succeed.
        Looking at the items in input order, the failure that leaves too few possible successes
        is raised (the items not started yet are cancelled); the outputs of failed items that
        are allowed to fail are ``None``.
        """
        from taskplug.workflows.array_run import run_items

        inner = self._run_task
        mapped = [k for k in inner.python_interface.inputs if k not in self._bound]
        counts = {k: len(kwargs[k]) for k in mapped}
        n = counts[mapped[0]] if mapped else 0
        if len(set(counts.values())) > 1:
            raise ValueError(
                f"map task {self.name!r}: the mapped inputs have different lengths ("
                + ", ".join(f"{k}: {c}" for k, c in counts.items())
                + "); give every mapped input one item per run"
            )
        need = n
        if self._min_successes:
            need = self._min_successes
        elif self._min_success_ratio:
            need = math.ceil(n * self._min_success_ratio)

        def items() -> Iterator[dict[str, Any]]:
            for i in range(n):
                yield {k: (kwargs[k][i] if k in counts else kwargs[k]) for k in kwargs}

        outputs = run_items(
            inner.execute,
            items(),
            n=n,
            need=need,
            workers=self._concurrency,
            label=f"map task {self.name!r}",
        )
        return outputs if inner.python_interface.outputs else None

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """Locally: every item. In a container (``taskplug-execute``): the one item whose index
        the environment gives (``BATCH_JOB_ARRAY_INDEX_VAR_NAME``, ``…_OFFSET``), whose outputs
        are the task's own (Flyte gathers them into the lists)."""
        if mode != "container":
            return super().dispatch_execute(input_literal_map, params=params, mode=mode)
        single = self._element_inputs(input_literal_map, array_index())
        out: literals_pb2.LiteralMap = self._run_task.dispatch_execute(
            single, params=params, mode=mode
        )
        return out

    def _element_inputs(self, lm: literals_pb2.LiteralMap, index: int) -> literals_pb2.LiteralMap:
        from flyteidl.core.literals_pb2 import LiteralMap

        single = LiteralMap()
        lits = lm.literals
        for k in self._run_task.python_interface.inputs:
            if k not in lits:
                raise ValueError(f"map task {self.name!r}: input {k!r} is missing from inputs.pb")
            value = lits[k]
            if k in self._bound:
                single.literals[k].CopyFrom(value)
                continue
            if value.WhichOneof("value") != "collection":
                raise ValueError(
                    f"map task {self.name!r}: input {k!r} must be a list (a collection "
                    "literal) to take one item from"
                )
            items = value.collection.literals
            if not 0 <= index < len(items):
                raise IndexError(
                    f"map task {self.name!r}: array index {index} is out of range for input "
                    f"{k!r} ({len(items)} items)"
                )
            single.literals[k].CopyFrom(items[index])
        return single


def _check_settings(
    label: str, concurrency: Any, min_successes: Any, min_success_ratio: Any
) -> None:
    if concurrency is not None and (
        isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 0
    ):
        raise ValueError(
            f"map_task({label!r}): concurrency must be a whole number >= 0 (0: unbounded) or "
            f"None, got {concurrency!r}"
        )
    if min_successes is not None and (
        isinstance(min_successes, bool) or not isinstance(min_successes, int) or min_successes < 0
    ):
        raise ValueError(
            f"map_task({label!r}): min_successes must be a whole number >= 0, got {min_successes!r}"
        )
    if min_success_ratio is not None and (
        isinstance(min_success_ratio, bool)
        or not isinstance(min_success_ratio, (int, float))
        or not 0 <= min_success_ratio <= 1
    ):
        raise ValueError(
            f"map_task({label!r}): min_success_ratio must be a number from 0 to 1, got "
            f"{min_success_ratio!r}"
        )


def map_task(
    target: Any,
    concurrency: int | None = None,
    min_successes: int | None = None,
    min_success_ratio: float = 1.0,
    run_all_sub_nodes: bool = False,
    **kwargs: Any,
) -> ArrayNodeMapTask:
    """Map ``target`` (a task, or a ``functools.partial`` of one) over list inputs.

    ``map_task(t)(x=[1, 2, 3])`` runs ``t`` three times and returns the list of its outputs. In a
    workflow it becomes an ``ArrayNode``. ``concurrency`` limits the items running at once;
    ``min_success_ratio`` below 1 lets that share of items fail (their outputs are ``None``; the
    output type is then ``list[Optional[T]]``). ``min_successes`` is accepted and ignored, as
    flytekit 1.16 ignores it for tasks (a warning says so).
    """
    if kwargs:
        raise TypeError(
            f"map_task() got unexpected keyword argument(s) {', '.join(map(repr, sorted(kwargs)))}"
        )
    if min_successes is not None:
        warnings.warn(
            "map_task(min_successes=...) is ignored for tasks, as in flytekit 1.16; use "
            "min_success_ratio",
            UserWarning,
            stacklevel=2,
        )
    return ArrayNodeMapTask(
        target,
        concurrency=concurrency,
        min_success_ratio=min_success_ratio,
        run_all_sub_nodes=run_all_sub_nodes,
    )


#: flytekit's name for the same thing.
array_node_map_task = map_task
