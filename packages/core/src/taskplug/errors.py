"""Exceptions raised by taskplug.

A few classes that carry their context as attributes, each refining a builtin where one fits,
so ``except TypeError`` / ``except KeyError`` code written for flytekit keeps working.
"""

from __future__ import annotations

import functools
import types
from typing import Any

__all__ = [
    "DuplicateRegistrationError",
    "IncompatiblePluginError",
    "LiteralDecodeError",
    "PluginAnswerError",
    "PluginError",
    "PluginHookError",
    "PluginLoadError",
    "PolicyError",
    "TaskSignatureError",
    "TaskplugError",
    "TypeTransformerFailedError",
    "UnsupportedTypeError",
    "trim_traceback",
]


class TaskplugError(Exception):
    """Base class of every error taskplug raises on its own account."""


class PluginError(TaskplugError):
    """Something is wrong with a plugin: it failed to load, to register, or in a hook."""

    def __init__(self, message: str, *, plugin: str | None = None, dist: str | None = None):
        super().__init__(message)
        self.message = message
        self.plugin = plugin
        self.dist = dist

    def __str__(self) -> str:
        return self.message


class PluginLoadError(PluginError, ImportError):
    """A plugin module could not be imported or registered."""


class IncompatiblePluginError(PluginError):
    """A plugin targets a hook API version this taskplug does not provide."""


class DuplicateRegistrationError(PluginError, ValueError):
    """Two plugins registered the same thing (task type, config class, transformer, device)."""


class PolicyError(TaskplugError, ValueError):
    """A platform policy refused a task; ``rule`` names the rule, ``task`` the task."""

    def __init__(self, message: str, *, task: str | None = None, rule: str | None = None):
        prefix = f"task {task!r}: " if task else ""
        suffix = f" [rule: {rule}]" if rule else ""
        super().__init__(f"{prefix}{message}{suffix}")
        self.task = task
        self.rule = rule


class PluginHookError(PluginError):
    """A plugin raised inside a hook.

    The instance raised is of a class derived from both ``PluginHookError`` and the original
    exception's class, so ``except KeyError`` still catches a ``KeyError`` raised by a plugin.
    The original exception is the ``__cause__``; its traceback is trimmed of framework frames.
    """

    hook: str
    original: BaseException

    def __init__(self, message: str, **kwargs: Any) -> None:  # pragma: no cover - see wrap()
        super().__init__(message, plugin=kwargs.get("plugin"), dist=kwargs.get("dist"))

    @classmethod
    def wrap(
        cls, original: Exception, *, plugin: str, dist: str | None, hook: str
    ) -> PluginHookError:
        """Build the error to raise for ``original``, keeping its type when that is possible."""
        where = f"plugin {plugin}" + (f" ({dist})" if dist else "")
        message = f"{where} hook {hook} raised {type(original).__name__}: {original}"
        if not isinstance(original, TaskplugError):  # a bug, not a deliberate refusal
            name = plugin.strip("'")
            message += (
                f" — a bug in the plugin: report it to its authors"
                f"{f' ({dist})' if dist else ''}, or skip it with "
                f"TASKPLUG_DISABLE_PLUGINS={name}"
            )
        err: PluginHookError
        try:
            sub = _subclass_for(type(original))  # type: ignore[arg-type]
            err = sub.__new__(sub)
            Exception.__init__(err, message)
        except Exception:  # exotic exception layouts: fall back to the plain class
            err = PluginHookError.__new__(PluginHookError)
            Exception.__init__(err, message)
        err.__dict__.update(getattr(original, "__dict__", {}))  # keep e.g. PolicyError.rule/.task
        err.message = message
        err.plugin = plugin
        err.dist = dist
        err.hook = hook
        err.original = original
        return err


class PluginAnswerError(PluginHookError, TypeError):
    """A plugin's hook (or a task class's ``get_*`` method) answered with a value of the wrong kind.

    Raised where the answer enters the core: by ``serialize()`` for template sections, by a run
    for outputs a plugin's ``execute`` or ``taskplug_post_execute`` produced. ``plugin``,
    ``dist`` and ``hook`` say who answered and where; ``key`` is the offending place in the
    answer (``custom['env']['path']``, an output name) and ``got`` the type found there.
    """

    def __init__(
        self,
        problem: str,
        *,
        plugin: str,
        dist: str | None,
        hook: str,
        key: str = "",
        got: object = None,
        fix: str = "",
        via: str = "",
    ) -> None:
        where = f"plugin {plugin}" + (f" ({dist})" if dist else "")
        via = via or f"hook {hook} answered"
        message = f"{where} {via} {problem}" + (f"; {fix}" if fix else "")
        PluginError.__init__(self, message, plugin=plugin, dist=dist)
        self.hook = hook
        self.key = key
        self.got = got
        self.original = self


@functools.cache
def _subclass_for(etype: type[BaseException]) -> type[PluginHookError]:
    if issubclass(etype, PluginHookError):
        return etype
    sub: type[PluginHookError] = type(
        f"PluginHookError[{etype.__name__}]",
        (PluginHookError, etype),
        {"__module__": __name__, "__str__": PluginError.__str__},
    )
    return sub


class TypeTransformerFailedError(TaskplugError, TypeError):
    """A value could not be converted to or from a literal (a ``TypeError``, as in flytekit).

    ``expected`` is the declared type, ``got`` the type of the value received. The type engine
    raises it without knowing the task; the task layer adds ``task``, ``var`` and ``kind``
    (``"input"``/``"output"``) with :meth:`in_context` so the message names all of them.
    """

    def __init__(
        self,
        message: str,
        *,
        expected: object = None,
        got: object = None,
        task: str | None = None,
        var: str | None = None,
        kind: str | None = None,
    ) -> None:
        self.detail = message
        self.expected = expected
        self.got = got
        self.task = task
        self.var = var
        self.kind = kind
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.task:
            where.append(f"task {self.task!r}")
        if self.var:
            where.append(f"{self.kind or 'variable'} {self.var!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.detail}" if prefix else self.detail

    def __str__(self) -> str:
        return self._render()

    def in_context(self, *, task: str, var: str, kind: str) -> TypeTransformerFailedError:
        """A copy of this error that names the task and the input or output."""
        err = type(self).__new__(type(self))
        TypeTransformerFailedError.__init__(
            err, self.detail, expected=self.expected, got=self.got, task=task, var=var, kind=kind
        )
        return err


class UnsupportedTypeError(TypeTransformerFailedError):
    """A declared Python type has no transformer (raised when the task is declared)."""


class LiteralDecodeError(TypeTransformerFailedError):
    """Bytes or a literal could not be decoded into the expected type (corrupt or foreign)."""


class TaskSignatureError(TaskplugError, TypeError):
    """A task was called with arguments that do not fit its interface, or declared badly."""


def trim_traceback(tb: types.TracebackType | None, *prefixes: str) -> types.TracebackType | None:
    """A copy of ``tb`` without the frames whose file path starts with one of ``prefixes``."""
    frames: list[types.TracebackType] = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(prefixes):
            frames.append(tb)
        tb = tb.tb_next
    new: types.TracebackType | None = None
    for item in reversed(frames):
        new = types.TracebackType(new, item.tb_frame, item.tb_lasti, item.tb_lineno)
    return new
