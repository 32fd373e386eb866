"""Running a ``ContainerTask`` on this machine, with Docker or Podman, as flytekit runs it.

flytekit 1.16 runs the image with Docker (``docker.from_env().containers.run``): scalar inputs
replace ``{{.inputs.NAME}}`` in the command, file and directory inputs named as
``<input_data_dir>/NAME`` are bound into the container at that path, a fresh local directory
is bound at ``output_data_dir``, and each output is read back from the file of its name there
(text converted to the output's type; files and directories as they are). taskplug does the
same through a docker-compatible command line:

* ``$TASKPLUG_CONTAINER_RUNTIME`` (a command, e.g. ``podman`` or ``docker --context remote``),
  else the first of ``docker`` and ``podman`` on ``PATH`` that answers ``info``;
* with none, the task fails with :class:`ContainerRuntimeError` naming the task, its image and
  what was tried.

Differences from flytekit (docs/task_kinds.md): ``{{.inputs.NAME}}`` is replaced anywhere in
an argument, as Flyte does in a cluster (flytekit locally only replaces whole arguments); a
container that exits with a non-zero status fails the task with its status and standard error
(flytekit ignores the status and fails later, on a missing output).
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

from taskplug.errors import TaskplugError
from taskplug.types.files import Directory, File

if TYPE_CHECKING:
    from taskplug.tasks.container import ContainerTask

__all__ = ["ContainerRuntimeError", "find_runtime", "render_command", "run_locally"]

RUNTIME_ENV = "TASKPLUG_CONTAINER_RUNTIME"
_CANDIDATES = ("docker", "podman")
_INPUT_REF = re.compile(r"\{\{\s*\.inputs\.([^\s}]+?)\s*\}\}")
#: runtime command line -> (usable, why not); checked once per process.
_CHECKED: dict[tuple[str, ...], tuple[bool, str]] = {}


class ContainerRuntimeError(TaskplugError, RuntimeError):
    """No container runtime can run a ``ContainerTask`` here, or the container failed."""

    def __init__(self, message: str, *, task: str) -> None:
        super().__init__(message)
        self.task = task


def _usable(command: list[str]) -> tuple[bool, str]:
    key = tuple(command)
    known = _CHECKED.get(key)
    if known is not None:
        return known
    try:
        done = subprocess.run(
            [*command, "info"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        result = (False, f"{shlex.join(command)} info failed: {exc}")
    else:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [""]
        result = (
            (True, "")
            if done.returncode == 0
            else (False, f"{shlex.join(command)} does not answer: {last[0]}")
        )
    _CHECKED[key] = result
    return result


def find_runtime(*, task: str, image: str) -> list[str]:
    """The command line that runs containers here (see the module docstring).

    Raises :class:`ContainerRuntimeError` naming ``task``, ``image`` and what was tried.
    """
    given = os.environ.get(RUNTIME_ENV, "").strip()
    tried = []
    if given:
        command = shlex.split(given)
        if shutil.which(command[0]) is None:
            tried.append(f"${RUNTIME_ENV}={given!r} is not an executable on PATH")
        else:
            ok, why = _usable(command)
            if ok:
                return command
            tried.append(why)
    else:
        for name in _CANDIDATES:
            if shutil.which(name) is None:
                tried.append(f"{name} is not installed")
                continue
            ok, why = _usable([name])
            if ok:
                return [name]
            tried.append(why)
    raise ContainerRuntimeError(
        f"task {task!r} is a ContainerTask: run locally, it runs its image {image!r} in a "
        f"container, and no container runtime (Docker or Podman) is available here "
        f"({'; '.join(tried)}). Start Docker, install Podman, or set ${RUNTIME_ENV} to a "
        "docker-compatible command; or run the task in a Flyte cluster",
        task=task,
    )


def _local_path(value: Any) -> str:
    if isinstance(value, (File, Directory)):
        return str(value.download())
    return str(os.path.abspath(os.fspath(value)))


def render_command(task: ContainerTask, values: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The command line the container runs, and the host paths to bind (host -> container).

    ``{{.inputs.NAME}}`` becomes the input's text; an argument ``<input_data_dir>/NAME`` of a
    file or directory input binds that input there. A file or directory input given as
    ``{{.inputs.NAME}}`` is refused (Flyte passes those by path).
    """
    in_dir = os.path.normpath(task.input_data_dir) if task.input_data_dir else ""
    binds: dict[str, str] = {}
    rendered = []
    for arg in [*task.command, *(task.arguments or [])]:
        if in_dir and arg.startswith(in_dir + "/"):
            key = arg[len(in_dir) + 1 :]
            value = values.get(key)
            if isinstance(value, (File, Directory)):
                binds[_local_path(value)] = os.path.join(in_dir, key)
                rendered.append(os.path.join(in_dir, key))
                continue

        def fill(match: re.Match[str], arg: str = arg) -> str:
            key = match.group(1)
            if key not in values:
                raise ValueError(
                    f"task {task.name!r}: argument {arg!r} refers to input {key!r}, which the "
                    f"task does not have (inputs: {', '.join(values) or 'none'})"
                )
            value = values[key]
            if isinstance(value, (File, Directory)):
                raise ValueError(
                    f"task {task.name!r}: input {key!r} is a file or directory; refer to it by "
                    f"its path {os.path.join(in_dir or '<input_data_dir>', key)!r}, not as "
                    f"{match.group(0)!r} (Flyte passes files and directories by path)"
                )
            return str(value)

        rendered.append(_INPUT_REF.sub(fill, arg))
    return rendered, binds


def _timedelta(text: str) -> datetime.timedelta:
    match = re.match(r"(?:(\d+) days?, )?(?:(\d+):)?(\d+):(\d+)(?:\.(\d+))?", text)
    if not match:
        raise ValueError(f"{text!r} is not a timedelta such as '1 day, 2:03:04.5'")
    days, hours, minutes, seconds, micro = (int(g) if g else 0 for g in match.groups())
    return datetime.timedelta(
        days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=micro
    )


def _convert(text: str, t: Any) -> Any:
    """The text of an output file as ``t``: a ``str`` as written; other types ignore the
    surrounding whitespace (``echo false > out`` writes ``"false\\n"``, which flytekit reads
    as ``True``)."""
    if t is str:
        return text
    text = text.strip()
    if t is bool:
        return text.lower() != "false"
    if t is datetime.datetime:
        return datetime.datetime.fromisoformat(text)
    if t is datetime.timedelta:
        return _timedelta(text)
    return t(text)


def read_outputs(task: ContainerTask, directory: str) -> dict[str, Any]:
    """The outputs the container wrote under ``directory`` (one file or directory each)."""
    found: dict[str, Any] = {}
    for name, t in task.python_interface.outputs.items():
        path = os.path.join(directory, name)
        if isinstance(t, type) and issubclass(t, (File, Directory)):
            found[name] = t(path)
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            raise ContainerRuntimeError(
                f"task {task.name!r}: the container wrote no output {name!r}: expected the file "
                f"{os.path.join(task.output_data_dir or '', name)!r} in the container",
                task=task.name,
            ) from None
        try:
            found[name] = _convert(text, t)
        except (TypeError, ValueError) as exc:
            raise ContainerRuntimeError(
                f"task {task.name!r}: output {name!r} is {text!r}, which is not a "
                f"{getattr(t, '__name__', t)}: {exc}",
                task=task.name,
            ) from exc
    return found


def run_locally(task: ContainerTask, values: dict[str, Any]) -> Any:
    """Run ``task``'s image with ``values`` as inputs; its outputs (one, a tuple, or None)."""
    import tempfile

    from taskplug.context import current_execution

    image = task.image if isinstance(task.image, str) else task.image.image_name()
    runtime = find_runtime(task=task.name, image=image)
    command, binds = render_command(task, values)
    state = current_execution()
    parent = state.params.working_directory if state is not None else None
    out_dir = tempfile.mkdtemp(prefix="container-outputs-", dir=parent)
    if task.output_data_dir:
        binds[out_dir] = os.path.normpath(task.output_data_dir)
    line = [*runtime, "run", "--rm"]
    for host, inside in binds.items():
        line += ["-v", f"{host}:{inside}:rw"]
    done = subprocess.run([*line, image, *command], capture_output=True, check=False)
    if task.local_logs:
        for chunk in (done.stdout + done.stderr).splitlines():
            print(f"[Local Container] {chunk.strip()!r}")
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise ContainerRuntimeError(
            f"task {task.name!r}: the container ({image} {shlex.join(command)}) exited with "
            f"status {done.returncode}: {tail}",
            task=task.name,
        )
    outputs = read_outputs(task, out_dir)
    values_out = tuple(outputs.values())
    if not values_out:
        return None
    return values_out[0] if len(values_out) == 1 else values_out
