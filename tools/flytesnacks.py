"""Try flytekit's published examples (flytesnacks) on taskplug, with only imports rewritten.

Usage::

    git clone https://github.com/flyteorg/flytesnacks /tmp/flytesnacks
    python3 -m tox run -e conformance --notest
    python tools/flytesnacks.py /tmp/flytesnacks \\
        --flytekit-python .tox/conformance/bin/python \\
        --taskplug-python .tox/conformance/bin/python

For each example script of the user guide's sections (see ``snacks.discover``), the tool runs
the script with flytekit (``python script.py`` from its folder, or ``python -m package.module``
from its project when it imports a sibling module relatively), in a temporary copy of its
project, without network access and with a timeout; a script that exits 0 *runs locally on
flytekit*. Those scripts then run once more, with every ``flytekit`` import rewritten to
``taskplug`` (the rule is in ``snacks.rewrite``), and the outcomes are compared: exit status,
and stdout where the script prints results. A rich table goes to the terminal and a JSON report
to ``--json``. Neither flytekit nor taskplug is imported by the tool itself; flytesnacks' code is
read from the checkout given and never copied anywhere but temporary directories.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from snacks import probe
from snacks.discover import (
    GUIDE_SECTIONS,
    CheckoutError,
    available_projects,
    checkout_commit,
    find_scripts,
)
from snacks.report import summary, table, write_json
from snacks.runner import network_namespace_works
from snacks.study import Options, ScriptReport, study

_VERSIONS_OF = [
    "flytekit",
    "taskplug",
    "pandas",
    "numpy",
    "pyarrow",
    "pydantic",
    "torch",
    "tensorflow",
    "tensorflow-cpu",
    "scikit-learn",
    "flytekitplugins-deck-standard",
]


def _sections(chosen: tuple[str, ...], checkout: Path) -> dict[str, str]:
    if not chosen:
        return dict(GUIDE_SECTIONS)
    by_folder = {folder: name for name, folder in GUIDE_SECTIONS.items()}
    projects = set(available_projects(checkout))
    sections: dict[str, str] = {}
    for item in chosen:
        if item in GUIDE_SECTIONS:
            sections[item] = GUIDE_SECTIONS[item]
        elif item in projects:
            sections[by_folder.get(item, item)] = item
        else:
            raise click.BadParameter(
                f"{item!r} is neither a guide section ({', '.join(GUIDE_SECTIONS)}) nor a "
                f"project folder of {checkout}/examples",
                param_hint="--section",
            )
    return sections


@click.command(help=__doc__.split("\n\n")[0] if __doc__ else None)
@click.argument(
    "checkout", type=click.Path(exists=True, file_okay=False, path_type=Path, resolve_path=True)
)
@click.option(
    "--flytekit-python",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Interpreter with flytekit installed (the reference runs).",
)
@click.option(
    "--taskplug-python",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Interpreter with taskplug installed (the rewritten runs).",
)
@click.option(
    "--section",
    "sections",
    multiple=True,
    help="A guide section ('basics', 'data types and IO', ...) or a project folder "
    "(e.g. customizing_dependencies); repeatable. Default: the seven sections of issue 15.",
)
@click.option("--only", multiple=True, help="Only scripts whose name contains this; repeatable.")
@click.option("--timeout", type=float, default=240.0, show_default=True, help="Seconds per run.")
@click.option(
    "--flytekit-runs",
    type=click.IntRange(1, 5),
    default=2,
    show_default=True,
    help="flytekit runs per script; stdout lines that vary between them are not compared.",
)
@click.option(
    "--network",
    type=click.Choice(["auto", "namespace", "env"]),
    default="auto",
    show_default=True,
    help="'namespace': run in a network namespace with only loopback (needs unshare); "
    "'env': only the environment blocks remote use (dead proxies, no cloud variables); "
    "'auto': namespace when available.",
)
@click.option(
    "--run-as",
    type=click.Choice(["auto", "script"]),
    default="auto",
    show_default=True,
    help="'auto': a script that imports a sibling module relatively runs as "
    "`python -m package.module` from its project folder; 'script': every script runs as "
    "`python script.py` from its own folder (relative imports then fail on both sides).",
)
@click.option("--jobs", type=click.IntRange(1, 16), default=1, show_default=True)
@click.option(
    "--all",
    "try_all",
    is_flag=True,
    help="Run on taskplug even the scripts that do not run on flytekit.",
)
@click.option("--keep", is_flag=True, help="Keep each run's temporary directory.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("flytesnacks-report.json"),
    show_default=True,
)
@click.option(
    "--expect-at-least",
    type=int,
    default=None,
    help="Exit 1 unless at least this many of the flytekit-local scripts run on taskplug.",
)
def main(
    *,
    checkout: Path,
    flytekit_python: Path,
    taskplug_python: Path,
    sections: tuple[str, ...],
    only: tuple[str, ...],
    timeout: float,
    flytekit_runs: int,
    network: str,
    run_as: str,
    jobs: int,
    try_all: bool,
    keep: bool,
    json_path: Path,
    expect_at_least: int | None,
) -> None:
    console = Console(stderr=True)
    try:
        scripts = find_scripts(checkout, sections=_sections(sections, checkout))
    except CheckoutError as exc:
        raise click.UsageError(str(exc)) from exc
    if only:
        scripts = [s for s in scripts if any(part in s.name for part in only)]
    if not scripts:
        raise click.UsageError("no example scripts selected")
    isolate = network == "namespace" or (network == "auto" and network_namespace_works())
    if network == "namespace" and not network_namespace_works():
        raise click.UsageError("--network namespace: `unshare --map-root-user --net` fails here")
    options = Options(
        flytekit_python=flytekit_python.absolute(),
        taskplug_python=taskplug_python.absolute(),
        timeout=timeout,
        flytekit_runs=flytekit_runs,
        isolate_network=isolate,
        modules_when_relative=run_as == "auto",
        try_all=try_all,
        keep=keep,
        jobs=jobs,
    )
    console.print(
        f"{len(scripts)} scripts; network: {'namespace' if isolate else 'environment only'}"
    )

    def done(report: ScriptReport) -> None:
        console.print(
            f"  {report.name}: flytekit {report.flytekit_status}, taskplug {report.verdict}"
        )

    reports = study(scripts, options, on_done=done)
    table(reports, console=Console())
    meta = {
        "checkout": {"path": str(checkout), "commit": checkout_commit(checkout)},
        "sections": _sections(sections, checkout),
        "options": {
            "timeout": timeout,
            "flytekit_runs": flytekit_runs,
            "network": "namespace" if isolate else "environment only",
            "run_as": run_as,
            "only": list(only),
            "try_all": try_all,
        },
        "environments": {
            "flytekit": {
                "python": str(flytekit_python),
                **probe.versions(options.flytekit_python, _VERSIONS_OF),
            },
            "taskplug": {
                "python": str(taskplug_python),
                **probe.versions(options.taskplug_python, _VERSIONS_OF),
            },
        },
    }
    write_json(json_path, reports=reports, meta=meta)
    console.print(f"JSON report: {json_path}")
    if expect_at_least is not None and summary(reports)["run_on_taskplug"] < expect_at_least:
        console.print(f"[red]fewer than {expect_at_least} scripts run on taskplug[/]")
        sys.exit(1)


if __name__ == "__main__":
    main()
