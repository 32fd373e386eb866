"""taskplug.calls: a plugin intercepts task calls made while its run is active."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from taskplug import task
from taskplug.calls import current_interceptor, intercept_calls, set_interceptor


@task
def double(x: int) -> int:
    return 2 * x


@task
async def adouble(x: int) -> int:
    return 2 * x


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def call(self, task: Any, inputs: dict[str, Any]) -> Any:
        self.calls.append(("call", task.name.rpartition(".")[2], inputs))
        return "intercepted"

    def acall(self, task: Any, inputs: dict[str, Any]) -> Any:
        self.calls.append(("acall", task.name.rpartition(".")[2], inputs))

        async def answer() -> str:
            return "awaited"

        return answer()


def test_plain_calls_are_untouched_without_an_interceptor():
    assert current_interceptor() is None
    assert double(x=2) == 4
    assert asyncio.run(adouble.aio(x=3)) == 6


def test_sync_async_and_aio_calls_reach_the_interceptor_with_bound_inputs():
    rec = Recorder()

    async def body() -> list[Any]:
        return [double(3), await adouble(x=4), await double.aio(5)]

    with intercept_calls(rec):
        assert asyncio.run(body()) == ["intercepted", "awaited", "awaited"]
    assert rec.calls == [
        ("call", "double", {"x": 3}),
        ("acall", "adouble", {"x": 4}),
        ("acall", "double", {"x": 5}),
    ]
    assert double(x=1) == 2  # restored after the block


def test_none_restores_plain_calls_inside_an_interceptor():
    with intercept_calls(Recorder()), intercept_calls(None):
        assert double(x=2) == 4


def test_interceptor_is_per_context_not_per_process():
    seen: list[Any] = []
    with intercept_calls(Recorder()):
        thread = threading.Thread(target=lambda: seen.append(double(x=2)))
        thread.start()
        thread.join()
    assert seen == [4]


def test_aio_outside_a_run_runs_the_task_in_a_thread_and_keeps_errors():
    @task
    def fails(x: int) -> int:
        if x:
            raise KeyError("nope")
        return x

    async def main() -> list[int]:
        return list(await asyncio.gather(*(double.aio(x=i) for i in range(3))))

    assert asyncio.run(main()) == [0, 2, 4]
    with pytest.raises(KeyError, match="nope"):
        asyncio.run(fails.aio(x=1))


def test_bad_input_is_refused_before_the_interceptor_sees_it():
    rec = Recorder()
    with intercept_calls(rec), pytest.raises(TypeError):
        double(y=1)
    assert rec.calls == []


def test_set_interceptor_refuses_objects_without_call_and_acall():
    with pytest.raises(TypeError, match="CallInterceptor"):
        set_interceptor(object())  # type: ignore[arg-type]
