"""``SecretsManager``: how a task reads the secrets it requested (flytekit's rules).

A secret ``Secret(group="db", key="password")`` is looked up, in this order:

1. the environment variable ``<prefix><GROUP>_<KEY>`` (upper case; ``<prefix>`` is
   ``_FSEC_`` unless ``FLYTE_SECRETS_ENV_PREFIX`` says otherwise; a ``group_version`` goes
   between group and key);
2. in a local task run also ``<GROUP>_<KEY>`` without the prefix;
3. the file ``<dir>/<group>/<file prefix><key>`` (lower case; ``<dir>`` is
   ``TASKPLUG_SECRETS_DIR`` or ``FLYTE_SECRETS_DEFAULT_DIR``, default ``/etc/secrets``; the
   file prefix is ``FLYTE_SECRETS_FILE_PREFIX``, default none).

Values are stripped of surrounding whitespace and never appear in a ``repr``, a log line or an
error message (errors name the variable and the file that were tried). Tests set secrets with
:meth:`SecretsManager.get_secrets_env_var` (``taskplug.testing.SecretsManager``)::

    sm = SecretsManager()
    os.environ[sm.get_secrets_env_var("db", "password")] = "s3cret"
"""

from __future__ import annotations

import os
from typing import Any

from taskplug.errors import TaskplugError

__all__ = ["SecretNotFoundError", "SecretsManager"]

DEFAULT_SECRETS_DIR = "/etc/secrets"
DEFAULT_ENV_PREFIX = "_FSEC_"


class SecretNotFoundError(TaskplugError, KeyError, ValueError):
    """A requested secret is neither in the environment nor in the secrets folder.

    A ``KeyError`` (taskplug's earlier contract) and a ``ValueError`` (what flytekit raises).
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SecretsManager:
    """Reads secrets from the environment or the mounted secrets folder (see the module docs).

    ``secrets.get("db", "password")``, or attribute style: ``secrets.db.password``.
    """

    class _GroupSecrets:
        """``secrets.<group>.<key>``: one group's secrets as attributes."""

        def __init__(self, group: str, manager: SecretsManager) -> None:
            self._group = group
            self._manager = manager

        def __getattr__(self, key: str) -> str:
            if key.startswith("__"):
                raise AttributeError(key)
            return str(self._manager.get(self._group, key))

        def __repr__(self) -> str:
            return f"SecretsManager.group({self._group!r})"

    def __init__(
        self,
        *,
        env_prefix: str | None = None,
        directory: str | None = None,
        file_prefix: str | None = None,
        local: bool | None = None,
    ) -> None:
        environ = os.environ
        self._env_prefix = (
            env_prefix
            if env_prefix is not None
            else environ.get("FLYTE_SECRETS_ENV_PREFIX", DEFAULT_ENV_PREFIX)
        ).strip()
        self._base_dir = (
            directory
            or environ.get("TASKPLUG_SECRETS_DIR")
            or environ.get("FLYTE_SECRETS_DEFAULT_DIR")
            or DEFAULT_SECRETS_DIR
        ).strip()
        self._file_prefix = (
            file_prefix if file_prefix is not None else environ.get("FLYTE_SECRETS_FILE_PREFIX", "")
        ).strip()
        self._local = local

    def __getattr__(self, group: str) -> SecretsManager._GroupSecrets:
        if group.startswith("_"):
            raise AttributeError(group)
        return SecretsManager._GroupSecrets(group, self)

    def _is_local(self) -> bool:
        if self._local is not None:
            return self._local
        from taskplug.context import current_execution

        state = current_execution()  # outside any task: only the prefixed name (as flytekit)
        return state is not None and state.mode == "local"

    def get(
        self,
        group: str | None = None,
        key: str | None = None,
        group_version: str | None = None,
        encode_mode: str = "r",
    ) -> Any:
        """The secret's value (``str``; ``bytes`` from a file with ``encode_mode="rb"``).

        Raises :class:`SecretNotFoundError` (a ``KeyError`` and a ``ValueError``) naming the
        environment variable and the file it looked for.
        """
        if not group and not key:
            raise SecretNotFoundError("a secret needs a group or a key (both are empty)")
        prefixes = [self._env_prefix]
        if self._is_local():
            prefixes.append("")
        names = [self._env_var(group, key, group_version, prefix) for prefix in prefixes]
        for name in names:
            value = os.environ.get(name)
            if value is not None:
                return value.strip()
        path = self.get_secrets_file(group, key, group_version)
        if encode_mode not in ("r", "rb"):
            raise ValueError(f"encode_mode is 'r' or 'rb', got {encode_mode!r}")
        try:
            with open(path, encode_mode) as fh:
                return fh.read().strip()
        except OSError:
            pass
        looked = " or ".join(f"${n}" for n in names)
        raise SecretNotFoundError(
            f"secret group={group!r} key={key!r} not found: looked for {looked} and the file "
            f"{path}. Request it on the task (secret_requests=[Secret(group={group!r}, "
            f"key={key!r})]); locally, set ${names[0]}"
        )

    def get_secrets_env_var(
        self, group: str | None = None, key: str | None = None, group_version: str | None = None
    ) -> str:
        """The environment variable the secret is read from (``_FSEC_<GROUP>_<KEY>``)."""
        return self._env_var(group, key, group_version, self._env_prefix)

    @staticmethod
    def _env_var(group: str | None, key: str | None, version: str | None, prefix: str) -> str:
        parts = [p.upper() for p in (group, version, key) if p]
        return prefix + "_".join(parts)

    def get_secrets_file(
        self, group: str | None = None, key: str | None = None, group_version: str | None = None
    ) -> str:
        """The file the secret is read from (``/etc/secrets/<group>/<key>``)."""
        parts = [p.lower() for p in (group, group_version, key) if p]
        if not parts:
            raise SecretNotFoundError("a secret needs a group or a key (both are empty)")
        parts[-1] = self._file_prefix + parts[-1]
        return os.path.join(self._base_dir, *parts)

    def __repr__(self) -> str:
        return f"SecretsManager(directory={self._base_dir!r}, values hidden)"
