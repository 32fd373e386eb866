"""Checkpoints: ``current_context().checkpoint`` (flytekit's ``Checkpoint`` / ``SyncCheckpoint``).

A task that may be retried (or interrupted) saves its progress with ``write(bytes)`` or
``save(path)`` and, on the next attempt, reads it back with ``read()`` or ``restore()``::

    cp = current_context().checkpoint
    done = int(cp.read() or b"0")
    ...
    cp.write(str(done).encode())

In a container the entrypoint's ``--checkpoint-path`` is where checkpoints are saved and
``--prev-checkpoint`` (the previous attempt's) where they are read from; any fsspec URL works.
A local run has no previous attempt, as in flytekit: ``read()`` and ``restore()`` return
``None``, ``prev_exists()`` is false, and saving writes into the run's working directory
(``<working_directory>/__cp``), removed with it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskplug.runtime.file_access import FileAccessProvider

__all__ = ["Checkpoint", "SyncCheckpoint"]


class Checkpoint:
    """What a checkpoint system offers; :class:`SyncCheckpoint` is the one runs get."""

    def prev_exists(self) -> bool:
        """Whether a previous attempt left a checkpoint."""
        raise NotImplementedError

    def restore(self, path: Path | str | None = None) -> Path | None:
        """Download the previous checkpoint into the folder ``path``; ``None`` if there is none."""
        raise NotImplementedError

    def save(self, cp: Path | str | io.IOBase) -> None:
        """Save a file, a folder or a readable binary stream as the checkpoint."""
        raise NotImplementedError

    def read(self) -> bytes | None:
        """The previous checkpoint's single file, or ``None`` (``ValueError`` if several)."""
        raise NotImplementedError

    def write(self, b: bytes) -> None:
        """Save ``b`` as the checkpoint (replacing what this attempt saved before)."""
        raise NotImplementedError


class SyncCheckpoint(Checkpoint):
    """Checkpoints copied synchronously: to ``checkpoint_dest``, from ``checkpoint_src``."""

    #: The file name ``write`` and stream ``save`` use inside the destination.
    TMP_DST_PATH = "_dst_cp"

    def __init__(self, checkpoint_dest: str, checkpoint_src: str | None = None) -> None:
        if not checkpoint_dest:
            raise ValueError("SyncCheckpoint needs a checkpoint destination (checkpoint_dest)")
        self._checkpoint_dest = str(checkpoint_dest)
        self._checkpoint_src = str(checkpoint_src) if checkpoint_src else None
        self._prev_download_path: Path | None = None

    @property
    def destination(self) -> str:
        """Where this attempt's checkpoint goes."""
        return self._checkpoint_dest

    @property
    def source(self) -> str | None:
        """Where the previous attempt's checkpoint is read from (``None``: no previous one)."""
        return self._checkpoint_src

    @staticmethod
    def _access() -> FileAccessProvider:
        from taskplug.runtime.file_access import default_file_access

        return default_file_access()

    def prev_exists(self) -> bool:
        """Whether a previous attempt left a checkpoint."""
        return self._checkpoint_src is not None

    def restore(self, path: Path | str | None = None) -> Path | None:
        """Download the previous checkpoint into the folder ``path`` (a new one by default).

        Downloads once: later calls return the first call's folder.
        """
        if self._checkpoint_src is None:
            return None
        if self._prev_download_path is not None:
            return self._prev_download_path
        access = self._access()
        target = Path(access.get_random_local_directory() if path is None else path)
        if not target.is_dir():
            raise ValueError(
                f"a checkpoint is restored into a folder; {os.fspath(target)!r} is not one"
            )
        access.download_directory(self._checkpoint_src, os.fspath(target))
        self._prev_download_path = target
        return target

    def save(self, cp: Path | str | io.IOBase) -> None:
        """Save a file (under its own name), a folder (its content) or a readable stream."""
        access = self._access()
        dest = self._checkpoint_dest
        if isinstance(cp, str | Path):
            source = Path(cp)
            if source.is_dir():
                access.upload_directory(os.fspath(source), dest)
                return
            if not source.is_file():
                raise ValueError(f"checkpoint {os.fspath(source)!r} is neither a file nor a folder")
            access.upload(os.fspath(source), _join(dest, source.name))
            return
        if not isinstance(cp, io.IOBase):
            raise ValueError(
                "save() takes a path (str or pathlib.Path) or a readable binary stream, got "
                f"{type(cp).__name__}"
            )
        target = _join(dest, self.TMP_DST_PATH)
        fs = access.get_filesystem_for_path(target)
        with fs.open(target, "wb") as out:
            out.write(cp.read())

    def read(self) -> bytes | None:
        """The previous checkpoint's only file (``None``: no previous checkpoint, or empty)."""
        folder = self.restore()
        if folder is None:
            return None
        files = list(folder.iterdir())
        if not files:
            return None
        if len(files) > 1:
            raise ValueError(
                f"read() expects exactly one checkpoint file, found {len(files)} in "
                f"{self._checkpoint_src}; use restore() to get them all"
            )
        return files[0].read_bytes()

    def write(self, b: bytes) -> None:
        """Save ``b`` as the checkpoint."""
        if not isinstance(b, bytes | bytearray):
            raise ValueError(f"write() takes bytes, got {type(b).__name__}")
        self.save(io.BytesIO(bytes(b)))

    def __repr__(self) -> str:
        return f"SyncCheckpoint(dest={self._checkpoint_dest!r}, src={self._checkpoint_src!r})"


def _join(base: str, name: str) -> str:
    if "://" in base:
        return base.rstrip("/") + "/" + name
    return os.path.join(base, name)
