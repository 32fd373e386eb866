"""The study itself: for each script, its API, its flytekit runs, its taskplug run, a verdict."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from snacks import apiscan, outcome, probe
from snacks.discover import Script
from snacks.outcome import ErrorInfo, FlytekitStatus, Verdict
from snacks.runner import RunResult, run_script

_STDERR_TAIL = 40


@dataclass(frozen=True, kw_only=True)
class Options:
    flytekit_python: Path
    taskplug_python: Path
    timeout: float
    flytekit_runs: int
    isolate_network: bool
    modules_when_relative: bool
    try_all: bool
    keep: bool
    jobs: int


@dataclass(frozen=True, kw_only=True)
class RunSummary:
    command: list[str]
    exit_code: int | None
    timed_out: bool
    seconds: float
    rewritten_files: int
    error: ErrorInfo | None
    short_error: str | None
    stdout: list[str]
    stderr_tail: list[str]

    @classmethod
    def of(cls, result: RunResult) -> RunSummary:
        failed = result.timed_out or result.exit_code != 0
        error = outcome.first_error(result) if failed else None
        stderr = result.stderr.replace(result.run_root, "<run>").splitlines()
        return cls(
            command=[part.replace(result.run_root, "<run>") for part in result.command],
            exit_code=result.exit_code,
            timed_out=result.timed_out,
            seconds=result.seconds,
            rewritten_files=result.rewritten_files,
            error=error,
            short_error=outcome.short_error(error, result) if failed else None,
            stdout=outcome.normalise(result.stdout, run_root=result.run_root),
            stderr_tail=stderr[-_STDERR_TAIL:],
        )


@dataclass(kw_only=True)
class ScriptReport:
    name: str
    section: str
    mode: str
    api: apiscan.ApiUse
    flytekit_status: FlytekitStatus
    flytekit_runs: list[RunSummary]
    expected_stdout: list[str] | None
    taskplug: RunSummary | None = None
    verdict: Verdict = Verdict.NOT_TRIED
    stdout_difference: str | None = None
    missing_in_taskplug: dict[str, str] = field(default_factory=dict)

    @property
    def runs_on_flytekit(self) -> bool:
        return self.flytekit_status is FlytekitStatus.RUNS

    @property
    def runs_on_taskplug(self) -> bool:
        return self.verdict in (Verdict.SAME, Verdict.SAME_EXIT)


def study_script(script: Script, options: Options) -> ScriptReport:
    """Scan, run on flytekit (``flytekit_runs`` times while it works), then on taskplug."""
    api = apiscan.scan(script.path, siblings=script.relative_imports)
    as_module = options.modules_when_relative and bool(script.relative_imports)
    runs: list[RunSummary] = []
    results: list[RunResult] = []
    for _ in range(max(1, options.flytekit_runs)):
        result = run_script(
            script,
            python=options.flytekit_python,
            rewrite=False,
            timeout=options.timeout,
            isolate_network=options.isolate_network,
            as_module=as_module,
            keep=options.keep,
        )
        results.append(result)
        runs.append(RunSummary.of(result))
        if result.exit_code != 0:
            break
    last = results[-1]
    status = outcome.flytekit_status(last, runs[-1].error)
    expected = (
        outcome.expected_stdout([run.stdout for run in runs])
        if status is FlytekitStatus.RUNS
        else None
    )
    report = ScriptReport(
        name=script.name,
        section=script.section,
        mode="module" if as_module else "script",
        api=api,
        flytekit_status=status,
        flytekit_runs=runs,
        expected_stdout=expected,
    )
    if status is not FlytekitStatus.RUNS and not options.try_all:
        return report
    result = run_script(
        script,
        python=options.taskplug_python,
        rewrite=True,
        timeout=options.timeout,
        isolate_network=options.isolate_network,
        as_module=as_module,
        keep=options.keep,
    )
    report.taskplug = RunSummary.of(result)
    report.verdict = outcome.verdict(
        result=result, expected=expected, actual=report.taskplug.stdout
    )
    if report.verdict is Verdict.STDOUT_DIFFERS and expected is not None:
        report.stdout_difference = outcome.first_difference(expected, report.taskplug.stdout)
    return report


def wanted_names(api: apiscan.ApiUse) -> list[tuple[str, str | None]]:
    """The taskplug (module, name) pairs a script needs after rewriting."""
    wanted = [probe.as_taskplug(imp.module, imp.name) for imp in api.imports]
    wanted += [probe.as_taskplug(module, name) for module, name in api.module_attributes()]
    return wanted


def _missing_key(module: str, name: str | None) -> str:
    return module if name is None else f"{module}:{name}"


def study(
    scripts: list[Script],
    options: Options,
    *,
    on_done: Callable[[ScriptReport], None] | None = None,
) -> list[ScriptReport]:
    """Study every script (``options.jobs`` at a time), then probe taskplug for their names."""

    def one(script: Script) -> ScriptReport:
        report = study_script(script, options)
        if on_done is not None:
            on_done(report)
        return report

    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        reports = list(pool.map(one, scripts))
    wanted = [pair for report in reports for pair in wanted_names(report.api)]
    lacking = probe.missing(options.taskplug_python, wanted)
    for report in reports:
        for module, name in wanted_names(report.api):
            key = _missing_key(module, name)
            if key in lacking:
                report.missing_in_taskplug[key] = lacking[key]
    return reports
