"""taskplug-eager: ``@eager`` async tasks, their failure handler, and execution backends.

```python
import asyncio
from taskplug import task
from taskplug_eager import eager, eager_settings

@task
def add(a: int, b: int) -> int:
    return a + b

@eager
async def total(n: int) -> int:
    values = await asyncio.gather(*(add.aio(a=i, b=1) for i in range(n)))
    return sum(values)

with eager_settings(backend="local", concurrency=4):
    assert asyncio.run(total(n=3)) == 6
```

Names are imported on first access (``import taskplug_eager`` stays cheap); backends (and Ray)
are imported when a run uses them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "eager": "taskplug_eager.task",
    "EagerAsyncPythonFunctionTask": "taskplug_eager.task",
    "EagerCoroutine": "taskplug_eager.task",
    "EagerFailureHandlerTask": "taskplug_eager.failure",
    "EagerFailureTaskResolver": "taskplug_eager.failure",
    "eager_failure_task_resolver": "taskplug_eager.failure",
    "CLEANUP_LOOP_DELAY_SECONDS": "taskplug_eager.failure",
    "terminate_leftovers": "taskplug_eager.failure",
    "EAGER_ROOT_ENV_NAME": "taskplug_eager.runtime",
    "EagerRun": "taskplug_eager.runtime",
    "current_run": "taskplug_eager.runtime",
    "EagerSettings": "taskplug_eager.settings",
    "eager_settings": "taskplug_eager.settings",
    "current_settings": "taskplug_eager.settings",
    "ChildExecution": "taskplug_eager.record",
    "RunRecord": "taskplug_eager.record",
    "recording": "taskplug_eager.record",
    "Backend": "taskplug_eager.backends",
    "BackendRegistry": "taskplug_eager.backends",
    "ChildCall": "taskplug_eager.backends",
    "backend_registry": "taskplug_eager.backends",
    "EagerError": "taskplug_eager.errors",
    "EagerChildError": "taskplug_eager.errors",
    "EagerChildSystemError": "taskplug_eager.errors",
    "EagerTimeoutError": "taskplug_eager.errors",
    "EagerNotAwaitedWarning": "taskplug_eager.errors",
    "BackendUnavailableError": "taskplug_eager.errors",
    "NoRemoteError": "taskplug_eager.errors",
    "UnknownBackendError": "taskplug_eager.errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from taskplug_eager.backends import Backend, BackendRegistry, ChildCall, backend_registry
    from taskplug_eager.errors import (
        BackendUnavailableError,
        EagerChildError,
        EagerChildSystemError,
        EagerError,
        EagerNotAwaitedWarning,
        EagerTimeoutError,
        NoRemoteError,
        UnknownBackendError,
    )
    from taskplug_eager.failure import (
        CLEANUP_LOOP_DELAY_SECONDS,
        EagerFailureHandlerTask,
        EagerFailureTaskResolver,
        eager_failure_task_resolver,
        terminate_leftovers,
    )
    from taskplug_eager.record import ChildExecution, RunRecord, recording
    from taskplug_eager.runtime import EAGER_ROOT_ENV_NAME, EagerRun, current_run
    from taskplug_eager.settings import EagerSettings, current_settings, eager_settings
    from taskplug_eager.task import EagerAsyncPythonFunctionTask, EagerCoroutine, eager


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug_eager' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
