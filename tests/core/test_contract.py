"""The plugin contract as a third party meets it: owned hooks, services, checked answers,
attributed failures, policy attributes and the environment switches."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flyteidl.core import tasks_pb2

from taskplug import Resources, task
from taskplug._manager import ENV_DISABLE, ENV_LOAD, build_plugin_manager
from taskplug.cli import main as cli
from taskplug.errors import PluginAnswerError, PluginError, PluginHookError
from taskplug.plugin import PluginWarning, hookimpl
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.tasks.function import PythonFunctionTask
from taskplug.testing import fresh_plugin_manager

SETTINGS = SerializationSettings.for_tests()

SHELL_PLUGIN = """
from dataclasses import dataclass, field
from taskplug import PythonFunctionTask
from taskplug.plugin import hookimpl

TASKPLUG_API_VERSION = "1.0"


@dataclass
class Shell:
    script: str
    env: dict = field(default_factory=dict)


class ShellTask(PythonFunctionTask):
    task_type = "shell"

    def execute(self, **kwargs):
        return self.task_config.script.format(**kwargs)


@hookimpl
def taskplug_register_task_types(registry):
    registry.add(ShellTask, config_type=Shell)


@hookimpl
def taskplug_get_custom(task, settings):
    return {"script": task.task_config.script, "env": dict(task.task_config.env)}
"""

GREEDY_PLUGIN = """
from taskplug import PythonFunctionTask
from taskplug.plugin import hookimpl

TASKPLUG_API_VERSION = "1.0"


class GreedyConfig:
    pass


class GreedyTask(PythonFunctionTask):
    task_type = "greedy"


@hookimpl
def taskplug_register_task_types(registry):
    registry.add(GreedyTask, config_type=GreedyConfig)


@hookimpl
def taskplug_get_custom(task, settings):  # no isinstance guard: answers for everything
    return {"greedy": True}


@hookimpl
def taskplug_get_config(task, settings):
    return {"greedy": "yes"}
"""


@pytest.fixture
def shell_and_greedy(make_plugin_dist):
    make_plugin_dist(
        "shell-plugin",
        "1.0",
        {"shell_plugin": SHELL_PLUGIN},
        {"taskplug": {"shell": "shell_plugin"}},
    )
    make_plugin_dist(
        "greedy-plugin",
        "6.6",
        {"greedy_plugin": GREEDY_PLUGIN},
        {"taskplug": {"greedy": "greedy_plugin"}},
    )
    with fresh_plugin_manager() as pm:
        yield pm


def _tasks() -> tuple[Any, Any, Any]:
    from greedy_plugin import GreedyConfig  # type: ignore[import-not-found]
    from shell_plugin import Shell  # type: ignore[import-not-found]

    def hello(name: str) -> str:
        return name  # never runs: the shell task type runs its script

    def plain(a: int) -> int:
        return a

    def grab(a: int) -> int:
        return a

    shell = task(task_config=Shell("echo hi {name}", env={"LANG": "C"}))(hello)
    return shell, task(plain), task(task_config=GreedyConfig())(grab)


def test_a_greedy_plugin_cannot_take_over_other_templates(shell_and_greedy):
    shell, plain, greedy = _tasks()
    shell_t, plain_t, greedy_t = (serialize(t, SETTINGS) for t in (shell, plain, greedy))
    assert shell_t.type == "shell"
    assert dict(shell_t.custom) == {"script": "echo hi {name}", "env": {"LANG": "C"}}
    assert not shell_t.config  # the greedy config went nowhere near it
    assert not plain_t.HasField("custom") and not plain_t.config
    assert dict(greedy_t.custom) == {"greedy": True} and dict(greedy_t.config) == {"greedy": "yes"}
    # every one of them still gets its container from the built-in plugin (inherited)
    assert all(t.HasField("container") for t in (shell_t, plain_t, greedy_t))
    assert shell(name="ann") == "echo hi ann"  # its own execute, config-only body


def test_registrations_are_attributed_to_the_entry_point(shell_and_greedy):
    owners = {t.task_type: t.plugin for t in shell_and_greedy.task_types}
    assert owners["shell"] == "shell" and owners["greedy"] == "greedy"
    # (other plugins may register classes of type "python-task" too, e.g. eager tasks)
    assert any(
        t.task_type == "python-task" and t.plugin == "container"
        for t in shell_and_greedy.task_types
    )


def test_a_plugin_answering_owned_hooks_for_nothing_is_warned_about():
    class Idle:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_get_custom(self, task, settings):
            return {"x": 1}

    with fresh_plugin_manager(Idle()) as pm, pytest.warns(PluginWarning) as caught:
        _ = pm.task_types
    assert "implements taskplug_get_custom but registers no task type" in str(caught[0].message)


# -- services ---------------------------------------------------------------------------------


class _Tagged:
    """Serves every task that has the label ``tagged``."""

    TASKPLUG_API_VERSION = "1.0"

    def __init__(self, name: str = "tagged") -> None:
        self.label = name

    @hookimpl
    def taskplug_register_task_types(self, registry):
        registry.serve(
            lambda t: "tagged" in t.labels,
            hooks=("taskplug_get_config",),
            description="tasks labelled tagged",
        )

    @hookimpl
    def taskplug_get_config(self, task, settings):
        return {"served-by": self.label}


def _labelled() -> Any:
    def fn(a: int) -> int:
        return a

    return PythonFunctionTask(None, fn, labels={"tagged": "1"})


def test_a_service_answers_for_tasks_it_did_not_register():
    with fresh_plugin_manager(_Tagged()):
        assert dict(serialize(_labelled(), SETTINGS).config) == {"served-by": "tagged"}
        assert not serialize(task(_plain_fn), SETTINGS).config


def _plain_fn(a: int) -> int:
    return a


def test_two_services_for_the_same_task_and_hook_name_both_plugins():
    with fresh_plugin_manager(_Tagged("one"), _Tagged("two")) as pm:
        names = [n for n in pm.infos if "_Tagged" in n]
        with pytest.raises(PluginError, match=r"both serve taskplug_get_config") as info:
            serialize(_labelled(), SETTINGS)
    assert all(n in str(info.value) for n in names)


def test_serve_refuses_hooks_that_are_not_owned():
    class Bad:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.serve(lambda t: True, hooks=["taskplug_pre_execute"], description="x")

    with fresh_plugin_manager(Bad()) as pm, pytest.warns(PluginWarning, match="owned hooks"):
        _ = pm.task_types
    assert next(i for i in pm.infos.values() if "Bad" in i.name).status == "refused"


def test_registry_add_refuses_a_class_that_is_not_a_task():
    class NotATask:
        pass

    class Bad:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.add(NotATask)

    with fresh_plugin_manager(Bad()) as pm, pytest.warns(PluginWarning) as caught:
        _ = pm.task_types
    message = str(caught[0].message)
    assert "Bad" in message and "subclass of taskplug.PythonTask" in message
    assert "NotATask" in message


# -- checked answers --------------------------------------------------------------------------


class _Answers(PythonFunctionTask[Any]):
    task_type = "answers"


def _answering(hook: str, answer: Any) -> object:
    class Plugin:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.add(_Answers)

    def impl(self: Any, task: Any, settings: Any) -> Any:
        return answer

    setattr(Plugin, hook, hookimpl(impl, specname=hook))
    return Plugin()


def _answers_task() -> Any:
    def fn(a: int) -> int:
        return a

    return _Answers(None, fn)


@pytest.mark.parametrize(
    ("hook", "answer", "fragments"),
    [
        (
            "taskplug_get_custom",
            {"path": Path("/tmp/x"), "tags": {"a"}},
            ["PosixPath", "custom['path']", "JSON-compatible"],
        ),
        (
            "taskplug_get_custom",
            {"nested": {"when": datetime.date(2024, 1, 1)}},
            ["date", "custom['nested']['when']"],
        ),
        ("taskplug_get_custom", ["not", "a", "dict"], ["a list as custom", "return a dict"]),
        ("taskplug_get_custom", {1: "x"}, ["key 1", "JSON-compatible"]),
        ("taskplug_get_custom", {"x": float("nan")}, ["non-finite float", "custom['x']"]),
        ("taskplug_get_config", {"retries": 3}, ["int (3) at config['retries']", "str()"]),
        ("taskplug_get_config", "fast", ["a str as config", "dict of str to str"]),
        ("taskplug_get_container", tasks_pb2.K8sPod(), ["K8sPod", "tasks_pb2.Container"]),
        ("taskplug_get_sql", {"statement": "select 1"}, ["a builtins.dict", "tasks_pb2.Sql"]),
    ],
)
def test_wrong_answers_name_plugin_dist_hook_key_and_fix(hook, answer, fragments):
    plugin = _answering(hook, answer)
    with fresh_plugin_manager() as pm:
        info = pm.register_plugin(plugin, name="answers", dist="answers-dist", version="0.3")
        assert info.status == "loaded"
        with pytest.raises(PluginAnswerError) as caught:
            serialize(_answers_task(), SETTINGS)
    err = caught.value
    message = str(err)
    assert message.startswith(f"plugin 'answers' (answers-dist==0.3) hook {hook} answered")
    assert "task 'test_contract.fn'" in message
    for fragment in fragments:
        assert fragment in message
    assert isinstance(err, PluginHookError) and isinstance(err, TypeError)
    assert (err.hook, err.dist) == (hook, "answers-dist==0.3")


def test_a_task_class_method_answering_wrongly_is_named():
    class Own(PythonFunctionTask[None]):
        def get_config(self, settings: Any) -> Any:
            return {"n": 1}

    def fn(a: int) -> int:
        return a

    with pytest.raises(PluginAnswerError, match=r"task class .*Own\.get_config\(\) returned"):
        serialize(Own(None, fn), SETTINGS)


def test_a_task_nobody_owns_and_without_target_is_refused(monkeypatch):
    monkeypatch.setenv(ENV_DISABLE, "container")
    with fresh_plugin_manager() as pm:
        assert pm.infos["container"].status == "disabled"
        with pytest.raises(PluginError) as info:
            serialize(task(_plain_fn), SETTINGS)
    message = str(info.value)
    assert "no plugin owns task type PythonFunctionTask ('python-task')" in message
    assert "'container' (taskplug==" in message and "disabled" in message


# -- who is to blame for a bad output ---------------------------------------------------------


class _Wrong(PythonFunctionTask[Any]):
    task_type = "wrong"


def test_a_plugin_execute_with_a_wrong_output_is_the_plugins_fault(make_plugin_dist):
    source = SHELL_PLUGIN.replace(
        "return self.task_config.script.format(**kwargs)", "return 42  # declared str"
    )
    make_plugin_dist(
        "shell-plugin", "1.0", {"shell_plugin": source}, {"taskplug": {"shell": "shell_plugin"}}
    )
    with fresh_plugin_manager():
        shell, _, _ = _tasks_shell_only()
        with pytest.raises(PluginAnswerError) as info:
            shell(name="x")
    message = str(info.value)
    assert message.startswith(
        "plugin 'shell' (shell-plugin==1.0) task type ShellTask: execute() returned"
    )
    assert "output 'o0'" in message and "expected a value of type str" in message
    assert info.value.hook == "execute"


def _tasks_shell_only() -> tuple[Any, None, None]:
    from shell_plugin import Shell  # type: ignore[import-not-found]

    def hello(name: str) -> str:
        return name

    return task(task_config=Shell("x"))(hello), None, None


def test_a_user_function_with_a_wrong_output_is_the_users_fault():
    from taskplug.errors import TypeTransformerFailedError

    def bad(a: int) -> str:
        return a  # type: ignore[return-value]

    with pytest.raises(TypeTransformerFailedError) as info:
        task(bad)(a=1)
    assert not isinstance(info.value, PluginError)


class _Replacer:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_post_execute(self, task, params, outputs):
        return "not an int"


def test_a_post_execute_hook_replacing_outputs_badly_is_named():
    with fresh_plugin_manager() as pm:
        pm.register_plugin(_Replacer(), name="replacer", dist="replacer-dist", version="2")
        with pytest.raises(PluginAnswerError) as info:
            task(_plain_fn)(a=1)
    message = str(info.value)
    assert message.startswith(
        "plugin 'replacer' (replacer-dist==2) hook taskplug_post_execute answered outputs that "
        "do not fit task 'test_contract._plain_fn', output 'o0'"
    )
    assert "return values of the task's declared output types, or None" in message


# -- what a platform plugin may set -----------------------------------------------------------


class _Platform:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_configure_task(self, task):
        task.environment = {**task.environment, "PLATFORM": "acme"}
        task.labels["team"] = "ml"
        task.annotations = {"acme.io/owner": "platform"}
        task.retries = max(task.retries, 1)
        task.timeout = 3600
        task.interruptible = True
        task.pod_template_name = "acme-default"
        if task.requests.mem is None:
            task.requests = Resources(cpu=task.requests.cpu, mem="1Gi")
        task.limits = Resources(mem="2Gi")
        task.container_image = "ghcr.io/acme/base:1"


def test_a_platform_plugin_sets_every_documented_attribute():
    with fresh_plugin_manager(_Platform()):
        t = task(_plain_fn)
        tt = serialize(t, SETTINGS)
    assert type(t) is PythonFunctionTask  # the guard is gone after the hook
    env = {e.key: e.value for e in tt.container.env}
    assert env["PLATFORM"] == "acme"
    assert dict(tt.metadata.metadata.labels) == {"team": "ml"}
    assert dict(tt.metadata.metadata.annotations) == {"acme.io/owner": "platform"}
    assert tt.metadata.retries.retries == 1 and tt.metadata.interruptible
    assert tt.metadata.timeout.seconds == 3600
    assert tt.metadata.pod_template_name == "acme-default"
    assert tt.container.image == "ghcr.io/acme/base:1"
    assert {r.value for r in tt.container.resources.requests} == {"1Gi"}
    assert {r.value for r in tt.container.resources.limits} == {"2Gi"}


@pytest.mark.parametrize(
    ("attribute", "value", "error", "fragment"),
    [
        ("label", {"a": "b"}, AttributeError, "'label' is not one of them"),
        ("env", {"A": "1"}, AttributeError, "'env' is not one of them"),
        ("environment", {"A": 1}, ValueError, "environment takes a dict of str to str"),
        ("retries", -1, ValueError, "retries takes an int >= 0"),
        ("requests", {"cpu": "1"}, ValueError, "requests takes a Resources object"),
    ],
)
def test_a_platform_plugin_setting_a_wrong_attribute_hears_about_it(
    attribute, value, error, fragment
):
    class Typo:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_configure_task(self, task):
            setattr(task, attribute, value)

    with fresh_plugin_manager() as pm:
        pm.register_plugin(Typo(), name="typo", dist="typo-dist", version="1")
        with pytest.raises(error, match=fragment) as info:
            task(_plain_fn)
    assert isinstance(info.value, PluginHookError)
    assert "plugin 'typo' (typo-dist==1) hook taskplug_configure_task" in str(info.value)


def test_outside_the_hook_tasks_accept_any_attribute():
    t = task(_plain_fn)
    t.anything = 1  # type: ignore[attr-defined]
    assert t.anything == 1  # type: ignore[attr-defined]


# -- the environment switches -----------------------------------------------------------------


@pytest.fixture
def two_entry_points(make_plugin_dist):
    make_plugin_dist(
        "shell-plugin",
        "1.0",
        {"shell_plugin": SHELL_PLUGIN},
        {"taskplug": {"shell": "shell_plugin"}},
    )
    make_plugin_dist(
        "greedy-plugin",
        "6.6",
        {"greedy_plugin": GREEDY_PLUGIN},
        {"taskplug": {"greedy": "greedy_plugin"}},
    )


@pytest.mark.parametrize("name", ["shell", "shell-plugin", "Shell_Plugin", "shell_plugin"])
def test_disable_takes_entry_point_distribution_or_module_names(
    two_entry_points, monkeypatch, name
):
    monkeypatch.setenv(ENV_DISABLE, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginWarning)
        pm = build_plugin_manager()
    assert pm.infos["shell"].status == "disabled" and not pm.has_plugin("shell")
    assert pm.has_plugin("greedy")


def test_disable_warns_about_a_name_that_matches_nothing(two_entry_points, monkeypatch):
    monkeypatch.setenv(ENV_DISABLE, "shel")
    with pytest.warns(PluginWarning, match=r"names 'shel'.*did you mean 'shell'"):
        pm = build_plugin_manager()
    assert pm.has_plugin("shell")
    with pytest.warns(PluginWarning), fresh_plugin_manager():
        result = CliRunner().invoke(cli, ["plugins"])
    assert "note: TASKPLUG_DISABLE_PLUGINS names 'shel'" in " ".join(result.output.split())


@pytest.mark.parametrize("name", ["shell", "shell-plugin", "shell_plugin"])
def test_load_takes_entry_point_distribution_or_module_names(two_entry_points, monkeypatch, name):
    monkeypatch.setenv(ENV_LOAD, name)
    pm = build_plugin_manager(autoload=False)
    loaded = [i for i in pm.infos.values() if i.module.startswith("shell_plugin")]
    assert len(loaded) == 1 and loaded[0].status == "loaded"
    assert loaded[0].dist_label == "shell-plugin==1.0"  # distribution info kept
    assert not pm.has_plugin("greedy")


def test_load_warns_about_a_name_that_matches_nothing(monkeypatch):
    monkeypatch.setenv(ENV_LOAD, "no_such_plugin_module")
    with pytest.warns(PluginWarning, match="no_such_plugin_module"):
        pm = build_plugin_manager()
    assert pm.infos["no_such_plugin_module"].status == "failed"


def test_using_the_config_of_a_refused_plugin_says_so(make_plugin_dist, monkeypatch):
    make_plugin_dist(
        "shell-plugin",
        "1.0",
        {"shell_plugin": SHELL_PLUGIN},
        {"taskplug": {"shell": "shell_plugin"}},
    )
    monkeypatch.setenv(ENV_DISABLE, "shell")
    with fresh_plugin_manager():
        from shell_plugin import Shell  # type: ignore[import-not-found]

        def hello(name: str) -> str:
            return name

        with pytest.raises(TypeError) as info:
            task(task_config=Shell("x"))(hello)
    message = str(info.value)
    assert (
        "plugin 'shell' (shell-plugin==1.0), which provides it, is installed but disabled"
        in message
    )
    assert "install the plugin" not in message


def test_taskplug_plugins_runs_whatever_plugins_are_broken(tmp_path):
    site = tmp_path / "site"
    from taskplug.testing import make_distribution

    make_distribution(
        site,
        "broken-plugin",
        "0.1",
        {"broken_plugin": "raise ImportError('x')\n"},
        {"taskplug": {"broken": "broken_plugin"}},
    )
    make_distribution(
        site,
        "typo-plugin",
        "0.2",
        {
            "typo_plugin": textwrap.dedent("""
        from taskplug.plugin import hookimpl
        TASKPLUG_API_VERSION = "1.0"
        @hookimpl
        def taskplug_get_custon(task, settings):
            return {}
        """)
        },
        {"taskplug": {"typo": "typo_plugin"}},
    )
    env = {"PYTHONPATH": str(site), "COLUMNS": "80", "PATH": "/usr/bin:/bin"}
    taskplug = str(Path(sys.executable).parent / "taskplug")
    proc = subprocess.run(
        [taskplug, "plugins"], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())  # as one line, whatever the wrapping
    assert "broken broken-plugin 0.1 failed" in out and "ImportError: x" in out
    assert "typo typo-plugin 0.2 refused" in out
    assert "taskplug_get_custon (did you mean taskplug_get_custom?)" in out
    assert "container taskplug" in out and "python-task (PythonFunctionTask)" in out
