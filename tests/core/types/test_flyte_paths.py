"""FlyteFile and FlyteDirectory: flytekit's behaviour on top of File/Directory."""

from __future__ import annotations

import dataclasses
import os
import typing
import uuid
from pathlib import Path
from typing import Annotated

import fsspec
import pytest
from flyteidl.core import literals_pb2

from taskplug import current_context, task
from taskplug.context import ExecutionParameters
from taskplug.errors import TypeTransformerFailedError
from taskplug.types import Directory, File, TypeEngine
from taskplug.types.directory import FlyteDirectory, TensorboardLogs, TFRecordsDirectory
from taskplug.types.file import CSVFile, FileExt, FlyteFile, JSONLFile
from taskplug.types.files import format_name


def _text(path: typing.Any) -> str:
    with open(path) as fh:
        return fh.read()


def _remote(text: str, name: str = "f.txt") -> str:
    uri = f"memory://paths-{uuid.uuid4().hex[:8]}/{name}"
    with fsspec.open(uri, "w") as fh:
        fh.write(text)
    return uri


@task
def length(f: FlyteFile) -> int:
    with open(f) as fh:
        return len(fh.read())


@task
def entries(d: FlyteDirectory) -> list[str]:
    return sorted(os.listdir(d))


def test_formats() -> None:
    assert FlyteFile["csv"] is CSVFile is FlyteFile[typing.TypeVar("csv")]
    assert FlyteFile[Annotated[str, FileExt("csv")]] is CSVFile and str(FileExt("x")) == "x"
    assert (
        FlyteFile[".csv"] is CSVFile and FlyteFile[None] is FlyteFile and FlyteFile[""] is FlyteFile
    )
    assert (CSVFile.extension(), JSONLFile.extension(), FlyteFile.extension()) == (
        "csv",
        "jsonl",
        "",
    )
    assert (
        TensorboardLogs.extension() == "tensorboard"
        and TFRecordsDirectory.format == "tfrecords_dir"
    )
    assert issubclass(CSVFile, FlyteFile) and issubclass(CSVFile, File)
    assert issubclass(FlyteDirectory, Directory)
    assert TypeEngine.to_literal_type(CSVFile).blob.format == "csv"
    assert format_name(typing.TypeVar("png")) == "png"
    with pytest.raises(ValueError, match=r"Annotated\[str, <format>\]"):
        FlyteFile[Annotated[int, "csv"]]
    assert FileExt.check_and_convert_to_str(Annotated[str, FileExt("pdf")]) == "pdf"
    with pytest.raises(ValueError, match="must be str"):
        FileExt.check_and_convert_to_str(Annotated[int, FileExt("pdf")])


def test_local_files_stay_where_they_are(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("abc")
    ff = FlyteFile(str(f))
    assert length(f=ff) == 3
    lit = TypeEngine.to_literal(ff, FlyteFile)
    assert lit.scalar.blob.uri == str(f)
    assert TypeEngine.to_literal("rel/path.txt", File).scalar.blob.uri.startswith("/")  # File
    assert (ff.remote_source, ff.remote_path, ff.downloaded) == (None, None, False)
    assert os.fspath(ff) == str(f) and ff.downloaded and ff.download() == str(f)
    assert str(ff) == repr(ff) == str(f)
    assert ff == str(f) and ff == FlyteFile(str(f)) and ff != FlyteFile(str(f), remote_path=False)
    assert len({ff, FlyteFile(str(f))}) == 1


def test_remote_inputs_are_fetched_when_used() -> None:
    uri = _remote("remote text", "notes.md")
    back = TypeEngine.to_python_value(TypeEngine.to_literal(FlyteFile(uri), FlyteFile), FlyteFile)
    assert back.remote_source == uri and not back.downloaded
    assert os.path.basename(back.path) == "notes.md" and not os.path.exists(back.path)
    with open(back) as fh:
        assert fh.read() == "remote text"
    assert back.downloaded and os.path.exists(back.path)
    # streaming reads the remote file itself
    with FlyteFile.from_source(uri).open("r", cache_type="readahead") as fh:
        assert fh.read() == "remote text"
    assert length(f=FlyteFile(uri)) == len("remote text")
    # converting it again sends the original uri, nothing is uploaded
    assert TypeEngine.to_literal(back, FlyteFile).scalar.blob.uri == uri


def test_remote_directories_are_fetched_when_used() -> None:
    base = f"memory://dirs-{uuid.uuid4().hex[:8]}/d"
    for name in ("a.txt", "sub/b.txt"):
        with fsspec.open(f"{base}/{name}", "w") as fh:
            fh.write(name)
    d = FlyteDirectory.from_source(base)
    assert d.remote_source == base and not d.downloaded
    assert sorted(name for _, name in d.crawl()) == ["a.txt", "sub/b.txt"]
    detailed = [entry for _, entry in d.crawl(detail=True)]
    assert sorted(k for entry in detailed for k in entry) == ["a.txt", "sub/b.txt"]
    listed = FlyteDirectory.listdir(d)
    assert sorted(type(e).__name__ for e in listed) == ["FlyteDirectory", "FlyteFile"]
    f = next(e for e in listed if isinstance(e, FlyteFile))
    assert f.remote_source == f"{base}/a.txt" and _text(f) == "a.txt"
    assert entries(d=FlyteDirectory(base)) == ["a.txt", "sub"]
    assert sorted(os.listdir(d)) == ["a.txt", "sub"] and d.downloaded


def test_directory_api(tmp_path: Path) -> None:
    d = FlyteDirectory(str(tmp_path))
    f = d.new_file("x.txt")
    assert isinstance(f, FlyteFile) and f.path == f"{tmp_path}/x.txt"
    assert d.new_dir("sub").path == f"{tmp_path}/sub"
    assert len(os.path.basename(d.new_file().path)) == 32
    assert (d / "y").name == "y" and d.sep == "/"
    Path(f.path).write_text("x")
    os.makedirs(d.new_dir("sub").path)
    assert [os.path.basename(e.path) for e in d.listdir()] == ["sub", "x.txt"]
    assert d == FlyteDirectory(str(tmp_path)) and d != str(tmp_path)
    assert FlyteDirectory(str(tmp_path), remote_directory=False).remote_directory is False


def test_new_files_and_folders_in_a_run() -> None:
    @task
    def make() -> FlyteFile:
        f = FlyteFile.new("made.txt")
        Path(f.path).write_text("made")
        d = FlyteDirectory.new("folder")
        assert os.path.isdir(d.path) and d.path.startswith(current_context().working_directory)
        return f

    out = make()
    assert _text(out) == "made"
    remote = FlyteFile.new_remote_file(name="named.bin")
    assert remote.path.endswith("named.bin")
    with remote.open("wb") as fh:
        fh.write(b"\x01")
    assert length(f=remote) == 1
    assert FlyteDirectory.new_remote(stem="out").path.endswith("out")
    with pytest.raises(ValueError, match="no file extension"):
        FlyteDirectory.new_remote(stem="out.csv")
    with pytest.raises(ValueError, match="relative path"):
        FlyteFile.new("/abs/path")
    with pytest.raises(ValueError, match="relative path"):
        FlyteDirectory.new("/abs")


def _container_run(t: typing.Any, prefix: str, **inputs: typing.Any) -> literals_pb2.LiteralMap:
    params = ExecutionParameters(task_name=t.name, raw_output_prefix=prefix, local=False)
    lm = t.inputs_to_literal_map(inputs)
    try:
        return t.dispatch_execute(lm, params=params, mode="container")
    finally:
        params.close()


def test_container_runs_upload_local_files_and_folders(tmp_path: Path) -> None:
    prefix = f"memory://raw-{uuid.uuid4().hex[:8]}/run"

    @task
    def out_file(text: str) -> FlyteFile:
        path = os.path.join(current_context().working_directory, "result.txt")
        Path(path).write_text(text)
        return FlyteFile(path)

    @task
    def out_dir(n: int) -> FlyteDirectory:
        root = os.path.join(current_context().working_directory, "parts")
        os.makedirs(root)
        for i in range(n):
            Path(root, f"{i}.txt").write_text(str(i))
        return FlyteDirectory(root)

    @task
    def out_plain(n: int) -> FlyteFile:
        path = os.path.join(current_context().working_directory, "plain.txt")
        Path(path).write_text("p" * n)
        return path  # type: ignore[return-value]

    @task
    def not_uploaded(path: str) -> FlyteFile:
        return FlyteFile(path, remote_path=False)

    uri = _container_run(out_file, prefix, text="hello").literals["o0"].scalar.blob.uri
    assert uri.startswith(prefix + "/") and uri.endswith("/result.txt")
    with fsspec.open(uri, "r") as fh:
        assert fh.read() == "hello"
    uri = _container_run(out_dir, prefix, n=2).literals["o0"].scalar.blob.uri
    assert uri.startswith(prefix + "/")
    assert sorted(
        os.path.basename(p) for p in fsspec.filesystem("memory").ls(uri, detail=False)
    ) == [
        "0.txt",
        "1.txt",
    ]
    uri = _container_run(out_plain, prefix, n=3).literals["o0"].scalar.blob.uri
    assert uri.startswith(prefix + "/") and uri.endswith("/plain.txt")
    local = tmp_path / "stay.txt"
    local.write_text("s")
    lit = _container_run(not_uploaded, prefix, path=str(local)).literals["o0"]
    assert lit.scalar.blob.uri == str(local)


def test_remote_path_and_remote_directory_upload_even_locally(tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text("payload")
    target = f"memory://targets-{uuid.uuid4().hex[:8]}/exact/name.txt"
    lit = TypeEngine.to_literal(FlyteFile(str(src), remote_path=target), FlyteFile)
    assert lit.scalar.blob.uri == target
    with fsspec.open(target, "r") as fh:
        assert fh.read() == "payload"
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a").write_text("a")
    dest = f"memory://targets-{uuid.uuid4().hex[:8]}/folder"
    lit = TypeEngine.to_literal(FlyteDirectory(str(folder), remote_directory=dest), FlyteDirectory)
    assert lit.scalar.blob.uri == dest and fsspec.filesystem("memory").exists(dest + "/a")
    # a plain path where a FlyteDirectory is declared is copied under the raw output prefix
    copied = TypeEngine.to_literal(str(folder), FlyteDirectory).scalar.blob.uri
    assert copied != str(folder) and os.listdir(copied) == ["a"]


def test_literal_metadata_travels_with_a_file() -> None:
    uri = _remote("m")
    lit = TypeEngine.to_literal(FlyteFile(uri, metadata={"k": "v"}), FlyteFile)
    assert dict(lit.metadata) == {"k": "v"}
    assert TypeEngine.to_python_value(lit, FlyteFile).metadata == {"k": "v"}

    @dataclasses.dataclass
    class Holder:
        f: FlyteFile

    lit = TypeEngine.to_literal(Holder(FlyteFile(uri, metadata={"k": "v"})), Holder)
    back = TypeEngine.to_python_value(lit, Holder)
    assert back.f.remote_source == uri and back.f.metadata == {"k": "v"}


def test_bad_input_is_refused_with_the_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="remote_path takes a path"):
        FlyteFile("x", remote_path=True)
    with pytest.raises(ValueError, match="remote_directory takes a path"):
        FlyteDirectory("x", remote_directory=True)
    with pytest.raises(TypeTransformerFailedError, match=r"input 'f'.*'/no/such' is not a file"):
        length(f="/no/such")  # type: ignore[arg-type]
    with pytest.raises(TypeTransformerFailedError, match="is not a directory"):
        entries(d=str(tmp_path / "missing"))  # type: ignore[arg-type]
    (tmp_path / "file").write_text("x")
    with pytest.raises(TypeTransformerFailedError, match="is not a directory"):
        entries(d=str(tmp_path / "file"))  # type: ignore[arg-type]
    with pytest.raises(TypeTransformerFailedError, match="expected a value of type"):
        length(f=FlyteDirectory(str(tmp_path)))  # type: ignore[arg-type]
    with pytest.raises(TypeTransformerFailedError, match="expected a value of type"):
        length(f=3)  # type: ignore[arg-type]
    # a literal naming a local file that is not there
    lit = TypeEngine.to_literal(File("/no/such/file"), File)
    with pytest.raises(TypeTransformerFailedError, match="'/no/such/file' is not a file"):
        TypeEngine.to_python_value(lit, FlyteFile)
    # a directory literal read as a file
    dlit = TypeEngine.to_literal(Directory("s3://b/d"), Directory)
    with pytest.raises(TypeTransformerFailedError, match="cannot convert"):
        TypeEngine.to_python_value(dlit, FlyteFile)


try:
    import pydantic
except ImportError:  # pragma: no cover - pydantic is a test dependency
    pydantic = None
else:

    class Release(pydantic.BaseModel):
        notes: FlyteFile
        assets: FlyteDirectory
        plain: File | None = None

    @task
    def read_release(r: Release) -> str:
        return open(r.notes).read() + ":" + ",".join(sorted(os.listdir(r.assets)))


def test_as_pydantic_fields(tmp_path: Path) -> None:
    if pydantic is None:
        pytest.skip("pydantic is not installed")
    f = tmp_path / "n.txt"
    f.write_text("notes")

    r = Release(notes=str(f), assets=FlyteDirectory(str(tmp_path)))
    assert isinstance(r.notes, FlyteFile) and r.notes.path == str(f)
    assert r.model_dump() == {
        "notes": {"path": str(f)},
        "assets": {"path": str(tmp_path)},
        "plain": None,
    }
    back = Release.model_validate({"notes": {"path": str(f)}, "assets": {"path": str(tmp_path)}})
    assert back.notes == r.notes and back.assets == r.assets
    schema = Release.model_json_schema()
    assert schema["properties"]["notes"] == {"$ref": "#/$defs/FlyteFile"}
    assert set(schema["$defs"]["FlyteFile"]["properties"]) == {"path", "metadata"}
    assert set(schema["$defs"]["FlyteDirectory"]["properties"]) == {"path"}
    with pytest.raises(pydantic.ValidationError, match="takes a FlyteFile, a path"):
        Release(notes=3, assets=str(tmp_path))
    with pytest.raises(pydantic.ValidationError, match="needs a 'path'"):
        Release(notes={"where": "x"}, assets=str(tmp_path))
    assert read_release(r=r) == "notes:n.txt"


def test_plain_file_and_directory_downloads_stay_in_the_process_scratch_folder(
    tmp_path: Path,
) -> None:
    """``File`` / ``Directory`` fetch remote data under the process's scratch folder, which is
    removed when the process ends: nothing is left in the temporary folder."""
    import subprocess
    import sys

    code = (
        "import fsspec, os\n"
        "from taskplug.types import Directory, File\n"
        "from taskplug.runtime.file_access import process_folder\n"
        "fs = fsspec.filesystem('memory')\n"
        "fs.pipe({'/b/f.txt': b'hi', '/b/d/x.txt': b'x'})\n"
        "f, d = File('memory://b/f.txt'), Directory('memory://b/d')\n"
        "local_f, local_d = f.download(), d.download()\n"
        "assert open(local_f).read() == 'hi', local_f\n"
        "assert os.listdir(local_d) == ['x.txt'], os.listdir(local_d)\n"
        "assert local_f.startswith(process_folder()) and local_d.startswith(process_folder())\n"
        "assert f.download() == local_f  # fetched once\n"
        "print(process_folder())\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # the scratch folder went with the process
