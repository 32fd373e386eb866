"""A local call against a container-style run: in this process, or through ``taskplug-execute``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug.tasks.base import PythonTask

__all__ = ["check_local_matches_container", "run_in_entrypoint"]


def check_local_matches_container(
    task: PythonTask[Any], *, entrypoint: bool = False, **inputs: Any
) -> Any:
    """A local call and a container-style run (literal bytes in, literal bytes out) agree.

    With ``entrypoint=True`` the container-style run is a real ``taskplug-execute``
    subprocess (the task is loaded through its resolver, as in a cluster; its module must be
    importable from this process's ``sys.path``, and plugin modules this process loaded are
    named to the child in ``TASKPLUG_PLUGINS``); otherwise ``dispatch_execute`` in this
    process. Returns the local call's result.
    """
    from flyteidl.core import literals_pb2

    local = task(**inputs)
    lm = task.inputs_to_literal_map(task.python_interface.bind(task.name, (), dict(inputs)))
    wire_in = literals_pb2.LiteralMap.FromString(lm.SerializeToString(deterministic=True))
    if entrypoint:
        out = run_in_entrypoint(task, wire_in)
    else:
        out = task.dispatch_execute(wire_in, mode="container")
    wire_out = literals_pb2.LiteralMap.FromString(out.SerializeToString(deterministic=True))
    remote = task.outputs_from_literal_map(wire_out)
    where = "taskplug-execute" if entrypoint else "container-style"
    assert _same(remote, local), f"task {task.name!r}: {where} run gave {remote!r}, local {local!r}"
    return local


def _plugin_modules() -> list[str]:
    """The modules of the plugins loaded in this process that are modules (not objects)."""
    import types

    from taskplug._manager import get_plugin_manager

    pm = get_plugin_manager()
    return [
        plugin.__name__
        for _, plugin in pm.list_name_plugin()
        if isinstance(plugin, types.ModuleType) and not plugin.__name__.startswith("taskplug.")
    ]


def _same(a: Any, b: Any) -> bool:
    """Equality that also works for tables (``DataFrame.equals``, ``pyarrow.Table.equals``)."""
    equals = getattr(a, "equals", None)
    if callable(equals) and type(a) is type(b):
        return bool(equals(b))
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _raw_output_directory() -> str:
    """Where the kit's entrypoint runs put offloaded data (tables, files): kept until exit, so
    the outputs can be read after the run."""
    import atexit
    import shutil

    path = tempfile.mkdtemp(prefix="taskplug-kit-raw-")
    atexit.register(shutil.rmtree, path, True)
    return path


def run_in_entrypoint(
    task: PythonTask[Any], inputs: literals_pb2.LiteralMap
) -> literals_pb2.LiteralMap:
    """Run ``task`` on ``inputs`` in a ``taskplug-execute`` subprocess; its output literals.

    Fails with the subprocess's error document and stderr when the run fails.
    """
    from flyteidl.core import errors_pb2, literals_pb2

    from taskplug.settings import SerializationSettings

    resolver = getattr(task, "task_resolver", None)
    if resolver is None:
        raise AssertionError(
            f"task {task.name!r} ({type(task).__qualname__}) has no task_resolver, so "
            "taskplug-execute cannot load it; only container tasks run through the entrypoint"
        )
    settings = SerializationSettings.for_tests()
    args = resolver.loader_args(settings, task)
    with tempfile.TemporaryDirectory(prefix="taskplug-kit-") as tmp:
        folder = Path(tmp)
        (folder / "inputs.pb").write_bytes(inputs.SerializeToString())
        if "{{.taskTemplatePath}}" in args:  # a resolver that loads the task from its template
            from taskplug.serialization import serialize

            template = folder / "task.pb"
            template.write_bytes(serialize(task, settings).SerializeToString())
            args = [str(template) if a == "{{.taskTemplatePath}}" else a for a in args]
        out_dir = folder / "out"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        modules = _plugin_modules()
        if modules:  # plugins this process loaded by hand load in the child too
            named = [m for m in env.get("TASKPLUG_PLUGINS", "").split(",") if m]
            env["TASKPLUG_PLUGINS"] = ",".join(dict.fromkeys([*named, *modules]))
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "taskplug.execute",
                "--inputs",
                str(folder / "inputs.pb"),
                "--output-prefix",
                str(out_dir),
                "--raw-output-data-prefix",
                _raw_output_directory(),
                "--resolver",
                resolver.location,
                "--",
                *args,
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        error = out_dir / "error.pb"
        if proc.returncode != 0 or error.exists():
            detail = ""
            if error.exists():
                doc = errors_pb2.ErrorDocument.FromString(error.read_bytes())
                detail = f"{doc.error.code}: {doc.error.message}"
            raise AssertionError(
                f"task {task.name!r}: taskplug-execute failed (exit {proc.returncode}): "
                f"{detail}\n{proc.stderr[-3000:]}"
            )
        return literals_pb2.LiteralMap.FromString((out_dir / "outputs.pb").read_bytes())
