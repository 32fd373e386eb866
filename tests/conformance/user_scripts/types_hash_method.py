"""HashMethod in Annotated outputs: the values come through unchanged, to plain and to cached
(cache=True) consumers."""

import hashlib
import typing

from flytekit import HashMethod, task, workflow
from typing_extensions import Annotated


def fingerprint(values: typing.List[int]) -> str:
    return hashlib.sha256(",".join(map(str, values)).encode()).hexdigest()[:12]


def text_hash(text: str) -> str:
    return f"len-{len(text)}"


@task
def read_values(n: int) -> Annotated[typing.List[int], HashMethod(fingerprint)]:
    return [i * 3 for i in range(n)]


@task
def describe(n: int) -> (Annotated[str, HashMethod(text_hash)], int):
    return "x" * n, n


@task(cache=True, cache_version="1.0")
def total(values: typing.List[int]) -> int:
    return sum(values)


@workflow
def hashed_wf(n: int) -> (int, int):
    values = read_values(n=n)
    first = total(values=values)
    second = total(values=values)
    return first, second


if __name__ == "__main__":
    print(read_values(n=4))
    print(describe(n=3))
    print(hashed_wf(n=5))
    print(fingerprint([0, 3, 6]))
