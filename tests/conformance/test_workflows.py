"""Workflows and dynamic tasks of taskplug against flytekit 1.16's, message for message.

One catalogue module (below) is written twice to disk under the same module name ``wfcat``:
once importing flytekit, once importing taskplug. Each library serializes its own copy with
equivalent settings; the ``WorkflowTemplate`` (and admin ``WorkflowSpec``), default
``LaunchPlan``, and each dynamic task's ``DynamicJobSpec`` must be equal, except for the
allow-list in docs/conformance.md:

* ``nodes[].upstream_node_ids`` are compared as sets: flytekit lists them in the iteration order
  of a Python ``set`` of node objects (it changes from run to run), taskplug in node order;
* task templates (inside a ``DynamicJobSpec``) differ only as task templates may
  (``tests/conformance/test_templates.py``: the entrypoint, the resolver, the SDK version).

Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import importlib
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flyteidl.admin import workflow_pb2 as admin_workflow_pb2  # noqa: E402
from flyteidl.core import dynamic_job_pb2, workflow_pb2  # noqa: E402
from wf_catalogue import CATALOGUE, HEADERS  # noqa: E402

import taskplug  # noqa: E402
from taskplug.settings import ImageConfig, SerializationSettings  # noqa: E402
from taskplug.workflows.serialize import default_launch_plan, workflow_spec  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]

WORKFLOWS = [
    "linear",
    "fan_in",
    "defaults",
    "sub",
    "with_sub",
    "nested",
    "twice",
    "reorder",
    "passthrough",
    "constants",
    "containers",
    "named_out",
    "ordering",
    "explicit_nodes",
    "overrides",
    "policy",
    "uses_policy",
    "guarded",
    "imperative",
]
DYNAMIC = {"fan_out": {"n": 3}, "dyn_sub": {"n": 2}, "dyn_overrides": {"n": 1}}

PROJECT, DOMAIN, VERSION = "flytesnacks", "development", "v42"
IMAGE = "ghcr.io/acme/base:1.0"


def _load(lib: str, tmp: Path) -> Any:
    folder = tmp / lib
    folder.mkdir()
    (folder / "wfcat.py").write_text(HEADERS[lib] + CATALOGUE)
    sys.modules.pop("wfcat", None)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("wfcat")
    finally:
        sys.path.remove(str(folder))


def _flytekit_messages(mod: Any) -> dict[str, Any]:
    from flytekit.configuration import ImageConfig as FkImageConfig
    from flytekit.configuration import SerializationSettings as FkSettings
    from flytekit.core.context_manager import ExecutionState, FlyteContextManager
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.tools.translator import get_serializable

    settings = FkSettings(
        project=PROJECT,
        domain=DOMAIN,
        version=VERSION,
        image_config=FkImageConfig.from_images(IMAGE),
    )
    out: dict[str, Any] = {}
    ctx = FlyteContextManager.current_context()
    for name in WORKFLOWS:
        wf = getattr(mod, name)
        out[f"wf:{name}"] = get_serializable(OrderedDict(), settings, wf).to_flyte_idl()
        LaunchPlan.CACHE.pop(wf.name, None)
        lp = LaunchPlan.get_default_launch_plan(ctx, wf)
        out[f"lp:{name}"] = get_serializable(OrderedDict(), settings, lp).to_flyte_idl()
    state = ctx.new_execution_state().with_params(mode=ExecutionState.Mode.TASK_EXECUTION)
    with FlyteContextManager.with_context(
        ctx.with_serialization_settings(settings).with_execution_state(state)
    ) as run_ctx:
        for name, kwargs in DYNAMIC.items():
            task = getattr(mod, name)
            job = task.compile_into_workflow(run_ctx, task.task_function, **kwargs)
            out[f"dj:{name}"] = job.to_flyte_idl()
    return out


def _taskplug_messages(mod: Any) -> dict[str, Any]:
    settings = SerializationSettings(
        project=PROJECT, domain=DOMAIN, version=VERSION, image_config=ImageConfig.from_images(IMAGE)
    )
    out: dict[str, Any] = {}
    for name in WORKFLOWS:
        wf = getattr(mod, name)
        out[f"wf:{name}"] = workflow_spec(wf, settings)
        out[f"lp:{name}"] = default_launch_plan(wf, settings)
    for name, kwargs in DYNAMIC.items():
        out[f"dj:{name}"] = getattr(mod, name).compile_into_workflow(settings, **kwargs)
    return out


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("wfcat")
    fk = _flytekit_messages(_load("flytekit", tmp))  # serialized while its module is current
    tp = _taskplug_messages(_load("taskplug", tmp))
    sys.modules.pop("wfcat", None)
    return fk, tp


# -- the allow-list -------------------------------------------------------------------------------

ALLOWED_ARG_SUBSTITUTIONS = {
    "pyflyte-execute": "taskplug-execute",
    "flytekit.core.python_auto_container.default_task_resolver": (
        "taskplug.resolver.default_task_resolver"
    ),
}


def _sort_upstream(nodes: Any) -> None:
    for node in nodes:
        ids = sorted(node.upstream_node_ids)
        del node.upstream_node_ids[:]
        node.upstream_node_ids.extend(ids)


def _normalize_template(tt: workflow_pb2.WorkflowTemplate) -> None:
    _sort_upstream(tt.nodes)
    if tt.HasField("failure_node"):
        _sort_upstream([tt.failure_node])


def _normalize_task(tt: Any) -> None:
    """The task template allow-list (tests/conformance/test_templates.py), flytekit side."""
    args = tt.container.args
    for i, arg in enumerate(args):
        args[i] = ALLOWED_ARG_SUBSTITUTIONS.get(arg, arg)
    assert tt.metadata.runtime.version == flytekit.__version__
    tt.metadata.runtime.version = taskplug.__version__


def _normalize(key: str, fk: Any, tp: Any) -> None:
    if key.startswith("wf:"):
        for msg in (fk, tp):
            _normalize_template(msg.template)
            for sub in msg.sub_workflows:
                _normalize_template(sub)
    elif key.startswith("dj:"):
        for msg in (fk, tp):
            _sort_upstream(msg.nodes)
            for sub in msg.subworkflows:
                _normalize_template(sub)
        for tt in fk.tasks:
            _normalize_task(tt)


def _diff(fk: Any, tp: Any) -> str:
    import difflib

    from google.protobuf import text_format

    a, b = text_format.MessageToString(fk), text_format.MessageToString(tp)
    lines = difflib.unified_diff(
        a.splitlines(), b.splitlines(), "flytekit", "taskplug", lineterm=""
    )
    return "\n".join(list(lines)[:80])


KEYS = (
    [f"wf:{n}" for n in WORKFLOWS] + [f"lp:{n}" for n in WORKFLOWS] + [f"dj:{n}" for n in DYNAMIC]
)


@pytest.mark.parametrize("key", KEYS)
def test_matches_flytekit(key: str, messages: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fk_all, tp_all = messages
    fk, tp = type(fk_all[key])(), type(tp_all[key])()
    fk.CopyFrom(fk_all[key])
    tp.CopyFrom(tp_all[key])
    assert type(fk) is type(tp)
    _normalize(key, fk, tp)
    assert fk == tp, f"{key}:\n{_diff(fk, tp)}"
    assert fk.SerializeToString(deterministic=True) == tp.SerializeToString(deterministic=True)


def test_the_catalogue_covers_what_it_claims(messages: tuple[dict[str, Any], Any]) -> None:
    _, tp = messages
    spec: admin_workflow_pb2.WorkflowSpec = tp["wf:overrides"]
    ov = [n.task_node.overrides for n in spec.template.nodes]
    assert ov[0].resources.requests and ov[3].extended_resources.gpu_accelerator.device
    assert ov[4].extended_resources.shared_memory.size_limit == "2Gi"
    assert ov[2].container_image and spec.template.nodes[2].id == "my-node"
    assert spec.template.nodes[6].metadata.cacheable
    assert tp["wf:with_sub"].sub_workflows and tp["wf:nested"].sub_workflows[1].id.name
    assert tp["wf:guarded"].template.failure_node.id == "fn0"
    job: dynamic_job_pb2.DynamicJobSpec = tp["dj:dyn_sub"]
    assert job.subworkflows and job.nodes[0].id == "dn0"
    assert tp["dj:dyn_overrides"].nodes[0].task_node.overrides.resources.requests


def test_upstream_order_is_the_only_workflow_allowance(
    messages: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Without sorting, fan_in's templates differ at most in the order of upstream ids."""
    fk, tp = messages
    a = type(fk["wf:fan_in"])()
    b = type(tp["wf:fan_in"])()
    a.CopyFrom(fk["wf:fan_in"])
    b.CopyFrom(tp["wf:fan_in"])
    for x, y in zip(a.template.nodes, b.template.nodes):
        assert set(x.upstream_node_ids) == set(y.upstream_node_ids)
        assert len(x.upstream_node_ids) == len(y.upstream_node_ids)
    assert [list(n.upstream_node_ids) for n in b.template.nodes][3] == ["n0", "n1", "n2"]


def test_a_real_difference_is_reported(messages: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fk_all, tp_all = messages
    fk, tp = type(fk_all["wf:linear"])(), type(tp_all["wf:linear"])()
    fk.CopyFrom(fk_all["wf:linear"])
    tp.CopyFrom(tp_all["wf:linear"])
    tp.template.nodes[0].metadata.retries.retries = 9
    _normalize("wf:linear", fk, tp)
    assert fk != tp and "retries" in _diff(fk, tp)
