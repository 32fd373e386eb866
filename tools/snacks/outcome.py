"""What a run did, and how the taskplug run compares with flytekit's.

A run *works* when it exits 0 before the timeout. Its *first error* is read from stderr: the
exception of the last Python traceback (the one that ended the process; with chained
exceptions, the cause comes first in stderr and is kept as ``cause``), where it was raised and
the deepest line of the example's own code on the way there.

Outputs are compared on stdout after normalisation (see ``normalise``: temporary paths,
default object reprs and memory addresses are made uniform). An example's stdout can vary
from run to run (random numbers, timings): flytekit runs the script more than once, lines
that differ between its runs become wildcards, and when even the number of lines differs
only exit statuses count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from snacks.runner import RunResult

_TRACEBACK = "Traceback (most recent call last):"
_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')
_HEX = re.compile(r"0x[0-9a-fA-F]{6,}")
_TMP_PATH = re.compile(r"<run>/tmp/[^\s'\"]*")
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_CHAIN_MARKERS = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_NETWORK_HINTS = (
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Connection refused",
    "ProxyError",
    "Max retries exceeded",
    "ClientConnectorError",
    "URLError",
    "NoCredentialsError",
)
WILDCARD = "<varies between flytekit runs>"


@dataclass(frozen=True, kw_only=True)
class Frame:
    file: str
    line: int
    function: str
    code: str


@dataclass(frozen=True, kw_only=True)
class ErrorInfo:
    """The exception that ended a run."""

    exception: str
    message: str
    raised_at: Frame | None
    in_example: Frame | None
    cause: str | None


class FlytekitStatus(StrEnum):
    RUNS = "runs"
    MISSING_MODULE = "missing module"
    NETWORK = "needs network or credentials"
    TIMEOUT = "timeout"
    FAILS = "fails"


class Verdict(StrEnum):
    SAME = "same"
    SAME_EXIT = "same exit, stdout varies"
    STDOUT_DIFFERS = "stdout differs"
    FAILS = "fails"
    TIMEOUT = "timeout"
    NOT_TRIED = "not tried"


def _blocks(lines: list[str]) -> list[list[str]]:
    """Split stderr into traceback blocks (each from its header to the next one or a chain)."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if line.startswith(_TRACEBACK):
            current = [line]
            blocks.append(current)
        elif line.strip() in _CHAIN_MARKERS:
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _parse_block(block: list[str], *, run_root: str) -> tuple[str, str, list[Frame]]:
    frames: list[Frame] = []
    exception_lines: list[str] = []
    index = 1
    while index < len(block):
        line = block[index]
        match = _FRAME.match(line)
        if match:
            after = block[index + 1] if index + 1 < len(block) else ""
            code = "" if _FRAME.match(after) else after.strip()
            frames.append(
                Frame(
                    file=match["file"].replace(run_root, "<run>"),
                    line=int(match["line"]),
                    function=match["func"],
                    code=code,
                )
            )
        elif line and not line[0].isspace():
            exception_lines = block[index:]
            break
        index += 1
    head = exception_lines[0] if exception_lines else "(no exception line)"
    name, _, message = head.partition(": ")
    rest = [line for line in exception_lines[1:] if line.strip()]
    full = "\n".join([message, *rest]).strip()
    return name.strip(), full, frames


def first_error(result: RunResult) -> ErrorInfo | None:
    """The exception that ended a failed run (None for a clean exit or a bare exit status)."""
    blocks = _blocks(result.stderr.splitlines())
    if not blocks:
        return None
    name, message, frames = _parse_block(blocks[-1], run_root=result.run_root)
    cause = None
    if len(blocks) > 1:
        cause_name, cause_message, _ = _parse_block(blocks[0], run_root=result.run_root)
        cause = f"{cause_name}: {cause_message.splitlines()[0] if cause_message else ''}"
    own = [f for f in frames if f.file.startswith("<run>/") or not f.file.startswith("/")]
    return ErrorInfo(
        exception=name,
        message=message[:2000],
        raised_at=frames[-1] if frames else None,
        in_example=own[-1] if own else None,
        cause=cause,
    )


def short_error(error: ErrorInfo | None, result: RunResult) -> str:
    """One line for a table: ``Exception: first line of message``."""
    if result.timed_out:
        return "timeout"
    if error is None:
        tail = [line for line in result.stderr.splitlines() if line.strip()]
        return tail[-1][:200] if tail else f"exit status {result.exit_code}"
    first = error.message.splitlines()[0] if error.message else ""
    return f"{error.exception}: {first}"[:300]


def flytekit_status(result: RunResult, error: ErrorInfo | None) -> FlytekitStatus:
    if result.timed_out:
        return FlytekitStatus.TIMEOUT
    if result.exit_code == 0:
        return FlytekitStatus.RUNS
    if error is not None and error.exception.endswith("ModuleNotFoundError"):
        return FlytekitStatus.MISSING_MODULE
    text = result.stderr
    if any(hint in text for hint in _NETWORK_HINTS):
        return FlytekitStatus.NETWORK
    return FlytekitStatus.FAILS


def normalise(stdout: str, *, run_root: str) -> list[str]:
    """stdout lines with what is not a result made uniform.

    The run's temporary directory becomes ``<run>``, any path under its ``TMPDIR`` (where
    both libraries put their scratch files under random names) ``<tmp>``, default object
    reprs (``<pkg.mod.Class object at 0x…>``, which name the library's internals) ``<object>``,
    other memory addresses ``0x…``.
    """
    text = stdout.replace(run_root, "<run>")
    text = _TMP_PATH.sub("<tmp>", text)
    text = _OBJECT_REPR.sub("<object>", text)
    text = _HEX.sub("0x…", text)
    return [line.rstrip() for line in text.splitlines()]


def expected_stdout(runs: list[list[str]]) -> list[str] | None:
    """flytekit's stdout with lines that vary between its runs as wildcards (None: unstable)."""
    first = runs[0]
    if any(len(other) != len(first) for other in runs[1:]):
        return None
    return [
        line if all(other[i] == line for other in runs[1:]) else WILDCARD
        for i, line in enumerate(first)
    ]


def stdout_matches(expected: list[str], actual: list[str]) -> bool:
    return len(expected) == len(actual) and all(
        want in (WILDCARD, got) for want, got in zip(expected, actual)
    )


def first_difference(expected: list[str], actual: list[str]) -> str | None:
    """A short description of the first differing stdout line (for the report)."""
    for number, (want, got) in enumerate(zip(expected, actual), start=1):
        if want != WILDCARD and want != got:
            return f"line {number}: flytekit {want[:150]!r} / taskplug {got[:150]!r}"
    if len(expected) != len(actual):
        return f"flytekit printed {len(expected)} lines, taskplug {len(actual)}"
    return None


def verdict(*, result: RunResult, expected: list[str] | None, actual: list[str]) -> Verdict:
    if result.timed_out:
        return Verdict.TIMEOUT
    if result.exit_code != 0:
        return Verdict.FAILS
    if expected is None:
        return Verdict.SAME_EXIT
    return Verdict.SAME if stdout_matches(expected, actual) else Verdict.STDOUT_DIFFERS
