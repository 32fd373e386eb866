"""Extended resources (GPU accelerator, MIG partitions, shared memory) against flytekit 1.16.

For every accelerator constant of ``flytekit.extras.accelerators`` and each of its partitions,
a task declared with taskplug and the same task declared with flytekit must give the same
``ExtendedResources`` message (byte for byte), with and without shared memory.
"""

from __future__ import annotations

from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flytekit import Resources as FkResources  # noqa: E402
from flytekit import task as fk_task  # noqa: E402
from flytekit.configuration import ImageConfig  # noqa: E402
from flytekit.configuration import SerializationSettings as FkSettings  # noqa: E402
from flytekit.extras import accelerators as fka  # noqa: E402

from taskplug import Resources, task  # noqa: E402
from taskplug import accelerators as tpa  # noqa: E402
from taskplug.serialization import serialize  # noqa: E402
from taskplug.settings import SerializationSettings  # noqa: E402

pytestmark = pytest.mark.conformance

FK_SETTINGS = FkSettings(image_config=ImageConfig.auto_default_image())
SETTINGS = SerializationSettings.for_tests()
SHARED_MEMORY = [None, True, "2Gi", "512Mi"]


def _flytekit_constants() -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(fka).items()
        if not name.startswith("_") and isinstance(value, fka.BaseAccelerator)
    }


def _cases() -> list[tuple[str, Any, Any]]:
    """``(id, flytekit accelerator, taskplug accelerator)`` for every constant and partition."""
    cases = []
    for name, fk_acc in _flytekit_constants().items():
        ours = getattr(tpa, name)
        cases.append((name, fk_acc, ours))
        if isinstance(fk_acc, fka.MultiInstanceGPUAccelerator):
            cases.append((f"{name}.unpartitioned", fk_acc.unpartitioned, ours.unpartitioned))
            for attr, value in vars(type(fk_acc)).items():
                if isinstance(value, fka.MultiInstanceGPUAccelerator):
                    cases.append((f"{name}.{attr}", value, getattr(ours, attr)))
    return cases


CASES = _cases()


def _fk_mig(device: str) -> type[fka.MultiInstanceGPUAccelerator]:
    """A flytekit MIG class for a device flytekit only knows as a plain GPU (H100, H200)."""
    return type(f"_Fk_{device}", (fka.MultiInstanceGPUAccelerator,), {"device": device})


def _pair(fk_acc: Any, ours: Any, shared_memory: Any) -> tuple[bytes, bytes]:
    fk_kwargs: dict[str, Any] = {"accelerator": fk_acc, "limits": FkResources(gpu="1")}
    kwargs: dict[str, Any] = {"accelerator": ours, "limits": Resources(gpu=1)}
    if shared_memory is not None:
        fk_kwargs["shared_memory"] = shared_memory
        kwargs["shared_memory"] = shared_memory

    @fk_task(**fk_kwargs)
    def fk_t(x: int) -> int:
        return x

    @task(**kwargs)
    def tp_t(x: int) -> int:
        return x

    theirs = fk_t.get_extended_resources(FK_SETTINGS)
    mine = tp_t.get_extended_resources(SETTINGS)
    assert theirs is not None and mine is not None
    # the template carries the same message
    assert serialize(tp_t, SETTINGS).extended_resources == mine
    return (
        theirs.SerializeToString(deterministic=True),
        mine.SerializeToString(deterministic=True),
    )


def test_every_flytekit_constant_exists_with_the_same_device():
    constants = _flytekit_constants()
    assert len(constants) >= 18
    for name, fk_acc in constants.items():
        ours = getattr(tpa, name)
        assert ours.to_flyte_idl() == fk_acc.to_flyte_idl(), name
        assert ours in tpa.BUILTIN_ACCELERATORS, name


@pytest.mark.parametrize(
    ("fk_acc", "ours"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_accelerator_matches_flytekit(fk_acc, ours):
    theirs, mine = _pair(fk_acc, ours, None)
    assert mine == theirs


@pytest.mark.parametrize("shared_memory", SHARED_MEMORY[1:], ids=str)
@pytest.mark.parametrize(
    "name", ["T4", "A100", "A100.partition_2g_10gb", "A100_80GB.unpartitioned", "V5P.slice_2x2x1"]
)
def test_accelerator_with_shared_memory_matches_flytekit(name, shared_memory):
    fk_acc, ours = next((c[1], c[2]) for c in CASES if c[0] == name)
    theirs, mine = _pair(fk_acc, ours, shared_memory)
    assert mine == theirs


@pytest.mark.parametrize("shared_memory", SHARED_MEMORY, ids=str)
def test_shared_memory_alone_matches_flytekit(shared_memory):
    fk_kwargs = {} if shared_memory is None else {"shared_memory": shared_memory}

    @fk_task(**fk_kwargs)
    def fk_t(x: int) -> int:
        return x

    @task(**fk_kwargs)
    def tp_t(x: int) -> int:
        return x

    theirs = fk_t.get_extended_resources(FK_SETTINGS)
    mine = tp_t.get_extended_resources(SETTINGS)
    if shared_memory is None:
        assert theirs is None and mine is None
        assert not serialize(tp_t, SETTINGS).HasField("extended_resources")
    else:
        assert mine.SerializeToString(deterministic=True) == theirs.SerializeToString(
            deterministic=True
        )


@pytest.mark.parametrize(
    ("device", "partition"),
    [
        ("nvidia-h100", "1g.10gb"),
        ("nvidia-h100", "3g.40gb"),
        ("nvidia-h100", "7g.80gb"),
        ("nvidia-h200", "1g.18gb"),
        ("nvidia-h200", "7g.141gb"),
        ("nvidia-tesla-a100", "1g.10gb"),
        ("nvidia-a100-80gb", "1g.20gb"),
    ],
)
def test_partitions_beyond_flytekit_constants_match_flytekit_wire_format(device, partition):
    fk_cls = _fk_mig(device)
    ours = tpa.catalogue().accelerator(device, partition)
    theirs, mine = _pair(fk_cls.partitioned(partition), ours, True)
    assert mine == theirs
    theirs, mine = _pair(fk_cls().unpartitioned, ours.unpartitioned, None)
    assert mine == theirs


def test_h100_whole_matches_flytekit_plain_h100():
    assert tpa.H100.to_flyte_idl() == fka.H100.to_flyte_idl()
    assert tpa.H200.to_flyte_idl() == fka.H200.to_flyte_idl()


def test_device_string_and_flytekit_object_are_accepted_and_match():
    theirs, mine = _pair(fka.A100.partition_3g_20gb, "nvidia-tesla-a100:3g.20gb", "1Gi")
    assert mine == theirs
    # a flytekit accelerator object passed to taskplug is normalized, same bytes
    theirs, mine = _pair(fka.A100_80GB.unpartitioned, fka.A100_80GB.unpartitioned, None)
    assert mine == theirs
