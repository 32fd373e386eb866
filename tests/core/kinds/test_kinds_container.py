"""Raw containers (ContainerTask): declaration, the template the raw-container plugin writes,
rendering of commands, output parsing, and local runs in a real Podman container.

The local-run tests need Podman able to run a container here (.ci/run installs podman, runc
and busybox-static); they build a one-binary busybox image with ``podman import``. Without
Podman they are skipped with the reason; the error a task gives when no runtime is there is
tested everywhere.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

import taskplug.builtin.raw_container as raw_plugin
import taskplug.tasks.container_run as container_run
from taskplug import ContainerTask, ImageSpec, Resources, kwtypes, workflow
from taskplug.serialization import serialize
from taskplug.settings import SerializationSettings
from taskplug.tasks.container_run import ContainerRuntimeError, read_outputs, render_command
from taskplug.testing import check_task_type
from taskplug.types import Directory, File

IMAGE = "localhost/taskplug-busybox:test"

doubler = ContainerTask(
    name="doubler",
    image=IMAGE,
    command=[
        "sh",
        "-c",
        "echo $(( {{.inputs.n}} * 2 )) > /var/outputs/doubled && "
        "cat /var/inputs/data > /var/outputs/copy && "
        "printf '%s' {{.inputs.word}} > /var/outputs/word",
    ],
    inputs=kwtypes(n=int, word=str, data=File),
    outputs=kwtypes(doubled=int, word=str, copy=File),
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
)


def _settings() -> SerializationSettings:
    return SerializationSettings.for_tests()


# -- declaration and template ---------------------------------------------------------------


def test_template_is_a_raw_container_with_a_data_loading_config() -> None:
    t = ContainerTask(
        name="tool",
        image="ghcr.io/acme/tool:1",
        command=["tool"],
        arguments=["--n", "{{.inputs.n}}"],
        inputs=kwtypes(n=int),
        outputs=kwtypes(out=str),
        input_data_dir="/in",
        output_data_dir="/out",
        metadata_format=ContainerTask.MetadataFormat.PROTO,
        io_strategy=ContainerTask.IOStrategy.DOWNLOAD_STREAM,
        requests=Resources(cpu="1"),
        environment={"A": "b"},
    )
    tt = check_task_type(t, plugin=raw_plugin)
    assert tt.type == "raw-container"
    c = tt.container
    assert (c.image, list(c.command), list(c.args)) == (
        "ghcr.io/acme/tool:1",
        ["tool"],
        ["--n", "{{.inputs.n}}"],
    )
    assert (c.data_config.input_path, c.data_config.output_path) == ("/in", "/out")
    assert c.data_config.enabled and c.data_config.format == 2
    assert c.data_config.io_strategy.download_mode == 1
    assert [(r.name, r.value) for r in c.resources.requests] == [(1, "1")]
    assert {e.key: e.value for e in c.env} == {"A": "b"}
    assert not tt.config


def test_upload_strategy_and_default_resources_do_not_apply() -> None:
    from taskplug.resources import ResourceSpec

    t = ContainerTask(
        name="up",
        image="busybox:1",
        command=["true"],
        io_strategy=ContainerTask.IOStrategy.DO_NOT_UPLOAD,
    )
    settings = SerializationSettings.for_tests()
    settings = type(settings)(
        **{
            **settings.__dict__,
            "default_resources": ResourceSpec(requests=Resources(cpu="3"), limits=Resources()),
        }
    )
    c = serialize(t, settings).container
    assert c.data_config.io_strategy.upload_mode == 2
    assert not list(c.resources.requests)


def test_an_image_spec_names_the_image() -> None:
    spec = ImageSpec(registry="ghcr.io/acme", packages=["numpy"])
    t = ContainerTask(name="spec", image=spec, command=["run"])
    assert serialize(t, _settings()).container.image == spec.image_name()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image": None, "command": ["x"]}, "image takes an image name"),
        ({"image": "i", "command": "echo hi"}, "command takes a list of str"),
        ({"image": "i", "command": ["x"], "arguments": [1]}, "arguments takes a list of str"),
        ({"image": "i", "command": ["x"], "metadata_format": "json"}, "metadata_format takes"),
        ({"image": "i", "command": ["x"], "io_strategy": 1}, "io_strategy takes"),
        ({"image": "i", "command": ["x"], "pod_template": object()}, "pod_template is not"),
        (
            {
                "image": "i",
                "command": ["x"],
                "resources": Resources(cpu="1"),
                "limits": Resources(),
            },
            "either resources=",
        ),
    ],
)
def test_declaration_errors_name_the_task(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        ContainerTask(name="bad-container", **kwargs)
    assert "'bad-container'" in str(info.value)


# -- commands and outputs, without a runtime -------------------------------------------------


def test_inputs_fill_the_command_and_files_are_bound(tmp_path: Path) -> None:
    data = tmp_path / "d.txt"
    data.write_text("x")
    command, binds = render_command(doubler, {"n": 21, "word": "hi", "data": File(str(data))})
    assert command[2].startswith("echo $(( 21 * 2 ))") and "printf '%s' hi" in command[2]
    assert binds == {}  # the file is referred to inside a longer argument: not a path argument
    t = ContainerTask(
        name="paths",
        image="i",
        command=["cat", "/var/inputs/data", "{{ .inputs.n }}"],
        inputs=kwtypes(data=File, n=float),
        input_data_dir="/var/inputs/",
    )
    command, binds = render_command(t, {"data": File(str(data)), "n": 1.5})
    assert command == ["cat", "/var/inputs/data", "1.5"]
    assert binds == {str(data): "/var/inputs/data"}


def test_a_file_input_as_a_template_or_an_unknown_input_is_refused(tmp_path: Path) -> None:
    t = ContainerTask(
        name="refs", image="i", command=["cat", "{{.inputs.data}}"], inputs=kwtypes(data=File)
    )
    with pytest.raises(ValueError, match=r"'refs': input 'data' is a file or directory"):
        render_command(t, {"data": File(str(tmp_path))})
    t2 = ContainerTask(name="refs2", image="i", command=["echo", "{{.inputs.nope}}"])
    with pytest.raises(ValueError, match=r"'refs2'.*input 'nope', which the task does not have"):
        render_command(t2, {})


def test_outputs_are_read_and_converted(tmp_path: Path) -> None:
    t = ContainerTask(
        name="outs",
        image="i",
        command=["x"],
        outputs=kwtypes(
            flag=bool, when=datetime.datetime, took=datetime.timedelta, f=float, folder=Directory
        ),
    )
    (tmp_path / "flag").write_text("false\n")  # as `echo false > flag` writes it
    (tmp_path / "when").write_text("2024-05-06T07:08:09\n")
    (tmp_path / "took").write_text("1 day, 2:03:04.000005\n")
    (tmp_path / "f").write_text("2.5\n")
    out = read_outputs(t, str(tmp_path))
    assert out["flag"] is False and out["f"] == 2.5
    assert out["when"] == datetime.datetime(2024, 5, 6, 7, 8, 9)
    assert out["took"] == datetime.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5)
    assert isinstance(out["folder"], Directory) and os.fspath(out["folder"]).endswith("folder")
    (tmp_path / "f").write_text("lots")
    with pytest.raises(
        ContainerRuntimeError, match=r"'outs': output 'f' is 'lots', which is not a float"
    ):
        read_outputs(t, str(tmp_path))
    (tmp_path / "f").unlink()
    with pytest.raises(ContainerRuntimeError, match=r"'outs': the container wrote no output 'f'"):
        read_outputs(t, str(tmp_path))


def test_without_a_runtime_the_error_names_task_image_and_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKPLUG_CONTAINER_RUNTIME", "/no/such/runtime")
    with pytest.raises(ContainerRuntimeError) as info:
        doubler(n=1, word="w", data=File(__file__))
    text = str(info.value)
    assert "task 'doubler' is a ContainerTask" in text and repr(IMAGE) in text
    assert "'/no/such/runtime' is not an executable on PATH" in text
    monkeypatch.delenv("TASKPLUG_CONTAINER_RUNTIME")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(
        ContainerRuntimeError, match="docker is not installed; podman is not installed"
    ):
        doubler(n=1, word="w", data=File(__file__))


# -- local runs in a real container -----------------------------------------------------------


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Podman set up to run here (runc, cgroupfs, limits within the sandbox's), with a busybox
    image imported from busybox-static; skipped when either is missing."""
    busybox = shutil.which("busybox")
    if shutil.which("podman") is None or busybox is None:
        pytest.skip("podman and busybox-static are not installed (.ci/run installs them)")
    root = tmp_path_factory.mktemp("podman")
    conf = root / "containers.conf"
    nofile = nproc = 1024  # within this sandbox's limits (podman's defaults are not)
    conf.write_text(
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
        '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n'
    )
    env = {"CONTAINERS_CONF": str(conf)}
    rootfs = root / "rootfs.tar"
    with tarfile.open(rootfs, "w") as tar:
        tar.add(busybox, arcname="bin/busybox")
        for name in ("sh", "echo", "cat", "printf"):
            link = tarfile.TarInfo(f"bin/{name}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    full_env = {**os.environ, **env}
    done = subprocess.run(
        ["podman", "import", str(rootfs), IMAGE], capture_output=True, text=True, env=full_env
    )
    if done.returncode != 0:
        pytest.skip(f"podman cannot import an image here: {done.stderr.strip()[-300:]}")
    probe = subprocess.run(
        ["podman", "run", "--rm", IMAGE, "echo", "ok"], capture_output=True, text=True, env=full_env
    )
    if probe.stdout.strip() != "ok":
        pytest.skip(f"podman cannot run a container here: {probe.stderr.strip()[-300:]}")
    return env


@pytest.fixture
def with_podman(podman: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in podman.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TASKPLUG_CONTAINER_RUNTIME", "podman")
    monkeypatch.setattr(container_run, "_CHECKED", {})


@pytest.mark.usefixtures("with_podman")
@pytest.mark.xdist_group("podman")
def test_a_local_run_in_podman(tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_text("payload\n")
    t = ContainerTask(
        name="bound",
        image=IMAGE,
        command=[
            "sh",
            "-c",
            "cat $0 > /var/outputs/copy; echo $(( $1 * 2 )) > /var/outputs/doubled",
        ],
        arguments=["/var/inputs/data", "{{.inputs.n}}"],
        inputs=kwtypes(n=int, data=File),
        outputs=kwtypes(doubled=int, copy=File),
        input_data_dir="/var/inputs",
        output_data_dir="/var/outputs",
    )
    doubled, copy = t(n=21, data=File(str(data)))
    assert doubled == 42
    assert Path(copy).read_text() == "payload\n"


@pytest.mark.usefixtures("with_podman")
@pytest.mark.xdist_group("podman")
def test_podman_in_a_workflow_with_logs(capsys: pytest.CaptureFixture[str]) -> None:
    t = ContainerTask(
        name="say",
        image=IMAGE,
        command=["sh", "-c", "echo said {{.inputs.word}}; printf '%s!' {{.inputs.word}} > /o/loud"],
        inputs=kwtypes(word=str),
        outputs=kwtypes(loud=str),
        output_data_dir="/o",
        local_logs=True,
    )

    @workflow
    def wf(word: str) -> str:
        return t(word=word)

    assert wf(word="hey") == "hey!"
    assert "[Local Container] b'said hey'" in capsys.readouterr().out


@pytest.mark.usefixtures("with_podman")
@pytest.mark.xdist_group("podman")
def test_a_failing_container_names_its_status() -> None:
    t = ContainerTask(name="broken", image=IMAGE, command=["sh", "-c", "echo bad >&2; exit 7"])
    with pytest.raises(ContainerRuntimeError, match=r"'broken'.*exited with status 7: bad"):
        t()
