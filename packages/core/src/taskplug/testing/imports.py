"""What importing a plugin costs on top of taskplug: modules (asserted) and time (reported).

Wall-clock time depends on the machine's load, so the check asserts what does not: which
modules the plugin's import brings in beyond taskplug's own plugin-facing API, and that none of
them is a heavy library. The time is measured in the same child process, as a difference
against importing taskplug itself, and only asserted when a budget is asked for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["HEAVY_MODULES", "ImportCost", "check_import_budget"]

#: Libraries a plugin must import where they are used, never at import time.
HEAVY_MODULES: tuple[str, ...] = (
    "kubernetes",
    "pandas",
    "pyarrow",
    "numpy",
    "sqlalchemy",
    "ray",
    "grpc",
    "torch",
    "tensorflow",
    "polars",
    "adbc_driver_manager",
)

#: What a plugin may take for granted: taskplug's plugin-facing modules.
_BASELINE = ("taskplug", "taskplug.plugin", "taskplug.tasks", "taskplug.hookspecs")

_CHILD = """
import json, sys, time
t0 = time.perf_counter()
for name in {baseline!r}:
    __import__(name)
t1 = time.perf_counter()
before = set(sys.modules)
__import__({module!r})
t2 = time.perf_counter()
print(json.dumps({{"base": t1 - t0, "own": t2 - t1,
                  "new": sorted(set(sys.modules) - before)}}))
"""


@dataclass(frozen=True)
class ImportCost:
    """The cost of importing one plugin module on top of taskplug."""

    module: str
    #: The plugin's own import time (seconds), measured after taskplug's.
    seconds: float
    #: taskplug's plugin-facing import time in the same process, for scale.
    taskplug_seconds: float
    #: Modules the plugin's import added, beyond taskplug's.
    new_modules: tuple[str, ...]


def check_import_budget(
    module: str,
    *,
    max_new_modules: int = 80,
    forbidden: Iterable[str] = HEAVY_MODULES,
    budget_ms: float | None = None,
) -> ImportCost:
    """Import ``module`` in a fresh interpreter after taskplug; check what it costs.

    Asserted (independent of the machine's load): the import succeeds, loads none of
    ``forbidden`` (heavy libraries belong inside the functions that use them) and adds at
    most ``max_new_modules`` modules beyond taskplug's. ``budget_ms``, when given, also bounds
    the plugin's own import time — a wall-clock figure, so keep it out of test suites that run
    on busy machines. The child sees this process's ``sys.path``.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    code = _CHILD.format(baseline=_BASELINE, module=module)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert proc.returncode == 0, f"import {module} failed:\n{proc.stderr[-2000:]}"
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    cost = ImportCost(
        module=module,
        seconds=float(data["own"]),
        taskplug_seconds=float(data["base"]),
        new_modules=tuple(data["new"]),
    )
    heavy = {m.partition(".")[0] for m in cost.new_modules} & set(forbidden)
    assert not heavy, (
        f"import {module} loads {', '.join(sorted(heavy))}: import heavy libraries inside the "
        "functions that use them, not at module level"
    )
    assert len(cost.new_modules) <= max_new_modules, (
        f"import {module} adds {len(cost.new_modules)} modules beyond taskplug's (at most "
        f"{max_new_modules}): {', '.join(cost.new_modules[:40])}"
    )
    if budget_ms is not None:
        assert cost.seconds * 1000 <= budget_ms, (
            f"import {module} took {cost.seconds * 1000:.1f} ms on top of taskplug "
            f"({cost.taskplug_seconds * 1000:.1f} ms), over the budget of {budget_ms:.0f} ms"
        )
    return cost
