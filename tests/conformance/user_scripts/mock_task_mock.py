"""Testing helpers: task_mock and patch on tasks, on a sub-workflow and on a reference task
that cannot run locally (flytekit's testing section, written fresh)."""

import logging
import typing

from flytekit import reference_task, task, workflow
from flytekit.testing import patch, task_mock


@task
def fetch_price(symbol: str) -> float:
    if symbol:
        raise RuntimeError("no network in tests")
    return 0.0


@task
def with_tax(price: float, rate: float) -> float:
    return round(price * (1 + rate), 2)


@workflow
def quote(symbol: str, rate: float = 0.2) -> float:
    return with_tax(price=fetch_price(symbol=symbol), rate=rate)


@workflow
def basket(a: str, b: str) -> typing.List[float]:
    return [quote(symbol=a), quote(symbol=b)]


@reference_task(project="finance", domain="production", name="pricing.fx_rate", version="v3")
def fx_rate(currency: str) -> float: ...


@workflow
def converted(symbol: str, currency: str) -> float:
    return with_tax(price=fetch_price(symbol=symbol), rate=fx_rate(currency=currency))


def context_manager_form() -> None:
    with task_mock(fetch_price) as mock:
        mock.return_value = 10.0
        print(quote(symbol="ACME"))
        print(mock.call_args.kwargs)
    try:
        quote(symbol="ACME")
    except RuntimeError:
        print("the real task is back after the block")


def side_effects() -> None:
    prices = {"A": 1.0, "B": 2.5}
    with task_mock(fetch_price) as mock:
        mock.side_effect = lambda symbol: prices[symbol]
        print(basket(a="A", b="B"))
        print(mock.call_count)


@patch(fetch_price)
def decorator_form(mock) -> None:
    mock.return_value = 100.0
    print(quote(symbol="X", rate=0.0))


def sub_workflow() -> None:
    with task_mock(quote) as mock:
        mock.return_value = 7.0
        print(basket(a="A", b="B"))
        print(mock.call_count)


def reference() -> None:
    try:
        fx_rate(currency="EUR")
    except Exception:
        print("a reference task cannot run locally unmocked")
    with task_mock(fx_rate) as fx, task_mock(fetch_price) as price:
        fx.return_value = 0.5
        price.return_value = 4.0
        print(converted(symbol="ACME", currency="EUR"))


if __name__ == "__main__":
    logging.getLogger("flytekit").setLevel(logging.ERROR)  # no "Invoking mock" lines
    context_manager_form()
    side_effects()
    decorator_form()
    sub_workflow()
    reference()
    try:
        task_mock(print).__enter__()
    except ValueError:
        print("only tasks, workflows and references can be mocked")
