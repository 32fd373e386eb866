"""``task_mock`` and ``patch``: replace what a task, workflow or reference does, in tests.

As flytekit's (``flytekit.testing``): the entity keeps its interface, and a call — directly or
as a node of a workflow run locally — hands the inputs, as Python values, to a
``unittest.mock.MagicMock`` instead of running; whatever the mock returns is converted as the
entity's outputs (so it must fit the declared output types)::

    with task_mock(query) as mock:
        mock.return_value = pandas.DataFrame({"x": [1, 2]})
        assert report_wf().shape == (2, 1)

    @patch(query)
    def test_report(mock):
        mock.return_value = ...

Works for tasks of every kind (function tasks, SQL tasks, …), workflows, and reference
entities (``reference_task`` & co., which cannot run locally otherwise). The original behaviour
comes back when the block (or the decorated test) ends, also when it raises.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import MagicMock

__all__ = ["patch", "task_mock"]

_LOGGER = logging.getLogger("taskplug.testing")


def _kind(entity: Any) -> str:
    """``task`` / ``workflow`` / ``reference``, or a ``ValueError`` for anything else."""
    from taskplug.tasks.base import PythonTask
    from taskplug.workflows.graph import WorkflowBase
    from taskplug.workflows.reference import ReferenceEntity

    if isinstance(entity, ReferenceEntity):
        return "reference"
    if isinstance(entity, PythonTask):
        return "task"
    if isinstance(entity, WorkflowBase):
        return "workflow"
    raise ValueError(
        "task_mock() and patch() replace tasks, workflows and reference entities declared in "
        f"Python; got {type(entity).__name__} ({entity!r})"
    )


def _mocked_dispatch(entity: Any, mock: Callable[..., Any]) -> Callable[..., Any]:
    """A ``dispatch_execute`` for a workflow that hands its inputs to ``mock``."""
    from taskplug.workflows.local import to_literal_map

    label = f"workflow {entity.name!r} (mocked)"
    iface = entity.python_interface

    def dispatch_execute(input_literal_map: Any, **_: Any) -> Any:
        lits = input_literal_map.literals
        native = {
            name: conv.to_python(lits[name])
            for name, conv in iface.input_converters.items()
            if name in lits
        }
        result = mock(**native)
        names = list(iface.output_converters)
        if not names:
            values: dict[str, Any] = {}
        elif len(names) == 1:
            values = {names[0]: result}
        else:
            if not isinstance(result, tuple) or len(result) != len(names):
                raise ValueError(
                    f"{label}: the mock returned {type(result).__name__}; the workflow has "
                    f"{len(names)} outputs ({', '.join(names)}): return a tuple of as many values"
                )
            values = dict(zip(names, result))
        return to_literal_map(label, iface.output_converters, values, kind="output")

    return dispatch_execute


@contextlib.contextmanager
def _replaced(entity: Any, mock: MagicMock) -> Iterator[MagicMock]:
    kind = _kind(entity)
    name = getattr(entity, "name", repr(entity))

    def invoke(*args: Any, **kwargs: Any) -> Any:
        _LOGGER.info("invoking the mock of %s %r", kind, name)
        return mock(*args, **kwargs)

    attr = "dispatch_execute" if kind == "workflow" else "execute"
    replacement = _mocked_dispatch(entity, invoke) if kind == "workflow" else invoke
    had_own = attr in vars(entity)
    saved = vars(entity).get(attr)
    setattr(entity, attr, replacement)
    try:
        yield mock
    finally:
        if had_own:
            setattr(entity, attr, saved)
        else:
            delattr(entity, attr)


@contextlib.contextmanager
def task_mock(t: Any) -> Iterator[MagicMock]:
    """Within the block, calls of ``t`` go to the ``MagicMock`` it yields."""
    with _replaced(t, MagicMock()) as mock:
        yield mock


def patch(target: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a test: it gets the ``MagicMock`` standing in for ``target`` as first argument."""
    _kind(target)

    def wrapper(test_fn: Callable[..., Any]) -> Callable[..., Any]:
        def new_test(*args: Any, **kwargs: Any) -> Any:
            with _replaced(target, MagicMock()) as mock:
                return test_fn(mock, *args, **kwargs)

        # no __wrapped__: pytest must not ask for fixtures named like the mock argument
        new_test.__name__ = getattr(test_fn, "__name__", "new_test")
        new_test.__qualname__ = getattr(test_fn, "__qualname__", "new_test")
        new_test.__doc__ = getattr(test_fn, "__doc__", None)
        new_test.__module__ = getattr(test_fn, "__module__", __name__)
        return new_test

    return wrapper
