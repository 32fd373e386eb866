"""``Echo``: a task whose outputs are its inputs (flytekit's ``flytekit.core.task.Echo``).

On a cluster, FlytePropeller's ``echo`` plugin passes the inputs through without starting a pod
(it must be enabled in the propeller's ``task-plugins``); a local call returns the inputs::

    echo = Echo(name="passthrough", inputs={"radius": float})
    echo(radius=2.0)          # 2.0

With several inputs the outputs are ``o0``, ``o1``… in input order and a call returns a tuple.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskplug.tasks.base import PythonTask
from taskplug.tasks.interface import Interface

__all__ = ["Echo"]


class Echo(PythonTask[None]):
    """A task that returns its inputs (task type ``echo``: no container runs it)."""

    task_type = "echo"

    def __init__(self, name: str, inputs: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"Echo needs a non-empty name, got {name!r}")
        if inputs is not None and (
            not isinstance(inputs, Mapping) or not all(isinstance(k, str) for k in inputs)
        ):
            raise ValueError(
                f"Echo {name!r}: inputs must be a dict of name to type, got {inputs!r}"
            )
        ins = dict(inputs or {})
        outs = {f"o{i}": t for i, t in enumerate(ins.values())}
        super().__init__(self.task_type, name, None, Interface(ins, outs), **kwargs)

    def execute(self, **kwargs: Any) -> Any:
        """The inputs, in input order: one value, or a tuple of several."""
        values = [kwargs[name] for name in self.python_interface.inputs]
        if len(values) == 1:
            return values[0]
        return tuple(values)
