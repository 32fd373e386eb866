"""Helpers for the entrypoint tests: task modules in tmp_path, real ``taskplug-execute`` runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, literals_pb2

RESOLVER = "taskplug.resolver.default_task_resolver"


def console_script() -> str:
    """The installed ``taskplug-execute`` next to this interpreter."""
    path = shutil.which("taskplug-execute", path=os.path.dirname(sys.executable))
    if path is None:
        pytest.fail("taskplug-execute is not installed (run `uv sync --all-packages --group dev`)")
    return path


@dataclass
class Run:
    """One finished entrypoint process and what it left under its output prefix."""

    proc: subprocess.CompletedProcess[str]
    out_dir: Path

    @property
    def rc(self) -> int:
        return self.proc.returncode

    @property
    def outputs_path(self) -> Path:
        return self.out_dir / "outputs.pb"

    @property
    def error_path(self) -> Path:
        return self.out_dir / "error.pb"

    def outputs(self) -> literals_pb2.LiteralMap:
        lm = literals_pb2.LiteralMap()
        lm.ParseFromString(self.outputs_path.read_bytes())
        return lm

    def error(self) -> errors_pb2.ContainerError:
        assert self.error_path.exists(), f"no error.pb; stderr:\n{self.proc.stderr}"
        doc = errors_pb2.ErrorDocument()
        doc.ParseFromString(self.error_path.read_bytes())
        return doc.error


def int_inputs(**values: int) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for name, value in values.items():
        lm.literals[name].scalar.primitive.integer = value
    return lm


class Workspace:
    """A tmp_path holding task modules (on the child's PYTHONPATH) and per-run directories."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules = root / "modules"
        self.modules.mkdir()
        self._runs = 0

    def module(self, name: str, source: str) -> str:
        (self.modules / f"{name}.py").write_text(textwrap.dedent(source))
        return name

    def inputs(self, lm: literals_pb2.LiteralMap | bytes, name: str = "inputs.pb") -> Path:
        path = self.root / name
        path.write_bytes(lm if isinstance(lm, bytes) else lm.SerializeToString())
        return path

    def env(self, **extra: str | None) -> dict[str, str]:
        env = dict(os.environ)
        for key in ("FLYTE_FAIL_ON_ERROR", "FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES"):
            env.pop(key, None)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(self.modules), env.get("PYTHONPATH", "")) if p
        )
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(
        self,
        module: str,
        task: str,
        inputs: Path | str,
        *,
        argv: Sequence[str] | None = None,
        env: dict[str, str | None] | None = None,
        script: bool = True,
        out_dir: Path | None = None,
        timeout: float = 60,
    ) -> Run:
        """Run the entrypoint on ``module.task``; ``script=False`` uses ``python -m``."""
        self._runs += 1
        out = out_dir or self.root / f"out{self._runs}"
        cmd = [console_script()] if script else [sys.executable, "-m", "taskplug.execute"]
        if argv is None:
            argv = [
                "--inputs",
                str(inputs),
                "--output-prefix",
                str(out),
                "--raw-output-data-prefix",
                str(self.root / "raw"),
                "--resolver",
                RESOLVER,
                "--",
                "task-module",
                module,
                "task-name",
                task,
            ]
        proc = subprocess.run(
            [*cmd, *argv],
            env=self.env(**(env or {})),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(proc, out)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)
