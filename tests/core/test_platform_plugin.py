"""Platform policy through hooks: the order plugins' answers combine in, and a real platform
plugin distribution (examples/platform-plugin) installed into a throwaway virtual environment,
changing the templates of tasks defined in a module that knows nothing about it."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from taskplug import PolicyError, Resources, task
from taskplug.accelerators import A100, A100_80GB, H100, L4, T4
from taskplug.errors import PluginHookError
from taskplug.plugin import hookimpl
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.testing import fresh_plugin_manager
from taskplug.testing.venv import make_venv, run_checked, uv_command

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = SerializationSettings.for_tests()


def _gpu_task(**kwargs):
    @task(**kwargs)
    def train(x: int) -> int:
        return x

    return train


# ---------------------------------------------------------------------------------------------
# order of the answers
# ---------------------------------------------------------------------------------------------


def _recorder(label, log, *, action=None, **marks):
    class Plugin:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl(**marks)
        def taskplug_get_extended_resources(self, task, settings, proposal):
            log.append((label, proposal.accelerator))
            if action is not None:
                action(proposal)

    Plugin.__qualname__ = f"Plugin[{label}]"
    return Plugin()


def test_answers_combine_in_pluggy_order():
    log: list[tuple[str, object]] = []

    def set_l4(p):
        p.accelerator = L4

    def set_a100(p):
        p.accelerator = A100.partition_1g_5gb

    plugins = [
        _recorder("last", log, trylast=True),
        _recorder("plain-old", log, action=set_a100),
        _recorder("first", log, tryfirst=True),
        _recorder("plain-new", log, action=set_l4),
    ]
    with fresh_plugin_manager(*plugins):
        t = _gpu_task(limits=Resources(gpu=1))
        msg = t.get_extended_resources(SETTINGS)
    # tryfirst, then plain ones newest-registered first, then trylast; each sees the changes
    # of those before it; the last word is the last plain plugin to run (the oldest one).
    assert log == [
        ("first", None),
        ("plain-new", None),
        ("plain-old", L4),
        ("last", A100.partition_1g_5gb),
    ]
    assert msg.gpu_accelerator.device == "nvidia-tesla-a100"
    assert msg.gpu_accelerator.partition_size == "1g.5gb"


def test_policy_in_trylast_sees_defaults_of_other_plugins():
    class Defaults:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_get_extended_resources(self, proposal):
            if proposal.accelerator is None and proposal.gpu_count:
                proposal.accelerator = H100
            if proposal.shared_memory is None:
                proposal.shared_memory = "1Gi"

    class Policy:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl(trylast=True)
        def taskplug_get_extended_resources(self, proposal):
            acc = proposal.resolved_accelerator()
            if acc is not None and acc.device == "nvidia-h100":
                raise proposal.refuse("no H100 nodes in this cluster", rule="cluster-devices")
            if proposal.gpu_count > 4:
                raise proposal.refuse("at most 4 GPUs per task", rule="max-gpus")

    # Policy registered first, Defaults later: the order of registration does not matter
    # because the policy is trylast.
    with fresh_plugin_manager(Policy(), Defaults()):
        plain = _gpu_task()
        assert plain.get_extended_resources(SETTINGS).shared_memory.size_limit == "1Gi"
        with pytest.raises(PolicyError) as info:
            serialize(_gpu_task(limits=Resources(gpu=1)), SETTINGS)
        err = info.value
        assert isinstance(err, ValueError)
        assert isinstance(err, PluginHookError)
        assert err.rule == "cluster-devices"
        assert err.task is not None and err.task.endswith("train")
        assert "Policy" in str(err) and "no H100 nodes" in str(err)
        assert "[rule: cluster-devices]" in str(err)
        with pytest.raises(PolicyError, match="max-gpus"):
            serialize(_gpu_task(limits=Resources(gpu=8), accelerator=T4), SETTINGS)
        template = serialize(_gpu_task(limits=Resources(gpu=2), accelerator=T4), SETTINGS)
        assert template.extended_resources.gpu_accelerator.device == "nvidia-tesla-t4"


def test_proposal_adjusted_by_a_plugin_is_checked_against_the_catalogue():
    class Sloppy:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_get_extended_resources(self, proposal):
            proposal.accelerator = "nvidia-tesla-a100:9g.9gb"
            proposal.shared_memory = "a lot"

    with fresh_plugin_manager(Sloppy()), pytest.raises(PolicyError) as info:
        _gpu_task(limits=Resources(gpu=1)).get_extended_resources(SETTINGS)
    assert info.value.rule == "accelerator-partition-legal"


def test_string_accelerator_from_a_plugin_is_accepted():
    class ByName:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_get_extended_resources(self, proposal):
            proposal.accelerator = "nvidia-a100-80gb:7g.80gb"

    with fresh_plugin_manager(ByName()):
        msg = _gpu_task(limits=Resources(gpu=1)).get_extended_resources(SETTINGS)
    assert msg.gpu_accelerator == A100_80GB.partition_7g_80gb.to_flyte_idl()


def test_configure_task_defaults_are_validated_at_declaration():
    class Declare:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_configure_task(self, task):
            if task.accelerator is None:
                task.accelerator = "nvidia-tesla-a100:1g.5gb"
            task.shared_memory = task.shared_memory or "512Mi"

    with fresh_plugin_manager(Declare()):
        t = _gpu_task(limits=Resources(gpu=1))
        assert t.accelerator == A100.partition_1g_5gb  # normalized by the second validation
        assert t.shared_memory == "512Mi"
        with pytest.raises(PolicyError, match="accelerator-needs-gpu"):
            _gpu_task(limits=Resources(gpu=0))


def test_no_hooks_no_extended_resources():
    with fresh_plugin_manager():
        template = serialize(_gpu_task(), SETTINGS)
    assert not template.HasField("extended_resources")


# ---------------------------------------------------------------------------------------------
# the example platform plugin, installed as a real distribution
# ---------------------------------------------------------------------------------------------

TASKS_MODULE = '''
"""Tasks written by a user who has never heard of ACME's platform plugin."""
from taskplug import Resources, task
from taskplug.accelerators import A100_80GB, H100, GPUAccelerator


@task
def plain(x: int) -> int:
    return x


@task(limits=Resources(gpu=1))
def any_gpu(x: int) -> int:
    return x


@task(limits=Resources(gpu=1), accelerator=A100_80GB.partition_1g_10gb, shared_memory="2Gi")
def sliced(x: int) -> int:
    return x


@task(limits=Resources(gpu=2), accelerator=GPUAccelerator("amd-instinct-mi300x"))
def on_amd(x: int) -> int:
    return x


@task(limits=Resources(gpu=1), accelerator=H100)
def on_h100(x: int) -> int:
    return x
'''

CHECK_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from google.protobuf.json_format import MessageToDict
import taskplug
from taskplug.accelerators import catalogue
from taskplug.errors import PolicyError
from taskplug.extended_resources import ExtendedResourcesProposal
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings

import user_tasks

settings = SerializationSettings.for_tests()
out = {"templates": {}, "errors": {}}
for name in ("plain", "any_gpu", "sliced", "on_amd", "on_h100"):
    t = getattr(user_tasks, name)
    try:
        tt = serialize(t, settings)
        out["templates"][name] = MessageToDict(tt.extended_resources)
    except PolicyError as exc:
        out["errors"][name] = {"rule": exc.rule, "task": exc.task, "message": str(exc)}
try:
    from taskplug import Resources, task

    @task(limits=Resources(gpu=16))
    def greedy(x: int) -> int:
        return x
except PolicyError as exc:
    out["errors"]["greedy"] = {"rule": exc.rule, "task": exc.task, "message": str(exc)}
req = ExtendedResourcesProposal.from_task(user_tasks.on_amd).pod_requirements()
out["amd_pod"] = req.to_dict()
out["t4_pod"] = catalogue().pod_requirements("nvidia-tesla-t4", 1).to_dict()
info = taskplug.get_plugin_manager().infos["acme-platform"]
out["plugin"] = {"dist": info.dist, "version": info.version, "hooks": info.hooks}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def platform_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if uv_command() is None:
        pytest.skip("uv is not installed (needed to install the example into a throwaway venv)")
    return make_venv(
        tmp_path_factory.mktemp("platform-venv") / "env",
        str(ROOT / "packages" / "core"),
        str(ROOT / "examples" / "platform-plugin"),
    )


@pytest.mark.slow
def test_installed_platform_plugin_changes_tasks_it_never_saw(platform_venv: Path, tmp_path: Path):
    (tmp_path / "user_tasks.py").write_text(TASKS_MODULE)
    out = json.loads(run_checked([str(platform_venv), "-c", CHECK_SCRIPT, str(tmp_path)]).stdout)

    assert out["plugin"] == {
        "dist": "acme-taskplug-platform",
        "version": "1.0.0",
        "hooks": [
            "taskplug_configure_task",
            "taskplug_get_extended_resources",
            "taskplug_register_accelerators",
        ],
    }
    templates, errors = out["templates"], out["errors"]
    assert templates["plain"] == {}  # no GPU: untouched
    # default accelerator and shared memory for a GPU task that names no device
    assert templates["any_gpu"] == {
        "gpuAccelerator": {"device": "nvidia-tesla-t4"},
        "sharedMemory": {"mountPath": "/dev/shm", "mountName": "flyte-shared-memory"},
    }
    # the task's own choices are kept
    assert templates["sliced"] == {
        "gpuAccelerator": {"device": "nvidia-a100-80gb", "partitionSize": "1g.10gb"},
        "sharedMemory": {
            "mountPath": "/dev/shm",
            "mountName": "flyte-shared-memory",
            "sizeLimit": "2Gi",
        },
    }
    # a device only the plugin knows
    assert templates["on_amd"]["gpuAccelerator"] == {"device": "amd-instinct-mi300x"}
    assert out["amd_pod"] == {
        "resources": {"requests": {"amd.com/gpu": "2"}, "limits": {"amd.com/gpu": "2"}},
        "nodeSelector": {"amd.com/gpu.product-name": "amd-instinct-mi300x"},
        "tolerations": [{"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
    }
    # the cluster's node label for NVIDIA devices
    assert out["t4_pod"]["nodeSelector"] == {"nvidia.com/gpu.accelerator": "nvidia-tesla-t4"}
    # a device the cluster does not have: refused at serialization
    refusal = errors["on_h100"]
    assert refusal["rule"] == "acme-cluster-devices"
    assert refusal["task"] == "user_tasks.on_h100"
    assert "acme-platform" in refusal["message"]
    assert "'nvidia-h100' is not available" in refusal["message"]
    # too many GPUs: refused at declaration
    greedy = errors["greedy"]
    assert greedy["rule"] == "acme-max-gpus"
    assert greedy["task"].endswith("greedy")
    assert "16 GPUs" in greedy["message"]


@pytest.mark.slow
def test_without_the_plugin_the_same_tasks_serialize_as_written(platform_venv: Path):
    proc = subprocess.run(
        [
            str(platform_venv),
            "-c",
            textwrap.dedent("""
            from taskplug import Resources, task
            from taskplug.serialization import serialize
            from taskplug.settings import SerializationSettings
            @task(limits=Resources(gpu=1))
            def any_gpu(x: int) -> int:
                return x
            tt = serialize(any_gpu, SerializationSettings.for_tests())
            print(tt.HasField("extended_resources"))
            """),
        ],
        capture_output=True,
        text=True,
        env={"TASKPLUG_DISABLE_PLUGINS": "acme-platform", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_example_plugin_source_is_small_and_declares_its_api_version():
    source = (ROOT / "examples/platform-plugin/src/acme_platform/__init__.py").read_text()
    assert 'TASKPLUG_API_VERSION = "1.0"' in source
    assert len(source.splitlines()) < 100
    pyproject = (ROOT / "examples/platform-plugin/pyproject.toml").read_text()
    assert 'build-backend = "hatchling.build"' in pyproject
    assert '[project.entry-points.taskplug]\nacme-platform = "acme_platform"' in pyproject


def test_fractional_gpu_without_accelerator_is_not_the_hooks_business():
    seen = []

    class Watch:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_get_extended_resources(self, proposal):
            seen.append(proposal.gpu_count)

    with fresh_plugin_manager(Watch()):
        t = _gpu_task(limits=Resources(gpu="500m"))
        assert t.get_extended_resources(SETTINGS) is None
    assert seen == [1]  # rounded up for policy code


@pytest.mark.slow
def test_installed_platform_plugin_imports_lightly(platform_venv: Path):
    out = run_checked(
        [
            str(platform_venv),
            "-c",
            "from taskplug.testing import check_import_budget; "
            "print(len(check_import_budget('acme_platform').new_modules))",
        ]
    ).stdout
    assert int(out) <= 80
