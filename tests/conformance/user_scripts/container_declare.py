"""Raw container tasks declared, used in a workflow, described (no container runs)."""

from flytekit import ContainerTask, ImageSpec, Resources, kwtypes, task, workflow
from flytekit.core.base_task import TaskMetadata

ellipse = ContainerTask(
    name="ellipse-area",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=float, b=float),
    outputs=kwtypes(area=float, metadata=str),
    image="ghcr.io/flyteorg/rawcontainers-shell:v2",
    command=["./calculate-ellipse-area.sh", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"],
    metadata=TaskMetadata(cache=True, cache_version="1.0"),
)

python_area = ContainerTask(
    name="ellipse-area-python",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=float, b=float),
    outputs=kwtypes(area=float, metadata=str),
    image=ImageSpec(
        base_image="ghcr.io/flyteorg/rawcontainers-python:v2",
        registry="localhost:30000",
        packages=["numpy"],
    ),
    command=["python", "area.py", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"],
    requests=Resources(cpu="1", mem="500Mi"),
    metadata_format=ContainerTask.MetadataFormat.YAML,
)


@task
def report(area: float, metadata: str) -> str:
    return f"{area:.2f} ({metadata})"


@workflow
def wf(a: float, b: float) -> str:
    area, metadata = ellipse(a=a, b=b)
    return report(area=area, metadata=metadata)


if __name__ == "__main__":
    for t in (ellipse, python_area):
        print(
            t.name, t.task_type, list(t.python_interface.inputs), list(t.python_interface.outputs)
        )
        print("  metadata:", t.metadata.cache, t.metadata.cache_version, t.metadata.retries)
    print("formats:", [f.name for f in ContainerTask.MetadataFormat])
    print("workflow declared:", wf.name)
