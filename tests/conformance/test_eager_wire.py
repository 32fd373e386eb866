"""Eager task templates of taskplug-eager against flytekit 1.16's ``@eager``, field by field.

The same ``async def`` is decorated once with ``flytekit.eager`` and once with
``taskplug_eager.eager``; both templates must be equal except for the allow-list of
test_templates.py, plus one entry of this plugin's own (also in docs/conformance.md):

4. the failure handler's resolver path, ``flytekit.core.python_function_task.
   eager_failure_task_resolver`` vs ``taskplug_eager.failure.eager_failure_task_resolver``
   (the loader args after ``--``, ``eager failure handler``, are equal).
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flytekit.core.python_function_task import (  # noqa: E402
    EagerFailureHandlerTask as FkHandler,
)
from flytekit.tools.translator import get_serializable_task  # noqa: E402
from test_templates import (  # noqa: E402
    _apply_allow_list,
    _field_diffs,
    fk_settings,
    tp_settings,
)

import taskplug_eager  # noqa: E402
from taskplug.serialization import serialize  # noqa: E402

pytestmark = pytest.mark.conformance

ALLOWED_HANDLER_RESOLVER = {
    "flytekit.core.python_function_task.eager_failure_task_resolver": (
        "taskplug_eager.failure.eager_failure_task_resolver"
    ),
}


async def fan_out(n: int, label: str = "x") -> int:
    """Fan out over n children.

    :param n: how many
    """
    return n


async def no_io() -> None:
    return None


CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "plain": (fan_out, {}),
    "no_io": (no_io, {}),
    "image": (fan_out, {"container_image": "{{.image.spark.fqn}}:{{.image.spark.version}}"}),
    "environment": (fan_out, {"environment": {"A": "b"}}),
    "enable_deck_ignored": (fan_out, {"enable_deck": False}),
}


def _compare(fk_tt: Any, tp_tt: Any) -> list[str]:
    _apply_allow_list(fk_tt, tp_tt)
    args = fk_tt.container.args
    for i, arg in enumerate(args):
        if arg in ALLOWED_HANDLER_RESOLVER:
            args[i] = ALLOWED_HANDLER_RESOLVER[arg]
    return _field_diffs(fk_tt, tp_tt)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", sorted(CASES))
def test_eager_template_matches_flytekit(name: str) -> None:
    fn, kwargs = CASES[name]
    fk_task = flytekit.eager(**kwargs)(fn)
    tp_task = taskplug_eager.eager(**kwargs)(fn)
    fk_tt = get_serializable_task(OrderedDict(), fk_settings(), fk_task).template.to_flyte_idl()
    tp_tt = serialize(tp_task, tp_settings())
    assert tp_tt.metadata.is_eager and tp_tt.type == "python-task"
    diffs = _compare(fk_tt, tp_tt)
    assert not diffs, f"case {name!r}:\n  " + "\n  ".join(diffs)
    assert fk_tt.SerializeToString(deterministic=True) == tp_tt.SerializeToString(
        deterministic=True
    )


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("inputs", [{}, {"x": int, "when": datetime.datetime}])
def test_failure_handler_template_matches_flytekit(inputs: dict[str, Any]) -> None:
    fk_task = FkHandler(name="m.wf-cleanup", container_image=None, inputs=inputs)
    tp_task = taskplug_eager.EagerFailureHandlerTask(
        name="m.wf-cleanup", container_image=None, inputs=inputs
    )
    fk_tt = get_serializable_task(OrderedDict(), fk_settings(), fk_task).template.to_flyte_idl()
    tp_tt = serialize(tp_task, tp_settings())
    assert fk_tt.type == tp_tt.type == "eager_failure_handler_task"
    diffs = _compare(fk_tt, tp_tt)
    assert not diffs, "\n  ".join(diffs)
    assert fk_tt == tp_tt


def test_constants_match_flytekit() -> None:
    from flytekit.core import python_function_task as fk_pft
    from flytekit.core.constants import EAGER_ROOT_ENV_NAME

    assert taskplug_eager.EAGER_ROOT_ENV_NAME == EAGER_ROOT_ENV_NAME
    assert taskplug_eager.CLEANUP_LOOP_DELAY_SECONDS == fk_pft.CLEANUP_LOOP_DELAY_SECONDS
    fk_res, tp_res = fk_pft.eager_failure_task_resolver, taskplug_eager.eager_failure_task_resolver
    assert fk_res.name() == tp_res.name()
    assert fk_res.loader_args(None, None) == tp_res.loader_args(None, None)
    assert fk_res.get_all_tasks() == tp_res.get_all_tasks() == []


def test_serialized_context_reads_both_ways() -> None:
    from flytekit.configuration import SerializationSettings as FkSettings

    from taskplug_eager.settings import serialized_context, settings_from_context

    ours = serialized_context(tp_settings())
    assert ours == fk_settings().serialized_context  # the same bytes
    back = FkSettings.from_transport(ours)
    assert (back.project, back.domain, back.version) == ("flytesnacks", "development", "v42")
    again = settings_from_context(fk_settings().serialized_context)
    assert again.version == "v42" and again.env == tp_settings().env
    assert again.image_config.resolve(None, task="t") == "ghcr.io/acme/base:1.0"


@pytest.mark.filterwarnings("ignore")
def test_get_as_workflow_matches_flytekit() -> None:
    from flytekit.tools.translator import get_serializable
    from google.protobuf import text_format

    from taskplug.workflows.serialize import workflow_spec

    fk_wf = flytekit.eager(fan_out).get_as_workflow()
    tp_wf = taskplug_eager.eager(fan_out).get_as_workflow()
    fk = get_serializable(OrderedDict(), fk_settings(), fk_wf).to_flyte_idl()
    tp = workflow_spec(tp_wf, tp_settings())
    assert tp.template.failure_node.id == fk.template.failure_node.id
    assert tp.template.failure_node.task_node.reference_id.name == "test_eager_wire.fan_out-cleanup"
    assert text_format.MessageToString(fk) == text_format.MessageToString(tp)
    assert fk.SerializeToString(deterministic=True) == tp.SerializeToString(deterministic=True)
