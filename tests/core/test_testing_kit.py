"""The test kit (taskplug.testing) on the core's own container task type, and its failure modes."""

import typing

import pytest

import taskplug.builtin.container as container_plugin
from taskplug import PythonInstanceTask, task
from taskplug.plugin import hookimpl
from taskplug.testing import (
    check_hook_answers,
    check_import_budget,
    check_local_matches_container,
    check_task_type,
    check_template_roundtrip,
    fresh_plugin_manager,
)


class Pair(typing.NamedTuple):
    total: int
    label: str


@task(retries=1)
def combine(a: int, b: int = 2, label: str = "x") -> Pair:
    return Pair(a + b, label * 2)


class Echo(PythonInstanceTask[None]):
    def execute(self, **kwargs: typing.Any) -> typing.Any:
        return kwargs["text"]


echo = Echo(name="echo", inputs={"text": str}, outputs={"o0": str})


@pytest.mark.parametrize(
    ("t", "inputs"), [(combine, {"a": 1, "label": "y"}), (echo, {"text": "hi"})]
)
def test_container_task_type_passes_the_kit(t, inputs):
    template = check_task_type(t, inputs=inputs, plugin=container_plugin)
    assert template.container.args[0] == "taskplug-execute"
    answers = check_hook_answers(container_plugin, t)
    assert type(answers["taskplug_get_container"]).__name__ == "Container"


@pytest.mark.parametrize("module", ["taskplug.builtin.container", "taskplug.builtin.accelerators"])
def test_builtin_plugins_import_within_budget(module):
    seconds = check_import_budget(module, budget_seconds=0.5)
    assert seconds > 0


def test_import_budget_check_fails_for_a_slow_module(make_plugin_dist):
    make_plugin_dist("slow-plugin", "1.0", {"slow_plugin": "import time\ntime.sleep(0.3)\n"})
    with pytest.raises(AssertionError, match="over the budget"):
        check_import_budget("slow_plugin", budget_seconds=0.05)


class _BadAnswers:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_get_config(self, task, settings):
        return {"retries": 3}  # not a str value

    @hookimpl
    def taskplug_get_custom(self, task, settings):
        return ["not", "a", "dict"]


def test_hook_answer_check_catches_wrong_types():
    with pytest.raises(AssertionError, match="taskplug_get_custom returned list"):
        check_hook_answers(_BadAnswers(), combine)


def test_local_vs_container_check_catches_a_divergence():
    class Flaky(PythonInstanceTask[None]):
        calls = 0

        def execute(self, **kwargs: typing.Any) -> typing.Any:
            Flaky.calls += 1
            return f"run {Flaky.calls}"

    flaky = Flaky(name="flaky", inputs={}, outputs={"o0": str})
    with pytest.raises(AssertionError, match="container-style run gave"):
        check_local_matches_container(flaky)


def test_template_check_sees_hook_changes():
    class Custom:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.serve(lambda t: True, hooks=["taskplug_get_custom"], description="all")

        @hookimpl
        def taskplug_get_custom(self, task, settings):
            return {"answer": 42}

    with fresh_plugin_manager(Custom()):
        template = check_template_roundtrip(combine)
    assert dict(template.custom) == {"answer": 42.0}
