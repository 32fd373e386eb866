"""``taskplug serialize FILE… -o DIR``: write each task's template (and each workflow's spec and
default launch plan) as ``.pb`` and ``.json``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from taskplug.execute.storage import write_atomic

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
from taskplug.cli.tasks_file import load_module

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
        default_image,
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
        if default is None:
            default = Image.parse(DEFAULT_IMAGE_NAME, default_image())
            click.echo(
                f"note: no image given (--image, $TASKPLUG_IMAGE, $TASKPLUG_CONFIG): using "
                f"taskplug's default image name {default.full}, which is not published yet; "
                "pass the image your tasks run in",
                err=True,
            )
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
    "Repeatable. Default: $TASKPLUG_IMAGE and the images of $TASKPLUG_CONFIG, else "
    "taskplug's default image name (ghcr.io/taskplug/taskplug:pyX.Y-VERSION).",
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
    """Write the Flyte templates of every task and workflow in FILES.

    For each task declared in the given Python files (and each task a workflow uses),
    OUTPUT/<task name>.pb holds the flyteidl TaskTemplate as protobuf and OUTPUT/<task
    name>.json the same template as JSON to read. For each workflow,
    OUTPUT/<name>.workflow.pb holds its WorkflowSpec (template and sub-workflows) and
    OUTPUT/<name>.launchplan.pb its default launch plan, each with a .json twin. Files
    are written atomically (temporary name, then rename).

    \b
    Example:
      taskplug serialize my_tasks.py -o build/ -i ghcr.io/acme/app:1.2 -v 1.2
    """
    from google.protobuf import json_format
    from rich.console import Console
    from rich.table import Table

    from taskplug.cli.tasks_file import load_entities
    from taskplug.errors import TaskplugError
    from taskplug.settings import ImageConfigError
    from taskplug.workflows.serialize import Registrable

    settings = _settings_from_options(project, domain, version, images, env)
    reg = Registrable(settings)
    for path in files:
        found = load_entities(load_module(path))
        if not found:
            click.echo(f"warning: no tasks or workflows found in {path}", err=True)
        for entity in found.values():
            try:
                reg.add(entity)
            except TaskplugError as exc:
                cause = exc.__cause__ if isinstance(exc.__cause__, ImageConfigError) else exc
                kind = getattr(entity, "entity_kind", "task")
                raise click.ClickException(
                    f"{kind} {entity.name!r} could not be serialized: {cause}"
                ) from exc
    os.makedirs(output_dir, exist_ok=True)
    table = Table(title=f"templates written to {output_dir}", title_justify="left")
    for col in ("name", "type", "image", "bytes"):
        table.add_column(col, justify="right" if col == "bytes" else "left")
    for kind, entity, message in reg.entries:
        if kind == "task":
            message = message.template
            suffix, row_type = "", message.type
            image = message.container.image if message.HasField("container") else "-"
        else:
            suffix, row_type, image = f".{kind.replace('_', '')}", kind.replace("_", " "), "-"
        data = message.SerializeToString(deterministic=True)
        text = json_format.MessageToJson(message, indent=2, sort_keys=True) + "\n"
        write_atomic(output_dir, f"{entity.name}{suffix}.pb", data)
        write_atomic(output_dir, f"{entity.name}{suffix}.json", text.encode())
        table.add_row(entity.name, row_type, image, str(len(data)))
    Console().print(table)
