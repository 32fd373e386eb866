"""``taskplug package`` against ``pyflyte package`` for the launch plan catalogue.

``lp_catalogue.py`` (named launch plans with schedules and notifications, launch-plan nodes,
reference entities, gates, Echo tasks, a failure handler taking ``FlyteError``) is packaged by
``pyflyte --pkgs lppkg package`` and, rewritten with taskplug imports in the same folder, by
``taskplug package lppkg.py``. Both archives hold the same numbered files (named launch plans
after the workflow they launch; nothing for reference entities and gates), and each file
loaded with flytekit's models is equal up to docs/conformance.md's allow-list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from lp_catalogue import CATALOGUE, HEADERS  # noqa: E402
from package_archives import mismatched_files, package_both  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.slow]


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    folder: Path = tmp_path_factory.mktemp("lppkg")
    return package_both(folder, "lppkg", CATALOGUE, HEADERS)


def test_same_files_in_the_same_order(
    archives: tuple[dict[str, bytes], dict[str, bytes]],
) -> None:
    fk, tp = archives
    assert sorted(tp) == sorted(fk)  # the numbers give the order
    assert any(n.endswith("_notify_lp_3.pb") for n in tp)
    assert not any("ref." in n or "shared." in n for n in tp)  # references: nothing


def test_every_file_matches(archives: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    mismatched = mismatched_files(*archives)
    assert not mismatched, f"files that differ beyond the allow-list: {mismatched}"
