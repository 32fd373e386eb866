"""``taskplug render-pod FILE TASK``: a complete, valid Pod manifest in YAML."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import validate_manifest

from taskplug.cli import TaskplugGroup, main

TASKS = textwrap.dedent(
    """
    from taskplug import PodTemplate, Resources, task, workflow
    from taskplug.accelerators import A100
    from taskplug_k8s_pod import Pod

    SPEC = {
        "containers": [
            {"name": "primary"},
            {"name": "proxy", "image": "envoyproxy/envoy:v1.30.1"},
            {"name": "exporter", "image": "{{.image.tools.fqn}}:{{.image.tools.version}}"},
        ],
    }


    @task(
        requests=Resources(cpu="1", mem="2Gi"),
        limits=Resources(gpu=1),
        accelerator=A100.partition_2g_10gb,
        shared_memory="1Gi",
        pod_template=PodTemplate(pod_spec=SPEC, labels={"team": "ml"}),
    )
    def train(epochs: int) -> float:
        return epochs / 2


    @task(task_config=Pod(pod_spec={"containers": []}))
    def legacy(x: int) -> int:
        return x


    @task(requests=Resources(cpu="500m"))
    def plain(x: int) -> int:
        return x


    @workflow
    def flow(x: int) -> int:
        return plain(x=x)
    """
)


_COUNTER = itertools.count()


@pytest.fixture
def tasks_file(tmp_path: Path) -> Path:
    path = tmp_path / f"pod_cli_tasks_{next(_COUNTER)}.py"
    path.write_text(TASKS)
    return path


def render(tasks_file: Path, *args: str) -> dict:
    group = TaskplugGroup(name="taskplug", commands=dict(main.commands))
    result = CliRunner().invoke(group, ["render-pod", str(tasks_file), *args])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    validate_manifest(manifest, full=True)
    return manifest


def test_render_pod_prints_a_valid_manifest(tasks_file: Path) -> None:
    m = render(
        tasks_file,
        "train",
        "-i",
        "ghcr.io/acme/app:1.2",
        "-i",
        "tools=ghcr.io/acme/tools:7",
        "-p",
        "ml",
    )
    spec = m["spec"]
    assert [c["name"] for c in spec["containers"]] == ["primary", "proxy", "exporter"]
    primary = spec["containers"][0]
    assert primary["image"] == "ghcr.io/acme/app:1.2"
    assert spec["containers"][2]["image"] == "ghcr.io/acme/tools:7"
    assert primary["resources"]["limits"] == {"nvidia.com/mig-2g.10gb": "1"}
    assert primary["resources"]["requests"] == {
        "cpu": "1",
        "memory": "2Gi",
        "nvidia.com/mig-2g.10gb": "1",
    }
    assert {"name": "flyte-shared-memory", "mountPath": "/dev/shm"} in primary["volumeMounts"]
    assert m["metadata"]["namespace"] == "ml-development"
    assert m["metadata"]["labels"]["team"] == "ml"
    assert "{{" not in yaml.safe_dump(m)


def test_render_pod_for_legacy_and_plain_tasks(tasks_file: Path) -> None:
    legacy = render(tasks_file, "legacy")
    assert [c["name"] for c in legacy["spec"]["containers"]] == ["primary"]
    plain = render(tasks_file, "plain")
    [container] = plain["spec"]["containers"]
    assert container["name"] == plain["metadata"]["name"]  # Flyte names it after the pod
    assert container["resources"]["requests"] == {"cpu": "500m"}


def test_render_pod_writes_a_file_and_reports_unknown_tasks(
    tasks_file: Path, tmp_path: Path
) -> None:
    group = TaskplugGroup(name="taskplug", commands=dict(main.commands))
    out = tmp_path / "pod.yaml"
    args = ["render-pod", str(tasks_file), "train", "-i", "tools=ghcr.io/acme/tools:7"]
    result = CliRunner().invoke(group, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    validate_manifest(yaml.safe_load(out.read_text()), full=True)
    result = CliRunner().invoke(group, ["render-pod", str(tasks_file), "nope"])
    assert result.exit_code != 0 and "named 'nope'" in result.output
    result = CliRunner().invoke(group, ["render-pod", str(tasks_file), "flow"])
    assert result.exit_code != 0 and "not a task" in result.output


def test_taskplug_help_lists_render_pod_in_a_real_process(tasks_file: Path) -> None:
    code = "import sys; from taskplug.cli import main; sys.exit(main())"
    env = dict(os.environ)
    help_out = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, check=False, env=env
    )
    assert help_out.returncode == 0, help_out.stderr
    assert "render-pod" in help_out.stdout
    out = subprocess.run(
        [sys.executable, "-c", code, "render-pod", str(tasks_file), "legacy"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    validate_manifest(yaml.safe_load(out.stdout), full=True)
