"""Checkpoints: current_context().checkpoint in a local run (no previous attempt: read() and
restore() give None, write/save work), and SyncCheckpoint resuming from an earlier attempt's
folder (flytekit's advanced composition section, written fresh)."""

import os
import pathlib
import tempfile

from flytekit import current_context, task, workflow
from flytekit.core.checkpointer import SyncCheckpoint


@task
def resumable(n: int) -> int:
    cp = current_context().checkpoint
    previous = cp.read()
    print("previous attempt:", previous, cp.prev_exists(), cp.restore())
    start = int(previous.decode()) if previous else 0
    total = 0
    for i in range(start, n):
        total += i
        cp.write(str(i + 1).encode())
    return total


@task
def save_a_folder(parts: int) -> int:
    cp = current_context().checkpoint
    folder = pathlib.Path(current_context().working_directory) / "state"
    folder.mkdir()
    for i in range(parts):
        (folder / f"part{i}.txt").write_text(str(i))
    cp.save(folder)
    single = pathlib.Path(current_context().working_directory) / "one.bin"
    single.write_bytes(b"\x00\x01")
    cp.save(str(single))
    return parts


@workflow
def sums(n: int) -> int:
    save_a_folder(parts=2)
    return resumable(n=n)


if __name__ == "__main__":
    print(resumable(n=5))
    print(sums(n=3))

    earlier = tempfile.mkdtemp()
    with open(os.path.join(earlier, "progress"), "wb") as fh:
        fh.write(b"41")
    now = tempfile.mkdtemp()
    cp = SyncCheckpoint(checkpoint_dest=now, checkpoint_src=earlier)
    print("resumed:", cp.prev_exists(), cp.read())
    restored = cp.restore()
    print("restored files:", sorted(os.listdir(restored)))
    print("same folder again:", cp.restore() == restored)
    cp.write(b"42")
    print("this attempt saved:", sorted(os.listdir(now)))

    two = tempfile.mkdtemp()
    for name in ("a", "b"):
        with open(os.path.join(two, name), "w") as fh:
            fh.write(name)
    try:
        SyncCheckpoint(checkpoint_dest=tempfile.mkdtemp(), checkpoint_src=two).read()
    except ValueError:
        print("two checkpoint files cannot be read() as one")
