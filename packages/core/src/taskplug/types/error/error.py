"""``FlyteError``: the error of a failed workflow, as its failure handler receives it.

A workflow's ``on_failure`` task may take an input of type ``Optional[FlyteError]`` (flytekit
names it ``err``) besides the workflow's inputs: Flyte passes the failure there (literal type
``simple: ERROR``, a ``scalar.error`` literal). In a local run taskplug fills it as flytekit
does: the exception's message and the failure node's id::

    @task
    def clean_up(name: str, err: Optional[FlyteError] = None) -> None:
        print(f"cleaning up {name} after {err.message if err else 'nothing'}")

    @workflow(on_failure=clean_up)
    def wf(name: str) -> None: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flyteidl.core import literals_pb2, types_pb2

from taskplug.types.engine import TypeTransformer, fail

__all__ = ["ERROR", "ErrorTransformer", "FlyteError"]


@dataclass
class FlyteError:
    """A failure: its ``message`` and the id of the node it is reported for."""

    message: str
    failed_node_id: str


class ErrorTransformer(TypeTransformer[FlyteError]):
    """``FlyteError`` ↔ ``scalar.error`` literals (literal type ``simple: ERROR``)."""

    def __init__(self) -> None:
        super().__init__("FlyteError", FlyteError)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(simple=types_pb2.SimpleType.ERROR)

    def assert_type(self, t: Any, value: Any) -> None:
        if type(value) is not FlyteError:
            raise fail(FlyteError, value)

    def to_literal(self, value: FlyteError, t: Any) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        err = lit.scalar.error
        err.message = value.message
        err.failed_node_id = value.failed_node_id
        return lit

    def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> FlyteError:
        if not literal.HasField("scalar") or not literal.scalar.HasField("error"):
            from taskplug.types.engine import decode_error

            raise decode_error(FlyteError, literal, "expected scalar.error")
        err = literal.scalar.error
        return FlyteError(message=err.message, failed_node_id=err.failed_node_id)


#: The registered instance (see ``taskplug.types._builtins``).
ERROR = ErrorTransformer()
