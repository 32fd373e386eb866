"""The failure handler of eager runs: terminate whatever a failed eager execution left running.

In a cluster, an eager task wrapped by ``get_as_workflow()`` has an
:class:`EagerFailureHandlerTask` as its workflow's failure node. It runs after the eager
execution failed (its parent may have been killed outright, with no chance to clean up) and
terminates every child that execution started and that is still running, looping every
:data:`CLEANUP_LOOP_DELAY_SECONDS` until none is left, as flytekit's handler does with the
executions it finds by their eager tag.

Here the children of the ``process`` backend are found by their markers under
``<blob_dir>/<root execution>/``; the root execution is ``$_F_EE_ROOT`` (set in every child)
or the handler's own execution id. Ray tasks need no handler: Ray ends the tasks of a driver
that dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskplug.resolver import TaskResolutionError
from taskplug.tasks.function import PythonAutoContainerTask
from taskplug.tasks.interface import Interface
from taskplug_eager.runtime import EAGER_ROOT_ENV_NAME

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug.context import ExecutionParameters
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = [
    "CLEANUP_LOOP_DELAY_SECONDS",
    "EAGER_ROOT_ENV_NAME",
    "EagerFailureHandlerTask",
    "EagerFailureTaskResolver",
    "eager_failure_task_resolver",
    "terminate_leftovers",
]

#: Seconds between two rounds of the handler's clean-up loop (as flytekit).
CLEANUP_LOOP_DELAY_SECONDS = 1


class EagerFailureTaskResolver:
    """Loads the failure handler in a container: ``-- eager failure handler`` (as flytekit)."""

    @property
    def location(self) -> str:
        """``taskplug_eager.failure.eager_failure_task_resolver``."""
        return f"{EagerFailureTaskResolver.__module__}.eager_failure_task_resolver"

    def name(self) -> str:
        """``eager_failure_task_resolver``."""
        return "eager_failure_task_resolver"

    def load_task(self, loader_args: list[str]) -> PythonTask[Any]:
        """A handler with no inputs (it needs none of the eager task's values to clean up)."""
        if list(loader_args) != ["eager", "failure", "handler"]:
            raise TaskResolutionError(
                f"resolver {self.name()} expects 'eager failure handler', got {loader_args!r}"
            )
        return EagerFailureHandlerTask(name="no_input_default_cleanup_task", inputs={})

    def loader_args(self, settings: SerializationSettings | None, t: PythonTask[Any]) -> list[str]:
        """``["eager", "failure", "handler"]``."""
        return ["eager", "failure", "handler"]

    def get_all_tasks(self) -> list[PythonTask[Any]]:
        """No tasks to list (handlers are made per eager task)."""
        return []


eager_failure_task_resolver = EagerFailureTaskResolver()


class EagerFailureHandlerTask(PythonAutoContainerTask[Any]):
    """Terminates the children a failed eager execution left running; echoes its inputs."""

    task_type = "eager_failure_handler_task"

    def __init__(
        self,
        name: str,
        container_image: str | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            task_type=self.task_type,
            name=name,
            task_config=None,
            interface=Interface(inputs=inputs or {}, outputs=None),
            container_image=container_image,
            task_resolver=eager_failure_task_resolver,
            **kwargs,
        )

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """Terminate the failed execution's leftover children; return the inputs unchanged.

        The inputs are not converted (in a container the handler does not know the eager
        task's Python types, and needs none of them).
        """
        from taskplug.context import current_execution
        from taskplug_eager.settings import EagerSettings

        execution_id = params.run_id if params is not None else None
        if execution_id is None:
            state = current_execution()
            execution_id = state.params.run_id if state is not None else ""
        root = os.environ.get(EAGER_ROOT_ENV_NAME) or execution_id
        terminate_leftovers(root, blob_dir=EagerSettings.from_env().blob_dir)
        return input_literal_map

    def execute(self, **kwargs: Any) -> Any:
        """Never called: :meth:`dispatch_execute` does the work."""
        raise AssertionError("EagerFailureHandlerTask does its work in dispatch_execute")


def _alive(marker: dict[str, Any]) -> bool:
    from taskplug_eager.backends.process import process_start_time

    pid = int(marker.get("pid", 0))
    if pid <= 0:
        return False
    started = process_start_time(pid)
    if started is None:
        return False
    return marker.get("start_time") in (None, started)


def terminate_leftovers(
    root_id: str,
    *,
    blob_dir: str | None = None,
    delay: float | None = None,
    max_rounds: int = 30,
) -> list[dict[str, Any]]:
    """Terminate every child of eager execution ``root_id`` still running; return their markers.

    Looks for ``child.json`` markers under ``<blob_dir>/<root_id>/`` (nested eager runs
    included), sends SIGTERM to each live child's process group, then SIGKILL from the third
    round on, every ``delay`` seconds (:data:`CLEANUP_LOOP_DELAY_SECONDS`), until none is
    left.
    """
    from taskplug_eager.backends.process import MARKER, default_blob_dir

    folder = Path(blob_dir or default_blob_dir()) / root_id
    pause = CLEANUP_LOOP_DELAY_SECONDS if delay is None else delay
    terminated: dict[str, dict[str, Any]] = {}
    for round_ in range(max_rounds):
        live = []
        for path in sorted(folder.glob(f"**/{MARKER}")) if folder.is_dir() else []:
            try:
                marker = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if _alive(marker):
                live.append(marker)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
        if not live:
            break
        sig = signal.SIGTERM if round_ < 2 else signal.SIGKILL
        for marker in live:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(marker["pid"]), sig)
            terminated[str(marker.get("execution_id"))] = marker
        time.sleep(pause)
    return list(terminated.values())


def as_workflow(task: Any) -> Any:
    """The eager task wrapped in a workflow with the failure handler as its failure node."""
    from taskplug.workflows.imperative import ImperativeWorkflow

    cleanup = EagerFailureHandlerTask(
        name=f"{task.name}-cleanup",
        container_image=task.container_image,
        inputs=task.python_interface.inputs,
    )
    wb = ImperativeWorkflow(name=task.name)
    kwargs = {}
    for name, python_type in task.python_interface.inputs.items():
        wb.add_workflow_input(name, python_type)
        kwargs[name] = wb.inputs[name]
    node = wb.add_entity(task, **kwargs)
    for name in task.python_interface.outputs:
        wb.add_workflow_output(name, node.outputs[name])
    wb.add_on_failure_handler(cleanup)
    return wb
