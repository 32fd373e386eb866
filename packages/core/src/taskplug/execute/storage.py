"""Reading inputs and writing outputs for ``taskplug-execute``, atomically.

Local paths and ``file://`` URLs are handled with ``os`` alone (no fsspec import on the
common path); any other scheme goes through fsspec. A file written here is never visible
half-written: bytes go to a temporary name in the same directory (or a temporary key), are
flushed to disk, and the temporary is then renamed onto the final name.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

__all__ = ["is_local", "join", "local_path", "read_bytes", "write_atomic"]

# Stores whose single PUT is already atomic (the object appears complete or not at all); a
# temporary key followed by a server-side copy would only double the cost there.
_ATOMIC_PUT = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "oci"})


def _scheme(uri: str) -> str:
    head, sep, _ = uri.partition("://")
    if not sep or not head or not all(c.isalnum() or c in "+-." for c in head):
        return ""
    return head.lower()


def is_local(uri: str) -> bool:
    """Whether ``uri`` names the local file system (a plain path or ``file://``)."""
    return _scheme(uri) in ("", "file")


def local_path(uri: str) -> str:
    """The file-system path of a local ``uri`` (``file:///a/b`` → ``/a/b``)."""
    if uri.startswith("file://"):
        return uri[len("file://") :] or "/"
    return uri


def join(prefix: str, name: str) -> str:
    """``prefix/name`` without doubling the slash."""
    return f"{prefix.rstrip('/')}/{name}" if prefix.rstrip("/") else name


def read_bytes(uri: str) -> bytes:
    """All bytes of the file at ``uri`` (``FileNotFoundError`` if there is none)."""
    if is_local(uri):
        with open(local_path(uri), "rb") as fh:
            return fh.read()
    import fsspec

    with fsspec.open(uri, "rb") as fh:
        data: bytes = fh.read()
    return data


def write_atomic(prefix: str, name: str, data: bytes) -> str:
    """Write ``data`` to ``prefix/name`` so that readers see all of it or nothing.

    Returns the URI written. The prefix is created when missing.
    """
    if is_local(prefix):
        _write_local(local_path(prefix) or ".", name, data)
    else:
        _write_remote(prefix, name, data)
    return join(prefix, name)


def _write_local(directory: str, name: str, data: bytes) -> None:
    os.makedirs(directory, exist_ok=True)
    final = os.path.join(directory, name)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: str) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(dfd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(dfd)


def _write_remote(prefix: str, name: str, data: bytes) -> None:
    from fsspec.core import url_to_fs

    fs: Any
    fs, base = url_to_fs(prefix)
    base = base.rstrip("/")
    final = f"{base}/{name}"
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if _ATOMIC_PUT.intersection(protocols):
        fs.pipe_file(final, data)
        return
    fs.makedirs(base, exist_ok=True)
    tmp = f"{base}/.{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
    fs.pipe_file(tmp, data)
    try:
        fs.mv(tmp, final)
    except BaseException:
        with contextlib.suppress(Exception):
            fs.rm(tmp)
        raise
