"""``File`` and ``Directory``: blobs in flytekit's ``FlyteFile``/``FlyteDirectory`` wire form.

A literal is a ``Blob`` whose ``BlobType`` has the format (``File["csv"]`` → ``"csv"``) and the
dimensionality (``SINGLE`` for files, ``MULTIPART`` for directories), and whose ``uri`` points at
the data. A remote path is sent as it is; a local path is uploaded under the execution's
``raw_output_prefix`` when running in a container, and sent as a local path otherwise (a local
run shares the file system). fsspec is imported only when bytes actually move.
"""

from __future__ import annotations

import os
import tempfile
import typing
import uuid
from typing import IO, Any, ClassVar

from flyteidl.core import literals_pb2, types_pb2

from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, decode_error, fail

__all__ = ["DIRECTORY", "FILE", "Directory", "File", "format_name", "is_remote"]

SINGLE = types_pb2.BlobType.BlobDimensionality.SINGLE
MULTIPART = types_pb2.BlobType.BlobDimensionality.MULTIPART


def is_remote(path: str) -> bool:
    """Whether ``path`` names a remote location (``s3://``, ``gs://``, ``https://``...)."""
    head, sep, _ = path.partition("://")
    return bool(sep) and head not in ("file", "")


def format_name(fmt: Any) -> str:
    """A blob format from ``"csv"``, ``".csv"``, ``TypeVar("csv")`` or
    ``Annotated[str, FileExt("csv")]`` (flytekit's spellings)."""
    if typing.get_origin(fmt) is typing.Annotated:
        base, *extra = typing.get_args(fmt)
        if base is not str or not extra:
            raise ValueError(
                f"a file format given as Annotated must be Annotated[str, <format>], got {fmt!r}"
            )
        fmt = extra[0]
    if isinstance(fmt, typing.TypeVar):
        fmt = fmt.__name__
    if fmt is None:
        return ""
    return str(fmt).strip().lstrip("~").lstrip(".")


class _PathBase(os.PathLike[str]):
    format: ClassVar[str] = ""
    _formats: ClassVar[dict[str, type[Any]]]

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        local = self.path[len("file://") :] if self.path.startswith("file://") else self.path
        self._local: str | None = None if is_remote(self.path) else local

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._formats = {}

    def __class_getitem__(cls, fmt: Any) -> Any:
        """``File["csv"]``: the class of files of that format.

        The format may also be given as flytekit spells it: ``TypeVar("csv")`` or
        ``Annotated[str, FileExt("csv")]``.
        """
        fmt = format_name(fmt)
        if not fmt:
            return cls
        sub = cls._formats.get(fmt)
        if sub is None:
            sub = type(
                f"{cls.__name__}[{fmt}]", (cls,), {"format": fmt, "__module__": cls.__module__}
            )
            cls._formats[fmt] = sub
        return sub

    def __fspath__(self) -> str:
        return self._local if self._local is not None else self.path

    # -- what the transformer asks (FlyteFile / FlyteDirectory answer as flytekit does) ----

    def _to_uri(self) -> str:
        """The literal's uri for this value (uploaded first when a container run needs it)."""
        path = self.path
        return path if is_remote(path) else _upload(path, isinstance(self, Directory))

    @classmethod
    def _uri_of_path(cls, path: str) -> str:
        """The literal's uri for a plain path given where ``cls`` is declared."""
        return path if is_remote(path) else _upload(path, issubclass(cls, Directory))

    @classmethod
    def _from_uri(cls, uri: str, metadata: dict[str, str] | None) -> _PathBase:
        """The value of a literal with this ``uri`` (and literal ``metadata``)."""
        return cls(uri)

    def _literal_metadata(self) -> dict[str, str] | None:
        """The literal's ``metadata`` map for this value (``None``: none)."""
        return None

    @classmethod
    def _dataclass_field_schema(cls) -> dict[str, Any]:
        """The JSON schema of a dataclass field of this type (mashumaro's, as flytekit has it)."""
        path = {
            "default": None,
            "anyOf": [{"type": "string"}, {"format": "path", "type": "string"}],
        }
        properties: dict[str, Any] = {"path": path}
        if not issubclass(cls, Directory):
            properties["metadata"] = {
                "default": None,
                "anyOf": [
                    {
                        "propertyNames": {"type": "string"},
                        "additionalProperties": {"type": "string"},
                        "type": "object",
                    },
                    {"type": "null"},
                ],
            }
        title = "FlyteDirectory" if issubclass(cls, Directory) else "FlyteFile"
        return {
            "properties": properties,
            "title": title,
            "additionalProperties": False,
            "type": "object",
        }

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """As a pydantic field: ``{"path": uri}`` in dumps (as flytekit's), read back alike."""
        from taskplug.types.pydantic_fields import path_core_schema

        return path_core_schema(cls, directory=issubclass(cls, Directory))

    @property
    def remote(self) -> bool:
        """Whether the data lives in a remote store."""
        return is_remote(self.path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _PathBase) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def __str__(self) -> str:
        return self.path


class File(_PathBase):
    """A file, local or remote (any fsspec URL); ``File["csv"]`` sets the blob format."""

    def open(self, mode: str = "rb") -> IO[Any]:
        """Open the file through fsspec (works for local paths and any remote store)."""
        import fsspec

        return fsspec.open(self.path, mode).open()  # type: ignore[no-any-return]

    def download(self) -> str:
        """A local path of the file, fetching it first if it is remote."""
        if self._local is None:
            import fsspec

            local = os.path.join(_scratch(), os.path.basename(self.path))
            fs, _, paths = fsspec.get_fs_token_paths(self.path)
            fs.get(paths[0], local)
            self._local = local
        return self._local


class Directory(_PathBase):
    """A directory, local or remote (any fsspec URL)."""

    def download(self) -> str:
        """A local path of the directory, fetching it first if it is remote."""
        if self._local is None:
            import fsspec

            local = _scratch()
            fs, _, paths = fsspec.get_fs_token_paths(self.path)
            fs.get(paths[0].rstrip("/") + "/", local + "/", recursive=True)
            self._local = local
        return self._local

    def listdir(self) -> list[str]:
        """Paths of the entries of the directory."""
        import fsspec

        fs, _, paths = fsspec.get_fs_token_paths(self.path)
        return [str(p) for p in fs.ls(paths[0], detail=False)]


def _scratch() -> str:
    """A new folder for one download, inside this process's scratch folder (removed when the
    process ends; not the run's working directory, which ends with the run while the object
    may live on)."""
    from taskplug.runtime.file_access import process_folder

    return tempfile.mkdtemp(prefix="download-", dir=process_folder())


def _upload(local: str, directory: bool) -> str:
    """Where ``local`` ends up: uploaded under the raw output prefix in a container run."""
    from taskplug.context import current_execution

    state = current_execution()
    prefix = state.params.raw_output_prefix if state is not None else ""
    if state is None or state.mode != "container" or not prefix:
        return os.path.abspath(local)
    import fsspec

    target = f"{prefix.rstrip('/')}/{uuid.uuid4().hex}"
    if not directory:
        target = f"{target}/{os.path.basename(local)}"
    fs, _, paths = fsspec.get_fs_token_paths(target)
    parent = paths[0] if directory else paths[0].rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    if directory:
        fs.put(local.rstrip("/") + "/", paths[0] + "/", recursive=True)
    else:
        fs.put(local, paths[0])
    return target


class _BlobTransformer(TypeTransformer[Any]):
    def __init__(self, name: str, cls: type[_PathBase], dimensionality: int) -> None:
        super().__init__(name, cls)
        self.dimensionality = dimensionality

    def converter(self, t: Any, engine: type[TypeEngine], allow_pickle: bool) -> Converter:
        cls: type[_PathBase] = t
        fmt, dim, directory = cls.format, self.dimensionality, self.dimensionality == MULTIPART
        lt = types_pb2.LiteralType()
        lt.blob.format = fmt
        lt.blob.dimensionality = dim
        lt.blob.SetInParent()

        def uri_of(value: Any) -> str:
            if isinstance(value, _PathBase):
                if (isinstance(value, Directory)) != directory:
                    raise fail(cls, value)
                return value._to_uri()
            if isinstance(value, str | os.PathLike):
                return cls._uri_of_path(os.fspath(value))
            raise fail(cls, value)

        def fill(msg: literals_pb2.Literal, value: Any) -> None:
            uri = uri_of(value)
            blob = msg.scalar.blob
            blob.metadata.type.format = fmt
            blob.metadata.type.dimensionality = dim
            blob.metadata.type.SetInParent()
            blob.uri = uri
            if isinstance(value, _PathBase):
                meta = value._literal_metadata()
                if meta:
                    msg.metadata.update(meta)

        def read(lit: literals_pb2.Literal) -> Any:
            if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "blob":
                blob = lit.scalar.blob
                if blob.metadata.type.dimensionality == dim and blob.uri:
                    return cls._from_uri(blob.uri, dict(lit.metadata) or None)
            raise decode_error(cls, lit)

        def to_plain(value: Any) -> Any:
            plain: dict[str, Any] = {"path": uri_of(value)}
            if isinstance(value, _PathBase):
                meta = value._literal_metadata()
                if meta:
                    plain["metadata"] = meta
            return plain

        def from_plain(value: Any) -> Any:
            if type(value) is dict and type(value.get("path")) is str:
                meta = value.get("metadata")
                return cls._from_uri(value["path"], meta if type(meta) is dict else None)
            raise fail(cls, value)

        return Converter(
            t, lt, fill, read, name=self.name, to_plain=to_plain, from_plain=from_plain
        )


FILE = _BlobTransformer("FlyteFilePath", File, SINGLE)
DIRECTORY = _BlobTransformer("FlyteDirectory", Directory, MULTIPART)
