"""The study's outputs: a rich table for people, a JSON report for tools and later comparison."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from snacks.outcome import FlytekitStatus, Verdict
from snacks.rewrite import __doc__ as RULE_DOC
from snacks.study import ScriptReport

_STYLE = {
    Verdict.SAME: "green",
    Verdict.SAME_EXIT: "green",
    Verdict.STDOUT_DIFFERS: "yellow",
    Verdict.FAILS: "red",
    Verdict.TIMEOUT: "red",
    Verdict.NOT_TRIED: "dim",
}


def summary(reports: list[ScriptReport]) -> dict[str, Any]:
    local = [r for r in reports if r.runs_on_flytekit]
    return {
        "scripts": len(reports),
        "flytekit": dict(Counter(str(r.flytekit_status) for r in reports)),
        "run_on_flytekit": len(local),
        "run_on_taskplug": sum(r.runs_on_taskplug for r in local),
        "same_stdout": sum(r.verdict is Verdict.SAME for r in local),
        "verdicts": dict(Counter(str(r.verdict) for r in local)),
    }


def lacking_by_scripts(reports: list[ScriptReport]) -> list[tuple[str, list[str]]]:
    """Each taskplug name missing for scripts that run on flytekit, most-needed first."""
    needed: dict[str, list[str]] = {}
    for report in reports:
        if report.runs_on_flytekit:
            for key in report.missing_in_taskplug:
                needed.setdefault(key, []).append(report.name)
    return sorted(needed.items(), key=lambda item: (-len(item[1]), item[0]))


def _taskplug_cell(report: ScriptReport) -> str:
    if report.taskplug is None:
        return ""
    if report.verdict is Verdict.STDOUT_DIFFERS:
        return report.stdout_difference or ""
    return report.taskplug.short_error or ""


def table(reports: list[ScriptReport], *, console: Console) -> None:
    scripts = Table(title="flytesnacks examples: flytekit vs taskplug (imports rewritten)")
    scripts.add_column("script", overflow="fold")
    scripts.add_column("flytekit", overflow="fold")
    scripts.add_column("taskplug")
    scripts.add_column("first taskplug error / difference", overflow="fold")
    scripts.add_column("names taskplug lacks", overflow="fold")
    for report in reports:
        flytekit = str(report.flytekit_status)
        if not report.runs_on_flytekit and report.flytekit_runs:
            flytekit += f": {report.flytekit_runs[-1].short_error or ''}"
        scripts.add_row(
            report.name,
            flytekit,
            f"[{_STYLE[report.verdict]}]{report.verdict}[/]",
            _taskplug_cell(report),
            ", ".join(key.split(":")[-1] for key in report.missing_in_taskplug),
        )
    console.print(scripts)
    lacking = Table(title="names taskplug lacks, by scripts (of those that run on flytekit)")
    lacking.add_column("taskplug name")
    lacking.add_column("scripts", justify="right")
    lacking.add_column("which", overflow="fold")
    for key, names in lacking_by_scripts(reports):
        lacking.add_row(key, str(len(names)), ", ".join(n.rsplit("/", 1)[-1] for n in names))
    console.print(lacking)
    numbers = summary(reports)
    console.print(
        f"{numbers['scripts']} scripts; {numbers['run_on_flytekit']} run locally on flytekit "
        f"({', '.join(f'{k}: {v}' for k, v in numbers['flytekit'].items())}); of those, "
        f"{numbers['run_on_taskplug']} run on taskplug ({numbers['same_stdout']} with the "
        f"same stdout)."
    )


def _jsonable(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, FlytekitStatus | Verdict):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_json(path: Path, *, reports: list[ScriptReport], meta: dict[str, Any]) -> None:
    """Write the report atomically (temporary name in the same folder, then rename)."""
    document = {
        **meta,
        "rule": RULE_DOC,
        "summary": summary(reports),
        "lacking_in_taskplug": [
            {"name": key, "scripts": names} for key, names in lacking_by_scripts(reports)
        ],
        "scripts": [
            {
                **asdict(report),
                "runs_on_flytekit": report.runs_on_flytekit,
                "runs_on_taskplug": report.runs_on_taskplug,
            }
            for report in reports
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, default=_jsonable, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
