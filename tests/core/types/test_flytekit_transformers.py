"""Transformers written for flytekit (``name=, t=``; ``ctx``-first methods returning flytekit
models) run through the adapter; the models are views of flyteidl messages."""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug import task, workflow
from taskplug.core.type_engine import AsyncTypeTransformer
from taskplug.core.type_engine import TypeEngine as FlytekitEngine
from taskplug.errors import TypeTransformerFailedError, UnsupportedTypeError
from taskplug.models.core.types import BlobType
from taskplug.models.literals import (
    Blob,
    BlobMetadata,
    Literal,
    LiteralCollection,
    LiteralMap,
    Primitive,
    Scalar,
    StructuredDataset,
    StructuredDatasetMetadata,
)
from taskplug.models.types import LiteralType, SimpleType, StructuredDatasetType
from taskplug.testing.manager import fresh_plugin_manager
from taskplug.types import TypeEngine, TypeTransformer
from taskplug.types.flytekit_form import FlytekitTransformerAdapter, is_flytekit_form


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    with fresh_plugin_manager(autoload=False):
        yield


# -- a flytekit-written transformer ----------------------------------------------------------


class Folder:
    """Files in a directory (flytekit's custom_types example, written afresh)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def names(self) -> list[str]:
        return sorted(os.listdir(self.base))


class FolderTransformer(TypeTransformer[Folder]):
    BLOB = BlobType(format="folder", dimensionality=BlobType.BlobDimensionality.MULTIPART)

    def __init__(self) -> None:
        super().__init__(name="folder-transformer", t=Folder)
        self.contexts: list[Any] = []

    def get_literal_type(self, t: type[Folder]) -> LiteralType:
        return LiteralType(blob=self.BLOB)

    def to_literal(
        self, ctx: Any, python_val: Folder, python_type: type[Folder], expected: LiteralType
    ) -> Literal:
        self.contexts.append(ctx)
        assert expected.blob.format == "folder"
        remote = ctx.file_access.get_random_remote_directory()
        ctx.file_access.upload_directory(python_val.base, remote)
        return Literal(scalar=Scalar(blob=Blob(uri=remote, metadata=BlobMetadata(type=self.BLOB))))

    def to_python_value(self, ctx: Any, lv: Literal, expected_python_type: type[Folder]) -> Folder:
        local = ctx.file_access.get_random_local_directory()
        ctx.file_access.download_directory(lv.scalar.blob.uri, local)
        return Folder(local)


def test_the_flytekit_form_is_recognised() -> None:
    assert is_flytekit_form(FolderTransformer())

    class Native(TypeTransformer[int]):
        def to_literal(self, value: int, t: Any) -> Any: ...
        def to_python_value(self, literal: Any, t: Any) -> int: ...

    assert not is_flytekit_form(Native("n", int))


def test_a_flytekit_transformer_runs_through_tasks_and_workflows(tmp_path: Path) -> None:
    transformer = FolderTransformer()
    FlytekitEngine.register(transformer)
    assert FlytekitEngine.get_transformer(Folder) is transformer
    assert isinstance(TypeEngine.find_transformer(Folder), FlytekitTransformerAdapter)

    @task
    def make(n: int) -> Folder:
        folder = tmp_path / f"made{n}"
        folder.mkdir()
        for i in range(n):
            (folder / f"f{i}").write_text(str(i))
        return Folder(str(folder))

    @task
    def count(folder: Folder) -> list[str]:
        return folder.names()

    @workflow
    def wf(n: int) -> list[str]:
        return count(folder=make(n=n))

    assert wf(n=3) == ["f0", "f1", "f2"]
    made = make(n=2)
    assert made.names() == ["f0", "f1"]
    assert not made.base.startswith(str(tmp_path))  # read back from its "remote" copy
    assert transformer.contexts and all(hasattr(c, "file_access") for c in transformer.contexts)
    lt = TypeEngine.to_literal_type(Folder)
    assert lt.blob.format == "folder"
    assert lt.blob.dimensionality == types_pb2.BlobType.MULTIPART


def test_the_native_engine_registers_the_flytekit_form_too() -> None:
    TypeEngine.register(FolderTransformer())
    assert isinstance(TypeEngine.find_transformer(Folder), FlytekitTransformerAdapter)


class Celsius(float):
    pass


class CelsiusTransformer(TypeTransformer[Celsius]):
    def __init__(self, result: Any = None) -> None:
        super().__init__("celsius", Celsius)
        self.result = result

    def get_literal_type(self, t: Any) -> LiteralType:
        return LiteralType(simple=SimpleType.FLOAT)

    def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Any) -> Any:
        if self.result is not None:
            return self.result
        return Literal(scalar=Scalar(primitive=Primitive(float_value=float(python_val))))

    def to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> Celsius:
        return Celsius(lv.scalar.primitive.float_value)


def test_flytekit_engine_calls_with_ctx_return_models() -> None:
    FlytekitEngine.register(CelsiusTransformer())
    lit = FlytekitEngine.to_literal(None, Celsius(21.5), Celsius, None)
    assert isinstance(lit, Literal)
    assert lit.scalar.primitive.float_value == 21.5
    assert FlytekitEngine.to_python_value(None, lit, Celsius) == Celsius(21.5)
    assert FlytekitEngine.to_python_value(None, lit.to_flyte_idl(), Celsius) == 21.5
    lt = FlytekitEngine.to_literal_type(list[Celsius])
    assert lt.collection_type.simple == SimpleType.FLOAT


def test_a_flytekit_transformer_returning_the_wrong_thing_is_named() -> None:
    TypeEngine.register(CelsiusTransformer(result="not a literal"))
    with pytest.raises(TypeTransformerFailedError, match=r"'celsius'.*to_literal returned str"):
        TypeEngine.to_literal(Celsius(1.0), Celsius)


def test_values_are_checked_by_the_transformer_assert_type() -> None:
    TypeEngine.register(CelsiusTransformer())
    with pytest.raises(TypeTransformerFailedError, match="Celsius"):
        TypeEngine.to_literal(1.5, Celsius)


def test_flyteidl_messages_are_accepted_in_place_of_models() -> None:
    class Raw(CelsiusTransformer):
        def get_literal_type(self, t: Any) -> Any:
            return types_pb2.LiteralType(simple=types_pb2.SimpleType.FLOAT)

        def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Any) -> Any:
            lit = literals_pb2.Literal()
            lit.scalar.primitive.float_value = float(python_val)
            return lit

    TypeEngine.register(Raw())
    assert TypeEngine.to_python_value(TypeEngine.to_literal(Celsius(3.0), Celsius), Celsius) == 3.0


class AsyncCelsius(AsyncTypeTransformer[Celsius]):
    def __init__(self) -> None:
        super().__init__(name="async-celsius", t=Celsius)

    def get_literal_type(self, t: Any) -> LiteralType:
        return LiteralType(simple=SimpleType.FLOAT)

    async def async_to_literal(
        self, ctx: Any, python_val: Any, python_type: Any, expected: Any
    ) -> Any:
        await asyncio.sleep(0)
        return Literal(scalar=Scalar(primitive=Primitive(float_value=float(python_val))))

    async def async_to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> Celsius:
        return Celsius(lv.scalar.primitive.float_value)


def test_async_flytekit_transformers_run_from_sync_and_async_code() -> None:
    FlytekitEngine.register(AsyncCelsius())

    @task
    def warm(c: Celsius) -> Celsius:
        return Celsius(c + 1)

    assert warm(c=Celsius(20.0)) == 21.0

    async def inside_a_loop() -> Any:
        return TypeEngine.to_python_value(TypeEngine.to_literal(Celsius(5.0), Celsius), Celsius)

    assert asyncio.run(inside_a_loop()) == 5.0


def test_the_constructor_takes_flytekit_keywords() -> None:
    tr = TypeTransformer(name="x", t=int, enable_type_assertions=False)
    assert tr.python_type is int and tr.type_assertions_enabled is False
    with pytest.raises(TypeError, match="python_type or t, not both"):
        TypeTransformer("x", int, t=int)
    with pytest.raises(TypeError, match="needs the Python type"):
        TypeTransformer("x")


def test_a_flytekit_transformer_without_to_python_value_is_refused() -> None:
    class Half(TypeTransformer[Celsius]):
        def get_literal_type(self, t: Any) -> LiteralType:
            return LiteralType(simple=SimpleType.FLOAT)

        def to_literal(self, ctx: Any, python_val: Any, python_type: Any, expected: Any) -> Any:
            return Literal(scalar=Scalar(primitive=Primitive(float_value=1.0)))

    TypeEngine.register(Half("half", Celsius))
    with pytest.raises(UnsupportedTypeError, match="neither to_python_value nor"):
        TypeEngine.converter(Celsius)


def test_additional_types_and_override() -> None:
    class Kelvin(float):
        pass

    FlytekitEngine.register(CelsiusTransformer(), [Kelvin])
    assert FlytekitEngine.get_transformer(Kelvin).name == "celsius"
    FlytekitEngine.register_additional_type(AsyncCelsius(), Kelvin, override=True)
    assert FlytekitEngine.get_transformer(Kelvin).name == "async-celsius"


def test_annotated_types_reach_flytekit_methods_as_written() -> None:
    seen: list[Any] = []

    class Seeing(CelsiusTransformer):
        def get_literal_type(self, t: Any) -> LiteralType:
            seen.append(t)
            return LiteralType(simple=SimpleType.FLOAT)

    TypeEngine.register(Seeing())
    TypeEngine.converter(Annotated[Celsius, "unit"])
    assert seen == [Annotated[Celsius, "unit"]]


# -- the models --------------------------------------------------------------------------------


def test_models_build_flyteidl_messages_with_flytekit_keywords() -> None:
    blob_type = BlobType(format="csv", dimensionality=BlobType.BlobDimensionality.SINGLE)
    lit = Literal(scalar=Scalar(blob=Blob(metadata=BlobMetadata(type=blob_type), uri="s3://b/k")))
    expected = literals_pb2.Literal()
    expected.scalar.blob.uri = "s3://b/k"
    expected.scalar.blob.metadata.type.format = "csv"
    assert lit.to_flyte_idl() == expected
    assert lit.scalar.blob.metadata.type.format == "csv"
    assert lit.collection is None and lit.map is None and lit.hash is None
    assert lit.scalar.primitive is None
    assert lit.value == lit.scalar
    assert Literal.from_flyte_idl(expected) == lit
    assert hash(Literal.from_flyte_idl(expected)) == hash(lit)
    assert str(lit).startswith("Flyte Serialized object (Literal):")
    assert "uri: s3://b/k" in str(lit)


def test_model_views_share_their_message() -> None:
    msg = literals_pb2.Literal()
    view = Literal.from_flyte_idl(msg)
    view.hash = "abc"
    assert msg.hash == "abc"
    assert view.to_flyte_idl() is msg


def test_collections_maps_primitives() -> None:
    when = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)
    coll = Literal(
        collection=LiteralCollection(
            literals=[
                Literal(scalar=Scalar(primitive=Primitive(integer=1))),
                Literal(scalar=Scalar(primitive=Primitive(datetime=when))),
            ]
        ),
        hash="h",
    )
    items = coll.collection.literals
    assert [i.scalar.primitive.value for i in items] == [1, when]
    assert coll.hash == "h"
    lm = LiteralMap(literals={"a": items[0]})
    assert lm.literals["a"].scalar.primitive.integer == 1
    assert Primitive(duration=datetime.timedelta(seconds=3)).duration == datetime.timedelta(
        seconds=3
    )


def test_structured_dataset_models() -> None:
    col = StructuredDatasetType.DatasetColumn(
        name="a", literal_type=LiteralType(simple=SimpleType.INTEGER)
    )
    sdt = StructuredDatasetType(columns=[col], format="parquet")
    sd = StructuredDataset(
        uri="/t", metadata=StructuredDatasetMetadata(structured_dataset_type=sdt)
    )
    assert sd.metadata.structured_dataset_type.columns[0].name == "a"
    assert sd.metadata.structured_dataset_type.external_schema_type is None
    sd.metadata.structured_dataset_type.format = "csv"  # a view: writes through
    assert sd.to_flyte_idl().metadata.structured_dataset_type.format == "csv"
    lt = LiteralType(structured_dataset_type=sdt, metadata={"k": "v"})
    assert lt.metadata == {"k": "v"}
    assert lt.simple is None


def test_models_refuse_the_wrong_kind_of_part() -> None:
    with pytest.raises(TypeError, match="Scalar field 'scalar'|scalar"):
        Literal(scalar=Blob(metadata=BlobMetadata(type=BlobType("x", 0)), uri="u"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Literal.from_flyte_idl takes a Literal"):
        Literal.from_flyte_idl(literals_pb2.Scalar())


def test_top_level_names() -> None:
    import taskplug

    assert taskplug.Literal is Literal
    assert taskplug.BlobType is BlobType
    assert taskplug.LiteralType is LiteralType
    assert taskplug.StructuredDatasetType is StructuredDatasetType
