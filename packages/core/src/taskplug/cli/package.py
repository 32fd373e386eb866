"""``taskplug package FILE… -o flyte-package.tgz``: an archive ``flytectl register files`` takes."""

from __future__ import annotations

import os
from typing import Any

import click

from taskplug.cli.serialize import _settings_from_options
from taskplug.cli.tasks_file import load_entities, load_module

__all__ = ["package"]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    default="flyte-package.tgz",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The archive to write.",
)
@click.option(
    "-i",
    "--image",
    "images",
    multiple=True,
    metavar="[NAME=]IMAGE",
    help="Container image: 'registry/app:tag' is the default image, 'NAME=registry/app:tag' a "
    "named one. Repeatable. Default: $TASKPLUG_IMAGE and the images of $TASKPLUG_CONFIG.",
)
@click.option("-f", "--force", is_flag=True, help="Replace the archive if it exists.")
@click.option(
    "-e",
    "--env",
    multiple=True,
    metavar="KEY=VALUE",
    help="Environment variable for every task's container. Repeatable.",
)
@click.option(
    "-p",
    "--python-interpreter",
    default=None,
    help="The Python interpreter inside the image (default /opt/venv/bin/python3).",
)
@click.option(
    "--fast",
    is_flag=True,
    help="Not supported: fast registration (shipping code in the archive). Refused.",
)
@click.option(
    "--copy",
    type=click.Choice(["all", "auto", "none"]),
    default="none",
    help="Only 'none' is supported (as --fast, copying code is refused).",
)
def package(
    files: tuple[str, ...],
    output: str,
    images: tuple[str, ...],
    force: bool,
    env: tuple[str, ...],
    python_interpreter: str | None,
    fast: bool,
    copy: str,
) -> None:
    """Package the tasks and workflows of FILES for registration, as `pyflyte package` does.

    The archive holds one numbered protobuf file per task (TaskSpec), workflow (WorkflowSpec)
    and default launch plan (LaunchPlan), dependencies first. Project, domain and version are
    left empty: `flytectl register files flyte-package.tgz --archive --version v1` fills them in.
    Tasks run the code baked into the image (fast registration is not supported).

    \b
    Example:
      taskplug package workflows.py -i ghcr.io/acme/app:1.2 -o flyte-package.tgz
    """
    if fast or copy != "none":
        raise click.UsageError(
            "fast registration (--fast / --copy all|auto) is not supported by taskplug package: "
            "build an image that contains your code and pass it with --image"
        )
    from rich.console import Console

    from taskplug.errors import TaskplugError
    from taskplug.settings import FastSerializationSettings
    from taskplug.workflows.package import collect, write_package

    settings = _settings_from_options("", "", "", images, env)
    # as pyflyte package: fast registration off, code expected in /root of the image
    settings = settings.replace(
        fast_serialization_settings=FastSerializationSettings(
            enabled=False, destination_dir="/root"
        )
    )
    if python_interpreter:
        settings = settings.replace(python_interpreter=python_interpreter)
    entities: list[Any] = []
    roots = set()
    for path in files:
        module = load_module(path)
        roots.add(os.path.dirname(os.path.abspath(path)))
        found = load_entities(module)
        if not found:
            click.echo(f"warning: no tasks or workflows found in {path}", err=True)
        entities.extend(found.values())
    if len(roots) == 1:
        settings = settings.replace(source_root=roots.pop())
    try:
        reg = collect(entities, settings)
        names = write_package(reg, output, force=force)
    except FileExistsError as exc:
        raise click.UsageError(str(exc)) from exc
    except (TaskplugError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    console = Console()
    for name in names:
        console.print(f"  {name}", style="dim")
    console.print(f"[green]packaged {len(names)} entities into {output}[/]")
