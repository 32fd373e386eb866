"""Several outputs declared with a tuple literal, `-> (int, str)`, on tasks and workflows."""

import typing

from flytekit import task, workflow


@task
def divide(a: int, b: int) -> (int, int):
    return a // b, a % b


@task
def describe(quotient: int, remainder: int) -> (str, bool):
    return f"{quotient} rest {remainder}", remainder == 0


@task
def scale(values: typing.List[float], factor: float) -> (typing.List[float], float):
    scaled = [v * factor for v in values]
    return scaled, sum(scaled)


@workflow
def division_wf(a: int, b: int) -> (str, bool):
    q, r = divide(a=a, b=b)
    text, exact = describe(quotient=q, remainder=r)
    return text, exact


@workflow
def scale_wf(values: typing.List[float]) -> (typing.List[float], float):
    return scale(values=values, factor=2.5)


if __name__ == "__main__":
    result = divide(a=17, b=5)
    print(result)
    print(result.o0, result.o1)
    q, r = divide(a=9, b=3)
    print(q, r)
    print(division_wf(a=17, b=5))
    text, exact = division_wf(a=12, b=4)
    print(text, exact)
    print(scale_wf(values=[1.0, 2.0, 4.0]))
    print(list(division_wf.python_interface.outputs.items()))
    print(list(divide.python_interface.outputs.items()))
