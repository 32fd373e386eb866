"""Wire forms of issue 15's type features, against flytekit 1.16.

* ``HashMethod`` in ``Annotated``: the literal's ``hash`` field (whole values and list items);
* ``Iterator[T]``: collection literals, read by both sides;
* ``numpy.ndarray``: ``NumpyArray`` blobs, read by both sides;
* ``-> (int, str)``: interfaces of tasks and workflows equal to ``typing.Tuple[int, str]``'s;
* transformers written for flytekit (``ctx``-first methods, flytekit models): the same
  transformer source registered in both engines gives the same literal types and literals;
* CSV tables (``Annotated[StructuredDataset, CSV]``): each side reads what the other wrote.

Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import importlib
import sys
import typing
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from fk_engine import fk_ctx, fk_literal, fk_value  # noqa: E402
from flyteidl.core import literals_pb2  # noqa: E402
from flytekit.core.type_engine import TypeEngine as FkEngine  # noqa: E402

import taskplug  # noqa: E402
from taskplug.types import TypeEngine  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]


@pytest.fixture(scope="module")
def ctx() -> Any:
    return fk_ctx()


# -- HashMethod ---------------------------------------------------------------------------------


def _digest(v: Any) -> str:
    return f"h:{v!r}"


HASH_CASES = [
    (
        "int",
        typing.Annotated[int, flytekit.HashMethod(_digest)],
        typing.Annotated[int, taskplug.HashMethod(_digest)],
        7,
    ),
    (
        "list",
        typing.Annotated[list[str], flytekit.HashMethod(_digest)],
        typing.Annotated[list[str], taskplug.HashMethod(_digest)],
        ["a", "b"],
    ),
    (
        "items",
        list[typing.Annotated[int, flytekit.HashMethod(_digest)]],
        list[typing.Annotated[int, taskplug.HashMethod(_digest)]],
        [1, 2],
    ),
]


@pytest.mark.parametrize(
    ("name", "fk_t", "tp_t", "value"), HASH_CASES, ids=[c[0] for c in HASH_CASES]
)
def test_hash_method_literals_match(ctx: Any, name: str, fk_t: Any, tp_t: Any, value: Any) -> None:
    expected = fk_literal(ctx, value, fk_t)
    got = TypeEngine.to_literal(value, tp_t)
    assert got == expected
    assert got.SerializeToString(deterministic=True) == expected.SerializeToString(
        deterministic=True
    )
    assert TypeEngine.to_literal_type(tp_t) == FkEngine.to_literal_type(fk_t).to_flyte_idl()


# -- Iterator[T] --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "value"),
    [
        (typing.Iterator[int], [1, 2, 3]),
        (typing.Iterator[str], ["x"]),
        (typing.Iterator[float], []),
    ],
)
def test_iterator_literals_match_and_cross_read(ctx: Any, t: Any, value: list[Any]) -> None:
    assert TypeEngine.to_literal_type(t) == FkEngine.to_literal_type(t).to_flyte_idl()
    ours = TypeEngine.to_literal(iter(value), t)
    theirs = fk_literal(ctx, iter(value), t)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
    assert list(fk_value(ctx, ours, t)) == value
    assert list(TypeEngine.to_python_value(theirs, t)) == value


# -- numpy.ndarray ------------------------------------------------------------------------------

np = pytest.importorskip("numpy", reason="numpy comes with pandas in the conformance env")


def _without_uri(lit: literals_pb2.Literal) -> literals_pb2.Literal:
    out = literals_pb2.Literal()
    out.CopyFrom(lit)
    out.scalar.blob.uri = ""
    return out


def test_numpy_literal_types_match() -> None:
    assert (
        TypeEngine.to_literal_type(np.ndarray)
        == FkEngine.to_literal_type(np.ndarray).to_flyte_idl()
    )


@pytest.mark.parametrize(
    "array",
    [np.arange(6, dtype=np.int64).reshape(2, 3), np.array([1.5, 2.5]), np.array(["a", "bc"])],
    ids=["int-2d", "float", "str"],
)
def test_numpy_literals_match_and_cross_read(ctx: Any, array: Any) -> None:
    ours = TypeEngine.to_literal(array, np.ndarray)
    theirs = fk_literal(ctx, array, np.ndarray)
    assert _without_uri(ours) == _without_uri(theirs)
    assert ours.scalar.blob.uri.endswith(".npy")
    assert fk_value(ctx, ours, np.ndarray).tolist() == array.tolist()
    assert TypeEngine.to_python_value(theirs, np.ndarray).tolist() == array.tolist()


def test_numpy_object_arrays_with_allow_pickle(ctx: Any) -> None:
    array = np.array([{"k": 1}, None], dtype=object)
    fk_t = typing.Annotated[np.ndarray, flytekit.kwtypes(allow_pickle=True)]
    tp_t = typing.Annotated[np.ndarray, taskplug.kwtypes(allow_pickle=True)]
    theirs = fk_literal(ctx, array, fk_t)
    assert TypeEngine.to_python_value(theirs, tp_t).tolist() == array.tolist()
    assert fk_value(ctx, TypeEngine.to_literal(array, tp_t), fk_t).tolist() == array.tolist()


# -- tuple-literal return annotations -----------------------------------------------------------

TUPLE_SOURCE = """
import typing


@task
def split(a: int, b: int) -> (int, int):
    return a // b, a % b


@task
def label(q: int, r: int) -> (str, typing.List[int]):
    return f"{q}r{r}", [q, r]


@workflow
def tuple_wf(a: int, b: int) -> (str, typing.List[int]):
    q, r = split(a=a, b=b)
    return label(q=q, r=r)
"""


def _load(lib: str, tmp: Path) -> Any:
    folder = tmp / lib
    folder.mkdir()
    header = f"from {lib} import task, workflow\n"
    (folder / "tuplecat.py").write_text(header + TUPLE_SOURCE)
    sys.modules.pop("tuplecat", None)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("tuplecat")
    finally:
        sys.path.remove(str(folder))


def test_tuple_literal_interfaces_match(tmp_path: Path) -> None:
    from flytekit.configuration import ImageConfig as FkImageConfig
    from flytekit.configuration import SerializationSettings as FkSettings
    from flytekit.tools.translator import get_serializable

    from taskplug.serialization import serialize
    from taskplug.settings import ImageConfig, SerializationSettings
    from taskplug.workflows.serialize import workflow_spec

    fk_mod = _load("flytekit", tmp_path)
    fk_settings = FkSettings(
        project="p", domain="d", version="v", image_config=FkImageConfig.from_images("img:1")
    )
    fk_wf = get_serializable(OrderedDict(), fk_settings, fk_mod.tuple_wf).to_flyte_idl()
    fk_tasks = {
        name: get_serializable(
            OrderedDict(), fk_settings, getattr(fk_mod, name)
        ).template.to_flyte_idl()
        for name in ("split", "label")
    }
    tp_mod = _load("taskplug", tmp_path)
    sys.modules.pop("tuplecat", None)
    settings = SerializationSettings(
        project="p", domain="d", version="v", image_config=ImageConfig.from_images("img:1")
    )
    tp_wf = workflow_spec(tp_mod.tuple_wf, settings)
    assert tp_wf.template.interface == fk_wf.template.interface
    assert sorted(tp_wf.template.interface.outputs.variables) == ["o0", "o1"]  # a map: no order
    for name, fk_template in fk_tasks.items():
        assert serialize(getattr(tp_mod, name), settings).interface == fk_template.interface
    assert tp_mod.tuple_wf(a=7, b=2) == fk_mod.tuple_wf(a=7, b=2) == ("3r1", [3, 1])


# -- transformers written for flytekit ----------------------------------------------------------

TRANSFORMER_SOURCE = """
from {lib} import Literal, LiteralType, Scalar, Blob, BlobMetadata, BlobType
from {lib}.extend_types import TypeEngine, TypeTransformer
from {lib}.models.literals import Primitive
from {lib}.models.types import SimpleType


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class Report:
    def __init__(self, uri):
        self.uri = uri


class PointTransformer(TypeTransformer[Point]):
    def __init__(self):
        super().__init__(name="point", t=Point)

    def get_literal_type(self, t):
        return LiteralType(simple=SimpleType.STRING, metadata={{"unit": "m"}})

    def to_literal(self, ctx, python_val, python_type, expected):
        text = f"{{python_val.x}},{{python_val.y}}"
        return Literal(scalar=Scalar(primitive=Primitive(string_value=text)), hash=text)

    def to_python_value(self, ctx, lv, expected_python_type):
        x, y = lv.scalar.primitive.string_value.split(",")
        return Point(float(x), float(y))


class ReportTransformer(TypeTransformer[Report]):
    TYPE = BlobType(format="report", dimensionality=BlobType.BlobDimensionality.MULTIPART)

    def __init__(self):
        super().__init__(name="report", t=Report)

    def get_literal_type(self, t):
        return LiteralType(blob=self.TYPE)

    def to_literal(self, ctx, python_val, python_type, expected):
        return Literal(scalar=Scalar(blob=Blob(uri=python_val.uri, metadata=BlobMetadata(type=self.TYPE))))

    def to_python_value(self, ctx, lv, expected_python_type):
        return Report(lv.scalar.blob.uri)


TypeEngine.register(PointTransformer())
TypeEngine.register(ReportTransformer())
"""


def _load_transformers(lib: str, tmp: Path) -> Any:
    folder = tmp / f"tt_{lib}"
    folder.mkdir()
    extend = "flytekit.extend" if lib == "flytekit" else "taskplug.core.type_engine"
    source = TRANSFORMER_SOURCE.format(lib=lib).replace(f"{lib}.extend_types", extend)
    (folder / f"ttcat_{lib}.py").write_text(source)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(f"ttcat_{lib}")
    finally:
        sys.path.remove(str(folder))


def test_flytekit_written_transformers_give_the_same_literals(ctx: Any, tmp_path: Path) -> None:
    fk_mod = _load_transformers("flytekit", tmp_path)
    tp_mod = _load_transformers("taskplug", tmp_path)
    for kind, args in (("Point", (1.5, -2.0)), ("Report", ("s3://bucket/reports/1",))):
        fk_t, tp_t = getattr(fk_mod, kind), getattr(tp_mod, kind)
        assert TypeEngine.to_literal_type(tp_t) == FkEngine.to_literal_type(fk_t).to_flyte_idl()
        ours = TypeEngine.to_literal(tp_t(*args), tp_t)
        theirs = fk_literal(ctx, fk_t(*args), fk_t)
        assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
            deterministic=True
        )
        assert vars(TypeEngine.to_python_value(theirs, tp_t)) == vars(fk_t(*args))
        # inside containers, the adapted transformer's literals are items like any other
        assert TypeEngine.to_literal([tp_t(*args)], list[tp_t]) == fk_literal(
            ctx, [fk_t(*args)], list[fk_t]
        )


# -- CSV tables ---------------------------------------------------------------------------------

pd = pytest.importorskip("pandas", reason="tables need pandas")


def test_csv_tables_cross_read(ctx: Any) -> None:
    from flytekit.types.structured import register_csv_handlers
    from flytekit.types.structured.structured_dataset import StructuredDataset as FkSD

    from taskplug.types.structured import StructuredDataset

    register_csv_handlers()
    df = pd.DataFrame({"name": ["Ann", "Bo"], "age": [31, 42]})
    fk_t = typing.Annotated[FkSD, "csv"]
    tp_t = typing.Annotated[StructuredDataset, "csv"]
    assert TypeEngine.to_literal_type(tp_t) == FkEngine.to_literal_type(fk_t).to_flyte_idl()
    theirs = fk_literal(ctx, FkSD(dataframe=df), fk_t)
    ours = TypeEngine.to_literal(StructuredDataset(dataframe=df), tp_t)
    for lit in (theirs, ours):
        assert lit.scalar.structured_dataset.metadata.structured_dataset_type.format == "csv"
    got = TypeEngine.to_python_value(theirs, StructuredDataset).open(pd.DataFrame).all()
    assert got.to_dict("list") == df.to_dict("list")
    back = fk_value(ctx, ours, FkSD).open(pd.DataFrame).all()
    assert back.to_dict("list") == df.to_dict("list")
