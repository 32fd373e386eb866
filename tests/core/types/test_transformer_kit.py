"""The type-transformer authoring API: protobuf-free import, SimpleTransformer, plain-data
methods (plugin types inside dataclasses, lists, dicts, Optional), attributed registrations."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

import msgpack
import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug import task
from taskplug.errors import (
    DuplicateRegistrationError,
    LiteralDecodeError,
    TypeTransformerFailedError,
    UnsupportedTypeError,
)
from taskplug.plugin import hookimpl
from taskplug.testing import check_local_matches_container, fresh_plugin_manager
from taskplug.types import (
    SimpleTransformer,
    TypeEngine,
    TypeTransformer,
    TypeTransformerRegistry,
    fail,
)


class Money:
    """A plugin type made of two parts (no dataclass, no __eq__ of its own... but one here)."""

    def __init__(self, amount: Decimal, currency: str) -> None:
        self.amount = amount
        self.currency = currency

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Money
            and other.amount.as_tuple() == self.amount.as_tuple()
            and other.currency == self.currency
        )

    def __repr__(self) -> str:
        return f"Money({self.amount!r}, {self.currency!r})"


class MoneyTransformer(TypeTransformer[Money]):
    """Only the plain-data form: the literal is msgpack (STRUCT), as a dataclass's."""

    def __init__(self) -> None:
        super().__init__("money", Money)

    def to_plain(self, value: Money, t: Any) -> Any:
        return {"amount": str(value.amount), "currency": value.currency}

    def from_plain(self, data: Any, t: Any) -> Money:
        if type(data) is not dict or set(data) != {"amount", "currency"}:
            raise fail(Money, data)
        return Money(Decimal(data["amount"]), data["currency"])


DECIMAL = SimpleTransformer("decimal", Decimal, str, encode=str, decode=Decimal)


class Plugin:
    TASKPLUG_API_VERSION = "1.0"

    def __init__(self, *transformers: TypeTransformer[Any]) -> None:
        self.transformers = transformers
        self.seen: list[str | None] = []

    @hookimpl
    def taskplug_register_type_transformers(self, registry: TypeTransformerRegistry) -> None:
        self.seen.append(registry.current_plugin)
        for tr in self.transformers:
            registry.register(tr)


@pytest.fixture
def money() -> Iterator[Plugin]:
    plugin = Plugin(MoneyTransformer(), DECIMAL)
    with fresh_plugin_manager(plugin, autoload=False):
        yield plugin
    TypeEngine.reset()


@dataclass
class Invoice:
    total: Money
    lines: list[Money]
    by_customer: dict[str, Money]
    discount: Optional[Money] = None
    rate: Decimal = Decimal("0.20")
    notes: list[str] = field(default_factory=list)


EUR = Money(Decimal("12.34"), "EUR")
USD = Money(Decimal("-0.50"), "USD")


# -- importable without protobuf ---------------------------------------------------------------


def test_authoring_api_loads_no_protobuf() -> None:
    code = textwrap.dedent(
        """
        import sys
        from decimal import Decimal
        from taskplug.types import SimpleTransformer, TypeTransformer, TypeTransformerRegistry, fail
        from taskplug.plugin import hookimpl
        from taskplug.errors import TypeTransformerFailedError

        class Money:
            pass

        class MoneyTransformer(TypeTransformer[Money]):
            def __init__(self):
                super().__init__("money", Money)

            def to_plain(self, value, t):
                return {}

            def from_plain(self, data, t):
                return Money()

        DECIMAL = SimpleTransformer("decimal", Decimal, str, encode=str, decode=Decimal)
        registry = TypeTransformerRegistry()
        registry.register(MoneyTransformer())
        registry.register(DECIMAL)
        loaded = sorted(
            m for m in sys.modules if m.startswith(("google.protobuf", "flyteidl", "google._upb"))
        )
        print(loaded)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"


def test_types_package_exports_lazily() -> None:
    import taskplug.types as types_pkg

    assert set(types_pkg.__all__) >= {
        "SimpleTransformer",
        "TypeTransformer",
        "TypeTransformerRegistry",
        "TypeEngine",
        "File",
        "Directory",
        "Converter",
        "fail",
    }
    assert sorted(dir(types_pkg)) == sorted(types_pkg.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = types_pkg.Nope


# -- SimpleTransformer -------------------------------------------------------------------------


def test_simple_transformer_sends_the_base_types_literal(money: Plugin) -> None:
    conv = TypeEngine.converter(Decimal)
    assert conv.literal_type == types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)
    lit = conv.to_literal(Decimal("1.10"))
    assert lit.scalar.primitive.string_value == "1.10"  # what flytekit and the console read
    back = conv.to_python(literals_pb2.Literal.FromString(lit.SerializeToString()))
    assert type(back) is Decimal and back.as_tuple() == Decimal("1.10").as_tuple()
    # the flytekit-style methods work on the transformer itself
    assert DECIMAL.get_literal_type() == conv.literal_type
    assert DECIMAL.to_python_value(DECIMAL.to_literal(Decimal("3"))) == Decimal("3")
    assert DECIMAL.from_plain(DECIMAL.to_plain(Decimal("2.5"))) == Decimal("2.5")


def test_simple_transformer_in_containers_and_dataclasses(money: Plugin) -> None:
    for t, value in [
        (list[Decimal], [Decimal("1"), Decimal("2.50")]),
        (dict[str, Decimal], {"a": Decimal("0.1")}),
        (Optional[Decimal], None),
        (Optional[Decimal], Decimal("7")),
        (dict[int, Decimal], {1: Decimal("9.99")}),  # msgpack dict: the plain form
    ]:
        conv = TypeEngine.converter(t)
        assert conv.to_python(conv.to_literal(value)) == value
    inv = Invoice(EUR, [EUR], {"x": USD}, rate=Decimal("0.075"))
    conv = TypeEngine.converter(Invoice)
    data = msgpack.unpackb(conv.to_literal(inv).scalar.binary.value)
    assert data["rate"] == "0.075"  # a str inside the dataclass, as the base type's plain form


@pytest.mark.parametrize(
    ("base", "python_type", "encode", "decode", "value", "field"),
    [
        (
            int,
            Decimal,
            lambda d: int(d * 100),
            lambda c: Decimal(c) / 100,
            Decimal("12.34"),
            "integer",
        ),
        (float, Decimal, float, lambda f: Decimal(str(f)), Decimal("0.5"), "float_value"),
        (bool, Decimal, bool, Decimal, Decimal(1), "boolean"),
        (
            bytes,
            Decimal,
            lambda d: str(d).encode(),
            lambda b: Decimal(b.decode()),
            Decimal("8"),
            None,
        ),
        (
            datetime.datetime,
            Decimal,
            lambda d: datetime.datetime.fromtimestamp(float(d), tz=datetime.UTC),
            lambda dt: Decimal(int(dt.timestamp())),
            Decimal(1700000000),
            "datetime",
        ),
        (
            datetime.timedelta,
            Decimal,
            lambda d: datetime.timedelta(seconds=int(d)),
            lambda td: Decimal(int(td.total_seconds())),
            Decimal(90),
            "duration",
        ),
    ],
)
def test_simple_transformer_base_types(base, python_type, encode, decode, value, field) -> None:
    tr = SimpleTransformer("dec", python_type, base, encode=encode, decode=decode)
    with fresh_plugin_manager(Plugin(tr), autoload=False):
        try:
            conv = TypeEngine.converter(python_type)
            assert conv.literal_type == TypeEngine.to_literal_type(base)
            lit = conv.to_literal(value)
            if field is not None:
                assert lit.scalar.primitive.WhichOneof("value") == field
            assert conv.to_python(lit) == value
            dc = TypeEngine.converter(list[python_type])
            assert dc.to_python(dc.to_literal([value])) == [value]
        finally:
            TypeEngine.reset()


def test_simple_transformer_errors_name_the_transformer(money: Plugin) -> None:
    with pytest.raises(TypeError, match="base_type must be one of"):
        SimpleTransformer("bad", Decimal, list, encode=str, decode=Decimal)
    with pytest.raises(TypeError, match="python_type must be a class"):
        SimpleTransformer("bad", "Decimal", str, encode=str, decode=Decimal)  # type: ignore[arg-type]
    conv = TypeEngine.converter(Decimal)
    with pytest.raises(
        TypeTransformerFailedError, match=r"expected a value of type decimal.Decimal, got float"
    ):
        conv.to_literal(1.5)  # exact type, as flytekit's SimpleTransformer
    bad_literal = literals_pb2.Literal()
    bad_literal.scalar.primitive.string_value = "not a number"
    with pytest.raises(LiteralDecodeError, match="InvalidOperation"):
        conv.to_python(bad_literal)

    wrong = SimpleTransformer("wrong", Money, str, encode=lambda m: 5, decode=lambda s: s)
    with fresh_plugin_manager(Plugin(wrong), autoload=False):
        conv = TypeEngine.converter(Money)
        with pytest.raises(
            TypeTransformerFailedError,
            match=r"transformer 'wrong': encode\(Money.*returned int, expected str",
        ):
            conv.to_literal(EUR)
        lit = TypeEngine.to_literal("x", str)
        with pytest.raises(
            LiteralDecodeError,
            match=r"transformer 'wrong': decode\('x'\) returned str, expected .*Money",
        ):
            conv.to_python(lit)
    TypeEngine.reset()


class Cents(Decimal):
    pass


def test_simple_transformer_refuses_a_declared_subclass(money: Plugin) -> None:
    with pytest.raises(UnsupportedTypeError) as info:

        @task
        def pay(c: Cents) -> int:
            return 1

    assert "handles decimal.Decimal exactly, not its subclass" in str(info.value)
    assert "input 'c'" in str(info.value)


# -- plugin types inside dataclasses, lists, dicts and Optional, through a task -----------------


def test_plugin_type_everywhere_through_a_task(money: Plugin) -> None:
    @task
    def settle(
        invoice: Invoice,
        payments: list[Money],
        by_account: dict[str, Money],
        tip: Optional[Money],
        single: Money,
    ) -> tuple[Invoice, list[Money], dict[str, Money], Optional[Money], Money]:
        return invoice, payments, by_account, tip, single

    inv = Invoice(EUR, [EUR, USD], {"acme": USD}, discount=USD, notes=["n"])
    args = dict(invoice=inv, payments=[EUR, USD], by_account={"a": EUR}, tip=None, single=USD)
    out = settle(**args)
    assert out == (inv, [EUR, USD], {"a": EUR}, None, USD)
    assert out.o0.total.amount.as_tuple() == Decimal("12.34").as_tuple()
    assert check_local_matches_container(settle, **args) == out
    # the wire form: msgpack STRUCT for Money, a dataclass holding its plain form
    lm = settle.inputs_to_literal_map(args)
    single = lm.literals["single"]
    assert msgpack.unpackb(single.scalar.binary.value) == {"amount": "-0.50", "currency": "USD"}
    assert single.scalar.binary.tag == "msgpack"
    inv_data = msgpack.unpackb(lm.literals["invoice"].scalar.binary.value)
    assert inv_data["total"] == {"amount": "12.34", "currency": "EUR"}
    assert inv_data["discount"] == {"amount": "-0.50", "currency": "USD"}
    assert TypeEngine.to_literal_type(Money).simple == types_pb2.SimpleType.STRUCT
    # the dataclass's schema still builds (flytekit puts it in the literal type's metadata)
    lt = TypeEngine.to_literal_type(Invoice)
    assert "total" in lt.structure.dataclass_type
    json.dumps(dict(lt.metadata))


def test_a_wrong_value_inside_a_dataclass_names_the_type(money: Plugin) -> None:
    conv = TypeEngine.converter(Invoice)
    with pytest.raises(
        TypeTransformerFailedError, match=r"expected a value of type .*Money, got str"
    ):
        conv.to_literal(Invoice("12 EUR", [], {}))  # type: ignore[arg-type]
    lit = TypeEngine.to_literal({"total": {"amount": "1"}, "lines": [], "by_customer": {}}, dict)
    with pytest.raises(TypeTransformerFailedError, match="Money"):
        conv.to_python(lit)


class StringMoney(TypeTransformer[Money]):
    """Both forms: a string literal ("12.34 EUR") and a dict inside dataclasses."""

    def __init__(self) -> None:
        super().__init__("string-money", Money)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)

    def to_literal(self, value: Money, t: Any) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        lit.scalar.primitive.string_value = f"{value.amount} {value.currency}"
        return lit

    def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> Money:
        amount, currency = literal.scalar.primitive.string_value.split()
        return Money(Decimal(amount), currency)

    def to_plain(self, value: Money, t: Any) -> Any:
        return [str(value.amount), value.currency]

    def from_plain(self, data: Any, t: Any) -> Money:
        return Money(Decimal(data[0]), data[1])


def test_literal_form_and_plain_form_together() -> None:
    with fresh_plugin_manager(Plugin(StringMoney(), DECIMAL), autoload=False):
        try:
            conv = TypeEngine.converter(Money)
            lit = conv.to_literal(EUR)
            assert lit.scalar.primitive.string_value == "12.34 EUR"
            assert conv.to_python(lit) == EUR
            with pytest.raises(TypeTransformerFailedError, match="got int"):
                conv.to_literal(5)  # assert_type's default: isinstance of the class
            inv = Invoice(EUR, [USD], {}, discount=None)
            dc = TypeEngine.converter(Invoice)
            assert dc.to_python(dc.to_literal(inv)) == inv
            data = msgpack.unpackb(dc.to_literal(inv).scalar.binary.value)
            assert data["total"] == ["12.34", "EUR"]
        finally:
            TypeEngine.reset()


class LiteralOnlyMoney(StringMoney):
    to_plain = TypeTransformer.to_plain  # type: ignore[assignment]
    from_plain = TypeTransformer.from_plain  # type: ignore[assignment]


def test_literal_only_transformer_works_in_containers_but_says_what_dataclasses_need() -> None:
    with fresh_plugin_manager(Plugin(LiteralOnlyMoney(), DECIMAL), autoload=False):
        try:
            for t, value in [
                (list[Money], [EUR]),
                (dict[str, Money], {"a": USD}),
                (Optional[Money], EUR),
            ]:
                conv = TypeEngine.converter(t)
                assert conv.to_python(conv.to_literal(value)) == value
            with pytest.raises(UnsupportedTypeError) as info:
                TypeEngine.converter(Invoice)
            message = str(info.value)
            assert "cannot be stored inside a dataclass" in message
            assert "'string-money'" in message and "to_plain() and from_plain()" in message
        finally:
            TypeEngine.reset()


class HalfPlain(TypeTransformer[Money]):
    def __init__(self) -> None:
        super().__init__("half", Money)

    def to_plain(self, value: Money, t: Any) -> Any:
        return str(value.amount)


class Nothing(TypeTransformer[Money]):
    def __init__(self) -> None:
        super().__init__("nothing", Money)


class BadLiteralType(StringMoney):
    def get_literal_type(self, t: Any) -> Any:
        return "STRING"


class BadLiteral(StringMoney):
    def to_literal(self, value: Money, t: Any) -> Any:
        return f"{value.amount}"


@pytest.mark.parametrize(
    ("transformer", "message"),
    [
        (HalfPlain(), "implements to_plain but not from_plain"),
        (Nothing(), "implements neither to_plain/from_plain nor to_literal/to_python_value"),
        (BadLiteralType(), "get_literal_type returned str, expected a flyteidl LiteralType"),
    ],
)
def test_incomplete_transformers_are_refused_when_the_type_is_declared(
    transformer, message
) -> None:
    with fresh_plugin_manager(Plugin(transformer), autoload=False):
        try:
            with pytest.raises(UnsupportedTypeError, match=message):

                @task
                def pay(m: Money) -> int:
                    return 1

        finally:
            TypeEngine.reset()


def test_to_literal_returning_something_else_is_an_error_naming_the_transformer() -> None:
    with fresh_plugin_manager(Plugin(BadLiteral()), autoload=False):
        try:
            with pytest.raises(
                TypeTransformerFailedError,
                match="transformer 'string-money': to_literal returned str",
            ):
                TypeEngine.to_literal(EUR, Money)
        finally:
            TypeEngine.reset()


def test_plain_only_transformer_methods_are_usable_directly() -> None:
    tr = MoneyTransformer()
    assert tr.has_plain_form() and not tr.has_literal_form()
    assert tr.get_literal_type(Money).simple == types_pb2.SimpleType.STRUCT
    lit = tr.to_literal(EUR, Money)
    assert tr.to_python_value(lit, Money) == EUR
    with pytest.raises(NotImplementedError, match="must implement get_literal_type"):
        Nothing().get_literal_type(Money)


# -- registration: who registered what ---------------------------------------------------------

TRANSFORMER_PLUGIN = """
from decimal import Decimal
from taskplug.plugin import hookimpl
from taskplug.types import SimpleTransformer

TASKPLUG_API_VERSION = "1.0"
SEEN = []


@hookimpl
def taskplug_register_type_transformers(registry):
    SEEN.append((registry.current_plugin, registry.current_dist))
    registry.register(SimpleTransformer("{name}", Decimal, str, encode=str, decode=Decimal))
"""


def test_a_type_claimed_twice_names_both_plugins(make_plugin_dist) -> None:
    make_plugin_dist(
        "decimal-a",
        "1.0",
        {"decimal_a": TRANSFORMER_PLUGIN.replace("{name}", "decimal-a")},
        {"taskplug": {"a": "decimal_a"}},
    )
    make_plugin_dist(
        "decimal-b",
        "2.1",
        {"decimal_b": TRANSFORMER_PLUGIN.replace("{name}", "decimal-b")},
        {"taskplug": {"b": "decimal_b"}},
    )
    with fresh_plugin_manager() as pm:
        with pytest.raises(DuplicateRegistrationError) as info:
            TypeEngine.converter(Decimal)
        message = str(info.value)
        first, second = (
            ("a", "b") if "plugin 'a' (decimal-a==1.0) registered" in message else ("b", "a")
        )
        dists = {"a": "decimal-a==1.0", "b": "decimal-b==2.1"}
        assert (
            f"type decimal.Decimal has two transformers: plugin {first!r} ({dists[first]}) registered"
            in message
        )
        assert f"plugin {second!r} ({dists[second]}) tried to register" in message
        assert f"TASKPLUG_DISABLE_PLUGINS={second}" in message
        assert info.value.plugin == second and info.value.dist == dists[second]
        # no half-filled registry is left behind: the next lookup fails the same way
        with pytest.raises(DuplicateRegistrationError):
            TypeEngine.converter(int)
        assert pm.type_registry is None
    TypeEngine.reset()


def test_each_plugin_registers_under_its_own_name(make_plugin_dist) -> None:
    import importlib

    make_plugin_dist(
        "decimal-a",
        "1.0",
        {"decimal_a": TRANSFORMER_PLUGIN.replace("{name}", "decimal-a")},
        {"taskplug": {"a": "decimal_a"}},
    )
    other = Plugin(MoneyTransformer())
    with fresh_plugin_manager(other) as pm:
        registry = TypeEngine.registry()
        assert importlib.import_module("decimal_a").SEEN == [("a", "decimal-a==1.0")]
        assert other.seen == [pm.get_name(other)]
        assert registry.current_plugin is None  # only while a hook runs
        decimal_entry = registry.registration(Decimal)
        assert decimal_entry is not None
        assert (decimal_entry.plugin, decimal_entry.dist) == ("a", "decimal-a==1.0")
        assert registry.registration(bool).owner == "taskplug (built in)"  # type: ignore[union-attr]
        assert ("a", "decimal.Decimal (decimal-a)") in registry.owners()
        assert (pm.get_name(other), f"{__name__}.Money (money)") in registry.owners()
        assert not any(p == "taskplug" for p, _ in registry.owners())
        from taskplug.cli.plugins import plugin_rows  # what `taskplug plugins` shows

        rows = {row["name"]: row for row in plugin_rows()}
        assert rows["a"]["transformers"] == ["decimal.Decimal (decimal-a)"]
    TypeEngine.reset()


def test_claiming_a_builtin_type_and_direct_registrations_are_named(money: Plugin) -> None:
    with pytest.raises(DuplicateRegistrationError) as info:
        TypeEngine.register(SimpleTransformer("my-int", int, str, encode=str, decode=int))
    message = str(info.value)
    assert "type int has two transformers: taskplug (built in) registered" in message
    assert (
        "a direct TypeEngine.register() call tried to register SimpleTransformer('my-int', int, str)"
        in message
    )
    registry = TypeTransformerRegistry()
    with pytest.raises(TypeError, match="not a taskplug.types.TypeTransformer"):
        registry.register(object())  # type: ignore[arg-type]
    with (
        registry.registering("p", "p-dist==1"),
        pytest.raises(
            TypeError,
            match=r"plugin 'p' \(p-dist==1\) registered .* whose python_type is 'money', not a class",
        ),
    ):
        registry.register(TypeTransformer("x", "money"))  # type: ignore[arg-type]
