"""``taskplug_add_cli_commands``: plugins add commands to ``taskplug``, loaded only when needed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from taskplug.cli import TaskplugGroup, main
from taskplug.plugin import PluginWarning, hookimpl
from taskplug.testing import fresh_plugin_manager

GREETER = textwrap.dedent(
    '''
    import click
    from taskplug.plugin import hookimpl

    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_add_cli_commands(cli):
        @cli.command()
        @click.argument("who")
        def greet(who):
            """Say hello (from a throwaway plugin)."""
            click.echo(f"hello {who}")
    '''
)


def _fresh_group() -> TaskplugGroup:
    """A copy of ``taskplug``'s group whose plugin commands are not loaded yet."""
    builtin = {"run", "serialize", "plugins"}
    return TaskplugGroup(
        name="taskplug", commands={n: c for n, c in main.commands.items() if n in builtin}
    )


class Greeter:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_add_cli_commands(self, cli: click.Group) -> None:
        @cli.command()
        def hello() -> None:
            """Print hello."""
            click.echo("hello from a plugin")


class Squatter:
    """Tries to replace the built-in ``run`` command."""

    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_add_cli_commands(self, cli: click.Group) -> None:
        @cli.command(name="run")
        def hijack() -> None:
            click.echo("hijacked")


class Broken:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_add_cli_commands(self, cli: click.Group) -> None:
        cli.add_command(click.Command("half"))
        raise RuntimeError("boom")


def test_help_lists_plugin_commands_and_they_run() -> None:
    group = _fresh_group()
    with fresh_plugin_manager(Greeter(), autoload=False):
        runner = CliRunner()
        result = runner.invoke(group, ["--help"])
        assert result.exit_code == 0, result.output
        assert "hello" in result.output and "Print hello." in result.output
        result = runner.invoke(group, ["hello"])
        assert result.exit_code == 0, result.output
        assert result.output == "hello from a plugin\n"


def test_plugin_commands_are_loaded_only_when_needed() -> None:
    group = _fresh_group()
    with fresh_plugin_manager(Greeter(), autoload=False):
        assert group.get_command(click.Context(group), "run") is not None
        assert "hello" not in group.commands  # a built-in command loads nothing
        assert group.get_command(click.Context(group), "hello") is not None
        assert "hello" in group.commands


def test_a_command_name_cannot_be_taken_twice() -> None:
    group = _fresh_group()
    run = group.commands["run"]
    with (
        fresh_plugin_manager(Squatter(), autoload=False),
        pytest.warns(PluginWarning, match=r"adds a command 'run'.*'taskplug' already has"),
    ):
        names = group.list_commands(click.Context(group))
    assert "run" in names and group.commands["run"] is run


def test_a_plugin_that_raises_adds_nothing_and_others_still_do() -> None:
    group = _fresh_group()
    with (
        fresh_plugin_manager(Greeter(), Broken(), autoload=False),
        pytest.warns(PluginWarning, match=r"raised RuntimeError: boom.*the commands of .*Broken'"),
    ):
        names = group.list_commands(click.Context(group))
    assert "hello" in names and "half" not in names


def test_console_script_lists_and_runs_a_plugin_command(tmp_path: Path) -> None:
    """A real ``taskplug`` process with a plugin module loaded through ``TASKPLUG_PLUGINS``."""
    (tmp_path / "greeter_plugin.py").write_text(GREETER)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]),
        TASKPLUG_PLUGINS="greeter_plugin",
    )
    code = "import sys; from taskplug.cli import main; sys.exit(main())"
    out = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "greet" in out.stdout and "throwaway plugin" in out.stdout
    out = subprocess.run(
        [sys.executable, "-c", code, "greet", "ana"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "hello ana\n"
