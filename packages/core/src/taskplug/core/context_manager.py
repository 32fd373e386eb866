"""``flytekit.core.context_manager``'s names (``flytekit.extend.context_manager`` too)."""

from taskplug.context import ExecutionParameters, ExecutionState, current_context
from taskplug.runtime.flyte_context import FlyteContext, FlyteContextManager, new_context
from taskplug.runtime.secrets import SecretsManager
from taskplug.workflows.state import CompilationState

__all__ = [
    "CompilationState",
    "ExecutionParameters",
    "ExecutionState",
    "FlyteContext",
    "FlyteContextManager",
    "SecretsManager",
    "current_context",
    "new_context",
]
