"""Literal types and literal bytes of taskplug's type engine against flytekit 1.16's.

Runs only where flytekit is installed (the ``conformance`` tox env).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance tests need flytekit installed")

from fk_engine import fk_ctx  # noqa: E402
from fk_engine import fk_literal as fk_literal_pb  # noqa: E402
from flyteidl.core import literals_pb2  # noqa: E402
from flytekit.core.context_manager import FlyteContextManager  # noqa: E402
from flytekit.core.type_engine import TypeEngine as FkEngine  # noqa: E402
from flytekit.models.literals import Literal as FkLiteral  # noqa: E402
from flytekit.types.directory import FlyteDirectory  # noqa: E402
from flytekit.types.file import FlyteFile  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from taskplug.types import Directory, File, TypeEngine  # noqa: E402

pytestmark = pytest.mark.conformance

UTC = datetime.UTC


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Inner:
    x: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Point:
    x: float
    y: float
    label: str = "p"


@dataclasses.dataclass
class Everything:
    i: int
    f: float
    s: str
    b: bool
    dt: datetime.datetime
    d: datetime.date
    td: datetime.timedelta
    oi: typing.Optional[int]
    o2: int | None = None
    li: list[int] = dataclasses.field(default_factory=list)
    ds: dict[str, float] = dataclasses.field(default_factory=dict)
    inner: Inner = dataclasses.field(default_factory=Inner)
    inners: list[Inner] = dataclasses.field(default_factory=list)
    color: Color = Color.RED
    level: Level = Level.LOW
    u: typing.Union[int, str] = 3
    anything: Any = None
    untyped: dict = dataclasses.field(default_factory=dict)  # type: ignore[type-arg]
    nested: list[list[int]] = dataclasses.field(default_factory=lambda: [[1]])
    maybe_inner: typing.Optional[Inner] = None
    fl: float = 1.5
    when: datetime.datetime = datetime.datetime(2020, 1, 1)
    by_id: dict[int, str] = dataclasses.field(default_factory=dict)
    pair: tuple[int, str] = (1, "a")
    many: tuple[int, ...] = ()
    unique: set[int] = dataclasses.field(default_factory=set)
    choice: typing.Literal["a", "b"] = "a"
    data: bytes = b""


EVERYTHING = Everything(
    i=1,
    f=2.5,
    s="s",
    b=True,
    dt=datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    d=datetime.date(2020, 1, 2),
    td=datetime.timedelta(days=1, microseconds=5),
    oi=None,
    li=[1, 2],
    ds={"a": 1.0},
    inner=Inner(3, ["t"]),
    inners=[Inner(1), Inner(2, ["u"])],
    color=Color.GREEN,
    level=Level.HIGH,
    anything={"k": [1, "v"]},
    untyped={"a": {"b": [1, 2.5, None, True]}},
    by_id={1: "one"},
    pair=(2, "b"),
    many=(1, 2, 3),
    unique={3, 1},
    choice="b",
    data=b"\x00\x01",
)


@dataclasses.dataclass
class Empty:
    pass


@dataclasses.dataclass(frozen=True)
class Frozen:
    name: str
    when: datetime.datetime = datetime.datetime(2021, 1, 1, 12, 30)
    day: datetime.date = datetime.date(2021, 1, 1)
    span: datetime.timedelta = datetime.timedelta(minutes=90)
    color: Color | None = None


@dataclasses.dataclass
class Deep:
    points: dict[str, list[Point]]
    maybe_points: list[Point | None] = dataclasses.field(default_factory=list)
    frozen: Frozen = dataclasses.field(default_factory=lambda: Frozen("f"))
    matrix: list[list[float]] = dataclasses.field(default_factory=list)
    lookup: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    either: int | Point = 0
    flags: dict[Color, bool] = dataclasses.field(default_factory=dict)


DEEP = Deep(
    points={"a": [Point(1.0, 2.0)], "b": []},
    maybe_points=[None, Point(0.0, 0.0, "o")],
    frozen=Frozen("z", color=Color.GREEN),
    matrix=[[1.0, 2.5], []],
    lookup={"x": {"y": 1}},
    either=Point(5.0, 6.0),
    flags={Color.RED: True},
)


CASES: list[tuple[str, Any, Any]] = [
    ("bool", bool, True),
    ("bool-false", bool, False),
    ("int", int, 3),
    ("int-zero", int, 0),
    ("int-neg", int, -(2**62)),
    ("float", float, 1.5),
    ("float-zero", float, 0.0),
    ("str", str, "hé"),
    ("str-empty", str, ""),
    ("datetime", datetime.datetime, datetime.datetime(2020, 1, 2, 3, 4, 5, 6)),
    ("datetime-utc", datetime.datetime, datetime.datetime(2020, 1, 2, 3, 4, tzinfo=UTC)),
    (
        "datetime-tz",
        datetime.datetime,
        datetime.datetime(2020, 1, 2, 3, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    ),
    ("datetime-epoch", datetime.datetime, datetime.datetime(1970, 1, 1)),
    ("date", datetime.date, datetime.date(2020, 1, 2)),
    ("timedelta", datetime.timedelta, datetime.timedelta(seconds=3.5)),
    ("timedelta-neg", datetime.timedelta, datetime.timedelta(seconds=-3.25)),
    ("timedelta-zero", datetime.timedelta, datetime.timedelta(0)),
    ("none", type(None), None),
    ("optional-int", typing.Optional[int], 3),
    ("optional-none", typing.Optional[int], None),
    ("pipe-union", int | None, 5),
    ("union-int-str", typing.Union[int, str], "a"),
    ("union-int-float", typing.Union[int, float], 1),
    ("union-float-int", typing.Union[float, int], 2.0),
    ("union-bool", typing.Union[int, bool], True),
    ("list-int", list[int], [1, 2, 0, -5]),
    ("list-empty", list[int], []),
    ("list-str", list[str], ["a", "", "b"]),
    ("list-float", list[float], [0.0, 1.5]),
    ("list-bool", list[bool], [True, False]),
    ("typing-list", typing.List[int], [1]),
    ("list-list", list[list[int]], [[1], [], [2, 3]]),
    ("dict-str-int", dict[str, int], {"a": 1, "b": 0}),
    ("dict-empty", dict[str, int], {}),
    ("dict-str-list", dict[str, list[int]], {"a": [1, 2], "b": []}),
    ("dict-str-opt", dict[str, typing.Optional[str]], {"a": None, "b": "x"}),
    ("untyped-dict", dict, {"a": 1, "b": [1, 2.5, "x", None, True], "c": {"d": {}}}),
    ("untyped-dict-empty", dict, {}),
    ("dict-int-str", dict[int, str], {1: "a", 2: "b"}),
    ("enum", Color, Color.GREEN),
    ("list-enum", list[Color], [Color.RED, Color.GREEN]),
    ("dataclass", Point, Point(1.0, 2.0)),
    ("dataclass-all", Everything, EVERYTHING),
    ("dataclass-empty", Empty, Empty()),
    ("list-dataclass", list[Point], [Point(1.0, 2.0, "a"), Point(0.5, -1.0)]),
    ("optional-dataclass", typing.Optional[Point], Point(3.0, 4.0)),
    ("optional-dataclass-none", typing.Optional[Point], None),
    ("dict-dataclass", dict[str, Inner], {"a": Inner(1, ["x"])}),
    ("optional-list", typing.Optional[list[int]], [1, 2]),
    ("dataclass-frozen", Frozen, Frozen("a")),
    ("dataclass-deep", Deep, DEEP),
    ("list-optional-dataclass", list[typing.Optional[Inner]], [None, Inner(2)]),
    ("dict-list-dataclass", dict[str, list[Point]], {"p": [Point(1.0, 1.0)]}),
    ("union-int-dataclass", typing.Union[int, Point], Point(1.0, 2.0)),
    ("literal-str", typing.Literal["a", "b"], "b"),
    ("literal-int", typing.Literal[1, 2], 2),
    ("annotated", typing.Annotated[int, "meta"], 4),
]


@pytest.fixture(scope="module")
def ctx() -> Any:
    return fk_ctx()


def fk_from_pb(ctx: Any, lit: literals_pb2.Literal, t: Any) -> Any:
    return FkEngine.to_python_value(ctx, FkLiteral.from_flyte_idl(lit), t)


def norm(value: Any) -> Any:
    """flytekit reads naive datetimes back as UTC-aware ones; so does taskplug."""
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@pytest.mark.parametrize(("name", "t", "value"), CASES, ids=[c[0] for c in CASES])
def test_literal_type_matches(name: str, t: Any, value: Any) -> None:
    ours = TypeEngine.to_literal_type(t)
    theirs = FkEngine.to_literal_type(t).to_flyte_idl()
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    ), f"{name}:\nours={ours}\ntheirs={theirs}"


@pytest.mark.parametrize(("name", "t", "value"), CASES, ids=[c[0] for c in CASES])
def test_literal_bytes_match(ctx: Any, name: str, t: Any, value: Any) -> None:
    ours = TypeEngine.to_literal(value, t)
    theirs = fk_literal_pb(ctx, value, t)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    ), f"{name}:\nours={ours}\ntheirs={theirs}"


@pytest.mark.parametrize(("name", "t", "value"), CASES, ids=[c[0] for c in CASES])
def test_cross_read(ctx: Any, name: str, t: Any, value: Any) -> None:
    """Each side reads the other's literal back to the original value."""
    ours = TypeEngine.to_literal(value, t)
    assert fk_from_pb(ctx, ours, t) == norm(value)
    theirs = fk_literal_pb(ctx, value, t)
    data = theirs.SerializeToString()
    assert TypeEngine.literal_from_bytes(t, data) == norm(value)


def test_dataclass_schema_matches_mashumaro() -> None:
    from mashumaro.jsonschema import build_json_schema

    from taskplug.types.json_schema import dataclass_schema

    for cls in (Inner, Point, Everything, Empty, Frozen, Deep):
        theirs = build_json_schema(cls).to_dict()
        from taskplug.types.plain import plain_codec

        ours = dataclass_schema(cls, lambda t, v: plain_codec(t, TypeEngine)[0](v))
        assert ours == theirs, cls


class TestPydantic:
    pydantic = pytest.importorskip("pydantic")

    def models(self) -> list[tuple[Any, Any]]:
        from pydantic import BaseModel, Field

        class Sub(BaseModel):
            name: str
            weight: float = 1.0

        class Model(BaseModel):
            a: int
            b: str = "x"
            c: typing.Optional[float] = None
            tags: list[str] = Field(default_factory=list)
            sub: Sub
            subs: dict[str, Sub] = Field(default_factory=dict)
            color: Color = Color.RED
            when: datetime.datetime = datetime.datetime(2020, 1, 1, tzinfo=UTC)

        value = Model(a=1, sub=Sub(name="s"), subs={"k": Sub(name="t", weight=2)}, tags=["q"])
        return [(Model, value), (Sub, Sub(name="n")), (list[Sub], [Sub(name="a"), Sub(name="b")])]

    def test_literal_types_and_bytes(self, ctx: Any) -> None:
        for t, value in self.models():
            ours_lt = TypeEngine.to_literal_type(t)
            theirs_lt = FkEngine.to_literal_type(t).to_flyte_idl()
            assert ours_lt == theirs_lt, t
            ours = TypeEngine.to_literal(value, t)
            theirs = fk_literal_pb(ctx, value, t)
            assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
                deterministic=True
            )
            assert fk_from_pb(ctx, ours, t) == value
            assert TypeEngine.to_python_value(theirs, t) == value


BLOB_CASES = [
    (File, FlyteFile, "s3://bucket/key.bin"),
    (File["csv"], FlyteFile["csv"], "s3://bucket/data.csv"),
    (Directory, FlyteDirectory, "s3://bucket/folder"),
]


@pytest.mark.parametrize(("ours_t", "fk_t", "uri"), BLOB_CASES)
def test_file_and_directory(ctx: Any, ours_t: Any, fk_t: Any, uri: str) -> None:
    assert TypeEngine.to_literal_type(ours_t) == FkEngine.to_literal_type(fk_t).to_flyte_idl()
    ours = TypeEngine.to_literal(ours_t(uri), ours_t)
    theirs = fk_literal_pb(ctx, uri, fk_t)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
    back = TypeEngine.to_python_value(theirs, ours_t)
    assert isinstance(back, ours_t)
    assert back.path == uri
    assert fk_from_pb(ctx, ours, fk_t).remote_source == uri


def test_optional_file_union_tag(ctx: Any) -> None:
    ours = TypeEngine.to_literal_type(typing.Optional[File])
    theirs = FkEngine.to_literal_type(typing.Optional[FlyteFile]).to_flyte_idl()
    assert ours == theirs
    lit = TypeEngine.to_literal(File("s3://b/x"), typing.Optional[File])
    fk = fk_literal_pb(ctx, "s3://b/x", typing.Optional[FlyteFile])
    assert lit.SerializeToString(deterministic=True) == fk.SerializeToString(deterministic=True)


def test_pickle_wire_form(ctx: Any) -> None:
    class Opaque:
        def __init__(self, v: int) -> None:
            self.v = v

    ours_lt = TypeEngine.to_literal_type(Opaque, allow_pickle=True)
    theirs_lt = FkEngine.to_literal_type(Opaque).to_flyte_idl()
    assert ours_lt == theirs_lt
    ours = TypeEngine.to_literal(Opaque(3), Opaque, allow_pickle=True)
    assert fk_from_pb(ctx, ours, Opaque).v == 3
    theirs = fk_literal_pb(ctx, Opaque(4), Opaque)
    assert ours.scalar.blob.metadata == theirs.scalar.blob.metadata
    assert TypeEngine.to_python_value(theirs, Opaque, allow_pickle=True).v == 4


def test_dict_str_any_is_readable_by_flytekit(ctx: Any) -> None:
    """taskplug sends dict[str, Any] as msgpack (flytekit would pickle); flytekit reads it."""
    value = {"a": [1, 2], "b": {"c": None}}
    ours = TypeEngine.to_literal(value, dict[str, Any])
    assert fk_from_pb(ctx, ours, dict[str, Any]) == value


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1)))
def test_generated_int_lists(values: list[int]) -> None:
    ctx = FlyteContextManager.current_context()
    ours = TypeEngine.to_literal(values, list[int])
    theirs = fk_literal_pb(ctx, values, list[int])
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(st.none(), st.floats(allow_nan=False), st.text(max_size=5)),
        max_size=5,
    )
)
def test_generated_untyped_dicts(value: dict[str, Any]) -> None:
    ctx = FlyteContextManager.current_context()
    ours = TypeEngine.to_literal(value, dict)
    theirs = fk_literal_pb(ctx, value, dict)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        Point,
        x=st.floats(allow_nan=False),
        y=st.floats(allow_nan=False),
        label=st.text(max_size=8),
    )
)
def test_generated_dataclasses(value: Point) -> None:
    ctx = FlyteContextManager.current_context()
    ours = TypeEngine.to_literal(value, Point)
    theirs = fk_literal_pb(ctx, value, Point)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
