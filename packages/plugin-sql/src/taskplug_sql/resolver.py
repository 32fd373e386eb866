"""The task-template resolver: a SQL template task rebuilt in the container from its template.

The prebuilt image does not hold the user's code, so the container's command names the
template and the executor instead of a module and a variable (flytekit's convention)::

    taskplug-execute … --resolver taskplug_sql.resolver.task_template_resolver \\
        -- {{.taskTemplatePath}} taskplug_sql.sqlite.SQLite3TaskExecutor

``load_task`` reads the ``TaskTemplate`` (a local path or any fsspec URL), rebuilds the
interface from its literal types (tables come back as ``pyarrow.Table``, annotated with the
declared columns) and returns a :class:`TemplateTask` whose ``execute`` hands the inputs to the
executor.
"""

from __future__ import annotations

import datetime
import importlib
from typing import TYPE_CHECKING, Any

from taskplug.resolver import TaskResolutionError
from taskplug.tasks.base import PythonTask
from taskplug.tasks.interface import Interface
from taskplug_sql.template import QueryTemplate

if TYPE_CHECKING:
    from flyteidl.core import tasks_pb2, types_pb2

    from taskplug_sql.base import SQLExecutor

__all__ = ["TaskTemplateResolver", "TemplateTask", "python_type_for", "task_template_resolver"]

_SIMPLE_NAMES = {
    "INTEGER": int,
    "FLOAT": float,
    "STRING": str,
    "BOOLEAN": bool,
    "DATETIME": datetime.datetime,
    "DURATION": datetime.timedelta,
}


def python_type_for(literal_type: types_pb2.LiteralType) -> Any:
    """The Python type a template-run task uses for a variable of ``literal_type``."""
    from flyteidl.core import types_pb2

    kind = literal_type.WhichOneof("type")
    if kind == "simple":
        name = types_pb2.SimpleType.Name(literal_type.simple)
        if name in _SIMPLE_NAMES:
            return _SIMPLE_NAMES[name]
    if kind in ("structured_dataset_type", "schema"):
        import pyarrow

        from taskplug.types.tables import table_type_for

        return table_type_for(literal_type, pyarrow.Table)
    raise TaskResolutionError(
        f"a template-run SQL task cannot take a variable of literal type {literal_type}"
    )


class TemplateTask(PythonTask[Any]):
    """A task rebuilt from a ``TaskTemplate``: interface and ``custom`` from the template,
    ``execute`` by the executor."""

    def __init__(self, template: tasks_pb2.TaskTemplate, executor: SQLExecutor) -> None:
        from google.protobuf.json_format import MessageToDict

        variables = template.interface
        interface = Interface(
            {n: python_type_for(v.type) for n, v in variables.inputs.variables.items()},
            {n: python_type_for(v.type) for n, v in variables.outputs.variables.items()},
        )
        super().__init__(template.type, template.id.name, interface=interface)
        self.template = template
        self._custom: dict[str, Any] = MessageToDict(template.custom)
        self._executor = executor
        self._query = QueryTemplate(
            str(self._custom.get("query_template", "")),
            task=self.name,
            inputs=list(interface.inputs),
            paste=bool(self._custom.get("paste_inputs")),
        )

    @property
    def custom(self) -> dict[str, Any]:
        """The template's ``custom``."""
        return self._custom

    @property
    def query(self) -> QueryTemplate:
        """The parsed query template."""
        return self._query

    @property
    def output_type(self) -> Any:
        """The type of output ``results`` (``None`` when the template declares none)."""
        return self.python_interface.outputs.get("results")

    def execute(self, **kwargs: Any) -> Any:
        """Hand the inputs to the executor."""
        return self._executor.execute_from_template(self, **kwargs)


class TaskTemplateResolver:
    """Loads a :class:`TemplateTask` from ``[template path, executor import path]``."""

    @property
    def location(self) -> str:
        """``taskplug_sql.resolver.task_template_resolver``."""
        return "taskplug_sql.resolver.task_template_resolver"

    def name(self) -> str:
        """``task template resolver``."""
        return "task template resolver"

    def loader_args(self, settings: Any, task: Any) -> list[str]:
        """``["{{.taskTemplatePath}}", "<module>.<executor class>"]``."""
        executor = task.executor_type
        return ["{{.taskTemplatePath}}", f"{executor.__module__}.{executor.__qualname__}"]

    def load_task(self, loader_args: list[str]) -> PythonTask[Any]:
        """Read the template, import the executor, build the task."""
        if len(loader_args) != 2:
            raise TaskResolutionError(
                f"the task template resolver expects '<template path> <executor>', got "
                f"{loader_args!r}"
            )
        path, executor_path = loader_args
        from flyteidl.core import tasks_pb2

        template = tasks_pb2.TaskTemplate()
        try:
            template.ParseFromString(_read(path))
        except FileNotFoundError:
            raise TaskResolutionError(f"task template {path!r} does not exist") from None
        except Exception as exc:
            raise TaskResolutionError(
                f"task template {path!r} could not be read: {type(exc).__name__}: {exc}"
            ) from None
        module_name, _, attr = executor_path.rpartition(".")
        try:
            executor_cls = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise TaskResolutionError(
                f"executor {executor_path!r} cannot be loaded: {exc}"
            ) from None
        return TemplateTask(template, executor_cls())


def _read(uri: str) -> bytes:
    head, sep, _ = uri.partition("://")
    if not sep or head == "file":
        with open(uri[len("file://") :] if head == "file" else uri, "rb") as fh:
            return fh.read()
    import fsspec

    with fsspec.open(uri, "rb") as fh:
        data: bytes = fh.read()
    return data


task_template_resolver = TaskTemplateResolver()
