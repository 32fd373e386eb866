"""FlyteFile: files returned and passed between tasks, formats (FlyteFile["csv"], TypeVar),
remote sources read lazily (an fsspec memory:// store stands in for a bucket), remote_path=,
new_remote_file, from_source, open, download (flytekit's data types and IO section)."""

import os
import tempfile
import typing

import flytekit
import fsspec
from flytekit import task, workflow
from flytekit.types.file import CSVFile, FlyteFile

CSV = FlyteFile[typing.TypeVar("csv")]


def text_of(path) -> str:
    with open(path) as fh:
        return fh.read()


@task
def write_report(rows: int) -> CSV:
    path = os.path.join(flytekit.current_context().working_directory, "report.csv")
    with open(path, "w") as fh:
        fh.write("n,square\n")
        for i in range(rows):
            fh.write(f"{i},{i * i}\n")
    return CSV(path)


@task
def count_rows(report: CSVFile) -> int:
    with open(report) as fh:
        return len(fh.readlines()) - 1


@task
def first_line(f: FlyteFile) -> str:
    print("remote source:", f.remote_source, "downloaded before use:", f.downloaded)
    with open(f) as fh:
        line = fh.readline().strip()
    print("downloaded after use:", f.downloaded, "name kept:", os.path.basename(f.path))
    return line


@task
def stream(f: FlyteFile) -> str:
    with f.open("r") as fh:
        return fh.read().upper()


@task
def make_remote(text: str) -> FlyteFile:
    out = FlyteFile.new_remote_file(name="made.txt")
    with out.open("w") as fh:
        fh.write(text)
    return out


@task
def kept_local(text: str, where: str) -> FlyteFile:
    path = os.path.join(flytekit.current_context().working_directory, "upload-me.txt")
    with open(path, "w") as fh:
        fh.write(text)
    return FlyteFile(path, remote_path=where)


@workflow
def rows_wf(rows: int) -> int:
    return count_rows(report=write_report(rows=rows))


@workflow
def remote_wf(text: str) -> str:
    return stream(f=make_remote(text=text))


if __name__ == "__main__":
    print(CSV.extension(), CSVFile.extension(), FlyteFile.extension(), FlyteFile["txt"].extension())
    print(rows_wf(rows=3))

    with fsspec.open("memory://bucket/inbox/hello.txt", "w") as fh:
        fh.write("first line\nsecond line\n")
    print(first_line(f=FlyteFile("memory://bucket/inbox/hello.txt")))
    print(stream(f=FlyteFile("memory://bucket/inbox/hello.txt")))
    src = FlyteFile.from_source("memory://bucket/inbox/hello.txt")
    print("from_source:", src.remote_source, src.downloaded, os.path.basename(src.download()))
    print(text_of(src).splitlines())

    print(remote_wf(text="written remotely"))

    target = os.path.join(tempfile.mkdtemp(), "uploads", "copy.txt")
    uploaded = kept_local(text="uploaded", where=target)
    print("uploaded to remote_path:", uploaded.path == target, text_of(target))

    local = os.path.join(tempfile.mkdtemp(), "plain.txt")
    with open(local, "w") as fh:
        fh.write("plain")
    ff = FlyteFile(local)
    print(str(ff) == local, repr(ff) == local, ff == local, ff == FlyteFile(local))
    print(ff.remote_path, ff.remote_source, os.fspath(ff) == local, ff.download() == local)
    print(FlyteFile(local, remote_path=False).remote_path)
    try:
        count_rows(report="/no/such/file.csv")
    except Exception:
        print("a missing local file is refused")
