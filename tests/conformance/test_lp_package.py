"""``taskplug package`` against ``pyflyte package`` for the launch plan catalogue.

``lp_catalogue.py`` (named launch plans with schedules and notifications, launch-plan nodes,
reference entities, gates, Echo tasks, a failure handler taking ``FlyteError``) is packaged by
``pyflyte --pkgs lppkg package`` and, rewritten with taskplug imports in the same folder, by
``taskplug package lppkg.py``. Both archives hold the same numbered files (named launch plans
after the workflow they launch; nothing for reference entities and gates), and each file
loaded with flytekit's models is equal up to docs/conformance.md's allow-list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2  # noqa: E402
from flytekit.models.admin.workflow import WorkflowSpec as FkWorkflowSpec  # noqa: E402
from flytekit.models.launch_plan import LaunchPlan as FkLaunchPlan  # noqa: E402
from flytekit.models.task import TaskSpec as FkTaskSpec  # noqa: E402
from lp_catalogue import CATALOGUE, HEADERS  # noqa: E402

import taskplug  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

IMAGE = "ghcr.io/acme/app:1.0"
KINDS: dict[str, tuple[Any, Any]] = {
    "1": (task_pb2.TaskSpec, FkTaskSpec),
    "2": (workflow_pb2.WorkflowSpec, FkWorkflowSpec),
    "3": (launch_plan_pb2.LaunchPlan, FkLaunchPlan),
}
ALLOWED_ARG_SUBSTITUTIONS = {
    "pyflyte-execute": "taskplug-execute",
    "flytekit.core.python_auto_container.default_task_resolver": (
        "taskplug.resolver.default_task_resolver"
    ),
}


def _script(name: str) -> str:
    path = shutil.which(name, path=os.path.dirname(sys.executable))
    if path is None:
        pytest.fail(f"{name} is not installed next to {sys.executable}")
    return path


def _run(args: list[str], cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TASKPLUG_", "FLYTE"))}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args[0]} failed:\n{proc.stdout}\n{proc.stderr}"


def _members(archive: Path) -> list[tuple[str, bytes]]:
    with tarfile.open(archive) as tar:
        out = []
        for m in tar.getmembers():
            fh = tar.extractfile(m)
            assert fh is not None
            out.append((m.name, fh.read()))
        return out


@pytest.fixture(scope="module")
def archives(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    folder = tmp_path_factory.mktemp("lppkg")
    module = folder / "lppkg.py"
    module.write_text(HEADERS["flytekit"] + CATALOGUE)
    _run(
        [_script("pyflyte"), "--pkgs", "lppkg", "package", "-i", IMAGE, "-o", "fk.tgz", "-f"],
        folder,
    )
    module.write_text(HEADERS["taskplug"] + CATALOGUE)
    _run([_script("taskplug"), "package", "lppkg.py", "-i", IMAGE, "-o", "tp.tgz"], folder)
    return _members(folder / "fk.tgz"), _members(folder / "tp.tgz")


def _load(name: str, data: bytes) -> Any:
    message, model = KINDS[name.rpartition("_")[2][0]]
    return model.from_flyte_idl(message.FromString(data)).to_flyte_idl()


def _normalize(msg: Any, *, flytekit_side: bool) -> None:
    if isinstance(msg, workflow_pb2.WorkflowSpec):
        for tt in (msg.template, *msg.sub_workflows):
            for node in [*tt.nodes, tt.failure_node]:
                ids = sorted(node.upstream_node_ids)
                del node.upstream_node_ids[:]
                node.upstream_node_ids.extend(ids)
    elif isinstance(msg, task_pb2.TaskSpec) and flytekit_side:
        tt = msg.template
        args = tt.container.args
        for i, arg in enumerate(args):
            args[i] = ALLOWED_ARG_SUBSTITUTIONS.get(arg, arg)
        tt.metadata.runtime.version = taskplug.__version__


def test_same_files_in_the_same_order(archives: tuple[list[Any], list[Any]]) -> None:
    fk, tp = archives
    assert sorted(n for n, _ in tp) == sorted(n for n, _ in fk)  # the numbers give the order
    names = [n for n, _ in tp]
    assert any(n.endswith("_notify_lp_3.pb") for n in names)
    assert not any("ref." in n or "shared." in n for n in names)  # references: nothing


def test_every_file_matches(archives: tuple[list[Any], list[Any]]) -> None:
    fk, tp = archives
    mismatched = []
    for (name, a_bytes), (_, b_bytes) in zip(sorted(fk), sorted(tp)):
        a, b = _load(name, a_bytes), _load(name, b_bytes)
        _normalize(a, flytekit_side=True)
        _normalize(b, flytekit_side=False)
        if a != b:
            mismatched.append(name)
    assert not mismatched, f"files that differ beyond the allow-list: {mismatched}"
