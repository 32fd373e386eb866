"""Workflow constructs the conformance tests build with both flytekit and taskplug.

``HEADERS[lib] + CATALOGUE`` is the source of one module (``wfcons``): conditionals, attribute
paths of promises, map tasks, and dynamic tasks using them. Written to disk twice under the
same module name (once per library), it gives entities whose ids agree.
"""

HEADERS = {
    "flytekit": (
        "from flytekit import Resources, conditional, dynamic, map_task, task, workflow\n"
    ),
    "taskplug": (
        "from taskplug import Resources, conditional, dynamic, map_task, task, workflow\n"
    ),
}

CATALOGUE = """
import dataclasses
import datetime
import functools
import typing


class Pair(typing.NamedTuple):
    low: int
    high: int


@dataclasses.dataclass
class Fruit:
    name: str
    tags: typing.List[str]


@task
def double(n: float) -> float:
    return 2 * n


@task
def square(n: float) -> float:
    return n * n


@task
def is_even(n: int) -> bool:
    return n % 2 == 0


@task
def shout(s: str) -> str:
    return s.upper()


@task
def note(s: str) -> None:
    print(s)


@task
def pair(n: int) -> Pair:
    return Pair(n - 1, n + 1)


@task
def other_pair(n: int) -> Pair:
    return Pair(n, n)


@task
def stamp(year: int) -> datetime.datetime:
    return datetime.datetime(year, 1, 1)


@task
def words() -> typing.List[str]:
    return ["a", "b"]


@task
def table() -> typing.Dict[str, typing.List[int]]:
    return {"a": [1]}


@task
def fruit() -> Fruit:
    return Fruit(name="kiwi", tags=["green"])


@task
def number(n: int) -> int:
    return n


@task(retries=3, timeout=60, requests=Resources(cpu="1"))
def total(quantity: int, price: float, shipping: float) -> float:
    return quantity * price + shipping


@task
def get_price() -> float:
    return 2.0


@task
def picky(x: int) -> int:
    return x


@task
def record(x: int) -> None:
    print(x)


@workflow
def simple(x: float) -> float:
    return conditional("simple").if_(x > 1.0).then(double(n=x)).else_().then(square(n=x))


@workflow
def ranges(x: float) -> float:
    return (
        conditional("ranges")
        .if_((x >= 0.1) & (x < 1.0))
        .then(double(n=x))
        .elif_((x >= 1.0) | (x == -5.0))
        .then(square(n=x))
        .elif_(1.0 > x)
        .then(double(n=x))
        .else_()
        .fail("x is out of range")
    )


@workflow
def nested(x: float) -> float:
    a = double(n=x)
    return (
        conditional("outer")
        .if_(x < 1.0)
        .then(
            conditional("inner")
            .if_(a < 0.5)
            .then(double(n=a))
            .elif_((a >= 0.5) & (a < 0.9))
            .then(square(n=x))
            .else_()
            .fail("inner failed")
        )
        .else_()
        .then(square(n=a))
    )


@workflow
def consumed(x: float) -> float:
    a = double(n=x)
    b = conditional("c").if_(a < 10.0).then(square(n=a)).else_().then(double(n=a))
    return double(n=b)


@workflow
def booleans(n: int, flag: bool) -> str:
    even = is_even(n=n)
    first = (
        conditional("even").if_(even.is_true()).then(shout(s="even")).else_().then(shout(s="odd"))
    )
    second = (
        conditional("flag").if_(flag.is_false()).then(shout(s="no")).else_().then(shout(s=first))
    )
    return second


@workflow
def optional_input(n: typing.Optional[int] = None, limit: int = 3) -> str:
    return (
        conditional("none")
        .if_(n.is_none())
        .then(shout(s="none"))
        .elif_(n > limit)
        .then(shout(s="big"))
        .else_()
        .then(shout(s="small"))
    )


@workflow
def strings_and_times(name: str, year: int) -> str:
    t = stamp(year=year)
    return (
        conditional("st")
        .if_((name == "x") | (t < datetime.datetime(2000, 1, 1)))
        .then(shout(s="old"))
        .else_()
        .then(shout(s=name))
    )


@workflow
def void_branches(n: int) -> None:
    conditional("side").if_(n > 0).then(note(s="pos")).else_().then(note(s="neg"))


@workflow
def pairs(n: int) -> Pair:
    return conditional("pairs").if_(n != 5).then(pair(n=n)).else_().then(other_pair(n=n))


@workflow
def sub(x: float) -> float:
    return square(n=double(n=x))


@workflow
def with_sub(x: float) -> float:
    return conditional("ws").if_(x <= 2.0).then(sub(x=x)).else_().then(double(n=x))


@workflow
def paths() -> typing.Tuple[str, int, str, str]:
    f = fruit()
    return (
        shout(s=words()[1]),
        number(n=table()["a"][0]),
        shout(s=f.tags[0]),
        f.name,
    )


@workflow
def path_condition(n: int) -> str:
    f = fruit()
    return conditional("pc").if_(f.name == "kiwi").then(shout(s="kiwi")).else_().then(
        shout(s="other")
    )


@workflow
def mapped(xs: typing.List[int]) -> typing.List[int]:
    return map_task(picky)(x=xs)


@workflow
def mapped_partial(qs: typing.List[int], s: float = 6.0) -> typing.List[float]:
    p = get_price()
    return map_task(functools.partial(total, price=p, shipping=s))(quantity=qs)


@workflow
def mapped_lists(qs: typing.List[int], ps: typing.List[float], s: float) -> typing.List[float]:
    return map_task(functools.partial(total, shipping=s), concurrency=4)(quantity=qs, price=ps)


@workflow
def mapped_tolerant(xs: typing.List[int]) -> typing.List[typing.Optional[int]]:
    return map_task(picky, concurrency=0, min_success_ratio=0.75)(x=xs)


@workflow
def mapped_void(xs: typing.List[int]) -> None:
    map_task(record)(x=xs)


@workflow
def mapped_overrides(xs: typing.List[int]) -> typing.List[int]:
    return map_task(picky)(x=xs).with_overrides(requests=Resources(cpu="2"), retries=4)


@dynamic
def dyn_constructs(n: int) -> typing.List[int]:
    x = number(n=n)
    y = conditional("dc").if_(x > 2).then(number(n=n)).else_().then(number(n=0))
    return map_task(picky)(x=[y, x])
"""
