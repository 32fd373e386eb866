"""``taskplug render-pod FILE TASK``: the complete Pod manifest a cluster would run for a task.

:func:`render_manifest` starts from the task's template (its ``k8s_pod`` target, or its
``container`` for a plain task) and does what the cluster adds at run time, as Flyte propeller
does: the named pod template (``pod_template_name``, when a platform plugin knows its contents),
the accelerator's resource, node selector, tolerations and node affinity and the ``/dev/shm``
volume from ``extended_resources``, ``gpu`` renamed to the cluster's GPU resource,
``restartPolicy: Never``, pod metadata, Flyte's ``FLYTE_INTERNAL_*`` variables and example
values for the template placeholders (``{{.input}}``, ``{{.outputPrefix}}`` …). The result is
a manifest ``kubectl apply --dry-run=client -f -`` accepts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import click

from taskplug_k8s_pod.extended import apply_extended, extended_request
from taskplug_k8s_pod.pod import pod_spec, state_of

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask

__all__ = ["EXAMPLE_VALUES", "fill_placeholders", "render_manifest", "render_pod"]

#: The example execution the placeholders are filled for.
EXAMPLE_EXECUTION = "f6a8b3c2d1e0a9b8c7d6"
EXAMPLE_NODE = "n0"
EXAMPLE_BUCKET = "s3://my-flyte-bucket"
#: An image for tasks when no default image is configured (``--image`` or ``$TASKPLUG_IMAGE``).
EXAMPLE_IMAGE = "cr.example.com/taskplug/app:example"


def _example_values(project: str, domain: str) -> dict[str, str]:
    run = f"{EXAMPLE_BUCKET}/metadata/propeller/{project}-{domain}-{EXAMPLE_EXECUTION}"
    node = f"{run}/{EXAMPLE_NODE}/data"
    return {
        "input": f"{node}/inputs.pb",
        "inputPrefix": node,
        "outputPrefix": f"{node}/0",
        "rawOutputDataPrefix": f"{EXAMPLE_BUCKET}/data/x7/{EXAMPLE_EXECUTION}-{EXAMPLE_NODE}-0",
        "checkpointOutputPrefix": f"{EXAMPLE_BUCKET}/checkpoints/{EXAMPLE_EXECUTION}-0/ckpt",
        "prevCheckpointPrefix": '""',
        "taskTemplatePath": f"{run}/{EXAMPLE_NODE}/task.pb",
        "perRetryUniqueKey": f"{EXAMPLE_EXECUTION}-{EXAMPLE_NODE}-0",
        "namespace": f"{project}-{domain}",
    }


#: The placeholder names filled, with the shape of their example values.
EXAMPLE_VALUES = _example_values("project", "domain")
_PLACEHOLDER = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


def fill_placeholders(value: Any, values: dict[str, str]) -> Any:
    """``value`` with every known ``{{.name}}`` in its strings replaced (a copy)."""
    if isinstance(value, str):
        if "{{" not in value:
            return value
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: fill_placeholders(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(v, values) for v in value]
    return value


_LABEL_VALUE = re.compile(r"[^A-Za-z0-9._-]+")


def _label(value: str) -> str:
    return _LABEL_VALUE.sub("-", value)[:63].strip("-._") or "x"


def _container_of(template: Any, name: str) -> dict[str, Any]:
    """A plain task's ``Container`` message as the pod's one container."""
    from flyteidl.core import tasks_pb2

    container = template.container
    names = {
        tasks_pb2.Resources.CPU: "cpu",
        tasks_pb2.Resources.MEMORY: "memory",
        tasks_pb2.Resources.GPU: "gpu",
        tasks_pb2.Resources.EPHEMERAL_STORAGE: "ephemeral-storage",
    }
    out: dict[str, Any] = {"name": name, "image": container.image}
    if container.command:
        out["command"] = list(container.command)
    out["args"] = list(container.args)
    limits = {names.get(e.name, "gpu"): e.value for e in container.resources.limits}
    requests = {names.get(e.name, "gpu"): e.value for e in container.resources.requests}
    if limits or requests:
        out["resources"] = {"limits": limits, "requests": requests}
    out["env"] = [{"name": kv.key, "value": kv.value} for kv in container.env]
    return out


def render_manifest(task: PythonTask[Any], settings: SerializationSettings) -> dict[str, Any]:
    """The complete Pod manifest (a dict) for one run of ``task`` with ``settings``."""
    from taskplug.serialization import serialize

    template = serialize(task, settings)  # every check and hook serialization runs
    project, domain = settings.project or "project", settings.domain or "domain"
    pod_name = f"{EXAMPLE_EXECUTION}-{EXAMPLE_NODE}-0"
    state = state_of(task) if template.HasField("k8s_pod") else None
    labels: dict[str, str] = dict(task.labels)
    annotations: dict[str, str] = dict(task.annotations)
    if state is not None:
        primary = state.cluster.primary
        spec = pod_spec(task, settings, state.cluster, legacy=state.legacy)
        labels.update(state.cluster.labels)
        annotations.update(state.cluster.annotations)
    elif template.HasField("container"):
        primary = pod_name  # Flyte names a plain task's container after its pod
        spec = {"containers": [_container_of(template, primary)]}
    else:
        raise click.ClickException(
            f"task {task.name!r} runs no container or pod (type {template.type!r}); there is "
            "no pod to render"
        )
    accelerator, count, shared_memory = extended_request(task, settings, state)
    spec = apply_extended(
        spec,
        primary=primary,
        accelerator=accelerator,
        gpu_count=count,
        shared_memory=shared_memory,
        task=task.name,
    )
    spec.setdefault("restartPolicy", "Never")
    internal = {
        "FLYTE_INTERNAL_EXECUTION_ID": EXAMPLE_EXECUTION,
        "FLYTE_INTERNAL_EXECUTION_PROJECT": project,
        "FLYTE_INTERNAL_EXECUTION_DOMAIN": domain,
        "FLYTE_INTERNAL_TASK_PROJECT": project,
        "FLYTE_INTERNAL_TASK_DOMAIN": domain,
        "FLYTE_INTERNAL_TASK_NAME": task.name,
        "FLYTE_INTERNAL_TASK_VERSION": settings.version or "version",
        "FLYTE_ATTEMPT_NUMBER": "0",
    }
    containers = []
    for c in spec["containers"]:
        if c.get("name") == primary:
            have = {e.get("name") for e in c.get("env") or ()}
            extra = [{"name": k, "value": v} for k, v in internal.items() if k not in have]
            c = {**c, "env": [*(c.get("env") or ()), *extra]}
        containers.append(c)
    spec["containers"] = containers
    labels.update(
        {
            "execution-id": EXAMPLE_EXECUTION,
            "node-id": EXAMPLE_NODE,
            "task-name": _label(task.name),
        }
    )
    metadata: dict[str, Any] = {
        "name": pod_name,
        "namespace": f"{project}-{domain}",
        "labels": labels,
    }
    if annotations:
        metadata["annotations"] = annotations
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
    filled: dict[str, Any] = fill_placeholders(manifest, _example_values(project, domain))
    return filled


def _settings(
    project: str, domain: str, version: str, images: tuple[str, ...], env: tuple[str, ...]
) -> SerializationSettings:
    from taskplug.settings import ImageConfig, ImageConfigError, SerializationSettings

    default: str | None = None
    named: dict[str, str] = {}
    for spec in images:
        name, eq, ident = spec.partition("=")
        if eq:
            named[name] = ident
        else:
            default = spec
    try:
        if images:
            config = ImageConfig.from_images(default or EXAMPLE_IMAGE, named)
        else:
            config = ImageConfig.auto()
            if config.default_image is None:
                config = ImageConfig.from_images(EXAMPLE_IMAGE)
    except ImageConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="'--image'") from exc
    env_map: dict[str, str] = {}
    for item in env:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="'--env'")
        env_map[key] = value
    return SerializationSettings(
        image_config=config, project=project, domain=domain, version=version, env=env_map or None
    )


@click.command("render-pod", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("task_name", metavar="TASK")
@click.option(
    "-i",
    "--image",
    "images",
    multiple=True,
    metavar="[NAME=]IMAGE",
    help="Default image ('registry/app:tag') or a named one ('NAME=registry/app:tag'). "
    f"Default: $TASKPLUG_IMAGE, else {EXAMPLE_IMAGE}.",
)
@click.option("-p", "--project", default="project", show_default=True, help="Project.")
@click.option("-d", "--domain", default="development", show_default=True, help="Domain.")
@click.option("-v", "--version", default="dev", show_default=True, help="Task version.")
@click.option("-e", "--env", multiple=True, metavar="KEY=VALUE", help="Environment (repeatable).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (atomically)."
)
def render_pod(
    file: str,
    task_name: str,
    images: tuple[str, ...],
    project: str,
    domain: str,
    version: str,
    env: tuple[str, ...],
    output: str | None,
) -> None:
    """Print the complete Pod manifest (YAML) a cluster would run for TASK in FILE.

    The pod of the task's template plus what the cluster adds at run time (accelerator and
    shared memory, restartPolicy, metadata, Flyte's variables), with example values for the
    template placeholders. Check it with `kubectl apply --dry-run=client -f -`.

    \b
    Example:
      taskplug render-pod my_tasks.py train -i ghcr.io/acme/app:1.2
    """
    import os

    import yaml  # type: ignore[import-untyped]

    from taskplug.cli.tasks_file import find_task, load_module
    from taskplug.errors import TaskplugError
    from taskplug.tasks.base import PythonTask

    settings = _settings(project, domain, version, images, env)
    task = find_task(load_module(file), task_name, file)
    if not isinstance(task, PythonTask):
        raise click.UsageError(
            f"{task_name!r} in {file} is a {type(task).__name__}, not a task: render-pod shows "
            "the pod of one task"
        )
    try:
        manifest = render_manifest(task, settings)
    except TaskplugError as exc:
        raise click.ClickException(str(exc)) from exc
    text = yaml.safe_dump(manifest, sort_keys=False, default_flow_style=False)
    if output is None:
        click.echo(text, nl=False)
        return
    from taskplug.execute.storage import write_atomic

    directory, name = os.path.split(os.path.abspath(output))
    write_atomic(directory, name, text.encode())
