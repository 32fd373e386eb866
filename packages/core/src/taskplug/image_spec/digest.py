"""Content hashes of the files an ``ImageSpec`` refers to, computed as flytekit computes them.

``files_digest`` is flytekit's ``compute_digest`` (``copy=``); ``source_digest`` its ``ls_files``
digest (``source_root`` with ``source_copy_mode``). Both feed the image's tag.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from fnmatch import fnmatch

__all__ = ["files_digest", "source_digest"]

_STANDARD_IGNORE = ("*.pyc", ".cache", ".cache/*", "__pycache__/*", "**/__pycache__/*")
_BLOCK = 65536


def _file_update(path: str, hasher: hashlib._Hash) -> None:
    with open(path, "rb") as fh:
        while chunk := fh.read(_BLOCK):
            hasher.update(chunk)


def _path_update(rel: str, hasher: hashlib._Hash) -> None:
    hasher.update("".join(rel.split(os.sep)).encode("utf-8"))


def _usable(path: str) -> bool:
    return os.path.exists(path) and not stat.S_ISSOCK(os.stat(path).st_mode)


def files_digest(sources: list[str]) -> str:
    """The md5 hex digest of ``sources`` (files by base name, directories walked in order)."""
    hasher = hashlib.md5()

    def one(path: str, rel: str) -> None:
        if _usable(path):
            _file_update(path, hasher)
            _path_update(rel, hasher)

    for src in sources:
        if os.path.isdir(src):
            for root, _, files in os.walk(src, topdown=True):
                for name in sorted(files):
                    full = os.path.join(root, name)
                    one(full, os.path.relpath(full, src))
        else:
            one(src, os.path.basename(src))
    return hasher.hexdigest()


def _in_directory(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:
        return False


def _loaded_module_files(root: str) -> list[str]:
    import site

    import taskplug

    skip = [
        os.path.dirname(os.path.abspath(taskplug.__file__)),
        sys.prefix,
        sys.base_prefix,
        site.getusersitepackages(),
        *site.getsitepackages(),
    ]
    files = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or any(_in_directory(path, d) for d in skip):
            continue
        if _in_directory(path, root):
            files.append(path)
    return files


def _all_files(root: str) -> list[str]:
    found = []
    for base, dirs, files in os.walk(root, topdown=True):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in sorted(files):
            full = os.path.join(base, name)
            if not _usable(full):
                continue
            rel = os.path.relpath(full, root)
            if any(fnmatch(rel, pattern) for pattern in _STANDARD_IGNORE):
                continue
            found.append(full)
    return found


def source_digest(root: str, mode: str) -> str:
    """The md5 hex digest of the source files under ``root`` (``LOADED_MODULES``: the files of
    the modules this process imported from there; ``ALL``: every file)."""
    files = _loaded_module_files(root) if mode == "LOADED_MODULES" else _all_files(root)
    hasher = hashlib.md5()
    for path in sorted(files):
        _file_update(path, hasher)
        _path_update(os.path.relpath(path, root), hasher)
    return hasher.hexdigest()
