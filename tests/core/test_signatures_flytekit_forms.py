"""Signatures written the way flytekit accepts them: a tuple literal as the return annotation
(``-> (int, str)``), ``functools.wraps`` decorators under ``@task`` / ``@workflow``; errors for
an unsupported type inside a dataclass name the field, and the error for a type only pickling
could carry says how to opt in."""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Any

import pytest

from taskplug import task, workflow
from taskplug.errors import TaskSignatureError, UnsupportedTypeError
from taskplug.serialization import serialize
from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.workflows.errors import WorkflowCompileError, WorkflowTypeError

SETTINGS = SerializationSettings(
    project="p", domain="d", version="v", image_config=ImageConfig.from_images("repo/image:1")
)

# -- tuple literal return annotations ---------------------------------------------------------


def test_a_tuple_literal_return_is_several_outputs() -> None:
    @task
    def pair(x: int) -> (int, str):  # type: ignore[syntax]
        return x + 1, str(x)

    @task
    def typed(x: int) -> typing.Tuple[int, str]:
        return x + 1, str(x)

    assert pair.interface.outputs == {"o0": int, "o1": str}
    result = pair(x=1)
    assert type(result).__name__ == "DefaultNamedTupleOutput"
    assert result == (2, "1")
    assert result.o1 == "1"
    # the same interface on the wire as typing.Tuple[int, str]
    assert serialize(pair, SETTINGS).interface == serialize(typed, SETTINGS).interface


def test_a_tuple_literal_return_in_a_workflow() -> None:
    @task
    def split(x: int) -> (int, int):  # type: ignore[syntax]
        return x // 2, x % 2

    @workflow
    def wf(x: int) -> (int, int):  # type: ignore[syntax]
        q, r = split(x=x)
        return q, r

    assert list(wf.python_interface.outputs) == ["o0", "o1"]
    result = wf(x=7)
    assert result == (3, 1)
    assert type(result).__name__ == "DefaultNamedTupleOutput"  # as flytekit returns it
    assert result.o1 == 1


def test_an_empty_tuple_literal_means_no_outputs() -> None:
    @task
    def nothing(x: int) -> ():  # type: ignore[syntax]
        print(x)

    assert nothing.interface.outputs == {}
    assert nothing(x=1) is None


def test_a_one_type_tuple_literal_is_refused_naming_the_task() -> None:
    with pytest.raises(TaskSignatureError, match=r"tuple of one type \(int,\).*-> int"):

        @task
        def single(x: int) -> (int,):  # type: ignore[syntax]
            return (x,)

    with pytest.raises(WorkflowCompileError, match=r"workflow '.*single_wf'.*tuple of one type"):

        @workflow
        def single_wf(x: int) -> (int,):  # type: ignore[syntax]
            return (x,)


# -- functools.wraps decorators ---------------------------------------------------------------

CALLS: list[str] = []


def logged(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        CALLS.append(f"before {fn.__name__}")
        out = fn(*args, **kwargs)
        CALLS.append(f"after {fn.__name__} -> {out!r}")
        return out

    return wrapper


def at_least(fn: Any = None, *, floor: int = 0) -> Any:
    if fn is None:
        return functools.partial(at_least, floor=floor)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out = fn(*args, **kwargs)
        if out < floor:
            raise ValueError(f"{fn.__name__} returned {out}, below {floor}")
        return out

    return wrapper


def test_a_wrapped_task_reads_the_inner_signature_and_calls_the_wrapper() -> None:
    @task
    @logged
    @at_least(floor=10)
    def add(x: int, y: int = 5) -> int:
        """Add two numbers."""
        return x + y

    assert add.interface.inputs == {"x": int, "y": int}
    assert add.interface.defaults == {"y": 5}
    assert add.interface.outputs == {"o0": int}
    assert add.name.endswith(".add")
    CALLS.clear()
    assert add(x=7) == 12
    assert CALLS == ["before add", "after add -> 12"]
    with pytest.raises(ValueError, match="add returned 6, below 10"):
        add(x=1)
    template = serialize(add, SETTINGS)
    assert sorted(template.interface.inputs.variables) == ["x", "y"]


def test_a_wrapped_workflow_reads_the_inner_signature() -> None:
    @task
    def double(x: int) -> int:
        return 2 * x

    @workflow
    @logged
    def wf(x: int) -> int:
        return double(x=x)

    assert list(wf.python_interface.inputs) == ["x"]
    CALLS.clear()
    assert wf(x=4) == 8
    # the wrapper ran once, when the workflow was compiled (on the promise), not per call
    assert CALLS == []


def test_a_wrapper_without_wraps_is_still_refused() -> None:
    def bare(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        return wrapper

    with pytest.raises(TaskSignatureError, match=r"\*args and \*\*kwargs cannot be task inputs"):

        @task
        @bare
        def add(x: int) -> int:
            return x


def test_wraps_around_something_that_is_not_a_function_is_refused() -> None:
    class Adder:
        def __call__(self, x: int) -> int:
            return x

    def wrapper(*args: Any, **kwargs: Any) -> int:
        return 0

    wrapper.__wrapped__ = Adder()  # type: ignore[attr-defined]
    wrapper.__qualname__ = wrapper.__name__ = "adder"
    with pytest.raises(TaskSignatureError, match="is not a Python function"):
        task(wrapper)


# -- unsupported types inside dataclasses -----------------------------------------------------


class Opaque:
    pass


@dataclasses.dataclass
class Inner:
    label: str
    things: list[Opaque]


@dataclasses.dataclass
class Outer:
    n: int
    inner: Inner


@dataclasses.dataclass
class Flat:
    n: int
    blob: Opaque


def test_an_unsupported_field_type_names_task_input_and_field() -> None:
    with pytest.raises(UnsupportedTypeError) as info:

        @task
        def use(data: Flat) -> int:
            return data.n

    text = str(info.value)
    assert "use', input 'data': field 'blob' of dataclass" in text
    assert f"{__name__}.Flat" in text
    assert f"type {__name__}.Opaque is not supported" in text
    assert "pickle_untyped" not in text  # pickling does not reach into dataclass fields
    assert info.value.var == "data" and info.value.kind == "input"


def test_a_nested_unsupported_field_is_named_by_its_path() -> None:
    with pytest.raises(UnsupportedTypeError) as info:

        @task
        def make(n: int) -> Outer:
            return Outer(n, Inner("x", []))

    text = str(info.value)
    assert "make', output 'o0': field 'inner.things' of dataclass" in text
    assert f"{__name__}.Outer" in text


def test_an_unsupported_field_in_a_workflow_input_names_the_workflow() -> None:
    with pytest.raises(WorkflowTypeError, match=r"workflow '.*wf', input 'data': field 'blob'"):

        @workflow
        def wf(data: Flat) -> None:
            return None


# -- pickling stays off: the error says how to opt in -----------------------------------------


class Superhero:
    def __init__(self, name: str) -> None:
        self.name = name


def test_an_unknown_class_says_how_to_opt_in_to_pickling() -> None:
    with pytest.raises(UnsupportedTypeError) as info:

        @task
        def hire(name: str) -> Superhero:
            return Superhero(name)

    text = str(info.value)
    assert f"output 'o0': type {__name__}.Superhero is not supported" in text
    assert "pickle_untyped=True on the task" in text
    assert "flytekit pickles types it does not know by default" in text


def test_opting_in_pickles_the_class_through_a_workflow() -> None:
    @task(pickle_untyped=True)
    def hire(name: str) -> Superhero:
        return Superhero(name)

    @task(pickle_untyped=True)
    def greet(hero: Superhero) -> str:
        return f"hello {hero.name}"

    @workflow
    def wf(name: str) -> str:
        return greet(hero=hire(name=name))

    assert wf(name="Thor") == "hello Thor"
