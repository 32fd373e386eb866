"""``taskplug package`` against ``pyflyte package`` for the same module, read back by flytekit.

The workflow catalogue is written as ``wfpkg.py`` with flytekit imports and packaged by
``pyflyte --pkgs wfpkg package`` (a real process), then rewritten with taskplug imports in the
same folder and packaged by ``taskplug package wfpkg.py``. Both archives must hold the same file
names, and every file, parsed and loaded through flytekit's own models (``TaskSpec``,
``WorkflowSpec``, ``LaunchPlan`` ``from_flyte_idl``), must be equal up to the allow-list of
docs/conformance.md (entrypoint, resolver, SDK version in task templates; the order of
``upstream_node_ids``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from flyteidl.admin import task_pb2  # noqa: E402
from package_archives import mismatched_files, package_both  # noqa: E402
from wf_catalogue import CATALOGUE, HEADERS  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.slow]


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    folder: Path = tmp_path_factory.mktemp("pkg")
    return package_both(folder, "wfpkg", CATALOGUE, HEADERS)


def test_same_files_in_the_same_order(archives: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    fk, tp = archives
    assert sorted(fk) == sorted(tp)
    suffixes = {name.rpartition("_")[2] for name in tp}
    assert suffixes == {"1.pb", "2.pb", "3.pb"}
    assert len(tp) > 30


def test_every_file_matches(archives: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    mismatched = mismatched_files(*archives)
    assert not mismatched, f"files that differ beyond the allow-list: {mismatched}"


def test_dynamic_task_carries_the_same_settings(
    archives: tuple[dict[str, bytes], dict[str, bytes]],
) -> None:
    fk, tp = archives
    (name,) = [n for n in tp if n.endswith("wfpkg.fan_out_1.pb")]
    envs = []
    for archive in (fk, tp):
        spec = task_pb2.TaskSpec.FromString(archive[name])
        envs.append({e.key: e.value for e in spec.template.container.env})
    assert envs[0]["_F_SS_C"] == envs[1]["_F_SS_C"]  # byte for byte, gzip and all
