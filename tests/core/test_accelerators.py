"""Accelerators, MIG partitions, shared memory: objects, catalogue, validation, serialization."""

from __future__ import annotations

import subprocess
import sys

import pytest
from flyteidl.core import tasks_pb2

from taskplug import PolicyError, Resources, task
from taskplug.accelerators import (
    A100,
    A100_80GB,
    BUILTIN_ACCELERATORS,
    DEFAULT_DEVICE_NODE_LABEL,
    DEFAULT_PARTITION_NODE_LABEL,
    H100,
    H200,
    T4,
    V5E,
    AcceleratorCatalogue,
    GPUAccelerator,
    NodeSelectorRequirement,
    PodRequirements,
    Toleration,
    UnknownAcceleratorError,
    catalogue,
    to_accelerator,
)
from taskplug.errors import DuplicateRegistrationError, PluginHookError
from taskplug.extended_resources import ExtendedResourcesProposal
from taskplug.plugin import hookimpl
from taskplug.testing import fresh_plugin_manager

# ---------------------------------------------------------------------------------------------
# accelerator objects
# ---------------------------------------------------------------------------------------------


def test_constants_use_flytekit_device_strings():
    devices = {acc.device for acc in BUILTIN_ACCELERATORS}
    assert {
        "nvidia-a10g",
        "nvidia-l4",
        "nvidia-l4-vws",
        "nvidia-l40s",
        "nvidia-tesla-k80",
        "nvidia-tesla-m60",
        "nvidia-tesla-p4",
        "nvidia-tesla-p100",
        "nvidia-tesla-t4",
        "nvidia-tesla-v100",
        "nvidia-h100",
        "nvidia-h200",
        "nvidia-rtx-pro-6000",
        "nvidia-tesla-a100",
        "nvidia-a100-80gb",
        "tpu-v5-lite-podslice",
        "tpu-v5p-slice",
        "tpu-v6e-slice",
    } <= devices


def test_to_flyte_idl_whole_partition_unpartitioned():
    assert T4.to_flyte_idl() == tasks_pb2.GPUAccelerator(device="nvidia-tesla-t4")
    assert A100.to_flyte_idl().WhichOneof("partition_size_value") is None
    part = A100.partition_1g_5gb.to_flyte_idl()
    assert (part.device, part.partition_size) == ("nvidia-tesla-a100", "1g.5gb")
    whole = A100_80GB.unpartitioned.to_flyte_idl()
    assert whole.device == "nvidia-a100-80gb"
    assert whole.WhichOneof("partition_size_value") == "unpartitioned"
    assert whole.unpartitioned is True


def test_accelerators_are_values():
    assert A100.partition_2g_10gb == GPUAccelerator("nvidia-tesla-a100", "2g.10gb")
    assert A100.partitioned("2g.10gb") == A100.partition_2g_10gb
    assert hash(H100.unpartitioned) == hash(GPUAccelerator("nvidia-h100", unpartitioned=True))
    assert A100.partition_1g_5gb.unpartitioned == A100.unpartitioned
    assert A100.unpartitioned != A100
    assert repr(A100.partition_1g_5gb) == "GPUAccelerator('nvidia-tesla-a100', '1g.5gb')"
    with pytest.raises(ValueError, match="exclude each other"):
        GPUAccelerator("nvidia-h100", "1g.10gb", unpartitioned=True)
    with pytest.raises(ValueError, match="non-empty string"):
        GPUAccelerator("")


def test_declared_partitions():
    assert A100.declared_partitions == (
        "1g.5gb",
        "1g.10gb",
        "2g.10gb",
        "3g.20gb",
        "4g.20gb",
        "7g.40gb",
    )
    assert "7g.80gb" in A100_80GB.declared_partitions
    assert "1g.10gb" in H100.declared_partitions
    assert "7g.141gb" in H200.declared_partitions
    assert "2x4" in V5E.declared_partitions


def test_to_accelerator_accepts_strings_and_foreign_objects():
    assert to_accelerator("nvidia-tesla-t4") == T4
    assert to_accelerator("nvidia-tesla-a100:1g.5gb") == A100.partition_1g_5gb

    class Foreign:  # flytekit-style: only to_flyte_idl()
        def __init__(self, msg: tasks_pb2.GPUAccelerator) -> None:
            self.msg = msg

        def to_flyte_idl(self) -> tasks_pb2.GPUAccelerator:
            return self.msg

    assert to_accelerator(Foreign(tasks_pb2.GPUAccelerator(device="nvidia-l4"))) == GPUAccelerator(
        "nvidia-l4"
    )
    msg = tasks_pb2.GPUAccelerator(device="nvidia-h100", unpartitioned=True)
    assert to_accelerator(Foreign(msg)) == H100.unpartitioned
    msg = tasks_pb2.GPUAccelerator(device="nvidia-h100", partition_size="1g.10gb")
    assert to_accelerator(Foreign(msg)) == H100.partition_1g_10gb
    with pytest.raises(TypeError, match="GPUAccelerator"):
        to_accelerator(42)


# ---------------------------------------------------------------------------------------------
# the catalogue
# ---------------------------------------------------------------------------------------------


def test_builtin_catalogue_comes_from_the_builtin_plugin(taskplug_pm):
    info = taskplug_pm.infos["accelerators"]
    assert info.status == "loaded"
    assert info.dist == "taskplug"
    assert info.hooks == ["taskplug_register_accelerators"]
    cat = catalogue()
    assert len(cat) == len(BUILTIN_ACCELERATORS)
    for acc in BUILTIN_ACCELERATORS:
        spec = cat.device(acc.device)
        assert spec.plugin == "accelerators"
    assert cat.device("nvidia-tesla-a100").resource_name == "nvidia.com/gpu"
    assert cat.device("tpu-v6e-slice").resource_name == "google.com/tpu"
    parts = cat.partitions("nvidia-tesla-a100")
    assert parts["1g.5gb"].resource_name == "nvidia.com/mig-1g.5gb"
    assert parts["1g.5gb"].kind == "mig"
    assert cat.partitions("nvidia-tesla-t4") == {}
    assert cat.partitions("tpu-v5p-slice")["2x2x1"].kind == "slice"


def test_catalogue_is_built_once_per_manager_and_rebuilt_for_a_new_one(taskplug_pm):
    first = catalogue()
    assert catalogue() is first
    with fresh_plugin_manager() as pm2:
        assert pm2 is not taskplug_pm
        second = catalogue()
        assert second is not first
        assert catalogue() is second
    assert catalogue() is first


def test_catalogue_rebuilt_when_a_plugin_registers_later(taskplug_pm):
    first = catalogue()
    assert "acme-x1" not in first

    class Acme:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_accelerators(self, catalogue):
            catalogue.add_device("acme-x1", resource_name="acme.com/x")

    taskplug_pm.register_plugin(Acme(), name="acme")
    assert "acme-x1" in catalogue()


def test_build_is_lazy_and_import_is_cheap():
    code = (
        "import sys, taskplug, taskplug.accelerators as a\n"
        "from taskplug import _manager\n"
        "assert _manager._PM is None, 'plugin manager built at import'\n"
        "assert 'flyteidl.core.tasks_pb2' not in sys.modules, 'protobuf imported'\n"
        "import taskplug\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    code = (
        "import sys, taskplug\n"
        "assert 'taskplug.accelerators' not in sys.modules\n"
        "assert 'taskplug.extended_resources' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_open_catalogue_plugin_device_partitions_and_pod_requirements():
    class Amd:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_accelerators(self, catalogue):
            catalogue.add_device(
                "amd-instinct-mi300x",
                resource_name="amd.com/gpu",
                vendor="amd",
                node_label="amd.com/gpu.product-name",
                tolerations=[Toleration("amd.com/gpu")],
                partitions=["cpx"],
            )
            catalogue.add_partition("nvidia-h100", "1g.12gb", kind="mig")

    with fresh_plugin_manager(Amd()):
        cat = catalogue()
        assert cat.device("amd-instinct-mi300x").plugin.endswith("Amd")
        # added to a built-in device, whatever the order the plugins ran in
        assert cat.partitions("nvidia-h100")["1g.12gb"].plugin.endswith("Amd")

        @task(limits=Resources(gpu=2), accelerator=GPUAccelerator("amd-instinct-mi300x"))
        def on_amd(x: int) -> int:
            return x

        assert on_amd.accelerator == GPUAccelerator("amd-instinct-mi300x")
        req = cat.pod_requirements(on_amd.accelerator, 2)
        assert req == PodRequirements(
            resources={"amd.com/gpu": "2"},
            node_selector={"amd.com/gpu.product-name": "amd-instinct-mi300x"},
            tolerations=(Toleration("amd.com/gpu"),),
        )
        req = cat.pod_requirements(H100.partitioned("1g.12gb"))
        assert req.resources == {"nvidia.com/mig-1g.12gb": "1"}


def test_pod_requirements_whole_mig_unpartitioned_tpu(taskplug_pm):
    cat = catalogue()
    gpu = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    assert cat.pod_requirements(T4, 4).to_dict() == {
        "resources": {"requests": {"nvidia.com/gpu": "4"}, "limits": {"nvidia.com/gpu": "4"}},
        "nodeSelector": {DEFAULT_DEVICE_NODE_LABEL: "nvidia-tesla-t4"},
        "tolerations": [gpu],
    }
    mig = cat.pod_requirements(A100.partition_3g_20gb)
    assert mig.resources == {"nvidia.com/mig-3g.20gb": "1"}
    assert mig.node_selector == {
        DEFAULT_DEVICE_NODE_LABEL: "nvidia-tesla-a100",
        DEFAULT_PARTITION_NODE_LABEL: "3g.20gb",
    }
    whole = cat.pod_requirements(A100.unpartitioned)
    assert whole.node_affinity == (
        NodeSelectorRequirement(DEFAULT_PARTITION_NODE_LABEL, "DoesNotExist"),
    )
    manifest = whole.to_dict()["affinity"]["nodeAffinity"]
    terms = manifest["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [
        {"matchExpressions": [{"key": DEFAULT_PARTITION_NODE_LABEL, "operator": "DoesNotExist"}]}
    ]
    tpu = cat.pod_requirements(V5E.slice_2x4, 8)
    assert tpu.resources == {"google.com/tpu": "8"}
    assert tpu.node_selector == {
        "cloud.google.com/gke-tpu-accelerator": "tpu-v5-lite-podslice",
        "cloud.google.com/gke-tpu-topology": "2x4",
    }
    assert tpu.tolerations == (Toleration("google.com/tpu"),)
    with pytest.raises(ValueError, match="whole number >= 1"):
        cat.pod_requirements(T4, 0)


def test_cluster_settings_change_labels_and_mig_strategy():
    class Cluster:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl(trylast=True)
        def taskplug_register_accelerators(self, catalogue):
            catalogue.device_node_label = "nvidia.com/gpu.accelerator"
            catalogue.partition_node_label = "nvidia.com/gpu.partition"
            catalogue.mig_strategy = "single"

    with fresh_plugin_manager(Cluster()):
        req = catalogue().pod_requirements(A100_80GB.partition_1g_10gb)
        assert req.resources == {"nvidia.com/gpu": "1"}
        assert req.node_selector == {
            "nvidia.com/gpu.accelerator": "nvidia-a100-80gb",
            "nvidia.com/gpu.partition": "1g.10gb",
        }


def test_duplicate_device_names_both_plugins():
    class One:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_accelerators(self, catalogue):
            catalogue.add_device("nvidia-tesla-t4")

    with (
        fresh_plugin_manager(One()),
        pytest.raises(DuplicateRegistrationError) as info,
    ):
        catalogue()
    message = str(info.value)
    assert "'nvidia-tesla-t4' is registered twice" in message
    assert "'accelerators'" in message
    assert "One'" in message


def test_duplicate_partition_names_both_plugins():
    class Two:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_accelerators(self, catalogue):
            catalogue.add_partition("nvidia-tesla-a100", "1g.5gb", kind="mig")

    with fresh_plugin_manager(Two()), pytest.raises(DuplicateRegistrationError) as info:
        catalogue()
    assert "partition '1g.5gb'" in str(info.value)
    assert "'accelerators'" in str(info.value)
    assert "Two'" in str(info.value)


def test_broken_accelerator_plugin_is_named():
    class Broken:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_accelerators(self, catalogue):
            raise RuntimeError("boom")

    with fresh_plugin_manager(Broken()), pytest.raises(PluginHookError) as info:
        catalogue()
    assert isinstance(info.value, RuntimeError)
    assert "Broken" in str(info.value)
    assert "taskplug_register_accelerators raised RuntimeError: boom" in str(info.value)


def test_partition_of_a_device_nobody_registers():
    class Orphan:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_accelerators(self, catalogue):
            catalogue.add_partition("no-such-device", "x")

    with fresh_plugin_manager(Orphan()), pytest.raises(UnknownAcceleratorError) as info:
        catalogue()
    assert "Orphan" in str(info.value)
    assert "'no-such-device', which no plugin registers" in str(info.value)


def test_catalogue_registration_checks_names():
    cat = AcceleratorCatalogue()
    with pytest.raises(ValueError, match="invalid accelerator device name"):
        cat.add_device("bad name")
    with pytest.raises(ValueError, match="invalid Kubernetes resource name"):
        cat.add_device("ok", resource_name="not a resource")
    cat.add_device("ok", plugin="me")
    with pytest.raises(ValueError, match="invalid partition name"):
        cat.add_partition("ok", "", plugin="me")
    with pytest.raises(UnknownAcceleratorError, match="known devices: ok"):
        cat.device("other")


def test_empty_catalogue_when_builtin_plugin_disabled(monkeypatch):
    monkeypatch.setenv("TASKPLUG_DISABLE_PLUGINS", "accelerators")
    with fresh_plugin_manager():
        assert len(catalogue()) == 0
        with pytest.raises(PolicyError, match="accelerator-device-known"):

            @task(limits=Resources(gpu=1), accelerator=T4)
            def t(x: int) -> int:
                return x


# ---------------------------------------------------------------------------------------------
# declaration-time validation: each bad input is a PolicyError naming task and rule
# ---------------------------------------------------------------------------------------------


def _declare(**kwargs):
    @task(**kwargs)
    def my_task(x: int) -> int:
        return x

    return my_task


def test_unknown_partition_for_device(taskplug_pm):
    with pytest.raises(PolicyError) as info:
        _declare(limits=Resources(gpu=1), accelerator=A100.partitioned("9g.99gb"))
    err = info.value
    assert isinstance(err, ValueError)
    assert err.rule == "accelerator-partition-legal"
    assert err.task is not None and err.task.endswith("my_task")
    assert "legal partitions: 1g.10gb, 1g.5gb" in str(err)
    assert "my_task" in str(err)
    assert "[rule: accelerator-partition-legal]" in str(err)


def test_partition_on_device_that_cannot_be_split(taskplug_pm):
    with pytest.raises(PolicyError, match="cannot be partitioned") as info:
        _declare(limits=Resources(gpu=1), accelerator=T4.partitioned("1g.5gb"))
    assert info.value.rule == "accelerator-partition-legal"


def test_gpu_zero_with_accelerator(taskplug_pm):
    with pytest.raises(PolicyError, match="gpu=0") as info:
        _declare(limits=Resources(gpu=0), accelerator=T4)
    assert info.value.rule == "accelerator-needs-gpu"
    assert "my_task" in str(info.value)
    with pytest.raises(PolicyError, match="requests gpu=0"):
        _declare(requests=Resources(gpu="0"), accelerator=H100)


def test_fractional_gpu_count(taskplug_pm):
    with pytest.raises(PolicyError, match="not a whole number") as info:
        _declare(limits=Resources(gpu="500m"), accelerator=T4)
    assert info.value.rule == "gpu-count-whole"
    assert _declare(limits=Resources(gpu="1000m"), accelerator=T4).accelerator == T4  # = 1


def test_more_than_one_mig_partition(taskplug_pm):
    with pytest.raises(PolicyError, match="single MIG instance") as info:
        _declare(limits=Resources(gpu=2), accelerator=A100.partition_1g_5gb)
    assert info.value.rule == "mig-single-instance"
    # TPU slices are counted in chips: more than one is fine
    _declare(limits=Resources(gpu=4), accelerator=V5E.slice_2x2)


def test_shared_memory_not_a_quantity(taskplug_pm):
    with pytest.raises(PolicyError) as info:
        _declare(shared_memory="lots")
    assert info.value.rule == "shared-memory-quantity"
    assert "my_task" in str(info.value)
    assert "'lots'" in str(info.value)
    with pytest.raises(PolicyError, match="shared-memory-quantity"):
        _declare(shared_memory=1.5j)


def test_unknown_device_string(taskplug_pm):
    with pytest.raises(PolicyError) as info:
        _declare(limits=Resources(gpu=1), accelerator="nvidia-gtx-1080")
    err = info.value
    assert err.rule == "accelerator-device-known"
    assert "unknown accelerator device 'nvidia-gtx-1080'" in str(err)
    assert "nvidia-tesla-t4" in str(err)  # lists what is known
    assert "taskplug_register_accelerators" in str(err)  # says how to add one


def test_not_an_accelerator(taskplug_pm):
    with pytest.raises(PolicyError, match="accelerator-type"):
        _declare(limits=Resources(gpu=1), accelerator=3)


def test_valid_declarations_are_normalized(taskplug_pm):
    t = _declare(limits=Resources(gpu=1), accelerator="nvidia-tesla-a100:2g.10gb")
    assert t.accelerator == A100.partition_2g_10gb
    t = _declare(shared_memory=1024)
    assert t.shared_memory == "1024"
    t = _declare(accelerator=T4)  # no GPU count: accepted, as flytekit does
    assert t.accelerator is T4
    t = _declare(resources=Resources(gpu=("1", "1")), accelerator=H200.unpartitioned)
    assert t.accelerator == H200.unpartitioned


# ---------------------------------------------------------------------------------------------
# serialization (ExtendedResources)
# ---------------------------------------------------------------------------------------------


def test_extended_resources_serialized_like_flytekit(taskplug_pm):
    assert _declare().get_extended_resources(None) is None
    assert _declare(shared_memory=False).get_extended_resources(None) is None
    t = _declare(limits=Resources(gpu=1), accelerator=A100.partition_1g_5gb, shared_memory=True)
    msg = t.get_extended_resources(None)
    expected = tasks_pb2.ExtendedResources(
        gpu_accelerator=tasks_pb2.GPUAccelerator(
            device="nvidia-tesla-a100", partition_size="1g.5gb"
        ),
        shared_memory=tasks_pb2.SharedMemory(
            mount_path="/dev/shm", mount_name="flyte-shared-memory"
        ),
    )
    assert msg == expected
    t = _declare(shared_memory="2Gi")
    assert t.get_extended_resources(None).shared_memory.size_limit == "2Gi"
    t = _declare(limits=Resources(gpu=1), accelerator=A100_80GB.unpartitioned)
    assert t.get_extended_resources(None).gpu_accelerator.unpartitioned is True


def test_proposal_context_and_pod_requirements(taskplug_pm):
    t = _declare(requests=Resources(gpu=2), limits=Resources(gpu=2), accelerator=T4)
    proposal = ExtendedResourcesProposal.from_task(t)
    assert (proposal.gpu_requests, proposal.gpu_limits, proposal.gpu_count) == (2, 2, 2)
    assert proposal.task_name == t.name
    req = proposal.pod_requirements()
    assert req is not None and req.resources == {"nvidia.com/gpu": "2"}
    assert ExtendedResourcesProposal().pod_requirements() is None
    err = proposal.refuse("nope", rule="r")
    assert isinstance(err, PolicyError) and err.rule == "r" and err.task == t.name
    assert "T4" not in repr(proposal) and "nvidia-tesla-t4" in repr(proposal)
