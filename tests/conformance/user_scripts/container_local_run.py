# user-script: fails="area = ellipse(a=1.5, b=2.0)"
"""Running a raw container task locally needs a container runtime; here there is none."""

from flytekit import ContainerTask, kwtypes

ellipse = ContainerTask(
    name="ellipse-area",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(a=float, b=float),
    outputs=kwtypes(area=float),
    image="ghcr.io/flyteorg/rawcontainers-shell:v2",
    command=["./calculate-ellipse-area.sh", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"],
)

if __name__ == "__main__":
    area = ellipse(a=1.5, b=2.0)
    print(area)
