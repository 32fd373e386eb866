"""``taskplug serialize FILE… -o DIR``: write each task's template as ``.pb`` and ``.json``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from taskplug.execute.storage import write_atomic

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask
from taskplug.cli.tasks_file import load_module, load_tasks

__all__ = ["serialize"]


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
