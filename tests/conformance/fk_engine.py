"""flytekit's type engine as the wire tests call it: a literal of a value, a value of a literal.

Imported by the conformance tests after their ``pytest.importorskip("flytekit")``.
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine as FkEngine
from flytekit.models.literals import Literal as FkLiteral

__all__ = ["fk_ctx", "fk_literal", "fk_value"]


def fk_ctx() -> Any:
    """flytekit's current context."""
    return FlyteContextManager.current_context()


def fk_literal(ctx: Any, value: Any, t: Any) -> literals_pb2.Literal:
    """flytekit's literal of ``value`` declared as ``t``, as a flyteidl message."""
    return FkEngine.to_literal(ctx, value, t, FkEngine.to_literal_type(t)).to_flyte_idl()  # type: ignore[no-any-return]


def fk_value(ctx: Any, lit: literals_pb2.Literal, t: Any) -> Any:
    """What flytekit reads from ``lit`` as a ``t``."""
    return FkEngine.to_python_value(ctx, FkLiteral.from_flyte_idl(lit), t)
