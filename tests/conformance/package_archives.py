"""``pyflyte package`` and ``taskplug package`` of the same catalogue, and how their files compare.

Shared by ``test_package.py`` (the workflow catalogue) and ``test_lp_package.py`` (the launch
plan catalogue). A catalogue is written as ``<module>.py`` with flytekit imports and packaged by
``pyflyte --pkgs <module> package`` (a real process), then rewritten with taskplug imports in
the same folder and packaged by ``taskplug package <module>.py``. Files are compared after
loading them through flytekit's own models (``TaskSpec``, ``WorkflowSpec``, ``LaunchPlan``
``from_flyte_idl``), up to the allow-list of docs/conformance.md: entrypoint, resolver and SDK
version in task templates, the order of ``upstream_node_ids``. Imported after the test
modules' ``pytest.importorskip("flytekit")``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import flytekit
import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flytekit.models.admin.workflow import WorkflowSpec as FkWorkflowSpec
from flytekit.models.launch_plan import LaunchPlan as FkLaunchPlan
from flytekit.models.task import TaskSpec as FkTaskSpec

import taskplug

__all__ = ["IMAGE", "load", "mismatched_files", "normalize", "package_both"]

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
            assert fh is not None and m.name not in out, m.name
            out[m.name] = fh.read()
        return out


def package_both(
    folder: Path, module: str, catalogue: str, headers: dict[str, str]
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The files of ``pyflyte package`` and of ``taskplug package`` for ``catalogue`` written
    as ``folder/<module>.py`` (file name -> bytes, flytekit's first)."""
    path = folder / f"{module}.py"
    path.write_text(headers["flytekit"] + catalogue)
    _run(
        [_script("pyflyte"), "--pkgs", module, "package", "-i", IMAGE, "-o", "fk.tgz", "-f"],
        folder,
    )
    path.write_text(headers["taskplug"] + catalogue)
    _run([_script("taskplug"), "package", f"{module}.py", "-i", IMAGE, "-o", "tp.tgz"], folder)
    return _members(folder / "fk.tgz"), _members(folder / "tp.tgz")


def load(name: str, data: bytes) -> Any:
    """Parse a file of the archive and load it with flytekit's models, back to flyteidl."""
    message, model = KINDS[name.rpartition("_")[2][0]]
    return model.from_flyte_idl(message.FromString(data)).to_flyte_idl()


def normalize(msg: Any, *, flytekit_side: bool) -> None:
    """Apply the allow-list: sorted ``upstream_node_ids``; on flytekit's side, taskplug's
    entrypoint, resolver and version in task templates."""
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
        assert tt.metadata.runtime.version == flytekit.__version__
        tt.metadata.runtime.version = taskplug.__version__


def mismatched_files(fk: dict[str, bytes], tp: dict[str, bytes]) -> list[str]:
    """Names of the files that differ beyond the allow-list."""
    mismatched = []
    for name in sorted(fk):
        a, b = load(name, fk[name]), load(name, tp[name])
        normalize(a, flytekit_side=True)
        normalize(b, flytekit_side=False)
        if a != b:
            mismatched.append(name)
    return mismatched
