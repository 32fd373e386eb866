"""The ``process`` backend: each child is a ``taskplug-execute`` subprocess, as a cluster runs it.

For each child the backend writes ``inputs.pb`` under ``<blob_dir>/<root id>/<child id>/``,
starts ``taskplug-execute --inputs … --output-prefix …/outputs --resolver R -- loader args``
(the command of the task's template) in a session of its own, and reads ``outputs.pb`` or
``error.pb``. At most ``concurrency`` children run at once. A child's environment carries the
parent's settings and version (``TASKPLUG_EAGER_SETTINGS``, ``FLYTE_INTERNAL_TASK_VERSION``),
its execution id and the root execution (``_F_EE_ROOT``), and the parent's ``sys.path`` as
``PYTHONPATH`` (as the image would have the code).

Terminating a child sends SIGTERM to its process group, then SIGKILL after
``terminate_grace`` seconds. A marker ``child.json`` (pid and start time) stays while the child
runs, so :class:`~taskplug_eager.failure.EagerFailureHandlerTask` can terminate children a
killed parent left behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any

from taskplug.execute.storage import write_atomic
from taskplug_eager.backends import Backend, ChildCall
from taskplug_eager.errors import (
    BackendUnavailableError,
    CallTimeoutExpired,
    error_from_document,
    signal_error,
)
from taskplug_eager.runtime import EAGER_ROOT_ENV_NAME

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug_eager.settings import EagerSettings

__all__ = [
    "MARKER",
    "RECORD_FILE",
    "ProcessBackend",
    "default_blob_dir",
    "process_start_time",
]

#: The file that marks a running child (removed when it ends).
MARKER = "child.json"
#: Where a nested eager run leaves its record (under its output prefix).
RECORD_FILE = "eager-run.json"


def default_blob_dir() -> str:
    """``<tmp>/taskplug-eager``: where children's files go unless ``blob_dir`` says otherwise."""
    return os.path.join(tempfile.gettempdir(), "taskplug-eager")


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of process ``pid`` (Linux ``/proc``), to tell a reused pid."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[19] if len(fields) > 19 else None


def _execute_command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "taskplug-execute")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-m", "taskplug.execute"]


class _Child:
    """One subprocess child: launched in a worker thread, terminable from any thread."""

    def __init__(self, call: ChildCall, backend: ProcessBackend) -> None:
        self.call = call
        self.backend = backend
        self.dir = os.path.join(backend.blob_root(), call.root_id, call.execution.execution_id)
        self.out = os.path.join(self.dir, "outputs")
        self.proc: subprocess.Popen[bytes] | None = None
        self.cancelled = False
        self.lock = threading.Lock()

    def command(self) -> list[str]:
        task: Any = self.call.task
        resolver = getattr(task, "task_resolver", None)
        if resolver is None:
            raise TypeError(
                f"task {task.name!r} ({type(task).__name__}) cannot run on the process backend: "
                "it has no task resolver, so taskplug-execute could not load it"
            )
        return [
            *_execute_command(),
            "--inputs",
            os.path.join(self.dir, "inputs.pb"),
            "--output-prefix",
            self.out,
            "--raw-output-data-prefix",
            os.path.join(self.dir, "raw"),
            "--resolver",
            resolver.location,
            "--",
            *resolver.loader_args(self.call.serialization_settings, task),
        ]

    def environment(self) -> dict[str, str]:
        from taskplug_eager.settings import (
            ENV_SETTINGS,
            SERIALIZED_CONTEXT_ENV_VAR,
            serialized_context,
            settings_to_json,
        )

        call = self.call
        env = dict(os.environ)
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        ss = call.settings.serialization_settings
        if ss is not None:
            env.update(ss.env or {})
            env["FLYTE_INTERNAL_TASK_PROJECT"] = ss.project
            env["FLYTE_INTERNAL_TASK_DOMAIN"] = ss.domain
            env["FLYTE_INTERNAL_TASK_VERSION"] = ss.version
            env[SERIALIZED_CONTEXT_ENV_VAR] = serialized_context(ss)
        env[ENV_SETTINGS] = settings_to_json(
            call.settings.replace(blob_dir=self.backend.blob_root())
        )
        env["FLYTE_INTERNAL_EXECUTION_ID"] = call.execution.execution_id
        env[EAGER_ROOT_ENV_NAME] = call.root_id
        env.pop("FLYTE_FAIL_ON_ERROR", None)
        return env

    def launch(self) -> bool:
        """Write the inputs and start the process; ``False`` when cancelled before."""
        with self.lock:
            if self.cancelled:
                return False
            os.makedirs(self.dir, exist_ok=True)
            write_atomic(self.dir, "inputs.pb", self.call.inputs.SerializeToString())
            log = open(os.path.join(self.dir, "output.log"), "wb")  # noqa: SIM115
            try:
                self.proc = subprocess.Popen(
                    self.command(),
                    env=self.environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            finally:
                log.close()
            pid = self.proc.pid
            marker = {
                "pid": pid,
                "start_time": process_start_time(pid),
                "execution_id": self.call.execution.execution_id,
                "task": self.call.task.name,
                "root_id": self.call.root_id,
                "launched": time.time(),
            }
            write_atomic(self.dir, MARKER, json.dumps(marker).encode())
        execution = self.call.execution
        execution.mark_running()
        execution.inputs_uri = os.path.join(self.dir, "inputs.pb")
        execution.details["pid"] = pid
        execution.details["log"] = os.path.join(self.dir, "output.log")
        return True

    def wait(self, timeout: float | None) -> int:
        """Wait for the process (``TimeoutError`` after terminating it); its return code."""
        proc = self.proc
        assert proc is not None
        try:
            returncode = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.terminate()
            raise CallTimeoutExpired(
                f"child {self.call.execution.execution_id} timed out"
            ) from None
        finally:
            if proc.returncode is not None:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.dir, MARKER))
        return returncode

    def result(self, returncode: int) -> literals_pb2.LiteralMap:
        from flyteidl.core import errors_pb2, literals_pb2

        call = self.call
        execution = call.execution
        self._attach_nested_record()
        outputs = os.path.join(self.out, "outputs.pb")
        error = os.path.join(self.out, "error.pb")
        if returncode == 0 and os.path.exists(outputs):
            execution.outputs_uri = outputs
            with open(outputs, "rb") as fh:
                return literals_pb2.LiteralMap.FromString(fh.read())
        if os.path.exists(error):
            execution.outputs_uri = error
            with open(error, "rb") as fh:
                doc = errors_pb2.ErrorDocument.FromString(fh.read())
            raise error_from_document(doc, task=call.task.name, execution=execution)
        raise signal_error(
            task=call.task.name, execution=execution, returncode=returncode, stderr=self._log()
        )

    def _log(self) -> str:
        try:
            with open(os.path.join(self.dir, "output.log"), "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 2000))
                return fh.read().decode(errors="replace")
        except OSError:
            return ""

    def _attach_nested_record(self) -> None:
        if self.call.execution.kind != "eager":
            return
        from taskplug_eager.record import RunRecord

        path = os.path.join(self.out, RECORD_FILE)
        with (
            contextlib.suppress(OSError, ValueError, TypeError),
            open(path, encoding="utf-8") as fh,
        ):
            self.call.execution.run = RunRecord.from_dict(json.load(fh))

    def execute(self, timeout: float | None) -> int:
        """Launch and wait (in a worker thread or the caller); the return code.

        Results are read by the caller, in the event loop's thread: reading may import
        modules (an exception's class), and CPython 3.11 before 3.11.8 must not compile in
        two threads at once.
        """
        if not self.launch():
            raise asyncio.CancelledError()
        return self.wait(timeout)

    def cancel_launch(self) -> None:
        """Make sure the process is never started (if it was not yet)."""
        with self.lock:
            self.cancelled = True

    def ended(self) -> bool:
        """Whether the process was never started (and never will be) or has exited."""
        with self.lock:
            proc, cancelled = self.proc, self.cancelled
        if proc is None:
            return cancelled
        return proc.returncode is not None or proc.poll() is not None

    def terminate(self) -> None:
        """SIGTERM the child's process group; SIGKILL it after the grace period."""
        with self.lock:
            self.cancelled = True
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(self.backend.settings.terminate_grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(self.dir, MARKER))


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class ProcessBackend(Backend):
    """Each child a ``taskplug-execute`` subprocess; ``concurrency`` at once."""

    name = "process"

    def __init__(self, settings: EagerSettings) -> None:
        super().__init__(settings)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.concurrency, thread_name_prefix="taskplug-eager-process"
        )
        self._blob = settings.blob_dir or default_blob_dir()
        self._children: set[_Child] = set()
        self._children_lock = threading.Lock()

    def blob_root(self) -> str:
        """The folder children's files go under (``<blob_root>/<root id>/<child id>``)."""
        return self._blob

    async def start(self) -> None:
        """Check the blob folder can be written; import what reading results needs."""
        from flyteidl.core import errors_pb2, literals_pb2  # noqa: F401  (here, not in threads)

        os.makedirs(self._blob, exist_ok=True)
        program = _execute_command()[0]
        if not os.path.exists(program):
            raise BackendUnavailableError(
                f"eager backend 'process': {program!r} is missing; install taskplug here"
            )

    async def run(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """Launch the child in a worker thread; terminate it when cancelled."""
        child = self._track(_Child(call, self))
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, child.execute, None)
        try:
            returncode = await asyncio.shield(future)
        except asyncio.CancelledError:
            # Not launched yet: it never will be. Launched: SIGTERM, then SIGKILL, and wait.
            await loop.run_in_executor(None, child.terminate)
            future.cancel()
            raise
        return child.result(returncode)

    def run_blocking(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """A sync call in the body: launch and wait here (the timeout applies)."""
        child = self._track(_Child(call, self))
        try:
            returncode = child.execute(call.timeout)
        except BaseException:
            child.terminate()
            raise
        return child.result(returncode)

    def _track(self, child: _Child) -> _Child:
        with self._children_lock:
            self._children = {c for c in self._children if not c.ended()}
            self._children.add(child)
        return child

    async def close(self) -> None:
        """Stop the worker threads; terminate any child still running (a safety net).

        The run cancels and terminates its children before closing the backend; a child
        found running here escaped that (a race), and the worker thread waiting for it would
        keep the interpreter from exiting.
        """
        with self._children_lock:
            children, self._children = list(self._children), set()
        for child in children:
            child.cancel_launch()
        self._pool.shutdown(wait=False, cancel_futures=True)
        leftovers = [c for c in children if not c.ended()]
        if leftovers:
            loop = asyncio.get_running_loop()
            await asyncio.gather(*(loop.run_in_executor(None, c.terminate) for c in leftovers))
        await super().close()
