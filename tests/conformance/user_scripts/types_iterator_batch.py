"""Iterator[T] outputs (a generator, an iterator) and inputs, and BatchSize in Annotated."""

import typing
from typing import Iterator

from flytekit import BatchSize, task, workflow
from flytekit.core.type_engine import BatchSize as CoreBatchSize
from typing_extensions import Annotated


@task
def countdown(start: int) -> Iterator[int]:
    while start > 0:
        yield start
        start -= 1


@task
def shout(words: typing.List[str]) -> typing.Iterator[str]:
    return iter([w.upper() + "!" for w in words])


@task
def join(parts: Iterator[str]) -> str:
    return " ".join(parts)


@task
def total(values: Iterator[int]) -> int:
    return sum(values)


@task
def batched(n: int) -> Annotated[typing.List[str], BatchSize(2)]:
    return [f"item{i}" for i in range(n)]


@workflow
def words_wf(words: typing.List[str]) -> str:
    return join(parts=shout(words=words))


@workflow
def countdown_wf(start: int) -> Iterator[int]:
    return countdown(start=start)


@workflow
def sum_wf(start: int) -> int:
    return total(values=countdown(start=start))


if __name__ == "__main__":
    result = countdown(start=3)
    print(type(result).__name__, len(result))
    print(list(result))
    print(list(result))
    print(words_wf(words=["hello", "flyte"]))
    print(list(countdown_wf(start=4)))
    print(sum_wf(start=10))
    print(batched(n=3))
    print(CoreBatchSize is BatchSize, BatchSize(7).val)
