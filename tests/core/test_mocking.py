"""taskplug.testing.task_mock and patch (flytekit's testing helpers)."""

from __future__ import annotations

import pytest

from taskplug import reference_task, task, workflow
from taskplug.errors import TypeTransformerFailedError
from taskplug.testing import patch, task_mock


@task
def price(symbol: str) -> float:
    if symbol:
        raise RuntimeError("no network")
    return 0.0


@task
def double(x: float) -> float:
    return 2 * x


@workflow
def doubled(symbol: str) -> float:
    return double(x=price(symbol=symbol))


@workflow
def pair(symbol: str) -> tuple[float, float]:
    return doubled(symbol=symbol), price(symbol=symbol)


@reference_task(project="p", domain="d", name="ref.rate", version="1")
def rate(currency: str) -> float: ...


def test_task_mock_replaces_the_task_in_and_out_of_workflows() -> None:
    with task_mock(price) as mock:
        mock.return_value = 2.5
        assert price(symbol="A") == 2.5
        assert doubled(symbol="B") == 5.0
        assert [c.kwargs for c in mock.call_args_list] == [{"symbol": "A"}, {"symbol": "B"}]
    with pytest.raises(RuntimeError, match="no network"):
        price(symbol="A")
    assert "execute" not in vars(price)


def test_the_original_comes_back_when_the_block_raises() -> None:
    def mocked_call_that_raises() -> None:
        with task_mock(price) as mock:
            mock.side_effect = KeyError("boom")
            price(symbol="A")

    with pytest.raises(KeyError):
        mocked_call_that_raises()
    assert "execute" not in vars(price)
    with pytest.raises(RuntimeError):
        price(symbol="A")


def test_mocked_values_must_fit_the_outputs() -> None:
    with task_mock(price) as mock:
        mock.return_value = "not a float"
        with pytest.raises(TypeTransformerFailedError, match="price.*output 'o0'"):
            price(symbol="A")


def test_patch_decorator() -> None:
    calls = []

    @patch(price)
    def check(mock, factor: int) -> float:
        mock.return_value = 1.5
        calls.append(factor)
        return doubled(symbol="Z") * factor

    assert check(3) == 9.0
    assert calls == [3] and check.__name__ == "check" and not hasattr(check, "__wrapped__")
    with pytest.raises(RuntimeError):
        price(symbol="A")


def test_mocking_a_workflow_used_as_a_sub_workflow() -> None:
    with task_mock(doubled) as mock, task_mock(price) as p:
        mock.return_value = 40.0
        p.return_value = 1.0
        assert pair(symbol="S") == (40.0, 1.0)
        assert doubled(symbol="S") == 40.0
        assert mock.call_args.kwargs == {"symbol": "S"}
    assert "dispatch_execute" not in vars(doubled)
    with task_mock(pair) as mock:
        mock.return_value = 1.0  # two outputs: a tuple is needed
        with pytest.raises(ValueError, match="2 outputs"):
            pair(symbol="S")


def test_mocking_a_reference_task() -> None:
    with pytest.raises(Exception, match="cannot be run locally"):
        rate(currency="EUR")
    with task_mock(rate) as mock:
        mock.side_effect = lambda currency: {"EUR": 1.1}[currency]
        assert rate(currency="EUR") == 1.1


def test_only_tasks_workflows_and_references() -> None:
    with pytest.raises(ValueError, match="got builtin_function_or_method"), task_mock(print):
        pass
    with pytest.raises(ValueError, match="tasks, workflows and reference entities"):
        patch(42)
