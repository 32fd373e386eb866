"""What runs inside a Ray worker for one child: load the task, run it on literal bytes.

Kept free of Ray imports: the Ray backend wraps :func:`run_child` with ``ray.remote``. Inputs
and outputs travel as ``LiteralMap`` bytes (as files do between containers); a failure
travels as ``ErrorDocument`` bytes (flytekit's ``error.pb``) plus the exception's qualified
class name.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["run_child"]


def _qualified(exc: BaseException) -> str:
    cls = type(exc)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def run_child(
    resolver: str,
    loader_args: list[str],
    inputs: bytes,
    settings_json: str,
    execution_id: str,
    root_id: str,
) -> tuple[bool, bytes, str, str | None]:
    """Run one child; ``(ok, outputs or error document, exception class, nested record)``."""
    from flyteidl.core import literals_pb2

    from taskplug.context import ExecutionParameters
    from taskplug.execute.errors import Failure, error_document
    from taskplug.resolver import load_resolver
    from taskplug.tasks.base import UserCodeError, user_exception
    from taskplug_eager.record import recording
    from taskplug_eager.runtime import EAGER_ROOT_ENV_NAME
    from taskplug_eager.settings import eager_settings, settings_from_json

    os.environ[EAGER_ROOT_ENV_NAME] = root_id
    settings = settings_from_json(settings_json)
    nested: Any = None
    try:
        task = load_resolver(resolver).load_task(list(loader_args))
        lm = literals_pb2.LiteralMap.FromString(inputs)
        params = ExecutionParameters(task_name=task.name, execution_id=execution_id, local=False)
        with eager_settings(settings), recording() as runs:
            try:
                out = task.dispatch_execute(lm, params=params, mode="container")
            finally:
                nested = runs[0].to_json() if runs else None
        return True, out.SerializeToString(), "", nested
    except UserCodeError as exc:
        original = user_exception(exc)
        code = getattr(original, "error_code", None)
        failure = Failure.from_exception(
            original,
            origin="USER",
            recoverable=False,
            code=code if isinstance(code, str) and code else "USER:RuntimeError",
        )
        return False, error_document(failure), _qualified(original), nested
    except Exception as exc:
        failure = Failure.from_exception(exc, origin="SYSTEM", recoverable=True)
        return False, error_document(failure), _qualified(exc), nested
