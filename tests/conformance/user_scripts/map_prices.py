"""map_task over lists: plain, with functools.partial (values, a task output), several lists."""

import functools

from flytekit import map_task, task, workflow


@task
def is_anomaly(reading: int) -> bool:
    return reading > 11


@task
def line_total(quantity: int, price: float, shipping: float) -> float:
    return round(quantity * price + shipping, 2)


@task
def current_price() -> float:
    return 2.5


@workflow
def anomalies(readings: list[int] = [10, 12, 11, 100, 9]) -> list[bool]:  # noqa: B006
    return map_task(is_anomaly)(reading=readings)


@workflow
def totals(quantities: list[int], shipping: float = 1.0) -> list[float]:
    price = current_price()
    priced = functools.partial(line_total, price=price, shipping=shipping)
    return map_task(priced)(quantity=quantities)


@workflow
def totals_from_lists(quantities: list[int], prices: list[float], shipping: float) -> list[float]:
    return map_task(functools.partial(line_total, shipping=shipping), concurrency=2)(
        quantity=quantities, price=prices
    )


if __name__ == "__main__":
    print(f"anomalies: {anomalies()}")
    print(f"totals: {totals(quantities=[1, 2, 3])}")
    print(f"totals with shipping 5: {totals(quantities=[4], shipping=5.0)}")
    print(f"from lists: {totals_from_lists(quantities=[1, 2], prices=[10.0, 0.5], shipping=0.25)}")
    print(f"outside a workflow: {map_task(is_anomaly)(reading=[1, 50])}")
