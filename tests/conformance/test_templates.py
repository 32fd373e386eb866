"""Task templates of taskplug against flytekit 1.16's, field by field, for every @task parameter.

Each case is one plain function of this module, decorated once with ``flytekit.task(...)`` and
once with ``taskplug.task(...)`` (same module, same name, so the ids agree). Both are serialized
with equivalent settings and the two ``TaskTemplate`` protobufs must be equal, except for the
allow-list below (also in docs/conformance.md). Accelerators, shared memory and pod templates
are covered by their own conformance tests.

Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import datetime
import enum
import typing
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flyteidl.core import tasks_pb2  # noqa: E402
from flytekit.configuration import ImageConfig as FkImageConfig  # noqa: E402
from flytekit.configuration import SerializationSettings as FkSettings  # noqa: E402
from flytekit.tools.translator import get_serializable_task  # noqa: E402

import taskplug  # noqa: E402
from taskplug.serialization import serialize  # noqa: E402
from taskplug.settings import ImageConfig, SerializationSettings  # noqa: E402

pytestmark = pytest.mark.conformance

# ---------------------------------------------------------------------------------------------
# The allow-list: the only places where taskplug's template may differ from flytekit's.
#
# 1. container.args[0], the executable: "pyflyte-execute" (flytekit) vs "taskplug-execute".
# 2. container.args after "--resolver": the resolver's import path,
#    "flytekit.core.python_auto_container.default_task_resolver" vs
#    "taskplug.resolver.default_task_resolver" (the loader args after "--" are equal).
# 3. metadata.runtime.version: the SDK's own version ("1.16.31" vs taskplug's).
#    runtime.type (FLYTE_SDK) and runtime.flavor ("python") are equal.
# Keep docs/conformance.md in step with this list.
# ---------------------------------------------------------------------------------------------
ALLOWED_ARG_SUBSTITUTIONS = {
    "pyflyte-execute": "taskplug-execute",
    "flytekit.core.python_auto_container.default_task_resolver": (
        "taskplug.resolver.default_task_resolver"
    ),
}
ALLOWED_FIELDS = ("metadata.runtime.version",)

PROJECT, DOMAIN, VERSION = "flytesnacks", "development", "v42"
DEFAULT_IMAGE = "ghcr.io/acme/base:1.0"
NAMED_IMAGES = {"spark": "ghcr.io/acme/spark:3.5", "nover": "ghcr.io/acme/nover"}
ENV = {"FROM_SETTINGS": "yes", "SHARED": "settings"}


def fk_settings() -> Any:
    return FkSettings(
        project=PROJECT,
        domain=DOMAIN,
        version=VERSION,
        image_config=FkImageConfig.from_images(DEFAULT_IMAGE, NAMED_IMAGES),
        env=dict(ENV),
    )


def tp_settings() -> SerializationSettings:
    return SerializationSettings(
        project=PROJECT,
        domain=DOMAIN,
        version=VERSION,
        image_config=ImageConfig.from_images(DEFAULT_IMAGE, NAMED_IMAGES),
        env=dict(ENV),
    )


# ---------------------------------------------------------------------------------------------
# Types and functions (plain functions; each test decorates them with both libraries)
# ---------------------------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Point:
    x: float
    y: float


class Stats(typing.NamedTuple):
    mean: float
    count: int


def plain(a: int, b: int) -> int:
    return a + b


def documented(a: int, b: str = "x") -> str:
    """Repeat a string.

    :param a: how many times
    :param b: what to repeat
    :return: the repeated string
    """
    return b * a


def google_doc(a: int) -> Stats:
    """Statistics.

    Args:
        a: the input
    Returns:
        the statistics
    """
    return Stats(1.0, a)


def with_defaults(
    a: int = 1, s: str = "hi", f: float = 2.5, flag: bool = True, o: typing.Optional[int] = None
) -> float:
    return a * f


def optionals(
    a: typing.Optional[str] = None, b: typing.Optional[list[int]] = None, c: int | None = None
) -> typing.Optional[str]:
    return a


def named_outputs(xs: list[float]) -> Stats:
    return Stats(sum(xs), len(xs))


def tuple_outputs(a: int) -> tuple[int, str, float]:
    return a, str(a), float(a)


def no_io() -> None:
    return None


def rich_types(
    when: datetime.datetime,
    span: datetime.timedelta,
    color: Color,
    p: Point,
    m: dict[str, list[int]],
    nested: list[dict[str, float]],
) -> dict[str, Point]:
    return {"p": p}


def untyped(a, b: int):  # type: ignore[no-untyped-def]
    return a


def untyped_out(a: int) -> Any:
    return a


def every_scalar(i: int, f: float, s: str, b: bool) -> bool:
    return b


# ---------------------------------------------------------------------------------------------
# Cases: name -> (function, kwargs for flytekit.task, kwargs for taskplug.task)
# ---------------------------------------------------------------------------------------------


def _same(**kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return kw, dict(kw)


def _cases() -> dict[str, tuple[Any, dict[str, Any], dict[str, Any]]]:
    fk, tp = flytekit, taskplug
    FkMount = fk.Secret.MountType
    c: dict[str, tuple[Any, dict[str, Any], dict[str, Any]]] = {}

    def add(name: str, fn: Any, kws: tuple[dict[str, Any], dict[str, Any]]) -> None:
        c[name] = (fn, *kws)

    add("plain", plain, _same())
    add("documented", documented, _same())
    add("google_doc", google_doc, _same())
    add("defaults", with_defaults, _same())
    add("optionals", optionals, _same())
    add("named_outputs", named_outputs, _same())
    add("tuple_outputs", tuple_outputs, _same())
    add("no_io", no_io, _same())
    add("rich_types", rich_types, _same())
    add("every_scalar", every_scalar, _same())
    add("retries", plain, _same(retries=4))
    add("timeout_int", plain, _same(timeout=90))
    add("timeout_timedelta", plain, _same(timeout=datetime.timedelta(hours=1, milliseconds=5)))
    add("interruptible_true", plain, _same(interruptible=True))
    add("interruptible_false", plain, _same(interruptible=False))
    add("deprecated", plain, _same(deprecated="use plain2 instead"))
    add("cache_bool", plain, _same(cache=True, cache_version="1.2"))
    add(
        "cache_all_kwargs",
        plain,
        _same(cache=True, cache_version="3", cache_serialize=True, cache_ignore_input_vars=("b",)),
    )
    add(
        "cache_object",
        plain,
        (
            {"cache": fk.Cache(version="7", serialize=True, ignored_inputs=("a",))},
            {"cache": tp.Cache(version="7", serialize=True, ignored_inputs=("a",))},
        ),
    )
    add(
        "cache_object_str_ignored",
        plain,
        (
            {"cache": fk.Cache(version="8", ignored_inputs="b")},
            {"cache": tp.Cache(version="8", ignored_inputs="b")},
        ),
    )
    add(
        "requests",
        plain,
        (
            {"requests": fk.Resources(cpu="1", mem="2Gi")},
            {"requests": tp.Resources(cpu="1", mem="2Gi")},
        ),
    )
    add(
        "limits_all",
        plain,
        (
            {"limits": fk.Resources(cpu="2", mem="4Gi", gpu="1", ephemeral_storage="10Gi")},
            {"limits": tp.Resources(cpu="2", mem="4Gi", gpu="1", ephemeral_storage="10Gi")},
        ),
    )
    add(
        "requests_and_limits",
        plain,
        (
            {
                "requests": fk.Resources(cpu="500m", mem="1Gi", ephemeral_storage="1Gi"),
                "limits": fk.Resources(cpu="1", mem="2Gi", gpu="2"),
            },
            {
                "requests": tp.Resources(cpu="500m", mem="1Gi", ephemeral_storage="1Gi"),
                "limits": tp.Resources(cpu="1", mem="2Gi", gpu="2"),
            },
        ),
    )
    add(
        "resources_numbers",
        plain,
        (
            # flytekit 1.16 fails on numbers here (TypeError in to_flyte_idl); taskplug writes
            # them as the strings flytekit users have to write
            {"requests": fk.Resources(cpu="2", mem="1Gi", gpu="1")},
            {"requests": tp.Resources(cpu=2, mem="1Gi", gpu=1)},
        ),
    )
    add(
        "resources_pairs",
        plain,
        (
            {"resources": fk.Resources(cpu=("1", "2"), mem=("1Gi", "2Gi"), gpu="1")},
            {"resources": tp.Resources(cpu=("1", "2"), mem=("1Gi", "2Gi"), gpu="1")},
        ),
    )
    add(
        "resources_single",
        plain,
        (
            {"resources": fk.Resources(cpu="3", mem="3Gi", ephemeral_storage="5Gi")},
            {"resources": tp.Resources(cpu="3", mem="3Gi", ephemeral_storage="5Gi")},
        ),
    )
    add("environment", plain, _same(environment={"SHARED": "task", "ONLY_TASK": "1"}))
    add(
        "secrets",
        plain,
        (
            {
                "secret_requests": [
                    fk.Secret(group="db", key="password"),
                    fk.Secret(group="api", mount_requirement=FkMount.FILE),
                    fk.Secret(
                        group="tok",
                        key="k",
                        group_version="2",
                        mount_requirement=FkMount.ENV_VAR,
                        env_var="TOKEN",
                    ),
                ]
            },
            {
                "secret_requests": [
                    tp.Secret(group="db", key="password"),
                    tp.Secret(group="api", mount_requirement="FILE"),
                    tp.Secret(
                        group="tok",
                        key="k",
                        group_version="2",
                        mount_requirement="ENV_VAR",
                        env_var="TOKEN",
                    ),
                ]
            },
        ),
    )
    add("image_plain", plain, _same(container_image="docker.io/library/python:3.11-slim"))
    add(
        "image_template",
        plain,
        _same(container_image="{{.image.spark.fqn}}:{{.image.spark.version}}"),
    )
    add(
        "image_default_template",
        plain,
        _same(container_image="{{.image.default.fqn}}:{{.image.default.version}}"),
    )
    add(
        "image_named_default_version",
        plain,
        _same(container_image="{{.image.nover.fqn}}:{{.image.default.version}}"),
    )
    add("image_full_ref", plain, _same(container_image="{{.image.spark}}"))
    add("pod_template_name", plain, _same(pod_template_name="gpu-pod"))
    add("enable_deck", plain, _same(enable_deck=True))
    add("disable_deck_false", plain, _same(disable_deck=False))
    add("disable_deck_true", plain, _same(disable_deck=True))
    add("labels_annotations", plain, _same(labels={"team": "ml"}, annotations={"owner": "ana"}))
    add(
        "docs",
        documented,
        (
            {
                "docs": fk.Documentation(
                    short_description="short", long_description=fk.Description(value="long")
                )
            },
            {"docs": tp.Documentation(short_description="short", long_description="long")},
        ),
    )
    add("pickle_untyped_input", untyped, _same(pickle_untyped=True))
    add("pickle_untyped_output", untyped_out, _same(pickle_untyped=True))
    add(
        "everything",
        named_outputs,
        (
            {
                "cache": fk.Cache(version="9", serialize=True),
                "retries": 2,
                "timeout": datetime.timedelta(minutes=10),
                "interruptible": True,
                "deprecated": "old",
                "requests": fk.Resources(cpu="1", mem="1Gi"),
                "limits": fk.Resources(cpu="2", mem="2Gi"),
                "environment": {"A": "b"},
                "secret_requests": [fk.Secret(group="g", key="k")],
                "container_image": "{{.image.spark.fqn}}:{{.image.default.version}}",
                "pod_template_name": "pt",
                "enable_deck": True,
                "labels": {"l": "v"},
                "annotations": {"a": "n"},
            },
            {
                "cache": tp.Cache(version="9", serialize=True),
                "retries": 2,
                "timeout": datetime.timedelta(minutes=10),
                "interruptible": True,
                "deprecated": "old",
                "requests": tp.Resources(cpu="1", mem="1Gi"),
                "limits": tp.Resources(cpu="2", mem="2Gi"),
                "environment": {"A": "b"},
                "secret_requests": [tp.Secret(group="g", key="k")],
                "container_image": "{{.image.spark.fqn}}:{{.image.default.version}}",
                "pod_template_name": "pt",
                "enable_deck": True,
                "labels": {"l": "v"},
                "annotations": {"a": "n"},
            },
        ),
    )
    return c


CASES = _cases()


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------


def _apply_allow_list(fk_tt: Any, tp_tt: Any) -> None:
    """Make the allowed differences equal (in place, on the flytekit side)."""
    args = fk_tt.container.args
    for i, arg in enumerate(args):
        if arg in ALLOWED_ARG_SUBSTITUTIONS:
            args[i] = ALLOWED_ARG_SUBSTITUTIONS[arg]
    assert ALLOWED_FIELDS == ("metadata.runtime.version",)
    assert fk_tt.metadata.runtime.version == flytekit.__version__
    assert tp_tt.metadata.runtime.version == taskplug.__version__
    fk_tt.metadata.runtime.version = tp_tt.metadata.runtime.version


def _field_diffs(fk_msg: Any, tp_msg: Any, prefix: str = "") -> list[str]:
    """Human-readable differences, descending into sub-messages."""
    from google.protobuf.descriptor import FieldDescriptor

    diffs = []
    for field in fk_msg.DESCRIPTOR.fields:
        name = f"{prefix}{field.name}"
        a, b = getattr(fk_msg, field.name), getattr(tp_msg, field.name)
        is_msg = field.type == FieldDescriptor.TYPE_MESSAGE
        repeated = (
            field.is_repeated
            if hasattr(field, "is_repeated")
            else field.label == FieldDescriptor.LABEL_REPEATED
        )
        if is_msg and not repeated:
            if fk_msg.HasField(field.name) != tp_msg.HasField(field.name):
                diffs.append(
                    f"{name}: present in flytekit={fk_msg.HasField(field.name)}, "
                    f"taskplug={tp_msg.HasField(field.name)}"
                )
            elif a != b:
                diffs.extend(_field_diffs(a, b, name + "."))
        elif a != b:
            diffs.append(f"{name}: flytekit={a!r} taskplug={b!r}")
    for oneof in fk_msg.DESCRIPTOR.oneofs:
        if fk_msg.WhichOneof(oneof.name) != tp_msg.WhichOneof(oneof.name):
            diffs.append(
                f"{prefix}{oneof.name} (oneof): flytekit={fk_msg.WhichOneof(oneof.name)} "
                f"taskplug={tp_msg.WhichOneof(oneof.name)}"
            )
    return diffs


def templates(name: str) -> tuple[Any, Any]:
    fn, fk_kwargs, tp_kwargs = CASES[name]
    fk_task = flytekit.task(**fk_kwargs)(fn)
    tp_task = taskplug.task(**tp_kwargs)(fn)
    fk_tt = get_serializable_task(OrderedDict(), fk_settings(), fk_task).template.to_flyte_idl()
    tp_tt = serialize(tp_task, tp_settings())
    return fk_tt, tp_tt


# Differences that belong to other parts of taskplug, tracked there (strict: they must fail).
# Cases where taskplug is known to differ from flytekit (each an xfail that must keep failing).
KNOWN_GAPS: dict[str, str] = {}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[n]))
        if n in KNOWN_GAPS
        else n
        for n in sorted(CASES)
    ],
)
def test_template_matches_flytekit(name: str) -> None:
    fk_tt, tp_tt = templates(name)
    assert isinstance(tp_tt, tasks_pb2.TaskTemplate)
    _apply_allow_list(fk_tt, tp_tt)
    diffs = _field_diffs(fk_tt, tp_tt)
    assert not diffs, f"case {name!r}:\n  " + "\n  ".join(diffs)
    assert fk_tt == tp_tt
    # and byte for byte, with deterministic encoding
    assert fk_tt.SerializeToString(deterministic=True) == tp_tt.SerializeToString(
        deterministic=True
    )


@pytest.mark.filterwarnings("ignore")
def test_allow_list_is_needed() -> None:
    """Every entry of the allow-list is a real difference (the list does not hide too much)."""
    fk_tt, tp_tt = templates("plain")
    assert fk_tt.container.args[0] == "pyflyte-execute"
    assert tp_tt.container.args[0] == "taskplug-execute"
    assert fk_tt.metadata.runtime.flavor == tp_tt.metadata.runtime.flavor == "python"
    assert fk_tt.metadata.runtime.type == tp_tt.metadata.runtime.type
    fk_args, tp_args = list(fk_tt.container.args), list(tp_tt.container.args)
    assert fk_args[fk_args.index("--") :] == tp_args[tp_args.index("--") :]


@pytest.mark.filterwarnings("ignore")
def test_a_real_difference_is_reported() -> None:
    """The comparison fails on a difference outside the allow-list."""
    fk_tt, tp_tt = templates("retries")
    _apply_allow_list(fk_tt, tp_tt)
    tp_tt.metadata.retries.retries = 5
    assert _field_diffs(fk_tt, tp_tt) == ["metadata.retries.retries: flytekit=4 taskplug=5"]
