"""Entity names of a script and flytekit's workflow repr, before and after the workflow is used;
str() of a promise (flytekit's advanced composition examples)."""

from flytekit import LaunchPlan, task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def plus_two(x: int = 1) -> int:
    return inc(x=inc(x=x))


lp = LaunchPlan.get_or_create(plus_two, "plus_two_lp", default_inputs={"x": 5})


@workflow
def via_lp() -> int:
    return lp()


if __name__ == "__main__":
    print(inc.name, plus_two.name, lp.name)
    print(f"not called yet: {via_lp}")
    print(via_lp())
    print(f"called: {via_lp}")
