"""Task kinds written once for both libraries (tests/conformance/test_task_kinds_wire.py).

``CATALOGUE`` is written to disk twice as module ``kindcat``, after ``HEADERS[lib]``; each
library serializes its own copy. ``script.sh``, ``requirements.txt`` and ``data/`` are written
next to it first (a script file, an image spec's requirements and copied files).
"""

from __future__ import annotations

HEADERS = {
    "flytekit": (
        "from flytekit import ContainerTask, ImageSpec, Resources, Secret, kwtypes, task\n"
        "from flytekit.core.base_task import TaskMetadata\n"
        "from flytekit.extras.tasks.shell import OutputLocation, RawShellTask, ShellTask\n"
        "from flytekit.types.directory import FlyteDirectory as Directory\n"
        "from flytekit.types.file import FlyteFile as File\n"
    ),
    "taskplug": (
        "from taskplug import ContainerTask, ImageSpec, Resources, Secret, kwtypes, task\n"
        "from taskplug.core.base_task import TaskMetadata\n"
        "from taskplug.extras.tasks.shell import OutputLocation, RawShellTask, ShellTask\n"
        "from taskplug.types import Directory, File\n"
    ),
}

FILES = {
    "script.sh": "echo from a file {inputs.n}\n",
    "requirements.txt": "pandas==2.2.0\nnumpy\n",
    "data/a.txt": "alpha\n",
    "data/sub/b.txt": "beta\n",
    "extra.txt": "extra\n",
}

CATALOGUE = """
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# -- shell tasks ---------------------------------------------------------------------------

shell_plain = ShellTask(name="shell_plain", script="echo hello", inputs=kwtypes())

shell_io = ShellTask(
    name="shell_io",
    debug=True,
    script="cat {inputs.src} > {outputs.copy}; mkdir -p {outputs.folder}; echo {inputs.n}",
    inputs=kwtypes(src=File, n=int, label=str),
    output_locs=[
        OutputLocation(var="copy", var_type=File, location="{inputs.src}.copy"),
        OutputLocation(var="folder", var_type=Directory, location="out-{inputs.label}"),
    ],
)

shell_options = ShellTask(
    name="shell_options",
    script="echo {inputs.n}",
    inputs=kwtypes(n=int),
    shell="/bin/bash",
    requests=Resources(cpu="1", mem="1Gi"),
    limits=Resources(mem="2Gi"),
    environment={"MODE": "fast"},
    container_image="ghcr.io/acme/shell:2",
    metadata=TaskMetadata(retries=2, cache=True, cache_version="1"),
)

shell_file = ShellTask(
    name="shell_file",
    script_file=os.path.join(HERE, "script.sh"),
    inputs=kwtypes(n=int),
)

shell_raw = RawShellTask(
    name="shell_raw",
    script="{inputs.export_env} echo {inputs.script_args}",
    inputs=kwtypes(env=dict[str, str], script_args=str),
)

# -- raw containers ------------------------------------------------------------------------

ellipse = ContainerTask(
    name="ellipse-area-metadata-shell",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=float, b=float),
    outputs=kwtypes(area=float, metadata=str),
    image="ghcr.io/flyteorg/rawcontainers-shell:v2",
    command=["./calculate-ellipse-area.sh", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"],
    metadata=TaskMetadata(cache=True, cache_version="1.0"),
)

container_full = ContainerTask(
    name="container-full",
    image="ghcr.io/acme/tool:3",
    command=["tool"],
    arguments=["--in", "/in/data", "--n", "{{.inputs.n}}"],
    inputs=kwtypes(data=File, n=int),
    outputs=kwtypes(report=File, count=int),
    input_data_dir="/in",
    output_data_dir="/out",
    metadata_format=ContainerTask.MetadataFormat.YAML,
    requests=Resources(cpu="2", mem="4Gi", ephemeral_storage="10Gi"),
    limits=Resources(cpu="4", gpu="1"),
    environment={"TOOL_MODE": "strict"},
    secret_requests=[Secret(group="db", key="password")],
    pod_template_name="big-nodes",
    metadata=TaskMetadata(retries=3, timeout=600, interruptible=True),
)

container_proto = ContainerTask(
    name="container-proto",
    image="{{.image.spark.fqn}}:{{.image.default.version}}",
    command=["run"],
    metadata_format=ContainerTask.MetadataFormat.PROTO,
    resources=Resources(cpu=("1", "2"), mem=("1Gi", "2Gi")),
)

container_no_dirs = ContainerTask(name="container-no-dirs", image="busybox:1.36", command=["true"])

# -- image specs ---------------------------------------------------------------------------

plain_spec = ImageSpec(registry="ghcr.io/acme", packages=["pandas", "pyarrow"])


@task(container_image=plain_spec)
def on_plain_spec(x: int) -> int:
    return x


full_spec = ImageSpec(
    name="Full-Image",
    python_version="3.11",
    registry="localhost:30000",
    packages=["scikit-learn==1.5.0"],
    apt_packages=["git", "curl"],
    env={"LANG": "C.UTF-8"},
    conda_packages=["numpy"],
    conda_channels=["conda-forge"],
    cuda="12.1",
    cudnn="8",
    pip_index="https://pypi.example.com/simple",
    pip_extra_index_url=["https://extra.example.com/simple"],
    pip_extra_args="--no-cache-dir",
    entrypoint=["python"],
    commands=["echo built"],
    requirements=os.path.join(HERE, "requirements.txt"),
    runtime_packages=["tabulate"],
    builder_options={"pull": True},
    tag_format="{spec_hash}-dev",
)


@task(container_image=full_spec, environment={"TASK": "env"})
def on_full_spec(x: int) -> int:
    return x


copy_spec = ImageSpec(
    base_image=ImageSpec(name="base", registry="ghcr.io/acme", packages=["requests"]),
    registry="ghcr.io/acme",
    builder="default",
    copy=[os.path.join(HERE, "data"), os.path.join(HERE, "extra.txt")],
)


@task(container_image=copy_spec)
def on_copy_spec(x: int) -> int:
    return x


spec_container = ContainerTask(
    name="spec-container",
    image=ImageSpec(base_image="ghcr.io/flyteorg/rawcontainers-python:v2", registry="localhost:30000"),
    command=["python", "main.py", "{{.inputs.a}}"],
    inputs=kwtypes(a=float),
    outputs=kwtypes(area=float),
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
)
"""
