"""Single-file blobs written by a library's own ``save`` (numpy's ``.npy``, torch's ``.pt``,
Keras's ``.keras``).

:func:`write_new_file` gives the file a new name where new tables go
(:func:`taskplug.types.tables.storage.new_location`: under the raw output prefix in a container
run, in the local run's scratch directory otherwise), writes it under a temporary name and
renames it (or, for a remote prefix, writes it locally and uploads it with fsspec);
:func:`write_new_path` does the same for a library that writes to a path (whose name must end
in ``suffix``) rather than to an open file, :func:`write_new_dir` for a new folder of files (a
``MULTIPART`` blob). :func:`local_path` and :func:`local_dir` are the way back: a local path to
read a blob's file or folder from.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["local_dir", "local_path", "write_new_dir", "write_new_file", "write_new_path"]


def write_new_file(*, suffix: str, write: Callable[[BinaryIO], None]) -> str:
    """Write a new file ending in ``suffix`` with ``write(fh)``; returns its uri."""

    def to_path(path: str) -> None:
        with open(path, "wb") as fh:
            write(fh)

    return write_new_path(suffix=suffix, write=to_path)


def write_new_path(*, suffix: str, write: Callable[[str], None]) -> str:
    """Write a new file ending in ``suffix`` with ``write(path)`` (a temporary local path that
    ends in ``suffix`` too); returns the new file's uri."""
    from taskplug.types.tables.storage import is_remote, new_location

    folder = new_location()
    name = f"{uuid.uuid4().hex}{suffix}"
    if is_remote(folder):
        import tempfile

        from fsspec.core import url_to_fs

        fs, path = url_to_fs(folder)
        with tempfile.TemporaryDirectory(prefix="taskplug-upload-") as scratch:
            local = os.path.join(scratch, name)
            write(local)
            fs.makedirs(path, exist_ok=True)
            fs.put_file(local, f"{path.rstrip('/')}/{name}")
        return f"{folder.rstrip('/')}/{name}"
    os.makedirs(folder, exist_ok=True)
    final = os.path.join(folder, name)
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp{suffix}")
    try:
        write(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return final


def local_path(uri: str, *, suffix: str = "") -> str:
    """A local path holding the file at ``uri`` (a remote file is downloaded first)."""
    from taskplug.types.tables.storage import is_remote

    if not is_remote(uri):
        return uri[len("file://") :] if uri.startswith("file://") else uri
    from fsspec.core import url_to_fs

    from taskplug.types.adapter_context import adapter_context

    local = adapter_context().file_access.get_random_local_path(f"{uuid.uuid4().hex}{suffix}")
    fs, remote = url_to_fs(uri)
    fs.get_file(remote, local)
    return local


def write_new_dir(*, write: Callable[[str], None]) -> str:
    """Fill a new folder with ``write(path)`` (an empty temporary local folder); returns the new
    folder's uri. Locally the folder is renamed into place once written."""
    from taskplug.types.tables.storage import is_remote, new_location

    folder = new_location()
    name = uuid.uuid4().hex
    if is_remote(folder):
        import tempfile

        from fsspec.core import url_to_fs

        fs, path = url_to_fs(folder)
        with tempfile.TemporaryDirectory(prefix="taskplug-upload-") as scratch:
            local = os.path.join(scratch, name)
            os.mkdir(local)
            write(local)
            target = f"{path.rstrip('/')}/{name}"
            fs.makedirs(target, exist_ok=True)
            fs.put(f"{local}/", f"{target}/", recursive=True)
        return f"{folder.rstrip('/')}/{name}"
    os.makedirs(folder, exist_ok=True)
    final = os.path.join(folder, name)
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")
    os.mkdir(tmp)
    try:
        write(tmp)
        os.replace(tmp, final)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def local_dir(uri: str) -> str:
    """A local folder holding the folder at ``uri`` (a remote one is downloaded first)."""
    from taskplug.types.tables.storage import is_remote

    if not is_remote(uri):
        return uri[len("file://") :] if uri.startswith("file://") else uri
    from fsspec.core import url_to_fs

    from taskplug.types.adapter_context import adapter_context

    local = adapter_context().file_access.get_random_local_path(uuid.uuid4().hex)
    fs, remote = url_to_fs(uri)
    fs.get(f"{remote.rstrip('/')}/", f"{local}/", recursive=True)
    return local
