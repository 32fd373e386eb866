"""Crash safety: SIGKILL ``taskplug-execute`` at random moments while it writes a large output.

After every kill the output prefix must hold either a complete, readable ``outputs.pb`` or
none (temporary files may be left behind; readers never see them as outputs).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import RESOLVER, Workspace, console_script
from flyteidl.core import literals_pb2

SIZE = 24 * 1024 * 1024  # characters in the returned string
RUNS = 50

BIG = f"""
from taskplug import task


@task
def big(n: int) -> str:
    # a long string whose content depends on n, so a truncated output cannot pass for whole
    return (str(n) * ({SIZE} // len(str(n)) + 1))[:{SIZE}]
"""


def _inputs(ws: Workspace, n: int) -> Path:
    lm = literals_pb2.LiteralMap()
    lm.literals["n"].scalar.primitive.integer = n
    return ws.inputs(lm)


def _start(ws: Workspace, module: str, inputs: Path, out: Path) -> subprocess.Popen[bytes]:
    argv = [console_script(), "--inputs", str(inputs), "--output-prefix", str(out)]
    argv += ["--resolver", RESOLVER, "--", "task-module", module, "task-name", "big"]
    return subprocess.Popen(
        argv, env=ws.env(), cwd=ws.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _check_prefix(out: Path, n: int) -> str:
    """'complete', 'none' (the prefix may be missing or hold only temporaries)."""
    final = out / "outputs.pb"
    if not final.exists():
        assert not (out / "error.pb").exists()
        return "none"
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString(final.read_bytes())
    value = lm.literals["o0"].scalar.primitive.string_value
    assert len(value) == SIZE
    assert value[:8] == (str(n) * 8)[:8] and value[-1] in str(n)
    return "complete"


@pytest.mark.slow
def test_sigkill_never_leaves_a_partial_outputs_pb(ws: Workspace) -> None:
    module = ws.module("bigtasks", BIG)
    inputs = _inputs(ws, 7)

    # undisturbed runs tell how long a whole process lives on this machine; the slowest of
    # three, so that one fast run on a busy machine does not make every later kill too early
    lifetimes = []
    for c in range(3):
        out = ws.root / f"calibrate{c}"
        start = time.perf_counter()
        proc = _start(ws, module, inputs, out)
        _, err = proc.communicate(timeout=60)
        lifetimes.append(time.perf_counter() - start)
        assert proc.returncode == 0, err.decode()
        assert _check_prefix(out, 7) == "complete"
    lifetime = max(lifetimes)

    rng = random.Random(20240607)
    outcomes = {"complete": 0, "none": 0}
    leftovers = 0
    for i in range(RUNS):
        out = ws.root / f"kill{i}"
        delay = rng.uniform(0.0, lifetime * 1.1)
        proc = _start(ws, module, inputs, out)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        assert proc.stderr is not None
        proc.stderr.close()
        outcomes[_check_prefix(out, 7)] += 1
        if out.exists():
            leftovers += any(p.name.endswith(".tmp") for p in out.iterdir())
    sys.stderr.write(
        f"\ncrash test: lifetime {lifetime:.2f}s, {outcomes}, "
        f"{leftovers} runs killed while a temporary file was being written\n"
    )
    # the seeded delays cover the whole lifetime: both outcomes occur
    assert outcomes["complete"] > 0 and outcomes["none"] > 0
