"""Launch plans: the default one, named ones with default and fixed inputs, called locally and
from another workflow (flytekit's basics and advanced composition)."""

import typing

from flytekit import LaunchPlan, task, workflow


@task
def area(width: float, height: float) -> float:
    return width * height


@task
def describe(value: float, unit: str) -> str:
    return f"{value:.1f} {unit}"


@workflow
def room(width: float, height: float = 2.5, unit: str = "m2") -> str:
    return describe(value=area(width=width, height=height), unit=unit)


default_lp = LaunchPlan.get_or_create(room)
small_lp = LaunchPlan.create(
    name="small_room_lp", workflow=room, default_inputs={"width": 2.0, "height": 1.5}
)
feet_lp = LaunchPlan.get_or_create(
    name="feet_lp", workflow=room, default_inputs={"width": 10.0}, fixed_inputs={"unit": "ft2"}
)


@workflow
def two_rooms(w: float) -> typing.Tuple[str, str]:
    first = small_lp(width=w)
    second = feet_lp()
    first >> second
    return first, second


if __name__ == "__main__":
    print(default_lp.name, default_lp is LaunchPlan.get_or_create(room))
    print(default_lp(width=4.0))
    print(small_lp.name, small_lp())
    print(small_lp(width=3.0, unit="sqm"))
    print(feet_lp.name, feet_lp(), feet_lp(height=1.0))
    print(sorted(feet_lp.saved_inputs.items()))
    print(sorted(feet_lp.fixed_inputs.literals))
    print(
        feet_lp
        is LaunchPlan.get_or_create(
            name="feet_lp",
            workflow=room,
            default_inputs={"width": 10.0},
            fixed_inputs={"unit": "ft2"},
        )
    )
    try:
        LaunchPlan.get_or_create(name="feet_lp", workflow=room, default_inputs={"width": 1.0})
    except Exception:
        print("a second feet_lp with other defaults is refused")
    try:
        LaunchPlan.get_or_create(room, default_inputs={"width": 1.0})
    except Exception:
        print("settings without a name are refused")
    print(tuple(two_rooms(w=4.0)))
    print(feet_lp.workflow.name, small_lp.python_interface.inputs)
