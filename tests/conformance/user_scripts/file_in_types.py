"""FlyteFile and FlyteDirectory inside dataclasses, pydantic models, lists, dicts and Optional
(flytekit's data types and IO section: dataclass and pydantic examples, written fresh)."""

import dataclasses
import os
import typing

import flytekit
from flytekit import task, workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from pydantic import BaseModel


@dataclasses.dataclass
class Bundle:
    name: str
    readme: FlyteFile
    data: FlyteDirectory
    extra: typing.Optional[FlyteFile] = None


class Release(BaseModel):
    version: str
    notes: FlyteFile
    assets: FlyteDirectory


def _read(path) -> str:
    with open(path) as fh:
        return fh.read()


def _write(path: str, text: str) -> str:
    with open(path, "w") as fh:
        fh.write(text)
    return path


@task
def pack(name: str) -> Bundle:
    wd = flytekit.current_context().working_directory
    data = os.path.join(wd, "data")
    os.makedirs(data)
    _write(os.path.join(data, "values.txt"), "1 2 3")
    readme = _write(os.path.join(wd, "README"), f"# {name}")
    return Bundle(name=name, readme=FlyteFile(readme), data=FlyteDirectory(data))


@task
def unpack(b: Bundle) -> str:
    with open(b.readme) as fh:
        title = fh.read()
    return f"{b.name}: {title} / {sorted(os.listdir(b.data))} / extra={b.extra}"


@task
def release(version: str) -> Release:
    wd = flytekit.current_context().working_directory
    assets = os.path.join(wd, "assets")
    os.makedirs(assets)
    _write(os.path.join(assets, "app.bin"), "bin")
    notes = _write(os.path.join(wd, "NOTES"), f"v{version}")
    return Release(version=version, notes=FlyteFile(notes), assets=FlyteDirectory(assets))


@task
def check(r: Release) -> str:
    with open(r.notes) as fh:
        return f"{r.version} {fh.read()} {sorted(os.listdir(r.assets))}"


@task
def many(n: int) -> typing.List[FlyteFile]:
    wd = flytekit.current_context().working_directory
    return [FlyteFile(_write(os.path.join(wd, f"f{i}.txt"), str(i))) for i in range(n)]


@task
def read_all(files: typing.List[FlyteFile], named: typing.Dict[str, FlyteFile]) -> str:
    texts = [_read(f) for f in files]
    return ",".join(texts) + " | " + ",".join(f"{k}={_read(v)}" for k, v in sorted(named.items()))


@task
def maybe(f: typing.Optional[FlyteFile] = None) -> str:
    return "none" if f is None else _read(f)


@workflow
def bundle_wf(name: str) -> str:
    return unpack(b=pack(name=name))


@workflow
def release_wf(version: str) -> str:
    return check(r=release(version=version))


if __name__ == "__main__":
    print(bundle_wf(name="kit"))
    print(release_wf(version="1.2"))
    files = many(n=3)
    print(read_all(files=files, named={"a": files[0], "b": files[2]}))
    print(maybe(), maybe(f=files[1]))
    r = release(version="2")
    print(r.version, _read(r.notes), sorted(os.listdir(r.assets)))
    print(sorted(Release.model_json_schema()["$defs"]))
