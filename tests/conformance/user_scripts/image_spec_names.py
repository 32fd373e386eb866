"""Image specs as data: names, tags, builders of new specs and is_container()."""

from flytekit import ImageSpec, task, workflow

with open("requirements.txt", "w") as fh:
    fh.write("pandas==2.2.2\npyarrow\n")
with open("settings.toml", "w") as fh:
    fh.write("[tool]\nname = 'demo'\n")

base = ImageSpec(registry="ghcr.io/acme", packages=["pandas", "pyarrow"])
gpu = ImageSpec(
    name="Trainer",
    python_version="3.11",
    registry="localhost:30000",
    apt_packages=["git"],
    cuda="12.1",
    env={"MODE": "train"},
    requirements="requirements.txt",
    copy=["settings.toml"],
    tag_format="{spec_hash}-gpu",
)
child = ImageSpec(base_image=base, packages=["scikit-learn"], registry="ghcr.io/acme")
more = base.with_packages("polars").with_apt_packages(["curl"]).with_commands("echo hi")

print("module level:", base.is_container(), gpu.is_container())
for spec in (base, gpu, child, more, ImageSpec(), ImageSpec(name="plain", builder="noop")):
    print(spec.name, spec.image_name(), spec.id == spec.id, spec.platform)
print(
    "same spec, same tag:",
    ImageSpec(registry="ghcr.io/acme", packages=["pandas", "pyarrow"]).tag == base.tag,
)
print("packages:", more.packages, more.apt_packages, more.commands)
print("unchanged:", base.packages)

try:
    ImageSpec(registry="Not A Registry!")
except ValueError:
    print("bad registry refused")
try:
    ImageSpec(packages="pandas")
except ValueError:
    print("packages must be a list")


@task(container_image=base)
def inside() -> bool:
    return base.is_container()


@task(container_image=gpu)
def add(a: int, b: int) -> int:
    return a + b


@workflow
def wf() -> bool:
    return inside()


if __name__ == "__main__":
    print("task called directly:", inside())
    print("task in a workflow:", wf())
    print("add:", add(a=2, b=3))
