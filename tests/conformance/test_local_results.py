"""What a local call returns, against flytekit 1.16: several outputs come back as a named tuple
(``DefaultNamedTupleOutput`` with the output names as fields), for function and instance tasks;
a conditional ``return ... if ... else None`` is accepted by both.

Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import typing
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flytekit.core.base_task import kwtypes  # noqa: E402
from flytekit.core.interface import Interface as FkInterface  # noqa: E402
from flytekit.core.python_function_task import PythonInstanceTask as FkInstanceTask  # noqa: E402

import taskplug  # noqa: E402

pytestmark = pytest.mark.conformance


def two(x: int) -> tuple[int, str]:
    return x, "a"


def two_typing(x: int) -> typing.Tuple[int, float, str]:
    return x, 0.5, "b"


def conditional(p: int) -> int:
    return p + 1 if p else None  # type: ignore[return-value]


fk_two, tp_two = flytekit.task(two), taskplug.task(two)
fk_two_typing, tp_two_typing = flytekit.task(two_typing), taskplug.task(two_typing)


class FkPair(FkInstanceTask[None]):
    def __init__(self) -> None:
        super().__init__(
            name="pair",
            task_config=None,
            interface=FkInterface(inputs=kwtypes(x=int), outputs=kwtypes(num=int, text=str)),
        )

    def execute(self, **kwargs: Any) -> Any:
        return kwargs["x"], str(kwargs["x"])


class TpPair(taskplug.PythonInstanceTask[None]):
    def execute(self, **kwargs: Any) -> Any:
        return kwargs["x"], str(kwargs["x"])


fk_pair = FkPair()
tp_pair = TpPair(name="pair", inputs={"x": int}, outputs={"num": int, "text": str})


@pytest.mark.parametrize(
    ("fk", "tp", "kwargs"),
    [
        (fk_two, tp_two, {"x": 1}),
        (fk_two_typing, tp_two_typing, {"x": 2}),
        (fk_pair, tp_pair, {"x": 3}),
    ],
    ids=["tuple", "typing.Tuple", "instance-task"],
)
def test_several_outputs_come_back_as_the_same_named_tuple(fk: Any, tp: Any, kwargs: Any) -> None:
    expected, got = fk(**kwargs), tp(**kwargs)
    assert type(got).__name__ == type(expected).__name__ == "DefaultNamedTupleOutput"
    assert got._fields == expected._fields
    assert got == expected
    for name in got._fields:
        assert getattr(got, name) == getattr(expected, name)


def test_a_conditional_return_is_accepted_by_both() -> None:
    assert flytekit.task(conditional)(p=1) == taskplug.task(conditional)(p=1) == 2
