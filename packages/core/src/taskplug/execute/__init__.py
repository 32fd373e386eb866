"""``taskplug-execute``: the container entrypoint, argument-compatible with ``pyflyte-execute``.

(``python -m taskplug.execute`` is the same program; ``errors`` and ``storage`` are its helpers.)

::

    taskplug-execute --inputs URI --output-prefix URI [--raw-output-data-prefix URI]
        [--checkpoint-path URI] [--prev-checkpoint URI] [--dynamic-addl-distro URI]
        [--dynamic-dest-dir DIR] [--test] --resolver RESOLVER -- <resolver args>

Loads the task through the resolver, reads ``inputs.pb`` (a flyteidl ``LiteralMap``), runs
``task.dispatch_execute(..., mode="container")`` and writes ``<output-prefix>/outputs.pb``
(``futures.pb``, a ``DynamicJobSpec``, when a dynamic task launched nodes)
atomically; on any failure it writes ``<output-prefix>/error.pb`` (an ``ErrorDocument`` laid
out as flytekit's) and exits 1, or 0 when ``FLYTE_FAIL_ON_ERROR`` is false.

Cold start matters here (every task execution pays it), so this module imports only ``os``
and ``sys`` at the top: the usual, well-formed command line is parsed by hand, and click is
imported only for ``--help`` and malformed command lines, which it then reports.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from taskplug.context import ExecutionParameters
    from taskplug.execute.errors import Failure
    from taskplug.resolver import TaskResolver
    from taskplug.tasks.base import PythonTask

__all__ = ["DEFAULT_RESOLVER", "Options", "execute", "main", "parse_args"]

PROG = "taskplug-execute"
DEFAULT_RESOLVER = "taskplug.resolver.default_task_resolver"
OUTPUT_FILE_NAME = "outputs.pb"

# Option name -> attribute of Options (all take one value; the last occurrence wins, as click).
_VALUE_OPTIONS = {
    "--inputs": "inputs",
    "--output-prefix": "output_prefix",
    "--raw-output-data-prefix": "raw_output_data_prefix",
    "--checkpoint-path": "checkpoint_path",
    "--prev-checkpoint": "prev_checkpoint",
    "--dynamic-addl-distro": "dynamic_addl_distro",
    "--dynamic-dest-dir": "dynamic_dest_dir",
    "--resolver": "resolver",
}
_FLAG_OPTIONS = {"--test": "test"}
_FALSE = frozenset({"false", "f", "0", "no", "n", "off"})


class Options:
    """The parsed command line (the same fields as ``pyflyte-execute``'s options)."""

    __slots__ = (
        "checkpoint_path",
        "dynamic_addl_distro",
        "dynamic_dest_dir",
        "inputs",
        "output_prefix",
        "prev_checkpoint",
        "raw_output_data_prefix",
        "resolver",
        "resolver_args",
        "test",
    )

    def __init__(
        self,
        *,
        inputs: str,
        output_prefix: str,
        raw_output_data_prefix: str | None = None,
        checkpoint_path: str | None = None,
        prev_checkpoint: str | None = None,
        dynamic_addl_distro: str | None = None,
        dynamic_dest_dir: str | None = None,
        resolver: str | None = None,
        resolver_args: Sequence[str] = (),
        test: bool = False,
    ) -> None:
        self.inputs = inputs
        self.output_prefix = output_prefix
        self.raw_output_data_prefix = raw_output_data_prefix
        self.checkpoint_path = checkpoint_path
        self.prev_checkpoint = prev_checkpoint
        self.dynamic_addl_distro = dynamic_addl_distro
        self.dynamic_dest_dir = dynamic_dest_dir
        self.resolver = resolver
        self.resolver_args = tuple(resolver_args)
        self.test = test

    def as_dict(self) -> dict[str, Any]:
        """All fields by name (for tests and messages)."""
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"Options({fields})"


# -- command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> Options | None:
    """Parse a well-formed command line without click; ``None`` when click should handle it.

    Accepts exactly what click accepts for the common cases (``--opt value``, ``--opt=value``,
    the ``--test`` flag, positional resolver arguments before or after ``--``); anything else
    (``--help``, an unknown option, a missing value or required option) returns ``None``.
    """
    values: dict[str, Any] = {}
    positional: list[str] = []
    i, n = 0, len(argv)
    while i < n:
        arg = argv[i]
        i += 1
        if arg == "--":
            positional.extend(argv[i:])
            break
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, eq, inline = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if eq:
                value = inline
            else:
                if i >= n or argv[i].startswith("-"):
                    return None  # a missing value, or one click might read differently
                value = argv[i]
                i += 1
            values[_VALUE_OPTIONS[name]] = value
        elif name in _FLAG_OPTIONS and not eq:
            values[_FLAG_OPTIONS[name]] = True
        else:
            return None
    if "inputs" not in values or "output_prefix" not in values:
        return None
    return Options(resolver_args=positional, **values)


def _click_command() -> Any:
    """The click command (built on demand: click costs more to import than the fast path)."""
    import click

    @click.command(
        PROG,
        context_settings={"help_option_names": ["-h", "--help"]},
        help="Run a task in a container: read inputs.pb, write outputs.pb or error.pb "
        "(arguments as pyflyte-execute).",
    )
    @click.option("--inputs", required=True, help="URI of inputs.pb (a LiteralMap).")
    @click.option("--output-prefix", required=True, help="Where outputs.pb/error.pb go.")
    @click.option("--raw-output-data-prefix", required=False, help="Where offloaded data go.")
    @click.option(
        "--checkpoint-path", required=False, help="Checkpoint destination (in params.extra)."
    )
    @click.option(
        "--prev-checkpoint", required=False, help="Previous checkpoint (in params.extra)."
    )
    @click.option("--test", is_flag=True, help="Load the task, do not run it.")
    @click.option(
        "--dynamic-addl-distro",
        required=False,
        help="Fast-registration archive: passed to the task in params.extra, not downloaded.",
    )
    @click.option(
        "--dynamic-dest-dir",
        required=False,
        help="Fast-registration folder: passed to the task in params.extra.",
    )
    @click.option("--resolver", required=False, help=f"Task resolver (default {DEFAULT_RESOLVER}).")
    @click.argument("resolver-args", type=click.UNPROCESSED, nargs=-1)
    def command(**kwargs: Any) -> Options:
        return Options(**kwargs)

    return command


def _parse_with_click(argv: Sequence[str]) -> Options | int:
    import click

    try:
        result = _click_command().main(args=list(argv), prog_name=PROG, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.Abort:
        return 1
    if isinstance(result, Options):
        return result
    return 0  # --help printed its text


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: parse the command line, run the task, return the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    opts: Options | int | None = parse_args(args)
    if opts is None:
        opts = _parse_with_click(args)
    if isinstance(opts, int):
        return opts
    return execute(opts)


# -- execution ------------------------------------------------------------------------------


def _normalize(value: str | None, *placeholders: str) -> str | None:
    # Propeller leaves a template string in place when it has nothing to fill in.
    if value is None or value in placeholders or value in ("", '""'):
        return None
    return value


def _env(*names: str) -> str:
    for name in names:
        if name in os.environ:
            return os.environ[name]
    return ""


def _fail_exit_status() -> int:
    """1, unless ``FLYTE_FAIL_ON_ERROR`` says false (then 0, flytekit's default behaviour)."""
    value = os.environ.get("FLYTE_FAIL_ON_ERROR", "").strip().lower()
    return 0 if value in _FALSE else 1


def _package_dir() -> str:
    """The ``taskplug`` package folder (this module lives in ``taskplug/execute/``)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _trimmed(exc: BaseException, *, keep_last: bool = True) -> BaseException:
    """``exc`` and the exceptions it chains to, without taskplug's and importlib's frames.

    With ``keep_last``, ``exc`` keeps at least the frame that raised it (so the message still
    has a traceback, as flytekit's); the exceptions it chains to may lose every frame. A cause
    left without frames whose text the next message repeats is dropped: the error is said once.
    """
    from taskplug.errors import trim_traceback

    importlib_dir = os.path.dirname(sys.modules["importlib"].__file__ or "") + os.sep
    prefixes = (_package_dir(), importlib_dir, "<frozen importlib")
    for item in _chain(exc):
        tb = item.__traceback__
        trimmed = trim_traceback(tb, *prefixes)
        if trimmed is None and tb is not None and keep_last and item is exc:
            while tb.tb_next is not None:
                tb = tb.tb_next
            trimmed = tb
        item.with_traceback(trimmed)
    for item in _chain(exc):
        linked = item.__cause__ or (None if item.__suppress_context__ else item.__context__)
        if linked is not None and linked.__traceback__ is None and str(linked) in str(item):
            item.__cause__ = None
            item.__suppress_context__ = True
    return exc


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it chains to (causes and contexts), each once."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        item = pending.pop()
        if any(item is f for f in found):
            continue
        found.append(item)
        pending.extend(e for e in (item.__cause__, item.__context__) if e is not None)
    return found


def _plugin_error(exc: BaseException) -> BaseException | None:
    """The ``PluginError`` that ``exc`` is or was raised from (a plugin failed), or ``None``.

    Only explicit causes count (``raise ... from``): an exception raised while handling a
    plugin's error is whoever raised it.
    """
    from taskplug.errors import PluginError

    seen: set[int] = set()
    item: BaseException | None = exc
    while item is not None and id(item) not in seen:
        if isinstance(item, PluginError):
            return item
        seen.add(id(item))
        item = item.__cause__
    return None


def _plugin_failure(err: BaseException) -> Failure:
    """A plugin failed: the platform's failure (SYSTEM), whenever it happened; names the plugin."""
    from taskplug.execute.errors import Failure

    return Failure.from_exception(_trimmed(err), origin="SYSTEM", recoverable=False)


def _user_code(exc: BaseException) -> str:
    """flytekit's error code for a user exception: its ``error_code`` or ``USER:RuntimeError``."""
    code = getattr(exc, "error_code", None)
    if isinstance(code, str) and code:
        return code
    if isinstance(code, int) and not isinstance(code, bool):
        return str(code)
    return "USER:RuntimeError"


def _user_recoverable(exc: BaseException) -> bool:
    """Recoverable when the exception says so (``recoverable = True``, or flytekit's class)."""
    if getattr(exc, "recoverable", False) is True:
        return True
    return any(cls.__name__ == "FlyteRecoverableException" for cls in type(exc).__mro__)


def _load(opts: Options) -> PythonTask[Any]:
    from taskplug.execute.errors import Failure

    location = opts.resolver or DEFAULT_RESOLVER
    try:
        from taskplug.resolver import load_resolver

        resolver: TaskResolver = load_resolver(location)
    except Exception as exc:
        raise Failure.from_exception(exc, origin="SYSTEM", recoverable=False) from exc
    if not opts.resolver_args:
        missing = ValueError(f"no resolver arguments after --resolver {location}")
        raise Failure.from_exception(missing, origin="SYSTEM", recoverable=False)
    try:
        return resolver.load_task(list(opts.resolver_args))
    except Exception as exc:
        # Plugins load while the task module is imported: their failures are the platform's.
        plugin_error = _plugin_error(exc)
        if plugin_error is not None:
            raise _plugin_failure(plugin_error) from exc
        # As flytekit: a task that cannot be loaded is the user's (module, dependency, name).
        # A module that failed to import: the trace is its own error's, said once (Message:
        # is the resolver's one-line explanation, which names the module).
        from taskplug.resolver import TaskResolutionError

        cause = exc.__cause__ if isinstance(exc, TaskResolutionError) else None
        shown = _trimmed(cause, keep_last=False) if cause is not None else _trimmed(exc)
        raise Failure.from_exception(
            shown, summary=exc, origin="USER", recoverable=False, code="USER:RuntimeError"
        ) from exc


def _read_inputs(uri: str) -> Any:
    from taskplug.execute.errors import Failure
    from taskplug.execute.storage import read_bytes

    try:
        data = read_bytes(uri)
    except FileNotFoundError as exc:
        err: Exception = FileNotFoundError(f"inputs file {uri!r} does not exist")
        raise Failure.from_exception(err, origin="SYSTEM", recoverable=True) from exc
    except Exception as exc:
        err = OSError(f"inputs file {uri!r} could not be read: {type(exc).__name__}: {exc}")
        raise Failure.from_exception(err, origin="SYSTEM", recoverable=True) from exc
    from flyteidl.core.literals_pb2 import LiteralMap

    lm = LiteralMap()
    try:
        lm.ParseFromString(data)
    except Exception as exc:
        err = ValueError(
            f"inputs file {uri!r} ({len(data)} bytes) is not a valid flyteidl LiteralMap: "
            f"{type(exc).__name__}: {exc}"
        )
        raise Failure.from_exception(err, origin="SYSTEM", recoverable=False) from exc
    return lm


def _run(task: PythonTask[Any], lm: Any, opts: Options) -> tuple[str, bytes]:
    from taskplug.context import ExecutionParameters

    params = ExecutionParameters(
        task_name=task.name,
        execution_id=_env("FLYTE_INTERNAL_EXECUTION_ID", "_F_NM") or None,
        raw_output_prefix=opts.raw_output_data_prefix or "",
        output_prefix=opts.output_prefix,
        local=False,
    )
    extra = params.extra
    extra["checkpoint_path"] = opts.checkpoint_path
    extra["prev_checkpoint"] = opts.prev_checkpoint
    extra["dynamic_addl_distro"] = opts.dynamic_addl_distro
    extra["dynamic_dest_dir"] = opts.dynamic_dest_dir
    result: tuple[str, bytes] | None = None
    try:
        result = _dispatch(task, lm, params)
        return result
    finally:
        # the working directory, if the task made one: removed unless the outputs refer to it
        # (they do only when files could not be uploaded, without --raw-output-data-prefix)
        params.close(outputs=result[1] if result is not None else None)


def _dispatch(task: PythonTask[Any], lm: Any, params: ExecutionParameters) -> tuple[str, bytes]:
    from taskplug.errors import PluginError, TypeTransformerFailedError
    from taskplug.execute.errors import Failure
    from taskplug.tasks.base import UserCodeError, user_exception

    try:
        out = task.dispatch_execute(lm, params=params, mode="container")
    except UserCodeError as exc:
        original = user_exception(exc)
        plugin_error = _plugin_error(original)
        if plugin_error is not None:  # the task's code reached a plugin, which failed
            raise _plugin_failure(plugin_error) from exc
        raise Failure.from_exception(
            original,
            origin="USER",
            recoverable=_user_recoverable(original),
            code=_user_code(original),
        ) from exc
    except PluginError as exc:
        raise _plugin_failure(exc) from exc
    except TypeTransformerFailedError as exc:
        # Inputs that do not fit the interface, or outputs the function got wrong: the user's.
        raise Failure.from_exception(
            _trimmed(exc), origin="USER", recoverable=False, code="USER:TypeError"
        ) from exc
    except Exception as exc:
        raise Failure.from_exception(exc, origin="SYSTEM", recoverable=True) from exc
    try:
        data: bytes = out.SerializeToString()
    except Exception as exc:
        raise Failure.from_exception(exc, origin="SYSTEM", recoverable=False) from exc
    if type(out).__name__ == "DynamicJobSpec":  # a dynamic task: the nodes it launches
        from taskplug.workflows.dynamic import FUTURES_FILE_NAME

        return FUTURES_FILE_NAME, data
    return OUTPUT_FILE_NAME, data


def _report(failure: Failure, opts: Options, task: str | None) -> None:
    from taskplug.execute.errors import error_document, error_file_name, worker_name
    from taskplug.execute.storage import write_atomic

    kind = "RECOVERABLE" if failure.recoverable else "NON_RECOVERABLE"
    what = f"task {task!r}" if task else "task"
    try:
        where = write_atomic(
            opts.output_prefix, error_file_name(), error_document(failure, worker_name())
        )
    except Exception as exc:
        sys.stderr.write(
            f"{PROG}: {what} failed ({failure.origin}, {kind}): {failure.summary}\n"
            f"{PROG}: and the error document could not be written to {opts.output_prefix!r}: "
            f"{type(exc).__name__}: {exc}\n{failure.message}\n"
        )
        return
    sys.stderr.write(
        f"{PROG}: {what} failed ({failure.origin}, {kind}, code {failure.code}); "
        f"error written to {where}\n{failure.message}\n"
    )


def execute(opts: Options) -> int:
    """Run the task the options name; return the exit status (see the module docstring)."""
    from taskplug.execute.errors import Failure

    opts.raw_output_data_prefix = _normalize(
        opts.raw_output_data_prefix, "{{.rawOutputDataPrefix}}"
    )
    opts.checkpoint_path = _normalize(opts.checkpoint_path, "{{.checkpointOutputPrefix}}")
    opts.prev_checkpoint = _normalize(opts.prev_checkpoint, "{{.prevCheckpointPrefix}}")
    try:
        import faulthandler
        import signal

        faulthandler.register(signal.SIGUSR1)  # as pyflyte-execute: dump stacks on SIGUSR1
    except (AttributeError, ValueError, RuntimeError):  # pragma: no cover - no SIGUSR1
        pass
    cwd = os.getcwd()
    if all(os.path.realpath(p or ".") != cwd for p in sys.path):
        sys.path.append(cwd)

    task: PythonTask[Any] | None = None
    try:
        task = _load(opts)
        if opts.test:
            sys.stderr.write(f"{PROG}: --test: loaded {task.name!r}, not running it\n")
            return 0
        lm = _read_inputs(opts.inputs)
        file_name, data = _run(task, lm, opts)
        from taskplug.execute.storage import write_atomic

        try:
            write_atomic(opts.output_prefix, file_name, data)
        except Exception as exc:
            err = OSError(
                f"outputs could not be written to {opts.output_prefix!r}: "
                f"{type(exc).__name__}: {exc}"
            )
            raise Failure.from_exception(err, origin="SYSTEM", recoverable=True) from exc
    except Failure as failure:
        _report(failure, opts, task.name if task is not None else None)
        return _fail_exit_status()
    except Exception as exc:  # a bug of the entrypoint itself: still leave an error.pb
        unexpected = Failure.from_exception(exc, origin="SYSTEM", recoverable=True)
        _report(unexpected, opts, task.name if task is not None else None)
        return _fail_exit_status()
    return 0
