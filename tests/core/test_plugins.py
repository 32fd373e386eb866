"""The plugin system: discovery, explicit loading, API versions, errors, registries, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import traceback
import warnings

import pytest
from click.testing import CliRunner

from taskplug import _manager
from taskplug.cli import main as cli
from taskplug.errors import (
    DuplicateRegistrationError,
    IncompatiblePluginError,
    PluginHookError,
    PluginLoadError,
)
from taskplug.plugin import PluginWarning, hookimpl
from taskplug.tasks.function import PythonFunctionTask
from taskplug.testing import fresh_plugin_manager

GOOD_PLUGIN = """
from taskplug import PythonFunctionTask
from taskplug.plugin import hookimpl
TASKPLUG_API_VERSION = "1.0"

class GoodConfig:
    pass

class GoodTask(PythonFunctionTask):
    task_type = "good"

@hookimpl
def taskplug_register_task_types(registry):
    registry.add(GoodTask, config_type=GoodConfig)

@hookimpl
def taskplug_get_config(task, settings):
    return {"from": "good"}
"""


def _good_task():
    from good_plugin import GoodConfig  # type: ignore[import-not-found]

    from taskplug import task

    def fn(a: int) -> int:
        return a

    return task(task_config=GoodConfig())(fn)


def test_builtin_container_plugin_loads_through_its_entry_point(taskplug_pm):
    info = taskplug_pm.infos["container"]
    assert info.status == "loaded"
    assert info.dist == "taskplug"
    assert info.version
    assert info.module == "taskplug.builtin.container"
    assert "taskplug_register_task_types" in info.hooks
    from taskplug.tasks.function import PythonFunctionTask

    assert PythonFunctionTask in {t.task_class for t in taskplug_pm.task_types}


def test_third_party_plugin_discovered_from_entry_point(make_plugin_dist):
    make_plugin_dist(
        "good-plugin", "2.3", {"good_plugin": GOOD_PLUGIN}, {"taskplug": {"good": "good_plugin"}}
    )
    with fresh_plugin_manager() as pm:
        info = pm.infos["good"]
        assert (info.dist, info.version, info.status) == ("good-plugin", "2.3", "loaded")
        assert info.hooks == ["taskplug_get_config", "taskplug_register_task_types"]
        assert pm.hooks.get_config(_good_task(), settings=None) == {"from": "good"}  # type: ignore[arg-type]
        assert pm.task_types.owner_of_class(type(_good_task())).plugin == "good"


def test_autoload_switch_skips_third_party_but_keeps_builtins(make_plugin_dist, monkeypatch):
    make_plugin_dist(
        "good-plugin", "2.3", {"good_plugin": GOOD_PLUGIN}, {"taskplug": {"good": "good_plugin"}}
    )
    monkeypatch.setenv(_manager.ENV_DISABLE_AUTOLOAD, "1")
    with fresh_plugin_manager() as pm:
        assert "good" not in pm.infos
        assert pm.has_plugin("container")
        # ... and a named plugin can still be loaded explicitly
        info = _manager.load_plugin("good")
        assert info.status == "loaded" and pm.has_plugin("good")


def test_plugin_named_in_env_is_loaded(make_plugin_dist, monkeypatch):
    make_plugin_dist("good-plugin", "2.3", {"good_plugin": GOOD_PLUGIN})  # no entry point
    monkeypatch.setenv(_manager.ENV_LOAD, "good_plugin")
    with fresh_plugin_manager() as pm:
        assert pm.infos["good_plugin"].status == "loaded"
        assert pm.infos["good_plugin"].dist == "good-plugin"


def test_disable_list_skips_a_plugin(make_plugin_dist, monkeypatch):
    make_plugin_dist(
        "good-plugin", "2.3", {"good_plugin": GOOD_PLUGIN}, {"taskplug": {"good": "good_plugin"}}
    )
    monkeypatch.setenv(_manager.ENV_DISABLE, "good")
    with fresh_plugin_manager() as pm:
        assert not pm.has_plugin("good")
        assert pm.infos["good"].status == "disabled"


def test_plugin_failing_to_import_is_refused_with_its_distribution(make_plugin_dist):
    make_plugin_dist(
        "broken-plugin",
        "0.9",
        {"broken_plugin": "import does_not_exist_anywhere\n"},
        {"taskplug": {"broken": "broken_plugin"}},
    )
    with pytest.warns(PluginWarning) as caught:
        pm = _manager.build_plugin_manager()
    info = pm.infos["broken"]
    assert (info.status, info.dist_label) == ("failed", "broken-plugin==0.9")
    msg = str(caught[0].message)
    assert "'broken'" in msg and "broken-plugin==0.9" in msg
    assert "ModuleNotFoundError" in msg and "TASKPLUG_DISABLE_PLUGINS=broken" in msg
    assert pm.has_plugin("container")  # everything else works


def test_strict_mode_raises_for_a_failing_plugin(make_plugin_dist, monkeypatch):
    make_plugin_dist(
        "broken-plugin",
        "0.9",
        {"broken_plugin": "import does_not_exist_anywhere\n"},
        {"taskplug": {"broken": "broken_plugin"}},
    )
    monkeypatch.setenv(_manager.ENV_STRICT, "1")
    with pytest.raises(PluginLoadError) as info:
        _manager.build_plugin_manager()
    msg = str(info.value)
    assert "'broken'" in msg and "broken-plugin==0.9" in msg
    assert "TASKPLUG_DISABLE_PLUGINS=broken" in msg
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


@pytest.mark.parametrize(
    ("declared", "fragment"),
    [
        (None, "does not declare TASKPLUG_API_VERSION"),
        ('"2.0"', "targets taskplug hook API 2.0, newer than"),
        ('"1.99"', "targets taskplug hook API 1.99, newer than"),
        ('"0.9"', "written for taskplug hook API 0.9, older than"),
        ('"one"', "must look like 'MAJOR.MINOR'"),
    ],
)
def test_incompatible_plugin_is_refused_not_fatal(make_plugin_dist, declared, fragment):
    source = GOOD_PLUGIN.replace(
        'TASKPLUG_API_VERSION = "1.0"',
        "" if declared is None else f"TASKPLUG_API_VERSION = {declared}",
    )
    make_plugin_dist(
        "old-plugin", "0.1", {"old_plugin": source}, {"taskplug": {"old": "old_plugin"}}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fresh_plugin_manager() as pm:
            assert not pm.has_plugin("old")
            assert pm.infos["old"].status == "refused"
            assert fragment in pm.infos["old"].reason
            assert pm.has_plugin("container")  # the rest keeps working
    assert any("old-plugin==0.1" in str(w.message) and fragment in str(w.message) for w in caught)
    advice = pm.infos["old"].reason
    if declared == '"0.9"':
        assert "upgrade the plugin" in advice and "upgrade taskplug" not in advice
    elif declared in ('"2.0"', '"1.99"'):
        assert "upgrade taskplug" in advice


def test_explicit_load_of_incompatible_plugin_raises(make_plugin_dist, taskplug_pm):
    source = GOOD_PLUGIN.replace('"1.0"', '"3.1"')
    make_plugin_dist("new-plugin", "5.0", {"new_plugin": source})
    with pytest.raises(IncompatiblePluginError, match=r"new-plugin==5.0.*3\.1"):
        _manager.load_plugin("new_plugin")


class _Raiser:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_configure_task(self, task):
        return {}["missing-key"]


def _declare():
    def fn(a: int) -> int:
        return a

    return PythonFunctionTask(None, fn)


def test_hook_error_names_plugin_dist_and_hook_and_keeps_type(taskplug_pm):
    taskplug_pm.register_plugin(_Raiser(), name="raiser", dist="raiser-dist", version="1.2")
    with pytest.raises(KeyError) as info:
        _declare()
    err = info.value
    assert isinstance(err, PluginHookError)
    assert str(err) == (
        "plugin 'raiser' (raiser-dist==1.2) hook taskplug_configure_task raised KeyError: "
        "'missing-key' — a bug in the plugin: report it to its authors (raiser-dist==1.2), or "
        "skip it with TASKPLUG_DISABLE_PLUGINS=raiser"
    )
    assert type(err.__cause__) is KeyError
    frames = traceback.extract_tb(err.__cause__.__traceback__)
    assert [f.name for f in frames] == ["taskplug_configure_task"]  # pluggy's frames trimmed
    assert err.hook == "taskplug_configure_task" and err.plugin == "'raiser'"


def test_hook_error_blames_the_right_plugin_among_several(taskplug_pm):
    class Quiet:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl(tryfirst=True)
        def taskplug_configure_task(self, task):
            return None

    taskplug_pm.register_plugin(Quiet(), name="quiet", dist="quiet-dist", version="1")
    taskplug_pm.register_plugin(_Raiser(), name="raiser", dist="raiser-dist", version="1.2")
    with pytest.raises(PluginHookError, match="plugin 'raiser' "):
        _declare()


def test_misspelled_hook_is_refused_with_did_you_mean(make_plugin_dist):
    source = GOOD_PLUGIN + "\n@hookimpl\ndef taskplug_get_custon(task, settings):\n    return {}\n"
    make_plugin_dist(
        "typo-plugin", "1.0", {"typo_plugin": source}, {"taskplug": {"typo": "typo_plugin"}}
    )
    with pytest.warns(PluginWarning) as caught:
        pm = _manager.build_plugin_manager()
    info = pm.infos["typo"]
    assert info.status == "refused" and not pm.has_plugin("typo")
    assert "taskplug_get_custon (did you mean taskplug_get_custom?)" in info.reason
    msg = str(caught[0].message)
    assert "'typo' (typo-plugin==1.0)" in msg and "TASKPLUG_DISABLE_PLUGINS=typo" in msg
    assert pm.has_plugin("container")


def test_wrong_hook_argument_name_is_refused(make_plugin_dist):
    source = GOOD_PLUGIN.replace(
        "def taskplug_get_config(task, settings)", "def taskplug_get_config(task, setings)"
    )
    make_plugin_dist(
        "args-plugin", "1.0", {"args_plugin": source}, {"taskplug": {"args": "args_plugin"}}
    )
    with pytest.warns(PluginWarning, match=r"'args' \(args-plugin==1.0\).*setings"):
        pm = _manager.build_plugin_manager()
    assert pm.infos["args"].status == "refused" and not pm.has_plugin("args")
    assert "taskplug_get_config" in pm.infos["args"].reason


def test_duplicate_task_type_registration_names_both_sides(taskplug_pm):
    from taskplug.tasks.function import PythonFunctionTask

    class Config:
        pass

    class ATask(PythonFunctionTask):
        pass

    class BTask(PythonFunctionTask):
        pass

    class First:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.add(ATask, config_type=Config)

    class Second:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.add(BTask, config_type=Config)

    taskplug_pm.register_plugin(First(), name="first")
    assert taskplug_pm.hooks.task_class_for_config(Config()) is ATask
    taskplug_pm.register_plugin(Second(), name="second")
    with pytest.warns(PluginWarning) as caught:
        registry = taskplug_pm.task_types
    message = str(caught[0].message)
    assert "'first'" in message and "'second'" in message
    assert "ATask" in message and "BTask" in message
    assert taskplug_pm.infos["second"].status == "refused"  # the second claim is refused ...
    assert registry.task_class_for_config(Config()) is ATask  # ... the first one stands
    assert BTask not in {t.task_class for t in registry}


def test_duplicate_task_type_registration_raises_in_strict_mode(monkeypatch):
    from taskplug.tasks.function import PythonFunctionTask

    class Config:
        pass

    class Claim:
        TASKPLUG_API_VERSION = "1.0"

        def __init__(self, cls):
            self.cls = cls

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.add(self.cls, config_type=Config)

    a = type("ATask", (PythonFunctionTask,), {})
    b = type("BTask", (PythonFunctionTask,), {})
    with (
        fresh_plugin_manager(Claim(a), Claim(b), strict=True) as pm,
        pytest.raises(PluginLoadError) as info,
    ):
        _ = pm.task_types
    assert "ATask" in str(info.value) and "BTask" in str(info.value)
    assert isinstance(info.value.__cause__, DuplicateRegistrationError)


def test_plugin_can_add_its_own_hookspecs(taskplug_pm):
    import types

    from taskplug.hookspecs import hookspec

    specs = types.ModuleType("extra_specs")

    def taskplug_eager_backend(name):  # type: ignore[no-untyped-def]
        """A plugin-defined hook."""

    specs.taskplug_eager_backend = hookspec(firstresult=True)(taskplug_eager_backend)

    class Adder:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_add_hookspecs(self, pluginmanager):
            pluginmanager.add_hookspecs(specs)

    class Backend:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_eager_backend(self, name):
            return f"backend:{name}"

    taskplug_pm.register_plugin(Adder(), name="adder")
    taskplug_pm.register_plugin(Backend(), name="backend")
    taskplug_pm.check_pending()
    assert taskplug_pm.hook.taskplug_eager_backend(name="ray") == "backend:ray"


def test_cli_plugins_lists_dist_version_hooks_and_import_time(make_plugin_dist):
    make_plugin_dist(
        "good-plugin", "2.3", {"good_plugin": GOOD_PLUGIN}, {"taskplug": {"good": "good_plugin"}}
    )
    with fresh_plugin_manager():
        result = CliRunner().invoke(cli, ["plugins", "--json"])
        assert result.exit_code == 0, result.output
        rows = {row["name"]: row for row in json.loads(result.output)["plugins"]}
        assert rows["good"]["distribution"] == "good-plugin"
        assert rows["good"]["version"] == "2.3"
        assert rows["good"]["hooks"] == ["taskplug_get_config", "taskplug_register_task_types"]
        assert rows["good"]["task_types"] == ["good (GoodTask <- GoodConfig)"]
        assert rows["good"]["import_ms"] >= 0
        assert rows["container"]["distribution"] == "taskplug"
        table = CliRunner().invoke(cli, ["plugins"], env={"COLUMNS": "200"})
        assert table.exit_code == 0
        assert "good-plugin" in table.output and "get_config" in table.output
        assert " ms" in table.output


def test_import_taskplug_loads_no_heavy_module():
    heavy = [
        "kubernetes",
        "pandas",
        "pyarrow",
        "sqlalchemy",
        "ray",
        "cloudpickle",
        "grpc",
        "flyteidl",
        "google.protobuf",
        "fsspec",
        "click",
        "rich",
        "msgpack",
    ]
    code = (
        "import sys, taskplug; taskplug.get_plugin_manager(); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    timing = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import taskplug"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    imported = {line.split("|")[-1].strip() for line in timing.splitlines()[1:]}
    assert not {m for m in imported if m.split(".")[0] in {h.split(".")[0] for h in heavy[:7]}}
    assert "taskplug" in imported
