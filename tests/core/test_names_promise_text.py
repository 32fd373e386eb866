"""Entity names as flytekit derives them (scripts in packages), workflow repr, str() of promises."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from taskplug import PromiseUsageError, task, workflow
from taskplug.tasks.interface import module_name_for_file

SCRIPT = """
from taskplug import task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def wf(x: int = 1) -> int:
    return inc(x=x)


if __name__ == "__main__":
    print(inc.name, wf.name, inc.instantiated_in)
    print(wf())
"""


def _package(tmp_path: Path) -> Path:
    pkg = tmp_path / "project" / "shop" / "orders"
    pkg.mkdir(parents=True)
    (tmp_path / "project" / "shop" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "script.py").write_text(textwrap.dedent(SCRIPT))
    return pkg / "script.py"


def test_a_script_in_a_package_is_named_from_the_package_root(tmp_path: Path) -> None:
    script = _package(tmp_path)
    assert module_name_for_file(str(script)) == "shop.orders.script"
    proc = subprocess.run(
        [sys.executable, script.name],
        cwd=script.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "shop.orders.script.inc shop.orders.script.wf shop.orders.script",
        "2",
    ]


def test_a_module_imported_from_inside_its_package_gets_the_full_name(tmp_path: Path) -> None:
    script = _package(tmp_path)
    code = "import script; print(script.inc.name, script.wf.name)"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=script.parent, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["shop.orders.script.inc", "shop.orders.script.wf"]


def test_a_script_outside_packages_keeps_its_file_name(tmp_path: Path) -> None:
    (tmp_path / "loose.py").write_text(textwrap.dedent(SCRIPT))
    proc = subprocess.run(
        [sys.executable, "loose.py"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.stdout.splitlines()[0] == "loose.inc loose.wf loose", proc.stderr


@task
def double(x: int) -> int:
    return x * 2


def test_str_and_format_of_a_promise_describe_it_as_flytekit_does() -> None:
    seen: list[str] = []

    @workflow
    def talks(a: int) -> int:
        d = double(x=a)
        seen.extend([str(d), f"{d}", f"[{a:>20}]", repr(str(a))])
        return d

    assert seen == [
        "Promise(node:n0.o0.[])",
        "Promise(node:n0.o0.[])",
        "[ Promise(node:.a.[])]",
        "'Promise(node:.a.[])'",
    ]
    assert talks(a=2) == 4 and len(seen) == 4  # the body ran once, when defined
    with pytest.raises(PromiseUsageError, match="truth value"):

        @workflow
        def still_no_bool(a: int) -> int:
            d = double(x=a)
            if d:
                return d
            return a


def test_repr_of_a_workflow_is_flytekits_and_shows_bindings_once_used() -> None:
    @workflow
    def shown(x: int) -> int:
        return double(x=x)

    name = shown.name
    text = repr(shown)
    assert text == (
        f"WorkflowBase - {name} && Inputs (1): {{'x': <class 'int'>}} && "
        "Outputs (1): {'o0': <class 'int'>} && Output bindings: [] && "
    )
    assert shown(x=1) == 2
    assert 'Output bindings: [var: "o0"\nbinding {\n  promise {\n    node_id: "n0"' in repr(shown)
