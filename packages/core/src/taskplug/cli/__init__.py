"""The ``taskplug`` command line.

``taskplug plugins`` lists what is loaded; ``taskplug run`` runs a task locally;
``taskplug serialize`` writes task templates. ``taskplug COMMAND --help`` explains each.
"""

from __future__ import annotations

import click

from taskplug import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="taskplug")
def main() -> None:
    """taskplug: run, inspect and serialize Flyte tasks, with task types from plugins.

    \b
    Common uses:
      taskplug run my_tasks.py add --a 1 --b 2     run a task locally, print its outputs
      taskplug serialize my_tasks.py -o out/       write each task's template (.pb and .json)
      taskplug plugins                              list the plugins and the hooks they implement
    """


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> None:
    """List loaded plugins: distribution, version, hooks, import time and status."""
    from taskplug._manager import get_plugin_manager
    from taskplug.hookspecs import API_VERSION

    pm = get_plugin_manager()
    infos = list(pm.hooks.iter_plugins())
    if as_json:
        import json

        click.echo(
            json.dumps(
                [
                    {
                        "name": i.name,
                        "module": i.module,
                        "distribution": i.dist,
                        "version": i.version,
                        "api_version": i.api_version,
                        "hooks": i.hooks,
                        "import_ms": round(i.import_seconds * 1000, 2),
                        "status": i.status,
                        "reason": i.reason,
                    }
                    for i in infos
                ],
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"taskplug plugins (hook API {API_VERSION})")
    for col in ("plugin", "distribution", "version", "hooks", "import", "status"):
        table.add_column(col, justify="right" if col == "import" else "left")
    for i in infos:
        status = "[green]loaded[/]" if i.status == "loaded" else f"[red]{i.status}[/]: {i.reason}"
        table.add_row(
            i.name,
            i.dist or "-",
            i.version or "-",
            "\n".join(h.removeprefix("taskplug_") for h in i.hooks) or "-",
            f"{i.import_seconds * 1000:.1f} ms",
            status,
        )
    Console().print(table)


from taskplug.cli.run import run  # noqa: E402
from taskplug.cli.serialize import serialize  # noqa: E402

main.add_command(run)
main.add_command(serialize)
