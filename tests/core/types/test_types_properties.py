"""Property tests: generated values survive the round trip; junk bytes give typed errors only."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskplug.errors import TypeTransformerFailedError
from taskplug.types import Directory, File, TypeEngine

UTC = datetime.UTC
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
floats = st.floats(allow_nan=False)
texts = st.text(max_size=20)
aware = st.datetimes(
    min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)
).map(lambda d: d.replace(tzinfo=UTC))
deltas = st.timedeltas(
    min_value=datetime.timedelta(days=-(10**5)), max_value=datetime.timedelta(days=10**5)
)
# inside dataclasses a timedelta travels as float seconds (flytekit's wire form), exact to the
# microsecond up to about 100 years
small_deltas = st.timedeltas(
    min_value=datetime.timedelta(days=-(10**4)), max_value=datetime.timedelta(days=10**4)
)
json_like = st.recursive(
    st.none() | st.booleans() | ints | floats | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


@dataclasses.dataclass
class Leaf:
    n: int
    label: str = ""


@dataclasses.dataclass
class Record:
    i: int
    f: float
    s: str
    b: bool
    when: datetime.datetime
    day: datetime.date
    span: datetime.timedelta
    color: Color
    leaves: list[Leaf]
    scores: dict[str, float]
    maybe: Leaf | None = None
    raw: bytes = b""
    extra: dict = dataclasses.field(default_factory=dict)  # type: ignore[type-arg]


leaves = st.builds(Leaf, n=ints, label=texts)
records = st.builds(
    Record,
    i=ints,
    f=floats,
    s=texts,
    b=st.booleans(),
    when=aware,
    day=st.dates(),
    span=small_deltas,
    color=st.sampled_from(Color),
    leaves=st.lists(leaves, max_size=3),
    scores=st.dictionaries(texts, floats, max_size=3),
    maybe=st.none() | leaves,
    raw=st.binary(max_size=10),
    extra=st.dictionaries(texts, json_like, max_size=3),
)

# (type, strategy of values of that type): one entry per transformer, plus nestings
CASES: list[tuple[Any, Any]] = [
    (bool, st.booleans()),
    (int, ints),
    (float, floats),
    (str, st.text()),
    (bytes, st.binary()),
    (datetime.datetime, aware),
    (datetime.date, st.dates()),
    (datetime.timedelta, deltas),
    (type(None), st.none()),
    (int | None, st.none() | ints),
    (int | str, ints | texts),
    (list[int], st.lists(ints)),
    (list[float], st.lists(floats)),
    (list[str], st.lists(texts)),
    (list[bool], st.lists(st.booleans())),
    (list[list[int]], st.lists(st.lists(ints, max_size=3), max_size=3)),
    (dict[str, int], st.dictionaries(texts, ints)),
    (dict[str, str], st.dictionaries(texts, texts)),
    (dict[str, list[float]], st.dictionaries(texts, st.lists(floats, max_size=3), max_size=4)),
    (dict, st.dictionaries(texts, json_like, max_size=4)),
    (dict[int, str], st.dictionaries(ints, texts, max_size=4)),
    (Color, st.sampled_from(Color)),
    (list[Color], st.lists(st.sampled_from(Color), max_size=5)),
    (Leaf, leaves),
    (Record, records),
    (list[Record], st.lists(records, max_size=3)),
    (Record | None, st.none() | records),
    (dict[str, Leaf], st.dictionaries(texts, leaves, max_size=3)),
    (File, st.from_regex(r"s3://[a-z]{3,8}/[a-z0-9/._-]{1,20}", fullmatch=True).map(File)),
    (Directory, st.from_regex(r"gs://[a-z]{3,8}/[a-z0-9]{1,10}", fullmatch=True).map(Directory)),
]

IDS = [repr(t) for t, _ in CASES]


@pytest.mark.parametrize(("t", "strategy"), CASES, ids=IDS)
def test_round_trip_property(t: Any, strategy: Any) -> None:
    conv = TypeEngine.converter(t)

    @FAST
    @given(strategy)
    def check(value: Any) -> None:
        data = conv.to_literal(value).SerializeToString()
        back = TypeEngine.literal_from_bytes(t, data)
        assert back == value
        assert type(back) is type(value)

    check()


@pytest.mark.parametrize(("t", "strategy"), CASES, ids=IDS)
def test_junk_bytes_raise_typed_errors_only(t: Any, strategy: Any) -> None:
    """Random bytes, and truncated or bit-flipped real literals, never escape as other errors."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy, st.binary(max_size=64), st.integers(min_value=0), st.integers(0, 255))
    def check(value: Any, junk: bytes, cut: int, flip: int) -> None:
        good = TypeEngine.to_literal(value, t).SerializeToString()
        mangled = bytearray(good)
        if mangled:
            mangled[cut % len(mangled)] ^= flip
        for data in (junk, good[: cut % (len(good) + 1)], bytes(mangled)):
            with contextlib.suppress(TypeTransformerFailedError):
                TypeEngine.literal_from_bytes(t, data)

    check()


@FAST
@given(
    st.lists(st.sampled_from([int, str, float, bool, bytes, list[int], dict[str, int]])), st.data()
)
def test_wrong_kinds_are_refused(types_: list[Any], data: Any) -> None:
    """A value of one kind never converts silently as another kind."""
    samples = {
        int: 3,
        str: "3",
        float: 3.0,
        bool: True,
        bytes: b"3",
        list[int]: [3],
        dict[str, int]: {"a": 3},
    }
    for t in types_:
        for other, value in samples.items():
            if other == t:
                continue
            with pytest.raises(TypeTransformerFailedError):
                TypeEngine.to_literal(value, t)
    _ = data


def test_pydantic_round_trip_property() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        name: str
        qty: int
        price: float
        tags: list[str] = []
        color: Color = Color.RED
        note: str | None = None

    conv = TypeEngine.converter(list[Item])
    items = st.builds(
        Item,
        name=texts,
        qty=ints,
        price=st.floats(allow_nan=False, allow_infinity=False),  # JSON on the way: no inf
        tags=st.lists(texts, max_size=3),
        color=st.sampled_from(Color),
        note=st.none() | texts,
    )

    @FAST
    @given(st.lists(items, max_size=4))
    def check(value: list[Any]) -> None:
        data = conv.to_literal(value).SerializeToString()
        assert TypeEngine.literal_from_bytes(list[Item], data) == value

    check()
