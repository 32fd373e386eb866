"""``@task``: turn a function into a task, with flytekit's parameters."""

from __future__ import annotations

import datetime
import functools
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from taskplug._manager import get_plugin_manager, hooks
from taskplug.resources import Cache, Resources, Secret
from taskplug.tasks.base import DEFAULT_DECK_FIELDS
from taskplug.tasks.function import AsyncPythonFunctionTask, PythonFunctionTask
from taskplug.tasks.metadata import Documentation, TaskMetadata

if TYPE_CHECKING:
    from taskplug.image_spec import ImageSpec

__all__ = ["task"]

F = TypeVar("F", bound=Callable[..., Any])
_DEFAULT = PythonFunctionTask.ExecutionBehavior.DEFAULT


def _task_class(task_config: object, fn: Callable[..., Any]) -> type[PythonFunctionTask[Any]]:
    is_async = inspect.iscoroutinefunction(fn)
    if task_config is None:
        return AsyncPythonFunctionTask if is_async else PythonFunctionTask
    cls = hooks().task_class_for_config(task_config)
    if cls is None:
        config = type(task_config)
        info = get_plugin_manager().plugin_for_module(config.__module__, loaded=False)
        if info is not None:
            raise TypeError(
                f"no task type handles task_config of type {config.__qualname__} (function "
                f"{fn.__qualname__}): plugin {info.name!r} ({info.dist_label}), which provides "
                f"it, is installed but {info.status}: {info.reason}"
            )
        raise TypeError(
            f"no task type handles task_config of type {config.__qualname__} "
            f"(function {fn.__qualname__}); install the plugin that provides it — "
            "`taskplug plugins` lists what is loaded"
        )
    if not issubclass(cls, PythonFunctionTask):
        raise TypeError(
            f"task type {cls.__qualname__} for {type(task_config).__qualname__} is not a "
            "function task and cannot be used with @task"
        )
    if is_async and not issubclass(cls, AsyncPythonFunctionTask):
        raise TypeError(
            f"task type {cls.__qualname__} does not support async functions ({fn.__qualname__})"
        )
    return cls


@overload
def task(_task_function: F) -> PythonFunctionTask[Any]: ...


@overload
def task(
    _task_function: None = None,
    *,
    task_config: Any = ...,
    cache: bool | Cache = ...,
    cache_serialize: bool | None = ...,
    cache_version: str | None = ...,
    cache_ignore_input_vars: tuple[str, ...] | None = ...,
    retries: int = ...,
    interruptible: bool | None = ...,
    deprecated: str = ...,
    timeout: datetime.timedelta | int = ...,
    container_image: str | ImageSpec | None = ...,
    environment: dict[str, str] | None = ...,
    requests: Resources | None = ...,
    limits: Resources | None = ...,
    resources: Resources | None = ...,
    secret_requests: list[Secret] | None = ...,
    execution_mode: PythonFunctionTask.ExecutionBehavior = ...,
    node_dependency_hints: Iterable[Any] | None = ...,
    task_resolver: Any = ...,
    docs: Documentation | None = ...,
    disable_deck: bool | None = ...,
    enable_deck: bool | None = ...,
    deck_fields: tuple[Any, ...] | None = ...,
    pod_template: Any = ...,
    pod_template_name: str | None = ...,
    accelerator: Any = ...,
    pickle_untyped: bool = ...,
    shared_memory: bool | str | None = ...,
    labels: dict[str, str] | None = ...,
    annotations: dict[str, str] | None = ...,
) -> Callable[[Callable[..., Any]], PythonFunctionTask[Any]]: ...


def task(
    _task_function: Callable[..., Any] | None = None,
    *,
    task_config: Any = None,
    cache: bool | Cache = False,
    cache_serialize: bool | None = None,
    cache_version: str | None = None,
    cache_ignore_input_vars: tuple[str, ...] | None = None,
    retries: int = 0,
    interruptible: bool | None = None,
    deprecated: str = "",
    timeout: datetime.timedelta | int = 0,
    container_image: str | ImageSpec | None = None,
    environment: dict[str, str] | None = None,
    requests: Resources | None = None,
    limits: Resources | None = None,
    resources: Resources | None = None,
    secret_requests: list[Secret] | None = None,
    execution_mode: PythonFunctionTask.ExecutionBehavior = _DEFAULT,
    node_dependency_hints: Iterable[Any] | None = None,
    task_resolver: Any = None,
    docs: Documentation | None = None,
    disable_deck: bool | None = None,
    enable_deck: bool | None = None,
    deck_fields: tuple[Any, ...] | None = DEFAULT_DECK_FIELDS,
    pod_template: Any = None,
    pod_template_name: str | None = None,
    accelerator: Any = None,
    pickle_untyped: bool = False,
    shared_memory: bool | str | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> PythonFunctionTask[Any] | Callable[[Callable[..., Any]], PythonFunctionTask[Any]]:
    """Make a task from a function, with or without parentheses.

    ```python
    @task
    def add(a: int, b: int) -> int:
        return a + b

    @task(retries=2, cache=Cache(version="1"), requests=Resources(cpu="1", mem="1Gi"))
    def fetch(url: str) -> bytes: ...
    ```

    ``task_config`` picks the task type (``Pod(...)``, a SQL config, a third-party config) via
    the plugins. Parameters keep flytekit's names and meanings; ``cache=True`` needs a version
    (``cache_version=`` or ``Cache(version=)``).
    """

    def wrapper(fn: Callable[..., Any]) -> PythonFunctionTask[Any]:
        version, serialize, ignored = cache_version, cache_serialize, cache_ignore_input_vars
        enabled = bool(cache)
        if isinstance(cache, Cache):
            if any(
                v is not None for v in (cache_version, cache_serialize, cache_ignore_input_vars)
            ):
                raise ValueError(
                    f"task {fn.__qualname__}: with cache=Cache(...), set version, serialize and "
                    "ignored inputs on the Cache object, not as cache_* arguments"
                )
            version, serialize, ignored = cache.version, cache.serialize, cache.get_ignored_inputs()
        metadata = TaskMetadata(
            cache=enabled,
            cache_serialize=bool(serialize),
            cache_version=version or "",
            cache_ignore_input_vars=tuple(ignored or ()),
            retries=retries,
            interruptible=interruptible,
            deprecated=deprecated,
            timeout=timeout,
        )
        cls = _task_class(task_config, fn)
        instance = cls(
            task_config,
            fn,
            metadata=metadata,
            container_image=container_image,
            environment=environment,
            requests=requests,
            limits=limits,
            resources=resources,
            secret_requests=secret_requests,
            execution_mode=execution_mode,
            node_dependency_hints=node_dependency_hints,
            task_resolver=task_resolver,
            disable_deck=disable_deck,
            enable_deck=enable_deck,
            deck_fields=deck_fields,
            docs=docs,
            pod_template=pod_template,
            pod_template_name=pod_template_name,
            accelerator=accelerator,
            pickle_untyped=pickle_untyped,
            shared_memory=shared_memory,
            labels=labels,
            annotations=annotations,
        )
        functools.update_wrapper(instance, fn)
        return instance

    if _task_function is not None:
        return wrapper(_task_function)
    return wrapper
