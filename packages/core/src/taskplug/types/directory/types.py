"""``FlyteDirectory``: flytekit's directory type, on top of :class:`taskplug.types.Directory`.

Same wire form as ``Directory`` (a ``MULTIPART`` ``Blob`` literal). ``FlyteDirectory`` adds
flytekit's behaviour and API:

- a remote directory received as an input is fetched when first used (``os.listdir(d)``,
  ``os.fspath(d)``, ``d.download()``); ``path`` is then a local folder, ``remote_source`` the
  original URL;
- a local directory returned from a task stays where it is in a local run and is uploaded under
  the run's raw output prefix in a container; ``remote_directory="s3://…"`` uploads it there,
  ``remote_directory=False`` never uploads. A plain path returned where a ``FlyteDirectory`` is
  declared is copied under the raw output prefix, as flytekit does;
- ``FlyteDirectory.new_remote()`` names a new folder under the raw output prefix,
  ``FlyteDirectory.new("name")`` one in the run's working directory, ``d.new_file()`` /
  ``d.new_dir()`` entries in it; ``d.crawl()`` walks it without downloading,
  ``FlyteDirectory.listdir(d)`` lists it as ``FlyteFile``/``FlyteDirectory`` objects;
- a local path that is not a folder is refused, naming the path.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from taskplug.errors import TypeTransformerFailedError
from taskplug.types.file.file import FlyteFile, _Download, _file_access, in_container, noop
from taskplug.types.files import Directory, is_remote

__all__ = ["FlyteDirectory"]


class FlyteDirectory(Directory):
    """A directory, local or remote, with flytekit's API (see the module documentation)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        downloader: Callable[[], Any] | None = None,
        remote_directory: str | os.PathLike[str] | bool | None = None,
    ) -> None:
        super().__init__(path)
        if remote_directory is True:
            raise ValueError(
                f"FlyteDirectory({self.path!r}): remote_directory takes a path to upload to, or "
                "False to never upload; not True"
            )
        self._downloader = downloader or noop
        self._downloaded = False
        self._remote_directory: str | bool | None = (
            os.fspath(remote_directory)
            if isinstance(remote_directory, str | os.PathLike)
            else remote_directory
        )
        self._remote_source: str | None = None

    # -- flytekit's API ----------------------------------------------------------------------

    @classmethod
    def extension(cls) -> str:
        """The declared format (``FlyteDirectory["csv"]`` → ``"csv"``; ``""`` for any)."""
        return cls.format

    @classmethod
    def new_remote(cls, stem: str | None = None, alt: str | None = None) -> FlyteDirectory:
        """A new folder under the raw output prefix (``stem``, or a random name)."""
        if stem and Path(stem).suffix:
            raise ValueError(f"new_remote(stem={stem!r}): a folder name has no file extension")
        return cls(_file_access().generate_new_custom_path(alt=alt, stem=stem))

    @classmethod
    def new(cls, dirname: str | os.PathLike[str]) -> FlyteDirectory:
        """A new, empty folder ``dirname`` in the run's working directory."""
        from taskplug.context import current_context

        if os.path.isabs(dirname):
            raise ValueError(
                f"FlyteDirectory.new() takes a relative path, got {os.fspath(dirname)!r}"
            )
        path = os.path.join(current_context().working_directory, dirname)
        os.makedirs(path, exist_ok=False)
        return cls(path)

    @classmethod
    def from_source(cls, source: str | os.PathLike[str]) -> FlyteDirectory:
        """The directory at ``source`` (remote: fetched when first used)."""
        return cls._from_uri(os.fspath(source), None)

    @property
    def downloaded(self) -> bool:
        """Whether the directory was fetched (or needed no fetching and was used)."""
        return self._downloaded

    @property
    def remote_directory(self) -> str | bool | None:
        """Where the folder is uploaded to (``False``: never; ``None``: decided by the run)."""
        return self._remote_directory

    @property
    def remote_source(self) -> str | None:
        """The remote URL this directory came from (``None`` for local ones)."""
        return self._remote_source

    @property
    def sep(self) -> str:
        """The separator of the directory's paths."""
        return "/"

    def __fspath__(self) -> str:
        if not self._downloaded:
            self._downloader()
            self._downloaded = True
        return self.path

    def download(self) -> str:
        """Fetch the directory if it is remote; its local path."""
        return self.__fspath__()

    def _where(self) -> str:
        if self._remote_source:
            return self._remote_source
        if isinstance(self._remote_directory, str):
            return self._remote_directory
        return self.path

    def new_file(self, name: str | None = None) -> FlyteFile:
        """A file ``name`` (or a random name) in this directory (not created)."""
        name = name or uuid.UUID(int=random.getrandbits(128)).hex
        return FlyteFile(self.sep.join([self.path.rstrip(self.sep), name]))

    def new_dir(self, name: str | None = None) -> FlyteDirectory:
        """A folder ``name`` (or a random name) in this directory (not created)."""
        name = name or uuid.UUID(int=random.getrandbits(128)).hex
        return FlyteDirectory(self.sep.join([self.path.rstrip(self.sep), name]))

    def listdir(self) -> list[FlyteFile | FlyteDirectory]:  # type: ignore[override]
        """The entries, as ``FlyteFile`` and ``FlyteDirectory`` objects (remote ones fetched
        when used). Works as flytekit's ``FlyteDirectory.listdir(d)`` too."""
        where = self._where()
        access = _file_access()
        entries: list[FlyteFile | FlyteDirectory] = []
        if not is_remote(where):
            for name in sorted(os.listdir(where)):
                full = os.path.join(where, name)
                entries.append(FlyteFile(full) if os.path.isfile(full) else FlyteDirectory(full))
            return entries
        fs = access.get_filesystem_for_path(where)
        for info in fs.listdir(where):
            remote = where.rstrip("/") + "/" + str(info["name"]).rstrip("/").split("/")[-1]
            if info["type"] == "file":
                entries.append(FlyteFile._from_uri(remote, None))
            else:
                entries.append(FlyteDirectory._from_uri(remote, None))
        return entries

    def crawl(
        self, maxdepth: int | None = None, topdown: bool = True, **kwargs: Any
    ) -> Iterator[tuple[str, Any]]:
        """``(base, relative path)`` of every file below the directory, without downloading.

        ``detail=True`` gives ``(base, {relative path: fsspec info})`` instead.
        """
        import fsspec

        where = self._where()
        fs = _file_access().get_filesystem_for_path(where)
        base_len = len(fsspec.core.strip_protocol(where).rstrip("/")) + 1
        for base, _, files in fs.walk(where, maxdepth, topdown, **kwargs):
            current = base[base_len:]
            if isinstance(files, dict):
                for name, info in files.items():
                    yield where, {os.path.join(current, name): info}
            else:
                for name in files:
                    yield where, os.path.join(current, name)

    def __truediv__(self, other: str | os.PathLike[str]) -> Path:
        return Path(self.path) / other

    def __eq__(self, other: object) -> bool:
        # as flytekit's dataclass: equal to a directory of the same class with the same path
        if other.__class__ is self.__class__:
            return self.path == other.path
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self.path))

    def __repr__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    # -- the wire form (flytekit's rules) ----------------------------------------------------

    def _to_uri(self) -> str:
        if self._remote_source is not None:
            return self._remote_source
        source = self.path
        if self._remote_directory is False or is_remote(source):
            return source
        if isinstance(self._remote_directory, str):
            _check_dir(type(self), source)
            return str(_file_access().put_data(source, self._remote_directory, True))
        if in_container():
            _check_dir(type(self), source)
            return str(_file_access().put_data(source, _remote_dir(), True))
        return source

    @classmethod
    def _uri_of_path(cls, path: str) -> str:
        if is_remote(path):
            return path
        _check_dir(cls, path)
        return str(_file_access().put_data(path, _remote_dir(), True))

    @classmethod
    def _from_uri(cls, uri: str, metadata: dict[str, str] | None) -> FlyteDirectory:
        if not is_remote(uri):
            _check_dir(cls, uri)
            return cls(uri, remote_directory=False)
        local = _file_access().get_random_local_directory()
        value = cls(local, downloader=_Download(uri, local, multipart=True))
        value._remote_source = uri
        return value


def _remote_dir() -> str:
    return str(_file_access().get_random_remote_directory())


def _check_dir(cls: type, path: str) -> None:
    if not os.path.isdir(path):
        raise TypeTransformerFailedError(
            f"expected a directory for {cls.__name__}, but {path!r} is not a directory",
            expected=cls,
            got=str,
        )
