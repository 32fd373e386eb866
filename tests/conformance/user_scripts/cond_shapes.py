"""Branching on a workflow input: if/elif/else, a failing branch, a result used afterwards."""

from flytekit import conditional, task, workflow


@task
def circumference(radius: float) -> float:
    return round(2 * 3.14159 * radius, 4)


@task
def area(radius: float) -> float:
    return round(3.14159 * radius * radius, 4)


@task
def describe(value: float, unit: str) -> str:
    return f"{value} {unit}"


@workflow
def measure(radius: float) -> float:
    return (
        conditional("measure")
        .if_((radius > 0.0) & (radius < 1.0))
        .then(circumference(radius=radius))
        .elif_((radius >= 1.0) & (radius <= 10.0))
        .then(area(radius=radius))
        .else_()
        .fail("radius must be between 0 and 10")
    )


@workflow
def report(radius: float, unit: str = "cm") -> str:
    value = (
        conditional("pick")
        .if_(radius < 1.0)
        .then(circumference(radius=radius))
        .else_()
        .then(area(radius=radius))
    )
    return describe(value=value, unit=unit)


if __name__ == "__main__":
    for r in (0.5, 2.0, 10.0):
        print(f"measure({r}) = {measure(radius=r)}")
    for r in (-1.0, 11.0):
        try:
            measure(radius=r)
        except ValueError as exc:
            print(f"measure({r}) failed: {exc}")
    print(report(radius=0.25))
    print(report(radius=3.0, unit="m2"))
