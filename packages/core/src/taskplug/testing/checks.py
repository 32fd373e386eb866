"""Checks any task-type plugin can run on its own task types."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = [
    "check_hook_answers",
    "check_import_budget",
    "check_local_matches_container",
    "check_task_type",
    "check_template_roundtrip",
]


def _settings(settings: SerializationSettings | None) -> SerializationSettings:
    if settings is not None:
        return settings
    from taskplug.settings import SerializationSettings

    return SerializationSettings.for_tests()


def check_template_roundtrip(
    task: PythonTask[Any], settings: SerializationSettings | None = None
) -> tasks_pb2.TaskTemplate:
    """Serialize ``task``; the template must survive protobuf bytes unchanged. Returns it."""
    from flyteidl.core import tasks_pb2

    from taskplug.serialization import serialize

    template = serialize(task, _settings(settings))
    data = template.SerializeToString(deterministic=True)
    again = tasks_pb2.TaskTemplate.FromString(data)
    assert again == template, f"task {task.name!r}: template changed through protobuf bytes"
    assert again.SerializeToString(deterministic=True) == data
    assert again.type == task.task_type, f"template type {again.type!r} != {task.task_type!r}"
    assert set(again.interface.inputs.variables) == set(task.python_interface.inputs)
    assert set(again.interface.outputs.variables) == set(task.python_interface.outputs)
    return again


def check_local_matches_container(task: PythonTask[Any], **inputs: Any) -> Any:
    """A local call and a container-style run (literal bytes in, literal bytes out) agree.

    Returns the local call's result.
    """
    from flyteidl.core import literals_pb2

    local = task(**inputs)
    lm = task.inputs_to_literal_map(task.python_interface.bind(task.name, (), dict(inputs)))
    wire_in = literals_pb2.LiteralMap.FromString(lm.SerializeToString(deterministic=True))
    out = task.dispatch_execute(wire_in, mode="container")
    wire_out = literals_pb2.LiteralMap.FromString(out.SerializeToString(deterministic=True))
    remote = task.outputs_from_literal_map(wire_out)
    assert remote == local, (
        f"task {task.name!r}: container-style run gave {remote!r}, local {local!r}"
    )
    return local


_EXPECTED_RETURNS: dict[str, Any] = {
    "taskplug_get_custom": "dict",
    "taskplug_get_config": "dict",
    "taskplug_get_container": "Container",
    "taskplug_get_k8s_pod": "K8sPod",
    "taskplug_get_sql": "Sql",
}


def check_hook_answers(
    plugin: object, task: PythonTask[Any], settings: SerializationSettings | None = None
) -> dict[str, Any]:
    """Call each serialization hook ``plugin`` implements for ``task``; check the answer types.

    Each answer must be ``None`` or of the type the hook documents; ``get_config`` values must
    be strings and ``get_custom`` must survive conversion to a protobuf ``Struct``. Returns
    the answers by hook name.
    """
    from google.protobuf import struct_pb2

    settings = _settings(settings)
    answers: dict[str, Any] = {}
    for hook, expected in _EXPECTED_RETURNS.items():
        impl = getattr(plugin, hook, None)
        if impl is None:
            continue
        answer = impl(task=task, settings=settings)
        answers[hook] = answer
        if answer is None:
            continue
        got = type(answer).__name__
        assert got == expected, f"{hook} returned {got}, the hook documents {expected} or None"
        if hook == "taskplug_get_config":
            bad = {
                k: v for k, v in answer.items() if not isinstance(k, str) or not isinstance(v, str)
            }
            assert not bad, f"{hook} must map str to str, got {bad!r}"
        if hook == "taskplug_get_custom":
            struct_pb2.Struct().update(answer)
    return answers


def check_import_budget(module: str, budget_seconds: float = 0.2) -> float:
    """Import ``module`` in a fresh interpreter; its own import time must fit the budget.

    Uses ``-X importtime`` (the cumulative time of the module, not interpreter start-up), so
    the check is about what the plugin imports. The child sees this process's ``sys.path``.
    Returns the seconds.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, f"import {module} failed:\n{proc.stderr[-2000:]}"
    cumulative = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == module:
            cumulative = int(parts[1])
    seconds = cumulative / 1e6
    assert seconds <= budget_seconds, (
        f"import {module} took {seconds * 1000:.1f} ms, over the budget of "
        f"{budget_seconds * 1000:.0f} ms; import heavy modules where they are used"
    )
    return seconds


def check_task_type(
    task: PythonTask[Any],
    *,
    inputs: dict[str, Any] | None = None,
    plugin: object | None = None,
    settings: SerializationSettings | None = None,
) -> tasks_pb2.TaskTemplate:
    """Run every check on one task: template round trip, hook answers, local vs container."""
    template = check_template_roundtrip(task, settings)
    if plugin is not None:
        check_hook_answers(plugin, task, settings)
    if inputs is not None:
        check_local_matches_container(task, **inputs)
    return template
