"""The ``ray`` backend: each child is a Ray task; inputs and outputs travel as literal bytes.

Without ``ray_address`` it uses the Ray runtime this process already has (``ray.init`` called
by you), or starts a local one (``options={"ray_init": {...}}`` are passed to ``ray.init``).
With ``ray_address`` (``"auto"``, ``"host:port"``, ``"ray://host:port"``) it connects to an
existing cluster: the address is probed first, and reaching it takes at most
``connect_timeout`` seconds, else :class:`~taskplug_eager.errors.BackendUnavailableError`.

At most ``concurrency`` tasks are in flight per run. A cancelled child is cancelled in Ray with
``force=True`` (its worker process is killed) and awaited until Ray confirms it ended. Ray is
imported only here (``pip install 'taskplug-eager[ray]'``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from typing import TYPE_CHECKING, Any

from taskplug_eager.backends import Backend, ChildCall
from taskplug_eager.errors import (
    BackendUnavailableError,
    EagerChildSystemError,
    error_from_document,
)

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug_eager.settings import EagerSettings

__all__ = ["RayBackend", "import_ray", "probe_address"]


def import_ray() -> Any:
    """``import ray``, or a clear error naming the extra to install."""
    try:
        import ray
    except ImportError as exc:
        raise BackendUnavailableError(
            "the eager backend 'ray' needs Ray, which is not installed: "
            "pip install 'taskplug-eager[ray]'"
        ) from exc
    return ray


def _host_port(address: str) -> tuple[str, int] | None:
    text = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]") or "127.0.0.1", int(port)


def _resolve_auto() -> str | None:
    """The address ``"auto"`` means: ``$RAY_ADDRESS``, else the local cluster's file."""
    env = os.environ.get("RAY_ADDRESS")
    if env and env != "auto":
        return env
    try:
        with open("/tmp/ray/ray_current_cluster", encoding="utf-8") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def probe_address(address: str, timeout: float) -> None:
    """Open and close a TCP connection to the cluster's address, within ``timeout`` seconds."""
    actual = _resolve_auto() if address == "auto" else address
    if actual is None:
        raise BackendUnavailableError(
            "eager backend 'ray': ray_address='auto' but no running Ray cluster was found "
            "($RAY_ADDRESS is unset and /tmp/ray/ray_current_cluster does not exist); start one "
            "with `ray start --head` or give its address"
        )
    target = _host_port(actual)
    if target is None:
        raise BackendUnavailableError(
            f"eager backend 'ray': cannot read host:port from ray_address={address!r}"
        )
    try:
        with socket.create_connection(target, timeout=timeout):
            pass
    except OSError as exc:
        raise BackendUnavailableError(
            f"eager backend 'ray': the Ray cluster at {actual!r} cannot be reached within "
            f"{timeout:g} s ({type(exc).__name__}: {exc}); check the address and that the "
            "cluster is running (`ray status`)"
        ) from exc


class RayBackend(Backend):
    """Each child a Ray task (``ray.remote``), literal bytes in and out."""

    name = "ray"

    def __init__(self, settings: EagerSettings) -> None:
        super().__init__(settings)
        self._remote: Any = None
        self._limit: asyncio.Semaphore | None = None

    async def start(self) -> None:
        """Connect to (or start) Ray within ``connect_timeout``; prepare the remote function."""
        ray = import_ray()
        if not ray.is_initialized():
            self._connect(ray)  # in this thread: Ray installs signal handlers in the main one
        from taskplug_eager.backends.ray_worker import run_child

        self._remote = ray.remote(run_child).options(num_cpus=1, max_retries=0)

    def _connect(self, ray: Any) -> None:
        settings = self.settings
        address = settings.ray_address
        init: dict[str, Any] = dict(settings.options.get("ray_init", {}))
        init.setdefault("log_to_driver", False)
        if address is None:
            paths = [p for p in sys.path if p and os.path.isdir(p)]
            init.setdefault(
                "runtime_env", {"env_vars": {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}}
            )
            init.setdefault("include_dashboard", False)
        else:
            probe_address(address, settings.connect_timeout)
            init["address"] = address
        try:
            ray.init(**init)
        except Exception as exc:
            raise BackendUnavailableError(
                f"eager backend 'ray': ray.init(address={address!r}) failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    async def run(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """Submit the child as a Ray task and await it; cancel it in Ray when cancelled."""
        if self._limit is None:
            self._limit = asyncio.Semaphore(self.settings.concurrency)
        async with self._limit:
            return await self._submit(call)

    async def run_unlimited(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """A blocking call (on the helper loop): no semaphore, it belongs to the run's loop."""
        return await self._submit(call)

    async def _submit(self, call: ChildCall) -> literals_pb2.LiteralMap:
        from taskplug_eager.settings import settings_to_json

        ray = import_ray()
        task: Any = call.task
        resolver = getattr(task, "task_resolver", None)
        if resolver is None:
            raise TypeError(
                f"task {task.name!r} ({type(task).__name__}) cannot run on the ray backend: it "
                "has no task resolver to load it in a worker"
            )
        execution = call.execution
        ref = self._remote.remote(
            resolver.location,
            resolver.loader_args(call.serialization_settings, task),
            call.inputs.SerializeToString(),
            settings_to_json(call.settings),
            execution.execution_id,
            call.root_id,
        )
        execution.mark_running()
        execution.details["ray_task_id"] = ref.task_id().hex()
        try:
            ok, payload, type_name, nested = await ref
        except asyncio.CancelledError:
            ray.cancel(ref, force=True)
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(
                    asyncio.wrap_future(ref.future()), self.settings.terminate_grace + 10
                )
            raise
        except ray.exceptions.RayError as exc:
            err = EagerChildSystemError(
                f"child {execution.execution_id} of task {task.name!r} failed in Ray: "
                f"{type(exc).__name__}: {exc}"
            )
            err.execution = execution
            raise err from exc
        if nested:
            import json

            from taskplug_eager.record import RunRecord

            execution.run = RunRecord.from_dict(json.loads(nested))
        if ok:
            from flyteidl.core import literals_pb2

            return literals_pb2.LiteralMap.FromString(payload)
        from flyteidl.core import errors_pb2

        doc = errors_pb2.ErrorDocument.FromString(payload)
        raise error_from_document(doc, task=task.name, execution=execution, type_name=type_name)
