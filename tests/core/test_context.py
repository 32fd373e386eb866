"""current_context(): flytekit's ExecutionParameters surface, in and out of task runs."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import taskplug
from taskplug import Secret, current_context, task, workflow
from taskplug.context import ExecutionParameters, ExecutionState, current_execution
from taskplug.runtime.checkpoint import SyncCheckpoint
from taskplug.runtime.identifiers import (
    ContainerExecutionIdentifier,
    Identifier,
    ResourceType,
    WorkflowExecutionIdentifier,
)
from taskplug.runtime.secrets import SecretNotFoundError, SecretsManager


@task
def ids() -> str:
    ctx = current_context()
    return f"{ctx.execution_id}|{ctx.execution_id.name}|{ctx.task_id}|{ctx.run_id}"


FOLDERS: list[str] = []


@task
def scratch(text: str) -> int:
    ctx = current_context()
    path = os.path.join(ctx.working_directory, "x.txt")
    Path(path).write_text(text)
    FOLDERS.append(ctx.working_directory)
    return len(text)


def test_outside_any_task_there_is_a_default_context() -> None:
    ctx = current_context()
    assert str(ctx.execution_id) == "ex:local:local:local"
    assert (ctx.execution_id.project, ctx.execution_id.domain, ctx.execution_id.name) == (
        "local",
        "local",
        "local",
    )
    assert str(ctx.task_id) == "TASK:local:local:local:local"
    assert isinstance(ctx.logging, logging.Logger) and ctx.logging is ctx.logger
    assert os.path.isdir(ctx.working_directory)
    assert current_context() is ctx  # one per process
    with pytest.raises(NotImplementedError, match="outside any task"):
        ctx.checkpoint
    assert repr(ctx.execution_id).startswith('project: "local"')


def test_inside_a_task_the_run_is_the_context() -> None:
    value, name, task_id, run_id = ids().split("|")
    assert (value, name, task_id) == (
        "ex:local:local:local",
        "local",
        "TASK:local:local:local:local",
    )
    assert run_id.startswith("local-")
    assert ids().split("|")[3] != run_id  # a run id per call
    assert scratch(text="hi") == 2
    folder = FOLDERS[-1]
    assert folder != current_context().working_directory
    assert not os.path.exists(folder)  # removed when the run ends


def test_each_thread_and_coroutine_sees_its_own_run() -> None:
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(ids().split("|")[3])) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(set(seen)) == 6

    @task
    async def slow(i: int) -> str:
        params = current_context()
        await asyncio.sleep(0.01)
        assert current_context() is params
        return params.run_id

    async def many() -> list[str]:
        return await asyncio.gather(*(slow(i=i) for i in range(5)))

    assert len(set(asyncio.run(many()))) == 5
    assert current_execution() is None


def test_container_runs_take_ids_from_flyte_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "_F_PRJ": "proj",
        "_F_DM": "dev",
        "_F_NM": "abc",
        "_F_TK_PRJ": "proj",
        "_F_TK_DM": "dev",
        "_F_TK_NM": "m.t",
        "_F_TK_V": "v1",
    }.items():
        monkeypatch.setenv(key, value)
    params = ExecutionParameters(task_name="m.t", execution_id="abc", local=False)
    with ExecutionParameters(local=False) as other:
        assert other.execution_id.name == "abc"  # from the environment
    ident = params.execution_id
    assert isinstance(ident, ContainerExecutionIdentifier)
    assert ident == WorkflowExecutionIdentifier("proj", "dev", "abc")  # equal across forms
    assert str(ident).splitlines() == [
        "Flyte Serialized object (WorkflowExecutionIdentifier):",
        "  project: proj",
        "  domain: dev",
        "  name: abc",
    ]
    assert params.run_id == "abc"
    assert params.task_id == Identifier(ResourceType.TASK, "proj", "dev", "m.t", "v1")
    assert str(params.task_id) == "TASK:proj:dev:m.t:v1"


def test_identifiers_round_trip_and_parse() -> None:
    ident = WorkflowExecutionIdentifier("p", "d", "n")
    assert WorkflowExecutionIdentifier.from_flyte_idl(ident.to_flyte_idl()) == ident
    assert WorkflowExecutionIdentifier.from_python_std("ex:p:d:n") == ident
    with pytest.raises(ValueError, match="not a workflow execution identifier"):
        WorkflowExecutionIdentifier.from_python_std("p:d:n")
    tid = Identifier(ResourceType.LAUNCH_PLAN, "p", "d", "lp", "v")
    assert Identifier.from_flyte_idl(tid.to_flyte_idl()) == tid
    assert str(tid) == repr(tid) == "LAUNCH_PLAN:p:d:lp:v"
    assert len({ident, WorkflowExecutionIdentifier("p", "d", "n")}) == 1


def test_run_id_and_execution_id_given_explicitly() -> None:
    given = WorkflowExecutionIdentifier("p", "d", "exec-1")
    params = ExecutionParameters(execution_id=given, local=False)
    assert params.execution_id is given and params.run_id == "exec-1"
    params = ExecutionParameters(run_id="r-9")
    assert params.run_id == "r-9" and str(params.execution_id) == "ex:local:local:local"


def test_checkpoint_of_a_local_run() -> None:
    @task
    def uses_checkpoint() -> str:
        cp = current_context().checkpoint
        assert isinstance(cp, SyncCheckpoint)
        assert (cp.read(), cp.restore(), cp.prev_exists()) == (None, None, False)
        cp.write(b"state")
        assert cp.read() is None  # nothing from a previous attempt, as flytekit
        assert current_context().checkpoint is cp
        return Path(cp.destination, "_dst_cp").read_text()

    assert uses_checkpoint() == "state"


def test_checkpoint_in_a_container_run_needs_the_entrypoint_paths(tmp_path: Path) -> None:
    params = ExecutionParameters(task_name="m.t", local=False)
    with pytest.raises(NotImplementedError, match="m.t.*--checkpoint-path"):
        params.checkpoint
    (tmp_path / "prev").mkdir()
    (tmp_path / "prev" / "state").write_bytes(b"3")
    params.extra["checkpoint_path"] = str(tmp_path / "now")
    params.extra["prev_checkpoint"] = str(tmp_path / "prev")
    cp = params.checkpoint
    assert cp.prev_exists() and cp.read() == b"3"


def test_stats_decks_and_what_task_types_add() -> None:
    ctx = current_context()
    ctx.stats.incr("rows", 3)
    ctx.stats.incr("rows")
    ctx.stats.gauge("size", 7, tags={"k": "v"})
    with ctx.stats.timer("t"):
        pass
    assert ctx.stats.current_value("rows") == 4
    assert ctx.stats.current_tags("size") == {"k": "v"}
    assert ctx.stats.current_value("t") >= 0  # type: ignore[operator]
    deck = ctx.default_deck
    assert deck.name == "default" and ctx.default_deck is deck and ctx.decks == [deck]
    deck.append("<p>x</p>")
    assert deck.html == "\n<p>x</p>"  # flytekit's Deck.append puts each fragment on a line
    with pytest.raises(TypeError, match="takes an HTML str"):
        deck.append(3)
    assert ctx.execution_date.tzinfo is not None
    params = ExecutionParameters()
    params.extra["SPARK_SESSION"] = "session"
    assert params.has_attr("spark_session") and params.get("spark_session") == "session"
    with pytest.raises(KeyError, match="'ray_cluster' is not available"):
        params.get("ray_cluster")
    assert params.output_metadata_prefix is None


def test_a_local_call_imports_none_of_the_runtime_modules() -> None:
    code = (
        "import sys, taskplug\n"
        "def add(a: int, b: int) -> int:\n    return a + b\n"
        "t = taskplug.task(add)\n"
        "assert t(a=1, b=2) == 3\n"
        "print(sorted(m for m in sys.modules if m.startswith('taskplug.runtime')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- secrets ---------------------------------------------------------------------------------


def test_secrets_lookup_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TASKPLUG_SECRETS_DIR", str(tmp_path))
    sm = SecretsManager()
    assert sm.get_secrets_env_var("Api", "Token") == "_FSEC_API_TOKEN"
    assert sm.get_secrets_env_var("db", "dsn", group_version="v2") == "_FSEC_DB_V2_DSN"
    assert sm.get_secrets_file("Api", "Token") == str(tmp_path / "api" / "token")
    assert sm.get_secrets_file("only-group") == str(tmp_path / "only-group")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "token").write_text("from-file\n")
    assert sm.get("api", "token") == "from-file"
    monkeypatch.setenv("_FSEC_API_TOKEN", "  from-env ")
    assert sm.get("api", "token") == "from-env"
    assert sm.api.token == "from-env"  # attribute style
    assert sm.get("api", "token", encode_mode="r") == "from-env"


def test_unprefixed_secrets_only_in_local_task_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKPLUG_SECRETS_DIR", "/nonexistent-secrets")
    monkeypatch.setenv("DB_PASSWORD", "plain")

    @task(secret_requests=[Secret(group="db", key="password")])
    def read() -> str:
        return current_context().secrets.get("db", "password")

    assert read() == "plain"
    with pytest.raises(SecretNotFoundError):  # outside any task: only _FSEC_DB_PASSWORD
        SecretsManager().get("db", "password")
    container = ExecutionParameters(local=False)
    from taskplug.context import execution_scope

    with execution_scope(ExecutionState(container, "container")), pytest.raises(KeyError):
        container.secrets.get("db", "password")


def test_missing_secret_error_names_where_it_looked_not_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKPLUG_SECRETS_DIR", "/nonexistent-secrets")
    monkeypatch.setenv("_FSEC_OTHER_KEY", "do-not-show")
    sm = SecretsManager()
    with pytest.raises(SecretNotFoundError) as info:
        sm.get("db", "password")
    err = info.value
    assert isinstance(err, KeyError) and isinstance(err, ValueError)
    text = str(err)
    assert "$_FSEC_DB_PASSWORD" in text and "/nonexistent-secrets/db/password" in text
    assert "secret_requests=[Secret(group='db', key='password')]" in text
    assert "do-not-show" not in text and "do-not-show" not in repr(sm)
    assert "do-not-show" not in repr(sm.other)
    with pytest.raises(SecretNotFoundError, match="group or a key"):
        sm.get()
    with pytest.raises(ValueError, match="encode_mode"):
        sm.get("db", "password", encode_mode="w")
    with pytest.raises(AttributeError):
        sm._private


def test_secret_declarations() -> None:
    s = Secret(group="g", key="k", mount_requirement=Secret.MountType.FILE)
    assert s.mount_requirement == "FILE" == Secret.MountType.FILE
    assert s.mount_requirement.name == "FILE"
    assert (
        Secret(group="g", mount_requirement="ENV_VAR").mount_requirement is Secret.MountType.ENV_VAR
    )
    assert Secret(group="g", mount_requirement=2).mount_requirement is Secret.MountType.FILE
    with pytest.raises(ValueError, match="MountType.ANY, ENV_VAR or FILE"):
        Secret(group="g", mount_requirement="DISK")
    with pytest.raises(ValueError, match="environment variable name"):
        Secret(group="g", env_var="lower-case")
    with pytest.raises(ValueError, match="non-empty str"):
        Secret(group="")


def test_flytekit_names_at_the_top_and_in_core_paths() -> None:
    from taskplug.core import checkpointer, context_manager, data_persistence, node_creation
    from taskplug.core import testing as core_testing

    assert taskplug.current_context is current_context
    assert taskplug.Checkpoint is checkpointer.Checkpoint
    assert context_manager.FlyteContextManager is taskplug.FlyteContextManager
    assert context_manager.SecretsManager is SecretsManager
    assert data_persistence.default_local_file_access_provider is not None
    assert node_creation.create_node is taskplug.create_node
    assert core_testing.task_mock is taskplug.testing.task_mock
    assert taskplug.testing.SecretsManager is SecretsManager
    with pytest.raises(AttributeError):
        data_persistence.nothing


def test_extend_exports() -> None:
    import taskplug.extend as ext
    from taskplug.core import context_manager

    assert ext.PythonTask is taskplug.PythonTask and ext.Interface is taskplug.Interface
    assert ext.context_manager is context_manager
    assert ext.TypeEngine is taskplug.TypeEngine
    assert ext.SQLTask is taskplug.SQLTask
    assert set(dir(ext)) == set(ext.__all__)
    for name in ext.__all__:
        assert getattr(ext, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'TaskPlugins'"):
        ext.TaskPlugins


def test_current_context_in_a_workflow_body_is_the_default() -> None:
    seen = []

    @workflow
    def wf() -> str:
        seen.append(current_context())
        return ids()

    assert seen == [current_context()]
    assert wf().startswith("ex:local:local:local|local|")
