"""Gate nodes: :func:`sleep`, :func:`wait_for_input`, :func:`approve` (flytekit's).

In a workflow, each call adds a node with a flyteidl ``GateNode`` (``sleep``, ``signal``,
``approve``) that makes a cluster execution wait: for a time, for a value sent to the
execution (``flytectl``/console), or for someone's approval::

    @workflow
    def reviewed(data: list[float]) -> dict:
        report = create_report(data=data)
        title = wait_for_input("title", timeout=timedelta(hours=1), expected_type=str)
        return approve(finalize(report=report, title=title), "publish", timeout=timedelta(hours=2))

A local run behaves as flytekit's: ``sleep`` only prints ``[Sleep Gate] Simulating Sleep for
…`` (it does not wait), ``wait_for_input`` asks for the value on the terminal (typed as
``expected_type``), ``approve`` asks to confirm the value and raises
:class:`GateDisapprovedError` when refused.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from taskplug.errors import TaskplugError
from taskplug.workflows.compilation import COMPILING

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2, workflow_pb2

    from taskplug.context import ExecutionParameters
    from taskplug.tasks.interface import Interface
    from taskplug.workflows.metadata import NodeMetadata
    from taskplug.workflows.serialize import Registrable

__all__ = ["DEFAULT_TIMEOUT", "Gate", "GateDisapprovedError", "approve", "sleep", "wait_for_input"]

#: How long a gate waits when no timeout is given (flytekit's default).
DEFAULT_TIMEOUT = datetime.timedelta(hours=1)


class GateDisapprovedError(TaskplugError):
    """An approval gate was refused (locally: answered "no" at the prompt)."""


class Gate:
    """A node that waits: for ``sleep_duration``, for an input of ``input_type``, or for an
    approval of the upstream value (``approve_var``/``approve_type``)."""

    entity_kind = "gate"

    def __init__(
        self,
        name: str,
        *,
        input_type: Any = None,
        sleep_duration: datetime.timedelta | None = None,
        timeout: datetime.timedelta | None = None,
        approve_var: str | None = None,
        approve_type: Any = None,
    ) -> None:
        from taskplug.tasks.interface import Interface

        if not isinstance(name, str) or not name:
            raise TaskplugError(f"a gate needs a non-empty name, got {name!r}")
        if timeout is not None and not isinstance(timeout, datetime.timedelta):
            raise TaskplugError(f"gate {name!r}: timeout must be a timedelta, got {timeout!r}")
        self._name = name
        self._input_type = input_type
        self._sleep = sleep_duration
        self._timeout = timeout or DEFAULT_TIMEOUT
        if sleep_duration is not None:
            if not isinstance(sleep_duration, datetime.timedelta):
                raise TaskplugError(
                    f"gate {name!r}: the sleep duration must be a timedelta, got {sleep_duration!r}"
                )
            iface = Interface()
        elif input_type is not None:
            iface = Interface(outputs={"o0": input_type})
        elif approve_var is not None:
            iface = Interface({approve_var: approve_type}, {approve_var: approve_type})
        else:
            raise TaskplugError(f"gate {name!r}: give a sleep duration, an input type or a value")
        iface.build_converters(f"gate {name!r}", allow_pickle=False)
        self._interface = iface

    @property
    def name(self) -> str:
        """The gate's name (the signal id of input and approval gates)."""
        return self._name

    @property
    def input_type(self) -> Any:
        """The type of the value an input gate waits for."""
        return self._input_type

    @property
    def sleep_duration(self) -> datetime.timedelta | None:
        """How long a sleep gate waits."""
        return self._sleep

    @property
    def timeout(self) -> datetime.timedelta:
        """How long the gate waits before Flyte fails the execution."""
        return self._timeout

    @property
    def literal_type(self) -> Any:
        """The flyteidl ``LiteralType`` of an input gate's value (else ``None``)."""
        if self._input_type is None:
            return None
        return self._interface.output_converters["o0"].literal_type

    @property
    def python_interface(self) -> Interface:
        """Outputs ``o0`` (input gate), the approved value in and out, or nothing (sleep)."""
        return self._interface

    def construct_node_metadata(self) -> NodeMetadata:
        """The gate's name and timeout (as flytekit)."""
        from taskplug.workflows.metadata import NodeMetadata

        return NodeMetadata(self._name, timeout=self._timeout)

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """A local run: print (sleep), ask for the value (input), or ask to approve."""
        import click
        from flyteidl.core.literals_pb2 import LiteralMap

        out = LiteralMap()
        if self._sleep is not None:
            click.echo(
                f"{click.style('[Sleep Gate]', fg='yellow')} "
                f"{click.style(f'Simulating Sleep for {self._sleep}', fg='cyan')}"
            )
            return out
        if self._input_type is not None:
            conv = self._interface.output_converters["o0"]
            msg = click.style("[Input Gate] ", fg="yellow") + click.style(
                f"Waiting for input @{self._name} of type {self._input_type}", fg="cyan"
            )
            value = click.prompt(msg, type=_click_type(self._input_type))
            try:
                out.literals["o0"].CopyFrom(conv.to_literal(_parse(value, self._input_type)))
            except Exception as exc:
                raise click.ClickException(f"Failed to parse input: {exc}") from exc
            return out
        var = next(iter(self._interface.input_converters))
        lit = input_literal_map.literals[var]
        shown = _show(lit, self._interface.input_converters[var])
        msg = click.style("[Approval Gate] ", fg="yellow") + click.style(
            f"@{self._name} Approve {click.style(str(shown), fg='green')}?", fg="cyan"
        )
        if not click.confirm(msg, default=True):
            raise GateDisapprovedError(
                f"User did not approve the transaction for gate node {self._name}"
            )
        out.literals[var].CopyFrom(lit)
        return out

    def fill_node(self, msg: workflow_pb2.Node, reg: Registrable) -> None:
        """Serialization: the ``gate_node`` (sleep, signal or approve condition)."""
        gate = msg.gate_node
        if self._sleep is not None:
            gate.sleep.duration.FromTimedelta(self._sleep)
        elif self._input_type is not None:
            gate.signal.signal_id = self._name
            gate.signal.type.CopyFrom(self._interface.output_converters["o0"].literal_type)
            gate.signal.output_variable_name = "o0"
        else:
            gate.approve.signal_id = self._name

    def _run(self, **kwargs: Any) -> Any:
        """Outside a workflow: the same local behaviour, on Python values."""
        from taskplug.workflows.local import from_literal_map, to_literal_map

        iface = self._interface
        label = f"gate {self._name!r}"
        lm = self.dispatch_execute(to_literal_map(label, iface.input_converters, kwargs))
        return from_literal_map(label, iface.output_converters, lm)

    def __repr__(self) -> str:
        return f"Gate({self._name!r})"


def _click_type(t: Any) -> Any:
    import click

    return {int: click.INT, float: click.FLOAT, bool: click.BOOL, str: click.STRING}.get(
        t, click.STRING
    )


def _parse(value: Any, t: Any) -> Any:
    if t in (int, float, bool, str) or not isinstance(value, str):
        return value
    import json

    return json.loads(value)


def _show(lit: literals_pb2.Literal, conv: Any) -> Any:
    """How flytekit shows a value at the approval prompt (scalars as text, else the value)."""
    if lit.WhichOneof("value") == "scalar":
        scalar = lit.scalar
        kind = scalar.WhichOneof("value")
        if kind == "primitive":
            prim = scalar.primitive
            which = prim.WhichOneof("value")
            if which == "datetime":
                return prim.datetime.ToDatetime().isoformat()
            if which == "duration":
                return prim.duration.ToTimedelta().total_seconds()
            return getattr(prim, str(which))
        if kind == "binary" and scalar.binary.tag == "msgpack":
            import json

            import msgpack

            return json.dumps(msgpack.unpackb(scalar.binary.value))
        if kind == "blob":
            return scalar.blob.uri
        if kind == "none_type":
            return None
    return conv.to_python(lit)


def _compiling_call(gate: Gate, **kwargs: Any) -> Any:
    state = COMPILING.get()
    if state is not None:
        return state.call(gate, (), kwargs)
    return gate._run(**kwargs)


def wait_for_input(name: str, timeout: datetime.timedelta, expected_type: Any) -> Any:
    """Wait for a value of ``expected_type`` sent to the execution as signal ``name``.

    In a workflow it returns the promise of that value; locally it asks for it on the terminal.
    """
    return _compiling_call(Gate(name, input_type=expected_type, timeout=timeout))


def sleep(duration: datetime.timedelta) -> Any:
    """Wait ``duration`` before the nodes that come after it (``sleep(...) >> t()``).

    Locally it prints that it would sleep, and does not wait (as flytekit).
    """
    return _compiling_call(Gate("sleep-gate", sleep_duration=duration))


def approve(upstream_item: Any, name: str, timeout: datetime.timedelta) -> Any:
    """Wait for someone to approve ``upstream_item`` (one output of an earlier node).

    Returns the same value (as a promise in a workflow), so what follows uses the approved
    value. Refused locally, :class:`GateDisapprovedError` is raised.
    """
    from taskplug.workflows.promise import Promise, VoidPromise

    state = COMPILING.get()
    if upstream_item is None or isinstance(upstream_item, VoidPromise):
        raise TaskplugError(
            f"approve({name!r}): the value to approve is missing: the call it comes from "
            "returns nothing (you can't use approval on a task that doesn't return anything)"
        )
    if state is None:
        gate = Gate(name, timeout=timeout, approve_var="o0", approve_type=type(upstream_item))
        return gate._run(o0=upstream_item)
    if not isinstance(upstream_item, Promise):
        raise TaskplugError(
            f"approve({name!r}): expected one output of an earlier call (a promise), got "
            f"{type(upstream_item).__name__}; for a call with several outputs pass one of them"
        )
    if upstream_item.is_workflow_input:
        raise TaskplugError(
            f"approve({name!r}): workflow inputs cannot be passed to approval nodes; approve "
            "the output of a task"
        )
    gate = Gate(
        name,
        timeout=timeout,
        approve_var=upstream_item.var,
        approve_type=upstream_item.python_type,
    )
    return state.call(gate, (), {upstream_item.var: upstream_item})
