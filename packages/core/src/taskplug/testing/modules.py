"""Serialize a task module in a fresh interpreter — one that never imports your plugin.

A platform plugin (or any plugin loaded through its entry point) must work on tasks whose
modules never mention it. :func:`serialize_task_module` writes a task module into a temporary
folder, imports it in a new interpreter (this one, or the ``python`` of a virtual environment
the plugin is installed in, see :func:`taskplug.testing.venv.make_venv`), serializes every task
the module defines and returns the templates — or, per task, the error that serializing it (or
declaring the module) raised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

__all__ = ["ModuleTemplates", "TaskError", "serialize_task_module"]

_CHILD = """
import base64, importlib, json, sys
sys.path.insert(0, sys.argv[1])
out = {"templates": {}, "errors": {}, "plugins": {}, "module_error": None}

def describe(exc):
    return {"type": type(exc).__name__, "message": str(exc),
            "rule": getattr(exc, "rule", None), "plugin": getattr(exc, "plugin", None),
            "hook": getattr(exc, "hook", None)}

try:
    import taskplug
    from taskplug import PythonTask
    from taskplug.serialization import serialize
    from taskplug.settings import SerializationSettings
    settings = SerializationSettings.for_tests()
    try:
        module = importlib.import_module(sys.argv[2])
    except Exception as exc:
        out["module_error"] = describe(exc)
    else:
        for name, value in vars(module).items():
            if isinstance(value, PythonTask):
                try:
                    data = serialize(value, settings).SerializeToString(deterministic=True)
                    out["templates"][name] = base64.b64encode(data).decode()
                except Exception as exc:
                    out["errors"][name] = describe(exc)
    for info in taskplug.get_plugin_manager().infos.values():
        out["plugins"][info.name] = {"status": info.status, "dist": info.dist,
                                     "version": info.version, "hooks": info.hooks}
finally:
    print(json.dumps(out))
"""


@dataclass(frozen=True)
class TaskError:
    """An error raised while declaring or serializing a task (``rule``/``plugin`` if it had one)."""

    type: str
    message: str
    rule: str | None = None
    plugin: str | None = None
    hook: str | None = None


@dataclass
class ModuleTemplates:
    """What :func:`serialize_task_module` found: templates and errors by variable name."""

    templates: dict[str, tasks_pb2.TaskTemplate] = field(default_factory=dict)
    errors: dict[str, TaskError] = field(default_factory=dict)
    #: Set when importing the module itself raised (e.g. a policy refused a task there).
    module_error: TaskError | None = None
    #: The plugins the child loaded: name -> status, dist, version, hooks.
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)


def serialize_task_module(
    source: str,
    *,
    python: str | os.PathLike[str] | None = None,
    module_name: str = "user_tasks",
    env: dict[str, str] | None = None,
) -> ModuleTemplates:
    """Import ``source`` as module ``module_name`` in a new interpreter; serialize its tasks.

    ``python`` is the interpreter (default: this one, with this process's ``sys.path``); give
    the ``python`` of a venv your plugin is installed in to test it as users get it. ``env``
    adds environment variables (e.g. ``TASKPLUG_DISABLE_PLUGINS``). Templates use
    ``SerializationSettings.for_tests()``.
    """
    from flyteidl.core import tasks_pb2

    with tempfile.TemporaryDirectory(prefix="taskplug-module-") as tmp:
        Path(tmp, f"{module_name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        child_env = dict(os.environ)
        if python is None:
            child_env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        child_env.update(env or {})
        proc = subprocess.run(
            [str(python or sys.executable), "-c", _CHILD, tmp, module_name],
            capture_output=True,
            text=True,
            env=child_env,
            check=False,
        )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"serializing {module_name} failed:\n{proc.stderr[-3000:]}")
    data = json.loads(lines[-1])
    import base64

    return ModuleTemplates(
        templates={
            name: tasks_pb2.TaskTemplate.FromString(base64.b64decode(raw))
            for name, raw in data["templates"].items()
        },
        errors={name: TaskError(**err) for name, err in data["errors"].items()},
        module_error=TaskError(**data["module_error"]) if data["module_error"] else None,
        plugins=data["plugins"],
    )
