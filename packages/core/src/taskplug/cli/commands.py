"""``taskplug run`` and ``taskplug serialize``.

``run`` loads a Python file, finds a task in it, turns each of the task's inputs into a
command-line option of the right type, runs the task locally and prints its outputs.
``serialize`` loads Python files and writes each task's template as protobuf (``.pb``) and
as readable JSON (``.json``).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import importlib
import json
import os
import re
import sys
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from taskplug._entrypoint.storage import write_atomic
from taskplug.types.engine import is_union, strip_annotated

if TYPE_CHECKING:
    from types import ModuleType

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = ["load_tasks", "run", "serialize"]


# --------------------------------------------------------------------------------------------
# Loading files
# --------------------------------------------------------------------------------------------


def _module_name_for(path: str) -> tuple[str, str]:
    """``(sys.path root, dotted module name)`` for a ``.py`` file, walking up packages."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    parts = [os.path.splitext(filename)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    return directory, ".".join(parts)


def load_module(path: str) -> ModuleType:
    """Import the Python file ``path`` under its importable name (so containers find it too)."""
    if not os.path.isfile(path):
        raise click.UsageError(f"file {path!r} does not exist")
    if not path.endswith(".py"):
        raise click.UsageError(f"{path!r} is not a Python file (.py)")
    root, name = _module_name_for(path)
    loaded = sys.modules.get(name)
    if loaded is not None:
        origin = getattr(loaded, "__file__", None)
        if origin and os.path.samefile(origin, path):
            return loaded
        raise click.UsageError(
            f"cannot load {path!r}: a module named {name!r} is already imported from {origin!r}"
        )
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise click.ClickException(
            f"could not load {path!r} (module {name}): {type(exc).__name__}: {exc}"
        ) from exc


def load_tasks(module: ModuleType, *, own_only: bool = True) -> dict[str, PythonTask[Any]]:
    """Tasks at module level of ``module`` by attribute name (``own_only``: declared there)."""
    from taskplug.tasks.base import PythonTask

    found: dict[str, PythonTask[Any]] = {}
    for attr, value in vars(module).items():
        if not isinstance(value, PythonTask):
            continue
        if own_only and getattr(value, "instantiated_in", module.__name__) != module.__name__:
            continue
        found[attr] = value
    return found


def _find_task(module: ModuleType, name: str, path: str) -> PythonTask[Any]:
    tasks = load_tasks(module, own_only=False)
    if name in tasks:
        return tasks[name]
    for t in tasks.values():
        if t.name == name or t.name.rpartition(".")[2] == name:
            return t
    known = ", ".join(sorted(load_tasks(module))) or "none"
    raise click.UsageError(f"no task named {name!r} in {path}; its tasks are: {known}")


# --------------------------------------------------------------------------------------------
# Option types for task inputs
# --------------------------------------------------------------------------------------------

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d*)?)d)?\s*(?:(\d+(?:\.\d*)?)h)?\s*"
    r"(?:(\d+(?:\.\d*)?)m)?\s*(?:(\d+(?:\.\d*)?)s)?\s*$"
)


def _parse_datetime(text: str) -> datetime.datetime:
    if text == "now":
        return datetime.datetime.now()
    if text == "today":
        return datetime.datetime.combine(datetime.date.today(), datetime.time())
    return datetime.datetime.fromisoformat(text)


def _parse_timedelta(text: str) -> datetime.timedelta:
    try:
        return datetime.timedelta(seconds=float(text))
    except ValueError:
        pass
    m = _DURATION.match(text)
    if not text.strip() or m is None or not any(m.groups()):
        raise ValueError(f"{text!r} is not a duration (seconds, or e.g. 1h30m, 2d, 45s)")
    d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return datetime.timedelta(days=d, hours=h, minutes=mi, seconds=s)


def _type_label(t: Any) -> str:
    from taskplug.tasks.interface import describe_type

    return describe_type(t)


def from_json(t: Any, value: Any, *, where: str = "value") -> Any:
    """Turn a decoded JSON value into a value of type ``t`` (lists, dicts, dataclasses, …)."""
    t = strip_annotated(t)
    if t is Any or t is object:
        return value
    if is_union(t):
        args = typing.get_args(t)
        if value is None and type(None) in args:
            return None
        errors = []
        for arm in args:
            if arm is type(None):
                continue
            try:
                return from_json(arm, value, where=where)
            except (ValueError, TypeError) as exc:
                errors.append(str(exc))
        raise ValueError(f"{where}: {value!r} fits none of {_type_label(t)} ({'; '.join(errors)})")
    origin = typing.get_origin(t)
    if origin in (list, Sequence, typing.List):  # noqa: UP006
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a JSON list for {_type_label(t)}, got {value!r}")
        (item,) = typing.get_args(t) or (Any,)
        return [from_json(item, v, where=f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a JSON object for {_type_label(t)}, got {value!r}")
        kt, vt = typing.get_args(t) or (str, Any)
        return {
            from_json(kt, k, where=where): from_json(vt, v, where=f"{where}[{k!r}]")
            for k, v in value.items()
        }
    if origin is tuple:
        args = typing.get_args(t)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a JSON list for {_type_label(t)}, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], v, where=where) for v in value)
        return tuple(from_json(a, v, where=where) for a, v in zip(args, value))
    if not isinstance(t, type):
        return value
    if dataclasses.is_dataclass(t):
        if isinstance(value, t):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a JSON object for {t.__name__}, got {value!r}")
        hints = typing.get_type_hints(t)
        names = {f.name for f in dataclasses.fields(t)}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{where}: {t.__name__} has no field(s) {', '.join(sorted(unknown))}")
        missing = [
            f.name
            for f in dataclasses.fields(t)
            if f.name not in value
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise ValueError(f"{where}: {t.__name__} needs field(s) {', '.join(missing)}")
        kwargs = {k: from_json(hints[k], v, where=f"{where}.{k}") for k, v in value.items()}
        try:
            return t(**kwargs)
        except TypeError as exc:
            raise ValueError(f"{where}: {exc}") from exc
    if hasattr(t, "model_validate"):  # pydantic v2
        try:
            return t.model_validate(value)
        except Exception as exc:
            raise ValueError(f"{where}: {exc}") from exc
    if issubclass(t, enum.Enum):
        try:
            return t(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in t)
            raise ValueError(f"{where}: {value!r} is not one of {choices}") from None
    if t is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if t is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if t in (int, float, str):
        if not isinstance(value, t) or isinstance(value, bool):
            raise ValueError(f"{where}: expected {t.__name__}, got {value!r}")
        return value
    if t is datetime.datetime and isinstance(value, str):
        return _parse_datetime(value)
    if t is datetime.date and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if t is datetime.timedelta and isinstance(value, (str, int, float)):
        return _parse_timedelta(str(value))
    if isinstance(value, str) and t.__name__ in ("File", "Directory"):
        return typing.cast(Any, t)(value)
    return value


class InputType(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.3
    """A click type for one task input: parses the text, then checks it against the type."""

    def __init__(self, python_type: Any) -> None:
        self.python_type = python_type
        self.name = _type_label(python_type)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Text from the command line to a Python value of the input's type."""
        if not isinstance(value, str):
            return value
        t = strip_annotated(self.python_type)
        try:
            return self._convert(t, value)
        except (ValueError, TypeError) as exc:
            self.fail(f"{value!r} is not a valid {self.name}: {exc}", param, ctx)

    def _convert(self, t: Any, text: str) -> Any:
        if is_union(t):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if text.lower() in ("none", "null") and len(args) < len(typing.get_args(t)):
                return None
            if len(args) == 1:
                return self._convert(strip_annotated(args[0]), text)
            return from_json(t, _loads(text))
        if t is str:
            return text
        if t is int:
            return int(text)
        if t is float:
            return float(text)
        if t is bool:
            return click.BOOL.convert(text, None, None)
        if t is datetime.datetime:
            return _parse_datetime(text)
        if t is datetime.date:
            return datetime.date.fromisoformat(text)
        if t is datetime.timedelta:
            return _parse_timedelta(text)
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return from_json(t, text)
        if isinstance(t, type) and t.__name__ in ("File", "Directory"):
            return t(text)
        return from_json(t, _loads(text))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at position {exc.pos})") from None


def _option_help(t: Any, description: str, name: str) -> str:
    stripped = strip_annotated(t)
    args = [a for a in typing.get_args(stripped) if a is not type(None)]
    inner = strip_annotated(args[0]) if is_union(stripped) and len(args) == 1 else stripped
    hint = ""
    if inner is datetime.datetime:
        hint = "ISO date-time, e.g. 2024-05-01T12:00, or 'now'"
    elif inner is datetime.timedelta:
        hint = "seconds, or e.g. 1h30m"
    elif inner is bool:
        hint = "true or false"
    elif isinstance(inner, type) and issubclass(inner, enum.Enum):
        hint = "one of " + ", ".join(str(m.value) for m in inner)
    elif inner not in (int, float, str, datetime.date) and not (
        isinstance(inner, type) and inner.__name__ in ("File", "Directory")
    ):
        hint = "JSON"
    text = description if description and description != name else ""
    parts = [p for p in (text, f"[{_type_label(t)}{'; ' + hint if hint else ''}]") if p]
    return " ".join(parts)


def _metavar(t: Any) -> str:
    stripped = strip_annotated(t)
    args = [a for a in typing.get_args(stripped) if a is not type(None)]
    inner = strip_annotated(args[0]) if is_union(stripped) and len(args) == 1 else stripped
    simple = {
        int: "INTEGER",
        float: "FLOAT",
        str: "TEXT",
        bool: "BOOLEAN",
        datetime.datetime: "DATETIME",
        datetime.date: "DATE",
        datetime.timedelta: "DURATION",
    }
    if inner in simple:
        return simple[inner]
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "[" + "|".join(str(m.value) for m in inner) + "]"
    if isinstance(inner, type) and inner.__name__ in ("File", "Directory"):
        return "PATH"
    return "JSON"


def _show_default(value: Any) -> Any:
    """How a default reads on the command line (and parses back through :class:`InputType`)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.timedelta):
        return f"{value.total_seconds():g}"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, default=str)


def _task_command(t: PythonTask[Any], path: str) -> click.Command:
    iface = t.python_interface
    params: list[click.Parameter] = []
    for name, typ in iface.inputs.items():
        has_default = name in iface.defaults
        extra: dict[str, Any] = {}
        if has_default:
            extra["default"] = _show_default(iface.defaults[name])
            extra["show_default"] = extra["default"] is not None
        params.append(
            click.Option(
                [f"--{name}"],
                type=InputType(typ),
                required=not has_default,
                metavar=_metavar(typ),
                help=_option_help(typ, iface.description(name), name),
                **extra,
            )
        )

    def callback(**values: Any) -> None:
        _run_task(t, values)

    docs = t.docs
    summary = docs.short_description or f"Run task {t.name}."
    return click.Command(
        t.name.rpartition(".")[2],
        params=params,
        callback=callback,
        help=f"{summary}\n\nTask {t.name} from {path}; each option is one of its inputs.",
        short_help=summary,
    )


def _run_task(t: PythonTask[Any], values: dict[str, Any]) -> None:
    from rich.console import Console

    from taskplug.errors import TaskplugError

    console = Console()
    try:
        result = t(**values)
    except TaskplugError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:
        import traceback

        from taskplug.errors import trim_traceback

        package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        exc.__traceback__ = trim_traceback(exc.__traceback__, package_dir)
        click.echo("".join(traceback.format_exception(exc)), err=True)
        raise click.ClickException(f"task {t.name!r} failed: {type(exc).__name__}: {exc}") from exc
    _print_outputs(console, t, result)


def _print_outputs(console: Any, t: PythonTask[Any], result: Any) -> None:
    from rich.table import Table

    names = list(t.python_interface.outputs)
    if not names:
        console.print(f"[green]{t.name}[/] finished (no outputs)")
        return
    values = [result] if len(names) == 1 else list(result)
    console.print(f"[bold]{t.name}[/] outputs:")
    table = Table()
    table.add_column("output")
    table.add_column("value")
    for name, value in zip(names, values):
        table.add_row(name, _show(value))
    console.print(table)


def _show(value: Any) -> str:
    from rich.pretty import pretty_repr

    if isinstance(value, str):
        return value
    return pretty_repr(value)


class _TaskFile(click.Group):
    """The tasks of one Python file, one sub-command each."""

    def __init__(self, path: str) -> None:
        super().__init__(
            name=path,
            help=f"Tasks of {path}. `taskplug run {path} TASK --help` shows a task's inputs.",
            subcommand_metavar="TASK [--INPUT VALUE]...",
        )
        self.path = path
        self._module: ModuleType | None = None

    def _load(self) -> ModuleType:
        if self._module is None:
            self._module = load_module(self.path)
        return self._module

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The file's tasks."""
        return sorted(load_tasks(self._load()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command that runs task ``cmd_name``."""
        return _task_command(_find_task(self._load(), cmd_name, self.path), self.path)


class _RunGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return []

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _TaskFile(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        return None


@click.group(
    cls=_RunGroup,
    subcommand_metavar="FILE TASK [--INPUT VALUE]...",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def run() -> None:
    """Run a task from a Python file on this machine and print its outputs.

    Each input of the task becomes an option: numbers, text, true/false, dates
    (2024-05-01T12:00), durations (1h30m) as they are; lists, dicts and dataclasses
    as JSON. Inputs with a default may be left out.

    \b
    Examples:
      taskplug run my_tasks.py add --a 1 --b 2
      taskplug run my_tasks.py train --params '{"lr": 0.1, "epochs": 3}'
      taskplug run my_tasks.py --help          list the tasks of the file
      taskplug run my_tasks.py add --help      list the inputs of a task

    The run takes the same path as in a cluster (inputs and outputs become Flyte
    literals and back), so type errors show up here first.
    """


# --------------------------------------------------------------------------------------------
# serialize
# --------------------------------------------------------------------------------------------


def _settings_from_options(
    project: str, domain: str, version: str, images: tuple[str, ...], env: tuple[str, ...]
) -> SerializationSettings:
    from taskplug.settings import (
        DEFAULT_IMAGE_NAME,
        Image,
        ImageConfig,
        ImageConfigError,
        SerializationSettings,
    )

    try:
        config = ImageConfig.auto()
        default = config.default_image
        named = {i.name: i for i in config.images if i is not config.default_image}
        for spec in images:
            name, eq, ident = spec.partition("=")
            if not eq:
                name, ident = DEFAULT_IMAGE_NAME, spec
            img = Image.parse(name, ident, allow_no_version=name != DEFAULT_IMAGE_NAME)
            if name == DEFAULT_IMAGE_NAME:
                default = img
            else:
                named[name] = img
        image_config = ImageConfig.create_from(default, named.values())
    except ImageConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="'--image'") from exc
    env_map: dict[str, str] = {}
    for item in env:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="'--env'")
        env_map[key] = value
    return SerializationSettings(
        image_config=image_config,
        project=project,
        domain=domain,
        version=version,
        env=env_map or None,
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "output_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the templates into (created when missing).",
)
@click.option(
    "-i",
    "--image",
    "images",
    multiple=True,
    metavar="[NAME=]IMAGE",
    help="Container image: 'registry/app:tag' is the default image, 'NAME=registry/app:tag' "
    "a named one (for container_image='{{.image.NAME.fqn}}:{{.image.NAME.version}}'). "
    "Repeatable. Default: $TASKPLUG_IMAGE and the images of $TASKPLUG_CONFIG.",
)
@click.option("-p", "--project", default="", show_default=True, help="Project of the task ids.")
@click.option("-d", "--domain", default="", show_default=True, help="Domain of the task ids.")
@click.option(
    "-v",
    "--version",
    default="dev",
    show_default=True,
    envvar="TASKPLUG_VERSION",
    help="Version of the task ids (also from $TASKPLUG_VERSION).",
)
@click.option(
    "-e",
    "--env",
    multiple=True,
    metavar="KEY=VALUE",
    help="Environment variable for every task's container. Repeatable.",
)
def serialize(
    files: tuple[str, ...],
    output_dir: str,
    images: tuple[str, ...],
    project: str,
    domain: str,
    version: str,
    env: tuple[str, ...],
) -> None:
    """Write the Flyte task template of every task in FILES.

    For each task declared in the given Python files, OUTPUT/<task name>.pb holds the
    flyteidl TaskTemplate as protobuf and OUTPUT/<task name>.json the same template as
    JSON to read. Files are written atomically (temporary name, then rename).

    \b
    Example:
      taskplug serialize my_tasks.py -o build/ -i ghcr.io/acme/app:1.2 -v 1.2
    """
    from google.protobuf import json_format
    from rich.console import Console
    from rich.table import Table

    from taskplug.errors import TaskplugError
    from taskplug.serialization import serialize as to_template
    from taskplug.settings import ImageConfigError

    settings = _settings_from_options(project, domain, version, images, env)
    tasks: list[PythonTask[Any]] = []
    for path in files:
        found = load_tasks(load_module(path))
        if not found:
            click.echo(f"warning: no tasks found in {path}", err=True)
        tasks.extend(found.values())
    os.makedirs(output_dir, exist_ok=True)
    table = Table(title=f"task templates written to {output_dir}", title_justify="left")
    for col in ("task", "type", "image", "bytes"):
        table.add_column(col, justify="right" if col == "bytes" else "left")
    for t in tasks:
        try:
            template = to_template(t, settings)
        except TaskplugError as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, ImageConfigError) else exc
            raise click.ClickException(f"task {t.name!r} could not be serialized: {cause}") from exc
        data = template.SerializeToString(deterministic=True)
        text = json_format.MessageToJson(template, indent=2, sort_keys=True) + "\n"
        write_atomic(output_dir, f"{t.name}.pb", data)
        write_atomic(output_dir, f"{t.name}.json", text.encode())
        image = template.container.image if template.HasField("container") else "-"
        table.add_row(t.name, template.type, image, str(len(data)))
    Console().print(table)
