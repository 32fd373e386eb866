"""The import-rewriting rule of tools/flytesnacks.py (no flytesnacks checkout needed)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rule() -> Iterator[ModuleType]:
    # The tool is not a package of the project: load its rule module from its file.
    name = "snacks_rewrite_under_test"
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "snacks" / "rewrite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("from flytekit import task, workflow", "from taskplug import task, workflow"),
        ("from flytekit import task as t", "from taskplug import task as t"),
        (
            "from flytekit.types.file import FlyteFile",
            "from taskplug.types.file import FlyteFile",
        ),
        ("import flytekit", "import taskplug as flytekit"),
        ("import flytekit as fk", "import taskplug as fk"),
        ("import flytekit.types.file as tf", "import taskplug.types.file as tf"),
        ("import flytekit.types.file", "import taskplug.types.file, taskplug as flytekit"),
        ("import os, flytekit, sys", "import os, taskplug as flytekit, sys"),
        # Not flytekit: left alone.
        ("import flytekitplugins.deck", "import flytekitplugins.deck"),
        ("from flytekitplugins.deck.renderer import BoxRenderer", None),
        ("from .workflow import simple_wf", None),
        ("import os", None),
    ],
)
def test_each_import_form(rule: ModuleType, before: str, after: str | None) -> None:
    new, changes = rule.rewrite_source(before + "\n")
    assert new == (after if after is not None else before) + "\n"
    assert bool(changes) == (after is not None and after != before)


def test_only_import_statements_change_and_lines_stay_put(rule: ModuleType) -> None:
    source = textwrap.dedent(
        '''\
        """Uses flytekit: from flytekit import task."""
        from flytekit import (
            task,  # from flytekit
            workflow,
        )
        from \\
            flytekit.extend import TypeEngine

        def helper():
            s = "é"; import flytekit.core.context_manager as cm
            return flytekit.current_context(), "import flytekit"
        '''
    )
    new, changes = rule.rewrite_source(source)
    assert [c.line for c in changes] == [2, 7, 10]
    assert new.splitlines() == [
        '"""Uses flytekit: from flytekit import task."""',
        "from taskplug import (",
        "    task,  # from flytekit",
        "    workflow,",
        ")",
        "from \\",
        "    taskplug.extend import TypeEngine",
        "",
        "def helper():",
        '    s = "é"; import taskplug.core.context_manager as cm',
        '    return flytekit.current_context(), "import flytekit"',
    ]


def test_invalid_python_is_refused(rule: ModuleType) -> None:
    with pytest.raises(SyntaxError):
        rule.rewrite_source("from flytekit import (task\n")


def test_target_module_refuses_other_packages(rule: ModuleType) -> None:
    assert rule.target_module("flytekit.extras.tasks.shell") == "taskplug.extras.tasks.shell"
    with pytest.raises(ValueError, match="flytekitplugins"):
        rule.target_module("flytekitplugins.deck")


def test_a_rewritten_flytekit_script_runs_on_taskplug(rule: ModuleType, tmp_path: Path) -> None:
    # flytekit is not installed in this environment: the script runs only if every flytekit
    # import was rewritten.
    script = textwrap.dedent(
        """\
        import flytekit
        from flytekit import task

        @task
        def add(a: int, b: int) -> int:
            return a + b

        if __name__ == "__main__":
            print(add(a=1, b=2), flytekit.__name__)
        """
    )
    path = tmp_path / "script.py"
    path.write_text(rule.rewrite_source(script)[0], encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "3 taskplug\n"
