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
    from taskplug_eager.backends import Backend as Backend
    from taskplug_eager.backends import BackendRegistry as BackendRegistry
    from taskplug_eager.backends import ChildCall as ChildCall
    from taskplug_eager.backends import backend_registry as backend_registry
    from taskplug_eager.errors import (
        BackendUnavailableError as BackendUnavailableError,
    )
    from taskplug_eager.errors import (
        EagerChildError as EagerChildError,
    )
    from taskplug_eager.errors import (
        EagerChildSystemError as EagerChildSystemError,
    )
    from taskplug_eager.errors import (
        EagerError as EagerError,
    )
    from taskplug_eager.errors import (
        EagerNotAwaitedWarning as EagerNotAwaitedWarning,
    )
    from taskplug_eager.errors import (
        EagerTimeoutError as EagerTimeoutError,
    )
    from taskplug_eager.errors import (
        NoRemoteError as NoRemoteError,
    )
    from taskplug_eager.errors import (
        UnknownBackendError as UnknownBackendError,
    )
    from taskplug_eager.failure import (
        CLEANUP_LOOP_DELAY_SECONDS as CLEANUP_LOOP_DELAY_SECONDS,
    )
    from taskplug_eager.failure import (
        EagerFailureHandlerTask as EagerFailureHandlerTask,
    )
    from taskplug_eager.failure import (
        EagerFailureTaskResolver as EagerFailureTaskResolver,
    )
    from taskplug_eager.failure import (
        eager_failure_task_resolver as eager_failure_task_resolver,
    )
    from taskplug_eager.failure import (
        terminate_leftovers as terminate_leftovers,
    )
    from taskplug_eager.record import ChildExecution as ChildExecution
    from taskplug_eager.record import RunRecord as RunRecord
    from taskplug_eager.record import recording as recording
    from taskplug_eager.runtime import EAGER_ROOT_ENV_NAME as EAGER_ROOT_ENV_NAME
    from taskplug_eager.runtime import EagerRun as EagerRun
    from taskplug_eager.runtime import current_run as current_run
    from taskplug_eager.settings import EagerSettings as EagerSettings
    from taskplug_eager.settings import current_settings as current_settings
    from taskplug_eager.settings import eager_settings as eager_settings
    from taskplug_eager.task import EagerAsyncPythonFunctionTask as EagerAsyncPythonFunctionTask
    from taskplug_eager.task import EagerCoroutine as EagerCoroutine
    from taskplug_eager.task import eager as eager


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug_eager' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
