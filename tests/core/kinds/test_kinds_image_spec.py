"""ImageSpec as data: ids and tags, checks, is_container(), templates and the build hook."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from taskplug import ImageSpec, task, workflow
from taskplug.errors import PluginAnswerError, PluginHookError
from taskplug.image_spec import CopyFileDetection
from taskplug.image_spec.image_spec import build_image
from taskplug.plugin import hookimpl
from taskplug.serialization import serialize
from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.testing import fresh_plugin_manager


def _settings(**images: str) -> SerializationSettings:
    return SerializationSettings(
        image_config=ImageConfig.from_images("ghcr.io/acme/base:1", images)
    )


def test_the_same_spec_gives_the_same_name_and_a_field_changes_it() -> None:
    a = ImageSpec(registry="ghcr.io/acme", packages=["pandas"])
    b = ImageSpec(registry="ghcr.io/acme", packages=["pandas"])
    assert a.image_name() == b.image_name() and a.id == b.id and hash(a) == hash(b)
    assert a.image_name().startswith("ghcr.io/acme/flytekit:")
    assert "-" not in a.tag and len(a.tag) == 22
    c = ImageSpec(registry="ghcr.io/acme", packages=["polars"])
    assert c.tag != a.tag
    # builder, runtime packages and pip secret mounts are not part of the image
    d = ImageSpec(
        registry="ghcr.io/acme",
        packages=["pandas"],
        builder="default",
        runtime_packages=["tabulate"],
        pip_secret_mounts=[(".netrc", "/root/.netrc")],
    )
    assert d.id == a.id


def test_names_are_lowercased_and_platform_defaults() -> None:
    spec = ImageSpec(name="MyImage", registry="GHCR.io/Acme")
    assert spec.name == "myimage" and spec.registry == "ghcr.io/acme"
    assert spec.platform == "linux/amd64"
    assert ImageSpec().image_name().startswith("flytekit:")
    assert ImageSpec(tag_format="{spec_hash}-x").tag.endswith("-x")


def test_file_contents_count(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("pandas\n")
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "a.txt").write_text("a")
    spec = ImageSpec(requirements=str(req), copy=[str(data)])
    first = spec.tag
    assert dataclasses.replace(spec).tag == first  # new object, same files
    req.write_text("pandas\nnumpy\n")
    second = dataclasses.replace(spec).tag
    assert second != first
    (data / "sub" / "a.txt").write_text("b")
    assert dataclasses.replace(spec).tag not in (first, second)


def test_source_files_count(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "cache.pyc").write_bytes(b"ignored")
    spec = ImageSpec(source_root=str(tmp_path), source_copy_mode=CopyFileDetection.ALL)
    first = spec.tag
    (tmp_path / "other.pyc").write_bytes(b"still ignored")
    assert dataclasses.replace(spec).tag == first
    (tmp_path / "b.py").write_text("y = 2\n")
    assert dataclasses.replace(spec).tag != first
    loaded = ImageSpec(source_root=str(tmp_path))
    assert loaded.source_copy_mode is CopyFileDetection.LOADED_MODULES
    assert loaded.tag  # no module of this process lives there: an empty digest
    with pytest.raises(ValueError, match="source_root must be set"):
        _ = ImageSpec(source_copy_mode=CopyFileDetection.ALL).tag


def test_a_base_image_spec_is_named_in_the_tag() -> None:
    base = ImageSpec(registry="ghcr.io/acme", packages=["requests"])
    child = ImageSpec(base_image=base, registry="ghcr.io/acme")
    other = ImageSpec(base_image=ImageSpec(registry="ghcr.io/acme"), registry="ghcr.io/acme")
    assert child.tag != other.tag
    same = ImageSpec(base_image=base.image_name(), registry="ghcr.io/acme")
    assert same.tag == child.tag


def test_with_methods_make_new_specs() -> None:
    base = ImageSpec(packages=["a"])
    more = base.with_packages("b").with_apt_packages(["git"]).with_commands("echo").with_copy("f")
    more = more.with_runtime_packages(["r"]).with_builder_options({"k": 1})
    assert base.packages == ["a"]
    assert (more.packages, more.apt_packages, more.commands, more.copy) == (
        ["a", "b"],
        ["git"],
        ["echo"],
        ["f"],
    )
    assert more.runtime_packages == ["r"] and more.builder_options == {"k": 1}
    assert base.force_push()._is_force_push and not base._is_force_push
    with pytest.raises(TypeError, match="builder_options, which is not a list"):
        ImageSpec(builder_options={"a": 1})._update("builder_options", ["x"])
    env = ImageSpec.from_env(pinned_packages=["pluggy"])
    assert env.packages and env.packages[0].startswith("pluggy==") and env.python_version
    with pytest.raises(ValueError, match="python_version can not be used"):
        ImageSpec.from_env(python_version="3.9")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"registry": "Not A Registry!"}, "invalid container registry name"),
        ({"packages": "pandas"}, "packages must be a list of strings"),
        ({"apt_packages": ["git", 1]}, "apt_packages must be a list of strings"),
        ({"pip_secret_mounts": [("a",)]}, "pip_secret_mounts must be a list of tuples"),
        ({"builder_options": ["x"]}, "builder_options must be a dictionary"),
        ({"name": ""}, "name must be a non-empty str"),
    ],
)
def test_bad_fields_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImageSpec(**kwargs)


spec = ImageSpec(registry="ghcr.io/acme", packages=["numpy"])


@task(container_image=spec)
def inside() -> bool:
    return spec.is_container()


@workflow
def run_inside() -> bool:
    return inside()


def test_is_container_as_flytekit_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("_F_IMG_ID", raising=False)
    monkeypatch.delenv("FLYTE_INTERNAL_EXECUTION_ID", raising=False)
    assert spec.is_container()  # outside any task
    assert inside() is False  # a task called directly: flytekit's local task execution
    assert run_inside() is True  # a task run by a local workflow
    monkeypatch.setenv("_F_IMG_ID", spec.id)  # in a container built from this spec
    assert spec.is_container()
    assert not ImageSpec(packages=["other"]).is_container()
    monkeypatch.delenv("_F_IMG_ID")
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "abc")  # in a container, not from a spec
    assert not spec.is_container()


def test_container_image_takes_a_spec_and_the_template_names_it() -> None:
    assert serialize(inside, _settings()).container.image == spec.image_name()
    # an image configured under the spec's id wins (flytekit's ImageConfig lookup)
    assert serialize(inside, _settings(**{spec.id: "ghcr.io/acme/prebuilt:3"})).container.image == (
        "ghcr.io/acme/prebuilt:3"
    )
    with pytest.raises(
        ValueError, match=r"container_image takes an image name \(str\) or an ImageSpec"
    ):

        @task(container_image=42)  # type: ignore[call-overload]
        def bad() -> None: ...


def test_runtime_packages_go_into_the_environment() -> None:
    rt = ImageSpec(registry="ghcr.io/acme", runtime_packages=["tabulate", "rich"])

    @task(container_image=rt, environment={"A": "1"})
    def t() -> None: ...

    env = {e.key: e.value for e in serialize(t, _settings()).container.env}
    assert env == {"A": "1", "_F_RUNTIME_PACKAGES": "tabulate rich"}


class Builder:
    """A build plugin: 'builds' specs whose builder is 'fake', recording what it was asked."""

    TASKPLUG_API_VERSION = "1.0"

    def __init__(self, answer: Any = None) -> None:
        self.asked: list[ImageSpec] = []
        self.answer = answer

    @hookimpl
    def taskplug_build_image(self, image_spec: ImageSpec) -> Any:
        self.asked.append(image_spec)
        if image_spec.builder != "fake":
            return None
        return self.answer or f"registry.example.com/built/{image_spec.name}:{image_spec.tag}"


def test_a_build_plugin_builds_once_and_names_the_image() -> None:
    builder = Builder()
    child = ImageSpec(
        name="child", base_image=ImageSpec(name="base", builder="fake"), builder="fake"
    )

    @task(container_image=child)
    def t() -> None: ...

    with fresh_plugin_manager(builder):
        image = serialize(t, _settings()).container.image
        serialize(t, _settings())
        assert [s.name for s in builder.asked] == ["base", "child"]  # the base first, once each
        assert image.startswith("registry.example.com/built/child:")
        assert child.image_name() == image
        assert isinstance(builder.asked[1].base_image, str)  # the base's built name
        assert builder.asked[1].base_image.startswith("registry.example.com/built/base:")


def test_no_plugin_builds_nothing_and_runs_never_build() -> None:
    assert build_image(ImageSpec(name="nobody")) is None
    builder = Builder()
    never = ImageSpec(name="never", builder="fake")

    @task
    def t() -> bool:
        return build_image(never) is None

    with fresh_plugin_manager(builder):
        assert t() is True
        assert builder.asked == []


def test_a_wrong_answer_names_the_plugin() -> None:
    odd = ImageSpec(name="odd", builder="fake")

    @task(container_image=odd)
    def t() -> None: ...

    with fresh_plugin_manager(Builder(answer=42)), pytest.raises(PluginAnswerError) as info:
        serialize(t, _settings())
    assert "taskplug_build_image" in str(info.value) and "'odd" in str(info.value)


def test_a_failing_build_names_the_plugin() -> None:
    class Broken:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_build_image(self, image_spec: ImageSpec) -> str:
            raise RuntimeError("registry unreachable")

    broken = ImageSpec(name="broken")

    @task(container_image=broken)
    def t() -> None: ...

    with (
        fresh_plugin_manager(Broken()),
        pytest.raises(PluginHookError, match="registry unreachable"),
    ):
        serialize(t, _settings())
