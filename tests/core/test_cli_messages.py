"""What the CLI says to a new user: wrong paths, the default image, failures that leave nothing.

Also the unsupported-type message, which gives its advice once.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from flyteidl.core import tasks_pb2

from taskplug import task
from taskplug.cli import main
from taskplug.errors import UnsupportedTypeError
from taskplug.settings import DEFAULT_IMAGE_REPOSITORY, ImageConfig, default_image

ADD = textwrap.dedent(
    """
    from taskplug import task


    @task
    def add(a: int, b: int = 1) -> int:
        return a + b
    """
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("TASKPLUG_IMAGE", "FLYTE_INTERNAL_IMAGE", "TASKPLUG_CONFIG", "FLYTECTL_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("TASKPLUG_VERSION", raising=False)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_run_on_a_directory_says_it_is_one(workdir: Path) -> None:
    result = CliRunner().invoke(main, ["run", ".", "add"])
    assert result.exit_code == 2
    assert "'.' is a directory; give the Python file of the tasks" in result.output
    assert "does not exist" not in result.output


def test_run_without_py_suggests_the_file(workdir: Path) -> None:
    (workdir / "first_hour_tasks_a.py").write_text(ADD)
    result = CliRunner().invoke(main, ["run", "first_hour_tasks_a", "add", "--a", "1"])
    assert result.exit_code == 2
    assert "did you mean 'first_hour_tasks_a.py'?" in result.output
    result = CliRunner().invoke(main, ["run", "nothing_like_it", "add"])
    assert "does not exist" in result.output and "did you mean" not in result.output


def test_serialize_works_as_written_with_the_default_image(workdir: Path, clean_env: None) -> None:
    (workdir / "first_hour_tasks_b.py").write_text(ADD)
    result = CliRunner().invoke(main, ["serialize", "first_hour_tasks_b.py", "-o", "out/"])
    assert result.exit_code == 0, result.output
    image = f"{DEFAULT_IMAGE_REPOSITORY}:py{sys.version_info.major}.{sys.version_info.minor}-0.1.0"
    assert default_image() == image
    assert f"using taskplug's default image name {image}" in result.output
    tt = tasks_pb2.TaskTemplate.FromString((workdir / "out/first_hour_tasks_b.add.pb").read_bytes())
    assert tt.container.image == image
    assert tt.id.version == "dev"


def test_serialize_environment_variables(
    workdir: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "first_hour_tasks_c.py").write_text(ADD)
    (workdir / "images.yaml").write_text("images:\n  default: reg/from-config:3\n")
    monkeypatch.setenv("TASKPLUG_CONFIG", "images.yaml")
    monkeypatch.setenv("TASKPLUG_VERSION", "1.2")
    result = CliRunner().invoke(main, ["serialize", "first_hour_tasks_c.py", "-o", "a"])
    assert result.exit_code == 0, result.output
    assert "default image name" not in result.output
    tt = tasks_pb2.TaskTemplate.FromString((workdir / "a/first_hour_tasks_c.add.pb").read_bytes())
    assert (tt.container.image, tt.id.version) == ("reg/from-config:3", "1.2")
    monkeypatch.setenv("TASKPLUG_IMAGE", "reg/from-env:4")  # wins over the config's default
    result = CliRunner().invoke(main, ["serialize", "first_hour_tasks_c.py", "-o", "b"])
    tt = tasks_pb2.TaskTemplate.FromString((workdir / "b/first_hour_tasks_c.add.pb").read_bytes())
    assert tt.container.image == "reg/from-env:4"


def test_failed_serialize_leaves_nothing_behind(workdir: Path, clean_env: None) -> None:
    broken = (
        ADD + '\n\n@task(container_image="{{.image.nowhere.fqn}}:1")\ndef other() -> None: ...\n'
    )
    (workdir / "first_hour_tasks_d.py").write_text(broken)
    result = CliRunner().invoke(main, ["serialize", "first_hour_tasks_d.py", "-o", "out/"])
    assert result.exit_code == 1
    assert "refers to image 'nowhere'" in result.output
    assert not (workdir / "out").exists()
    (workdir / "first_hour_bad_e.py").write_text("import no_such_module_first_hour\n")
    result = CliRunner().invoke(main, ["serialize", "first_hour_bad_e.py", "-o", "out2/"])
    assert result.exit_code == 1 and not (workdir / "out2").exists()


def test_auto_default_image_only_when_nothing_is_configured(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ImageConfig.auto().default_image is None
    assert ImageConfig.auto_default_image().default_image.full == default_image()
    monkeypatch.setenv("TASKPLUG_IMAGE", "reg/app:9")
    assert ImageConfig.auto_default_image().default_image.full == "reg/app:9"
    monkeypatch.setenv("FLYTE_INTERNAL_IMAGE", "reg/flyte:1")  # set by Flyte in containers
    assert default_image() == "reg/flyte:1"


class Opaque:
    """A type no transformer handles."""


def test_unsupported_type_gives_its_advice_once() -> None:
    with pytest.raises(UnsupportedTypeError) as info:

        @task
        def takes(x: Opaque) -> int:
            return 1

    message = str(info.value)
    assert "input 'x'" in message and "is not supported" in message
    assert message.count("pickle_untyped=True") == 1
    assert message.count("supported type") == 1
