"""Typed hook calls: the relay the core uses instead of ``pm.hook.*``, and error attribution.

Cross-cutting hooks go through :meth:`HookRelay.call` (pluggy's own machinery, every plugin)
or :meth:`HookRelay.each` (one implementation at a time, for hooks whose answers are threaded
or attributed). Owned hooks (answers about one task, :data:`taskplug.registry.OWNED_HOOKS`) go
through :meth:`HookRelay.owned`: only the implementation of the plugin that owns the task (see
:mod:`taskplug.registry`) is called. An exception raised by a plugin comes out as a
:class:`~taskplug.errors.PluginHookError` of the original's type, naming the plugin, its
distribution and version and the hook, with pluggy's and this module's frames trimmed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pluggy

from taskplug.errors import PluginError, PluginHookError, trim_traceback

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2

    from taskplug._manager import PluginInfo, TaskplugPluginManager
    from taskplug.context import ExecutionParameters
    from taskplug.extended_resources import ExtendedResourcesProposal
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask
    from taskplug.types.engine import TypeTransformerRegistry

__all__ = ["FRAMEWORK_FILES", "HookRelay"]

#: Files whose frames are trimmed from a plugin's traceback.
FRAMEWORK_FILES = (os.path.dirname(pluggy.__file__), __file__)


def _culprit(pm: TaskplugPluginManager, hook: pluggy.HookCaller, exc: BaseException) -> object:
    impls = hook.get_hookimpls()
    by_code = {getattr(i.function, "__code__", None): i for i in impls}
    tb = exc.__traceback__
    while tb is not None:
        impl = by_code.get(tb.tb_frame.f_code)
        if impl is not None:
            return impl.plugin
        tb = tb.tb_next
    if len(impls) == 1:
        return impls[0].plugin
    return None


def _raise_plugin_error(pm: TaskplugPluginManager, hook: pluggy.HookCaller, exc: Exception) -> None:
    if isinstance(exc, PluginError):  # already names the plugins involved
        raise exc
    plugin = _culprit(pm, hook, exc)
    if plugin is None:
        names = ", ".join(pm.describe(i.plugin)[0] for i in hook.get_hookimpls())
        name, dist = f"(one of: {names})", None
    else:
        name, dist = pm.describe(plugin)
    err = PluginHookError.wrap(
        exc, plugin=repr(name) if plugin else name, dist=dist, hook=hook.name
    )
    exc.__traceback__ = trim_traceback(exc.__traceback__, *FRAMEWORK_FILES)
    raise err.with_traceback(None) from exc


def _single_call(
    impl: pluggy.HookImpl, plugin: str, dist: str | None, hook: str
) -> Callable[..., Any]:
    def call(**kwargs: Any) -> Any:
        try:
            return impl.function(*(kwargs[a] for a in impl.argnames))
        except PluginError:  # already names the plugins involved
            raise
        except Exception as exc:
            err = PluginHookError.wrap(exc, plugin=repr(plugin), dist=dist, hook=hook)
            exc.__traceback__ = trim_traceback(exc.__traceback__, *FRAMEWORK_FILES)
            raise err.with_traceback(None) from exc

    return call


class HookRelay:
    """Typed calls of the hooks the core uses; plugin errors come out as ``PluginHookError``."""

    def __init__(self, pm: TaskplugPluginManager) -> None:
        self._pm = pm
        self._impl_calls: dict[tuple[str, str], Callable[..., Any] | None] = {}
        self._plans: dict[type, tuple[tuple[str, str, Callable[..., Any] | None], ...]] = {}

    def forget(self) -> None:
        """Drop cached implementations and plans (the set of plugins changed)."""
        self._impl_calls.clear()
        self._plans.clear()

    def call(self, name: str, **kwargs: Any) -> Any:
        """Call hook ``name``; errors raised by a plugin name the plugin and its distribution."""
        hook: pluggy.HookCaller = getattr(self._pm.hook, name)
        try:
            return hook(**kwargs)
        except Exception as exc:
            _raise_plugin_error(self._pm, hook, exc)

    def has_impls(self, name: str) -> bool:
        """Whether any plugin implements hook ``name`` (lets hot paths skip empty hooks)."""
        hook: pluggy.HookCaller = getattr(self._pm.hook, name)
        return bool(hook.get_hookimpls())

    def each(self, name: str) -> Iterator[tuple[str, Callable[..., Any]]]:
        """The implementations of hook ``name`` one by one, in pluggy's call order.

        Yields ``(plugin name, call)``; ``call(**kwargs)`` runs that one implementation with
        the arguments it asks for, and a plugin's exception comes out as ``PluginHookError``.
        """
        hook: pluggy.HookCaller = getattr(self._pm.hook, name)
        for impl in reversed(hook.get_hookimpls()):
            plugin_name, dist = self._pm.describe(impl.plugin)
            yield plugin_name, _single_call(impl, plugin_name, dist, name)

    def chain(
        self, name: str, value_name: str, value: Any, **kwargs: Any
    ) -> tuple[Any, str | None]:
        """Call the implementations one by one in pluggy order, threading ``value`` through.

        ``None`` from an implementation keeps the value; anything else replaces it. Returns
        the final value and the name of the last plugin that replaced it (``None``: nobody).
        """
        replaced_by = None
        for plugin, call in self.each(name):
            result = call(**kwargs, **{value_name: value})
            if result is not None:
                value, replaced_by = result, plugin
        return value, replaced_by

    # -- owned hooks -------------------------------------------------------------------------

    def answerer(self, hook: str, task: PythonTask[Any]) -> str | None:
        """The plugin whose implementation of owned ``hook`` answers for ``task``."""
        return self._pm.task_types.answering_plugin(task, hook)

    def owned(self, hook: str, task: PythonTask[Any]) -> Callable[..., Any] | None:
        """The call of the owner's implementation of owned ``hook`` for ``task``, or ``None``.

        ``None`` when no plugin owns the task or the owner does not implement the hook.
        """
        plugin = self._pm.task_types.answering_plugin(task, hook)
        return None if plugin is None else self._impl_call(hook, plugin)

    def owned_plan(
        self, task_class: type[PythonTask[Any]]
    ) -> tuple[tuple[str, str, Callable[..., Any] | None], ...]:
        """How ``serialize()`` asks each owned hook for tasks of ``task_class`` (cached).

        One ``(section, mode, call)`` per owned hook, ``section`` being ``custom``, ``config``,
        ``container``, ``k8s_pod`` or ``sql``. ``mode``: ``method`` (the class overrides
        ``get_<section>``), ``call`` (the owner's implementation, ``call``), ``dynamic`` (a
        plugin serves some tasks for this hook: use :meth:`owned` per task) or ``skip``.
        """
        plan = self._plans.get(task_class)
        if plan is not None:
            return plan
        from taskplug.registry import OWNED_HOOKS
        from taskplug.tasks.base import PythonTask

        registry = self._pm.task_types
        steps: list[tuple[str, str, Callable[..., Any] | None]] = []
        for hook in OWNED_HOOKS:
            section = hook.removeprefix("taskplug_get_")
            method = f"get_{section}"
            if getattr(task_class, method) is not getattr(PythonTask, method):
                steps.append((section, "method", None))
            elif registry.has_services(hook):
                steps.append((section, "dynamic", None))
            else:
                owner = registry.hook_owner(task_class, hook)
                call = None if owner is None else self._impl_call(hook, owner)
                steps.append((section, "skip" if call is None else "call", call))
        plan = self._plans[task_class] = tuple(steps)
        return plan

    def _impl_call(self, hook: str, plugin: str) -> Callable[..., Any] | None:
        key = (hook, plugin)
        try:
            return self._impl_calls[key]
        except KeyError:
            pass
        found = None
        for impl in getattr(self._pm.hook, hook).get_hookimpls():
            if impl.plugin_name == plugin:
                name, dist = self._pm.describe(impl.plugin)
                found = _single_call(impl, name, dist, hook)
        self._impl_calls[key] = found
        return found

    def _owned_answer(self, hook: str, task: PythonTask[Any], settings: Any) -> Any:
        call = self.owned(hook, task)
        return None if call is None else call(task=task, settings=settings)

    def iter_plugins(self) -> Iterator[PluginInfo]:
        """The plugins known to the manager, loaded or not, sorted by name."""
        yield from sorted(self._pm.infos.values(), key=lambda i: i.name)

    # -- typed wrappers ----------------------------------------------------------------------

    def task_class_for_config(self, task_config: object) -> type[PythonTask[Any]] | None:
        """The registry's class for ``task_config``, else ``taskplug_task_class_for_config``.

        A config class registered with ``registry.add(..., config_type=...)`` always selects
        its registered task class; the hook only decides for config classes nobody registered.
        """
        cls = self._pm.task_types.task_class_for_config(task_config)
        if cls is None:
            cls = self.call("taskplug_task_class_for_config", task_config=task_config)
        return cls

    def register_type_transformers(self, registry: TypeTransformerRegistry) -> None:
        """``taskplug_register_type_transformers``: plugins add their transformers.

        One implementation at a time, each inside ``registry.registering(plugin, dist)``, so
        the registry knows whose transformers it receives (a type claimed twice names both).
        """
        for plugin, call in self.each("taskplug_register_type_transformers"):
            with registry.registering(plugin, self._pm.dist_label(plugin)):
                call(registry=registry)

    def configure_task(self, task: PythonTask[Any]) -> None:
        """``taskplug_configure_task``: platform defaults and policy."""
        self.call("taskplug_configure_task", task=task)

    def get_custom(
        self, task: PythonTask[Any], settings: SerializationSettings
    ) -> dict[str, Any] | None:
        """``taskplug_get_custom``, answered by the plugin that owns ``task``."""
        answer: dict[str, Any] | None = self._owned_answer("taskplug_get_custom", task, settings)
        return answer

    def get_config(
        self, task: PythonTask[Any], settings: SerializationSettings
    ) -> dict[str, str] | None:
        """``taskplug_get_config``, answered by the plugin that owns ``task``."""
        answer: dict[str, str] | None = self._owned_answer("taskplug_get_config", task, settings)
        return answer

    def get_container(
        self, task: PythonTask[Any], settings: SerializationSettings
    ) -> tasks_pb2.Container | None:
        """``taskplug_get_container``, answered by the plugin that owns ``task``."""
        answer: tasks_pb2.Container | None = self._owned_answer(
            "taskplug_get_container", task, settings
        )
        return answer

    def get_k8s_pod(
        self, task: PythonTask[Any], settings: SerializationSettings
    ) -> tasks_pb2.K8sPod | None:
        """``taskplug_get_k8s_pod``, answered by the plugin that owns ``task``."""
        answer: tasks_pb2.K8sPod | None = self._owned_answer("taskplug_get_k8s_pod", task, settings)
        return answer

    def get_sql(
        self, task: PythonTask[Any], settings: SerializationSettings
    ) -> tasks_pb2.Sql | None:
        """``taskplug_get_sql``, answered by the plugin that owns ``task``."""
        answer: tasks_pb2.Sql | None = self._owned_answer("taskplug_get_sql", task, settings)
        return answer

    def get_extended_resources(
        self,
        task: PythonTask[Any],
        settings: SerializationSettings,
        proposal: ExtendedResourcesProposal,
    ) -> ExtendedResourcesProposal:
        """``taskplug_get_extended_resources``: every plugin adjusts ``proposal`` in turn."""
        self.call(
            "taskplug_get_extended_resources", task=task, settings=settings, proposal=proposal
        )
        return proposal

    def pre_execute(self, task: PythonTask[Any], params: ExecutionParameters) -> None:
        """``taskplug_pre_execute``."""
        self.call("taskplug_pre_execute", task=task, params=params)

    def post_execute(self, task: PythonTask[Any], params: ExecutionParameters, outputs: Any) -> Any:
        """``taskplug_post_execute``, chained."""
        value, _ = self.chain("taskplug_post_execute", "outputs", outputs, task=task, params=params)
        return value
