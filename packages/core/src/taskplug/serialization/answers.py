"""Checks on what plugins answer, where the answer enters the template.

A ``custom`` must be a dict of JSON-compatible values (it becomes a protobuf ``Struct``),
a ``config`` a dict of str to str, a target the flyteidl message its hook documents. A wrong
answer raises :class:`~taskplug.errors.PluginAnswerError` naming the plugin (or the task
class whose ``get_*`` method answered), its distribution, the hook, the offending key and its
type, and what to return instead.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from taskplug.errors import PluginAnswerError

if TYPE_CHECKING:
    from taskplug._manager import TaskplugPluginManager
    from taskplug.tasks.base import PythonTask

__all__ = ["Answerer", "check_config", "check_custom", "check_message"]

_JSON_FIX = (
    "return JSON-compatible values only (str, int, float, bool, None, and lists and dicts of "
    "them, dict keys str); convert other objects (paths, sets, datetimes …) yourself"
)


class Answerer:
    """Who answered a hook for a task, for error messages (resolved only when one is needed).

    ``method``: the task class's own ``get_*`` method answered; ``plugin``: this plugin (by
    name) answered, when known up front (the test kit calls a plugin directly).
    """

    __slots__ = ("_pm", "hook", "method", "plugin", "task")

    def __init__(
        self,
        pm: TaskplugPluginManager,
        task: PythonTask[Any],
        hook: str,
        *,
        method: bool,
        plugin: str | None = None,
    ) -> None:
        self._pm = pm
        self.task = task
        self.hook = hook
        self.method = method
        self.plugin = plugin

    def error(self, problem: str, *, key: str = "", got: object = None, fix: str = "") -> Exception:
        """The :class:`PluginAnswerError` for ``problem`` in this answer."""
        short = self.hook.removeprefix("taskplug_")
        if self.method:  # a task class overrode get_custom() & co.
            klass = type(self.task)
            info = self._pm.plugin_for_module(klass.__module__)
            plugin = repr(info.name) if info is not None else "(none: the task's own class)"
            dist = info.dist_label if info is not None and info.dist else None
            via = f"task class {klass.__module__}.{klass.__qualname__}.{short}() returned"
        else:
            name = self.plugin or self._pm.hooks.answerer(self.hook, self.task) or "?"
            plugin, dist, via = repr(name), self._pm.dist_label(name), ""
        return PluginAnswerError(
            f"{problem} for task {self.task.name!r}",
            plugin=plugin,
            dist=dist,
            hook=self.hook,
            key=key,
            got=got,
            fix=fix,
            via=via,
        )


def _json_problem(value: Any, path: str) -> tuple[str, Any] | None:
    """The first place in ``value`` that a ``Struct`` cannot hold: ``(path, value)``."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return (f"{path} key {key!r}", key)
            found = _json_problem(item, f"{path}[{key!r}]")
            if found is not None:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _json_problem(item, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    return (path, value)


def check_custom(answer: object, who: Answerer) -> dict[str, Any]:
    """``answer`` as a template's ``custom``, or a :class:`PluginAnswerError`."""
    if not isinstance(answer, dict):
        raise who.error(
            f"a {type(answer).__name__} as custom",
            got=type(answer),
            fix="return a dict (or None for no custom section)",
        )
    found = _json_problem(answer, "custom")
    if found is not None:
        path, value = found
        kind = "a non-finite float" if isinstance(value, float) else type(value).__name__
        raise who.error(
            f"{kind} ({value!r:.60}) at {path}, which JSON cannot hold,",
            key=path,
            got=type(value),
            fix=_JSON_FIX,
        )
    return answer


def check_config(answer: object, who: Answerer) -> dict[str, str]:
    """``answer`` as a template's ``config``, or a :class:`PluginAnswerError`."""
    if not isinstance(answer, dict):
        raise who.error(
            f"a {type(answer).__name__} as config",
            got=type(answer),
            fix="return a dict of str to str (or None for no config)",
        )
    for key, value in answer.items():
        if not isinstance(key, str):
            raise who.error(
                f"a config key of type {type(key).__name__} ({key!r:.60})",
                key=repr(key),
                got=type(key),
                fix="config keys and values must be str",
            )
        if not isinstance(value, str):
            raise who.error(
                f"a {type(value).__name__} ({value!r:.60}) at config[{key!r}]",
                key=f"config[{key!r}]",
                got=type(value),
                fix="config values must be str; convert numbers and flags with str()",
            )
    return answer


def check_message(answer: object, expected: type, who: Answerer) -> Any:
    """``answer`` as a target message of type ``expected``, or a :class:`PluginAnswerError`."""
    if type(answer) is not expected:
        raise who.error(
            f"a {type(answer).__module__}.{type(answer).__qualname__}",
            got=type(answer),
            fix=f"return a flyteidl.core.tasks_pb2.{expected.__name__} (or None)",
        )
    return answer
