"""``taskplug-execute`` against flytekit 1.16 on the wire.

* inputs.pb written by flytekit's TypeEngine run through ``taskplug-execute``; the outputs.pb it
  writes read back by flytekit's TypeEngine, and compared byte for byte with the outputs.pb
  ``pyflyte-execute`` writes for the same task and inputs;
* error.pb of the same failing tasks from both entrypoints: same fields, code, origin, kind and
  message layout, except where taskplug deliberately differs (see docs/entrypoint.md).
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flyteidl.core import errors_pb2, execution_pb2, literals_pb2  # noqa: E402
from flytekit.core.context_manager import FlyteContextManager  # noqa: E402
from flytekit.core.type_engine import TypeEngine as FkEngine  # noqa: E402
from flytekit.models.literals import LiteralMap as FkLiteralMap  # noqa: E402

pytestmark = pytest.mark.conformance

UTC = datetime.UTC
USER = execution_pb2.ExecutionError.USER
SYSTEM = execution_pb2.ExecutionError.SYSTEM
RECOVERABLE = errors_pb2.ContainerError.RECOVERABLE
NON_RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE

# The same task bodies, once for each framework.
BODY = """
@task
def add(a: int, b: int) -> int:
    return a + b


@task
def mixed(
    i: int,
    f: float,
    s: str,
    flag: bool,
    xs: typing.List[int],
    m: typing.Dict[str, float],
    when: datetime.datetime,
    maybe: typing.Optional[str],
) -> typing.Tuple[int, float, str, bool, typing.List[int], typing.Dict[str, float], datetime.datetime, typing.Optional[str]]:
    return i * 2, f / 2, s.upper(), not flag, xs[::-1], {k: v + 1 for k, v in m.items()}, when + datetime.timedelta(days=1), maybe


@task
def boom(a: int) -> int:
    if a > 0:
        raise ValueError(f"bad value {a}")
    return a
"""
TP_MODULE = "import datetime\nimport typing\n\nfrom taskplug import task\n" + BODY
FK_MODULE = "import datetime\nimport typing\n\nfrom flytekit import task\n" + BODY

MIXED_TYPES: dict[str, Any] = {
    "i": int,
    "f": float,
    "s": str,
    "flag": bool,
    "xs": typing.List[int],
    "m": typing.Dict[str, float],
    "when": datetime.datetime,
    "maybe": typing.Optional[str],
}
MIXED_VALUES: dict[str, Any] = {
    "i": 21,
    "f": 3.5,
    "s": "héllo",
    "flag": True,
    "xs": [1, 2, 3],
    "m": {"a": 1.5, "b": -2.0},
    "when": datetime.datetime(2024, 2, 29, 12, 30, 15, 123456, tzinfo=UTC),
    "maybe": None,
}
MIXED_OUT_TYPES = {f"o{n}": t for n, t in enumerate(MIXED_TYPES.values())}
MIXED_EXPECTED = {
    "o0": 42,
    "o1": 1.75,
    "o2": "HÉLLO",
    "o3": False,
    "o4": [3, 2, 1],
    "o5": {"a": 2.5, "b": -1.0},
    "o6": datetime.datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
    "o7": None,
}


def _script(name: str) -> str:
    path = shutil.which(name, path=os.path.dirname(sys.executable))
    if path is None:
        pytest.skip(f"{name} is not installed next to {sys.executable}")
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    mods = tmp_path / "modules"
    mods.mkdir()
    (mods / "tp_tasks.py").write_text(textwrap.dedent(TP_MODULE))
    (mods / "fk_tasks.py").write_text(textwrap.dedent(FK_MODULE))
    return tmp_path


def _fk_inputs(values: dict[str, Any], types: dict[str, Any]) -> bytes:
    ctx = FlyteContextManager.current_context()
    lm = FkEngine.dict_to_literal_map(ctx, values, types)
    data: bytes = lm.to_flyte_idl().SerializeToString()
    return data


def _fk_outputs(data: bytes, types: dict[str, Any]) -> dict[str, Any]:
    pb = literals_pb2.LiteralMap()
    pb.ParseFromString(data)
    ctx = FlyteContextManager.current_context()
    lm = FkLiteralMap.from_flyte_idl(pb)
    return dict(FkEngine.literal_map_to_kwargs(ctx, lm, types))


def _run(
    which: str, work: Path, task: str, inputs: Path, out: Path, **env_extra: str
) -> subprocess.CompletedProcess[str]:
    if which == "taskplug":
        cmd = [_script("taskplug-execute"), "--resolver", "taskplug.resolver.default_task_resolver"]
        module = "tp_tasks"
    else:
        cmd = [
            _script("pyflyte-execute"),
            "--resolver",
            "flytekit.core.python_auto_container.default_task_resolver",
        ]
        module = "fk_tasks"
    cmd += ["--inputs", str(inputs), "--output-prefix", str(out)]
    cmd += ["--raw-output-data-prefix", str(work / f"raw-{which}")]
    cmd += ["--", "task-module", module, "task-name", task]
    env = dict(os.environ)
    env.pop("FLYTE_FAIL_ON_ERROR", None)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(work / "modules"), env.get("PYTHONPATH", "")) if p
    )
    env.update(env_extra)
    return subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, timeout=120)


def _error(out: Path) -> errors_pb2.ContainerError:
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((out / "error.pb").read_bytes())
    return doc.error


# -- success: flytekit inputs in, flytekit reads the outputs --------------------------------


@pytest.mark.parametrize(
    ("task", "values", "types", "out_types", "expected"),
    [
        ("add", {"a": 40, "b": 2}, {"a": int, "b": int}, {"o0": int}, {"o0": 42}),
        ("mixed", MIXED_VALUES, MIXED_TYPES, MIXED_OUT_TYPES, MIXED_EXPECTED),
    ],
)
def test_flytekit_inputs_taskplug_outputs(
    work: Path,
    task: str,
    values: dict[str, Any],
    types: dict[str, Any],
    out_types: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    inputs = work / "inputs.pb"
    inputs.write_bytes(_fk_inputs(values, types))

    tp_out, fk_out = work / "tp-out", work / "fk-out"
    tp = _run("taskplug", work, task, inputs, tp_out)
    assert tp.returncode == 0, tp.stderr
    assert _fk_outputs((tp_out / "outputs.pb").read_bytes(), out_types) == expected

    fk = _run("flytekit", work, task, inputs, fk_out)
    assert fk.returncode == 0, fk.stderr
    assert (fk_out / "outputs.pb").exists(), fk.stderr
    # the very same bytes as pyflyte-execute's outputs.pb
    tp_lm, fk_lm = literals_pb2.LiteralMap(), literals_pb2.LiteralMap()
    tp_lm.ParseFromString((tp_out / "outputs.pb").read_bytes())
    fk_lm.ParseFromString((fk_out / "outputs.pb").read_bytes())
    assert tp_lm == fk_lm
    assert tp_lm.SerializeToString(deterministic=True) == fk_lm.SerializeToString(
        deterministic=True
    )


# -- failures: the shape of error.pb ----------------------------------------------------------


def _layout(message: str) -> tuple[str, str]:
    """(first line of the traceback block, the Message: summary) of an error message."""
    assert message.startswith("Trace:\n\n    "), message
    trace, sep, summary = message.partition("\nMessage:\n\n    ")
    assert sep, message
    return trace.splitlines()[2].strip(), summary


@pytest.mark.parametrize(
    ("task", "module_override", "summary_has"),
    [
        ("boom", None, "ValueError: bad value 1"),
        ("no_such_task", None, "no_such_task"),
        ("add", "remove the modules", "No module named"),
    ],
)
def test_error_document_shape_matches_pyflyte_execute(
    work: Path, task: str, module_override: str | None, summary_has: str
) -> None:
    inputs = work / "inputs.pb"
    inputs.write_bytes(_fk_inputs({"a": 1, "b": 2}, {"a": int, "b": int}))
    if task == "boom":
        inputs.write_bytes(_fk_inputs({"a": 1}, {"a": int}))
    if module_override:
        # both frameworks get the same missing module
        for name in ("tp_tasks", "fk_tasks"):
            (work / "modules" / f"{name}.py").rename(work / f"{name}.py.off")

    tp_out, fk_out = work / "tp-out", work / "fk-out"
    tp = _run("taskplug", work, task, inputs, tp_out)
    fk = _run("flytekit", work, task, inputs, fk_out)
    assert tp.returncode == 1  # taskplug fails the process by default ...
    assert fk.returncode == 0  # ... flytekit succeeds unless FLYTE_FAIL_ON_ERROR=true
    assert not (tp_out / "outputs.pb").exists() and not (fk_out / "outputs.pb").exists()

    tp_err, fk_err = _error(tp_out), _error(fk_out)
    assert [f.name for f, _ in tp_err.ListFields()] == [f.name for f, _ in fk_err.ListFields()]
    assert (tp_err.code, tp_err.origin, tp_err.kind) == (fk_err.code, fk_err.origin, fk_err.kind)
    assert (tp_err.origin, tp_err.kind, tp_err.code) == (USER, NON_RECOVERABLE, "USER:RuntimeError")
    tp_first, tp_summary = _layout(tp_err.message)
    fk_first, fk_summary = _layout(fk_err.message)
    if module_override:
        # None of the user's code ran: taskplug's trace has no frames (flytekit's shows the
        # import machinery's); a difference recorded in docs/entrypoint.md
        assert tp_first == "ModuleNotFoundError: No module named 'tp_tasks'"
        assert fk_first == "Traceback (most recent call last):"
    else:
        assert tp_first == fk_first
    assert summary_has in tp_summary and summary_has in fk_summary
    if task == "boom":
        assert tp_summary == fk_summary == "ValueError: bad value 1"
        assert tp_first == "Traceback (most recent call last):"
    # both stamp the error with the time it happened
    assert abs(tp_err.timestamp.seconds - fk_err.timestamp.seconds) < 120


def test_fail_on_error_true_both_exit_one(work: Path) -> None:
    inputs = work / "inputs.pb"
    inputs.write_bytes(_fk_inputs({"a": 1}, {"a": int}))
    for which in ("taskplug", "flytekit"):
        out = work / f"{which}-out"
        proc = _run(which, work, "boom", inputs, out, FLYTE_FAIL_ON_ERROR="true")
        assert proc.returncode == 1, (which, proc.stderr)
        assert (out / "error.pb").exists()


def test_distributed_error_strategy_like_flytekit(work: Path) -> None:
    inputs = work / "inputs.pb"
    inputs.write_bytes(_fk_inputs({"a": 1}, {"a": int}))
    names = {}
    for which in ("taskplug", "flytekit"):
        out = work / f"{which}-out"
        _run(which, work, "boom", inputs, out, _F_DES="Earliest", _F_WN="worker-7")
        (path,) = out.iterdir()
        names[which] = path.name
        doc = errors_pb2.ErrorDocument()
        doc.ParseFromString(path.read_bytes())
        assert doc.error.worker == "worker-7"
    assert all(n.startswith("error-") and len(n) == len("error-.pb") + 32 for n in names.values())


# Deliberate differences (docs/entrypoint.md): flytekit's values recorded so that a change
# on either side is noticed.
@pytest.mark.parametrize(
    ("case", "fk_expected", "tp_expected"),
    [
        # an input literal of the wrong type: flytekit blames itself, taskplug the caller
        (
            "wrong_type",
            (SYSTEM, NON_RECOVERABLE, "SYSTEM"),
            (USER, NON_RECOVERABLE, "USER:TypeError"),
        ),
        # unreadable inputs.pb: retrying reads the same bytes, so taskplug does not retry
        ("corrupt", (SYSTEM, RECOVERABLE, "SYSTEM"), (SYSTEM, NON_RECOVERABLE, "SYSTEM")),
    ],
)
def test_documented_differences(
    work: Path,
    case: str,
    fk_expected: tuple[int, int, str],
    tp_expected: tuple[int, int, str],
) -> None:
    inputs = work / "inputs.pb"
    if case == "wrong_type":
        inputs.write_bytes(_fk_inputs({"a": "one", "b": 2}, {"a": str, "b": int}))
    else:
        inputs.write_bytes(b"\xff\xff\xff\xff garbage")
    got = {}
    for which in ("taskplug", "flytekit"):
        out = work / f"{which}-out"
        _run(which, work, "add", inputs, out)
        err = _error(out)
        got[which] = (err.origin, err.kind, err.code)
    assert got == {"taskplug": tp_expected, "flytekit": fk_expected}
