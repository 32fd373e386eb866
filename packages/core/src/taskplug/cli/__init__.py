"""The ``taskplug`` command line.

``taskplug plugins`` lists what is loaded; ``taskplug run`` runs a task locally;
``taskplug serialize`` writes task templates. ``taskplug COMMAND --help`` explains each.
"""

from __future__ import annotations

import click

from taskplug import __version__


class TaskplugGroup(click.Group):
    """The ``taskplug`` group: its own commands, plus those plugins add, loaded when needed.

    Plugin commands come from the ``taskplug_add_cli_commands`` hook, asked once, the first
    time the group lists its commands (``taskplug --help``) or is asked for a name it does not
    have, so ``taskplug run`` and ``taskplug serialize`` never build the plugin manager for it.
    """

    _plugin_commands_loaded = False

    def load_plugin_commands(self) -> None:
        """Ask every ``taskplug_add_cli_commands`` implementation to add its commands (once)."""
        if self._plugin_commands_loaded:
            return
        self._plugin_commands_loaded = True
        from taskplug.cli.plugin_commands import add_plugin_commands

        add_plugin_commands(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and not self._plugin_commands_loaded:
            self.load_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_plugin_commands()
        return super().list_commands(ctx)


@click.group(cls=TaskplugGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="taskplug")
def main() -> None:
    """taskplug: run, inspect and serialize Flyte tasks, with task types from plugins.

    \b
    Common uses:
      taskplug run my_tasks.py add --a 1 --b 2     run a task locally, print its outputs
      taskplug serialize my_tasks.py -o out/       write each task's template (.pb and .json)
      taskplug package my_tasks.py -i IMAGE        an archive for `flytectl register files`
      taskplug plugins                              list the plugins and the hooks they implement

    Plugins may add commands of their own (listed below with the others).
    """


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> None:
    """List plugins: what each provides, its hooks, import time, and any that were refused.

    Always runs, whatever the plugins do: a plugin that fails to import or cannot work is
    listed with the reason (``TASKPLUG_STRICT_PLUGINS`` is ignored here).
    """
    import warnings

    from taskplug.cli.plugins import plugin_notes, plugin_rows, print_plugin_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # each problem is shown in the listing itself
        rows = plugin_rows()
        notes = plugin_notes()
    if as_json:
        import json

        click.echo(json.dumps({"plugins": rows, "notes": notes}, indent=2))
        return
    print_plugin_table(rows, notes)


from taskplug.cli.package import package  # noqa: E402
from taskplug.cli.run import run  # noqa: E402
from taskplug.cli.serialize import serialize  # noqa: E402

main.add_command(run)
main.add_command(serialize)
main.add_command(package)
