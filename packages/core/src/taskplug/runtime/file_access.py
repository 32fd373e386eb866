"""``FileAccessProvider``: local and remote paths, uploads and downloads, on fsspec.

What flytekit-written code reaches as ``FlyteContext.current_context().file_access``: random
local paths (under a sandbox folder of this process) and random remote paths (under the run's
raw output prefix), ``exists``, ``get_data`` / ``put_data`` and their ``download`` / ``upload``
spellings, ``put_raw_data``. Any fsspec URL works (``s3://``, ``gs://``, ``memory://`` …);
credentials come from the environment, as fsspec's filesystems read them.

A local run has no raw output prefix of its own: the default provider keeps one in its sandbox
folder (``<tmp>/taskplug-files-*/raw/``), made on first use and removed when the process ends.
Inside a container run the provider of the run writes under the entrypoint's
``--raw-output-data-prefix``. fsspec is imported when a method first needs a filesystem.
"""

from __future__ import annotations

import io
import os
import pathlib
import random
import uuid
from typing import TYPE_CHECKING, Any

from taskplug.errors import TaskplugError

if TYPE_CHECKING:
    import fsspec

__all__ = [
    "DataNotFoundError",
    "DataTransferError",
    "FileAccessProvider",
    "default_file_access",
    "file_access_for",
    "get_protocol",
    "process_folder",
]


class DataTransferError(TaskplugError, OSError):
    """Data could not be copied to or from a store (the message names both ends)."""


class DataNotFoundError(DataTransferError, FileNotFoundError):
    """The source of a download does not exist."""


def _sep_of(path: str) -> str:
    """The separator of paths like ``path`` (no filesystem is made to know it)."""
    return os.sep if get_protocol(path) == "file" else "/"


def get_protocol(path: str | os.PathLike[str]) -> str:
    """The fsspec protocol of ``path`` (``file`` for plain local paths)."""
    text = os.fspath(path)
    head, sep, _ = text.partition("://")
    if not sep or not head:
        return "file"
    return head


class FileAccessProvider:
    """Paths and transfers for one run (or the process's local default).

    ``local_sandbox_dir`` is where downloads go (``get_random_local_path``);
    ``raw_output_prefix`` where uploads go (``get_random_remote_path``). Either may be left out:
    a folder of this process is then made on first use (and removed at exit).
    """

    def __init__(
        self,
        local_sandbox_dir: str | os.PathLike[str] | None = None,
        raw_output_prefix: str | None = None,
        data_config: Any = None,
        execution_metadata: dict[str, Any] | None = None,
    ) -> None:
        self._sandbox = os.fspath(local_sandbox_dir) if local_sandbox_dir else None
        self._raw = raw_output_prefix or None
        self._data_config = data_config
        self._execution_metadata = execution_metadata

    # -- where things go ---------------------------------------------------------------------

    @property
    def local_sandbox_dir(self) -> str:
        """The local folder downloads and random local paths go to (made on first use)."""
        if self._sandbox is None:
            self._sandbox = os.path.join(process_folder(), "sandbox")
        os.makedirs(self._sandbox, exist_ok=True)
        return self._sandbox

    @property
    def raw_output_prefix(self) -> str:
        """Where uploads go: the run's raw output prefix (ends with a separator)."""
        if self._raw is None:
            raw = os.path.join(process_folder(), "raw")
            os.makedirs(raw, exist_ok=True)
            self._raw = raw
        sep = _sep_of(self._raw)
        return self._raw if self._raw.endswith(sep) else self._raw + sep

    @property
    def data_config(self) -> Any:
        """The data configuration given (flytekit's ``DataConfig``; unused: fsspec reads the
        environment)."""
        return self._data_config

    @property
    def raw_output_fs(self) -> fsspec.AbstractFileSystem:
        """The filesystem of the raw output prefix."""
        return self.get_filesystem(get_protocol(self._raw or "/"))

    @property
    def local_access(self) -> fsspec.AbstractFileSystem:
        """The local filesystem."""
        return self.get_filesystem("file")

    # -- filesystems -------------------------------------------------------------------------

    def get_filesystem(
        self,
        protocol: str | None = None,
        anonymous: bool = False,
        path: str | None = None,
        **kwargs: Any,
    ) -> fsspec.AbstractFileSystem:
        """The fsspec filesystem of ``protocol`` (the raw output prefix's when ``None``)."""
        import fsspec

        if not protocol:
            return self.raw_output_fs
        if protocol == "file":
            kwargs.setdefault("auto_mkdir", True)
        elif anonymous:
            if protocol == "s3":
                kwargs["anon"] = True
            elif protocol in ("gs", "gcs"):
                kwargs["token"] = "anon"  # gcsfs's anonymous-access token
        return fsspec.filesystem(protocol, **kwargs)

    def get_filesystem_for_path(
        self, path: str = "", anonymous: bool = False, **kwargs: Any
    ) -> fsspec.AbstractFileSystem:
        """The fsspec filesystem ``path`` lives on."""
        return self.get_filesystem(get_protocol(path), anonymous=anonymous, path=path, **kwargs)

    @staticmethod
    def is_remote(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` is on another filesystem than the local one."""
        return get_protocol(path) != "file"

    @staticmethod
    def strip_file_header(path: str, trim_trailing_sep: bool = False) -> str:
        """``path`` without a leading ``file://``."""
        if path.startswith("file://"):
            path = path[len("file://") :]
        return path.rstrip(os.sep) if trim_trailing_sep else path

    @staticmethod
    def recursive_paths(f: str, t: str) -> tuple[str, str]:
        """Source and target of a recursive copy, each ending with a separator."""
        if get_protocol(f) != "file" or os.path.isdir(FileAccessProvider.strip_file_header(f)):
            f = os.path.join(f, "")
        return f, os.path.join(t, "")

    def sep(self, file_system: fsspec.AbstractFileSystem | None = None) -> str:
        """The path separator of ``file_system`` (``os.sep`` for local files)."""
        if file_system is None:
            return os.sep
        protocol = file_system.protocol
        protocols = protocol if isinstance(protocol, tuple | list) else (protocol,)
        if "file" in protocols or "local" in protocols:
            return os.sep
        return str(file_system.sep)

    def exists(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` (local or remote) exists."""
        text = os.fspath(path)
        return bool(self.get_filesystem_for_path(text).exists(text))

    # -- random paths ------------------------------------------------------------------------

    @staticmethod
    def get_random_string() -> str:
        """32 random hex digits."""
        return uuid.UUID(int=random.getrandbits(128)).hex

    @staticmethod
    def get_file_tail(file_path_or_file_name: str) -> str:
        """The last part of a path."""
        return os.path.split(file_path_or_file_name)[1]

    def join(
        self, *args: str, unstrip: bool = False, fs: fsspec.AbstractFileSystem | None = None
    ) -> str:
        """Join path parts with the separator of ``fs`` (the raw output filesystem)."""
        if not args:
            raise ValueError("join() needs at least one path part")
        sep = self.sep(fs) if fs is not None else _sep_of(args[0])
        base = args[0][:-1] if args[0].endswith(sep) else args[0]
        joined = sep.join([base, *args[1:]])
        if unstrip:
            fs = fs or self.get_filesystem_for_path(args[0])
            return str(fs.unstrip_protocol(joined))
        return joined

    def get_random_local_path(self, file_path_or_file_name: str | None = None) -> str:
        """A new path under the sandbox folder, keeping the tail of the name given."""
        key = self.get_random_string()
        tail = os.path.split(file_path_or_file_name)[1] if file_path_or_file_name else ""
        if tail:
            return os.path.join(self.local_sandbox_dir, key, tail)
        return os.path.join(self.local_sandbox_dir, key)

    def get_random_local_directory(self) -> str:
        """A new, empty folder under the sandbox folder."""
        path = self.get_random_local_path(None)
        pathlib.Path(path).mkdir(parents=True, exist_ok=True)
        return path

    def get_random_remote_path(self, file_path_or_file_name: str | None = None) -> str:
        """A new path under the raw output prefix, keeping the tail of the name given."""
        if file_path_or_file_name:
            return self.join(
                self.raw_output_prefix,
                self.get_random_string(),
                self.get_file_tail(file_path_or_file_name),
            )
        return self.join(self.raw_output_prefix, self.get_random_string())

    def get_random_remote_directory(self) -> str:
        """A new folder path under the raw output prefix (nothing is created)."""
        return self.join(self.raw_output_prefix, self.get_random_string())

    def generate_new_custom_path(
        self,
        fs: fsspec.AbstractFileSystem | None = None,
        alt: str | None = None,
        stem: str | None = None,
    ) -> str:
        """A path beside the raw output prefix's last part: ``stem`` or a random name.

        ``alt`` replaces the bucket (the part after ``s3://``).
        """
        prefix = self.raw_output_prefix
        sep = self.sep(fs) if fs is not None else _sep_of(prefix)
        parts = prefix.split(sep)[:-1]
        if alt:
            if len(parts) < 3:
                raise ValueError(
                    f"alt={alt!r} replaces the bucket of a remote raw output prefix; "
                    f"{self.raw_output_prefix!r} has none"
                )
            parts[2] = alt
        parts.append(stem or self.get_random_string())
        return sep.join(parts)

    # -- transfers ---------------------------------------------------------------------------

    def get_data(
        self, remote_path: str, local_path: str, is_multipart: bool = False, **kwargs: Any
    ) -> str:
        """Copy ``remote_path`` (a folder when ``is_multipart``) to ``local_path``."""
        kwargs.pop("batch_size", None)
        try:
            pathlib.Path(local_path).parent.mkdir(parents=True, exist_ok=True)
            fs = self.get_filesystem_for_path(remote_path)
            if is_multipart:
                src, dst = self.recursive_paths(remote_path, local_path)
                fs.get(src, dst, recursive=True, **kwargs)
            else:
                fs.get(remote_path, local_path, **kwargs)
        except FileNotFoundError as exc:
            raise DataNotFoundError(
                f"cannot download {remote_path!r} to {local_path!r}: it does not exist"
            ) from exc
        except Exception as exc:
            raise DataTransferError(
                f"cannot download {remote_path!r} to {local_path!r} "
                f"(recursive={is_multipart}): {type(exc).__name__}: {exc}"
            ) from exc
        return local_path

    def put_data(
        self,
        local_path: str | os.PathLike[str],
        remote_path: str,
        is_multipart: bool = False,
        **kwargs: Any,
    ) -> str:
        """Copy ``local_path`` (a folder when ``is_multipart``) to ``remote_path``; return it."""
        kwargs.pop("batch_size", None)
        source = os.fspath(local_path)
        try:
            fs = self.get_filesystem_for_path(remote_path)
            if is_multipart:
                src, dst = self.recursive_paths(source, remote_path)
                if get_protocol(remote_path) == "file":  # object stores have no folders
                    fs.makedirs(dst, exist_ok=True)
                fs.put(src, dst, recursive=True, **kwargs)
            else:
                fs.put(source, remote_path, **kwargs)  # local: auto_mkdir makes the parents
        except FileNotFoundError as exc:
            raise DataNotFoundError(
                f"cannot upload {source!r} to {remote_path!r}: the source does not exist"
            ) from exc
        except Exception as exc:
            raise DataTransferError(
                f"cannot upload {source!r} to {remote_path!r} (recursive={is_multipart}): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return remote_path

    def download(self, remote_path: str, local_path: str, **kwargs: Any) -> str:
        """Copy a file from ``remote_path`` to ``local_path``."""
        return self.get_data(remote_path, local_path, **kwargs)

    def download_directory(self, remote_path: str, local_path: str, **kwargs: Any) -> str:
        """Copy a folder from ``remote_path`` to ``local_path``."""
        return self.get_data(remote_path, local_path, is_multipart=True, **kwargs)

    def upload(self, file_path: str, to_path: str, **kwargs: Any) -> str:
        """Copy a file from ``file_path`` to ``to_path``."""
        return self.put_data(file_path, to_path, **kwargs)

    def upload_directory(self, local_path: str, remote_path: str, **kwargs: Any) -> str:
        """Copy a folder from ``local_path`` to ``remote_path``."""
        return self.put_data(local_path, remote_path, is_multipart=True, **kwargs)

    def put_raw_data(
        self,
        lpath: str | os.PathLike[str] | bytes | io.IOBase,
        upload_prefix: str | None = None,
        file_name: str | None = None,
        read_chunk_size_bytes: int = 1024,
        encoding: str = "utf-8",
        skip_raw_data_prefix: bool = False,
        **kwargs: Any,
    ) -> str:
        """Write a file, folder, bytes or a readable stream under the raw output prefix.

        The target is ``{raw output prefix}/{upload_prefix}/{file_name}``: a random prefix when
        none is given, the source's own name (or a random one for bytes and streams) when no
        ``file_name`` is. Returns the path written.
        """
        prefix = self.get_random_string() if upload_prefix is None else upload_prefix
        to_path = prefix if skip_raw_data_prefix else self.join(self.raw_output_prefix, prefix)
        if file_name:
            to_path = self.join(to_path, file_name)
        elif isinstance(lpath, str | os.PathLike):
            to_path = self.join(to_path, self.get_file_tail(os.fspath(lpath)))
        else:
            to_path = self.join(to_path, self.get_random_string())
        if isinstance(lpath, str | os.PathLike):
            source = pathlib.Path(lpath)
            if not source.exists():
                raise DataNotFoundError(f"cannot upload {os.fspath(lpath)!r}: it does not exist")
            if source.is_symlink():
                raise DataTransferError(f"cannot upload {os.fspath(lpath)!r}: it is a symlink")
            return self.put_data(source, to_path, is_multipart=source.is_dir(), **kwargs)
        fs = self.get_filesystem_for_path(to_path)
        if isinstance(lpath, bytes):
            with fs.open(to_path, "wb", **kwargs) as out:
                out.write(lpath)
            return to_path
        if isinstance(lpath, io.IOBase) and lpath.readable():
            lpath.seek(0)
            with fs.open(to_path, "wb", **kwargs) as out:
                while chunk := lpath.read(read_chunk_size_bytes):
                    out.write(chunk.encode(encoding) if isinstance(chunk, str) else chunk)
            return to_path
        raise DataTransferError(
            f"put_raw_data() takes a path, bytes or a readable stream, got {type(lpath).__name__}"
        )

    async def async_get_data(
        self, remote_path: str, local_path: str, is_multipart: bool = False, **kwargs: Any
    ) -> str:
        """:meth:`get_data` in a worker thread."""
        import asyncio

        return await asyncio.to_thread(
            self.get_data, remote_path, local_path, is_multipart, **kwargs
        )

    async def async_put_data(
        self,
        local_path: str | os.PathLike[str],
        remote_path: str,
        is_multipart: bool = False,
        **kwargs: Any,
    ) -> str:
        """:meth:`put_data` in a worker thread."""
        import asyncio

        return await asyncio.to_thread(
            self.put_data, local_path, remote_path, is_multipart, **kwargs
        )

    def __repr__(self) -> str:
        return (
            f"FileAccessProvider(local_sandbox_dir={self._sandbox!r}, "
            f"raw_output_prefix={self._raw!r})"
        )


_PROCESS_FOLDER: list[str] = []
_DEFAULT: list[FileAccessProvider] = []
_BY_PREFIX: dict[str, FileAccessProvider] = {}


def process_folder(sub: str | None = None) -> str:
    """This process's scratch folder, or its subfolder ``sub`` (made on first use): where
    downloads, local copies and tables made outside any run go. Removed when the process ends.
    """
    if not _PROCESS_FOLDER:
        import atexit
        import shutil
        import tempfile

        path = tempfile.mkdtemp(prefix="taskplug-files-")
        _PROCESS_FOLDER.append(path)
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    if sub is None:
        return _PROCESS_FOLDER[0]
    path = os.path.join(_PROCESS_FOLDER[0], sub)
    os.makedirs(path, exist_ok=True)
    return path


def default_file_access() -> FileAccessProvider:
    """The provider of local runs and of code outside any run (one per process)."""
    if not _DEFAULT:
        _DEFAULT.append(FileAccessProvider())
    return _DEFAULT[0]


def file_access_for(raw_output_prefix: str) -> FileAccessProvider:
    """The provider writing under ``raw_output_prefix`` (the default one for ``""``)."""
    if not raw_output_prefix:
        return default_file_access()
    provider = _BY_PREFIX.get(raw_output_prefix)
    if provider is None:
        provider = _BY_PREFIX[raw_output_prefix] = FileAccessProvider(
            raw_output_prefix=raw_output_prefix
        )
    return provider
