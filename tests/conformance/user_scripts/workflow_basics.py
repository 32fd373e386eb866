"""A workflow of two tasks, with defaults and named outputs (flytekit's basics)."""

import typing

from flytekit import task, workflow


class Stats(typing.NamedTuple):
    total: int
    mean: float


@task
def summarize(values: list[int]) -> Stats:
    return Stats(total=sum(values), mean=sum(values) / len(values))


@task
def describe(total: int, mean: float, unit: str = "items") -> str:
    return f"{total} {unit}, mean {mean:.2f}"


@workflow
def report(values: list[int], unit: str = "items") -> str:
    stats = summarize(values=values)
    return describe(total=stats.total, mean=stats.mean, unit=unit)


if __name__ == "__main__":
    print(report(values=[1, 2, 3, 4]))
    print(report(values=[10, 20], unit="apples"))
    print(summarize(values=[5, 7]))
