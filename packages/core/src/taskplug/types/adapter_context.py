"""The ``ctx`` taskplug hands to flytekit-style type code (transformers, table encoders).

flytekit passes a ``FlyteContext`` as the first argument of ``TypeTransformer.to_literal`` /
``to_python_value`` and of ``StructuredDatasetEncoder.encode`` / ``Decoder.decode``; such code
mostly uses ``ctx.file_access`` to find a place for its data and move files there and back.
:func:`adapter_context` gives an object with that attribute:

* "remote" places (``get_random_remote_directory()``, ``get_random_remote_path()``) are where
  taskplug puts new tables: under the raw output prefix in a container run, in the local run's
  scratch directory otherwise (see :mod:`taskplug.types.tables.storage`);
* "local" places (``get_random_local_directory()``, ``get_random_local_path()``) are in a
  directory of this process, removed when the interpreter exits;
* ``upload_directory`` / ``download_directory`` / ``get_data`` / ``put_data`` copy with
  ``shutil`` between local paths and with fsspec to and from remote stores.

Only what that code uses is here; the full ``FlyteContext`` (execution state, compilation
state...) is :mod:`taskplug`'s context API's business.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["AdapterContext", "FileAccess", "adapter_context"]


def _sandbox() -> str:
    """This process's directory for local copies (made on first use, removed at exit)."""
    from taskplug.runtime.file_access import process_folder

    return process_folder("adapter")


def _random() -> str:
    import uuid

    return uuid.uuid4().hex


def _local(path: str) -> str:
    return path[len("file://") :] if path.startswith("file://") else path


class FileAccess:
    """flytekit's ``FileAccessProvider`` methods that type code calls, on local paths and fsspec."""

    @property
    def raw_output_prefix(self) -> str:
        """Where new data goes: the raw output prefix in a container run, else a local folder."""
        from taskplug.types.tables.storage import new_location

        return os.path.dirname(new_location().rstrip("/")) or "/"

    @property
    def local_sandbox_dir(self) -> str:
        """This process's directory for local copies."""
        return _sandbox()

    @property
    def data_config(self) -> None:
        """flytekit's storage configuration; taskplug leaves it to fsspec (always ``None``)."""
        return None

    def is_remote(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` names a remote store (``s3://``, ``gs://``, ``memory://``...)."""
        from taskplug.types.tables.storage import is_remote

        return is_remote(str(path))

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists (local or remote)."""
        if not self.is_remote(path):
            return os.path.exists(_local(path))
        from fsspec.core import url_to_fs

        fs, p = url_to_fs(path)
        return bool(fs.exists(p))

    @staticmethod
    def get_random_string() -> str:
        """A random name."""
        return _random()

    @staticmethod
    def join(*parts: str) -> str:
        """Path parts joined with ``/``."""
        return "/".join(p.rstrip("/") if i < len(parts) - 1 else p for i, p in enumerate(parts))

    def get_random_remote_directory(self) -> str:
        """A new "remote" directory (not created yet): where a new table would go."""
        from taskplug.types.tables.storage import new_location

        return new_location()

    def get_random_remote_path(self, file_path_or_file_name: str | None = None) -> str:
        """A new "remote" path, ending in the given file's name when there is one."""
        name = os.path.basename(str(file_path_or_file_name)) if file_path_or_file_name else ""
        return self.join(self.get_random_remote_directory(), name or _random())

    def get_random_local_directory(self) -> str:
        """A new, empty local directory."""
        path = os.path.join(_sandbox(), _random())
        os.makedirs(path)
        return path

    def get_random_local_path(self, file_path_or_file_name: str | None = None) -> str:
        """A new local path (its folder exists), ending in the given file's name if any."""
        folder = os.path.join(_sandbox(), _random())
        os.makedirs(folder)
        name = os.path.basename(str(file_path_or_file_name)) if file_path_or_file_name else ""
        return os.path.join(folder, name or _random())

    def put_data(self, local_path: str, remote_path: str, is_multipart: bool = False) -> str:
        """Copy a local file (or, ``is_multipart``, directory) to ``remote_path``."""
        self._copy(str(local_path), str(remote_path), is_multipart)
        return str(remote_path)

    def get_data(self, remote_path: str, local_path: str, is_multipart: bool = False) -> str:
        """Copy ``remote_path`` (a file, or with ``is_multipart`` a directory) to ``local_path``."""
        self._copy(str(remote_path), str(local_path), is_multipart)
        return str(local_path)

    def upload(self, file_path: str, to_path: str) -> str:
        """Copy one file to ``to_path``."""
        return self.put_data(file_path, to_path)

    def upload_directory(self, local_path: str, remote_path: str) -> str:
        """Copy a directory's contents to ``remote_path``."""
        return self.put_data(local_path, remote_path, is_multipart=True)

    def download(self, remote_path: str, local_path: str) -> str:
        """Copy one file to ``local_path``."""
        return self.get_data(remote_path, local_path)

    def download_directory(self, remote_path: str, local_path: str) -> str:
        """Copy a directory's contents to ``local_path``."""
        return self.get_data(remote_path, local_path, is_multipart=True)

    def put_raw_data(self, lpath: str, upload_prefix: str | None = None, **kwargs: Any) -> str:
        """Copy a local file or directory to a new "remote" place; returns that place."""
        target = upload_prefix or self.get_random_remote_directory()
        multipart = os.path.isdir(_local(str(lpath)))
        if not multipart:
            target = self.join(target, os.path.basename(str(lpath)))
        self._copy(str(lpath), target, multipart)
        return target

    def _copy(self, source: str, target: str, multipart: bool) -> None:
        import shutil

        if not self.is_remote(source) and not self.is_remote(target):
            src, dst = _local(source), _local(target)
            if multipart:
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
                shutil.copyfile(src, dst)
            return
        from fsspec.core import url_to_fs

        if self.is_remote(source):
            fs, path = url_to_fs(source)
            if multipart:
                os.makedirs(_local(target), exist_ok=True)
                fs.get(path.rstrip("/") + "/", _local(target).rstrip("/") + "/", recursive=True)
            else:
                os.makedirs(os.path.dirname(_local(target)) or ".", exist_ok=True)
                fs.get_file(path, _local(target))
            return
        fs, path = url_to_fs(target)
        if multipart:
            fs.makedirs(path, exist_ok=True)
            fs.put(_local(source).rstrip("/") + "/", path.rstrip("/") + "/", recursive=True)
        else:
            fs.put_file(_local(source), path)


class AdapterContext:
    """The ``ctx`` given to flytekit-style type code: ``file_access`` and the run's state."""

    __slots__ = ("file_access",)

    def __init__(self) -> None:
        self.file_access = FileAccess()

    @property
    def execution_state(self) -> Any:
        """The running task's state (:func:`taskplug.context.current_execution`), or ``None``."""
        from taskplug.context import current_execution

        return current_execution()

    @property
    def user_space_params(self) -> Any:
        """The running task's :class:`~taskplug.context.ExecutionParameters`, or ``None``."""
        state = self.execution_state
        return state.params if state is not None else None


_CONTEXT: list[AdapterContext] = []


def adapter_context() -> AdapterContext:
    """The context object passed to flytekit-style transformers and table handlers."""
    if not _CONTEXT:
        _CONTEXT.append(AdapterContext())
    return _CONTEXT[0]
