"""Shell tasks (flytekit's ``flytekit.extras.tasks.shell``): a script run by a shell as a task.

::

    from taskplug import kwtypes
    from taskplug.extras.tasks.shell import OutputLocation, ShellTask
    from taskplug.types import File

    count = ShellTask(
        name="count",
        script="wc -l < {inputs.src} > {outputs.n}",
        inputs=kwtypes(src=File),
        output_locs=[OutputLocation(var="n", var_type=File, location="{inputs.src}.count")],
    )

The script is a Python format string: ``{inputs.x}`` is input ``x`` (a file or directory input
is its local path, fetched first when remote; a datetime its ISO form), ``{outputs.y}`` the
location of output ``y`` (itself a format string of the inputs), ``{ctx.working_directory}``
the run's working directory. Literal braces are doubled (``${{HOME}}``), as in flytekit. The
script runs with ``/bin/sh`` (``shell=`` picks another) in the current directory; its standard
output is printed line by line, and ``debug=True`` prints the script first, between rulers, as
flytekit does. Outputs are files or directories (``File``/``Directory`` and their subclasses).

A ``ShellTask`` serializes exactly as flytekit's: a ``python-task`` whose container runs the
task through the entrypoint. The task type is registered by the built-in ``shell`` plugin
(:mod:`taskplug.builtin.shell`), on the public plugin contract.
"""

from __future__ import annotations

import datetime
import os
import string
import subprocess
import typing
from dataclasses import dataclass
from typing import Any, TypeVar

from taskplug.errors import TaskplugError
from taskplug.tasks.function import PythonInstanceTask
from taskplug.tasks.interface import Interface
from taskplug.types.files import Directory, File

__all__ = [
    "AttrDict",
    "OutputLocation",
    "ProcessResult",
    "RawShellTask",
    "ShellScriptError",
    "ShellTask",
    "get_raw_shell_task",
    "subproc_execute",
]

T = TypeVar("T")
_RULER = "\n==============================================\n"


@dataclass
class ProcessResult:
    """The return code, standard output and standard error of a finished process."""

    returncode: int
    output: str
    error: str


@dataclass
class OutputLocation:
    """Where the script leaves output ``var`` (of type ``var_type``, a file or directory type).

    ``location`` is a format string of the inputs: ``"{inputs.src}.count"``, ``"out.txt"``.
    """

    var: str
    var_type: type
    location: os.PathLike[str] | str


class ShellScriptError(TaskplugError, RuntimeError):
    """The script exited with a non-zero status (retried in a cluster, as flytekit's
    recoverable error)."""

    recoverable = True

    def __init__(self, message: str, *, task: str, result: ProcessResult) -> None:
        super().__init__(message)
        self.task = task
        self.result = result


class AttrDict(dict[str, Any]):
    """A dict whose keys are attributes too (``inputs.x`` in a script)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.__dict__ = self


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, (File, Directory)):
            return str(value.download())
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        return str(super().format_field(value, format_spec))


def _context() -> Any:
    """What ``{ctx.…}`` refers to: the running task's ``current_context()``."""
    from taskplug.context import current_context

    return current_context()


def interpolate(
    task: str,
    template: str,
    *,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, str] | None = None,
    what: str = "script",
) -> str:
    """``template`` with ``{inputs.x}``, ``{outputs.y}`` and ``{ctx.attr}`` filled in.

    A name that is neither an input nor an output raises ``ValueError`` naming the task, the
    name and what there is.
    """
    ins, outs = AttrDict(inputs or {}), AttrDict(outputs or {})
    try:
        return _Formatter().format(template, inputs=ins, outputs=outs, ctx=_context())
    except (KeyError, AttributeError, IndexError) as exc:
        if isinstance(exc, AttributeError) and exc.name:
            ref = repr(exc.name)
        elif isinstance(exc, KeyError) and exc.args:
            ref = repr(exc.args[0])
        else:
            ref = str(exc)
        raise ValueError(
            f"task {task!r}: the {what} refers to {ref}, which it cannot fill in; it may use "
            f"{{inputs.NAME}} (inputs: {', '.join(ins) or 'none'}), {{outputs.NAME}} (outputs: "
            f"{', '.join(outs) or 'none'}) and {{ctx.ATTRIBUTE}}; write other braces doubled "
            "({{ and }})"
        ) from None


def subproc_execute(command: list[str] | str, **kwargs: Any) -> ProcessResult:
    """Run ``command``, capturing its output (flytekit's helper for Python tasks).

    Raises ``RuntimeError`` with the status and standard error when it fails, or when its
    executable cannot be found.
    """
    options: dict[str, Any] = {
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "text": True,
        "check": True,
        **kwargs,
    }
    try:
        done = subprocess.run(command, **options)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(
            f"Command: {exc.cmd}\nFailed with return code {exc.returncode}:\n{exc.stderr}"
        ) from exc
    except FileNotFoundError as exc:
        raise RuntimeError(
            "Process failed because the executable could not be found. Did you specify a "
            f"container image in the task definition if using custom dependencies?\n{exc}"
        ) from exc
    return ProcessResult(done.returncode, done.stdout, done.stderr)


def _run_script(script: str, shell: str) -> ProcessResult:
    """Run ``script`` with ``shell``; its standard output is printed line by line (and kept
    without line ends, as flytekit keeps it)."""
    done = subprocess.run(
        script, shell=True, executable=shell, capture_output=True, text=True, check=False
    )
    lines = done.stdout.splitlines()
    for line in lines:
        print(line)
    return ProcessResult(done.returncode, "".join(lines), done.stderr)


def _directory_listing() -> str:
    return "\n-".join(os.listdir("."))


class ShellTask(PythonInstanceTask[T]):
    """A task that runs a shell script (flytekit's ``ShellTask``); see the module docstring.

    ``ShellTask(name=, script= | script_file=, inputs=kwtypes(...), output_locs=[...],
    debug=False, shell="/bin/sh", **task_options)``.
    """

    task_type = "python-task"

    def __init__(
        self,
        name: str,
        debug: bool = False,
        script: str | None = None,
        script_file: str | None = None,
        task_config: T | None = None,
        shell: str = "/bin/sh",
        inputs: dict[str, type] | None = None,
        output_locs: list[OutputLocation] | None = None,
        **kwargs: Any,
    ) -> None:
        if script and script_file:
            raise ValueError(f"task {name!r}: give script or script_file, not both")
        if not script and not script_file:
            raise ValueError(f"task {name!r}: a script or a script_file is needed")
        if script_file:
            if not os.path.exists(script_file):
                raise ValueError(f"task {name!r}: the script file {script_file!r} does not exist")
            script_file = os.path.abspath(script_file)
        if task_config is not None:
            raise ValueError(
                f"task {name!r}: a shell task takes no task_config here (got "
                f"{type(task_config).__name__}); to run it in a pod, pass "
                "pod_template=PodTemplate(...)"
            )
        self._script = script
        self._script_file = script_file
        self._debug = debug
        self._shell = shell
        self._output_locs = list(output_locs or [])
        outputs = self._output_types(name)
        self._process_result: ProcessResult | None = None
        super().__init__(
            name,
            task_config,
            interface=Interface(inputs=dict(inputs or {}), outputs=outputs),
            **kwargs,
        )

    def _output_types(self, name: str) -> dict[str, type]:
        outputs: dict[str, type] = {}
        for loc in self._output_locs:
            if not isinstance(loc, OutputLocation):
                raise ValueError(
                    f"task {name!r}: output_locs takes OutputLocation objects, got {loc!r}"
                )
            if loc.location is None:
                raise ValueError(f"task {name!r}: output {loc.var!r} has no location")
            if not (isinstance(loc.var_type, type) and issubclass(loc.var_type, (File, Directory))):
                raise ValueError(
                    f"task {name!r}: output {loc.var!r} is of type {loc.var_type!r}; a shell "
                    "task's outputs are files or directories (File, Directory, FlyteFile, "
                    "FlyteDirectory and their subclasses)"
                )
            outputs[loc.var] = loc.var_type
        return outputs

    @property
    def result(self) -> ProcessResult | None:
        """The last run's return code, standard output and standard error."""
        return self._process_result

    @property
    def script(self) -> str | None:
        """The script (read from :attr:`script_file` by the last run, if given one)."""
        return self._script

    @property
    def script_file(self) -> str | None:
        """The absolute path of the script file, if the task was given one."""
        return self._script_file

    @property
    def shell(self) -> str:
        """The shell that runs the script."""
        return self._shell

    @property
    def output_locs(self) -> list[OutputLocation]:
        """Where the script leaves each output."""
        return list(self._output_locs)

    def _prepare(self, kwargs: dict[str, Any]) -> tuple[str, dict[str, str]]:
        if self._script_file:
            with open(self._script_file, encoding="utf-8") as fh:
                self._script = fh.read()
        outputs = {
            loc.var: interpolate(
                self.name, os.fspath(loc.location), inputs=kwargs, what=f"location of {loc.var!r}"
            )
            for loc in self._output_locs
        }
        script = self._script or ""
        if os.name == "nt":
            script = script.strip().replace("\n", "&&")
        text = interpolate(self.name, script, inputs=kwargs, outputs=outputs)
        if self._debug:
            print(_RULER)
            print(text)
            print(_RULER)
        return text, outputs

    def _results(self, outputs: dict[str, str]) -> Any:
        values = [
            loc.var_type(outputs[loc.var])
            for loc in self._output_locs
            if issubclass(loc.var_type, (File, Directory))
        ]
        if len(values) == 1:
            return values[0]
        return tuple(values) if values else None

    def execute(self, **kwargs: Any) -> Any:
        """Fill in the script, run it, and return the outputs it left at their locations."""
        text, outputs = self._prepare(kwargs)
        result = self._process_result = _run_script(text, self._shell)
        if result.returncode != 0:
            raise ShellScriptError(
                f"task {self.name!r}: Failed to Execute Script, return-code {result.returncode} "
                f"\nCurrent directory contents: .\n-{_directory_listing()}\n"
                f"StdOut: {result.output}\nStdErr: {result.error}\n",
                task=self.name,
                result=result,
            )
        return self._results(outputs)


class RawShellTask(ShellTask[T]):
    """A shell task whose script exports an ``env`` input and runs with its output not
    captured (flytekit's ``RawShellTask``; made by :func:`get_raw_shell_task`)."""

    def make_export_string_from_env_dict(self, d: dict[str, str]) -> str:
        """``export K=V`` lines for a dict of environment variables."""
        return "\n".join(f"export {k}={v}" for k, v in d.items())

    def execute(self, **kwargs: Any) -> Any:
        """Fill in the script (``{inputs.export_env}``: the ``env`` input as exports), run it
        with its output going straight to this process's, and return the outputs."""
        if isinstance(kwargs.get("env"), dict):
            kwargs["export_env"] = self.make_export_string_from_env_dict(kwargs["env"])
        text, outputs = self._prepare(kwargs)
        try:
            subprocess.check_call(text, shell=True)
        except subprocess.CalledProcessError as exc:
            result = ProcessResult(exc.returncode, "", "")
            raise ShellScriptError(
                f"task {self.name!r}: Failed to Execute Script, return-code {exc.returncode} "
                f"\nCurrent directory contents: .\n-{_directory_listing()}\n",
                task=self.name,
                result=result,
            ) from exc
        return self._results(outputs)


def get_raw_shell_task(name: str) -> RawShellTask[Any]:
    """A :class:`RawShellTask` that runs the script file it is given, with arguments and
    environment variables given at run time; its output is its working directory."""
    return RawShellTask(
        name=name,
        debug=True,
        inputs={"env": typing.Dict[str, str], "script_args": str, "script_file": str},  # noqa: UP006
        output_locs=[
            OutputLocation(var="out", var_type=Directory, location="{ctx.working_directory}")
        ],
        script="""
#!/bin/bash

set -uex

cd {ctx.working_directory}

{inputs.export_env}

bash {inputs.script_file} {inputs.script_args}
""",
    )
