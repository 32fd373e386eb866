"""The task-type registry that ``taskplug_register_task_types`` fills, and who owns which task.

Answers about one task (its ``custom``, ``config``, container, pod or SQL target, how it
executes) belong to one plugin, found here:

1. a plugin that declared, with :meth:`TaskTypeRegistry.serve`, that it serves this task for
   that hook (e.g. the pod plugin serves every task with a ``pod_template``);
2. otherwise the plugin that registered the task's class (:meth:`TaskTypeRegistry.add`), if it
   implements that hook; else the plugin of the nearest registered base class in the MRO that
   implements it. A ``ShoutTask(PythonFunctionTask)`` registered by a plugin that answers only
   ``taskplug_get_custom`` gets its custom from that plugin and its container from the
   built-in ``container`` plugin, which registered ``PythonFunctionTask``: hooks are inherited
   the way methods are.

Two plugins serving the same task for the same hook is an error naming both. Every plugin's
registrations are attributed to it by name (the entry-point name), so messages can say who.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskplug.errors import DuplicateRegistrationError, PluginError, PluginHookError

if TYPE_CHECKING:
    from taskplug._manager import TaskplugPluginManager
    from taskplug.tasks.base import PythonTask

__all__ = ["OWNED_HOOKS", "Service", "TaskType", "TaskTypeRegistry"]

#: The hooks whose answers are about one task and come only from the plugin that owns it.
OWNED_HOOKS: tuple[str, ...] = (
    "taskplug_get_custom",
    "taskplug_get_config",
    "taskplug_get_container",
    "taskplug_get_k8s_pod",
    "taskplug_get_sql",
)
_OWNED = frozenset(OWNED_HOOKS)


@dataclass(frozen=True)
class TaskType:
    """One registered task type: the class, the config class that selects it, its owner."""

    task_class: type[PythonTask[Any]]
    config_type: type | None
    task_type: str
    plugin: str


@dataclass(frozen=True)
class Service:
    """A plugin's declaration that it answers ``hooks`` for every task ``when(task)`` is true."""

    plugin: str
    hooks: frozenset[str]
    when: Callable[[PythonTask[Any]], bool]
    description: str


class TaskTypeRegistry:
    """Task types and services contributed by plugins; plugins call :meth:`add` / :meth:`serve`.

    A config class (``Pod``, ``SQLite3Config`` …) selects exactly one task class, found by
    :meth:`task_class_for_config` for ``@task(task_config=...)``. Registering a config class or
    a task class a second time is refused with both registrations named.

    The plugin manager fills the registry one plugin at a time and sets
    :attr:`current_plugin` to the name of the plugin whose hook is running (its entry-point
    name), so registrations are attributed without the plugin having to say who it is.
    """

    def __init__(self, pm: TaskplugPluginManager | None = None) -> None:
        self._pm = pm
        self._by_config: dict[type, TaskType] = {}
        self._by_class: dict[type, TaskType] = {}
        self._services: dict[str, list[Service]] = {}
        self._owner_cache: dict[type, TaskType | None] = {}
        self._hook_owner_cache: dict[tuple[type, str], str | None] = {}
        #: The plugin whose ``taskplug_register_task_types`` is running (set by the manager).
        self.current_plugin: str | None = None

    # -- registration ------------------------------------------------------------------------

    def _plugin(self, fallback: str) -> str:
        return self.current_plugin or fallback

    def _refuse(self, message: str) -> PluginError:
        plugin = self._plugin("(unknown plugin)")
        dist = self._pm.dist_label(plugin) if self._pm is not None else None
        where = f"plugin {plugin!r}" + (f" ({dist})" if dist else "")
        return PluginError(f"{where}: {message}", plugin=plugin, dist=dist)

    def add(
        self,
        task_class: type[PythonTask[Any]],
        *,
        config_type: type | None = None,
        task_type: str | None = None,
    ) -> TaskType:
        """Register ``task_class`` (owned by the calling plugin), selected by ``config_type``.

        ``task_type`` defaults to the class attribute ``task_class.task_type``. Answers of the
        owned hooks (:data:`OWNED_HOOKS`) for instances of ``task_class`` and its subclasses
        come from the registering plugin. Refused with :class:`~taskplug.errors.PluginError`:
        a ``task_class`` that is not a task class, a ``config_type`` that is not a class;
        with :class:`~taskplug.errors.DuplicateRegistrationError`: a class or config class
        registered twice.
        """
        from taskplug.tasks.base import PythonTask

        if not (isinstance(task_class, type) and issubclass(task_class, PythonTask)):
            raise self._refuse(
                f"registry.add() takes a task class (a subclass of taskplug.PythonTask), got "
                f"{task_class!r}"
            )
        if config_type is not None and not isinstance(config_type, type):
            raise self._refuse(
                f"registry.add({task_class.__qualname__}, config_type=...) takes a class, got "
                f"{config_type!r}"
            )
        type_name = task_type or task_class.task_type
        if not isinstance(type_name, str) or not type_name:
            raise self._refuse(
                f"task class {_qual(task_class)} has no task type: set the class attribute "
                f'task_type = "my-type" (got {type_name!r})'
            )
        entry = TaskType(
            task_class=task_class,
            config_type=config_type,
            task_type=type_name,
            plugin=self._plugin(task_class.__module__),
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
        self._forget()
        return entry

    def serve(
        self,
        when: Callable[[PythonTask[Any]], bool],
        *,
        hooks: Iterable[str],
        description: str,
    ) -> Service:
        """Answer ``hooks`` (owned hooks) for every task for which ``when(task)`` is true.

        For tasks a plugin did not register but knows how to describe, e.g. the pod plugin::

            registry.serve(
                lambda task: task.pod_template is not None,
                hooks=("taskplug_get_container", "taskplug_get_k8s_pod", "taskplug_get_config"),
                description="tasks with a pod_template",
            )

        A service takes precedence over the task's owner for those hooks; the serving plugin may
        answer ``None`` (e.g. no container, because the task runs as a pod). ``when`` is called
        at serialization time and must be cheap.
        """
        names = frozenset(hooks)
        unknown = sorted(names - _OWNED)
        if unknown or not names:
            raise self._refuse(
                f"registry.serve(hooks=...) takes owned hooks ({', '.join(OWNED_HOOKS)}), got "
                f"{', '.join(unknown) or 'none'}"
            )
        if not callable(when):
            raise self._refuse(f"registry.serve(when=...) takes a callable, got {when!r}")
        service = Service(
            plugin=self._plugin(getattr(when, "__module__", "?")),
            hooks=names,
            when=when,
            description=description,
        )
        for hook in names:
            self._services.setdefault(hook, []).append(service)
        return service

    def forget_plugin(self, plugin: str) -> None:
        """Drop every registration and service of ``plugin`` (its registration failed)."""
        for table in (self._by_class, self._by_config):
            for key in [k for k, v in table.items() if v.plugin == plugin]:
                del table[key]
        for hook in list(self._services):
            kept = [s for s in self._services[hook] if s.plugin != plugin]
            if kept:
                self._services[hook] = kept
            else:
                del self._services[hook]
        self._forget()

    def _forget(self) -> None:
        self._owner_cache.clear()
        self._hook_owner_cache.clear()

    # -- lookups -----------------------------------------------------------------------------

    def task_class_for_config(self, task_config: object) -> type[PythonTask[Any]] | None:
        """The task class registered for ``type(task_config)`` (or a base class of it)."""
        for klass in type(task_config).__mro__:
            entry = self._by_config.get(klass)
            if entry is not None:
                return entry.task_class
        return None

    def owner_of_class(self, task_class: type) -> TaskType | None:
        """The registration of ``task_class`` or of its nearest registered base class."""
        try:
            return self._owner_cache[task_class]
        except KeyError:
            pass
        found = None
        for klass in task_class.__mro__:
            found = self._by_class.get(klass)
            if found is not None:
                break
        self._owner_cache[task_class] = found
        return found

    def has_services(self, hook: str) -> bool:
        """Whether any plugin serves ``hook`` for tasks it did not register."""
        return hook in self._services

    def answering_plugin(self, task: PythonTask[Any], hook: str) -> str | None:
        """The plugin whose implementation of owned ``hook`` answers for ``task``.

        A service whose ``when`` matches wins over the class owner; two matching services of
        different plugins raise :class:`~taskplug.errors.PluginError` naming both.
        """
        services = self._services.get(hook)
        if services:
            matched = [s for s in services if self._matches(s, task, hook)]
            if len(matched) == 1:
                return matched[0].plugin
            if len(matched) > 1:
                who = " and ".join(f"plugin {s.plugin!r} ({s.description})" for s in matched)
                raise PluginError(
                    f"task {task.name!r}: {who} both serve {hook} for it; uninstall or disable "
                    "one of them (TASKPLUG_DISABLE_PLUGINS=name)",
                    plugin=matched[-1].plugin,
                )
        return self.hook_owner(type(task), hook)

    def hook_owner(self, task_class: type, hook: str) -> str | None:
        """The plugin that answers ``hook`` for ``task_class`` by registration (no services).

        The nearest class in the MRO registered by a plugin that implements ``hook``.
        """
        key = (task_class, hook)
        try:
            return self._hook_owner_cache[key]
        except KeyError:
            pass
        implementers = (
            {i.plugin_name for i in getattr(self._pm.hook, hook).get_hookimpls()}
            if self._pm is not None
            else None
        )
        found = None
        for klass in task_class.__mro__:
            entry = self._by_class.get(klass)
            if entry is not None and (implementers is None or entry.plugin in implementers):
                found = entry.plugin
                break
        self._hook_owner_cache[key] = found
        return found

    def _matches(self, service: Service, task: PythonTask[Any], hook: str) -> bool:
        try:
            return bool(service.when(task))
        except Exception as exc:
            dist = self._pm.dist_label(service.plugin) if self._pm is not None else None
            raise PluginHookError.wrap(
                exc, plugin=repr(service.plugin), dist=dist, hook=f"{hook} (registry.serve when=)"
            ) from exc

    def services(self) -> Iterator[Service]:
        """Every service declared, each once."""
        seen: set[int] = set()
        for services in self._services.values():
            for s in services:
                if id(s) not in seen:
                    seen.add(id(s))
                    yield s

    def plugins(self) -> set[str]:
        """The plugins that registered a task type or declared a service."""
        return {t.plugin for t in self._by_class.values()} | {s.plugin for s in self.services()}

    def __iter__(self) -> Iterator[TaskType]:
        return iter(self._by_class.values())

    def __len__(self) -> int:
        return len(self._by_class)


def _qual(klass: type) -> str:
    return f"{klass.__module__}.{klass.__qualname__}"
