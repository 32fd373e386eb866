"""map_task with min_success_ratio: failed items become None, in input order."""

import typing

from flytekit import map_task, task, workflow


@task
def parse(text: str) -> int:
    return int(text)


@workflow
def lenient(texts: list[str]) -> list[typing.Optional[int]]:
    return map_task(parse, concurrency=3, min_success_ratio=0.5)(text=texts)


@workflow
def strict(texts: list[str]) -> list[int]:
    return map_task(parse)(text=texts)


if __name__ == "__main__":
    print(lenient(texts=["1", "two", "3", "4"]))
    print(lenient(texts=["x", "y", "10", "11", "12", "13"]))
    print(strict(texts=["5", "6"]))
    print(map_task(parse, min_success_ratio=0.25)(text=["a", "b", "c", "8"]))
