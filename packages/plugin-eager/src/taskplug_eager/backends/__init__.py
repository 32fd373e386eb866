"""Execution backends: where the children of an eager run execute.

A backend runs one child at a time per :meth:`Backend.run` call: it receives a
:class:`ChildCall` (the task, its inputs as a flyteidl ``LiteralMap``, the record entry to
fill, the parent run's settings) and returns the outputs ``LiteralMap`` or raises the
exception the parent should see. When the awaiting coroutine is cancelled (the run failed or
was cancelled, or the call timed out) the backend must terminate the child before the
cancellation propagates. Backends are registered through the hook
``taskplug_eager_register_backends`` (:mod:`taskplug_eager.hookspecs`).
"""

from __future__ import annotations

import abc
import asyncio
import importlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from taskplug.errors import DuplicateRegistrationError
from taskplug_eager.errors import CallTimeoutExpired, UnknownBackendError

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

    from taskplug.settings import SerializationSettings
    from taskplug.tasks.base import PythonTask
    from taskplug_eager.record import ChildExecution
    from taskplug_eager.settings import EagerSettings

__all__ = ["Backend", "BackendEntry", "BackendRegistry", "ChildCall", "backend_registry"]


@dataclass
class ChildCall:
    """One child execution handed to a backend."""

    task: PythonTask[Any]
    inputs: literals_pb2.LiteralMap
    execution: ChildExecution
    #: Seconds the child may take (``None``: no limit); the runtime enforces it for awaited
    #: calls, :meth:`Backend.run_blocking` must honour it itself.
    timeout: float | None
    settings: EagerSettings
    #: The id of the top-level eager run (``_F_EE_ROOT`` in children's environment).
    root_id: str
    #: The id of the eager run that made this call.
    run_id: str

    @property
    def serialization_settings(self) -> SerializationSettings:
        """The parent's serialization settings (the version children run at)."""
        from taskplug.settings import SerializationSettings

        return self.settings.serialization_settings or SerializationSettings()


class Backend(abc.ABC):
    """Base class of execution backends; one instance serves one top-level eager run.

    Subclasses implement :meth:`run`; they may override :meth:`start` (connect; raise
    :class:`~taskplug_eager.errors.BackendUnavailableError` when that fails), :meth:`close`,
    and :meth:`run_blocking` (a synchronous call ``t(x=1)`` in an eager body; by default
    :meth:`run` is run to completion on a helper event loop in another thread).
    """

    #: The name the backend is registered under (set by subclasses).
    name: ClassVar[str] = ""

    def __init__(self, settings: EagerSettings) -> None:
        self.settings = settings
        self._bridge: asyncio.AbstractEventLoop | None = None
        self._bridge_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def start(self) -> None:  # noqa: B027 - optional for subclasses
        """Get ready for children (connect, start pools). Called once per run."""

    @abc.abstractmethod
    async def run(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """Execute one child; return its outputs; terminate it when cancelled."""

    def run_blocking(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """Execute one child from synchronous code, honouring ``call.timeout``.

        Raises :class:`~taskplug_eager.errors.CallTimeoutExpired` when the limit is reached
        (after terminating the child).
        """
        loop = self._bridge_loop()
        future = asyncio.run_coroutine_threadsafe(self._run_limited(call), loop)
        try:
            return future.result()
        except BaseException:
            if not future.done():
                future.cancel()
                # let the cancellation reach the child before going on
                done = threading.Event()
                future.add_done_callback(lambda _f: done.set())
                done.wait(self.settings.terminate_grace + 5)
            raise

    async def _run_limited(self, call: ChildCall) -> literals_pb2.LiteralMap:
        limit = asyncio.timeout(call.timeout)
        try:
            async with limit:
                return await self.run_unlimited(call)
        except TimeoutError:
            if limit.expired():
                raise CallTimeoutExpired(f"child {call.execution.execution_id} timed out") from None
            raise

    async def run_unlimited(self, call: ChildCall) -> literals_pb2.LiteralMap:
        """:meth:`run` without the backend's concurrency limit (for blocking calls)."""
        return await self.run(call)

    def _bridge_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._bridge is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name=f"taskplug-eager-{self.name}", daemon=True
                )
                thread.start()
                self._bridge, self._bridge_thread = loop, thread
            return self._bridge

    async def close(self) -> None:
        """Release what :meth:`start` took. Called once when the run ends."""
        self._close_bridge()

    def _close_bridge(self) -> None:
        with self._lock:
            loop, thread = self._bridge, self._bridge_thread
            self._bridge = self._bridge_thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            if not thread.is_alive():
                loop.close()


@dataclass(frozen=True)
class BackendEntry:
    """A registered backend: its name, how to build it, who registered it."""

    name: str
    factory: Callable[[EagerSettings], Backend] | str
    plugin: str
    description: str

    def create(self, settings: EagerSettings) -> Backend:
        """Build the backend for one run (imports a ``"module:Class"`` factory first)."""
        factory = self.factory
        if isinstance(factory, str):
            module, _, attr = factory.partition(":")
            factory = getattr(importlib.import_module(module), attr)
        backend = factory(settings)
        if not isinstance(backend, Backend):
            raise TypeError(
                f"eager backend {self.name!r} (plugin {self.plugin!r}) built a "
                f"{type(backend).__name__}, not a taskplug_eager.backends.Backend"
            )
        return backend


class BackendRegistry:
    """The backends plugins registered through ``taskplug_eager_register_backends``."""

    def __init__(self) -> None:
        self._entries: dict[str, BackendEntry] = {}
        #: The plugin whose hook is running (set while the registry is filled).
        self.current_plugin: str = "?"

    def add(
        self,
        name: str,
        factory: Callable[[EagerSettings], Backend] | str,
        *,
        description: str = "",
    ) -> BackendEntry:
        """Register backend ``name``: ``factory(settings)`` (or ``"module:Class"``) builds it."""
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"plugin {self.current_plugin!r}: a backend needs a name, got {name!r}"
            )
        old = self._entries.get(name)
        if old is not None:
            raise DuplicateRegistrationError(
                f"eager backend {name!r} is registered twice: by plugin {old.plugin!r} and by "
                f"plugin {self.current_plugin!r}",
                plugin=self.current_plugin,
            )
        entry = BackendEntry(name, factory, self.current_plugin, description)
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> BackendEntry:
        """The backend called ``name``; :class:`UnknownBackendError` lists the known ones."""
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UnknownBackendError(
                f"no eager backend called {name!r} is registered (known: {known}); install the "
                "plugin that provides it or set TASKPLUG_EAGER_BACKEND to a known one"
            ) from None

    def __iter__(self) -> Iterator[BackendEntry]:
        return iter(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries


def backend_registry() -> BackendRegistry:
    """The backends registered by the loaded plugins (asked fresh: cheap, a few hook calls)."""
    from taskplug.plugin import get_plugin_manager

    registry = BackendRegistry()
    pm = get_plugin_manager()
    caller = getattr(pm.hook, "taskplug_eager_register_backends", None)
    impls = caller.get_hookimpls() if caller is not None else []
    if not impls:  # the eager plugin is not loaded (autoload off): its own backends still work
        from taskplug_eager import plugin

        registry.current_plugin = "eager"
        plugin.taskplug_eager_register_backends(registry)
        return registry
    for impl in impls:  # pluggy lists them oldest first
        registry.current_plugin = impl.plugin_name
        impl.function(registry)
    registry.current_plugin = "?"
    return registry
