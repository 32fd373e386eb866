"""The process backend: every child a real taskplug-execute subprocess, files under a blob dir."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import eager_tasks as et
import pytest
from conftest import pid_alive, pids_in, wait_for
from flyteidl.core import errors_pb2, literals_pb2

from taskplug.settings import SerializationSettings
from taskplug_eager import (
    EagerChildError,
    EagerChildSystemError,
    EagerSettings,
    EagerTimeoutError,
    eager_settings,
    recording,
)

HERE = Path(__file__).parent


@pytest.fixture
def settings(tmp_path: Path) -> EagerSettings:
    return EagerSettings(
        backend="process", concurrency=2, blob_dir=str(tmp_path / "blobs"), terminate_grace=2
    )


def test_children_run_as_subprocesses_with_files_under_the_blob_dir(settings: EagerSettings):
    with eager_settings(settings), recording() as runs:
        assert asyncio.run(et.mixed(n=2)) == 3 + 3 + 3 + 101
    (run,) = runs
    blob = Path(settings.blob_dir or "")
    assert [c.status for c in run.executions] == ["succeeded"] * 6
    for child in run.executions:
        assert child.inputs_uri == str(blob / run.root_id / child.execution_id / "inputs.pb")
        assert child.outputs_uri is not None and Path(child.outputs_uri).name == "outputs.pb"
        assert Path(child.outputs_uri).exists() and child.details["pid"] != os.getpid()
    nested = run.executions[-1]
    assert nested.kind == "eager" and nested.run is not None  # its record came back from disk
    assert [c.task for c in nested.run.executions] == [et.add.name]
    assert nested.run.executions[0].execution_id == f"{nested.execution_id}.1"


def test_child_exception_keeps_its_type_across_the_process_boundary(settings: EagerSettings):
    with eager_settings(settings):
        assert asyncio.run(et.catches(x=4)) == "caught CustomError: no good: 4"
        assert asyncio.run(et.catches_async(x=5)) == "caught ValueError: bad value 5"
        with pytest.raises(et.CustomError) as info:
            asyncio.run(et.fail.aio(x=1)) if False else asyncio.run(_raise_from_child())
    err = info.value
    assert isinstance(err, EagerChildError) and str(err) == "no good: 7"
    assert err.original_type == "eager_tasks.CustomError"
    assert err.execution is not None and err.execution.status == "failed"
    assert "Trace:" in err.child_message


async def _raise_from_child() -> int:
    return await _fails_once(x=7)


@et.eager
async def _fails_once(x: int) -> int:
    return et.fail(x=x)


def test_child_killed_by_a_signal_is_a_system_error_the_parent_can_catch(settings: EagerSettings):
    @et.eager
    async def survives() -> str:
        try:
            et.kill_self(x=1)
        except EagerChildSystemError as exc:
            return f"{exc.signal}: {exc}"
        return "no error"

    with eager_settings(settings):
        text = asyncio.run(survives())
    assert text.startswith(f"{int(signal.SIGKILL)}: ")
    assert "killed by SIGKILL" in text and "kill_self" in text


def test_per_call_timeout_terminates_the_child_process(settings: EagerSettings, tmp_path: Path):
    folder = tmp_path / "pids"
    with (
        eager_settings(settings.replace(call_timeout=2.0)),
        recording() as runs,
        pytest.raises(EagerTimeoutError),
    ):
        asyncio.run(et.one_sleepy(folder=str(folder), seconds=120.0))
    pid = runs[0].executions[0].details["pid"]  # the taskplug-execute process itself
    wait_for(lambda: not pid_alive(pid), timeout=20, what=f"child {pid} to end")
    assert runs[0].executions[0].status == "timed_out"


def test_settings_and_version_reach_the_children(settings: EagerSettings):
    ss = SerializationSettings.for_tests(version="v-parent-42")
    with eager_settings(settings.replace(serialization_settings=ss)), recording() as runs:
        text = asyncio.run(et.versions(name="FLYTE_INTERNAL_TASK_VERSION"))
    root = runs[0].run_id
    assert text == f"v-parent-42|v-parent-42|v-parent-42:{root}"


def test_cancelling_a_run_mid_fan_out_leaves_no_child_process(
    settings: EagerSettings, tmp_path: Path
):
    folder = tmp_path / "pids"

    async def main() -> None:
        run = asyncio.ensure_future(et.fan_out_sleepy(folder=str(folder), n=6, seconds=120.0))
        await asyncio.to_thread(wait_for, lambda: len(pids_in(folder)) >= 2, what="2 children")
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    with eager_settings(settings), recording() as runs:
        asyncio.run(main())
    pids = pids_in(folder)
    assert len(pids) == 2  # concurrency 2: the other four never started
    assert not [p for p in pids if pid_alive(p)]
    assert sorted({c.status for c in runs[0].executions}) == ["cancelled"]


def _execute(tmp_path: Path, task_module: str, task_name: str, inputs: bytes, env: dict[str, str]):
    inputs_path = tmp_path / "driver-inputs.pb"
    inputs_path.write_bytes(inputs)
    script = Path(sys.executable).parent / "taskplug-execute"
    return subprocess.Popen(
        [
            str(script),
            "--inputs",
            str(inputs_path),
            "--output-prefix",
            str(tmp_path / "driver-out"),
            "--resolver",
            "taskplug.resolver.default_task_resolver",
            "--",
            "task-module",
            task_module,
            "task-name",
            task_name,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _driver_env(settings: EagerSettings, execution_id: str) -> dict[str, str]:
    from taskplug_eager.settings import ENV_SETTINGS, settings_to_json

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *[p for p in sys.path if p]])
    env[ENV_SETTINGS] = settings_to_json(settings)
    env["FLYTE_INTERNAL_EXECUTION_ID"] = execution_id
    env.pop("_F_EE_ROOT", None)
    return env


def test_sigterm_to_a_container_run_terminates_every_child(settings: EagerSettings, tmp_path: Path):
    folder = tmp_path / "pids"
    lm = et.fan_out_sleepy.inputs_to_literal_map({"folder": str(folder), "n": 4, "seconds": 120.0})
    driver = _execute(
        tmp_path,
        "eager_tasks",
        "fan_out_sleepy",
        lm.SerializeToString(),
        _driver_env(settings, "exec-sigterm"),
    )
    try:
        wait_for(lambda: len(pids_in(folder)) >= 2, what="2 children of the driver")
        driver.send_signal(signal.SIGTERM)
        try:
            out, _ = driver.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            driver.send_signal(signal.SIGUSR1)  # taskplug-execute dumps its threads' stacks
            time.sleep(2)
            driver.kill()
            pytest.fail(f"the driver did not exit:\n{driver.communicate()[0].decode()[-8000:]}")
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode != 0
    pids = pids_in(folder)
    assert not [p for p in pids if pid_alive(p)], out.decode()
    doc = errors_pb2.ErrorDocument.FromString((tmp_path / "driver-out" / "error.pb").read_bytes())
    assert "SIGTERM" in doc.error.message
    record = (tmp_path / "driver-out" / "eager-run.json").read_text()
    assert '"status": "cancelled"' in record and "exec-sigterm.1" in record


def test_failure_handler_terminates_children_of_a_killed_parent(
    settings: EagerSettings, tmp_path: Path
):
    folder = tmp_path / "pids"
    lm = et.fan_out_sleepy.inputs_to_literal_map({"folder": str(folder), "n": 2, "seconds": 120.0})
    env = _driver_env(settings, "exec-killed")
    driver = _execute(tmp_path, "eager_tasks", "fan_out_sleepy", lm.SerializeToString(), env)
    try:
        wait_for(lambda: len(pids_in(folder)) >= 2, what="2 children of the driver")
        driver.kill()  # SIGKILL: the parent gets no chance to clean up
        driver.wait(30)
        pids = pids_in(folder)
        time.sleep(0.2)
        assert all(pid_alive(p) for p in pids)  # orphans: what the handler is for
        handler_inputs = tmp_path / "handler-inputs.pb"
        handler_inputs.write_bytes(literals_pb2.LiteralMap().SerializeToString())
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "taskplug-execute"),
                "--inputs",
                str(handler_inputs),
                "--output-prefix",
                str(tmp_path / "handler-out"),
                "--resolver",
                "taskplug_eager.failure.eager_failure_task_resolver",
                "--",
                "eager",
                "failure",
                "handler",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / "handler-out" / "outputs.pb").exists()
        assert not [p for p in pids if pid_alive(p)]
    finally:
        for pid in pids_in(folder):
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
