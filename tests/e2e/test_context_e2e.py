"""current_context() and flytekit-style files in a real ``taskplug-execute`` process."""

from __future__ import annotations

from pathlib import Path

from conftest import Workspace, int_inputs

CTX = """
import os

from taskplug import current_context, task
from taskplug.types.file import FlyteFile


@task
def secret(n: int) -> str:
    return current_context().secrets.get("db", "password") * n


@task
def resume(n: int) -> int:
    cp = current_context().checkpoint
    prev = cp.read()
    cp.write(str(n).encode())
    return int(prev) if prev else -1


@task
def made(n: int) -> FlyteFile:
    path = os.path.join(current_context().working_directory, "made.txt")
    with open(path, "w") as fh:
        fh.write("m" * n)
    return FlyteFile(path)


@task
def ids(n: int) -> str:
    ctx = current_context()
    return f"{ctx.execution_id.project}/{ctx.execution_id.domain}/{ctx.execution_id.name}|{ctx.task_id.name}|{ctx.run_id}"
"""


def _argv(ws: Workspace, task: str, inputs: Path, out: str, *extra: str) -> list[str]:
    return [
        "--inputs",
        str(inputs),
        "--output-prefix",
        str(ws.root / out),
        "--raw-output-data-prefix",
        str(ws.root / "raw"),
        *extra,
        "--resolver",
        "taskplug.resolver.default_task_resolver",
        "--",
        "task-module",
        "ctx_tasks",
        "task-name",
        task,
    ]


def test_secrets_in_a_container_come_from_the_prefixed_variable(ws: Workspace) -> None:
    ws.module("ctx_tasks", CTX)
    inputs = ws.inputs(int_inputs(n=2))
    env = {"TASKPLUG_SECRETS_DIR": str(ws.root / "no-secrets"), "DB_PASSWORD": "unprefixed"}
    run = ws.run("ctx_tasks", "secret", inputs, env={**env, "_FSEC_DB_PASSWORD": "pw"})
    assert run.rc == 0, run.proc.stderr
    assert run.outputs().literals["o0"].scalar.primitive.string_value == "pwpw"
    run = ws.run("ctx_tasks", "secret", inputs, env=env)
    assert run.rc == 1
    message = run.error().message
    assert "$_FSEC_DB_PASSWORD" in message and "unprefixed" not in message


def test_checkpoints_across_attempts(ws: Workspace) -> None:
    ws.module("ctx_tasks", CTX)
    first, second = ws.inputs(int_inputs(n=5), "a.pb"), ws.inputs(int_inputs(n=6), "b.pb")
    cp1, cp2 = ws.root / "cp1", ws.root / "cp2"
    run = ws.run(
        "ctx_tasks",
        "resume",
        first,
        argv=_argv(ws, "resume", first, "o1", "--checkpoint-path", str(cp1)),
        out_dir=ws.root / "o1",
    )
    assert run.rc == 0, run.proc.stderr
    assert run.outputs().literals["o0"].scalar.primitive.integer == -1
    assert (cp1 / "_dst_cp").read_bytes() == b"5"
    argv = _argv(
        ws, "resume", second, "o2", "--checkpoint-path", str(cp2), "--prev-checkpoint", str(cp1)
    )
    run = ws.run("ctx_tasks", "resume", second, argv=argv, out_dir=ws.root / "o2")
    assert run.rc == 0, run.proc.stderr
    assert run.outputs().literals["o0"].scalar.primitive.integer == 5
    run = ws.run("ctx_tasks", "resume", first)  # no --checkpoint-path: the platform has none
    assert run.rc == 1 and "--checkpoint-path" in run.error().message


def test_files_are_uploaded_and_ids_come_from_the_environment(ws: Workspace) -> None:
    ws.module("ctx_tasks", CTX)
    inputs = ws.inputs(int_inputs(n=3))
    run = ws.run("ctx_tasks", "made", inputs)
    assert run.rc == 0, run.proc.stderr
    uri = run.outputs().literals["o0"].scalar.blob.uri
    assert uri.startswith(str(ws.root / "raw")) and Path(uri).read_text() == "mmm"
    env = {"_F_PRJ": "p", "_F_DM": "d", "_F_NM": "exec-9", "_F_TK_NM": "ctx_tasks.ids"}
    run = ws.run("ctx_tasks", "ids", inputs, env=env)
    assert run.rc == 0, run.proc.stderr
    text = run.outputs().literals["o0"].scalar.primitive.string_value
    assert text == "p/d/exec-9|ctx_tasks.ids|exec-9"
