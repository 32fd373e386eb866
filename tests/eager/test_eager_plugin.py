"""The eager plugin on the public contract: entry point, task types, backend hook, templates."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import eager_tasks as et
import pytest

from taskplug.errors import DuplicateRegistrationError
from taskplug.plugin import hookimpl
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.testing import check_import_budget, check_template_roundtrip
from taskplug_eager import (
    Backend,
    EagerFailureHandlerTask,
    backend_registry,
    eager_failure_task_resolver,
    eager_settings,
    recording,
)
from taskplug_eager.backends.local import LocalBackend


def test_the_plugin_loads_from_its_entry_point_and_owns_its_task_types(taskplug_pm):
    info = taskplug_pm.infos["eager"]
    assert info.dist == "taskplug-eager" and info.status == "loaded"
    assert "taskplug_eager_register_backends" in info.hooks
    registry = taskplug_pm.task_types
    assert registry.owner_of_class(type(et.mixed)).plugin == "eager"
    assert registry.owner_of_class(EagerFailureHandlerTask).plugin == "eager"
    assert {b.name for b in backend_registry()} >= {"local", "process", "ray"}


def test_plugin_source_uses_only_the_public_contract():
    import pathlib

    import taskplug_eager

    root = pathlib.Path(taskplug_eager.__file__).parent
    offenders = [
        f"{p.name}: {line.strip()}"
        for p in root.rglob("*.py")
        for line in p.read_text().splitlines()
        if ("from taskplug._" in line or "import taskplug._" in line)
    ]
    assert offenders == []


def test_loading_the_plugin_is_cheap_and_imports_no_ray():
    check_import_budget("taskplug_eager.plugin")
    code = (
        "import sys, asyncio, taskplug, taskplug_eager; taskplug.get_plugin_manager();"
        "sys.path.insert(0, sys.argv[1]); import eager_tasks as et;"
        "from taskplug_eager import eager_settings;"
        "import taskplug_eager.settings as s;"
        "assert asyncio.run(et.inner(x=1)) == 101;"
        "print('ray' in sys.modules)"
    )
    import pathlib

    out = subprocess.run(
        [sys.executable, "-c", code, str(pathlib.Path(et.__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_taskplug_eager_export_names_the_extra_when_the_plugin_is_missing():
    code = (
        "import sys; sys.modules['taskplug_eager'] = None\n"
        "try:\n    from taskplug import eager\n"
        "except ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'taskplug[eager]'" in out.stdout and "taskplug-eager" in out.stdout


class InlineBackend(LocalBackend):
    name = "inline-test"


class BackendPlugin:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_eager_register_backends(self, backends):
        backends.add("inline-test", InlineBackend, description="a test backend")


class ClashingPlugin:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_eager_register_backends(self, backends):
        backends.add("local", InlineBackend)


def test_a_third_party_backend_plugs_in_through_the_hook(taskplug_pm):
    taskplug_pm.register_plugin(BackendPlugin(), name="inline-backend")
    entry = backend_registry().get("inline-test")
    assert entry.plugin == "inline-backend" and entry.description == "a test backend"
    with eager_settings(backend="inline-test"), recording() as runs:
        assert asyncio.run(et.inner(x=5)) == 105
    assert runs[0].backend == "inline-test"
    assert isinstance(entry.create(runs and eager_settings_now()), Backend)


def eager_settings_now():
    from taskplug_eager import current_settings

    return current_settings()


def test_a_backend_name_registered_twice_names_both_plugins(taskplug_pm):
    taskplug_pm.register_plugin(ClashingPlugin(), name="clash")
    with pytest.raises(DuplicateRegistrationError) as info:
        backend_registry()
    assert "'eager'" in str(info.value) and "'clash'" in str(info.value)


def test_eager_task_template(taskplug_pm):
    ss = SerializationSettings.for_tests()
    template = check_template_roundtrip(et.mixed, ss)
    assert template.type == "python-task"
    assert template.metadata.is_eager and template.metadata.generates_deck.value
    args = list(template.container.args)
    assert args[-4:] == ["task-module", "eager_tasks", "task-name", "mixed"]


def test_failure_handler_template_and_resolver(taskplug_pm):
    handler = EagerFailureHandlerTask(name="m.wf-cleanup", inputs={"x": int})
    template = serialize(handler, SerializationSettings.for_tests())
    assert template.type == "eager_failure_handler_task"
    assert list(template.interface.inputs.variables) == ["x"]
    args = list(template.container.args)
    assert args[args.index("--resolver") + 1] == eager_failure_task_resolver.location
    assert args[-3:] == ["eager", "failure", "handler"]
    loaded = eager_failure_task_resolver.load_task(["eager", "failure", "handler"])
    assert isinstance(loaded, EagerFailureHandlerTask) and loaded.name == (
        "no_input_default_cleanup_task"
    )
    assert eager_failure_task_resolver.name() == "eager_failure_task_resolver"
    assert eager_failure_task_resolver.get_all_tasks() == []
    with pytest.raises(LookupError):
        eager_failure_task_resolver.load_task(["something", "else"])


def test_run_record_round_trips_through_json():
    from taskplug_eager import RunRecord

    with eager_settings(backend="local"), recording() as runs:
        asyncio.run(et.mixed(n=1))
    data = json.loads(runs[0].to_json())
    again = RunRecord.from_dict(data)
    assert again.to_dict() == runs[0].to_dict()


def test_settings_reach_an_eager_container_through_f_ss_c(monkeypatch: pytest.MonkeyPatch):
    from taskplug_eager import current_settings
    from taskplug_eager.settings import serialized_context

    ss = SerializationSettings.for_tests(version="v-from-template")
    template = serialize(et.mixed, ss)
    env = {kv.key: kv.value for kv in template.container.env}
    assert env["_F_SS_C"] == serialized_context(ss)
    monkeypatch.setenv("_F_SS_C", env["_F_SS_C"])
    assert current_settings().version == "v-from-template"
