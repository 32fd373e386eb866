"""``ImageSpec``: the image a task runs in, described as data, with flytekit's name and tag.

The image's tag is a hash of the spec, computed as flytekit 1.16 computes it, so the same spec
gives the same ``image_name()`` (``registry/name:tag``) with both libraries and a template
serialized by taskplug refers to the image flytekit would build. Differences (documented in
docs/task_kinds.md): ``builder`` stays ``None`` unless given (flytekit fills in its highest
priority builder; ``builder`` is not part of the hash), and with ``source_copy_mode=ALL`` the
files hashed skip ``.git`` and flytekit's standard patterns but not what ``.gitignore`` /
``.dockerignore`` list.

taskplug never builds an image by itself: a plugin may, through ``taskplug_build_image``
(:func:`build_image`, called when a task with an ``ImageSpec`` is serialized).
"""

from __future__ import annotations

import base64
import copy as _copy
import dataclasses
import hashlib
import os
import pathlib
import platform as _platform
import re
from dataclasses import asdict, dataclass
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskplug.settings import SerializationSettings

__all__ = ["CopyFileDetection", "ImageSpec", "build_image", "image_for_template"]

#: The environment variable an image built from a spec carries: the spec's :attr:`ImageSpec.id`.
IMAGE_ID_ENV = "_F_IMG_ID"
#: Set in a task's container environment when its ImageSpec has ``runtime_packages``.
RUNTIME_PACKAGES_ENV = "_F_RUNTIME_PACKAGES"
_REGISTRY_NAME = re.compile(r"^(localhost:\d{1,5}|([a-z\d\._-]+)(:\d{1,5})?)(/[\w\.-]+)*$")
_STR_LISTS = (
    "packages",
    "conda_channels",
    "conda_packages",
    "apt_packages",
    "pip_extra_index_url",
    "entrypoint",
    "commands",
    "runtime_packages",
)
_NOT_HASHED = ("pip_secret_mounts", "builder", "runtime_packages")


class CopyFileDetection(Enum):
    """Which source files an image gets (flytekit's ``flytekit.constants.CopyFileDetection``)."""

    LOADED_MODULES = 1
    ALL = 2
    NO_COPY = 3


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "t", "yes", "y", "on")


@dataclass
class ImageSpec:
    """A container image described by what goes into it (flytekit's ``ImageSpec``).

    ``ImageSpec(registry="ghcr.io/acme", packages=["pandas"])`` names the image
    ``ghcr.io/acme/flytekit:<tag>``, the tag being a hash of the spec (:attr:`tag`), exactly as
    flytekit names it. Give it to ``@task(container_image=...)``; the template then refers to
    :meth:`image_name`, unless the serialization settings' image config has an image named
    after the spec's :attr:`id`.
    """

    name: str = "flytekit"
    python_version: str | None = None
    builder: str | None = None
    source_root: str | None = None
    env: dict[str, str] | None = None
    registry: str | None = None
    packages: list[str] | None = None
    conda_packages: list[str] | None = None
    conda_channels: list[str] | None = None
    requirements: str | None = None
    apt_packages: list[str] | None = None
    cuda: str | None = None
    cudnn: str | None = None
    base_image: str | ImageSpec | None = None
    platform: str | None = None
    pip_index: str | None = None
    pip_extra_index_url: list[str] | None = None
    pip_secret_mounts: list[tuple[str, str]] | None = None
    pip_extra_args: str | None = None
    registry_config: str | None = None
    entrypoint: list[str] | None = None
    commands: list[str] | None = None
    tag_format: str | None = None
    source_copy_mode: CopyFileDetection | None = None
    copy: list[str] | None = None
    python_exec: str | None = None
    runtime_packages: list[str] | None = None
    builder_options: dict[str, Any] | None = None
    builder_config: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"ImageSpec name must be a non-empty str, got {self.name!r}")
        self.name = self.name.lower()
        self._is_force_push = _truthy(os.environ.get("FLYTE_FORCE_PUSH_IMAGE_SPEC", "FALSE"))
        self._fast_fail = _truthy(os.environ.get("FLYTE_IMG_FAST_FAIL", "FALSE"))
        if self.registry:
            self.registry = self.registry.lower()
            if not _REGISTRY_NAME.match(self.registry):
                raise ValueError(
                    f"ImageSpec {self.name!r}: invalid container registry name "
                    f"{self.registry!r}; expected e.g. 'localhost:30000', 'ghcr.io/username' "
                    "or 'docker.io/username'"
                )
        if self.platform is None:
            arm = _platform.machine().lower() in ("arm64", "aarch64")
            local = bool(self.registry) and str(self.registry).startswith("localhost:")
            self.platform = "linux/arm64" if (local and arm) else "linux/amd64"
        if self.source_root is not None:
            self.source_copy_mode = self.source_copy_mode or CopyFileDetection.LOADED_MODULES
        for field_name in _STR_LISTS:
            value = getattr(self, field_name)
            if value is not None and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise ValueError(
                    f"ImageSpec {self.name!r}: {field_name} must be a list of strings or None, "
                    f"got {value!r}"
                )
        mounts = self.pip_secret_mounts
        if mounts is not None and not (
            isinstance(mounts, list)
            and all(
                isinstance(m, tuple) and len(m) == 2 and all(isinstance(p, str) for p in m)
                for m in mounts
            )
        ):
            raise ValueError(
                f"ImageSpec {self.name!r}: pip_secret_mounts must be a list of tuples of two "
                f"strings or None, got {mounts!r}"
            )
        if self.builder_options is not None and not isinstance(self.builder_options, dict):
            raise ValueError(
                f"ImageSpec {self.name!r}: builder_options must be a dictionary or None, got "
                f"{self.builder_options!r}"
            )

    @cached_property
    def id(self) -> str:
        """A hash of the spec's set fields (not ``builder``, ``runtime_packages``,
        ``pip_secret_mounts``): how image configs and ``is_container()`` recognise the spec."""
        data = asdict(
            self,
            dict_factory=lambda items: {
                k: v for k, v in items if v is not None and k not in _NOT_HASHED
            },
        )
        digest = hashlib.md5(str(data).encode("utf-8")).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def __hash__(self) -> int:
        return hash(self.id)

    @cached_property
    def tag(self) -> str:
        """The image's tag: :attr:`id` of the spec with the files it refers to hashed in.

        The requirements file, the ``copy`` sources and (with ``source_copy_mode``) the source
        files count by content, so changing them changes the tag.
        """
        from taskplug.image_spec import digest

        spec = _copy.deepcopy(self)
        if isinstance(spec.base_image, ImageSpec):
            spec = dataclasses.replace(spec, base_image=spec.base_image.image_name())
        mode = self.source_copy_mode
        if mode is not None and mode != CopyFileDetection.NO_COPY:
            if not self.source_root:
                raise ValueError(
                    f"ImageSpec {self.name!r}: source_root must be set when source_copy_mode is"
                )
            spec = dataclasses.replace(
                spec, source_root=digest.source_digest(self.source_root, mode.name)
            )
        if self.copy:
            spec = dataclasses.replace(spec, copy=digest.files_digest(self.copy))  # type: ignore[arg-type]
        if spec.requirements:
            text = pathlib.Path(spec.requirements).read_bytes().strip()
            spec = dataclasses.replace(spec, requirements=hashlib.sha1(text).hexdigest())
        spec = dataclasses.replace(spec, registry_config=None)
        tag = spec.id.replace("-", "_")
        return self.tag_format.format(spec_hash=tag) if self.tag_format else tag

    def image_name(self) -> str:
        """The full image name, ``registry/name:tag`` (or the name a build plugin returned)."""
        name = self._planned_name()
        return _BUILT.get(name, name)

    def _planned_name(self) -> str:
        name = f"{self.name}:{self.tag}"
        return f"{self.registry}/{name}" if self.registry else name

    def is_container(self) -> bool:
        """Whether code runs in the image this spec describes, as flytekit decides it.

        In a task's container (a ``taskplug-execute`` run, or a process with Flyte's
        ``FLYTE_INTERNAL_EXECUTION_ID`` or an image id ``_F_IMG_ID`` in its environment): True
        when the image was built from this spec. Locally: True outside any task and inside a
        task run by a workflow; False inside a task called directly (flytekit's local task
        execution mode), as in flytekit.
        """
        from taskplug.context import current_execution

        state = current_execution()
        in_container = (state is not None and state.mode == "container") or (
            IMAGE_ID_ENV in os.environ or "FLYTE_INTERNAL_EXECUTION_ID" in os.environ
        )
        if in_container:
            return os.environ.get(IMAGE_ID_ENV) == self.id
        if state is None:
            return True
        from taskplug.workflows.compilation import LOCAL_WORKFLOW_RUN

        return LOCAL_WORKFLOW_RUN.get()

    # -- builders of new specs (flytekit's with_* methods) ---------------------------------

    def _update(self, field_name: str, values: str | list[str] | dict[str, Any]) -> ImageSpec:
        current = _copy.deepcopy(getattr(self, field_name))
        if current is None:
            current = {} if isinstance(values, dict) else []
        if isinstance(values, str):
            if not isinstance(current, list):
                raise TypeError(f"ImageSpec: cannot append a string to {field_name}")
            current.append(values)
        elif isinstance(values, list):
            if not isinstance(current, list):
                raise TypeError(f"ImageSpec: cannot extend {field_name}, which is not a list")
            current.extend(values)
        elif isinstance(values, dict):
            if not isinstance(current, dict):
                raise TypeError(f"ImageSpec: cannot update {field_name}, which is not a dict")
            current.update(values)
        else:
            raise TypeError(f"ImageSpec: {field_name} takes a str, list or dict, got {values!r}")
        return dataclasses.replace(self, **{field_name: current})

    def with_commands(self, commands: str | list[str]) -> ImageSpec:
        """A new spec with these build commands added."""
        return self._update("commands", commands)

    def with_packages(self, packages: str | list[str]) -> ImageSpec:
        """A new spec with these Python packages added."""
        return self._update("packages", packages)

    def with_apt_packages(self, apt_packages: str | list[str]) -> ImageSpec:
        """A new spec with these apt packages added."""
        return self._update("apt_packages", apt_packages)

    def with_copy(self, src: str | list[str]) -> ImageSpec:
        """A new spec that also copies these files or directories into the image."""
        return self._update("copy", src)

    def with_runtime_packages(self, runtime_packages: list[str]) -> ImageSpec:
        """A new spec with packages installed when the task starts."""
        return self._update("runtime_packages", runtime_packages)

    def with_builder_options(self, builder_options: dict[str, Any]) -> ImageSpec:
        """A new spec with these builder options added."""
        return self._update("builder_options", builder_options)

    def force_push(self) -> ImageSpec:
        """A copy of the spec whose image a build plugin pushes even when it exists."""
        spec = _copy.deepcopy(self)
        spec._is_force_push = True
        return spec

    @classmethod
    def from_env(cls, *, pinned_packages: list[str] | None = None, **kwargs: Any) -> ImageSpec:
        """A spec with this interpreter's Python version and ``pinned_packages`` at the
        versions installed here."""
        import sys
        from importlib.metadata import version

        if kwargs.get("python_version") is not None:
            raise ValueError(
                "python_version can not be used with `from_env` because it will be inferred "
                "from the environment"
            )
        packages = list(kwargs.pop("packages", None) or [])
        for name in pinned_packages or []:
            packages.append(f"{name}=={version(name)}")
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        return cls(packages=packages, python_version=python, **kwargs)


# -- building (through plugins) and serialization --------------------------------------------

#: image_name() -> the fully qualified name a build plugin returned (as flytekit keeps it).
_BUILT: dict[str, str] = {}
#: (plugin manager, image_name()) pairs already offered to the build plugins.
_OFFERED: set[tuple[int, str]] = set()


def build_image(spec: ImageSpec) -> str | None:
    """Offer ``spec`` to the plugins implementing ``taskplug_build_image``; the built name.

    Once per spec and plugin manager; never during a task run. A spec whose ``base_image`` is
    a spec has that one offered first. ``None`` when no plugin built it (taskplug itself
    builds nothing: the image is then assumed to exist under :meth:`ImageSpec.image_name`).
    """
    from taskplug._manager import get_plugin_manager, hooks
    from taskplug.context import current_execution

    if current_execution() is not None:
        return None
    spec = _copy.deepcopy(spec)
    if isinstance(spec.base_image, ImageSpec):
        build_image(spec.base_image)
        spec.base_image = spec.base_image.image_name()
    name = spec._planned_name()
    key = (id(get_plugin_manager()), name)
    if key in _OFFERED:
        return _BUILT.get(name)
    relay = hooks()
    answer = None
    if relay.has_impls("taskplug_build_image"):
        for plugin, call in relay.each("taskplug_build_image"):
            answer = call(image_spec=spec)
            if answer is None:
                continue
            if not isinstance(answer, str) or not answer:
                from taskplug.errors import PluginAnswerError

                raise PluginAnswerError(
                    f"image {name!r}: taskplug_build_image returned {answer!r}",
                    plugin=repr(plugin),
                    dist=get_plugin_manager().dist_label(plugin),
                    hook="taskplug_build_image",
                    key="",
                    got=type(answer),
                    fix="return the built image's full name (a str), or None to leave it",
                )
            _BUILT[name] = answer
            break
    _OFFERED.add(key)
    return answer


def update_copy_handling(spec: ImageSpec, settings: SerializationSettings) -> None:
    """Give ``spec`` the settings' source root when its files are to be copied (flytekit's
    ``update_image_spec_copy_handling``: without fast registration the source goes into the
    image)."""
    mode = spec.source_copy_mode
    if mode is not None:
        if mode != CopyFileDetection.NO_COPY and spec.source_root is None:
            spec.source_root = settings.source_root
        return
    fast = settings.fast_serialization_settings
    if (fast is None or not fast.enabled) and (
        settings.source_root is not None or spec.source_root is not None
    ):
        if spec.source_root is None:
            spec.source_root = settings.source_root
        spec.source_copy_mode = CopyFileDetection.LOADED_MODULES


def image_for_template(spec: ImageSpec, settings: SerializationSettings) -> str:
    """The image a template names for ``spec``: the settings' image named after ``spec.id``
    if there is one, else what a build plugin built, else :meth:`ImageSpec.image_name`."""
    update_copy_handling(spec, settings)
    found = settings.image_config.find_image(spec.id)
    if found is not None and found.full:
        return found.full
    build_image(spec)
    return spec.image_name()
