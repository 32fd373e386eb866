"""Ask an interpreter which modules and names it provides (and its package versions).

The question is a JSON list of ``[module, name-or-null]`` on stdin; the answer a JSON object
mapping ``"module"`` / ``"module:name"`` to ``null`` (present) or the error that importing or
looking it up raised. Runs in a subprocess so that neither flytekit nor taskplug is imported
into the tool.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from snacks.rewrite import is_flytekit_module, target_module

_PROBE = r"""
import importlib, json, sys
answers = {}
for module, name in json.load(sys.stdin):
    key = module if name is None else f"{module}:{name}"
    try:
        mod = importlib.import_module(module)
        if name is not None:
            getattr(mod, name)
        answers[key] = None
    except BaseException as exc:  # noqa: BLE001 - any failure is an answer
        answers[key] = f"{type(exc).__name__}: {exc}"[:300]
print(json.dumps(answers))
"""

_VERSIONS = r"""
import json, sys
from importlib import metadata
names = json.load(sys.stdin)
found = {}
for name in names:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = None
print(json.dumps({"python": sys.version.split()[0], "packages": found}))
"""


class ProbeError(RuntimeError):
    """The interpreter could not answer (not a Python, or it crashed)."""


def _ask(python: Path, program: str, question: object, *, timeout: float) -> object:
    proc = subprocess.run(
        [str(python), "-c", program],
        input=json.dumps(question),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={"PATH": "/usr/bin:/bin", "FLYTE_SDK_RICH_TRACEBACKS": "0", "LANG": "C.UTF-8"},
    )
    if proc.returncode != 0:
        raise ProbeError(f"{python} could not answer the probe: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout)


def as_taskplug(module: str, name: str | None) -> tuple[str, str | None]:
    """The taskplug (module, name) the rewriting rule turns a flytekit one into."""
    return (target_module(module) if is_flytekit_module(module) else module), name


def missing(
    python: Path, wanted: list[tuple[str, str | None]], *, timeout: float = 120
) -> dict[str, str]:
    """The subset of ``wanted`` that ``python`` lacks, each with the error it raised."""
    unique = list(dict.fromkeys(wanted))
    answers = _ask(python, _PROBE, unique, timeout=timeout)
    assert isinstance(answers, dict)
    return {key: error for key, error in answers.items() if error is not None}


def versions(python: Path, packages: list[str], *, timeout: float = 60) -> dict[str, object]:
    """The interpreter's Python version and the installed versions of ``packages``."""
    answer = _ask(python, _VERSIONS, packages, timeout=timeout)
    assert isinstance(answer, dict)
    return answer
