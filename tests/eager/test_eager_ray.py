"""The ray backend against a real local Ray runtime (started once per session, 2 CPUs)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import eager_tasks as et
import pytest
from conftest import pid_alive, pids_in, wait_for

from taskplug.settings import SerializationSettings
from taskplug_eager import EagerSettings, eager_settings, recording

pytestmark = pytest.mark.xdist_group("ray")

RAY = EagerSettings(backend="ray", concurrency=64, terminate_grace=2)


def test_children_are_ray_tasks_with_literal_bytes(ray_runtime):
    ss = SerializationSettings.for_tests(version="v-ray")
    with eager_settings(RAY.replace(serialization_settings=ss)), recording() as runs:
        assert asyncio.run(et.mixed(n=2)) == 3 + 3 + 3 + 101
        assert asyncio.run(et.catches(x=3)) == "caught CustomError: no good: 3"
        text = asyncio.run(et.versions(name="FLYTE_INTERNAL_TASK_VERSION"))
    first = runs[0]
    assert all(c.details.get("ray_task_id") for c in first.executions)
    assert first.executions[-1].run is not None  # the nested eager run's record came back
    mine, _child_env, nested = text.split("|")
    assert mine == "v-ray" and nested == f"v-ray:{runs[2].run_id}"


def test_a_fan_out_of_1000_tasks(ray_runtime):
    with eager_settings(RAY), recording() as runs:
        assert asyncio.run(et.add_many(n=1000)) == sum(range(1000)) + 1000
    assert len(runs[0].executions) == 1000
    assert {c.status for c in runs[0].executions} == {"succeeded"}


def test_cancelling_mid_fan_out_leaves_no_ray_task_running(ray_runtime, tmp_path: Path):
    folder = tmp_path / "pids"

    async def main() -> None:
        run = asyncio.ensure_future(et.fan_out_sleepy(folder=str(folder), n=6, seconds=300.0))
        await asyncio.to_thread(wait_for, lambda: len(pids_in(folder)) >= 2, what="2 Ray tasks")
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    with eager_settings(RAY), recording() as runs:
        asyncio.run(main())
    assert {c.status for c in runs[0].executions} == {"cancelled"}
    pids = pids_in(folder)
    wait_for(lambda: not [p for p in pids if pid_alive(p)], timeout=30, what="workers to end")
    # every CPU is free again: no task of the run is still running or queued
    wait_for(
        lambda: ray_runtime.available_resources().get("CPU", 0) == 2,
        timeout=30,
        what="both CPUs to be free",
    )


def test_unreachable_cluster_fails_fast_with_a_clear_error(tmp_path: Path):
    pytest.importorskip("ray", reason="the ray backend tests need taskplug-eager[ray]")
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import eager_tasks as et
        from taskplug_eager import BackendUnavailableError, EagerSettings, eager_settings
        s = EagerSettings(backend="ray", ray_address="127.0.0.1:{port}", connect_timeout=2)
        try:
            with eager_settings(s):
                asyncio.run(et.inner(x=1))
        except BackendUnavailableError as exc:
            print("ERROR", exc)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"127.0.0.1:{port}" in proc.stdout and "cannot be reached within 2 s" in proc.stdout
