"""Settings for serialization: which project, domain, version and container images to use.

``SerializationSettings`` and ``ImageConfig`` keep flytekit's names and meanings::

    settings = SerializationSettings(
        project="flytesnacks",
        domain="development",
        version="v1",
        image_config=ImageConfig.from_images(
            "ghcr.io/acme/base:1.2", {"spark": "ghcr.io/acme/spark:3.5"}
        ),
        env={"LOG_LEVEL": "info"},
    )

A task's ``container_image`` may name an image of the config through flytekit's template
syntax: ``{{.image.spark.fqn}}:{{.image.spark.version}}`` (or ``{{.image.spark}}`` for the
full name); ``None`` means the default image.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from taskplug.errors import TaskplugError
from taskplug.resources import ResourceSpec

__all__ = [
    "DEFAULT_IMAGE_NAME",
    "DEFAULT_IMAGE_REPOSITORY",
    "DEFAULT_PYTHON_INTERPRETER",
    "ENV_CONFIG",
    "ENV_IMAGE",
    "FastSerializationSettings",
    "Image",
    "ImageConfig",
    "ImageConfigError",
    "SerializationSettings",
    "default_image",
]

#: Name of the default image in an :class:`ImageConfig` (``{{.image.default.fqn}}``).
DEFAULT_IMAGE_NAME = "default"
#: The interpreter inside the container, as flytekit assumes it.
DEFAULT_PYTHON_INTERPRETER = "/opt/venv/bin/python3"
#: Environment variable with the default image, read by :meth:`ImageConfig.auto`.
ENV_IMAGE = "TASKPLUG_IMAGE"
#: Environment variable with the path of a config file holding named images.
ENV_CONFIG = "TASKPLUG_CONFIG"
#: Repository of taskplug's default image (see :func:`default_image`).
DEFAULT_IMAGE_REPOSITORY = "ghcr.io/taskplug/taskplug"
#: The image :meth:`SerializationSettings.for_tests` uses.
TEST_IMAGE = "ghcr.io/taskplug/taskplug:test"

# ``{{.image.NAME}}``, ``{{.image.NAME.fqn}}``, ``{{.image.NAME.version}}`` (flytekit's syntax,
# ``images`` and any case accepted).
_PART = r"(?:\.([a-zA-Z0-9_-]+))"
_IMAGE_REF = re.compile(rf"({{{{\s*\.image[s]?{_PART}{_PART}?\s*}}}})", re.IGNORECASE)


class ImageConfigError(TaskplugError, ValueError):
    """An image is malformed, missing, or a template names an image that is not configured."""


@dataclass(frozen=True)
class Image:
    """A named container image: ``fqn`` (registry/repository) plus a tag or a digest."""

    name: str
    fqn: str
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        if self.tag is not None and self.digest is not None:
            raise ImageConfigError(
                f"image {self.name!r}: give a tag or a digest, not both "
                f"(tag={self.tag!r}, digest={self.digest!r})"
            )

    @property
    def full(self) -> str:
        """``fqn:tag``, ``fqn@digest``, or just ``fqn`` when neither is known."""
        if self.digest:
            return f"{self.fqn}@{self.digest}"
        if self.tag:
            return f"{self.fqn}:{self.tag}"
        return self.fqn

    @property
    def version(self) -> str | None:
        """The digest or the tag, whichever is set."""
        return self.digest or self.tag

    @classmethod
    def parse(cls, name: str, identifier: str, *, allow_no_version: bool = False) -> Image:
        """``Image.parse("default", "ghcr.io/acme/base:1.2")``.

        Without ``allow_no_version`` an identifier needs a tag (``:1.2``) or a digest
        (``@sha256:…``); raises :class:`ImageConfigError` otherwise.
        """
        identifier = identifier.strip()
        if not identifier:
            raise ImageConfigError(f"image {name!r}: the image name is empty")
        fqn, tag, digest = _split_identifier(identifier)
        if not allow_no_version and tag is None and digest is None:
            raise ImageConfigError(
                f"image {name!r} = {identifier!r} has no tag or digest; "
                "write it as registry/name:tag or registry/name@sha256:…"
            )
        return cls(name=name, fqn=fqn, tag=tag, digest=digest)

    # flytekit's name for the same thing
    @classmethod
    def look_up_image_info(
        cls, name: str, image_identifier: str, allow_no_tag_or_digest: bool = False
    ) -> Image:
        """flytekit's spelling of :meth:`parse`."""
        return cls.parse(name, image_identifier, allow_no_version=allow_no_tag_or_digest)


def _split_identifier(identifier: str) -> tuple[str, str | None, str | None]:
    """``(fqn, tag, digest)`` of an image identifier."""
    fqn, at, digest = identifier.rpartition("@")
    if at:
        return fqn, None, digest
    fqn, colon, tag = identifier.rpartition(":")
    if colon and "/" not in tag:
        return fqn, tag, None
    return identifier, None, None


@dataclass(frozen=True)
class ImageConfig:
    """The default image and other named images tasks may refer to.

    Build one with :meth:`from_images` (in code), :meth:`auto` (environment and config file)
    or :meth:`create_from`. ``images`` includes the default image, as in flytekit.
    """

    default_image: Image | None = None
    images: tuple[Image, ...] = ()
    _by_name: dict[str, Image] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _resolved: dict[str | None, str] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "images", tuple(self.images))
        by_name = self._by_name
        if self.default_image is not None:
            by_name[self.default_image.name] = self.default_image
        for img in self.images:
            by_name.setdefault(img.name, img)

    def find_image(self, name: str) -> Image | None:
        """The image called ``name`` (``"default"`` is the default image), or ``None``."""
        return self._by_name.get(name)

    @classmethod
    def create_from(
        cls, default_image: Image | None, other_images: Iterable[Image] | None = None
    ) -> ImageConfig:
        """A config of ``default_image`` plus ``other_images`` (names must be unique)."""
        if default_image is not None and not isinstance(default_image, Image):
            raise ImageConfigError(
                f"default_image must be an Image or None, got {type(default_image).__name__}"
            )
        images = [default_image] if default_image is not None else []
        seen = {i.name for i in images}
        for img in other_images or ():
            if img.name in seen:
                raise ImageConfigError(f"image name {img.name!r} is configured twice")
            seen.add(img.name)
            images.append(img)
        return cls(default_image=default_image, images=tuple(images))

    @classmethod
    def from_images(
        cls, default_image: str | None, m: Mapping[str, str] | None = None
    ) -> ImageConfig:
        """``ImageConfig.from_images("ghcr.io/acme/base:1.2", {"spark": "ghcr.io/acme/spark:3"})``.

        The default image needs a tag or digest; named images may omit it (their
        ``{{.image.NAME.version}}`` then falls back to the default image's version).
        """
        default = Image.parse(DEFAULT_IMAGE_NAME, default_image) if default_image else None
        others = [Image.parse(k, v, allow_no_version=True) for k, v in (m or {}).items()]
        return cls.create_from(default, others)

    @classmethod
    def auto(
        cls, config_file: str | os.PathLike[str] | None = None, img_name: str | None = None
    ) -> ImageConfig:
        """Images from the environment and a config file.

        The default image is ``img_name``, else ``$TASKPLUG_IMAGE``, else ``$FLYTE_INTERNAL_IMAGE``
        (set by Flyte inside task containers), else none. Named images come from the config
        file ``config_file``, else ``$TASKPLUG_CONFIG``, else ``$FLYTECTL_CONFIG``: the ``images:``
        mapping of a YAML file (flytectl's ``config.yaml``) or the ``[images]`` section of an INI
        file (flytekit's legacy ``flytekit.config``).
        """
        name = img_name or os.environ.get(ENV_IMAGE) or os.environ.get("FLYTE_INTERNAL_IMAGE")
        path = config_file or os.environ.get(ENV_CONFIG) or os.environ.get("FLYTECTL_CONFIG")
        named = read_images_from_config(path) if path else {}
        from_file = named.pop(DEFAULT_IMAGE_NAME, None)
        return cls.from_images(name or from_file, named)

    @classmethod
    def auto_default_image(cls, config_file: str | os.PathLike[str] | None = None) -> ImageConfig:
        """:meth:`auto`, with :func:`default_image` when it finds no default image."""
        config = cls.auto(config_file)
        if config.default_image is not None:
            return config
        return cls.create_from(Image.parse(DEFAULT_IMAGE_NAME, default_image()), config.images)

    def resolve(self, container_image: str | None, *, task: str) -> str:
        """The full image name for a task that asked for ``container_image``.

        ``None`` or ``""``: the default image. A plain name is returned as is. Templates
        ``{{.image.NAME}}``, ``{{.image.NAME.fqn}}`` and ``{{.image.NAME.version}}`` are filled in
        from this config. Raises :class:`ImageConfigError` naming ``task`` when that is not
        possible.
        """
        cached = self._resolved.get(container_image)
        if cached is not None:
            return cached
        result = self._resolve(container_image, task)
        if len(self._resolved) < 256:
            self._resolved[container_image] = result
        return result

    def _resolve(self, img: str | None, task: str) -> str:
        if not img:
            if self.default_image is None:
                raise ImageConfigError(
                    f"task {task!r} has no container_image and the settings have no default "
                    "image; give one: `taskplug serialize --image registry/name:tag`, "
                    f"${ENV_IMAGE}, or ImageConfig.from_images('registry/name:tag')"
                )
            return self.default_image.full
        matches = _IMAGE_REF.findall(img)
        for whole, name, attr in matches:
            found = self.find_image(name)
            if found is None:
                known = ", ".join(sorted(self._by_name)) or "none"
                raise ImageConfigError(
                    f"task {task!r}: container_image {img!r} refers to image {name!r}, which is "
                    f"not configured (configured images: {known})"
                )
            attr = attr.lower()
            if attr == "fqn":
                img = img.replace(whole, found.fqn)
            elif attr == "version":
                version = found.version
                if version is None and self.default_image is not None:
                    version = self.default_image.version
                if version is None:
                    raise ImageConfigError(
                        f"task {task!r}: container_image {img!r} needs the version of image "
                        f"{name!r}, which has no tag or digest (and neither has a default image)"
                    )
                if ":" in version and f":{whole}" in img:
                    img = img.replace(f":{whole}", f"@{version}")  # a digest takes '@'
                else:
                    img = img.replace(whole, version)
            elif attr == "":
                img = img.replace(whole, found.full)
            else:
                raise ImageConfigError(
                    f"task {task!r}: container_image {img!r} uses '.{attr}'; only "
                    "{{.image.NAME}}, {{.image.NAME.fqn}} and {{.image.NAME.version}} are supported"
                )
        if "{{" in img:
            raise ImageConfigError(
                f"task {task!r}: container_image {img!r} has a template this version does not "
                "understand; use {{.image.NAME.fqn}}:{{.image.NAME.version}}"
            )
        return img


def default_image() -> str:
    """taskplug's default image name: ``ghcr.io/taskplug/taskplug:py3.11-0.1.0``.

    As flytekit's ``DefaultImages.default_image()``: ``$FLYTE_INTERNAL_IMAGE`` when set (Flyte
    sets it in task containers), else the repository, tagged with the running Python's version
    and taskplug's (``latest`` for development versions). No such image is published yet: for
    a cluster, build one with your code and taskplug installed and pass it instead.
    """
    import sys

    from taskplug import __version__

    found = os.environ.get("FLYTE_INTERNAL_IMAGE")
    if found:
        return found
    version = "latest" if not __version__ or "dev" in __version__ else __version__
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    return f"{DEFAULT_IMAGE_REPOSITORY}:{python}-{version}"


def read_images_from_config(path: str | os.PathLike[str]) -> dict[str, str]:
    """Named images (``name -> identifier``) from a YAML or INI config file."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ImageConfigError(f"config file {os.fspath(path)!r} cannot be read: {exc}") from exc
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix in (".ini", ".config", ".cfg") or text.lstrip().startswith("["):
        parser = configparser.ConfigParser()
        try:
            parser.read_string(text)
        except configparser.Error as exc:
            raise ImageConfigError(f"config file {os.fspath(path)!r}: {exc}") from exc
        return dict(parser.items("images")) if parser.has_section("images") else {}
    return _yaml_images(text, os.fspath(path))


def _yaml_images(text: str, path: str) -> dict[str, str]:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return _simple_yaml_images(text)
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ImageConfigError(f"config file {path!r} is not valid YAML: {exc}") from exc
    images = data.get("images") if isinstance(data, dict) else None
    if images is None:
        return {}
    if not isinstance(images, dict):
        raise ImageConfigError(f"config file {path!r}: 'images' must be a mapping of name: image")
    return {str(k): str(v) for k, v in images.items()}


def _simple_yaml_images(text: str) -> dict[str, str]:
    """The top-level ``images:`` block of a YAML file, read without PyYAML."""
    out: dict[str, str] = {}
    inside = False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            inside = line.strip() == "images:"
            continue
        if inside:
            key, sep, value = line.strip().partition(":")
            if sep:
                out[key.strip().strip("'\"")] = value.strip().strip("'\"")
    return out


@dataclass
class FastSerializationSettings:
    """Settings for fast registration (code shipped as an archive, not baked into the image)."""

    enabled: bool = False
    destination_dir: str | None = None
    distribution_location: str | None = None


@dataclass
class SerializationSettings:
    """What serialization needs to know beyond the task: where it is registered and how it runs.

    ``project``/``domain``/``version`` make the template's id; ``image_config`` resolves
    container images; ``env`` is added to every container's environment (the task's own
    ``environment`` wins on conflicts); ``default_resources`` applies to tasks that declare no
    requests or limits.
    """

    image_config: ImageConfig = field(default_factory=ImageConfig)
    project: str = ""
    domain: str = ""
    version: str = ""
    env: dict[str, str] | None = None
    default_resources: ResourceSpec | None = None
    git_repo: str | None = None
    python_interpreter: str = DEFAULT_PYTHON_INTERPRETER
    fast_serialization_settings: FastSerializationSettings | None = None
    source_root: str | None = None

    @classmethod
    def for_tests(cls, **changes: Any) -> SerializationSettings:
        """Settings with a test image and placeholder project, domain and version."""
        base = cls(
            image_config=ImageConfig.from_images(TEST_IMAGE),
            project="project",
            domain="domain",
            version="version",
        )
        return dataclasses.replace(base, **changes) if changes else base

    @classmethod
    def for_image(
        cls,
        image: str,
        version: str,
        project: str = "",
        domain: str = "",
        python_interpreter_path: str = DEFAULT_PYTHON_INTERPRETER,
    ) -> SerializationSettings:
        """Settings whose default image is ``image`` (flytekit's ``for_image``)."""
        return cls(
            image_config=ImageConfig.from_images(image),
            project=project,
            domain=domain,
            version=version,
            python_interpreter=python_interpreter_path,
        )

    def replace(self, **changes: Any) -> SerializationSettings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def should_fast_serialize(self) -> bool:
        """Whether fast registration is on."""
        fast = self.fast_serialization_settings
        return fast is not None and fast.enabled
