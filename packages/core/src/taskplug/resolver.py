"""Task resolvers: how a container finds the task object again (``--resolver … -- args``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from taskplug.errors import TaskplugError

if TYPE_CHECKING:
    from taskplug.tasks.base import PythonTask

__all__ = [
    "DefaultTaskResolver",
    "InstanceTaskResolver",
    "TaskResolutionError",
    "TaskResolver",
    "default_task_resolver",
    "entrypoint_command",
    "instance_task_resolver",
    "load_resolver",
]


class TaskResolutionError(TaskplugError, LookupError):
    """The task named by a resolver's arguments could not be found."""


@runtime_checkable
class TaskResolver(Protocol):
    """Turns a task into loader arguments and back (flytekit's ``TaskResolverMixin``)."""

    @property
    def location(self) -> str:
        """Importable path of this resolver object (``module.attribute``)."""
        ...

    def name(self) -> str:
        """A short name for messages."""
        ...

    def loader_args(self, settings: Any, task: PythonTask[Any]) -> list[str]:
        """Arguments that :meth:`load_task` turns back into ``task``."""
        ...

    def load_task(self, loader_args: list[str]) -> PythonTask[Any]:
        """The task named by ``loader_args``."""
        ...


def entrypoint_command(
    resolver: TaskResolver, settings: Any, task: Any, *, checkpoints: bool = True
) -> list[str]:
    """The container command that runs ``task`` through ``taskplug-execute``, with Flyte's
    placeholders: ``taskplug-execute --inputs {{.input}} --output-prefix {{.outputPrefix}} …
    --resolver R -- <R's loader args>``.

    ``checkpoints=False`` leaves out ``--checkpoint-path`` / ``--prev-checkpoint`` (flytekit's
    customized-container tasks, such as its SQL tasks, pass none).
    """
    command = [
        "taskplug-execute",
        "--inputs",
        "{{.input}}",
        "--output-prefix",
        "{{.outputPrefix}}",
        "--raw-output-data-prefix",
        "{{.rawOutputDataPrefix}}",
    ]
    if checkpoints:
        command += [
            "--checkpoint-path",
            "{{.checkpointOutputPrefix}}",
            "--prev-checkpoint",
            "{{.prevCheckpointPrefix}}",
        ]
    return [*command, "--resolver", resolver.location, "--", *resolver.loader_args(settings, task)]


class DefaultTaskResolver:
    """Finds a task by module and attribute name: ``task-module M task-name N``.

    Works for ``@task`` functions (the attribute is the function's name) and for instance tasks
    assigned to a module-level variable (the attribute is that variable, found by ``find_lhs``).
    """

    @property
    def location(self) -> str:
        """``taskplug.resolver.default_task_resolver``."""
        return "taskplug.resolver.default_task_resolver"

    def name(self) -> str:
        """``DefaultTaskResolver``."""
        return "DefaultTaskResolver"

    def loader_args(self, settings: Any, task: PythonTask[Any]) -> list[str]:
        """``["task-module", module, "task-name", attribute]``."""
        module = getattr(task, "instantiated_in", None) or ""
        return ["task-module", module, "task-name", task.lhs]  # type: ignore[attr-defined]

    def load_task(self, loader_args: list[str]) -> PythonTask[Any]:
        """Import the module and return the attribute."""
        module_name, task_name = _module_and_name(self.name(), loader_args)
        module = _import(module_name)
        obj = getattr(module, task_name, None)
        if obj is None:
            raise TaskResolutionError(f"module {module_name!r} has no task named {task_name!r}")
        from taskplug.tasks.base import PythonTask

        if not isinstance(obj, PythonTask):
            raise TaskResolutionError(
                f"{module_name}.{task_name} is a {type(obj).__name__}, not a task"
            )
        return obj


default_task_resolver = DefaultTaskResolver()


class InstanceTaskResolver:
    """Finds an instance task by its *name* in its module: ``task-module M task-name NAME``.

    For tasks that are not held by a module-level variable of their own — made in a loop, kept
    in a list or a dict — which :class:`DefaultTaskResolver` cannot name. ``load_task`` looks
    through the module's globals and one level into its lists, tuples and dict values.
    ``task.set_resolver(instance_task_resolver)`` or ``task_resolver=instance_task_resolver``.
    """

    @property
    def location(self) -> str:
        """``taskplug.resolver.instance_task_resolver``."""
        return "taskplug.resolver.instance_task_resolver"

    def name(self) -> str:
        """``InstanceTaskResolver``."""
        return "InstanceTaskResolver"

    def loader_args(self, settings: Any, task: PythonTask[Any]) -> list[str]:
        """``["task-module", module, "task-name", task.name]``."""
        module = getattr(task, "instantiated_in", None) or ""
        return ["task-module", module, "task-name", task.name]

    def load_task(self, loader_args: list[str]) -> PythonTask[Any]:
        """Import the module and find the task whose ``name`` matches."""
        module_name, task_name = _module_and_name(self.name(), loader_args)
        from taskplug.tasks.base import PythonTask

        module = _import(module_name)
        for value in vars(module).values():
            candidates: list[Any]
            if isinstance(value, dict):
                candidates = list(value.values())
            elif isinstance(value, (list, tuple)):
                candidates = list(value)
            else:
                candidates = [value]
            for item in candidates:
                if isinstance(item, PythonTask) and item.name == task_name:
                    return item
        raise TaskResolutionError(f"module {module_name!r} has no task named {task_name!r}")


instance_task_resolver = InstanceTaskResolver()


def _module_and_name(resolver: str, loader_args: list[str]) -> tuple[str, str]:
    """``(M, N)`` from ``["task-module", M, "task-name", N]``, or a clear error."""
    args = dict(zip(loader_args[0::2], loader_args[1::2]))
    module_name, task_name = args.get("task-module"), args.get("task-name")
    if not module_name or not task_name:
        raise TaskResolutionError(
            f"resolver {resolver} expects 'task-module M task-name N', got {loader_args!r}"
        )
    return module_name, task_name


def _import(module_name: str) -> Any:
    from taskplug.errors import PluginError

    try:
        return importlib.import_module(module_name)
    except PluginError:
        raise  # a plugin failed while the module was imported: the plugin's error, not ours
    except ImportError as exc:
        raise TaskResolutionError(
            f"task module {module_name!r} could not be imported: {type(exc).__name__}: {exc}"
        ) from exc


def load_resolver(location: str) -> TaskResolver:
    """Import a resolver from ``module.attribute`` (a class there is instantiated, as flytekit
    instantiates the map task resolver it names by class)."""
    module_name, _, attr = location.rpartition(".")
    try:
        resolver = getattr(importlib.import_module(module_name), attr)
        if isinstance(resolver, type):
            resolver = resolver()
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise TaskResolutionError(f"resolver {location!r} could not be loaded: {exc}") from exc
    if not isinstance(resolver, TaskResolver):
        raise TaskResolutionError(f"{location!r} is not a task resolver")
    return resolver
