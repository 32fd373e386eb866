"""TypeTransformers written for flytekit: one value as a string literal, one folder of files as
a multipart blob moved with ctx.file_access, registered with TypeEngine.register."""

import os
import tempfile
import typing
from pathlib import Path

from flytekit import Blob, BlobMetadata, BlobType, Literal, LiteralType, Scalar, task, workflow
from flytekit.core.type_engine import TypeEngine, TypeTransformer
from flytekit.models.literals import Primitive
from flytekit.models.types import SimpleType


class Coordinates:
    def __init__(self, lat: float, lon: float):
        self.lat = lat
        self.lon = lon

    def __repr__(self):
        return f"Coordinates({self.lat}, {self.lon})"


class CoordinatesTransformer(TypeTransformer[Coordinates]):
    def __init__(self):
        super().__init__(name="coordinates", t=Coordinates)

    def get_literal_type(self, t: typing.Type[Coordinates]) -> LiteralType:
        return LiteralType(simple=SimpleType.STRING)

    def to_literal(
        self, ctx, python_val: Coordinates, python_type, expected: LiteralType
    ) -> Literal:
        return Literal(
            scalar=Scalar(primitive=Primitive(string_value=f"{python_val.lat};{python_val.lon}"))
        )

    def to_python_value(self, ctx, lv: Literal, expected_python_type) -> Coordinates:
        lat, lon = lv.scalar.primitive.string_value.split(";")
        return Coordinates(float(lat), float(lon))


class Notebook:
    """Pages (text files) in a folder."""

    def __init__(self, folder: typing.Optional[str] = None):
        if folder is None:
            self._tmp = tempfile.TemporaryDirectory()
            folder = self._tmp.name
        self.folder = folder

    def write(self, name: str, text: str) -> None:
        Path(self.folder, name).write_text(text)

    def pages(self) -> typing.List[str]:
        return sorted(os.listdir(self.folder))

    def read(self, name: str) -> str:
        return Path(self.folder, name).read_text()


class NotebookTransformer(TypeTransformer[Notebook]):
    BLOB = BlobType(format="notebook", dimensionality=BlobType.BlobDimensionality.MULTIPART)

    def __init__(self):
        super().__init__(name="notebook", t=Notebook)

    def get_literal_type(self, t: typing.Type[Notebook]) -> LiteralType:
        return LiteralType(blob=self.BLOB)

    def to_literal(self, ctx, python_val: Notebook, python_type, expected: LiteralType) -> Literal:
        remote = ctx.file_access.get_random_remote_directory()
        ctx.file_access.upload_directory(python_val.folder, remote)
        return Literal(scalar=Scalar(blob=Blob(uri=remote, metadata=BlobMetadata(type=self.BLOB))))

    def to_python_value(self, ctx, lv: Literal, expected_python_type) -> Notebook:
        local = ctx.file_access.get_random_local_directory()
        ctx.file_access.download_directory(lv.scalar.blob.uri, local)
        return Notebook(local)


TypeEngine.register(CoordinatesTransformer())
TypeEngine.register(NotebookTransformer())


@task
def locate(city: str) -> Coordinates:
    known = {"paris": Coordinates(48.85, 2.35), "lima": Coordinates(-12.05, -77.04)}
    return known[city]


@task
def hemisphere(where: Coordinates) -> str:
    return "north" if where.lat >= 0 else "south"


@task
def many(n: int) -> typing.List[Coordinates]:
    return [Coordinates(float(i), float(-i)) for i in range(n)]


@task
def write_notes(topics: typing.List[str]) -> Notebook:
    book = Notebook()
    for i, topic in enumerate(topics):
        book.write(f"page{i}.txt", f"notes about {topic}")
    return book


@task
def summarize(book: Notebook) -> str:
    return " | ".join(book.read(p) for p in book.pages())


@workflow
def city_wf(city: str) -> str:
    return hemisphere(where=locate(city=city))


@workflow
def notes_wf(topics: typing.List[str]) -> str:
    return summarize(book=write_notes(topics=topics))


if __name__ == "__main__":
    print(locate(city="paris"))
    print(city_wf(city="lima"))
    print(many(n=3))
    print(notes_wf(topics=["types", "literals"]))
    print(write_notes(topics=["a", "b", "c"]).pages())
    print(TypeEngine.to_literal_type(Coordinates))
