"""Conditionals, attribute paths and map tasks of taskplug against flytekit 1.16's, message by message.

The catalogue (``constructs_catalogue.py``) is written twice under the module name ``wfcons``,
once importing flytekit and once taskplug. For each workflow the admin ``WorkflowSpec`` (with
its branch nodes, array nodes and attribute paths), for each map task its ``TaskTemplate``, and
for the dynamic task the ``DynamicJobSpec`` of a run must equal flytekit's, except for the
allow-list in docs/conformance.md (upstream ids compared as sets, at every depth; the task
template entrypoint, resolvers and SDK version). One item of a map task run by
``pyflyte-map-execute`` and by ``taskplug-execute`` writes the same ``outputs.pb``.

Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from constructs_catalogue import CATALOGUE, HEADERS  # noqa: E402
from flyteidl.core import literals_pb2, workflow_pb2  # noqa: E402

import taskplug  # noqa: E402
from taskplug.settings import ImageConfig, SerializationSettings  # noqa: E402
from taskplug.types import TypeEngine  # noqa: E402
from taskplug.workflows.serialize import Registrable  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]

WORKFLOWS = [
    "simple",
    "ranges",
    "nested",
    "consumed",
    "booleans",
    "optional_input",
    "strings_and_times",
    "void_branches",
    "pairs",
    "with_sub",
    "paths",
    "path_condition",
    "mapped",
    "mapped_partial",
    "mapped_lists",
    "mapped_tolerant",
    "mapped_void",
    "mapped_overrides",
]
DYNAMIC = {"dyn_constructs": {"n": 3}}
PROJECT, DOMAIN, VERSION = "flytesnacks", "development", "v7"
IMAGE = "ghcr.io/acme/base:1.0"

#: The task-template allow-list (docs/conformance.md), flytekit's value -> taskplug's.
ALLOWED_ARG_SUBSTITUTIONS = {
    "pyflyte-execute": "taskplug-execute",
    "pyflyte-map-execute": "taskplug-execute",
    "flytekit.core.python_auto_container.default_task_resolver": (
        "taskplug.resolver.default_task_resolver"
    ),
    "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver": (
        "taskplug.workflows.array_node.ArrayNodeMapTaskResolver"
    ),
}


def _load(lib: str, tmp: Path) -> Any:
    folder = tmp / lib
    folder.mkdir()
    (folder / "wfcons.py").write_text(HEADERS[lib] + CATALOGUE)
    sys.modules.pop("wfcons", None)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("wfcons")
    finally:
        sys.path.remove(str(folder))


def _flytekit_messages(mod: Any) -> dict[str, Any]:
    from flytekit.configuration import ImageConfig as FkImageConfig
    from flytekit.configuration import SerializationSettings as FkSettings
    from flytekit.core.context_manager import ExecutionState, FlyteContextManager
    from flytekit.models.admin.workflow import WorkflowSpec
    from flytekit.models.task import TaskSpec
    from flytekit.tools.translator import get_serializable

    settings = FkSettings(
        project=PROJECT,
        domain=DOMAIN,
        version=VERSION,
        image_config=FkImageConfig.from_images(IMAGE),
    )
    out: dict[str, Any] = {}
    for name in WORKFLOWS:
        mapping: OrderedDict[Any, Any] = OrderedDict()
        spec = get_serializable(mapping, settings, getattr(mod, name))
        assert isinstance(spec, WorkflowSpec)
        out[f"wf:{name}"] = spec.to_flyte_idl()
        for value in mapping.values():
            if isinstance(value, TaskSpec) and value.template.id.name.endswith("-arraynode"):
                out[f"task:{name}"] = value.template.to_flyte_idl()
    ctx = FlyteContextManager.current_context()
    state = ctx.new_execution_state().with_params(mode=ExecutionState.Mode.TASK_EXECUTION)
    with FlyteContextManager.with_context(
        ctx.with_serialization_settings(settings).with_execution_state(state)
    ) as run_ctx:
        for name, kwargs in DYNAMIC.items():
            task = getattr(mod, name)
            out[f"dj:{name}"] = task.compile_into_workflow(
                run_ctx, task.task_function, **kwargs
            ).to_flyte_idl()
    return out


def _taskplug_messages(mod: Any) -> dict[str, Any]:
    settings = SerializationSettings(
        project=PROJECT, domain=DOMAIN, version=VERSION, image_config=ImageConfig.from_images(IMAGE)
    )
    out: dict[str, Any] = {}
    for name in WORKFLOWS:
        reg = Registrable(settings)
        out[f"wf:{name}"] = reg.workflow(getattr(mod, name))
        for kind, _, msg in reg.entries:
            if kind == "task" and msg.template.id.name.endswith("-arraynode"):
                out[f"task:{name}"] = msg.template
    for name, kwargs in DYNAMIC.items():
        out[f"dj:{name}"] = getattr(mod, name).compile_into_workflow(settings, **kwargs)
    return out


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("wfcons")
    fk = _flytekit_messages(_load("flytekit", tmp))
    tp = _taskplug_messages(_load("taskplug", tmp))
    sys.modules.pop("wfcons", None)
    return fk, tp


# -- the allow-list -------------------------------------------------------------------------------


def _sort_upstream(nodes: Any) -> None:
    """Upstream ids as sets, in every node at every depth (branches, array sub-nodes)."""
    for node in nodes:
        ids = sorted(node.upstream_node_ids)
        del node.upstream_node_ids[:]
        node.upstream_node_ids.extend(ids)
        _sort_upstream(_inner_nodes(node))


def _inner_nodes(node: workflow_pb2.Node) -> list[workflow_pb2.Node]:
    kind = node.WhichOneof("target")
    if kind == "array_node":
        return [node.array_node.node]
    if kind != "branch_node":
        return []
    if_else = node.branch_node.if_else
    inner = [if_else.case.then_node, *(c.then_node for c in if_else.other)]
    if if_else.HasField("else_node"):
        inner.append(if_else.else_node)
    return inner


def _normalize_task(tt: Any) -> None:
    args = tt.container.args
    for i, arg in enumerate(args):
        args[i] = ALLOWED_ARG_SUBSTITUTIONS.get(arg, arg)
    assert tt.metadata.runtime.version == flytekit.__version__
    tt.metadata.runtime.version = taskplug.__version__


def _normalize(key: str, fk: Any, tp: Any) -> None:
    if key.startswith("wf:"):
        for msg in (fk, tp):
            for template in (msg.template, *msg.sub_workflows):
                _sort_upstream(template.nodes)
    elif key.startswith("dj:"):
        for msg in (fk, tp):
            _sort_upstream(msg.nodes)
        for tt in fk.tasks:
            _normalize_task(tt)
    elif key.startswith("task:"):
        _normalize_task(fk)


def _diff(fk: Any, tp: Any) -> str:
    import difflib

    from google.protobuf import text_format

    a, b = text_format.MessageToString(fk), text_format.MessageToString(tp)
    lines = difflib.unified_diff(
        a.splitlines(), b.splitlines(), "flytekit", "taskplug", lineterm=""
    )
    return "\n".join(list(lines)[:100])


MAPPED = [n for n in WORKFLOWS if n.startswith("mapped")]
KEYS = [f"wf:{n}" for n in WORKFLOWS] + [f"task:{n}" for n in MAPPED] + [f"dj:{n}" for n in DYNAMIC]


@pytest.mark.parametrize("key", KEYS)
def test_matches_flytekit(key: str, messages: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fk_all, tp_all = messages
    assert key in fk_all and key in tp_all, key
    fk, tp = type(fk_all[key])(), type(tp_all[key])()
    fk.CopyFrom(fk_all[key])
    tp.CopyFrom(tp_all[key])
    _normalize(key, fk, tp)
    assert fk == tp, f"{key}:\n{_diff(fk, tp)}"
    assert fk.SerializeToString(deterministic=True) == tp.SerializeToString(deterministic=True)


def test_the_catalogue_covers_what_it_claims(messages: tuple[dict[str, Any], Any]) -> None:
    _, tp = messages
    ranges = tp["wf:ranges"].template.nodes[0].branch_node.if_else
    assert len(ranges.other) == 2 and ranges.error.message == "x is out of range"
    nested = tp["wf:nested"].template.nodes[1].branch_node.if_else
    assert nested.case.then_node.branch_node.if_else.error.failed_node_id == "inner"
    assert tp["wf:with_sub"].sub_workflows[0].id.name == "wfcons.sub"
    paths = tp["wf:paths"].template
    assert paths.nodes[2].inputs[0].binding.promise.attr_path[0].int_value == 1
    assert paths.outputs[3].binding.promise.attr_path[0].string_value == "name"
    tolerant = tp["wf:mapped_tolerant"].template.nodes[0].array_node
    assert tolerant.HasField("parallelism") and tolerant.parallelism == 0
    assert tolerant.min_success_ratio == 0.75
    over = tp["wf:mapped_overrides"].template.nodes[0]
    assert not over.metadata.retries.retries  # as flytekit: the sub-node gets the retries
    assert over.array_node.node.metadata.retries.retries == 4
    assert over.array_node.node.task_node.overrides.resources.requests[0].value == "2"
    job = tp["dj:dyn_constructs"]
    assert [n.WhichOneof("target") for n in job.nodes] == ["task_node", "branch_node", "array_node"]


def test_each_allowed_substitution_is_needed(
    messages: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Every entry of the allow-list is a real difference in flytekit's templates."""
    fk, tp = messages
    templates = [fk[k] for k in fk if k.startswith("task:")]
    templates += list(fk["dj:dyn_constructs"].tasks)
    fk_args = {a for t in templates for a in t.container.args}
    tp_args = {a for k in tp if k.startswith("task:") for a in tp[k].container.args}
    for flytekit_value in ALLOWED_ARG_SUBSTITUTIONS:
        assert flytekit_value in fk_args, flytekit_value
        assert flytekit_value not in tp_args
    assert set(ALLOWED_ARG_SUBSTITUTIONS.values()) <= tp_args


def test_upstream_order_is_the_only_structural_allowance(
    messages: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Unsorted, the templates differ at most in the order of upstream ids."""
    fk, tp = messages
    for name in WORKFLOWS:
        a, b = fk[f"wf:{name}"].template, tp[f"wf:{name}"].template
        for x, y in zip(a.nodes, b.nodes):
            assert sorted(x.upstream_node_ids) == sorted(y.upstream_node_ids)


# -- one item of a map task, run by each SDK's entrypoint ---------------------------------------

MAP_MODULE = """
import functools
from {lib} import map_task, task


@task
def total(quantity: int, price: float, shipping: float) -> float:
    return quantity * price + shipping


priced = map_task(functools.partial(total, shipping=0.5))
"""


def _entrypoint(name: str) -> str:
    path = shutil.which(name, path=os.path.dirname(sys.executable))
    assert path is not None, f"{name} is not installed next to {sys.executable}"
    return path


@pytest.mark.parametrize("index", [0, 2])
def test_one_map_item_gives_the_same_outputs_as_pyflyte_map_execute(
    tmp_path: Path, index: int
) -> None:
    lm = literals_pb2.LiteralMap()
    lm.literals["quantity"].CopyFrom(TypeEngine.to_literal([1, 2, 3], list[int]))
    lm.literals["price"].CopyFrom(TypeEngine.to_literal([1.5, 2.5, 3.5], list[float]))
    lm.literals["shipping"].CopyFrom(TypeEngine.to_literal(0.5, float))
    inputs = tmp_path / "inputs.pb"
    inputs.write_bytes(lm.SerializeToString())
    results = {}
    for lib, program, resolver, inner in (
        (
            "flytekit",
            "pyflyte-map-execute",
            "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver",
            "flytekit.core.python_auto_container.default_task_resolver",
        ),
        (
            "taskplug",
            "taskplug-execute",
            "taskplug.workflows.array_node.ArrayNodeMapTaskResolver",
            "taskplug.resolver.default_task_resolver",
        ),
    ):
        folder = tmp_path / lib
        folder.mkdir()
        (folder / f"map_{lib}.py").write_text(MAP_MODULE.format(lib=lib))
        out = tmp_path / f"out-{lib}"
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("FLYTE", "_F", "BATCH_JOB"))
        }
        env.update(
            PYTHONPATH=str(folder),
            BATCH_JOB_ARRAY_INDEX_VAR_NAME="MY_ARRAY_INDEX",
            MY_ARRAY_INDEX=str(index),
        )
        proc = subprocess.run(
            [
                _entrypoint(program),
                "--inputs",
                str(inputs),
                "--output-prefix",
                str(out),
                "--raw-output-data-prefix",
                str(tmp_path / "raw"),
                "--resolver",
                resolver,
                "--",
                "vars",
                "shipping",
                "resolver",
                inner,
                "task-module",
                f"map_{lib}",
                "task-name",
                "total",
            ],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        results[lib] = (out / "outputs.pb").read_bytes()
    assert results["flytekit"] == results["taskplug"]
    got = literals_pb2.LiteralMap.FromString(results["taskplug"])
    assert got.literals["o0"].scalar.primitive.float_value == [2.0, 5.5, 11.0][index]
