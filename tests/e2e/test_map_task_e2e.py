"""One item of a map task in a real ``taskplug-execute`` process, as ``pyflyte-map-execute`` runs it.

The command is the one the map task's template holds (``--resolver`` the map task resolver,
``vars B resolver R …`` after ``--``); the array index comes from the environment
(``BATCH_JOB_ARRAY_INDEX_VAR_NAME`` names the variable, ``BATCH_JOB_ARRAY_INDEX_OFFSET`` is
added); inputs.pb holds the whole lists, outputs.pb the one item's outputs.
"""

from __future__ import annotations

import importlib
import sys

from conftest import Workspace
from flyteidl.core import errors_pb2, execution_pb2, literals_pb2

from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.types import TypeEngine

MAPPED = """
import functools

from taskplug import map_task, task


@task
def total(quantity: int, price: float, shipping: float) -> float:
    if quantity < 0:
        raise ValueError(f"negative quantity {quantity}")
    return quantity * price + shipping


priced = map_task(functools.partial(total, shipping=0.5), concurrency=2)
"""

USER = execution_pb2.ExecutionError.USER
SYSTEM = execution_pb2.ExecutionError.SYSTEM
NON_RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE
SETTINGS = SerializationSettings(
    project="p", domain="d", version="v", image_config=ImageConfig.from_images("img:1")
)


def _command(ws: Workspace) -> list[str]:
    """The container args of the map task's template, as serialized."""
    from taskplug.serialization import serialize

    ws.module("mapped_tasks", MAPPED)
    sys.path.insert(0, str(ws.modules))
    try:
        sys.modules.pop("mapped_tasks", None)
        mod = importlib.import_module("mapped_tasks")
        args = list(serialize(mod.priced, SETTINGS).container.args)
    finally:
        sys.path.remove(str(ws.modules))
        sys.modules.pop("mapped_tasks", None)
    return args


def _inputs(quantities: list[int]) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    lm.literals["quantity"].CopyFrom(TypeEngine.to_literal(quantities, list[int]))
    lm.literals["price"].CopyFrom(TypeEngine.to_literal([1.0, 10.0, 100.0], list[float]))
    lm.literals["shipping"].CopyFrom(TypeEngine.to_literal(0.5, float))
    return lm


def _argv(args: list[str], inputs: str, out: str) -> list[str]:
    """The template's args with propeller's substitutions, without the program name."""
    filled = {"{{.input}}": inputs, "{{.outputPrefix}}": out}
    return [filled.get(a, a) for a in args[1:]]


def test_each_index_runs_its_item(ws: Workspace) -> None:
    args = _command(ws)
    assert args[0] == "taskplug-execute"
    inputs = str(ws.inputs(_inputs([1, 2, 3])))
    got = []
    for index, offset in ((0, None), (1, None), (0, "2")):
        out = ws.root / f"out-{index}-{offset}"
        run = ws.run(
            "",
            "",
            inputs,
            argv=_argv(args, inputs, str(out)),
            env={
                "BATCH_JOB_ARRAY_INDEX_VAR_NAME": "JOB_INDEX",
                "JOB_INDEX": str(index),
                "BATCH_JOB_ARRAY_INDEX_OFFSET": offset,
            },
            out_dir=out,
        )
        assert run.rc == 0, run.proc.stderr
        got.append(run.outputs().literals["o0"].scalar.primitive.float_value)
    assert got == [1.5, 20.5, 300.5]


def test_a_failing_item_writes_the_users_error(ws: Workspace) -> None:
    args = _command(ws)
    inputs = str(ws.inputs(_inputs([1, -2, 3])))
    out = ws.root / "failed"
    run = ws.run(
        "",
        "",
        inputs,
        argv=_argv(args, inputs, str(out)),
        env={"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "JOB_INDEX", "JOB_INDEX": "1"},
        out_dir=out,
    )
    assert run.rc == 1
    error = run.error()
    assert error.kind == NON_RECOVERABLE and error.origin == USER
    assert "negative quantity -2" in error.message and "ValueError" in error.message


def test_an_index_beyond_the_lists_is_a_system_error(ws: Workspace) -> None:
    args = _command(ws)
    inputs = str(ws.inputs(_inputs([1, 2, 3])))
    out = ws.root / "beyond"
    run = ws.run(
        "",
        "",
        inputs,
        argv=_argv(args, inputs, str(out)),
        env={"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "JOB_INDEX", "JOB_INDEX": "7"},
        out_dir=out,
    )
    assert run.rc == 1
    error = run.error()
    assert error.origin == SYSTEM
    assert "array index 7 is out of range for input 'quantity' (3 items)" in error.message
