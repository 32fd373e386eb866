"""``PythonTask``: the lifecycle every task type shares (no containers, pods or SQL here).

Local calls take the same literal round trip as a cluster run::

    __call__ -> bind args -> inputs to LiteralMap -> dispatch_execute(
        literals to Python -> pre_execute -> execute -> post_execute -> outputs to LiteralMap
    ) -> outputs back to Python
"""

from __future__ import annotations

import datetime
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from taskplug._manager import hooks
from taskplug.calls import get_interceptor
from taskplug.context import _CURRENT, ExecutionParameters, ExecutionState
from taskplug.errors import (
    PluginAnswerError,
    TaskplugError,
    TypeTransformerFailedError,
    trim_traceback,
)
from taskplug.resources import Resources, ResourceSpec, Secret
from taskplug.tasks.interface import Interface
from taskplug.tasks.metadata import Documentation, ExecutionMode, TaskMetadata
from taskplug.types.tables.storage import local_run
from taskplug.workflows.compilation import COMPILING

if TYPE_CHECKING:
    from collections.abc import Awaitable
    from contextvars import Token

    from flyteidl.core import literals_pb2, tasks_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.workflows.metadata import NodeMetadata

__all__ = [
    "LocalExecutionWarning",
    "PythonTask",
    "UserCodeError",
    "user_exception",
]

T = TypeVar("T")
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: ``params.extra`` key: the plugin whose ``taskplug_post_execute`` last replaced the outputs.
_REPLACED_BY = "taskplug.outputs_replaced_by"


#: flytekit's default ``deck_fields`` (``taskplug.deck.DeckField`` values: the enum's members
#: are these strings): source code, dependencies, timeline, inputs and outputs.
DEFAULT_DECK_FIELDS: tuple[str, ...] = (
    "Source Code",
    "Dependencies",
    "Timeline",
    "Input",
    "Output",
)


class LocalExecutionWarning(UserWarning):
    """A local run cannot honour a setting (GPU, shared memory, pod template)."""


class UserCodeError(TaskplugError):
    """The user's function raised; ``original`` is that exception (kept as ``__cause__``)."""

    def __init__(self, task: str, original: BaseException) -> None:
        super().__init__(f"task {task!r} failed: {type(original).__name__}: {original}")
        self.task = task
        self.original = original


def user_exception(err: UserCodeError) -> BaseException:
    """The user's original exception (type, message, cause chain) without taskplug's frames.

    Raise it outside the ``except`` block so its own ``__context__`` is kept as it was.
    """
    original = err.original
    return original.with_traceback(trim_traceback(original.__traceback__, _PACKAGE_DIR))


@dataclass
class _LocalNotes:
    warned: bool = False
    notes: list[str] = field(default_factory=list)


class PythonTask(Generic[T]):
    """Base class of every task whose interface is made of Python types.

    Subclasses override :meth:`execute`. Serialization methods (``get_custom``,
    ``get_container``, …) ask the plugin that owns the task's type (the hooks are routed, see
    :mod:`taskplug.registry`), so a task type can be added by a hook implementation or, as in
    flytekit, by overriding these methods on the task class; both are equally valid.
    """

    #: The task type written into the template (``python-task``, ``sidecar``, ``sqlite`` …).
    #: Task classes set it as a class attribute; an instance may be given its own.
    task_type: str = "python-task"

    #: What a ``taskplug_configure_task`` implementation (platform policy) may set on a task;
    #: assigning any other public attribute there raises ``AttributeError``.
    policy_attributes: ClassVar[frozenset[str]] = frozenset(
        {
            "accelerator",
            "annotations",
            "environment",
            "interruptible",
            "labels",
            "limits",
            "pod_template",
            "pod_template_name",
            "requests",
            "retries",
            "secret_requests",
            "shared_memory",
            "timeout",
        }
    )

    def __init__(
        self,
        task_type: str,
        name: str,
        task_config: T | None = None,
        interface: Interface | None = None,
        *,
        metadata: TaskMetadata | None = None,
        environment: dict[str, str] | None = None,
        requests: Resources | None = None,
        limits: Resources | None = None,
        resources: Resources | None = None,
        secret_requests: list[Secret] | None = None,
        accelerator: Any = None,
        shared_memory: bool | str | None = None,
        pod_template: Any = None,
        pod_template_name: str | None = None,
        enable_deck: bool | None = None,
        disable_deck: bool | None = None,
        deck_fields: tuple[Any, ...] | None = DEFAULT_DECK_FIELDS,
        docs: Documentation | None = None,
        task_type_version: int = 0,
        pickle_untyped: bool = False,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
    ) -> None:
        self.task_type = task_type
        self._name = name
        self._task_config = task_config
        self._interface = interface or Interface()
        self._metadata = metadata or TaskMetadata()
        if labels is not None:
            self._metadata.labels = labels
        if annotations is not None:
            self._metadata.annotations = annotations
        if pod_template_name is not None:
            self._metadata.pod_template_name = pod_template_name
        self._environment = dict(environment or {})
        if resources is not None:
            if requests is not None or limits is not None:
                raise ValueError(
                    f"task {name!r}: pass either resources= or requests=/limits=, not both"
                )
            spec = ResourceSpec.from_multiple_resource(resources)
            requests, limits = spec.requests, spec.limits
        for label, res in (("requests", requests), ("limits", limits)):
            if res is not None and res.is_pair():
                raise ValueError(
                    f"task {name!r}: {label}= takes single values; use resources= for pairs"
                )
        self._resources = ResourceSpec(
            requests=requests or Resources(), limits=limits or Resources()
        )
        self._secret_requests = list(secret_requests or [])
        self.accelerator = accelerator
        self.shared_memory = shared_memory
        self.pod_template = pod_template
        self._task_type_version = task_type_version
        self._pickle_untyped = pickle_untyped
        if enable_deck is not None and disable_deck is not None:
            raise ValueError(f"task {name!r}: pass enable_deck or disable_deck, not both")
        self._enable_deck = (
            bool(enable_deck) if enable_deck is not None else (disable_deck is False)
        )
        self._metadata.generates_deck = self._enable_deck
        self._deck_fields = (
            tuple(deck_fields) if (deck_fields is not None and self._enable_deck) else ()
        )
        bad = [f for f in self._deck_fields if f not in DEFAULT_DECK_FIELDS]
        if bad:
            raise ValueError(
                f"task {name!r}: deck_fields takes DeckField members ("
                f"{', '.join(map(repr, DEFAULT_DECK_FIELDS))}), got {bad[0]!r}"
            )
        self._docs = docs
        self._local_notes = _LocalNotes()
        self._interface.build_converters(self.name, allow_pickle=pickle_untyped)
        self._in_items = tuple(self._interface.input_converters.items())
        self._out_items = tuple(self._interface.output_converters.items())
        self._validate()
        relay = hooks()
        if relay.has_impls("taskplug_configure_task"):
            cls = type(self)
            self.__class__ = _policy_guarded(cls)
            try:
                relay.configure_task(self)
            finally:
                self.__class__ = cls
            self._validate()

    def _validate(self) -> None:
        """Check the settings; subclasses and the accelerator support extend it."""
        from taskplug.extended_resources import validate_task_resources

        validate_task_resources(self)

    # -- properties (flytekit's names) ------------------------------------------------------

    @property
    def name(self) -> str:
        """The task's fully qualified name."""
        return self._name

    @property
    def task_type_version(self) -> int:
        """Version of the task type's custom format."""
        return self._task_type_version

    @property
    def task_config(self) -> T | None:
        """The configuration object the task was declared with."""
        return self._task_config

    @property
    def python_interface(self) -> Interface:
        """Inputs, defaults and outputs as Python types."""
        return self._interface

    @property
    def interface(self) -> Interface:
        """The interface (one object; the flyteidl ``TypedInterface`` is built by ``serialize``)."""
        return self._interface

    @property
    def metadata(self) -> TaskMetadata:
        """Retries, timeout, cache, deprecation and the like."""
        return self._metadata

    @property
    def environment(self) -> dict[str, str]:
        """Environment variables set for the task's runs."""
        return self._environment

    @environment.setter
    def environment(self, value: dict[str, str]) -> None:
        self._environment = _str_map(self._name, "environment", value)

    @property
    def labels(self) -> dict[str, str]:
        """Kubernetes labels of the task's pods (``metadata.labels``)."""
        if self._metadata.labels is None:
            self._metadata.labels = {}
        return self._metadata.labels

    @labels.setter
    def labels(self, value: dict[str, str]) -> None:
        self._metadata.labels = _str_map(self._name, "labels", value)

    @property
    def annotations(self) -> dict[str, str]:
        """Kubernetes annotations of the task's pods (``metadata.annotations``)."""
        if self._metadata.annotations is None:
            self._metadata.annotations = {}
        return self._metadata.annotations

    @annotations.setter
    def annotations(self, value: dict[str, str]) -> None:
        self._metadata.annotations = _str_map(self._name, "annotations", value)

    @property
    def resources(self) -> ResourceSpec:
        """Requests and limits."""
        return self._resources

    @property
    def requests(self) -> Resources:
        """Resource requests (``Resources()`` when none)."""
        return self._resources.requests

    @requests.setter
    def requests(self, value: Resources) -> None:
        self._resources = ResourceSpec(
            requests=_single_resources(self._name, "requests", value),
            limits=self._resources.limits,
        )

    @property
    def limits(self) -> Resources:
        """Resource limits (``Resources()`` when none)."""
        return self._resources.limits

    @limits.setter
    def limits(self, value: Resources) -> None:
        self._resources = ResourceSpec(
            requests=self._resources.requests,
            limits=_single_resources(self._name, "limits", value),
        )

    @property
    def retries(self) -> int:
        """How often a failed run is retried (``metadata.retries``)."""
        return self._metadata.retries

    @retries.setter
    def retries(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"task {self._name!r}: retries takes an int >= 0, got {value!r}")
        self._metadata.retries = value

    @property
    def timeout(self) -> datetime.timedelta | int | None:
        """The run's time limit (``metadata.timeout``; ``None``: none)."""
        return self._metadata.timeout

    @timeout.setter
    def timeout(self, value: datetime.timedelta | int | None) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, datetime.timedelta, type(None))):
            raise ValueError(
                f"task {self._name!r}: timeout takes a timedelta or seconds, got {value!r}"
            )
        if isinstance(value, int):
            value = datetime.timedelta(seconds=value) if value else None
        self._metadata.timeout = value

    @property
    def interruptible(self) -> bool | None:
        """Whether the task may run on interruptible (spot) nodes."""
        return self._metadata.interruptible

    @interruptible.setter
    def interruptible(self, value: bool | None) -> None:
        self._metadata.interruptible = value

    @property
    def pod_template_name(self) -> str | None:
        """The name of a pod template registered in the cluster (``metadata``)."""
        return self._metadata.pod_template_name

    @pod_template_name.setter
    def pod_template_name(self, value: str | None) -> None:
        self._metadata.pod_template_name = value

    @property
    def secret_requests(self) -> list[Secret]:
        """Secrets the task asks for."""
        return self._secret_requests

    @secret_requests.setter
    def secret_requests(self, value: list[Secret]) -> None:
        bad = [s for s in value if not isinstance(s, Secret)]
        if bad:
            raise ValueError(f"task {self._name!r}: secret_requests takes Secret objects: {bad!r}")
        self._secret_requests = list(value)

    @property
    def security_context(self) -> Any:
        """The flyteidl ``SecurityContext`` for the requested secrets (``None`` when none)."""
        if not self._secret_requests:
            return None
        from taskplug.serialization.security import security_context

        return security_context(self._secret_requests)

    @property
    def pickle_untyped(self) -> bool:
        """Whether untyped values are pickled."""
        return self._pickle_untyped

    @property
    def docs(self) -> Documentation:
        """Documentation from the decorator or, by default, from the docstring."""
        if self._docs is None:
            doc = getattr(self, "_doc_source", None) or ""
            short, _, long = doc.strip().partition("\n")
            self._docs = Documentation(
                short_description=short.strip(), long_description=long.strip()
            )
        return self._docs

    @property
    def enable_deck(self) -> bool:
        """Whether the task renders a deck."""
        return self._enable_deck

    @property
    def disable_deck(self) -> bool:
        """The opposite of :attr:`enable_deck` (flytekit keeps both)."""
        return not self._enable_deck

    @property
    def deck_fields(self) -> list[Any]:
        """The deck pages the task writes besides the user's (``DeckField`` members; none
        unless ``enable_deck``)."""
        if not self._deck_fields:
            return []
        from taskplug.deck.deck import DeckField

        return [DeckField(f) for f in self._deck_fields]

    # -- interface helpers -----------------------------------------------------------------

    def get_input_types(self) -> dict[str, Any]:
        """Input names to Python types."""
        return dict(self._interface.inputs)

    def get_type_for_input_var(self, k: str, v: Any = None) -> Any:
        """The Python type of input ``k``."""
        return self._interface.inputs[k]

    def get_type_for_output_var(self, k: str, v: Any = None) -> Any:
        """The Python type of output ``k``."""
        return self._interface.outputs[k]

    def local_execution_mode(self) -> ExecutionMode:
        """The mode a local call runs in."""
        return ExecutionMode.LOCAL_TASK_EXECUTION

    # -- serialization through hooks --------------------------------------------------------

    def get_custom(self, settings: SerializationSettings) -> dict[str, Any] | None:
        """The template's ``custom`` struct (``taskplug_get_custom``)."""
        return hooks().get_custom(self, settings)

    def get_config(self, settings: SerializationSettings) -> dict[str, str] | None:
        """The template's ``config`` map (``taskplug_get_config``)."""
        return hooks().get_config(self, settings)

    def get_container(self, settings: SerializationSettings) -> tasks_pb2.Container | None:
        """The container target (``taskplug_get_container``)."""
        return hooks().get_container(self, settings)

    def get_k8s_pod(self, settings: SerializationSettings) -> tasks_pb2.K8sPod | None:
        """The Kubernetes pod target (``taskplug_get_k8s_pod``)."""
        return hooks().get_k8s_pod(self, settings)

    def get_sql(self, settings: SerializationSettings) -> tasks_pb2.Sql | None:
        """The SQL target (``taskplug_get_sql``)."""
        return hooks().get_sql(self, settings)

    def get_extended_resources(
        self, settings: SerializationSettings
    ) -> tasks_pb2.ExtendedResources | None:
        """GPU accelerator and shared memory (``taskplug_get_extended_resources``)."""
        from taskplug.extended_resources import ExtendedResourcesProposal

        proposal = ExtendedResourcesProposal.from_task(self)
        hooks().get_extended_resources(self, settings, proposal)
        return proposal.to_proto(task=self.name)

    # -- workflows (taskplug.workflows) -----------------------------------------------------

    def construct_node_metadata(self) -> NodeMetadata:
        """The metadata of a workflow node running this task: short name, timeout, retries,
        interruptible (as flytekit's ``construct_node_metadata``)."""
        from taskplug.workflows.metadata import NodeMetadata, short_name

        md = self._metadata
        timeout = md.timeout if isinstance(md.timeout, datetime.timedelta) else None
        return NodeMetadata(
            short_name(self._name),
            timeout=timeout,
            retries=md.retries,
            interruptible=md.interruptible,
        )

    def compile(self, *args: Any, **kwargs: Any) -> Any:
        """Add a node running this task to the workflow being compiled; returns its promises."""
        state = COMPILING.get()
        if state is None:
            raise TaskplugError(
                f"task {self._name!r}: compile() adds a node to a workflow being compiled; "
                "call it inside a @workflow or @dynamic function"
            )
        return state.call(self, args, kwargs)

    # -- execution --------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the task locally through the literal round trip; returns its outputs.

        While a workflow is being compiled, the call adds a node and returns promises instead;
        while a plugin's run intercepts calls (:mod:`taskplug.calls`, e.g. inside an eager
        task), the call is handed to it.
        """
        state = COMPILING.get()  # workflows (taskplug.workflows): one ContextVar read
        if state is not None:
            return state.call(self, args, kwargs)
        values = self._interface.bind(self._name, args, kwargs)
        interceptor = get_interceptor()
        if interceptor is not None:
            return interceptor.call(self, values)
        try:
            return self.local_execute(**values)
        except UserCodeError as err:
            failure = user_exception(err)
        raise failure

    def aio(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        """The call as an awaitable: ``await task.aio(x=1)``, so calls can be gathered.

        While a plugin's run intercepts calls (inside an eager task), the call goes to it (the
        eager plugin runs it on its backend, in parallel with other awaited calls); otherwise
        the task runs in a worker thread (``asyncio.to_thread``).
        """
        values = self._interface.bind(self._name, args, kwargs)
        interceptor = get_interceptor()
        if interceptor is not None:
            return interceptor.acall(self, values)
        return self._aio_local(values)

    async def _aio_local(self, values: dict[str, Any]) -> Any:
        import asyncio

        def run() -> Any:
            try:
                return self.local_execute(**values)
            except UserCodeError as err:
                failure = user_exception(err)
            raise failure

        return await asyncio.to_thread(run)

    def local_execute(self, **kwargs: Any) -> Any:
        """Convert inputs to literals, dispatch, and convert the outputs back to Python."""
        if not self._local_notes.warned:
            self._warn_local_once()
        with local_run():  # tables written by this call go to a directory removed at the end
            out = self.dispatch_execute(self.inputs_to_literal_map(kwargs))
            return self.outputs_from_literal_map(out)

    def sandbox_execute(
        self, input_literal_map: literals_pb2.LiteralMap
    ) -> literals_pb2.LiteralMap:
        """Dispatch as a local sandbox run, with a scratch directory of its own.

        The directory (``taskplug-sandbox-*``, made when the task first asks for it) is removed
        when the run ends, unless the outputs refer to files in it.
        """
        params = ExecutionParameters(
            task_name=self._name, working_directory_prefix="taskplug-sandbox-"
        )
        out = None
        try:
            out = self.dispatch_execute(input_literal_map, params=params)
            return out
        finally:
            params.close(outputs=out)

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """Run the task on a ``LiteralMap`` of inputs; return the ``LiteralMap`` of outputs.

        The user's exception comes out as :class:`UserCodeError` (``original`` holds it);
        conversion errors as :class:`~taskplug.errors.TypeTransformerFailedError`.
        """
        owned = None  # parameters made here are closed here (their working directory)
        if params is None:
            params = owned = ExecutionParameters(task_name=self._name, local=mode == "local")
        native, params, token = self._begin_run(input_literal_map, params, mode)
        out = None
        try:
            if self._enable_deck:  # decks (taskplug.deck): timed, written when the run ends
                out = self._run_with_decks(native, params)
                return out
            try:
                result = self.execute(**native)
            except Exception as exc:
                raise UserCodeError(self._name, exc) from exc
            out = self._finish_run(params, result)
            return out
        finally:
            _CURRENT.reset(token)
            if owned is not None and owned.created_working_directory is not None:
                owned.close(outputs=out)

    def _run_with_decks(
        self, native: dict[str, Any], params: ExecutionParameters
    ) -> literals_pb2.LiteralMap:
        """``execute`` timed, the outputs converted, then the run's decks written
        (:func:`taskplug.deck.deck.write_task_decks`), as flytekit does for ``enable_deck``."""
        import time

        from taskplug.deck.deck import write_task_decks

        params.extra["taskplug.deck.task"] = self
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            result = self.execute(**native)
        except Exception as exc:
            raise UserCodeError(self._name, exc) from exc
        times = (time.perf_counter() - wall, time.process_time() - cpu)
        out = self._finish_run(params, result)
        write_task_decks(self, params, native, result, times=times)
        return out

    def _begin_run(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        params: ExecutionParameters | None,
        mode: str,
    ) -> tuple[dict[str, Any], ExecutionParameters, Token[ExecutionState | None]]:
        """Inputs to Python, the run made current, ``pre_execute`` done (shared by async tasks).

        The caller must ``_CURRENT.reset(token)`` when the run ends, and close the parameters
        if it made them.
        """
        native = self.inputs_from_literal_map(input_literal_map)
        if params is None:
            params = ExecutionParameters(task_name=self._name, local=mode == "local")
        token = _CURRENT.set(ExecutionState(params, mode))
        try:
            params = self.pre_execute(params)
        except BaseException:
            _CURRENT.reset(token)
            raise
        return native, params, token

    def _finish_run(self, params: ExecutionParameters, result: Any) -> literals_pb2.LiteralMap:
        """``post_execute``, then the outputs to literals (shared by async tasks).

        Outputs that do not fit the interface are the user's error when the user's function
        produced them; when a plugin's ``execute`` or a ``taskplug_post_execute`` hook did,
        the error is a :class:`~taskplug.errors.PluginAnswerError` naming that plugin.
        """
        outputs = self.post_execute(params, result)
        try:
            return self.outputs_to_literal_map(outputs)
        except TypeTransformerFailedError as exc:
            culprit = self._output_culprit(params, exc)
            if culprit is None:
                raise
            raise culprit from exc

    def _output_culprit(
        self, params: ExecutionParameters, exc: TypeTransformerFailedError
    ) -> PluginAnswerError | None:
        from taskplug._manager import get_plugin_manager

        pm = get_plugin_manager()
        replaced_by = params.extra.get(_REPLACED_BY)
        problem = f"outputs that do not fit task {self._name!r}: {exc.detail}"
        if exc.var:
            problem = f"outputs that do not fit task {self._name!r}, {exc.kind} {exc.var!r}: "
            problem += exc.detail
        if replaced_by is not None:
            return PluginAnswerError(
                problem,
                plugin=repr(replaced_by),
                dist=pm.dist_label(replaced_by),
                hook="taskplug_post_execute",
                key=exc.var or "",
                got=exc.got,
                fix="return values of the task's declared output types, or None to keep them",
            )
        for klass in type(self).__mro__:
            if "execute" in klass.__dict__:
                break
        info = pm.plugin_for_module(klass.__module__)
        if info is None:  # the user's function (or the user's own class) produced them
            return None
        return PluginAnswerError(
            problem,
            plugin=repr(info.name),
            dist=info.dist_label if info.dist else None,
            hook="execute",
            key=exc.var or "",
            got=exc.got,
            via=f"task type {klass.__qualname__}: execute() returned",
            fix="the task type's execute() must return the task's declared output types",
        )

    def pre_execute(self, user_params: ExecutionParameters) -> ExecutionParameters:
        """Runs before ``execute``; calls the ``taskplug_pre_execute`` hooks."""
        relay = hooks()
        if relay.has_impls("taskplug_pre_execute"):
            relay.pre_execute(self, user_params)
        return user_params

    def execute(self, **kwargs: Any) -> Any:
        """The task's work; subclasses override it."""
        raise NotImplementedError(f"task type {type(self).__name__} does not implement execute()")

    def post_execute(self, user_params: ExecutionParameters, rval: Any) -> Any:
        """Runs after ``execute``; the ``taskplug_post_execute`` hooks may replace ``rval``."""
        relay = hooks()
        if relay.has_impls("taskplug_post_execute"):
            value, replaced_by = relay.chain(
                "taskplug_post_execute", "outputs", rval, task=self, params=user_params
            )
            if replaced_by is not None:
                user_params.extra[_REPLACED_BY] = replaced_by
            return value
        return rval

    # -- literal conversion -----------------------------------------------------------------

    def inputs_to_literal_map(self, values: dict[str, Any]) -> literals_pb2.LiteralMap:
        """Python inputs to a ``LiteralMap`` (errors name the task and the input)."""
        from flyteidl.core.literals_pb2 import LiteralMap

        lm = LiteralMap()
        lits = lm.literals
        for name, conv in self._in_items:
            try:
                conv.fill(lits[name], values[name])
            except TypeTransformerFailedError as exc:
                raise exc.in_context(task=self._name, var=name, kind="input") from exc.__cause__
        return lm

    def inputs_from_literal_map(self, lm: literals_pb2.LiteralMap) -> dict[str, Any]:
        """A ``LiteralMap`` of inputs to Python values."""
        lits = lm.literals
        out: dict[str, Any] = {}
        for name, conv in self._in_items:
            if name not in lits:
                if name in self._interface.defaults:
                    out[name] = self._interface.defaults[name]
                    continue
                raise TypeTransformerFailedError(
                    "the input is missing from the inputs literal map",
                    expected=conv.python_type,
                    task=self._name,
                    var=name,
                    kind="input",
                )
            try:
                out[name] = conv.to_python(lits[name])
            except TypeTransformerFailedError as exc:
                raise exc.in_context(task=self._name, var=name, kind="input") from exc.__cause__
        return out

    def outputs_to_literal_map(self, result: Any) -> literals_pb2.LiteralMap:
        """The value(s) ``execute`` returned to a ``LiteralMap`` of outputs."""
        from flyteidl.core.literals_pb2 import LiteralMap

        lm = LiteralMap()
        items = self._out_items
        if not items:
            return lm
        if len(items) == 1:
            values: tuple[Any, ...] = (result,)
        else:
            if not isinstance(result, tuple) or len(result) != len(items):
                raise TypeTransformerFailedError(
                    f"expected a tuple of {len(items)} values "
                    f"({', '.join(n for n, _ in items)}), got {type(result).__name__}",
                    expected=tuple,
                    got=type(result),
                    task=self._name,
                    var="(outputs)",
                    kind="output",
                )
            values = result
        lits = lm.literals
        for (name, conv), value in zip(items, values):
            try:
                conv.fill(lits[name], value)
            except TypeTransformerFailedError as exc:
                raise exc.in_context(task=self._name, var=name, kind="output") from exc.__cause__
        return lm

    def outputs_from_literal_map(self, lm: literals_pb2.LiteralMap) -> Any:
        """A ``LiteralMap`` of outputs back to what a call returns.

        One output: its value (or the declared one-field NamedTuple). Several: a named tuple
        (:attr:`Interface.result_tuple`), whose fields are the output names.
        """
        items = self._out_items
        if not items:
            return None
        lits = lm.literals
        values = []
        for name, conv in items:
            try:
                values.append(conv.to_python(lits[name]))
            except TypeTransformerFailedError as exc:
                raise exc.in_context(task=self._name, var=name, kind="output") from exc.__cause__
        if len(values) == 1:
            nt = self._interface.output_tuple
            return nt(*values) if nt is not None else values[0]
        return self._interface.result_tuple(*values)  # type: ignore[misc]

    # -- local-run notes --------------------------------------------------------------------

    def _warn_local_once(self) -> None:
        notes = self._local_notes
        notes.warned = True
        what = []
        if self.accelerator is not None:
            what.append(f"accelerator {self.accelerator}")
        if self._resources.requests.gpu or self._resources.limits.gpu:
            what.append("GPU resources")
        if self.shared_memory:
            what.append("shared memory")
        if self.pod_template is not None or self._metadata.pod_template_name:
            what.append("pod template")
        if what:
            notes.notes = what
            warnings.warn(
                f"task {self._name!r} runs locally: {', '.join(what)} cannot be honoured here "
                "and are ignored for local runs (they apply when the task runs in a cluster)",
                LocalExecutionWarning,
                stacklevel=4,
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, task_type={self.task_type!r})"


def _str_map(task: str, what: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"task {task!r}: {what} takes a dict of str to str, got {value!r}")
    return dict(value)


def _single_resources(task: str, what: str, value: object) -> Resources:
    if not isinstance(value, Resources):
        raise ValueError(f"task {task!r}: {what} takes a Resources object, got {value!r}")
    if value.is_pair():
        raise ValueError(f"task {task!r}: {what} takes single values; use resources= for pairs")
    return value


_GUARDED: dict[type, type] = {}


def _policy_guarded(cls: type[PythonTask[Any]]) -> type[PythonTask[Any]]:
    """A subclass of ``cls`` whose public attributes are limited to ``policy_attributes``.

    A task wears it while ``taskplug_configure_task`` runs, so a platform plugin that assigns
    an attribute nothing reads (``task.label = ...``) hears about it instead of being ignored.
    """
    guarded = _GUARDED.get(cls)
    if guarded is not None:
        return guarded
    allowed = cls.policy_attributes

    def __setattr__(self: PythonTask[Any], name: str, value: Any) -> None:
        if name[:1] != "_" and name not in allowed:
            raise AttributeError(
                f"task {self.name!r}: a taskplug_configure_task hook may set "
                f"{', '.join(sorted(allowed))}; {name!r} is not one of them"
            )
        object.__setattr__(self, name, value)

    guarded = type(
        cls.__name__,
        (cls,),
        {
            "__setattr__": __setattr__,
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        },
    )
    _GUARDED[cls] = guarded
    return guarded
