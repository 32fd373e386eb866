"""A task-type plugin leaves the tasks it does not own alone.

Hooks about one task are routed to the plugin that owns it, so a plugin's ``get_custom`` is
never asked about someone else's task — unless the plugin *serves* too many tasks
(``registry.serve(lambda task: True, ...)``), claims config classes that are not its own, or
changes tasks while they are declared. :func:`check_foreign_tasks_untouched` declares a few
ordinary tasks with and without the plugin and compares their templates section by section.
(Platform plugins exist to change every task: this check is for task-type plugins.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskplug.tasks.function import PythonInstanceTask

if TYPE_CHECKING:
    from taskplug._manager import TaskplugPluginManager
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = ["check_foreign_tasks_untouched", "foreign_tasks"]

_SECTIONS = ("type", "custom", "config", "container", "k8s_pod", "sql", "metadata", "interface")


def foreign_add(a: int, b: int = 1) -> int:
    """An ordinary task function no plugin owns (used by the foreign-task check)."""
    return a + b


async def foreign_async(text: str) -> str:
    """An ordinary async task function."""
    return text.upper()


class ForeignConfig:
    """A task config class no plugin registered."""


class _ForeignEcho(PythonInstanceTask[None]):
    def execute(self, **kwargs: Any) -> Any:
        return kwargs["text"]


#: An ordinary instance task (declared when this module is imported, i.e. on first use).
foreign_echo = _ForeignEcho(name="foreign_echo", inputs={"text": str}, outputs={"o0": str})


def foreign_tasks() -> list[PythonTask[Any]]:
    """Ordinary tasks of the built-in task types, declared under the current plugin manager."""
    from taskplug.resources import Resources
    from taskplug.tasks.decorator import task

    return [
        task(foreign_add),
        task(retries=2, requests=Resources(cpu="1", mem="1Gi"), environment={"A": "1"})(
            foreign_add
        ),
        task(foreign_async),
        foreign_echo,
    ]


def _templates(
    pm: TaskplugPluginManager, settings: SerializationSettings, plugin: str
) -> list[Any]:
    """The foreign tasks' templates under ``pm``; ``None`` for the ones ``plugin`` registered."""
    from taskplug._manager import set_plugin_manager
    from taskplug.serialization import serialize

    old = set_plugin_manager(pm)
    try:
        out: list[Any] = []
        for t in foreign_tasks():
            registered = pm.task_types.owner_of_class(type(t))
            mine = registered is not None and registered.plugin == plugin
            if mine:
                out.append(None)
                continue
            try:
                out.append(serialize(t, settings))
            except Exception as exc:
                raise AssertionError(
                    f"serializing task {t.name!r} ({t.task_type}), a task plugin {plugin!r} does "
                    f"not own, raised {type(exc).__name__}: {exc}"
                ) from exc
        return out
    finally:
        set_plugin_manager(old)


def check_foreign_tasks_untouched(
    plugin: object, *, settings: SerializationSettings | None = None
) -> None:
    """Installing ``plugin`` changes nothing in the templates of tasks it does not own.

    Fails naming the task and the template section the plugin changed, and when the plugin
    picks a task class for a config class that is not its own
    (``taskplug_task_class_for_config`` answering for everything).
    """
    from taskplug._manager import build_plugin_manager
    from taskplug.settings import SerializationSettings

    settings = settings or SerializationSettings.for_tests()
    without = build_plugin_manager(strict=True)
    registered = without.get_name(plugin)
    if registered is not None:
        without.unregister_plugin(registered)
    with_plugin = build_plugin_manager(strict=True)
    name = with_plugin.get_name(plugin)
    if name is None:
        name = with_plugin.register_plugin(plugin, strict=True).name
    picked = with_plugin.hooks.task_class_for_config(ForeignConfig())
    assert picked is None, (
        f"plugin {name!r} picks task class {picked!r} for ForeignConfig, a config class it does "
        "not know: taskplug_task_class_for_config must return None for configs that are not "
        "its own"
    )
    after_all = _templates(with_plugin, settings, name)
    if all(a is None for a in after_all):
        return  # every one of them is the plugin's own (the built-in container plugin)
    for before, after in zip(_templates(without, settings, name), after_all):
        if after is None:
            continue  # the plugin's own task type
        changed = [s for s in _SECTIONS if getattr(before, s) != getattr(after, s)]
        assert not changed, (
            f"plugin {name!r} changes the {', '.join(changed)} of task {before.id.name!r} "
            f"({before.type}), a task it does not own: answer owned hooks only for the task "
            "types you register, and make registry.serve(when=...) match only the tasks you "
            f"serve.\nwithout the plugin: {[getattr(before, s) for s in changed]}\nwith it: "
            f"{[getattr(after, s) for s in changed]}"
        )
