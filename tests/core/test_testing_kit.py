"""The test kit (taskplug.testing) on the core's own task types, and its failure modes."""

import typing
from dataclasses import dataclass

import pytest

import taskplug.builtin.container as container_plugin
from taskplug import PythonFunctionTask, PythonInstanceTask, task
from taskplug.errors import PluginAnswerError
from taskplug.plugin import hookimpl
from taskplug.testing import (
    HEAVY_MODULES,
    check_foreign_tasks_untouched,
    check_hook_answers,
    check_import_budget,
    check_local_matches_container,
    check_task_type,
    check_template_roundtrip,
    fresh_plugin_manager,
    serialize_task_module,
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
    registered = answers["taskplug_register_task_types"]
    assert {r.task_class.__name__ for r in registered} >= {"PythonFunctionTask"}


def test_local_vs_container_through_a_real_entrypoint():
    assert check_local_matches_container(combine, entrypoint=True, a=2) == Pair(4, "xx")
    assert check_task_type(echo, inputs={"text": "ho"}, entrypoint=True).type == "python-task"


def test_local_vs_container_check_catches_a_divergence():
    class Flaky(PythonInstanceTask[None]):
        calls = 0

        def execute(self, **kwargs: typing.Any) -> typing.Any:
            Flaky.calls += 1
            return f"run {Flaky.calls}"

    flaky = Flaky(name="flaky", inputs={}, outputs={"o0": str})
    with pytest.raises(AssertionError, match="container-style run gave"):
        check_local_matches_container(flaky)


# -- import cost --------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["taskplug.builtin.container", "taskplug.builtin.accelerators"])
def test_builtin_plugins_import_lightly(module):
    cost = check_import_budget(module)
    assert not {m.partition(".")[0] for m in cost.new_modules} & set(HEAVY_MODULES)
    assert cost.module == module and cost.seconds >= 0


def test_import_check_fails_for_a_plugin_importing_a_heavy_library(make_plugin_dist):
    make_plugin_dist(
        "heavyish", "1.0", {"heavylib": "X = 1\n", "heavy_plugin": "import heavylib\n"}
    )
    with pytest.raises(AssertionError, match="loads heavylib: import heavy libraries inside"):
        check_import_budget("heavy_plugin", forbidden=("heavylib",))
    cost = check_import_budget("heavy_plugin")  # heavylib is not on the default list
    assert "heavylib" in cost.new_modules


def test_import_check_fails_for_a_plugin_importing_too_much(make_plugin_dist):
    make_plugin_dist("sprawl", "1.0", {"sprawl_plugin": "import email.message, json, csv\n"})
    with pytest.raises(AssertionError, match=r"adds \d+ modules beyond taskplug's \(at most 2\)"):
        check_import_budget("sprawl_plugin", max_new_modules=2)


def test_import_check_time_budget_is_optional(make_plugin_dist):
    make_plugin_dist("slow-plugin", "1.0", {"slow_plugin": "import time\ntime.sleep(0.3)\n"})
    check_import_budget("slow_plugin")  # no time assertion unless asked for
    with pytest.raises(AssertionError, match="over the budget of 50 ms"):
        check_import_budget("slow_plugin", budget_ms=50)  # 300 ms of sleep, whatever the load


# -- hook answers -------------------------------------------------------------------------------


class _BadAnswers:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_get_config(self, task, settings):
        return {"retries": 3}  # not a str value

    @hookimpl
    def taskplug_get_custom(self, task, settings):
        return ["not", "a", "dict"]


def test_hook_answer_check_catches_wrong_types():
    with pytest.raises(PluginAnswerError, match=r"hook taskplug_get_custom answered a list"):
        check_hook_answers(_BadAnswers(), combine)


class _Money:
    pass


class _NotATransformer:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_register_type_transformers(self, registry):
        registry._by_type[_Money] = object()  # what a careless plugin could end up with


class _Execution:
    TASKPLUG_API_VERSION = "1.0"

    def __init__(self, pre=None, post=None):
        self.pre, self.post = pre, post

    @hookimpl
    def taskplug_pre_execute(self, task, params):
        return self.pre

    @hookimpl
    def taskplug_post_execute(self, task, params, outputs):
        return self.post


def test_hook_answer_check_covers_transformers_and_execution_hooks():
    with pytest.raises(AssertionError, match="is not a taskplug.types.TypeTransformer"):
        check_hook_answers(_NotATransformer(), combine)
    with pytest.raises(AssertionError, match="taskplug_pre_execute returned 1; its return value"):
        check_hook_answers(_Execution(pre=1), combine)
    with pytest.raises(AssertionError, match="replaced the outputs of task .* which do not fit"):
        check_hook_answers(_Execution(post="oops"), combine)
    answers = check_hook_answers(_Execution(post=Pair(1, "a")), combine)
    assert answers["taskplug_post_execute"] == Pair(1, "a")
    assert answers["taskplug_pre_execute"] is None


# -- foreign tasks ------------------------------------------------------------------------------


@dataclass
class Shout:
    times: int = 1


class ShoutTask(PythonFunctionTask[Shout]):
    task_type = "shout"


class _Owner:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_register_task_types(self, registry):
        registry.add(ShoutTask, config_type=Shout)

    @hookimpl
    def taskplug_get_custom(self, task, settings):  # no guard: routing keeps it to ShoutTask
        return {"times": task.task_config.times}


class _GreedyServer(_Owner):
    @hookimpl
    def taskplug_register_task_types(self, registry):
        registry.add(ShoutTask, config_type=Shout)
        registry.serve(lambda t: True, hooks=["taskplug_get_custom"], description="everything")

    @hookimpl
    def taskplug_get_custom(self, task, settings):
        return {"times": getattr(task.task_config, "times", 0)}


class _GreedyPicker:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_task_class_for_config(self, task_config):
        return ShoutTask


def test_foreign_check_passes_a_plugin_that_keeps_to_its_tasks():
    check_foreign_tasks_untouched(_Owner())


def test_foreign_check_catches_a_greedy_service():
    with pytest.raises(AssertionError, match=r"changes the custom of task .*foreign_add"):
        check_foreign_tasks_untouched(_GreedyServer())


def test_foreign_check_catches_a_service_that_breaks_foreign_tasks():
    with pytest.raises(AssertionError, match=r"foreign_add.*raised PluginHookError.*'times'"):
        check_foreign_tasks_untouched(
            type(
                "Crashing",
                (_GreedyServer,),
                {
                    "taskplug_get_custom": hookimpl(
                        lambda self, task, settings: {"t": task.task_config.times}
                    )
                },
            )()
        )


def test_foreign_check_catches_a_greedy_config_picker():
    with pytest.raises(AssertionError, match="picks task class .*ShoutTask.* for ForeignConfig"):
        check_foreign_tasks_untouched(_GreedyPicker())


def test_template_check_sees_the_owners_answers():
    def word(w: str) -> str:
        return w

    with fresh_plugin_manager(_Owner()):
        template = check_template_roundtrip(task(task_config=Shout(times=3))(word))
    assert template.type == "shout" and dict(template.custom) == {"times": 3.0}


# -- a task module that never imports the plugin -------------------------------------------------


def test_serialize_task_module_runs_in_a_fresh_interpreter():
    out = serialize_task_module(
        """
        from taskplug import Resources, task

        @task(requests=Resources(cpu="1"))
        def add(a: int) -> int:
            return a

        @task(shared_memory="not a quantity")
        def bad(a: int) -> int:
            return a
        """
    )
    assert out.module_error is not None and out.module_error.rule == "shared-memory-quantity"
    ok = serialize_task_module(
        "from taskplug import task\n@task\ndef add(a: int) -> int:\n    return a\n"
    )
    assert ok.templates["add"].container.args[0] == "taskplug-execute"
    assert ok.plugins["container"]["status"] == "loaded"
    off = serialize_task_module(
        "from taskplug import task\n@task\ndef add(a: int) -> int:\n    return a\n",
        env={"TASKPLUG_DISABLE_PLUGINS": "container"},
    )
    assert "no plugin owns task type" in off.errors["add"].message
