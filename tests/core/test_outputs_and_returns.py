"""Multiple outputs come back as a named tuple; the "no return statement" check is sound and
can be switched off by task classes whose function body never runs."""

import asyncio
import contextlib
import pickle
import typing
from typing import Any, NamedTuple, Optional

import pytest

from taskplug import PythonFunctionTask, PythonInstanceTask, task
from taskplug.errors import TaskSignatureError
from taskplug.tasks.interface import has_value_return

# -- multiple outputs -------------------------------------------------------------------------


@task
def two(x: int) -> tuple[int, str]:
    return x, "a"


@task
def two_typing(x: int) -> typing.Tuple[int, str]:
    return x + 1, "b"


class MinMax(NamedTuple):
    lo: int
    hi: int


@task
def minmax(x: int) -> MinMax:
    return MinMax(x - 1, x + 1)


@task
def one(x: int) -> int:
    return x


@task
async def two_async(x: int) -> tuple[int, int]:
    return x, x * 2


class Pair(PythonInstanceTask[None]):
    def execute(self, **kwargs: Any) -> Any:
        return kwargs["x"], str(kwargs["x"])


PAIR = Pair(name="pair", inputs={"x": int}, outputs={"num": int, "text": str})


def test_tuple_outputs_are_a_named_tuple_with_fields_o0_o1() -> None:
    result = two(x=1)
    assert type(result).__name__ == "DefaultNamedTupleOutput"  # as flytekit 1.16
    assert result._fields == ("o0", "o1")
    assert (result.o0, result.o1) == (1, "a")
    assert result == (1, "a") and isinstance(result, tuple)
    number, text = result
    assert (number, text) == (1, "a")
    other = two_typing(x=1)
    assert other.o0 == 2 and other.o1 == "b"
    assert type(other) is type(result)  # one class per set of output names
    assert pickle.loads(pickle.dumps(result)) == result
    assert type(pickle.loads(pickle.dumps(result))) is type(result)


def test_instance_and_async_tasks_return_named_tuples_too() -> None:
    result = PAIR(x=3)
    assert type(result).__name__ == "DefaultNamedTupleOutput"
    assert result._fields == ("num", "text") and result.num == 3 and result.text == "3"
    doubled = two_async(x=4)
    assert doubled._fields == ("o0", "o1") and doubled.o1 == 8

    async def inside_a_loop() -> Any:
        return await two_async(x=5)

    assert asyncio.run(inside_a_loop()).o1 == 10


def test_named_tuples_and_single_outputs_are_unchanged() -> None:
    result = minmax(x=5)
    assert type(result) is MinMax and (result.lo, result.hi) == (4, 6)
    assert one(x=3) == 3
    lm = two.dispatch_execute(two.inputs_to_literal_map({"x": 9}))
    assert two.outputs_from_literal_map(lm).o1 == "a"


# -- the "no return statement" check ------------------------------------------------------------


def ternary(p: int) -> Optional[int]:
    return p + 1 if p else None


def _ternary_int(p: int) -> int:
    return p + 1 if p else None  # type: ignore[return-value]


def _none_first(p: int) -> int:
    return None if p else p + 1  # type: ignore[return-value]


def _or_none(p: int) -> int:
    return p or None  # type: ignore[return-value]


def _try_finally(p: int) -> int:
    try:
        return p
    finally:
        print("done")


def _try_except(p: int) -> int:
    try:
        q = 10 // p
    except ZeroDivisionError:
        return None  # type: ignore[return-value]
    return q


def _with_block(p: int) -> int:
    with contextlib.nullcontext():
        return p + 1 if p else None  # type: ignore[return-value]


def _match(p: int) -> str:
    match p:
        case 1:
            return "one"
        case _:
            return None  # type: ignore[return-value]


def _loop(p: list[int]) -> int:
    for item in p:
        if item:
            return item
    return None  # type: ignore[return-value]


def _while(p: int) -> int:  # type: ignore[return]
    while p:
        p -= 1
        if p == 3:
            return p


def _generator(p: int) -> typing.Iterator[int]:
    yield p


async def _coroutine(p: int) -> int:
    return p if p else None  # type: ignore[return-value]


def _only_none(p: int) -> int:
    if p:
        return None  # type: ignore[return-value]
    return None  # type: ignore[return-value]


def _no_return(p: int) -> int:  # type: ignore[empty-body]
    pass


def _raises(p: int) -> int:
    raise NotImplementedError


def _nested_value_only(p: int) -> int:  # type: ignore[empty-body]
    def inner() -> int:
        return p

    inner()


async def _coroutine_none(p: int) -> int:  # type: ignore[empty-body]
    await asyncio.sleep(0)


VALUE_RETURNS = [
    _ternary_int,
    _none_first,
    _or_none,
    _try_finally,
    _try_except,
    _with_block,
    _match,
    _loop,
    _while,
    _generator,
    _coroutine,
]
NO_VALUE_RETURNS = [_only_none, _no_return, _raises, _nested_value_only, _coroutine_none]


@pytest.mark.parametrize("fn", VALUE_RETURNS, ids=lambda f: f.__name__)
def test_returns_that_may_carry_a_value_are_found(fn: Any) -> None:
    assert has_value_return(fn)


@pytest.mark.parametrize("fn", NO_VALUE_RETURNS, ids=lambda f: f.__name__)
def test_functions_that_only_return_none_are_found(fn: Any) -> None:
    assert not has_value_return(fn)


def test_a_conditional_return_is_accepted_as_flytekit_does() -> None:
    @task
    def maybe(p: int) -> int:
        return p + 1 if p else None  # type: ignore[return-value]

    assert maybe(p=1) == 2

    @task
    def optional(p: int) -> Optional[int]:
        return ternary(p)

    assert optional(p=0) is None


def test_an_optional_output_needs_no_value_return_as_in_flytekit() -> None:
    @task
    def nothing_yet(p: int) -> Optional[int]:
        return None

    assert nothing_yet(p=1) is None


def test_a_declared_output_without_a_value_return_is_refused() -> None:
    with pytest.raises(TaskSignatureError) as info:

        @task
        def forgot(p: int) -> int:
            p + 1

    message = str(info.value)
    assert "declares output(s) o0 of type int but its function has no return statement" in message
    assert "function_runs = False" in message


class ShellTask(PythonFunctionTask[str]):
    """A config-only task type: the function declares the interface, execute does the work."""

    function_runs = False

    def execute(self, **kwargs: Any) -> Any:
        return f"ran {self.task_config} with {kwargs}"


def test_task_classes_whose_function_never_runs_skip_the_check() -> None:
    def greet(name: str) -> str: ...

    shell = ShellTask("echo hi", greet)
    assert shell(name="x") == "ran echo hi with {'name': 'x'}"
    assert PythonFunctionTask.function_runs is True
    with pytest.raises(TaskSignatureError, match="no return statement"):
        PythonFunctionTask(None, greet)
