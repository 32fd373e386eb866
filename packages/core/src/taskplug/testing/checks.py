"""Checks any task-type plugin can run on its own task types: templates and hook answers."""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = [
    "check_hook_answers",
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
    """Serialize ``task`` (every hook answer checked); it must survive protobuf bytes.

    Returns the template.
    """
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


_TARGETS = {
    "taskplug_get_container": "Container",
    "taskplug_get_k8s_pod": "K8sPod",
    "taskplug_get_sql": "Sql",
}


def _plugin_name(plugin: object) -> str:
    from taskplug._manager import get_plugin_manager

    pm = get_plugin_manager()
    return pm.get_name(plugin) or (
        plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__qualname__
    )


def check_hook_answers(
    plugin: object, task: PythonTask[Any], settings: SerializationSettings | None = None
) -> dict[str, Any]:
    """Call each hook ``plugin`` implements, directly, as taskplug would for ``task``.

    ``task`` should be one the plugin owns or serves. Checked, with the same checks
    ``serialize()`` applies (a wrong answer raises
    :class:`~taskplug.errors.PluginAnswerError` naming the plugin and the key):

    * owned hooks: ``custom`` a dict of JSON-compatible values, ``config`` str to str, targets
      the flyteidl message their hook documents;
    * ``taskplug_register_task_types``: registers task classes and services without error;
    * ``taskplug_register_type_transformers``: registers ``TypeTransformer`` instances whose
      literal type can be built;
    * ``taskplug_pre_execute``: returns ``None`` (its return value is ignored, so a value there
      is a mistake);
    * ``taskplug_post_execute``: returns ``None`` or outputs that fit ``task``'s interface.

    Returns the answers by hook name.
    """
    from flyteidl.core import tasks_pb2

    from taskplug._manager import get_plugin_manager
    from taskplug.serialization.answers import (
        Answerer,
        check_config,
        check_custom,
        check_message,
    )

    settings = _settings(settings)
    pm = get_plugin_manager()
    name = _plugin_name(plugin)
    answers: dict[str, Any] = {}

    def who(hook: str) -> Answerer:
        return Answerer(pm, task, hook, method=False, plugin=name)

    def impl(hook: str) -> Any:
        return getattr(plugin, hook, None)

    if impl("taskplug_get_custom") is not None:
        answer = answers["taskplug_get_custom"] = impl("taskplug_get_custom")(task, settings)
        if answer is not None:
            check_custom(answer, who("taskplug_get_custom"))
    if impl("taskplug_get_config") is not None:
        answer = answers["taskplug_get_config"] = impl("taskplug_get_config")(task, settings)
        if answer is not None:
            check_config(answer, who("taskplug_get_config"))
    for hook, message in _TARGETS.items():
        if impl(hook) is not None:
            answer = answers[hook] = impl(hook)(task, settings)
            if answer is not None:
                check_message(answer, getattr(tasks_pb2, message), who(hook))
    if impl("taskplug_register_task_types") is not None:
        answers["taskplug_register_task_types"] = _registrations(plugin, name)
    if impl("taskplug_register_type_transformers") is not None:
        answers["taskplug_register_type_transformers"] = _transformers(plugin, name)
    answers.update(_execution_answers(plugin, name, task))
    return answers


def _registrations(plugin: object, name: str) -> list[Any]:
    from taskplug.registry import TaskTypeRegistry

    registry = TaskTypeRegistry()
    registry.current_plugin = name
    plugin.taskplug_register_task_types(registry)  # type: ignore[attr-defined]
    return [*registry, *registry.services()]


def _transformers(plugin: object, name: str) -> list[Any]:
    from taskplug.types import TypeTransformer, TypeTransformerRegistry

    registry = TypeTransformerRegistry()
    with registry.registering(name):
        plugin.taskplug_register_type_transformers(registry)  # type: ignore[attr-defined]
    found = list(registry)
    for transformer in found:
        assert isinstance(transformer, TypeTransformer), (
            f"plugin {name!r}: taskplug_register_type_transformers registered {transformer!r}, "
            "which is not a taskplug.types.TypeTransformer"
        )
        lt = transformer.get_literal_type(transformer.python_type)
        assert type(lt).__name__ == "LiteralType", (
            f"plugin {name!r}: {transformer!r}.get_literal_type() returned {type(lt).__name__}, "
            "not a flyteidl LiteralType"
        )
    return found


def _execution_answers(plugin: object, name: str, task: PythonTask[Any]) -> dict[str, Any]:
    from taskplug.context import ExecutionParameters
    from taskplug.errors import TypeTransformerFailedError

    answers: dict[str, Any] = {}
    pre = getattr(plugin, "taskplug_pre_execute", None)
    post = getattr(plugin, "taskplug_post_execute", None)
    if pre is None and post is None:
        return answers
    with ExecutionParameters(task_name=task.name) as params:
        if pre is not None:
            answer = answers["taskplug_pre_execute"] = pre(task=task, params=params)
            assert answer is None, (
                f"plugin {name!r}: taskplug_pre_execute returned {answer!r}; its return value "
                "is ignored (change params.extra instead)"
            )
        if post is not None:
            sample = _sample_outputs(task)
            answer = answers["taskplug_post_execute"] = post(
                task=task, params=params, outputs=sample
            )
            if answer is not None:
                try:
                    task.outputs_to_literal_map(answer)
                except TypeTransformerFailedError as exc:
                    raise AssertionError(
                        f"plugin {name!r}: taskplug_post_execute replaced the outputs of task "
                        f"{task.name!r} with {answer!r}, which do not fit: {exc}"
                    ) from exc
    return answers


def _sample_outputs(task: PythonTask[Any]) -> Any:
    """Plausible outputs for ``task`` (defaults of its output types) to hand to post_execute."""
    outputs = task.python_interface.outputs
    values = []
    for t in outputs.values():
        try:
            values.append(t())
        except Exception:
            values.append(None)
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def check_task_type(
    task: PythonTask[Any],
    *,
    inputs: dict[str, Any] | None = None,
    plugin: object | None = None,
    settings: SerializationSettings | None = None,
    entrypoint: bool = False,
) -> tasks_pb2.TaskTemplate:
    """Run every check on one task of a plugin's task type.

    The template round trip (every hook answer checked), the plugin's hook answers and that it
    leaves other tasks alone (when ``plugin`` is given), and a local run against a
    container-style run (when ``inputs`` are given; through a real ``taskplug-execute``
    subprocess with ``entrypoint=True``).
    """
    from taskplug.testing.execution import check_local_matches_container
    from taskplug.testing.foreign import check_foreign_tasks_untouched

    template = check_template_roundtrip(task, settings)
    if plugin is not None:
        check_hook_answers(plugin, task, settings)
        check_foreign_tasks_untouched(plugin, settings=settings)
    if inputs is not None:
        check_local_matches_container(task, entrypoint=entrypoint, **inputs)
    return template
