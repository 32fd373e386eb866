# user-script: fails="invalid literal for int() with base 10: 'eight'"
"""A map task whose items must all succeed fails with the failing item's error."""

from flytekit import map_task, task, workflow


@task
def parse(text: str) -> int:
    return int(text)


@workflow
def strict(texts: list[str]) -> list[int]:
    return map_task(parse)(text=texts)


if __name__ == "__main__":
    print(strict(texts=["7", "eight", "9"]))
