"""``@workflow``: a function whose body wires task calls into a graph, compiled when defined.

::

    @workflow
    def pipeline(n: int, scale: float = 2.0) -> float:
        xs = make(n=n)                 # a Promise: the future output of node n0
        return summarize(xs=xs, scale=scale)

Defining ``pipeline`` runs its body once with promises for ``n`` and ``scale``; each call adds
a node. A broken workflow fails right there, naming the node. ``pipeline(n=3)`` runs the
compiled graph on this machine through literals, as a cluster would; inside another workflow,
``pipeline(n=x)`` becomes a sub-workflow node. ``taskplug.workflows.serialize`` turns it into a
flyteidl ``WorkflowTemplate`` equal to flytekit's.
"""

from __future__ import annotations

import enum
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

from taskplug.errors import TaskSignatureError, TypeTransformerFailedError
from taskplug.tasks.interface import Interface, module_of, transform_function
from taskplug.tasks.metadata import Documentation
from taskplug.workflows.compilation import COMPILING
from taskplug.workflows.errors import WorkflowCompileError, WorkflowError, WorkflowTypeError
from taskplug.workflows.graph import WorkflowBase, bind_outputs
from taskplug.workflows.state import CompilationState

__all__ = [
    "PythonFunctionWorkflow",
    "WorkflowFailurePolicy",
    "WorkflowMetadata",
    "WorkflowMetadataDefaults",
    "bind_arguments",
    "workflow",
    "workflow_interface",
]


class WorkflowFailurePolicy(enum.Enum):
    """What a workflow does when a node fails (flyteidl's ``OnFailurePolicy``)."""

    #: The whole execution fails as soon as one node fails.
    FAIL_IMMEDIATELY = 0
    #: Nodes that can still run do run; the execution fails afterwards.
    FAIL_AFTER_EXECUTABLE_NODES_COMPLETE = 1


@dataclass
class WorkflowMetadata:
    """Metadata of the workflow itself: its failure policy."""

    on_failure: WorkflowFailurePolicy = WorkflowFailurePolicy.FAIL_IMMEDIATELY

    def __post_init__(self) -> None:
        if not isinstance(self.on_failure, WorkflowFailurePolicy):
            raise ValueError(
                f"failure policy must be a WorkflowFailurePolicy, got {self.on_failure!r}"
            )


@dataclass
class WorkflowMetadataDefaults:
    """Defaults handed down to the workflow's nodes: ``interruptible``."""

    interruptible: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.interruptible, bool):
            raise ValueError(f"interruptible must be True or False, got {self.interruptible!r}")


def bind_arguments(
    label: str, iface: Interface, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Map a call's arguments onto the inputs of ``iface``, filling in defaults.

    ``label`` names the callee in errors (``workflow 'm.wf'``); an unknown, repeated or
    missing argument raises :class:`~taskplug.errors.TaskSignatureError`.
    """
    names = iface.input_names
    if len(args) > len(names):
        raise TaskSignatureError(
            f"{label} takes {len(names)} input(s) ({', '.join(names) or 'none'}) but "
            f"{len(args)} positional argument(s) were given"
        )
    values = dict(kwargs)
    for name, value in zip(names, args):
        if name in values:
            raise TaskSignatureError(f"{label} got multiple values for input {name!r}")
        values[name] = value
    unknown = [k for k in values if k not in iface.inputs]
    if unknown:
        raise TaskSignatureError(
            f"{label} got unexpected input(s) {', '.join(map(repr, unknown))}; its inputs are: "
            f"{', '.join(names) or 'none'}"
        )
    for name, default in iface.defaults.items():
        values.setdefault(name, default)
    missing = [n for n in names if n not in values]
    if missing:
        raise TaskSignatureError(
            f"{label} is missing required input(s) {', '.join(map(repr, missing))}"
        )
    return values


def workflow_interface(
    fn: Callable[..., Any], *, name: str, allow_pickle: bool = False
) -> Interface:
    """The interface of a workflow function, with converters; errors name the workflow."""
    try:
        iface = transform_function(fn, task_name=name, allow_pickle=allow_pickle)
    except TaskSignatureError as exc:
        text = str(exc).replace(f"task {name!r}", f"workflow {name!r}", 1)
        if "return" in text:
            text += " (missing output binding: return the promises of the outputs)"
        raise WorkflowCompileError(text, workflow=name) from None
    try:
        iface.build_converters(name, allow_pickle=allow_pickle)
    except TypeTransformerFailedError as exc:
        raise WorkflowTypeError(
            f"workflow {name!r}, {exc.kind or 'variable'} {exc.var!r}: {exc.detail}",
            workflow=name,
        ) from exc
    return iface


class PythonFunctionWorkflow(WorkflowBase):
    """A workflow made from a function (what ``@workflow`` builds); compiled on creation."""

    def __init__(
        self,
        workflow_function: Callable[..., Any],
        metadata: WorkflowMetadata | None = None,
        default_metadata: WorkflowMetadataDefaults | None = None,
        *,
        on_failure: Any = None,
        docs: Documentation | None = None,
        pickle_untyped: bool = False,
        compile: bool = True,
    ) -> None:
        module = module_of(workflow_function)
        name = f"{module}.{workflow_function.__name__}"
        iface = workflow_interface(workflow_function, name=name, allow_pickle=pickle_untyped)
        super().__init__(
            name,
            iface,
            metadata=metadata or WorkflowMetadata(),
            defaults=default_metadata or WorkflowMetadataDefaults(),
            on_failure=on_failure,
            docs=docs,
            doc_source=workflow_function.__doc__,
            pickle_untyped=pickle_untyped,
        )
        self._workflow_function = workflow_function
        self._instantiated_in = module
        self._lhs = workflow_function.__name__
        if compile:
            try:
                self.compile()
            except NameError:
                # The body names something defined later in its module (a task, a recursive
                # dynamic task): compile on first use, as flytekit compiles every workflow.
                self._compile_pending = True

    @property
    def function(self) -> Callable[..., Any]:
        """The workflow function."""
        return self._workflow_function

    # flytekit's resolver-facing names (as tasks have them)
    @property
    def instantiated_in(self) -> str:
        """The module the workflow was declared in."""
        return self._instantiated_in

    @property
    def lhs(self) -> str:
        """The module-level name the workflow is reachable under."""
        return self.find_lhs()

    @property
    def location(self) -> str:
        """``module.name`` of the workflow."""
        return f"{self._instantiated_in}.{self.lhs}"

    def find_lhs(self) -> str:
        """The attribute of :attr:`instantiated_in` that holds this workflow."""
        module = sys.modules.get(self._instantiated_in)
        if module is not None:
            held = getattr(module, self._lhs, None)
            if held is self:
                return str(self._lhs)
            for key, value in vars(module).items():
                if value is self:
                    self._lhs = key
                    return key
        return self._lhs

    def execute(self, **kwargs: Any) -> Any:
        """Call the workflow function itself (flytekit's name; compile() is what runs it)."""
        return self._workflow_function(**kwargs)

    def compile(self, *, prefix: str = "", **kwargs: Any) -> None:
        """Run the function with promises for its inputs and record the graph it builds.

        ``kwargs`` replace input promises by values (a dynamic task compiles with its real
        inputs); ``prefix`` starts the node ids (``"d"`` inside a dynamic task).
        """
        iface = self._python_interface
        state = CompilationState(self._name, prefix=prefix)
        values: dict[str, Any] = {
            n: state.input_promise(n, c) for n, c in iface.input_converters.items()
        }
        values.update(kwargs)
        token = COMPILING.set(state)
        try:
            returned = self._workflow_function(**values)
        except WorkflowError:
            raise
        except Exception as exc:
            last = state.nodes[-1] if state.nodes else None
            after = f", after node {last.id!r} ({last.describe_entity()})" if last else ""
            exc.add_note(
                f"(while compiling workflow {self._name!r}{after}: a workflow's body runs when "
                "the workflow is defined, with promises for its inputs)"
            )
            raise
        finally:
            COMPILING.reset(token)
        state.finish()
        outputs = bind_outputs(self._name, iface, returned)
        for var, spec in outputs:
            state.check_spec(spec, None, var, kind="output")
        self._set_graph(state.nodes, outputs)
        if self._on_failure is not None:
            self._compile_failure_node(state, values, node_id="fn0")


@overload
def workflow(_workflow_function: Callable[..., Any]) -> PythonFunctionWorkflow: ...


@overload
def workflow(
    _workflow_function: None = None,
    *,
    failure_policy: WorkflowFailurePolicy | None = ...,
    interruptible: bool = ...,
    on_failure: Any = ...,
    docs: Documentation | None = ...,
    pickle_untyped: bool = ...,
) -> Callable[[Callable[..., Any]], PythonFunctionWorkflow]: ...


def workflow(
    _workflow_function: Callable[..., Any] | None = None,
    *,
    failure_policy: WorkflowFailurePolicy | None = None,
    interruptible: bool = False,
    on_failure: Any = None,
    docs: Documentation | None = None,
    pickle_untyped: bool = False,
) -> PythonFunctionWorkflow | Callable[[Callable[..., Any]], PythonFunctionWorkflow]:
    """Make a workflow from a function, with or without parentheses.

    ```python
    @workflow
    def wf(a: int) -> int:
        return double(x=inc(x=a))

    @workflow(failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE,
              interruptible=True, on_failure=cleanup)
    def wf2(a: int) -> None: ...
    ```

    The body runs once, when the workflow is defined, with promises for the inputs: it must
    only call tasks and workflows and pass their results along. ``interruptible`` is the default
    of the nodes that run sub-workflows; ``on_failure`` (a task or workflow taking the
    workflow's inputs) runs when the workflow fails.
    """

    def wrapper(fn: Callable[..., Any]) -> PythonFunctionWorkflow:
        instance = PythonFunctionWorkflow(
            fn,
            WorkflowMetadata(on_failure=failure_policy or WorkflowFailurePolicy.FAIL_IMMEDIATELY),
            WorkflowMetadataDefaults(interruptible=interruptible),
            on_failure=on_failure,
            docs=docs,
            pickle_untyped=pickle_untyped,
        )
        functools.update_wrapper(instance, fn)
        return instance

    if _workflow_function is not None:
        return wrapper(_workflow_function)
    return wrapper
