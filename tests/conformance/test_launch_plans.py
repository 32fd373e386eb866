"""Launch plans, schedules, notifications, references, gates and Echo against flytekit 1.16.

The catalogue (``lp_catalogue.py``) is written twice under the module name ``lpcat``, once
importing flytekit and once taskplug; each library serializes its own copy with equivalent
settings. Equal, message for message (allow-list: docs/conformance.md):

* every named launch plan (admin ``LaunchPlan``): default and fixed inputs, cron and fixed-rate
  schedules with ``kickoff_time_input_arg`` and offsets, ``Email``/``Slack``/``PagerDuty``
  notifications, labels, annotations, raw output prefix, max parallelism, security context,
  overwrite cache, concurrency policy;
* workflows calling launch plans (``workflow_node.launchplan_ref``, fixed inputs not bound),
  reference tasks, workflows and launch plans, gate nodes (sleep, signal, approve), Echo tasks,
  a failure handler taking ``FlyteError``, an imperative workflow adding a launch plan — as admin
  ``WorkflowSpec`` — and their default launch plans;
* the task templates of ``Echo`` tasks and of the failure handler.

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

from lp_catalogue import CATALOGUE, HEADERS, PLANS, TASKS, WORKFLOWS  # noqa: E402

import taskplug  # noqa: E402
from taskplug.serialization import serialize  # noqa: E402
from taskplug.settings import ImageConfig, SerializationSettings  # noqa: E402
from taskplug.workflows.launch_plan import LaunchPlan  # noqa: E402
from taskplug.workflows.lp_wire import launch_plan_message  # noqa: E402
from taskplug.workflows.serialize import default_launch_plan, workflow_spec  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]

PROJECT, DOMAIN, VERSION = "flytesnacks", "development", "v7"
IMAGE = "ghcr.io/acme/base:1.0"
MODULE = "lpcat"


def _load(lib: str, tmp: Path) -> Any:
    folder = tmp / lib
    folder.mkdir()
    (folder / f"{MODULE}.py").write_text(HEADERS[lib] + CATALOGUE)
    sys.modules.pop(MODULE, None)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(MODULE)
    finally:
        sys.path.remove(str(folder))


def _flytekit_messages(mod: Any) -> dict[str, Any]:
    from flytekit.configuration import ImageConfig as FkImageConfig
    from flytekit.configuration import SerializationSettings as FkSettings
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.launch_plan import LaunchPlan as FkLaunchPlan
    from flytekit.tools.translator import get_serializable

    settings = FkSettings(
        project=PROJECT,
        domain=DOMAIN,
        version=VERSION,
        image_config=FkImageConfig.from_images(IMAGE),
    )
    ctx = FlyteContextManager.current_context()
    out: dict[str, Any] = {}
    for name in PLANS:
        out[f"lp:{name}"] = get_serializable(
            OrderedDict(), settings, getattr(mod, name)
        ).to_flyte_idl()
    for name in WORKFLOWS:
        wf = getattr(mod, name)
        out[f"wf:{name}"] = get_serializable(OrderedDict(), settings, wf).to_flyte_idl()
        FkLaunchPlan.CACHE.pop(wf.name, None)
        lp = FkLaunchPlan.get_default_launch_plan(ctx, wf)
        out[f"dlp:{name}"] = get_serializable(OrderedDict(), settings, lp).to_flyte_idl()
    for name in TASKS:
        spec = get_serializable(OrderedDict(), settings, getattr(mod, name))
        out[f"task:{name}"] = spec.template.to_flyte_idl()
    return out


def _taskplug_messages(mod: Any) -> dict[str, Any]:
    settings = SerializationSettings(
        project=PROJECT, domain=DOMAIN, version=VERSION, image_config=ImageConfig.from_images(IMAGE)
    )
    out: dict[str, Any] = {}
    for name in PLANS:
        out[f"lp:{name}"] = launch_plan_message(getattr(mod, name), settings)
    for name in WORKFLOWS:
        wf = getattr(mod, name)
        out[f"wf:{name}"] = workflow_spec(wf, settings)
        out[f"dlp:{name}"] = default_launch_plan(wf, settings)
    for name in TASKS:
        out[f"task:{name}"] = serialize(getattr(mod, name), settings)
    return out


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    from flytekit.core.launch_plan import LaunchPlan as FkLaunchPlan

    tmp = tmp_path_factory.mktemp("lpcat")
    for cache in (FkLaunchPlan.CACHE, LaunchPlan.CACHE):
        for key in [k for k in cache if k.startswith(MODULE) or k.endswith("_lp")]:
            cache.pop(key)
    fk = _flytekit_messages(_load("flytekit", tmp))
    tp = _taskplug_messages(_load("taskplug", tmp))
    sys.modules.pop(MODULE, None)
    return fk, tp


def _sort_upstream(nodes: Any) -> None:
    for node in nodes:
        ids = sorted(node.upstream_node_ids)
        del node.upstream_node_ids[:]
        node.upstream_node_ids.extend(ids)


def _normalize(key: str, msg: Any) -> None:
    if key.startswith("wf:"):
        for template in (msg.template, *msg.sub_workflows):
            _sort_upstream(template.nodes)
            if template.HasField("failure_node"):
                _sort_upstream([template.failure_node])
    elif key.startswith("task:"):
        if msg.metadata.runtime.version == flytekit.__version__:
            msg.metadata.runtime.version = taskplug.__version__
        args = msg.container.args
        for i, arg in enumerate(args):
            args[i] = {
                "pyflyte-execute": "taskplug-execute",
                "flytekit.core.python_auto_container.default_task_resolver": (
                    "taskplug.resolver.default_task_resolver"
                ),
            }.get(arg, arg)


def _diff(fk: Any, tp: Any) -> str:
    import difflib

    from google.protobuf import text_format

    a, b = text_format.MessageToString(fk), text_format.MessageToString(tp)
    lines = difflib.unified_diff(
        a.splitlines(), b.splitlines(), "flytekit", "taskplug", lineterm=""
    )
    return "\n".join(list(lines)[:80])


KEYS = (
    [f"lp:{n}" for n in PLANS]
    + [f"wf:{n}" for n in WORKFLOWS]
    + [f"dlp:{n}" for n in WORKFLOWS]
    + [f"task:{n}" for n in TASKS]
)


@pytest.mark.parametrize("key", KEYS)
def test_matches_flytekit(key: str, messages: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fk_all, tp_all = messages
    fk, tp = type(fk_all[key])(), type(tp_all[key])()
    fk.CopyFrom(fk_all[key])
    tp.CopyFrom(tp_all[key])
    assert type(fk) is type(tp)
    _normalize(key, fk)
    _normalize(key, tp)
    assert fk == tp, f"{key}:\n{_diff(fk, tp)}"
    assert fk.SerializeToString(deterministic=True) == tp.SerializeToString(deterministic=True)


def test_the_catalogue_covers_what_it_claims(messages: tuple[dict[str, Any], Any]) -> None:
    _, tp = messages
    assert tp["lp:cron_lp"].spec.entity_metadata.schedule.kickoff_time_input_arg == "kickoff"
    assert tp["lp:alias_lp"].spec.entity_metadata.schedule.cron_schedule.offset == "PT10M"
    assert tp["lp:rate_min_lp"].spec.entity_metadata.schedule.rate.value == 90
    assert len(tp["lp:notify_lp"].spec.entity_metadata.notifications) == 3
    assert "name" in tp["lp:fixed_lp"].spec.fixed_inputs.literals
    assert "name" not in tp["lp:fixed_lp"].spec.default_inputs.parameters
    assert tp["lp:settings_lp"].spec.concurrency_policy.max == 2
    calls = tp["wf:calls_lps"].template.nodes
    assert calls[1].workflow_node.launchplan_ref.name == "fixed_lp"
    assert "name" not in [b.var for b in calls[1].inputs]  # the fixed input is not bound
    refs = tp["wf:uses_refs"].template.nodes
    assert refs[1].task_node.reference_id.project == "flytesnacks"
    assert refs[2].workflow_node.launchplan_ref.version == "7"
    gates = [n.gate_node for n in tp["wf:gated"].template.nodes if n.HasField("gate_node")]
    assert [g.WhichOneof("condition") for g in gates] == ["sleep", "signal", "signal", "approve"]
    assert tp["task:echo_two"].type == "echo"


def test_a_real_difference_is_reported(messages: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fk_all, tp_all = messages
    fk, tp = type(fk_all["lp:cron_lp"])(), type(tp_all["lp:cron_lp"])()
    fk.CopyFrom(fk_all["lp:cron_lp"])
    tp.CopyFrom(tp_all["lp:cron_lp"])
    tp.spec.entity_metadata.schedule.cron_schedule.schedule = "*/6 * * * *"
    assert fk != tp and "*/6" in _diff(fk, tp)
