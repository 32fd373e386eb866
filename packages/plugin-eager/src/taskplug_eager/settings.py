"""How eager runs are driven: which backend, how many children at once, time limits.

Settings come, in this order, from :func:`eager_settings` (a context manager, async-safe), the
environment (``TASKPLUG_EAGER_*``), or the defaults::

    with eager_settings(backend="process", concurrency=2, call_timeout=60):
        asyncio.run(my_eager_task(x=1))

Children started by a run inherit its settings (the process and Ray backends hand them over
through ``TASKPLUG_EAGER_SETTINGS``), including the serialization settings and version.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from taskplug.settings import ImageConfig, SerializationSettings

__all__ = [
    "ENV_BACKEND",
    "ENV_BLOB_DIR",
    "ENV_CALL_TIMEOUT",
    "ENV_CONCURRENCY",
    "ENV_RAY_ADDRESS",
    "ENV_SETTINGS",
    "SERIALIZED_CONTEXT_ENV_VAR",
    "EagerSettings",
    "current_settings",
    "eager_settings",
    "serialized_context",
    "settings_from_context",
    "settings_from_json",
    "settings_to_json",
]

ENV_BACKEND = "TASKPLUG_EAGER_BACKEND"
ENV_CONCURRENCY = "TASKPLUG_EAGER_CONCURRENCY"
ENV_CALL_TIMEOUT = "TASKPLUG_EAGER_CALL_TIMEOUT"
ENV_BLOB_DIR = "TASKPLUG_EAGER_BLOB_DIR"
ENV_RAY_ADDRESS = "TASKPLUG_EAGER_RAY_ADDRESS"
#: All settings as JSON: how a parent run hands its settings to a child in another process.
ENV_SETTINGS = "TASKPLUG_EAGER_SETTINGS"

DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class EagerSettings:
    """Settings of eager runs (frozen; change them with :meth:`replace` or ``eager_settings``).

    ``backend``: ``"local"`` (in-process; sync tasks in a worker pool), ``"process"`` (each
    call a ``taskplug-execute`` subprocess), ``"ray"`` (each call a Ray task), or a backend
    another plugin registers. ``concurrency``: how many children run at once (local: worker
    threads for sync tasks; process: subprocesses; ray: tasks in flight). ``call_timeout``:
    seconds one child may take (a task's own ``timeout`` wins); ``None``: no limit.
    ``blob_dir``: where the process backend puts inputs and outputs (default: a temporary
    folder per run). ``ray_address``: ``None`` starts a local Ray runtime when none is
    running; ``"auto"``, ``"host:port"`` or ``"ray://host:port"`` connect to a cluster.
    ``connect_timeout``: seconds to reach a backend before failing. ``terminate_grace``:
    seconds a terminated child gets between SIGTERM and SIGKILL. ``serialization_settings``:
    project, domain, version and images the children run with. ``options``: backend-specific
    extras (e.g. ``{"ray_init": {"num_cpus": 2}}``).
    """

    backend: str = "local"
    concurrency: int = DEFAULT_CONCURRENCY
    call_timeout: float | None = None
    blob_dir: str | None = None
    ray_address: str | None = None
    connect_timeout: float = 30.0
    terminate_grace: float = 3.0
    serialization_settings: SerializationSettings | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.backend, str) or not self.backend:
            raise ValueError(f"eager settings: backend takes a name, got {self.backend!r}")
        if (
            isinstance(self.concurrency, bool)
            or not isinstance(self.concurrency, int)
            or self.concurrency < 1
        ):
            raise ValueError(
                f"eager settings: concurrency takes a whole number >= 1, got {self.concurrency!r}"
            )
        for name in ("call_timeout", "connect_timeout", "terminate_grace"):
            value = getattr(self, name)
            if value is None and name == "call_timeout":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(
                    f"eager settings: {name} takes seconds > 0"
                    + (" or None" if name == "call_timeout" else "")
                    + f", got {value!r}"
                )

    def replace(self, **changes: Any) -> EagerSettings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @property
    def version(self) -> str:
        """The version children run at (from the serialization settings; ``""``: none)."""
        ss = self.serialization_settings
        return ss.version if ss is not None else ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EagerSettings:
        """Settings from ``TASKPLUG_EAGER_SETTINGS`` (JSON) and the single variables.

        The single variables (``TASKPLUG_EAGER_BACKEND``, ``…_CONCURRENCY``,
        ``…_CALL_TIMEOUT``, ``…_BLOB_DIR``, ``…_RAY_ADDRESS``) win over the JSON. Without
        serialization settings in the JSON, the project, domain and version come from
        ``FLYTE_INTERNAL_TASK_PROJECT`` / ``_DOMAIN`` / ``_VERSION`` (set in Flyte pods).
        """
        env = os.environ if environ is None else environ
        base = settings_from_json(env[ENV_SETTINGS]) if env.get(ENV_SETTINGS) else cls()
        changes: dict[str, Any] = {}
        if env.get(ENV_BACKEND):
            changes["backend"] = env[ENV_BACKEND]
        if env.get(ENV_CONCURRENCY):
            changes["concurrency"] = _number(ENV_CONCURRENCY, env[ENV_CONCURRENCY], int)
        if env.get(ENV_CALL_TIMEOUT):
            changes["call_timeout"] = _number(ENV_CALL_TIMEOUT, env[ENV_CALL_TIMEOUT], float)
        if env.get(ENV_BLOB_DIR):
            changes["blob_dir"] = env[ENV_BLOB_DIR]
        if env.get(ENV_RAY_ADDRESS):
            changes["ray_address"] = env[ENV_RAY_ADDRESS]
        if base.serialization_settings is None and env.get(SERIALIZED_CONTEXT_ENV_VAR):
            changes["serialization_settings"] = settings_from_context(
                env[SERIALIZED_CONTEXT_ENV_VAR]
            )
        elif base.serialization_settings is None and env.get("FLYTE_INTERNAL_TASK_VERSION"):
            changes["serialization_settings"] = SerializationSettings(
                image_config=ImageConfig.auto(),
                project=env.get("FLYTE_INTERNAL_TASK_PROJECT", ""),
                domain=env.get("FLYTE_INTERNAL_TASK_DOMAIN", ""),
                version=env["FLYTE_INTERNAL_TASK_VERSION"],
            )
        return base.replace(**changes) if changes else base


def _number(name: str, text: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"${name}={text!r} is not a {kind.__name__}") from None


_SETTINGS: ContextVar[EagerSettings | None] = ContextVar("taskplug_eager_settings", default=None)


def current_settings() -> EagerSettings:
    """The settings in force here: :func:`eager_settings`, else the environment."""
    found = _SETTINGS.get()
    return found if found is not None else EagerSettings.from_env()


@contextlib.contextmanager
def eager_settings(
    settings: EagerSettings | None = None, /, **changes: Any
) -> Iterator[EagerSettings]:
    """Use ``settings`` (or the current settings with ``changes``) inside the block.

    ``with eager_settings(backend="process", concurrency=2): asyncio.run(wf(x=1))``.
    Async-safe: a context variable, inherited by asyncio tasks and ``asyncio.run``.
    """
    base = settings if settings is not None else current_settings()
    chosen = base.replace(**changes) if changes else base
    token = _SETTINGS.set(chosen)
    try:
        yield chosen
    finally:
        _SETTINGS.reset(token)


# -- JSON form (handed to children in other processes) ----------------------------------------


def _ss_to_dict(ss: SerializationSettings) -> dict[str, Any]:
    ic = ss.image_config
    return {
        "project": ss.project,
        "domain": ss.domain,
        "version": ss.version,
        "env": dict(ss.env or {}),
        "default_image": ic.default_image.full if ic.default_image is not None else None,
        "images": {
            img.name: img.full
            for img in ic.images
            if ic.default_image is None or img.name != ic.default_image.name
        },
        "python_interpreter": ss.python_interpreter,
    }


def _ss_from_dict(data: Mapping[str, Any]) -> SerializationSettings:
    return SerializationSettings(
        image_config=ImageConfig.from_images(data.get("default_image"), data.get("images") or {}),
        project=data.get("project", ""),
        domain=data.get("domain", ""),
        version=data.get("version", ""),
        env=dict(data.get("env") or {}) or None,
        python_interpreter=data.get("python_interpreter")
        or SerializationSettings.python_interpreter,
    )


def settings_to_json(settings: EagerSettings) -> str:
    """The settings as JSON (``options`` must be JSON-compatible)."""
    data = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    ss = settings.serialization_settings
    data["serialization_settings"] = _ss_to_dict(ss) if ss is not None else None
    data["options"] = dict(settings.options)
    return json.dumps(data, sort_keys=True)


def settings_from_json(text: str) -> EagerSettings:
    """The settings :func:`settings_to_json` wrote."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"${ENV_SETTINGS} is not valid JSON: {exc}") from None
    known = {f.name for f in dataclasses.fields(EagerSettings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"${ENV_SETTINGS} has unknown fields: {', '.join(unknown)}")
    ss = data.get("serialization_settings")
    data["serialization_settings"] = _ss_from_dict(ss) if ss else None
    return EagerSettings(**data)


# -- flytekit's serialized context (``_F_SS_C``) ----------------------------------------------

#: The environment variable flytekit puts into an eager task's container: its serialization
#: settings, gzip-compressed JSON in base64, so the children run with the same settings.
SERIALIZED_CONTEXT_ENV_VAR = "_F_SS_C"


def _image_json(img: Any) -> dict[str, Any]:
    return {"name": img.name, "fqn": img.fqn, "tag": img.tag, "digest": img.digest}


def serialized_context(ss: SerializationSettings) -> str:
    """``ss`` as flytekit's ``SerializationSettings.serialized_context`` writes it (same bytes)."""
    import base64
    import gzip
    import io

    if ss.env and SERIALIZED_CONTEXT_ENV_VAR in ss.env:
        return ss.env[SERIALIZED_CONTEXT_ENV_VAR]
    ic = ss.image_config
    fast = ss.fast_serialization_settings
    data = {
        "image_config": {
            "default_image": _image_json(ic.default_image) if ic.default_image else None,
            "images": [_image_json(i) for i in ic.images],
        },
        "project": ss.project,
        "domain": ss.domain,
        "version": ss.version,
        "env": dict(ss.env) if ss.env is not None else None,
        "default_resources": None,
        "git_repo": ss.git_repo,
        "python_interpreter": ss.python_interpreter,
        "flytekit_virtualenv_root": os.path.dirname(os.path.dirname(ss.python_interpreter)),
        "fast_serialization_settings": (
            {
                "enabled": fast.enabled,
                "destination_dir": fast.destination_dir,
                "distribution_location": fast.distribution_location,
            }
            if fast is not None
            else None
        ),
        "source_root": ss.source_root,
    }
    buf = io.BytesIO()
    with gzip.GzipFile(mode="wb", fileobj=buf, mtime=0) as fh:
        fh.write(json.dumps(data).encode("utf-8"))
    return base64.b64encode(buf.getvalue()).decode("utf-8")


def settings_from_context(text: str) -> SerializationSettings:
    """The serialization settings in a ``_F_SS_C`` value (flytekit's or ours)."""
    import base64
    import gzip

    from taskplug.settings import Image

    data = json.loads(gzip.decompress(base64.b64decode(text.encode("utf-8"))).decode("utf-8"))
    ic = data.get("image_config") or {}
    default = ic.get("default_image")

    def image(d: dict[str, Any]) -> Image:
        return Image(name=d["name"], fqn=d["fqn"], tag=d.get("tag"), digest=d.get("digest"))

    others = [
        image(d) for d in ic.get("images") or [] if not default or d["name"] != default["name"]
    ]
    return SerializationSettings(
        image_config=ImageConfig.create_from(image(default) if default else None, others),
        project=data.get("project") or "",
        domain=data.get("domain") or "",
        version=data.get("version") or "",
        env={k: v for k, v in (data.get("env") or {}).items() if k != SERIALIZED_CONTEXT_ENV_VAR}
        or None,
        git_repo=data.get("git_repo"),
        python_interpreter=data.get("python_interpreter") or "/opt/venv/bin/python3",
        source_root=data.get("source_root"),
    )
