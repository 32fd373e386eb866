"""``taskplug run FILE TASK --input value …``: run a task locally and print its outputs."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from types import ModuleType

    from taskplug.tasks.base import PythonTask
from taskplug.cli.inputs import InputType, option_default, option_help, option_metavar
from taskplug.cli.tasks_file import find_task, load_entities, load_module

__all__ = ["run"]


def _task_command(t: PythonTask[Any], path: str) -> click.Command:
    iface = t.python_interface
    defaults = dict(iface.defaults)
    fixed: dict[str, Any] = {}
    if getattr(t, "entity_kind", "task") == "launch plan":  # its saved inputs are defaults
        fixed = getattr(t, "raw_fixed_inputs", {})
        defaults.update(getattr(t, "default_inputs", {}))
    params: list[click.Parameter] = []
    for name, typ in iface.inputs.items():
        if name in fixed:
            continue
        has_default = name in defaults
        extra: dict[str, Any] = {}
        if has_default:
            extra["default"] = option_default(defaults[name])
            extra["show_default"] = extra["default"] is not None
        params.append(
            click.Option(
                [f"--{name}"],
                type=InputType(typ),
                required=not has_default,
                metavar=option_metavar(typ),
                help=option_help(typ, iface.description(name), name),
                **extra,
            )
        )

    def callback(**values: Any) -> None:
        _run_task(t, values)

    docs = getattr(t, "docs", None)
    kind = getattr(t, "entity_kind", "task")
    summary = (docs.short_description if docs is not None else "") or f"Run {kind} {t.name}."
    return click.Command(
        t.name.rpartition(".")[2],
        params=params,
        callback=callback,
        help=f"{summary}\n\n{kind.capitalize()} {t.name} from {path}; each option is one of "
        "its inputs.",
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
        kind = getattr(t, "entity_kind", "task")
        raise click.ClickException(
            f"{kind} {t.name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
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
            help=f"Tasks and workflows of {path}. `taskplug run {path} NAME --help` shows "
            "the inputs of one.",
            subcommand_metavar="TASK|WORKFLOW [--INPUT VALUE]...",
        )
        self.path = path
        self._module: ModuleType | None = None

    def _load(self) -> ModuleType:
        if self._module is None:
            self._module = load_module(self.path)
        return self._module

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The file's tasks."""
        return sorted(load_entities(self._load()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command that runs task ``cmd_name``."""
        return _task_command(find_task(self._load(), cmd_name, self.path), self.path)


class _RunGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return []

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _TaskFile(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        return None


@click.group(
    cls=_RunGroup,
    subcommand_metavar="FILE TASK|WORKFLOW [--INPUT VALUE]...",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def run() -> None:
    """Run a task or workflow from a Python file on this machine and print its outputs.

    Each input becomes an option: numbers, text, true/false, dates
    (2024-05-01T12:00), durations (1h30m) as they are; lists, dicts and dataclasses
    as JSON. Inputs with a default may be left out.

    \b
    Examples:
      taskplug run my_tasks.py add --a 1 --b 2
      taskplug run my_tasks.py pipeline --n 3      run a workflow (node by node)
      taskplug run my_tasks.py train --params '{"lr": 0.1, "epochs": 3}'
      taskplug run my_tasks.py --help          list the tasks of the file
      taskplug run my_tasks.py add --help      list the inputs of a task

    The run takes the same path as in a cluster (inputs and outputs become Flyte
    literals and back), so type errors show up here first.
    """
