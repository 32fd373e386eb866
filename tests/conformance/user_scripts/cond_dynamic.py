"""A conditional that calls a dynamic task defined after the workflow, which calls the workflow."""

from flytekit import conditional, dynamic, task, workflow


@task
def sort_small(numbers: list[int]) -> list[int]:
    return sorted(numbers)


@task
def halves(numbers: list[int]) -> tuple[list[int], list[int], int, int]:
    mid = len(numbers) // 2
    return numbers[:mid], numbers[mid:], mid, len(numbers) - mid


@task
def merge(left: list[int], right: list[int]) -> list[int]:
    out = []
    while left and right:
        out.append(left.pop(0) if left[0] <= right[0] else right.pop(0))
    return out + left + right


@workflow
def sort_numbers(numbers: list[int], count: int, small: int = 3) -> list[int]:
    return (
        conditional("small_enough")
        .if_(count <= small)
        .then(sort_small(numbers=numbers))
        .else_()
        .then(sort_in_halves(numbers=numbers, small=small))
    )


@dynamic
def sort_in_halves(numbers: list[int], small: int) -> list[int]:
    left, right, n_left, n_right = halves(numbers=numbers)
    a = sort_numbers(numbers=left, count=n_left, small=small)
    b = sort_numbers(numbers=right, count=n_right, small=small)
    return merge(left=a, right=b)


@task
def double(x: int) -> int:
    return 2 * x


@dynamic
def doubled_above(values: list[int], limit: int) -> list[int]:
    out = []
    for v in values:
        d = double(x=v)
        out.append(
            conditional(f"above_{v}").if_(d > limit).then(double(x=d)).else_().then(double(x=v))
        )
    return out


if __name__ == "__main__":
    data = [9, 4, 7, 1, 8, 2, 6]
    print(sort_numbers(numbers=data, count=len(data)))
    print(sort_numbers(numbers=[3, 1], count=2))
    print(doubled_above(values=[1, 5, 10], limit=8))
