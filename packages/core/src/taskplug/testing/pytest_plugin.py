"""pytest plugin of taskplug (entry point ``pytest11: taskplug``): fixtures for plugin authors.

Kept cheap to load: taskplug itself is imported only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from taskplug._manager import TaskplugPluginManager


@pytest.fixture
def taskplug_pm() -> Iterator[TaskplugPluginManager]:
    """A fresh plugin manager (entry points loaded as configured), current for the test."""
    from taskplug.testing.manager import fresh_plugin_manager

    with fresh_plugin_manager() as pm:
        yield pm


@pytest.fixture
def make_plugin_dist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Path]]:
    """Write a real distribution into a temporary folder on ``sys.path``.

    ``make_plugin_dist("my-plugin", "1.0", {"my_plugin": SRC}, {"taskplug": {"my": "my_plugin"}})``
    """
    import importlib
    import sys

    from taskplug.testing.dist import make_distribution

    created: list[str] = []

    def make(
        name: str,
        version: str,
        modules: dict[str, str],
        entry_points: dict[str, dict[str, str]] | None = None,
    ) -> Path:
        root = make_distribution(tmp_path / f"dist-{name}", name, version, modules, entry_points)
        monkeypatch.syspath_prepend(str(root))
        created.extend(modules)
        importlib.invalidate_caches()
        return root

    yield make
    for module in created:
        for key in [k for k in sys.modules if k == module or k.startswith(module + ".")]:
            sys.modules.pop(key, None)


def pytest_report_header(config: Any) -> str:
    """Say which taskplug is under test."""
    try:
        from importlib.metadata import version

        return f"taskplug {version('taskplug')}"
    except Exception:
        return "taskplug (not installed)"
