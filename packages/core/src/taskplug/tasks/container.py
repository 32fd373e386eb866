"""``ContainerTask``: a task that runs any container image (flytekit's raw container task).

::

    area = ContainerTask(
        name="ellipse-area",
        image="ghcr.io/acme/ellipse:v2",
        command=["./area.sh", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"],
        inputs=kwtypes(a=float, b=float),
        outputs=kwtypes(area=float),
        input_data_dir="/var/inputs",
        output_data_dir="/var/outputs",
    )

In a cluster, Flyte writes the inputs under ``input_data_dir``, fills ``{{.inputs.x}}`` in
the command and arguments, runs the image and reads each output from a file of its name under
``output_data_dir``. The template is flytekit's (task type ``raw-container``, the container's
``command`` and ``args``, a ``DataLoadingConfig``); the built-in ``raw-container`` plugin
(:mod:`taskplug.builtin.raw_container`) writes it. Run locally, the image runs with Docker or
Podman (:mod:`taskplug.tasks.container_run`), as flytekit runs it with Docker.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from taskplug.resources import Resources, ResourceSpec
from taskplug.tasks.base import PythonTask
from taskplug.tasks.interface import Interface
from taskplug.tasks.metadata import TaskMetadata

if TYPE_CHECKING:
    from taskplug.image_spec import ImageSpec
    from taskplug.resources import Secret
    from taskplug.settings import SerializationSettings

__all__ = ["ContainerTask"]

# flyteidl's DataLoadingConfig.LiteralMapFormat and IOStrategy numbers (no protobuf import here)
_JSON, _YAML, _PROTO = 0, 1, 2
_DOWNLOAD_EAGER, _DOWNLOAD_STREAM, _DO_NOT_DOWNLOAD = 0, 1, 2
_UPLOAD_ON_EXIT, _UPLOAD_EAGER, _DO_NOT_UPLOAD = 0, 1, 2


class ContainerTask(PythonTask[None]):
    """A task that runs a container image with a command (flytekit's ``ContainerTask``).

    ``inputs`` and ``outputs`` are dicts of names to types (``kwtypes(...)``); scalar inputs
    are given to the command as ``{{.inputs.NAME}}``, file and directory inputs as
    ``<input_data_dir>/NAME``; the container writes each output to
    ``<output_data_dir>/NAME`` (the value as text, or the file or directory itself).
    """

    task_type = "raw-container"

    class MetadataFormat(Enum):
        """How the inputs are written for the container: ``inputs.json``, ``.yaml``, ``.pb``."""

        JSON = _JSON
        YAML = _YAML
        PROTO = _PROTO

    class IOStrategy(Enum):
        """When inputs are fetched or outputs uploaded: flyteidl's ``IOStrategy``, as
        ``(field, mode)`` (flytekit 1.16 cannot serialize any of these; taskplug writes the
        mode into ``DataLoadingConfig.io_strategy``)."""

        DOWNLOAD_EAGER = ("download_mode", _DOWNLOAD_EAGER)
        DOWNLOAD_STREAM = ("download_mode", _DOWNLOAD_STREAM)
        DO_NOT_DOWNLOAD = ("download_mode", _DO_NOT_DOWNLOAD)
        UPLOAD_EAGER = ("upload_mode", _UPLOAD_EAGER)
        UPLOAD_ON_EXIT = ("upload_mode", _UPLOAD_ON_EXIT)
        DO_NOT_UPLOAD = ("upload_mode", _DO_NOT_UPLOAD)

    def __init__(
        self,
        name: str,
        image: str | ImageSpec,
        command: list[str],
        inputs: dict[str, type] | None = None,
        metadata: TaskMetadata | None = None,
        arguments: list[str] | None = None,
        outputs: dict[str, type] | None = None,
        requests: Resources | None = None,
        limits: Resources | None = None,
        input_data_dir: str | None = None,
        output_data_dir: str | None = None,
        metadata_format: MetadataFormat = MetadataFormat.JSON,
        io_strategy: IOStrategy | None = None,
        secret_requests: list[Secret] | None = None,
        pod_template: Any = None,
        pod_template_name: str | None = None,
        local_logs: bool = False,
        resources: Resources | None = None,
        **kwargs: Any,
    ) -> None:
        _check(name, image=image, command=command, arguments=arguments)
        if not isinstance(metadata_format, ContainerTask.MetadataFormat):
            raise ValueError(
                f"task {name!r}: metadata_format takes ContainerTask.MetadataFormat.JSON, .YAML "
                f"or .PROTO, got {metadata_format!r}"
            )
        if io_strategy is not None and not isinstance(io_strategy, ContainerTask.IOStrategy):
            raise ValueError(
                f"task {name!r}: io_strategy takes a ContainerTask.IOStrategy, got {io_strategy!r}"
            )
        if pod_template is not None:
            raise ValueError(
                f"task {name!r}: a ContainerTask with a pod_template is not supported yet; "
                "give the pod settings to the cluster's default pod template, or use "
                "pod_template_name= to name a template registered there"
            )
        metadata = metadata or TaskMetadata()
        metadata.pod_template_name = pod_template_name  # as flytekit: the argument wins
        self._image = image
        self._cmd = list(command)
        self._args = list(arguments) if arguments is not None else None
        self._input_data_dir = input_data_dir
        self._output_data_dir = output_data_dir
        self._md_format = metadata_format
        self._io_strategy = io_strategy
        self.local_logs = local_logs
        super().__init__(
            self.task_type,
            name,
            None,
            Interface(dict(inputs or {}), dict(outputs or {})),
            metadata=metadata,
            requests=requests,
            limits=limits,
            resources=resources,
            secret_requests=secret_requests,
            **kwargs,
        )

    # -- what the template is made of ------------------------------------------------------

    @property
    def image(self) -> str | ImageSpec:
        """The image (a name or an ``ImageSpec``)."""
        return self._image

    @property
    def command(self) -> list[str]:
        """The container's command."""
        return list(self._cmd)

    @property
    def arguments(self) -> list[str] | None:
        """The container's arguments (``None``: none given)."""
        return list(self._args) if self._args is not None else None

    @property
    def input_data_dir(self) -> str | None:
        """Where Flyte writes the inputs in the container."""
        return self._input_data_dir

    @property
    def output_data_dir(self) -> str | None:
        """Where the container writes its outputs."""
        return self._output_data_dir

    @property
    def metadata_format(self) -> MetadataFormat:
        """The format of the inputs file Flyte writes under ``input_data_dir``."""
        return self._md_format

    @property
    def io_strategy(self) -> IOStrategy | None:
        """When inputs are fetched and outputs uploaded (``None``: Flyte's default)."""
        return self._io_strategy

    def get_image(self, settings: SerializationSettings) -> str:
        """The full image name: a name as given (templates filled in), an ``ImageSpec``'s
        image (built by a plugin, if one does)."""
        image = self._image
        if isinstance(image, str):
            return settings.image_config.resolve(image, task=self.name)
        from taskplug.image_spec.image_spec import image_for_template

        return image_for_template(image, settings)

    def resource_spec(self) -> ResourceSpec:
        """Requests and limits (the settings' default resources do not apply, as flytekit)."""
        return self.resources

    # -- running locally --------------------------------------------------------------------

    def execute(self, **kwargs: Any) -> Any:
        """Run the image with a container runtime on this machine; the outputs it wrote."""
        from taskplug.tasks.container_run import run_locally

        return run_locally(self, kwargs)


def _check(name: str, *, image: object, command: object, arguments: object) -> None:
    from taskplug.image_spec import ImageSpec

    if not (isinstance(image, ImageSpec) or (isinstance(image, str) and image)):
        raise ValueError(
            f"task {name!r}: image takes an image name (str) or an ImageSpec, got {image!r}"
        )
    for what, value in (("command", command), ("arguments", arguments)):
        if value is None and what == "arguments":
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"task {name!r}: {what} takes a list of str, got {value!r}")
