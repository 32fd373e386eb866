"""@eager on the local backend: call semantics, parallelism, errors, timeouts, record, API."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

import eager_tasks as et
import pytest
from conftest import wait_for

import taskplug
from taskplug import task
from taskplug.errors import TypeTransformerFailedError
from taskplug.settings import SerializationSettings
from taskplug_eager import (
    EagerAsyncPythonFunctionTask,
    EagerNotAwaitedWarning,
    EagerSettings,
    EagerTimeoutError,
    NoRemoteError,
    UnknownBackendError,
    current_settings,
    eager,
    eager_settings,
    recording,
)

LOCAL = EagerSettings(backend="local", concurrency=4)


def test_eager_builds_the_eager_task_type():
    assert isinstance(et.mixed, EagerAsyncPythonFunctionTask)
    assert et.mixed.metadata.is_eager
    assert et.mixed.execution_mode is EagerAsyncPythonFunctionTask.ExecutionBehavior.EAGER
    assert et.mixed.enable_deck  # as flytekit's @eager
    assert taskplug.eager is eager  # flytekit users write `from flytekit import eager`


def test_calling_returns_a_coroutine_that_asyncio_runs():
    coro = et.mixed(n=3)
    assert asyncio.iscoroutine(coro)
    with eager_settings(LOCAL):
        # 3 + (1+2+3) + (1+2+3) + 101
        assert asyncio.run(coro) == 3 + 6 + 6 + 101


def test_sync_async_nested_calls_are_children_in_the_record():
    with eager_settings(LOCAL), recording() as runs:
        assert asyncio.run(et.mixed(n=2)) == 3 + 3 + 3 + 101
    (run,) = runs
    assert run.status == "succeeded" and run.backend == "local" and run.end is not None
    kinds = [(c.task.rpartition(".")[2], c.kind, c.status) for c in run.executions]
    assert kinds == [
        ("add", "task", "succeeded"),
        ("add", "task", "succeeded"),
        ("add", "task", "succeeded"),
        ("async_add", "async", "succeeded"),
        ("async_add", "async", "succeeded"),
        ("inner", "eager", "succeeded"),
    ]
    nested = run.executions[-1].run
    assert nested is not None and [c.task for c in nested.executions] == [et.add.name]
    assert nested.root_id == run.run_id == run.root_id
    assert all(
        c.start is not None and c.end is not None and c.end >= c.start for c in run.executions
    )
    data = run.to_dict()
    assert data["executions"][0]["execution_id"] == f"{run.run_id}.1"
    assert '"status": "succeeded"' in run.to_json()


def test_gathered_sync_calls_run_in_parallel_on_the_worker_pool():
    et.set_barrier(4)  # breaks (BrokenBarrierError) unless 4 calls wait at once
    with eager_settings(LOCAL.replace(concurrency=4)):
        assert asyncio.run(et.all_at_once(n=4)) == 0 + 1 + 2 + 3


def test_concurrency_limit_bounds_the_worker_pool():
    et.reset_peak()
    with eager_settings(LOCAL.replace(concurrency=2)):
        assert asyncio.run(et.count_parallel(n=8)) == 8
    assert et.peak() == 2


def test_child_exception_arrives_with_its_own_type_and_can_be_caught():
    with eager_settings(LOCAL):
        assert asyncio.run(et.catches(x=1)) == "caught CustomError: no good: 1"
        assert asyncio.run(et.catches_async(x=2)) == "caught ValueError: bad value 2"


def test_uncaught_child_exception_fails_the_run_with_that_exception():
    with eager_settings(LOCAL), recording() as runs, pytest.raises(ValueError, match="bad value 1"):
        asyncio.run(et.gather_fails(n=3))
    (run,) = runs
    assert run.status == "failed"
    failed = run.by_status("failed")
    assert [c.task for c in failed] == [et.value_error.name]
    assert "ValueError: bad value 1" in (failed[0].error or "")


def test_bad_input_to_a_child_names_the_task_and_input():
    @eager
    async def wrong() -> int:
        return et.add(a="x", b=1)  # type: ignore[arg-type]

    with eager_settings(LOCAL), pytest.raises(TypeTransformerFailedError) as info:
        asyncio.run(wrong())
    assert "add" in str(info.value) and "'a'" in str(info.value)


def test_per_call_timeout_on_a_child_that_never_returns(tmp_path: Path):
    with eager_settings(LOCAL.replace(call_timeout=0.5)), recording() as runs:
        with pytest.raises(EagerTimeoutError) as info:
            asyncio.run(et.one_sleepy(folder=str(tmp_path), seconds=3.0))
        assert isinstance(info.value, TimeoutError)
        assert "0.5 s" in str(info.value)
    assert runs[0].executions[0].status == "timed_out"


@pytest.mark.parametrize("awaited", [False, True])
def test_a_childs_own_timeout_error_is_not_a_per_call_timeout(awaited: bool):
    @eager
    async def calls_it(x: int) -> int:
        return await et.own_timeout.aio(x=x) if awaited else et.own_timeout(x=x)

    with (
        eager_settings(LOCAL.replace(call_timeout=60.0)),
        recording() as runs,
        pytest.raises(TimeoutError, match="database took too long") as info,
    ):
        asyncio.run(calls_it(x=1))
    assert not isinstance(info.value, EagerTimeoutError)
    assert runs[0].executions[0].status == "failed"


def test_awaited_call_timeout_cancels_async_children():
    @task
    async def forever(x: int) -> int:
        await asyncio.sleep(3600)
        return x

    @eager
    async def waits() -> int:
        return await forever(x=1)

    with eager_settings(LOCAL.replace(call_timeout=0.2)), pytest.raises(EagerTimeoutError):
        asyncio.run(waits())


def test_cancelling_mid_fan_out_never_starts_queued_children(tmp_path: Path):
    folder = tmp_path / "started"

    async def main() -> list[str]:
        with recording() as runs:
            run = asyncio.ensure_future(et.fan_out_sleepy(folder=str(folder), n=6, seconds=1.0))
            await asyncio.to_thread(wait_for, lambda: len(list(folder.glob("*"))) >= 1)
            run.cancel()
            with pytest.raises(asyncio.CancelledError):
                await run
        return [c.status for c in runs[0].executions]

    with eager_settings(LOCAL.replace(concurrency=1)):
        statuses = asyncio.run(main())
    time.sleep(1.2)  # the one running thread finishes its sleep; nothing else may start
    assert len(list(folder.glob("*"))) == 1
    assert statuses == ["cancelled"] * 6


def test_calling_an_eager_task_from_sync_code_without_running_it_warns():
    def repr_and_drop() -> str:
        text = repr(et.inner(x=0))
        gc.collect()  # the dropped coroutine warns when it is collected
        return text

    with pytest.warns(EagerNotAwaitedWarning):
        text = repr_and_drop()
    assert "await it, or asyncio.run() it" in text

    def call_and_drop() -> None:
        et.inner(x=1)

    with pytest.warns(EagerNotAwaitedWarning, match="was called but never run"):
        call_and_drop()  # dropped at once (reference counting)


def test_run_needs_a_remote_and_runs_on_a_named_backend():
    with pytest.raises(NoRemoteError, match="needs a remote"):
        et.inner.run(None, None, x=1)
    with recording() as runs:
        assert et.inner.run("local", SerializationSettings.for_tests(version="v7"), x=1) == 101
    assert runs[0].version == "v7"


def test_run_with_backend_starts_a_top_level_run():
    with eager_settings(LOCAL), recording() as runs:
        assert asyncio.run(et.inner.run_with_backend(x=2)) == 102
    assert runs[0].task == et.inner.name


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TASKPLUG_EAGER_BACKEND", "process")
    monkeypatch.setenv("TASKPLUG_EAGER_CONCURRENCY", "3")
    monkeypatch.setenv("TASKPLUG_EAGER_CALL_TIMEOUT", "2.5")
    s = current_settings()
    assert (s.backend, s.concurrency, s.call_timeout) == ("process", 3, 2.5)
    monkeypatch.setenv("TASKPLUG_EAGER_CONCURRENCY", "many")
    with pytest.raises(ValueError, match="TASKPLUG_EAGER_CONCURRENCY"):
        current_settings()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="concurrency"):
        EagerSettings(concurrency=0)
    with pytest.raises(ValueError, match="call_timeout"):
        EagerSettings(call_timeout=-1)


def test_unknown_backend_lists_the_known_ones():
    with eager_settings(backend="nope"), pytest.raises(UnknownBackendError) as info:
        asyncio.run(et.inner(x=1))
    assert "local" in str(info.value) and "process" in str(info.value)


def test_eager_needs_an_async_function():
    def plain(x: int) -> int:
        return x

    with pytest.raises(TypeError, match="async function"):
        eager(plain)


def test_get_as_workflow_wraps_the_eager_task_with_its_failure_handler():
    from taskplug.workflows.imperative import ImperativeWorkflow
    from taskplug_eager import EagerFailureHandlerTask

    wf = et.inner.get_as_workflow()
    assert isinstance(wf, ImperativeWorkflow) and wf.name == et.inner.name
    assert list(wf.python_interface.inputs) == ["x"]
    assert list(wf.python_interface.outputs) == ["o0"]
    handler = wf.failure_node.flyte_entity
    assert isinstance(handler, EagerFailureHandlerTask)
    assert handler.name == f"{et.inner.name}-cleanup"
    assert handler.python_interface.inputs == et.inner.python_interface.inputs
    with eager_settings(LOCAL):
        assert wf(x=5) == 105  # a local run of the workflow runs the eager task


def test_an_eager_task_in_a_workflow_body_is_a_node():
    from taskplug import workflow

    @workflow
    def wf(x: int) -> int:
        return et.inner(x=x)

    with eager_settings(LOCAL):
        assert wf(x=2) == 102
