"""serialize(task, settings) -> TaskTemplate; the container hook; settings and image resolution."""

import datetime
import enum
import typing
from dataclasses import dataclass

import pytest
from flyteidl.core import identifier_pb2, interface_pb2, tasks_pb2
from google.protobuf import json_format

import taskplug
from taskplug import (
    Cache,
    PythonFunctionTask,
    PythonInstanceTask,
    Resources,
    Secret,
    task,
)
from taskplug.errors import PluginHookError
from taskplug.plugin import hookimpl
from taskplug.resources import ResourceSpec
from taskplug.serialization import (
    fill_interface,
    interface_bytes,
    security_context,
    serialize,
    serialize_to_bytes,
    typed_interface,
)
from taskplug.settings import (
    Image,
    ImageConfig,
    ImageConfigError,
    SerializationSettings,
    read_images_from_config,
)
from taskplug.testing import check_template_roundtrip, fresh_plugin_manager
from taskplug.types import TypeEngine

SETTINGS = SerializationSettings(
    project="proj",
    domain="dev",
    version="v7",
    image_config=ImageConfig.from_images(
        "ghcr.io/acme/base:1.0", {"spark": "ghcr.io/acme/spark:3.5", "gpu": "ghcr.io/acme/gpu"}
    ),
    env={"FROM_SETTINGS": "1", "SHARED": "settings"},
)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass
class Point:
    x: float
    y: float


class Stats(typing.NamedTuple):
    mean: float
    count: int


@task
def add(a: int, b: int = 3) -> int:
    """Add two numbers.

    :param a: the first number
    :param b: the second number
    :return: the sum
    """
    return a + b


@task
def nothing() -> None:
    return None


@task(
    cache=True,
    cache_version="2",
    cache_serialize=True,
    cache_ignore_input_vars=("seed",),
    retries=3,
    timeout=datetime.timedelta(minutes=5),
    interruptible=True,
    deprecated="use add2",
    requests=Resources(cpu="1", mem="1Gi"),
    limits=Resources(cpu="2", mem="2Gi", gpu=1, ephemeral_storage="10Gi"),
    environment={"TASK_ENV": "x", "SHARED": "task"},
    secret_requests=[
        Secret(group="db", key="password"),
        Secret(group="api", mount_requirement="FILE"),
    ],
    container_image="{{.image.spark.fqn}}:{{.image.spark.version}}",
    pod_template_name="big-pod",
    enable_deck=True,
    labels={"team": "ml"},
    annotations={"owner": "ana"},
)
def everything(xs: list[float], seed: int = 0, p: typing.Optional[Point] = None) -> Stats:
    """Mean and count."""
    return Stats(sum(xs) / max(len(xs), 1), len(xs))


@task(resources=Resources(cpu=("1", "2"), mem="1Gi"))
def pairs(c: Color, when: datetime.datetime, d: dict[str, int]) -> tuple[int, str]:
    return 1, "a"


@task(cache=Cache(version="9", serialize=True, ignored_inputs="x"))
def cached(x: int, y: str) -> str:
    return y * x


@task(container_image="docker.io/library/python:3.11-slim", timeout=30)
def plain_image(b: bytes = b"") -> int:
    return len(b)


ALL_TASKS = [add, nothing, everything, pairs, cached, plain_image]


@pytest.mark.parametrize("t", ALL_TASKS, ids=lambda t: t.name)
def test_roundtrip_through_bytes(t: PythonFunctionTask) -> None:
    tt = check_template_roundtrip(t, SETTINGS)
    assert tt.id.resource_type == identifier_pb2.TASK
    assert (tt.id.project, tt.id.domain, tt.id.version) == ("proj", "dev", "v7")
    assert tt.id.name == t.name
    assert tt.metadata.runtime.type == tasks_pb2.RuntimeMetadata.FLYTE_SDK
    assert tt.metadata.runtime.version == taskplug.__version__
    assert tt.metadata.runtime.flavor == "python"
    assert tt.HasField("container")
    assert serialize_to_bytes(t, SETTINGS) == tt.SerializeToString(deterministic=True)
    # the JSON form (what `taskplug serialize` writes as well) reads back to the same template
    again = json_format.Parse(json_format.MessageToJson(tt), tasks_pb2.TaskTemplate())
    assert again == tt


def test_simple_task_template() -> None:
    tt = serialize(add, SETTINGS)
    assert tt.type == "python-task"
    md = tt.metadata
    assert md.HasField("retries") and md.retries.retries == 0
    assert md.HasField("generates_deck") and not md.generates_deck.value
    assert md.HasField("metadata")  # k8s object metadata, present even when empty (flytekit)
    assert not md.HasField("timeout") and not md.HasField("interruptible")
    assert not md.discoverable
    ins = tt.interface.inputs.variables
    assert set(ins) == {"a", "b"}
    assert ins["a"].description == "the first number"
    assert tt.interface.outputs.variables["o0"].description == "the sum"
    assert ins["a"].type == TypeEngine.converter(int).literal_type
    assert not tt.HasField("custom") and not tt.config and not tt.HasField("security_context")
    assert not tt.HasField("extended_resources")
    c = tt.container
    assert c.image == "ghcr.io/acme/base:1.0"
    assert list(c.command) == []
    assert list(c.args) == [
        "taskplug-execute",
        "--inputs",
        "{{.input}}",
        "--output-prefix",
        "{{.outputPrefix}}",
        "--raw-output-data-prefix",
        "{{.rawOutputDataPrefix}}",
        "--checkpoint-path",
        "{{.checkpointOutputPrefix}}",
        "--prev-checkpoint",
        "{{.prevCheckpointPrefix}}",
        "--resolver",
        "taskplug.resolver.default_task_resolver",
        "--",
        "task-module",
        __name__,
        "task-name",
        "add",
    ]
    assert c.HasField("resources") and not c.resources.requests and not c.resources.limits
    assert [(kv.key, kv.value) for kv in c.env] == [("FROM_SETTINGS", "1"), ("SHARED", "settings")]


def test_no_inputs_no_outputs_interface_present() -> None:
    tt = serialize(nothing, SETTINGS)
    assert tt.interface.HasField("inputs") and tt.interface.HasField("outputs")
    assert not tt.interface.inputs.variables and not tt.interface.outputs.variables


def test_every_parameter_reaches_the_template() -> None:
    tt = serialize(everything, SETTINGS)
    md = tt.metadata
    assert md.discoverable and md.discovery_version == "2" and md.cache_serializable
    assert list(md.cache_ignore_input_vars) == ["seed"]
    assert md.retries.retries == 3
    assert md.timeout.ToTimedelta() == datetime.timedelta(minutes=5)
    assert md.HasField("interruptible") and md.interruptible
    assert md.deprecated_error_message == "use add2"
    assert md.pod_template_name == "big-pod"
    assert md.generates_deck.value
    assert dict(md.metadata.labels) == {"team": "ml"}
    assert dict(md.metadata.annotations) == {"owner": "ana"}
    c = tt.container
    assert c.image == "ghcr.io/acme/spark:3.5"
    R = tasks_pb2.Resources
    assert [(e.name, e.value) for e in c.resources.requests] == [(R.CPU, "1"), (R.MEMORY, "1Gi")]
    assert [(e.name, e.value) for e in c.resources.limits] == [
        (R.EPHEMERAL_STORAGE, "10Gi"),
        (R.CPU, "2"),
        (R.GPU, "1"),
        (R.MEMORY, "2Gi"),
    ]
    # settings.env first, then the task's environment (which wins on conflicts)
    assert [(kv.key, kv.value) for kv in c.env] == [
        ("FROM_SETTINGS", "1"),
        ("SHARED", "task"),
        ("TASK_ENV", "x"),
    ]
    secrets = tt.security_context.secrets
    assert [(s.group, s.key, s.mount_requirement) for s in secrets] == [
        ("db", "password", 0),
        ("api", "", 2),
    ]
    outs = tt.interface.outputs.variables
    assert set(outs) == {"mean", "count"}
    # a single docstring description is shared by every output? no return description here:
    assert outs["mean"].description == "mean"
    assert tt.interface.inputs.variables["seed"].description == "seed"


def test_resource_pairs_split_into_requests_and_limits() -> None:
    c = serialize(pairs, SETTINGS).container
    R = tasks_pb2.Resources
    assert [(e.name, e.value) for e in c.resources.requests] == [(R.CPU, "1"), (R.MEMORY, "1Gi")]
    assert [(e.name, e.value) for e in c.resources.limits] == [(R.CPU, "2")]


def test_cache_object_and_timeout_seconds() -> None:
    md = serialize(cached, SETTINGS).metadata
    assert (md.discoverable, md.discovery_version, md.cache_serializable) == (True, "9", True)
    assert list(md.cache_ignore_input_vars) == ["x"]
    tt = serialize(plain_image, SETTINGS)
    assert tt.metadata.timeout.seconds == 30
    assert tt.container.image == "docker.io/library/python:3.11-slim"


def test_shared_return_description() -> None:
    def fn(a: int) -> Stats:
        """Compute.

        :param a: input
        :return: the statistics
        """
        return Stats(1.0, a)

    outs = serialize(task(fn), SETTINGS).interface.outputs.variables
    assert outs["mean"].description == outs["count"].description == "the statistics"


def test_default_resources_apply_only_to_tasks_without_resources() -> None:
    spec = ResourceSpec(requests=Resources(cpu="500m"), limits=Resources(mem="1Gi"))
    settings = SETTINGS.replace(default_resources=spec)
    c = serialize(add, settings).container
    assert [e.value for e in c.resources.requests] == ["500m"]
    assert [e.value for e in c.resources.limits] == ["1Gi"]
    c = serialize(everything, settings).container
    assert [e.value for e in c.resources.requests] == ["1", "1Gi"]


def test_no_env_when_neither_side_has_one() -> None:
    tt = serialize(add, SerializationSettings.for_tests())
    assert not tt.container.env
    assert tt.container.image == "ghcr.io/taskplug/taskplug:test"
    assert (tt.id.project, tt.id.domain, tt.id.version) == ("project", "domain", "version")


def test_instance_task_template() -> None:
    tt = check_template_roundtrip(INSTANCE, SETTINGS)
    assert tt.interface.inputs.variables["q"].type.simple
    assert list(tt.container.args)[-4:] == ["task-module", __name__, "task-name", "INSTANCE"]


class Echo(PythonInstanceTask[None]):
    def execute(self, **kwargs: typing.Any) -> typing.Any:
        return kwargs["q"]


INSTANCE = Echo(name="echo", inputs={"q": str}, outputs={"o0": str})


def test_pod_template_without_a_pod_plugin_is_refused_not_ignored() -> None:
    def fn(a: int) -> int:
        return a

    with fresh_plugin_manager(autoload=False):  # only taskplug's own plugins: none serves pods
        t = PythonFunctionTask(None, fn, pod_template=taskplug.PodTemplate())
        with pytest.raises(PluginHookError, match=r"pod_template.*taskplug-k8s-pod") as info:
            serialize(t, SETTINGS)
    assert info.value.plugin == "'container'" and info.value.hook == "taskplug_get_container"


def test_interface_bytes_equal_field_by_field_message() -> None:
    def fn(
        a: int,
        b: typing.Optional[str],
        c: list[dict[str, float]],
        d: Color,
        e: Point,
        ü: datetime.timedelta = datetime.timedelta(0),
    ) -> tuple[int, str]:
        """Doc.

        :param a: ünïcode description
        """
        return 1, "x"

    iface = task(fn).python_interface
    expected = interface_pb2.TypedInterface()
    expected.inputs.SetInParent()
    expected.outputs.SetInParent()
    for target, convs in (
        (expected.inputs, iface.input_converters),
        (expected.outputs, iface.output_converters),
    ):
        for name, conv in convs.items():
            var = target.variables[name]
            var.type.CopyFrom(conv.literal_type)
            var.description = iface.description(name) or name
    assert typed_interface(iface) == expected
    assert fill_interface(interface_pb2.TypedInterface(), iface) == expected
    assert interface_pb2.TypedInterface.FromString(interface_bytes(iface)) == expected
    assert expected.inputs.variables["a"].description == "ünïcode description"


def test_long_descriptions_need_multibyte_lengths() -> None:
    long_doc = "word " * 100

    def fn(a: int) -> int:
        return a

    fn.__doc__ = f":param a: {long_doc}"
    tt = serialize(task(fn), SETTINGS)
    assert tt.interface.inputs.variables["a"].description == long_doc.strip()


def test_security_context_helper() -> None:
    ctx = security_context(
        [Secret(group="g", key="k", group_version="3", mount_requirement="ENV_VAR", env_var="X")]
    )
    (s,) = ctx.secrets
    assert (s.group, s.key, s.group_version, s.mount_requirement, s.env_var) == (
        "g",
        "k",
        "3",
        1,
        "X",
    )
    assert add.security_context is None
    assert everything.security_context == serialize(everything, SETTINGS).security_context


# -- hooks change templates -------------------------------------------------------------------


class _CustomTask(PythonFunctionTask[None]):
    task_type = "custom-type"


class _CustomPlugin:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_register_task_types(self, registry: typing.Any) -> None:
        registry.add(_CustomTask)

    @hookimpl
    def taskplug_get_custom(self, task: typing.Any, settings: typing.Any) -> typing.Any:
        return {"greeting": "hi", "n": 2, "nested": {"xs": [1, 2]}, "project": settings.project}

    @hookimpl
    def taskplug_get_config(self, task: typing.Any) -> typing.Any:
        return {"mode": "fast"}


class _ContainerOverride:
    """Serves every Python task's container (a plugin replacing the built-in container)."""

    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_register_task_types(self, registry: typing.Any) -> None:
        registry.serve(
            lambda task: True, hooks=["taskplug_get_container"], description="every task"
        )

    @hookimpl
    def taskplug_get_container(self, task: typing.Any, settings: typing.Any) -> typing.Any:
        c = tasks_pb2.Container()
        c.image = "override:1"
        c.args.append("run")
        return c


class _Broken:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl
    def taskplug_register_task_types(self, registry: typing.Any) -> None:
        registry.add(_CustomTask)

    @hookimpl
    def taskplug_get_sql(self, task: typing.Any) -> typing.Any:
        raise RuntimeError("boom")


def test_hooks_fill_custom_and_config_of_the_task_types_they_own() -> None:
    def fn(a: int) -> int:
        return a

    with fresh_plugin_manager(_CustomPlugin()):
        t = _CustomTask(None, fn)
        tt = check_template_roundtrip(t, SETTINGS)
        plain = serialize(add, SETTINGS)  # not theirs: untouched
    assert tt.type == "custom-type"
    assert tt.custom["greeting"] == "hi"
    assert tt.custom["n"] == 2
    assert list(tt.custom["nested"]["xs"]) == [1, 2]
    assert tt.custom["project"] == "proj"
    assert dict(tt.config) == {"mode": "fast"}
    assert tt.HasField("container")  # the built-in plugin owns the base class's container
    assert not plain.HasField("custom") and not plain.config
    # without the plugin: nobody owns _CustomTask's custom; the container plugin its container
    tt = serialize(t, SETTINGS)
    assert not tt.HasField("custom") and not tt.config and tt.HasField("container")


def test_a_serving_plugin_can_replace_the_container() -> None:
    with fresh_plugin_manager(_ContainerOverride()):
        tt = serialize(add, SETTINGS)
    assert tt.container.image == "override:1"
    assert list(tt.container.args) == ["run"]


def test_plugin_error_names_the_plugin() -> None:
    def fn(a: int) -> int:
        return a

    with fresh_plugin_manager(_Broken()), pytest.raises(PluginHookError) as info:
        serialize(_CustomTask(None, fn), SETTINGS)
    assert "taskplug_get_sql" in str(info.value) and "boom" in str(info.value)
    assert "_Broken" in str(info.value)


def test_subclass_overrides_are_used_without_hooks() -> None:
    class Custom(PythonFunctionTask[None]):
        def get_custom(self, settings: SerializationSettings) -> dict[str, typing.Any]:
            return {"v": 1}

        def get_config(self, settings: SerializationSettings) -> dict[str, str]:
            return {"k": "v"}

        def get_sql(self, settings: SerializationSettings) -> tasks_pb2.Sql:
            sql = tasks_pb2.Sql()
            sql.statement = "select 1"
            return sql

    def fn(a: int) -> int:
        return a

    t = Custom(None, fn, task_type="custom", task_type_version=2)
    tt = check_template_roundtrip(t, SETTINGS)
    assert tt.type == "custom" and tt.task_type_version == 2
    assert tt.custom["v"] == 1 and dict(tt.config) == {"k": "v"}
    assert tt.sql.statement == "select 1"


# -- ImageConfig ------------------------------------------------------------------------------


def test_image_parsing() -> None:
    img = Image.parse("default", "ghcr.io/acme/base:1.0")
    assert (img.fqn, img.tag, img.digest, img.full, img.version) == (
        "ghcr.io/acme/base",
        "1.0",
        None,
        "ghcr.io/acme/base:1.0",
        "1.0",
    )
    img = Image.parse("x", "localhost:5000/app@sha256:abc")
    assert (img.fqn, img.digest, img.full) == ("localhost:5000/app", "sha256:abc", img.full)
    assert img.full == "localhost:5000/app@sha256:abc"
    img = Image.parse("x", "localhost:5000/app", allow_no_version=True)
    assert (img.fqn, img.tag) == ("localhost:5000/app", None)
    with pytest.raises(ImageConfigError, match="no tag or digest"):
        Image.parse("default", "localhost:5000/app")
    with pytest.raises(ImageConfigError, match="not both"):
        Image("x", "a", tag="1", digest="sha256:1")
    with pytest.raises(ImageConfigError, match="empty"):
        Image.parse("x", " ")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (None, "ghcr.io/acme/base:1.0"),
        ("", "ghcr.io/acme/base:1.0"),
        ("plain/image:tag", "plain/image:tag"),
        ("{{.image.default.fqn}}:{{.image.default.version}}", "ghcr.io/acme/base:1.0"),
        ("{{.image.spark.fqn}}:{{.image.spark.version}}", "ghcr.io/acme/spark:3.5"),
        ("{{.image.spark.fqn}}:{{.image.default.version}}", "ghcr.io/acme/spark:1.0"),
        ("{{.image.spark}}", "ghcr.io/acme/spark:3.5"),
        ("{{ .images.SPARK.FQN }}:latest", None),  # names are case sensitive: not found
        ("{{.image.gpu.fqn}}:{{.image.gpu.version}}", "ghcr.io/acme/gpu:1.0"),  # default's version
        ("{{.image.spark.fqn}}:v2", "ghcr.io/acme/spark:v2"),
    ],
)
def test_image_resolution(ref: str | None, expected: str | None) -> None:
    cfg = SETTINGS.image_config
    if expected is None:
        with pytest.raises(ImageConfigError, match="not configured"):
            cfg.resolve(ref, task="t")
    else:
        assert cfg.resolve(ref, task="t") == expected
        assert cfg.resolve(ref, task="t") == expected  # cached answer


def test_image_resolution_digest_and_errors() -> None:
    cfg = ImageConfig.from_images("ghcr.io/acme/base@sha256:aaa", {"n": "reg/n"})
    assert cfg.resolve("{{.image.default.fqn}}:{{.image.default.version}}", task="t") == (
        "ghcr.io/acme/base@sha256:aaa"
    )
    with pytest.raises(
        ImageConfigError, match=r"task 't'.*'missing'.*configured images: default, n"
    ):
        cfg.resolve("{{.image.missing.fqn}}:1", task="t")
    with pytest.raises(ImageConfigError, match="only"):
        cfg.resolve("{{.image.n.tag}}", task="t")
    with pytest.raises(ImageConfigError, match="no default image"):
        ImageConfig().resolve(None, task="my.task")
    no_default = ImageConfig.from_images(None, {"n": "reg/n"})
    with pytest.raises(ImageConfigError, match="no tag or digest"):
        no_default.resolve("{{.image.n.fqn}}:{{.image.n.version}}", task="t")
    with pytest.raises(ImageConfigError, match="does not understand"):
        cfg.resolve("{{.something}}", task="t")
    with pytest.raises(ImageConfigError, match="twice"):
        ImageConfig.create_from(Image.parse("default", "a:1"), [Image.parse("default", "b:1")])


def test_task_with_unknown_image_fails_serialization_with_task_name() -> None:
    @task(container_image="{{.image.nope.fqn}}:1")
    def fn(a: int) -> int:
        return a

    with pytest.raises(ImageConfigError, match=r"task '.*fn'.*'nope'"):
        serialize(fn, SETTINGS)


def test_image_config_auto_from_env_and_files(
    tmp_path: typing.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    yaml_file = tmp_path / "config.yaml"
    yaml_file.write_text(
        "admin:\n  endpoint: dns:///x\nimages:\n  spark: ghcr.io/acme/spark:3  # comment\n"
        "  'quoted': \"reg/q:1\"\nother:\n  a: b\n"
    )
    ini_file = tmp_path / "flytekit.config"
    ini_file.write_text("[images]\nml = reg/ml:2\n")
    assert read_images_from_config(yaml_file) == {
        "spark": "ghcr.io/acme/spark:3",
        "quoted": "reg/q:1",
    }
    assert read_images_from_config(ini_file) == {"ml": "reg/ml:2"}

    for var in ("TASKPLUG_IMAGE", "FLYTE_INTERNAL_IMAGE", "TASKPLUG_CONFIG", "FLYTECTL_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert ImageConfig.auto() == ImageConfig()
    monkeypatch.setenv("TASKPLUG_IMAGE", "reg/app:5")
    monkeypatch.setenv("TASKPLUG_CONFIG", str(yaml_file))
    cfg = ImageConfig.auto()
    assert cfg.default_image == Image.parse("default", "reg/app:5")
    assert cfg.resolve("{{.image.spark.fqn}}:{{.image.default.version}}", task="t") == (
        "ghcr.io/acme/spark:5"
    )
    cfg = ImageConfig.auto(config_file=ini_file, img_name="reg/other:1")
    assert cfg.find_image("ml") is not None and cfg.find_image("spark") is None
    assert cfg.resolve(None, task="t") == "reg/other:1"
    with pytest.raises(ImageConfigError, match="cannot be read"):
        ImageConfig.auto(config_file=tmp_path / "missing.yaml")


def test_settings_helpers() -> None:
    s = SerializationSettings.for_image("reg/app:3", "v1", project="p", domain="d")
    assert s.image_config.resolve(None, task="t") == "reg/app:3"
    assert (s.project, s.domain, s.version) == ("p", "d", "v1")
    assert not s.should_fast_serialize()
    assert SerializationSettings.for_tests(version="v9").version == "v9"
    assert SETTINGS.replace(project="other").project == "other"
    assert SETTINGS.project == "proj"
