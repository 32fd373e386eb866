"""``FlyteFile``: flytekit's file type, on top of :class:`taskplug.types.File`.

The wire form is the same as ``File``'s (a ``Blob`` literal, ``SINGLE`` dimensionality, the
format of ``FlyteFile["csv"]``), so either class reads what the other wrote. ``FlyteFile`` adds
flytekit's behaviour and API:

- a remote file received as an input is not downloaded until used: ``path`` is a local path
  in this process's sandbox, ``remote_source`` the original URL, and ``open(ff)``,
  ``os.fspath(ff)`` or ``ff.download()`` fetch it (once);
- a local file returned from a task stays where it is in a local run and is uploaded under the
  run's raw output prefix in a container; ``FlyteFile(path, remote_path="s3://…")`` uploads it
  there (also locally), ``remote_path=False`` never uploads;
- ``FlyteFile.new_remote_file()`` names a new file under the raw output prefix (write it with
  ``open("wb")``), ``FlyteFile.new("name")`` one in the run's working directory,
  ``FlyteFile.from_source(url)`` wraps an existing one;
- ``ff.open(mode)`` streams through fsspec (the remote file directly, no download);
- a local path that is not a file is refused (as flytekit refuses it), naming the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, Any

from taskplug.errors import TypeTransformerFailedError
from taskplug.types.files import File, is_remote

__all__ = ["FlyteFile", "noop"]


def noop() -> None:
    """A downloader with nothing to do (the file is local already)."""


def _file_access() -> Any:
    """The current run's file access (the process default outside a run)."""
    from taskplug.context import current_execution
    from taskplug.runtime.file_access import file_access_for

    state = current_execution()
    return file_access_for(state.params.raw_output_prefix if state is not None else "")


def in_container() -> bool:
    """Whether a container run is in progress (its local files are uploaded)."""
    from taskplug.context import current_execution

    state = current_execution()
    return state is not None and state.mode == "container" and bool(state.params.raw_output_prefix)


class _Download:
    """Copies ``remote`` to ``local`` when called (a remote file's lazy download)."""

    def __init__(self, remote: str, local: str, *, multipart: bool = False) -> None:
        self.remote_path = remote
        self.local_path = local
        self.is_multipart = multipart

    def __call__(self) -> Any:
        return _file_access().get_data(self.remote_path, self.local_path, self.is_multipart)


class FlyteFile(File):
    """A file, local or remote, with flytekit's API (see the module documentation)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        downloader: Callable[[], Any] = noop,
        remote_path: str | os.PathLike[str] | bool | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(path)
        if remote_path is True:
            raise ValueError(
                f"FlyteFile({self.path!r}): remote_path takes a path to upload to, or False "
                "to never upload; not True"
            )
        self.metadata = metadata
        self._downloader = downloader
        self._downloaded = False
        self._remote_path: str | bool | None = (
            os.fspath(remote_path) if isinstance(remote_path, str | os.PathLike) else remote_path
        )
        self._remote_source: str | None = None
        self._local_path = self.path
        if is_remote(self.path):
            self._remote_source = self.path
            self._local_path = _file_access().get_random_local_path(self.path)
            self._downloader = _Download(self.path, self._local_path)

    # -- flytekit's API ----------------------------------------------------------------------

    @classmethod
    def extension(cls) -> str:
        """The declared format (``FlyteFile["csv"]`` → ``"csv"``; ``""`` for any)."""
        return cls.format

    @classmethod
    def new_remote_file(cls, name: str | None = None, alt: str | None = None) -> FlyteFile:
        """A new file under the raw output prefix (``name``, or a random one); write it with
        :meth:`open`. ``alt`` replaces the bucket."""
        return cls(_file_access().generate_new_custom_path(alt=alt, stem=name))

    @classmethod
    def from_source(cls, source: str | os.PathLike[str]) -> FlyteFile:
        """The file at ``source`` (remote: fetched when first used)."""
        value = cls._from_uri(os.fspath(source), None)
        assert isinstance(value, FlyteFile)
        return value

    @classmethod
    def new(cls, filename: str | os.PathLike[str]) -> FlyteFile:
        """A file named ``filename`` in the run's working directory (not created)."""
        from taskplug.context import current_context

        if os.path.isabs(filename):
            raise ValueError(f"FlyteFile.new() takes a relative path, got {os.fspath(filename)!r}")
        return cls(os.path.join(current_context().working_directory, filename))

    @property
    def downloaded(self) -> bool:
        """Whether the file was fetched (or needed no fetching and was used)."""
        return self._downloaded

    @property
    def remote_path(self) -> str | bool | None:
        """Where the file is uploaded to (``False``: never uploaded; ``None``: decided by the
        run)."""
        return self._remote_path

    @property
    def remote_source(self) -> str | None:
        """The remote URL this file came from (``None`` for local files)."""
        return self._remote_source

    def __fspath__(self) -> str:
        if not self._downloaded:
            self._downloader()
            self._downloaded = True
        return self._local_path

    def download(self) -> str:
        """Fetch the file if it is remote; its local path."""
        return self.__fspath__()

    def open(
        self,
        mode: str = "rb",
        cache_type: str | None = None,
        cache_options: dict[str, Any] | None = None,
    ) -> IO[Any]:
        """The file opened through fsspec (remote files are streamed, not downloaded)."""
        final = self._remote_source or (
            self._remote_path if isinstance(self._remote_path, str) else None
        )
        target = final or self.path
        kwargs: dict[str, Any] = {}
        if cache_type is not None:
            kwargs["cache_type"] = cache_type
        if cache_options is not None:
            kwargs["cache_options"] = cache_options
        fs = _file_access().get_filesystem_for_path(target)
        return fs.open(target, mode, **kwargs)  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FlyteFile):
            return (
                self.path == other.path
                and self._remote_path == other._remote_path
                and self.extension() == other.extension()
            )
        return self.path == other

    def __hash__(self) -> int:
        return hash(str(self.path))

    def __repr__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path

    # -- the wire form (flytekit's rules) ----------------------------------------------------

    def _to_uri(self) -> str:
        if self._remote_source is not None:
            return self._remote_source
        source = self.path
        if self._remote_path is False or is_remote(source):
            return source
        if isinstance(self._remote_path, str):
            return str(_file_access().put_data(source, self._remote_path))
        if in_container():
            return str(_file_access().put_raw_data(source))
        return source

    @classmethod
    def _uri_of_path(cls, path: str) -> str:
        if is_remote(path):
            return path
        if not os.path.isfile(path):
            raise TypeTransformerFailedError(
                f"expected a file for {cls.__name__}, but {path!r} is not a file",
                expected=cls,
                got=str,
            )
        if in_container():
            return str(_file_access().put_raw_data(path))
        return path

    @classmethod
    def _from_uri(cls, uri: str, metadata: dict[str, str] | None) -> FlyteFile:
        if not is_remote(uri):
            if not os.path.isfile(uri):
                raise TypeTransformerFailedError(
                    f"expected a file for {cls.__name__}, but {uri!r} is not a file",
                    expected=cls,
                    got=str,
                )
            return cls(uri, metadata=metadata)
        local = _file_access().get_random_local_path(uri)
        value = cls(local, downloader=_Download(uri, local), metadata=metadata)
        value._remote_source = uri
        return value

    def _literal_metadata(self) -> dict[str, str] | None:
        return self.metadata or None
