"""FlyteDirectory: folders returned and passed between tasks, listing with os.listdir,
FlyteDirectory.listdir and crawl, new_file / new_dir, remote folders fetched when used (an
fsspec memory:// store stands in for a bucket), remote_directory= (flytekit's data types and
IO section)."""

import os
import tempfile
import typing

import flytekit
import fsspec
from flytekit import task, workflow
from flytekit.types.directory import FlyteDirectory, TensorboardLogs
from flytekit.types.file import FlyteFile


@task
def make_folder(n: int) -> FlyteDirectory:
    root = os.path.join(flytekit.current_context().working_directory, "out")
    os.makedirs(os.path.join(root, "nested"))
    for i in range(n):
        with open(os.path.join(root, f"part-{i}.txt"), "w") as fh:
            fh.write(str(i))
    with open(os.path.join(root, "nested", "deep.txt"), "w") as fh:
        fh.write("deep")
    return FlyteDirectory(root)


@task
def summarize(d: FlyteDirectory) -> typing.List[str]:
    return sorted(os.listdir(d))


@task
def walk(d: FlyteDirectory) -> typing.List[str]:
    return sorted(name for _, name in d.crawl())


@task
def entries(d: FlyteDirectory) -> typing.List[str]:
    kinds = []
    for entry in FlyteDirectory.listdir(d):
        kind = "file" if isinstance(entry, FlyteFile) else "dir"
        kinds.append(f"{kind}:{os.path.basename(str(entry.remote_source or entry.path))}")
    return sorted(kinds)


@task
def add_files(d: FlyteDirectory) -> FlyteDirectory:
    d.download()
    f = d.new_file("added.txt")
    with open(f.path, "w") as fh:
        fh.write("added")
    os.makedirs(d.new_dir("sub").path)
    return d


@task
def from_str(n: int) -> FlyteDirectory:
    root = tempfile.mkdtemp()
    for i in range(n):
        with open(os.path.join(root, f"f{i}"), "w") as fh:
            fh.write("x")
    return root


@workflow
def folders(n: int) -> typing.Tuple[typing.List[str], typing.List[str]]:
    d = make_folder(n=n)
    return summarize(d=d), walk(d=d)


if __name__ == "__main__":
    listed, walked = folders(n=2)
    print(listed)
    print(walked)
    print(entries(d=make_folder(n=1)))
    print(summarize(d=add_files(d=make_folder(n=1))))
    copied = from_str(n=3)
    print("a plain path becomes a copy:", sorted(os.listdir(copied)))

    for name in ("a.txt", "b/c.txt"):
        with fsspec.open(f"memory://bucket/folder/{name}", "w") as fh:
            fh.write(name)
    remote = FlyteDirectory("memory://bucket/folder")
    print(summarize(d=remote))
    print(walk(d=remote))
    print(entries(d=remote))
    fetched = FlyteDirectory.from_source("memory://bucket/folder")
    print(fetched.remote_source, fetched.downloaded)
    print(sorted(os.listdir(fetched.download())), fetched.downloaded)

    local = tempfile.mkdtemp()
    d = FlyteDirectory(local, remote_directory=False)
    print(str(d) == local, d == local, d.remote_directory, (d / "x.txt").name)
    print(TensorboardLogs.extension(), FlyteDirectory.extension())
    try:
        summarize(d="/no/such/folder")
    except Exception:
        print("a missing local folder is refused")
