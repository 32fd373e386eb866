"""The task-type registry that ``taskplug_register_task_types`` fills."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskplug.errors import DuplicateRegistrationError

if TYPE_CHECKING:
    from taskplug._manager import TaskplugPluginManager
    from taskplug.tasks.base import PythonTask

__all__ = ["TaskType", "TaskTypeRegistry"]


@dataclass(frozen=True)
class TaskType:
    """One registered task type: the class, the config class that selects it, its owner."""

    task_class: type[PythonTask[Any]]
    config_type: type | None
    task_type: str
    plugin: str


class TaskTypeRegistry:
    """Task types contributed by plugins; a plugin calls :meth:`add` from its hook.

    A config class (``Pod``, ``SQLite3Config`` …) selects exactly one task class, found by
    :meth:`task_class_for_config` for ``@task(task_config=...)``. Registering a config class or
    a task class a second time is refused with both registrations named.
    """

    def __init__(self, pm: TaskplugPluginManager | None = None) -> None:
        self._pm = pm
        self._by_config: dict[type, TaskType] = {}
        self._by_class: dict[type, TaskType] = {}

    def add(
        self,
        task_class: type[PythonTask[Any]],
        *,
        config_type: type | None = None,
        task_type: str | None = None,
        plugin: str | None = None,
    ) -> TaskType:
        """Register ``task_class``, selected by instances of ``config_type`` when given.

        ``task_type`` defaults to the class's ``_TASK_TYPE``; ``plugin`` names the registering
        plugin in error messages (defaults to the class's module).
        """
        entry = TaskType(
            task_class=task_class,
            config_type=config_type,
            task_type=task_type or str(getattr(task_class, "_TASK_TYPE", "python-task")),
            plugin=plugin or task_class.__module__,
        )
        old = self._by_class.get(task_class)
        if old is not None:
            raise DuplicateRegistrationError(
                f"task class {_qual(task_class)} is registered twice: by plugin {old.plugin!r} "
                f"and by plugin {entry.plugin!r}",
                plugin=entry.plugin,
            )
        if config_type is not None:
            old = self._by_config.get(config_type)
            if old is not None:
                raise DuplicateRegistrationError(
                    f"task config {_qual(config_type)} is claimed twice: by plugin "
                    f"{old.plugin!r} for {_qual(old.task_class)} and by plugin "
                    f"{entry.plugin!r} for {_qual(task_class)}; uninstall one of them",
                    plugin=entry.plugin,
                )
            self._by_config[config_type] = entry
        self._by_class[task_class] = entry
        return entry

    def task_class_for_config(self, task_config: object) -> type[PythonTask[Any]] | None:
        """The task class registered for ``type(task_config)`` (or a base class of it)."""
        for klass in type(task_config).__mro__:
            entry = self._by_config.get(klass)
            if entry is not None:
                return entry.task_class
        return None

    def __iter__(self) -> Iterator[TaskType]:
        return iter(self._by_class.values())

    def __len__(self) -> int:
        return len(self._by_class)


def _qual(klass: type) -> str:
    return f"{klass.__module__}.{klass.__qualname__}"
