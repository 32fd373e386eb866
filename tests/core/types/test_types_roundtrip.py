"""Round trips and error cases of the type engine, per type."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
from typing import Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import LiteralDecodeError, TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types import Converter, Directory, File, TypeEngine

UTC = datetime.UTC


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Inner:
    x: int = 0
    names: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Outer:
    a: int
    f: float
    when: datetime.datetime
    day: datetime.date
    span: datetime.timedelta
    color: Color
    inner: Inner
    items: list[Inner]
    maybe: int | None = None
    by_name: dict[str, float] = dataclasses.field(default_factory=dict)
    by_id: dict[int, str] = dataclasses.field(default_factory=dict)
    blob: bytes = b""
    pair: tuple[int, str] = (0, "")
    untyped: dict = dataclasses.field(default_factory=dict)  # type: ignore[type-arg]
    file: File | None = None


OUTER = Outer(
    a=1,
    f=2.5,
    when=datetime.datetime(2021, 5, 6, 7, 8, 9, 10, tzinfo=UTC),
    day=datetime.date(2021, 5, 6),
    span=datetime.timedelta(hours=1, microseconds=3),
    color=Color.GREEN,
    inner=Inner(1, ["a"]),
    items=[Inner(2), Inner(3, ["b", "c"])],
    maybe=4,
    by_name={"x": 1.5},
    by_id={7: "seven"},
    blob=b"\x00\xff",
    pair=(9, "nine"),
    untyped={"k": [1, None, "v"]},
    file=File("s3://bucket/key"),
)

ROUND_TRIPS: list[tuple[Any, Any]] = [
    (bool, True),
    (bool, False),
    (int, 0),
    (int, -(2**63)),
    (int, 2**63 - 1),
    (float, 0.0),
    (float, -1.25),
    (str, ""),
    (str, "héllo ✓"),
    (bytes, b""),
    (bytes, b"\x00\x01"),
    (datetime.datetime, datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=UTC)),
    (datetime.date, datetime.date(1999, 12, 31)),
    (datetime.timedelta, datetime.timedelta(days=-1, seconds=5)),
    (type(None), None),
    (None, None),
    (typing.Optional[int], None),
    (int | None, 5),
    (int | str, "x"),
    (list[int], [1, 0, -3]),
    (list[float], [0.0, 2.5]),
    (list[str], ["", "a"]),
    (list[bool], [False, True]),
    (list[list[int]], [[], [1, 0]]),
    (list[int | None], [1, None, 0]),
    (dict[str, int], {"a": 0, "b": 2}),
    (dict[str, list[int]], {"a": [1, 2], "b": []}),
    (dict[str, dict[str, str]], {"a": {"b": ""}}),
    (dict, {"a": 1, "b": [True, None, 2.5], "c": {"d": "e"}}),
    (dict[str, Any], {"a": [1, 2]}),
    (dict[int, str], {1: "a"}),
    (Color, Color.RED),
    (list[Color], [Color.GREEN, Color.RED]),
    (Inner, Inner(5, ["x"])),
    (Outer, OUTER),
    (list[Inner], [Inner(), Inner(1, ["a"])]),
    (Inner | None, Inner(2)),
    (Inner | None, None),
    (dict[str, Inner], {"k": Inner(3)}),
    (typing.Literal["a", "b"], "b"),
    (typing.Annotated[int, "meta"], 3),
    (File, File("s3://bucket/a.csv")),
    (File["csv"], File["csv"]("gs://b/c.csv")),
    (Directory, Directory("s3://bucket/dir")),
]


@pytest.mark.parametrize(("t", "value"), ROUND_TRIPS, ids=[repr(c[0]) for c in ROUND_TRIPS])
def test_round_trip(t: Any, value: Any) -> None:
    conv = TypeEngine.converter(t)
    lit = conv.to_literal(value)
    assert isinstance(lit, literals_pb2.Literal)
    assert conv.to_python(lit) == value
    # through bytes, as a container reads its inputs
    assert TypeEngine.literal_from_bytes(t, lit.SerializeToString()) == value
    # fill() writes the same literal into an empty message
    msg = literals_pb2.Literal()
    conv.fill(msg, value)
    assert msg == lit
    assert isinstance(conv.literal_type, types_pb2.LiteralType)


def test_naive_datetime_comes_back_as_utc() -> None:
    naive = datetime.datetime(2020, 1, 1, 12)
    back = TypeEngine.to_python_value(
        TypeEngine.to_literal(naive, datetime.datetime), datetime.datetime
    )
    assert back == naive.replace(tzinfo=UTC)


def test_converter_is_cached_per_type_and_pickle_flag() -> None:
    a = TypeEngine.converter(list[int])
    assert TypeEngine.converter(list[int]) is a
    assert TypeEngine.converter(list[int], allow_pickle=True) is not a
    assert isinstance(a, Converter)
    assert a.python_type == list[int]
    # union variant order is part of the literal type; equal Union objects must not share it
    u1 = TypeEngine.to_literal_type(typing.Union[int, float])
    u2 = TypeEngine.to_literal_type(typing.Union[float, int])
    assert u1.union_type.variants[0].simple == types_pb2.SimpleType.INTEGER
    assert u2.union_type.variants[0].simple == types_pb2.SimpleType.FLOAT


def test_to_literal_type_returns_a_copy() -> None:
    lt = TypeEngine.to_literal_type(int)
    lt.simple = types_pb2.SimpleType.STRING
    assert TypeEngine.to_literal_type(int).simple == types_pb2.SimpleType.INTEGER


WRONG_VALUES: list[tuple[Any, Any, str]] = [
    (int, "3", "str"),
    (int, True, "bool"),
    (int, 3.0, "float"),
    (float, 1, "int"),
    (bool, 1, "int"),
    (str, b"x", "bytes"),
    (bytes, "x", "str"),
    (datetime.datetime, datetime.date(2020, 1, 1), "date"),
    (datetime.date, datetime.datetime(2020, 1, 1), "datetime"),
    (datetime.timedelta, 3, "int"),
    (type(None), 0, "int"),
    (int, None, "NoneType"),
    (list[int], (1, 2), "tuple"),
    (list[int], [1, "2"], "str"),
    (dict[str, int], {"a": "1"}, "str"),
    (dict[str, int], {1: 1}, "int"),
    (dict[str, list[int]], {"a": [1.5]}, "float"),
    (dict, [1], "list"),
    (int | None, "3", "str"),
    (Color, "blue", "str"),
    (Color, 1, "int"),
    (Inner, {"x": 1}, "dict"),
    (Inner, Inner(x="1"), "str"),  # type: ignore[arg-type]
    (list[Inner], [Inner(), 3], "int"),
    (typing.Literal["a", "b"], "c", "str"),
    (File, 3, "int"),
]


@pytest.mark.parametrize(
    ("t", "value", "got"), WRONG_VALUES, ids=[repr(c[:2]) for c in WRONG_VALUES]
)
def test_wrong_value_names_expected_and_got(t: Any, value: Any, got: str) -> None:
    conv = TypeEngine.converter(t)
    with pytest.raises(TypeTransformerFailedError) as info:
        conv.to_literal(value)
    message = str(info.value)
    assert got in message
    assert "expected" in message
    assert info.value.expected is not None


def test_int_out_of_range_is_a_type_error() -> None:
    with pytest.raises(TypeTransformerFailedError, match="int"):
        TypeEngine.to_literal(2**64, int)


def test_ambiguous_union_is_refused() -> None:
    with pytest.raises(TypeTransformerFailedError, match="ambiguous"):
        TypeEngine.to_literal([], list[int] | list[str])


@pytest.mark.parametrize(
    ("value_type", "value", "target"),
    [
        (str, "x", int),
        (int, 3, str),
        (int, 3, list[int]),
        (list[int], [1], dict[str, int]),
        (list[str], ["a"], list[int]),
        (dict[str, str], {"a": "b"}, dict[str, int]),
        (str, "x", Inner),
        (Inner, Inner(), bytes),
        (bytes, b"x", Inner),
        (str, "purple", Color),
        (int, 1, datetime.datetime),
        (float, 1.5, int),
        (str, "x", type(None)),
        (int, 1, File),
        (Directory, Directory("s3://a/b"), File),
        (int | None, None, int),
        (str, "x", int | None),
    ],
)
def test_mismatched_literal_raises_typed_error(value_type: Any, value: Any, target: Any) -> None:
    lit = TypeEngine.to_literal(value, value_type)
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_python_value(lit, target)


def test_flytekit_tolerances_when_reading() -> None:
    """An integer literal reads as float, an integral float as int (the console sends those)."""
    assert TypeEngine.to_python_value(TypeEngine.to_literal(3, int), float) == 3.0
    assert TypeEngine.to_python_value(TypeEngine.to_literal(3.0, float), int) == 3
    with pytest.raises(LiteralDecodeError):
        TypeEngine.to_python_value(TypeEngine.to_literal(3.5, float), int)
    # a msgpack Binary scalar, as attribute access on a dataclass produces
    import msgpack

    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.packb(7)
    lit.scalar.binary.tag = "msgpack"
    assert TypeEngine.to_python_value(lit, int) == 7
    assert TypeEngine.to_python_value(lit, list[int] | int) == 7


def test_enum_accepts_raw_value_like_flytekit() -> None:
    lit = TypeEngine.to_literal("red", Color)
    assert TypeEngine.to_python_value(lit, Color) is Color.RED


def test_zero_values_in_containers_are_checked() -> None:
    """A string literal in a list[int] reads as 0 from protobuf; it must be refused."""
    lit = TypeEngine.to_literal([1, 2], list[int])
    lit.collection.literals[1].scalar.primitive.string_value = "oops"
    with pytest.raises(LiteralDecodeError):
        TypeEngine.to_python_value(lit, list[int])
    m = TypeEngine.to_literal({"a": True}, dict[str, bool])
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_python_value(m, dict[str, float])  # a bool literal is not a float
    m2 = TypeEngine.to_literal({"a": "x"}, dict[str, str])
    assert TypeEngine.to_python_value(m2, dict[str, str]) == {"a": "x"}
    m2.map.literals["a"].scalar.primitive.integer = 0
    with pytest.raises(LiteralDecodeError):
        TypeEngine.to_python_value(m2, dict[str, str])


def test_dataclass_missing_field_and_foreign_tag() -> None:
    import msgpack

    lit = literals_pb2.Literal()
    lit.scalar.binary.value = msgpack.packb({"names": []})
    lit.scalar.binary.tag = "msgpack"
    assert TypeEngine.to_python_value(lit, Inner) == Inner(0, [])  # x has a default
    lit.scalar.binary.value = msgpack.packb({"x": 1})
    assert TypeEngine.to_python_value(lit, Inner) == Inner(1)
    lit.scalar.binary.value = msgpack.packb({"a": 1})
    with pytest.raises(TypeTransformerFailedError, match="'f'"):
        TypeEngine.to_python_value(lit, Outer)
    lit.scalar.binary.tag = "json"
    with pytest.raises(LiteralDecodeError):
        TypeEngine.to_python_value(lit, Inner)


def test_dataclass_reads_console_struct() -> None:
    lit = literals_pb2.Literal()
    lit.scalar.generic.update({"x": 3.0, "names": ["a"]})
    assert TypeEngine.to_python_value(lit, Inner) == Inner(3, ["a"])


class Opaque:
    pass


@dataclasses.dataclass
class HasOpaque:
    o: Opaque


class Level(enum.Enum):
    LOW = 1


@dataclasses.dataclass
class WithLevel:
    level: Level = Level.LOW


def test_unsupported_types() -> None:
    for t in (Opaque, typing.Any, tuple[int, str], set[int], list, object):
        with pytest.raises(UnsupportedTypeError) as info:
            TypeEngine.converter(t)
        assert isinstance(info.value, TypeError)

    with pytest.raises(UnsupportedTypeError, match="Opaque"):
        TypeEngine.converter(HasOpaque)


def test_int_enums_are_unsupported_at_top_level_but_fine_in_dataclasses() -> None:
    with pytest.raises(UnsupportedTypeError):
        TypeEngine.converter(Level)
    lit = TypeEngine.to_literal(WithLevel(), WithLevel)
    assert TypeEngine.to_python_value(lit, WithLevel) == WithLevel()


class Boxed:
    def __init__(self, v: int) -> None:
        self.v = v


def test_pickle_only_when_allowed() -> None:
    conv = TypeEngine.converter(Boxed, allow_pickle=True)
    lit = conv.to_literal(Boxed(5))
    assert lit.scalar.blob.metadata.type.format == "PythonPickle"
    assert conv.to_python(lit).v == 5
    assert conv.literal_type.metadata["python_class_name"] == str(Boxed)
    with pytest.raises(TypeTransformerFailedError):
        conv.to_literal(None)
    anything = TypeEngine.converter(typing.Any, allow_pickle=True)
    assert anything.to_python(anything.to_literal({1, 2})) == {1, 2}


def test_pydantic_model() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Sub(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        name: str

    class Model(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        a: int
        subs: list[Sub] = []
        color: Color = Color.RED

    value = Model(a=1, subs=[Sub(name="x")], color=Color.GREEN)
    conv = TypeEngine.converter(Model)
    assert conv.literal_type.simple == types_pb2.SimpleType.STRUCT
    assert conv.literal_type.metadata["title"] == "Model"
    assert conv.to_python(conv.to_literal(value)) == value
    with pytest.raises(TypeTransformerFailedError):
        conv.to_literal(Sub(name="x"))
    assert TypeEngine.converter(list[Model]).to_python(
        TypeEngine.converter(list[Model]).to_literal([value])
    ) == [value]
