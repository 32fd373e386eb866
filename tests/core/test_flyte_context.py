"""FlyteContext / FlyteContextManager and the FileAccessProvider behind ``file_access``."""

from __future__ import annotations

import io
import os
from pathlib import Path

import fsspec
import pytest

from taskplug import FlyteContext, FlyteContextManager, create_node, current_context, task, workflow
from taskplug.context import ExecutionParameters, ExecutionState
from taskplug.runtime.file_access import (
    DataNotFoundError,
    DataTransferError,
    FileAccessProvider,
    default_file_access,
    file_access_for,
    get_protocol,
)


@task
def seen_by_task() -> str:
    ctx = FlyteContextManager.current_context()
    assert ctx.user_space_params is current_context()
    assert ctx.execution_state is not None and ctx.execution_state.is_local_execution()
    assert ctx.compilation_state is None
    return ctx.file_access.raw_output_prefix


def test_current_context_outside_and_inside_runs() -> None:
    ctx = FlyteContext.current_context()
    assert ctx.user_space_params is current_context()
    assert ctx.compilation_state is None
    assert (
        ctx.execution_state is not None
        and ctx.execution_state.user_space_params is current_context()
    )
    assert ctx.file_access is default_file_access()
    assert seen_by_task() == default_file_access().raw_output_prefix
    assert FlyteContextManager.size() == 1


def test_compilation_state_while_a_workflow_compiles() -> None:
    @task
    def step(x: int) -> int:
        return x + 1

    @task
    def hello() -> None:
        pass

    seen = []

    @workflow
    def wf(x: int) -> int:
        first = create_node(hello)
        out = step(x=step(x=x))
        state = FlyteContextManager.current_context().compilation_state
        seen.append([n.id for n in state.nodes])
        first >> state.nodes[-1]
        return out

    assert seen == [["n0", "n1", "n2"]]
    assert wf(x=1) == 3
    assert FlyteContextManager.current_context().compilation_state is None


def test_with_context_swaps_file_access_and_the_run(tmp_path: Path) -> None:
    mine = FileAccessProvider(
        local_sandbox_dir=str(tmp_path / "sb"), raw_output_prefix=str(tmp_path / "raw")
    )
    params = ExecutionParameters(task_name="custom")
    before = FlyteContextManager.current_context()
    builder = before.with_file_access(mine).with_execution_state(ExecutionState(params))
    with FlyteContextManager.with_context(builder) as ctx:
        assert ctx.file_access is mine
        assert current_context() is params
        assert FlyteContextManager.current_context().file_access is mine
        assert FlyteContextManager.size() == 2
        assert seen_by_task() == mine.raw_output_prefix  # a task run keeps the pushed access
    assert current_context() is not params
    assert FlyteContextManager.current_context().file_access is default_file_access()
    pushed = FlyteContextManager.push_context(builder.build())
    assert FlyteContextManager.current_context().file_access is mine
    assert FlyteContextManager.pop_context() is pushed
    with pytest.raises(RuntimeError, match="no context was pushed"):
        FlyteContextManager.pop_context()
    from taskplug import new_context

    with new_context() as fresh:
        assert fresh.file_access is default_file_access()


def test_random_paths(tmp_path: Path) -> None:
    fa = FileAccessProvider(
        local_sandbox_dir=str(tmp_path / "sb"), raw_output_prefix="memory://bkt/raw"
    )
    local = fa.get_random_local_path("/some/where/data.csv")
    assert local.startswith(str(tmp_path / "sb")) and local.endswith("/data.csv")
    assert not os.path.exists(local)
    folder = fa.get_random_local_directory()
    assert os.path.isdir(folder) and os.listdir(folder) == []
    assert fa.raw_output_prefix == "memory://bkt/raw/"
    remote = fa.get_random_remote_path("x/y.bin")
    assert remote.startswith("memory://bkt/raw/") and remote.endswith("/y.bin")
    assert fa.get_random_remote_directory().startswith("memory://bkt/raw/")
    assert fa.generate_new_custom_path(stem="named") == "memory://bkt/raw/named"
    assert fa.generate_new_custom_path(alt="other", stem="n") == "memory://other/raw/n"
    assert len(fa.get_random_string()) == 32
    s3 = FileAccessProvider(raw_output_prefix="s3://bucket/a/b/")
    assert s3.generate_new_custom_path(alt="alt", stem="s") == "s3://alt/a/b/s"
    local_fa = FileAccessProvider(raw_output_prefix=str(tmp_path / "raw"))
    with pytest.raises(ValueError, match="replaces the bucket"):
        FileAccessProvider(raw_output_prefix="/r").generate_new_custom_path(alt="x")
    assert local_fa.join(str(tmp_path), "a", "b") == os.path.join(str(tmp_path), "a", "b")
    with pytest.raises(ValueError, match="at least one"):
        local_fa.join()
    assert (get_protocol("/a"), get_protocol("s3://b/k"), get_protocol("file:///a")) == (
        "file",
        "s3",
        "file",
    )
    assert FileAccessProvider.is_remote("gs://b") and not FileAccessProvider.is_remote("/x")
    assert FileAccessProvider.strip_file_header("file:///tmp/a") == "/tmp/a"
    assert file_access_for("memory://p/") is file_access_for("memory://p/")
    assert file_access_for("") is default_file_access()


def test_copies_between_local_and_remote(tmp_path: Path) -> None:
    fa = FileAccessProvider(
        local_sandbox_dir=str(tmp_path / "sb"), raw_output_prefix="memory://copies/raw"
    )
    src = tmp_path / "a.txt"
    src.write_text("alpha")
    assert fa.put_data(str(src), "memory://copies/one/a.txt") == "memory://copies/one/a.txt"
    assert fa.exists("memory://copies/one/a.txt")
    back = tmp_path / "out" / "a.txt"
    fa.get_data("memory://copies/one/a.txt", str(back))
    assert back.read_text() == "alpha"
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "b.txt").write_text("beta")
    fa.upload_directory(str(folder), "memory://copies/dir")
    got = tmp_path / "got"
    fa.download_directory("memory://copies/dir", str(got))
    assert (got / "sub" / "b.txt").read_text() == "beta"
    assert fa.upload(str(src), str(tmp_path / "local-copy" / "a.txt")).endswith("a.txt")
    assert fa.download(str(tmp_path / "local-copy" / "a.txt"), str(tmp_path / "again.txt"))
    # raw data: a path, bytes or a stream, under the raw output prefix
    p = fa.put_raw_data(str(src))
    assert p.startswith("memory://copies/raw/") and p.endswith("/a.txt")
    b = fa.put_raw_data(b"bytes!", file_name="blob.bin")
    with fsspec.open(b, "rb") as fh:
        assert fh.read() == b"bytes!"
    s = fa.put_raw_data(io.StringIO("text"), upload_prefix="fixed", file_name="t.txt")
    assert s == "memory://copies/raw/fixed/t.txt"
    with fsspec.open(s, "r") as fh:
        assert fh.read() == "text"
    d = fa.put_raw_data(str(folder))
    assert fa.exists(d + "/sub/b.txt")


def test_transfer_errors_name_both_ends(tmp_path: Path) -> None:
    fa = FileAccessProvider(local_sandbox_dir=str(tmp_path))
    with pytest.raises(DataNotFoundError, match="memory://nowhere/x.*does not exist") as info:
        fa.get_data("memory://nowhere/x", str(tmp_path / "x"))
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(DataNotFoundError, match="the source does not exist"):
        fa.put_data(str(tmp_path / "missing"), "memory://b/x")
    with pytest.raises(DataNotFoundError, match="does not exist"):
        fa.put_raw_data(str(tmp_path / "missing"))
    with pytest.raises(DataTransferError, match="takes a path, bytes or a readable stream"):
        fa.put_raw_data(3)  # type: ignore[arg-type]
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(DataTransferError, match="symlink"):
        fa.put_raw_data(str(link))


def test_default_provider_folders_are_made_on_first_use() -> None:
    fa = default_file_access()
    assert os.path.isdir(fa.local_sandbox_dir)
    raw = fa.raw_output_prefix
    assert raw.endswith(os.sep) and os.path.isdir(raw)
    assert "taskplug-files-" in raw


def test_async_transfers(tmp_path: Path) -> None:
    import asyncio

    fa = FileAccessProvider(local_sandbox_dir=str(tmp_path))
    src = tmp_path / "s.txt"
    src.write_text("s")

    async def both() -> str:
        await fa.async_put_data(str(src), "memory://async/s.txt")
        return await fa.async_get_data("memory://async/s.txt", str(tmp_path / "back.txt"))

    assert Path(asyncio.run(both())).read_text() == "s"
