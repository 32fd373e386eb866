"""The serialization settings a dynamic task carries into its container (``_F_SS_C``).

A dynamic task serializes the tasks it launches while it runs, so it needs the settings it was
registered with (images, project, domain). As flytekit does, the settings travel in the task's
container environment as ``_F_SS_C``: the settings as JSON (flytekit's field names and layout,
so either SDK reads the other's), gzip-compressed (``mtime=0``) and base64-encoded.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import io
import json
import os
from typing import Any

from taskplug.resources import Resources, ResourceSpec
from taskplug.settings import (
    FastSerializationSettings,
    Image,
    ImageConfig,
    SerializationSettings,
)

__all__ = [
    "SERIALIZED_CONTEXT_ENV_VAR",
    "container_settings",
    "serialized_context",
    "settings_from_transport",
    "with_serialized_context",
]

#: The environment variable holding the serialized settings (flytekit's name).
SERIALIZED_CONTEXT_ENV_VAR = "_F_SS_C"


def _image(img: Image | None) -> dict[str, Any] | None:
    if img is None:
        return None
    return {"name": img.name, "fqn": img.fqn, "tag": img.tag, "digest": img.digest}


def _resources(res: Resources) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("cpu", "mem", "gpu", "ephemeral_storage"):
        value = getattr(res, key)
        out[key] = None if value is None else str(value)
    return out


def _as_json(s: SerializationSettings) -> str:
    interpreter = s.python_interpreter
    fast = s.fast_serialization_settings
    data = {
        "image_config": {
            "default_image": _image(s.image_config.default_image),
            "images": [_image(i) for i in s.image_config.images],
        },
        "project": s.project or None,
        "domain": s.domain or None,
        "version": s.version or None,
        "env": s.env,
        "default_resources": None
        if s.default_resources is None
        else {
            "requests": _resources(s.default_resources.requests),
            "limits": _resources(s.default_resources.limits),
        },
        "git_repo": s.git_repo,
        "python_interpreter": interpreter,
        "flytekit_virtualenv_root": os.path.dirname(os.path.dirname(interpreter)),
        "fast_serialization_settings": None if fast is None else dataclasses.asdict(fast),
        "source_root": s.source_root,
    }
    return json.dumps(data)


def serialized_context(settings: SerializationSettings) -> str:
    """``settings`` as the ``_F_SS_C`` value (the one already in ``settings.env`` if present)."""
    if settings.env and SERIALIZED_CONTEXT_ENV_VAR in settings.env:
        return settings.env[SERIALIZED_CONTEXT_ENV_VAR]
    buf = io.BytesIO()
    with gzip.GzipFile(mode="wb", fileobj=buf, mtime=0) as fh:
        fh.write(_as_json(settings).encode("utf-8"))
    return base64.b64encode(buf.getvalue()).decode("utf-8")


def with_serialized_context(settings: SerializationSettings) -> SerializationSettings:
    """A copy of ``settings`` whose ``env`` also holds ``_F_SS_C`` (what dynamic tasks get)."""
    if settings.env and SERIALIZED_CONTEXT_ENV_VAR in settings.env:
        return settings
    env = dict(settings.env or {})
    env[SERIALIZED_CONTEXT_ENV_VAR] = serialized_context(settings)
    return settings.replace(env=env)


def _parse_image(data: dict[str, Any] | None) -> Image | None:
    if not data:
        return None
    return Image(name=data["name"], fqn=data["fqn"], tag=data.get("tag"), digest=data.get("digest"))


def _parse_resources(data: dict[str, Any] | None) -> Resources:
    data = data or {}
    return Resources(**{k: data.get(k) for k in ("cpu", "mem", "gpu", "ephemeral_storage")})


def settings_from_transport(text: str) -> SerializationSettings:
    """The settings in a ``_F_SS_C`` value (written by taskplug or flytekit)."""
    try:
        data = json.loads(gzip.decompress(base64.b64decode(text.encode("utf-8"))).decode("utf-8"))
    except Exception as exc:
        raise ValueError(
            f"{SERIALIZED_CONTEXT_ENV_VAR} does not hold serialized settings "
            f"(base64 of gzip of JSON): {type(exc).__name__}: {exc}"
        ) from exc
    ic = data.get("image_config") or {}
    default = _parse_image(ic.get("default_image"))
    others = [img for img in (_parse_image(i) for i in ic.get("images") or []) if img is not None]
    image_config = ImageConfig(default_image=default, images=tuple(others))
    res = data.get("default_resources")
    fast = data.get("fast_serialization_settings")
    return SerializationSettings(
        image_config=image_config,
        project=data.get("project") or "",
        domain=data.get("domain") or "",
        version=data.get("version") or "",
        env=data.get("env"),
        default_resources=None
        if res is None
        else ResourceSpec(
            requests=_parse_resources(res.get("requests")),
            limits=_parse_resources(res.get("limits")),
        ),
        git_repo=data.get("git_repo"),
        python_interpreter=data.get("python_interpreter")
        or SerializationSettings().python_interpreter,
        fast_serialization_settings=None if fast is None else FastSerializationSettings(**fast),
        source_root=data.get("source_root"),
    )


def _env(*names: str) -> str:
    for name in names:
        if name in os.environ:
            return os.environ[name]
    return ""


def container_settings() -> SerializationSettings:
    """The settings a dynamic task uses in its container, as pyflyte-execute builds them.

    From ``_F_SS_C`` when present (else the default image of ``ImageConfig.auto()``); project
    and domain fall back to the execution's; the version is the running task's version.
    """
    text = os.environ.get(SERIALIZED_CONTEXT_ENV_VAR, "")
    settings = (
        settings_from_transport(text)
        if text
        else SerializationSettings(image_config=ImageConfig.auto())
    )
    return settings.replace(
        project=settings.project or _env("FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
        domain=settings.domain or _env("FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
        version=_env("FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V"),
    )
