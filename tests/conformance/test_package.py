"""``taskplug package`` against ``pyflyte package`` for the same module, read back by flytekit.

The workflow catalogue is written as ``wfpkg.py`` with flytekit imports and packaged by
``pyflyte --pkgs wfpkg package`` (a real process), then rewritten with taskplug imports in the
same folder and packaged by ``taskplug package wfpkg.py``. Both archives must hold the same file
names, and every file, parsed and loaded through flytekit's own models (``TaskSpec``,
``WorkflowSpec``, ``LaunchPlan`` ``from_flyte_idl``), must be equal up to the allow-list of
docs/conformance.md (entrypoint, resolver, SDK version in task templates; the order of
``upstream_node_ids``).
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
from wf_catalogue import CATALOGUE, HEADERS  # noqa: E402

import taskplug  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

IMAGE = "ghcr.io/acme/app:1.0"
# file suffix -> (flyteidl message, flytekit model)
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


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        out = {}
        for m in tar.getmembers():
            fh = tar.extractfile(m)
            assert fh is not None
            out[m.name] = fh.read()
        return out


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("pkg")
    module = folder / "wfpkg.py"
    module.write_text(HEADERS["flytekit"] + CATALOGUE)
    _run(
        [_script("pyflyte"), "--pkgs", "wfpkg", "package", "-i", IMAGE, "-o", "fk.tgz", "-f"],
        folder,
    )
    module.write_text(HEADERS["taskplug"] + CATALOGUE)
    _run([_script("taskplug"), "package", "wfpkg.py", "-i", IMAGE, "-o", "tp.tgz"], folder)
    return _members(folder / "fk.tgz"), _members(folder / "tp.tgz")


def _load(name: str, data: bytes) -> Any:
    """Parse a file of the archive and load it with flytekit's models, back to flyteidl."""
    message, model = KINDS[name.rpartition("_")[2][0]]
    return model.from_flyte_idl(message.FromString(data)).to_flyte_idl()


def _sort_upstream(nodes: Any) -> None:
    for node in nodes:
        ids = sorted(node.upstream_node_ids)
        del node.upstream_node_ids[:]
        node.upstream_node_ids.extend(ids)


def _normalize(msg: Any, *, flytekit_side: bool) -> None:
    if isinstance(msg, workflow_pb2.WorkflowSpec):
        for tt in (msg.template, *msg.sub_workflows):
            _sort_upstream(tt.nodes)
    elif isinstance(msg, task_pb2.TaskSpec) and flytekit_side:
        tt = msg.template
        args = tt.container.args
        for i, arg in enumerate(args):
            args[i] = ALLOWED_ARG_SUBSTITUTIONS.get(arg, arg)
        assert tt.metadata.runtime.version == flytekit.__version__
        tt.metadata.runtime.version = taskplug.__version__


def test_same_files_in_the_same_order(archives: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    fk, tp = archives
    assert sorted(fk) == sorted(tp)
    suffixes = {name.rpartition("_")[2] for name in tp}
    assert suffixes == {"1.pb", "2.pb", "3.pb"}
    assert len(tp) > 30


def test_every_file_matches(archives: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    fk, tp = archives
    mismatched = []
    for name in sorted(fk):
        a, b = _load(name, fk[name]), _load(name, tp[name])
        _normalize(a, flytekit_side=True)
        _normalize(b, flytekit_side=False)
        if a != b:
            mismatched.append(name)
    assert not mismatched, f"files that differ beyond the allow-list: {mismatched}"


def test_dynamic_task_carries_the_same_settings(
    archives: tuple[dict[str, bytes], dict[str, bytes]],
) -> None:
    fk, tp = archives
    (name,) = [n for n in tp if n.endswith("wfpkg.fan_out_1.pb")]
    envs = []
    for archive in (fk, tp):
        spec = task_pb2.TaskSpec.FromString(archive[name])
        envs.append({e.key: e.value for e in spec.template.container.env})
    assert envs[0]["_F_SS_C"] == envs[1]["_F_SS_C"]  # byte for byte, gzip and all
