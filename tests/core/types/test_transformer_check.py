"""``taskplug.testing.check_transformer_roundtrip``: passes good transformers, catches lossy ones."""

from __future__ import annotations

import dataclasses
import datetime
import math
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from flyteidl.core import literals_pb2, types_pb2
from hypothesis import strategies as st

from taskplug.testing import check_transformer_roundtrip, fresh_plugin_manager
from taskplug.testing.transformers import value_difference
from taskplug.types import SimpleTransformer, TypeEngine, TypeTransformer, fail


class Money:
    """No __eq__: the check compares the state (``__slots__``)."""

    __slots__ = ("amount", "currency")

    def __init__(self, amount: Decimal, currency: str) -> None:
        self.amount = amount
        self.currency = currency

    def __repr__(self) -> str:
        return f"Money({self.amount!r}, {self.currency!r})"


class GoodMoney(TypeTransformer[Money]):
    def __init__(self) -> None:
        super().__init__("money", Money)

    def to_plain(self, value: Money, t: Any) -> Any:
        return {"amount": str(value.amount), "currency": value.currency}

    def from_plain(self, data: Any, t: Any) -> Money:
        return Money(Decimal(data["amount"]), data["currency"])


class LossyMoney(TypeTransformer[Money]):
    """Drops the cents and the currency; every literal it writes reads back fine."""

    def __init__(self) -> None:
        super().__init__("money", Money)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(simple=types_pb2.SimpleType.INTEGER)

    def to_literal(self, value: Money, t: Any) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        lit.scalar.primitive.integer = int(value.amount)
        return lit

    def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> Money:
        return Money(Decimal(literal.scalar.primitive.integer), "USD")

    def to_plain(self, value: Money, t: Any) -> Any:
        return int(value.amount)

    def from_plain(self, data: Any, t: Any) -> Money:
        return Money(Decimal(data), "USD")


MONEY = st.builds(
    Money,
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    ),
    st.sampled_from(["EUR", "USD", "JPY"]),
)
EUR = Money(Decimal("12.34"), "EUR")


def test_a_good_transformer_passes_with_values_and_with_a_strategy() -> None:
    assert check_transformer_roundtrip(GoodMoney(), values=[EUR, Money(Decimal("-0"), "")]) == 2
    assert check_transformer_roundtrip(GoodMoney(), strategy=MONEY, max_examples=25) == 25
    # checked in place of the registry's transformers, without registering it anywhere
    with pytest.raises(TypeError, match="no transformer handles it"):
        TypeEngine.converter(Money)


def test_the_lossy_converter_is_caught() -> None:
    with pytest.raises(AssertionError) as info:
        check_transformer_roundtrip(LossyMoney(), values=[EUR])
    message = str(info.value)
    assert "Money(Decimal('12.34'), 'EUR')" in message
    assert "amount Decimal('12.34') came back as Decimal('12')" in message


def test_the_lossy_converter_is_caught_by_the_strategy() -> None:
    with pytest.raises(AssertionError, match="did not survive"):
        check_transformer_roundtrip(LossyMoney(), strategy=MONEY, max_examples=50)


def test_dropping_only_the_currency_is_caught_too() -> None:
    class KeepsAmount(GoodMoney):
        def from_plain(self, data: Any, t: Any) -> Money:
            return Money(Decimal(data["amount"]), "USD")

    with pytest.raises(AssertionError, match=r"\.currency 'EUR' came back as 'USD'"):
        check_transformer_roundtrip(KeepsAmount(), values=[EUR])


def test_a_registered_type_is_checked_with_the_registry() -> None:
    class Plugin:
        TASKPLUG_API_VERSION = "1.0"

        from taskplug.plugin import hookimpl

        @hookimpl
        def taskplug_register_type_transformers(self, registry: Any) -> None:
            registry.register(LossyMoney())

    with fresh_plugin_manager(Plugin(), autoload=False):
        try:
            with pytest.raises(AssertionError, match="did not survive"):
                check_transformer_roundtrip(Money, values=[EUR])
            # a good transformer given explicitly replaces the registered one for the check
            assert check_transformer_roundtrip(GoodMoney(), values=[EUR]) == 1
            assert isinstance(TypeEngine.registry().get(Money), LossyMoney)
        finally:
            TypeEngine.reset()


def test_plain_data_msgpack_cannot_store_is_reported() -> None:
    class KeepsDecimal(GoodMoney):
        def to_plain(self, value: Money, t: Any) -> Any:
            return {"amount": value.amount, "currency": value.currency}

    with pytest.raises(AssertionError, match="which msgpack cannot store"):
        check_transformer_roundtrip(KeepsDecimal(), values=[EUR])


def test_a_literal_that_contradicts_its_literal_type_is_reported() -> None:
    class SaysString(LossyMoney):
        to_plain = TypeTransformer.to_plain  # type: ignore[assignment]
        from_plain = TypeTransformer.from_plain  # type: ignore[assignment]

        def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
            return types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)

        def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> Money:
            return Money(Decimal(literal.scalar.primitive.integer), "EUR")

    with pytest.raises(
        AssertionError,
        match=r"announces scalar.primitive.string_value .* holds scalar.primitive.integer",
    ):
        check_transformer_roundtrip(
            SaysString(), values=[Money(Decimal(3), "EUR")], in_dataclass=False
        )


def test_a_changed_type_is_reported() -> None:
    loose = SimpleTransformer("loose", Decimal, str, encode=str, decode=Decimal)
    assert check_transformer_roundtrip(loose, values=[Decimal("1.10")]) == 1

    class ToFloat(TypeTransformer[Decimal]):
        def __init__(self) -> None:
            super().__init__("to-float", Decimal)

        def to_plain(self, value: Decimal, t: Any) -> Any:
            return float(value)

        def from_plain(self, data: Any, t: Any) -> Any:
            return data  # a float comes back

    with pytest.raises(AssertionError, match=r"\(decimal.Decimal\) came back as 0.5 \(float\)"):
        check_transformer_roundtrip(ToFloat(), values=[Decimal("0.5")])


def test_decimals_must_survive_to_the_last_digit() -> None:
    normalizing = SimpleTransformer(
        "normalizing", Decimal, str, encode=lambda d: str(d.normalize()), decode=Decimal
    )
    with pytest.raises(AssertionError, match=r"Decimal\('1.10'\) came back as Decimal\('1.1'\)"):
        check_transformer_roundtrip(normalizing, values=[Decimal("1.10")])


def test_containers_and_dataclass_can_be_left_out() -> None:
    class LiteralOnly(LossyMoney):
        to_plain = TypeTransformer.to_plain  # type: ignore[assignment]
        from_plain = TypeTransformer.from_plain  # type: ignore[assignment]

        def to_literal(self, value: Money, t: Any) -> literals_pb2.Literal:
            lit = literals_pb2.Literal()
            lit.scalar.primitive.integer = int(value.amount * 100)
            return lit

        def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> Money:
            return Money(Decimal(literal.scalar.primitive.integer) / 100, "EUR")

    whole = Money(Decimal("12.34"), "EUR")
    with pytest.raises(AssertionError, match="a dataclass with fields of type .*cannot handle it"):
        check_transformer_roundtrip(LiteralOnly(), values=[whole])
    assert check_transformer_roundtrip(LiteralOnly(), values=[whole], in_dataclass=False) == 1


def test_needs_values_or_a_strategy() -> None:
    with pytest.raises(ValueError, match="values=.*strategy="):
        check_transformer_roundtrip(GoodMoney())


def test_builtin_types_pass() -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: float

    assert (
        check_transformer_roundtrip(int, strategy=st.integers(-(2**63), 2**63 - 1), max_examples=20)
        == 20
    )
    assert check_transformer_roundtrip(Point, values=[Point(1, -0.0), Point(2, math.inf)]) == 2
    aware = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)
    assert check_transformer_roundtrip(datetime.datetime, values=[aware]) == 1
    with pytest.raises(AssertionError, match="came back as"):  # naive comes back aware
        check_transformer_roundtrip(datetime.datetime, values=[aware.replace(tzinfo=None)])


def test_value_difference() -> None:
    nan = float("nan")
    assert value_difference(nan, float("nan")) is None
    assert value_difference(0.0, -0.0) == "value 0.0 came back as -0.0"
    assert value_difference(1, 1.0) == "value 1 (int) came back as 1.0 (float)"
    assert value_difference({"a": [1, 2]}, {"a": [1, 3]}) == "value['a'][1] 2 came back as 3"
    assert (
        value_difference({"a": 1}, {"b": 1}) == "value had keys [\"'a'\"], came back with [\"'b'\"]"
    )
    assert value_difference([1], [1, 1]) == "value had 1 items, came back with 2"
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    t1 = datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC)
    assert value_difference(t1, t1.astimezone(plus_two)) is not None
    assert value_difference(Decimal("NaN"), Decimal("NaN")) is None

    class Plain:
        def __init__(self, v: Any) -> None:
            self.v = v

    assert value_difference(Plain(1), Plain(1)) is None
    assert value_difference(Plain(1), Plain(2)) == "value.v 1 came back as 2"
    assert value_difference(Money(Decimal(1), "A"), Money(Decimal(1), "A")) is None


def test_hypothesis_is_imported_only_for_a_strategy() -> None:
    code = (
        "import sys\n"
        "from decimal import Decimal\n"
        "from taskplug.testing import check_transformer_roundtrip\n"
        "from taskplug.types import SimpleTransformer\n"
        "tr = SimpleTransformer('d', Decimal, str, encode=str, decode=Decimal)\n"
        "check_transformer_roundtrip(tr, values=[Decimal('1.5')])\n"
        "print('hypothesis' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_the_check_fails_on_a_transformer_that_raises() -> None:
    class Refuses(GoodMoney):
        def from_plain(self, data: Any, t: Any) -> Money:
            raise fail(Money, data)

    with pytest.raises(AssertionError, match="could not read what to_plain made"):
        check_transformer_roundtrip(Refuses(), values=[EUR])
