"""Python tasks that run in a container: function tasks, async function tasks, instance tasks."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from taskplug.calls import get_interceptor
from taskplug.context import _CURRENT, ExecutionParameters
from taskplug.errors import TaskSignatureError
from taskplug.resolver import TaskResolver, default_task_resolver, entrypoint_command
from taskplug.tasks.base import PythonTask, UserCodeError, user_exception
from taskplug.tasks.interface import Interface, module_of, transform_function
from taskplug.types.tables.storage import local_run
from taskplug.workflows.compilation import COMPILING

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug.image_spec import ImageSpec
    from taskplug.settings import SerializationSettings

__all__ = [
    "AsyncPythonFunctionTask",
    "PythonAutoContainerTask",
    "PythonFunctionTask",
    "PythonInstanceTask",
]

T = TypeVar("T")


class PythonAutoContainerTask(PythonTask[T]):
    """A Python task whose container runs ``taskplug-execute`` to load and run it.

    Holds what the container target is made of (image, resolver, command); the built-in
    ``container`` plugin turns that into the template's container through the hook.
    """

    def __init__(
        self,
        task_type: str,
        name: str,
        task_config: T | None = None,
        interface: Interface | None = None,
        *,
        container_image: str | ImageSpec | None = None,
        task_resolver: TaskResolver | None = None,
        **kwargs: Any,
    ) -> None:
        self._container_image = _checked_image(name, container_image)
        self._task_resolver: TaskResolver = task_resolver or default_task_resolver
        self._get_command_fn: Callable[[SerializationSettings], list[str]] = (
            self.get_default_command
        )
        super().__init__(task_type, name, task_config, interface, **kwargs)

    policy_attributes = PythonTask.policy_attributes | {"container_image"}

    @property
    def container_image(self) -> str | ImageSpec | None:
        """The image the task asked for (``None``: the settings' default image)."""
        return self._container_image

    @container_image.setter
    def container_image(self, value: str | ImageSpec | None) -> None:
        self._container_image = _checked_image(self.name, value)

    @property
    def task_resolver(self) -> TaskResolver:
        """The resolver written into the command."""
        return self._task_resolver

    def set_resolver(self, resolver: TaskResolver) -> None:
        """Use another resolver (e.g. for tasks created in a loop)."""
        self._task_resolver = resolver

    def get_image(self, settings: SerializationSettings) -> str:
        """The full image name for this task (named images resolve through ``settings``)."""
        image = self._container_image
        if image is None or isinstance(image, str):
            return settings.image_config.resolve(image, task=self.name)
        from taskplug.image_spec.image_spec import image_for_template

        return image_for_template(image, settings)

    def get_default_command(self, settings: SerializationSettings) -> list[str]:
        """``taskplug-execute --inputs {{.input}} … --resolver R -- loader args``."""
        return entrypoint_command(self._task_resolver, settings, self)

    def get_command(self, settings: SerializationSettings) -> list[str]:
        """The container's args (the default command unless :meth:`set_command_fn` changed it)."""
        return self._get_command_fn(settings)

    def set_command_fn(
        self, get_command_fn: Callable[[SerializationSettings], list[str]] | None = None
    ) -> None:
        """Replace how the command is built (``None`` restores the default)."""
        self._get_command_fn = get_command_fn or self.get_default_command

    def reset_command_fn(self) -> None:
        """Restore the default command."""
        self._get_command_fn = self.get_default_command

    # Instance tasks and function tasks both answer these for the resolver.

    @property
    def instantiated_in(self) -> str:
        """The module the task was declared in."""
        return getattr(self, "_instantiated_in", "") or ""

    @property
    def lhs(self) -> str:
        """The module-level name the task is reachable under."""
        return self.find_lhs()

    @property
    def location(self) -> str:
        """``module.name`` of the task."""
        return f"{self.instantiated_in}.{self.lhs}"

    def find_lhs(self) -> str:
        """The attribute of :attr:`instantiated_in` that holds this task."""
        cached = getattr(self, "_lhs", None)
        if cached:
            return str(cached)
        module = sys.modules.get(self.instantiated_in)
        if module is not None:
            for key, value in vars(module).items():
                if value is self:
                    self._lhs = key
                    return key
        raise TaskSignatureError(
            f"task {self.name!r}: cannot find the module-level variable that holds it in "
            f"{self.instantiated_in!r}; assign the task to a module-level name"
        )


class PythonFunctionTask(PythonAutoContainerTask[T]):
    """A task made from a Python function (what ``@task`` builds).

    The function's signature is the task's interface. A declared output needs a ``return`` of
    a value in the function (checked when the task is declared), unless the class sets
    :attr:`function_runs` to ``False``.
    """

    #: Whether ``execute`` runs the function's body. A task class whose function only declares
    #: the interface (``def query(x: int) -> str: ...`` for a shell or SQL task whose own
    #: ``execute`` does the work) sets it to ``False``: the "no return statement" check is
    #: skipped for its functions.
    function_runs: ClassVar[bool] = True

    class ExecutionBehavior(Enum):
        """How ``execute`` treats the function: plainly, as a dynamic, or as eager."""

        DEFAULT = 1
        DYNAMIC = 2
        EAGER = 3

    def __init__(
        self,
        task_config: T | None,
        task_function: Callable[..., Any],
        task_type: str | None = None,
        ignore_input_vars: list[str] | None = None,
        execution_mode: ExecutionBehavior = ExecutionBehavior.DEFAULT,
        task_resolver: TaskResolver | None = None,
        node_dependency_hints: Iterable[Any] | None = None,
        pickle_untyped: bool = False,
        **kwargs: Any,
    ) -> None:
        if task_function is None:
            raise ValueError("task_function is required for a PythonFunctionTask")
        module = module_of(task_function)
        name = f"{module}.{task_function.__name__}"
        interface = transform_function(
            task_function,
            task_name=name,
            allow_pickle=pickle_untyped,
            check_returns=self.function_runs,
        )
        self._native_interface = interface
        interface = interface.remove_inputs(ignore_input_vars)
        if node_dependency_hints is not None and execution_mode != self.ExecutionBehavior.DYNAMIC:
            raise ValueError(
                f"task {name!r}: node_dependency_hints only apply to dynamic tasks "
                "(execution_mode=DYNAMIC); static tasks find their dependencies themselves"
            )
        if (task_resolver is None or task_resolver is default_task_resolver) and (
            "<locals>" in task_function.__qualname__
            and not module.rpartition(".")[2].startswith("test_")
        ):
            raise ValueError(
                f"task {name!r}: a task function must be defined at module level so a container "
                "can import it (functions nested in other functions are allowed in test_ modules "
                "only, or with a custom task_resolver)"
            )
        self._task_function = task_function
        self._execution_mode = execution_mode
        self._node_dependency_hints = node_dependency_hints
        self._instantiated_in = module
        self._lhs = task_function.__name__
        self._doc_source = task_function.__doc__
        super().__init__(
            task_type or self.task_type,
            name,
            task_config,
            interface,
            task_resolver=task_resolver,
            pickle_untyped=pickle_untyped,
            **kwargs,
        )
        if execution_mode is self.ExecutionBehavior.DYNAMIC:
            # A dynamic run returns its outputs as a LiteralMap (or, in a container, a
            # DynamicJobSpec) already; only dynamic tasks pay for checking that.
            self.outputs_to_literal_map = self._dynamic_outputs  # type: ignore[method-assign]

    @property
    def task_function(self) -> Callable[..., Any]:
        """The user's function."""
        return self._task_function

    @property
    def execution_mode(self) -> ExecutionBehavior:
        """DEFAULT, DYNAMIC or EAGER."""
        return self._execution_mode

    @property
    def node_dependency_hints(self) -> Iterable[Any] | None:
        """Entities a dynamic task may launch (for registration)."""
        return self._node_dependency_hints

    def execute(self, **kwargs: Any) -> Any:
        """Call the function with the inputs (a dynamic task compiles and runs its graph)."""
        if self._execution_mode is self.ExecutionBehavior.DYNAMIC:
            return self.dynamic_execute(self._task_function, **kwargs)
        return self._task_function(**kwargs)

    # -- dynamic tasks (taskplug.workflows.dynamic) -----------------------------------------

    def dynamic_execute(self, task_function: Callable[..., Any], **kwargs: Any) -> Any:
        """Compile the function into a workflow with these inputs and run it (locally) or
        return its ``DynamicJobSpec`` (in a container); see :mod:`taskplug.workflows.dynamic`."""
        from taskplug.workflows.dynamic import dynamic_execute

        return dynamic_execute(self, task_function, **kwargs)

    def compile_into_workflow(self, settings: SerializationSettings, **kwargs: Any) -> Any:
        """The ``DynamicJobSpec`` of a run with inputs ``kwargs`` (a ``LiteralMap`` of the
        outputs when the function made no node)."""
        from taskplug.workflows.dynamic import compile_into_workflow

        return compile_into_workflow(self, settings, **kwargs)

    def _dynamic_outputs(self, result: Any) -> Any:
        from flyteidl.core.dynamic_job_pb2 import DynamicJobSpec
        from flyteidl.core.literals_pb2 import LiteralMap

        if isinstance(result, (LiteralMap, DynamicJobSpec)):
            return result
        return type(self).outputs_to_literal_map(self, result)


class AsyncPythonFunctionTask(PythonFunctionTask[T]):
    """A task made from an ``async def`` function.

    Inside a running event loop a call returns an awaitable (``await my_task(x=1)``); from
    synchronous code with no running loop a call runs the coroutine to completion.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """An awaitable inside async code; the result itself from synchronous code.

        While a plugin's run intercepts calls (:mod:`taskplug.calls`), the awaitable comes
        from it.
        """
        import asyncio

        state = COMPILING.get()
        if state is not None:  # inside a workflow being compiled: a node, not a run
            return state.call(self, args, kwargs)
        interceptor = get_interceptor()
        if interceptor is not None:
            return interceptor.acall(self, self._interface.bind(self._name, args, kwargs))
        coro = self.async_call(*args, **kwargs)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(coro)
        return coro

    def aio(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        """The call as an awaitable (the same as calling the task inside async code)."""
        interceptor = get_interceptor()
        if interceptor is not None:
            return interceptor.acall(self, self._interface.bind(self._name, args, kwargs))
        return self.async_call(*args, **kwargs)

    async def async_call(self, *args: Any, **kwargs: Any) -> Any:
        """Run the task locally through the literal round trip, asynchronously."""
        values = self._interface.bind(self._name, args, kwargs)
        if not self._local_notes.warned:
            self._warn_local_once()
        try:
            with local_run():  # tables written by this call go to a directory removed after
                out = await self.async_dispatch_execute(self.inputs_to_literal_map(values))
                return self.outputs_from_literal_map(out)
        except UserCodeError as err:
            failure = user_exception(err)
        raise failure

    def local_execute(self, **kwargs: Any) -> Any:
        """Run to completion from synchronous code."""
        import asyncio

        return asyncio.run(self.async_call(**kwargs))

    async def async_dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """The async twin of ``dispatch_execute``."""
        owned = None  # parameters made here are closed here (their working directory)
        if params is None:
            params = owned = ExecutionParameters(task_name=self._name, local=mode == "local")
        native, params, token = self._begin_run(input_literal_map, params, mode)
        out = None
        try:
            if self._enable_deck:
                params.extra["taskplug.deck.task"] = self  # Deck.publish() finds the task
            try:
                result = await self.execute(**native)
            except Exception as exc:
                raise UserCodeError(self._name, exc) from exc
            out = self._finish_run(params, result)
            if self._enable_deck:  # decks (taskplug.deck), as for synchronous tasks
                from taskplug.deck.deck import write_task_decks

                write_task_decks(self, params, native, result)
            return out
        finally:
            _CURRENT.reset(token)
            if owned is not None and owned.created_working_directory is not None:
                owned.close(outputs=out)

    def dispatch_execute(
        self,
        input_literal_map: literals_pb2.LiteralMap,
        *,
        params: ExecutionParameters | None = None,
        mode: str = "local",
    ) -> literals_pb2.LiteralMap:
        """Run the coroutine to completion (the container entrypoint calls this)."""
        import asyncio

        return asyncio.run(self.async_dispatch_execute(input_literal_map, params=params, mode=mode))

    def execute(self, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        """The coroutine of the user's function."""
        result: Coroutine[Any, Any, Any] = self._task_function(**kwargs)
        return result


class PythonInstanceTask(PythonAutoContainerTask[T]):
    """A task defined by an object rather than a function; subclasses override ``execute``.

    ``PythonInstanceTask(name="q", task_config=cfg, inputs={"x": int}, outputs={"o0": str})``.
    The task must be assigned to a module-level variable so a container can find it.
    """

    def __init__(
        self,
        name: str,
        task_config: T | None = None,
        task_type: str | None = None,
        task_resolver: TaskResolver | None = None,
        *,
        inputs: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        interface: Interface | None = None,
        **kwargs: Any,
    ) -> None:
        if interface is None:
            interface = Interface(inputs, outputs)
        elif inputs or outputs:
            raise ValueError(f"task {name!r}: pass interface= or inputs=/outputs=, not both")
        self._instantiated_in = _caller_module(2)
        super().__init__(
            task_type or self.task_type,
            name,
            task_config,
            interface,
            task_resolver=task_resolver,
            **kwargs,
        )


def _checked_image(task: str, value: object) -> str | ImageSpec | None:
    """``value`` if it is an image name, an ``ImageSpec`` or ``None``; else a clear error."""
    if value is None or isinstance(value, str):
        return value
    from taskplug.image_spec import ImageSpec

    if isinstance(value, ImageSpec):
        return value
    raise ValueError(
        f"task {task!r}: container_image takes an image name (str) or an ImageSpec, got {value!r}"
    )


def _caller_module(depth: int) -> str:
    """The module that created the instance (skipping subclass ``__init__`` frames)."""
    frame = sys._getframe(depth)
    while frame is not None and frame.f_code.co_name == "__init__":
        frame = frame.f_back  # type: ignore[assignment]
    name = str(frame.f_globals.get("__name__", "")) if frame is not None else ""
    if name == "__main__":
        path = frame.f_globals.get("__file__")
        if path:
            from taskplug.tasks.interface import module_name_for_file

            return module_name_for_file(str(path))
    return name
