"""The entry-point scanner gives importlib.metadata's answer, faster."""

import importlib.metadata as md
import subprocess
import sys

import pytest

from taskplug._discovery import entry_points
from taskplug.testing import make_distribution


def _importlib_view(group: str) -> set[tuple[str, str, str | None, str | None]]:
    return {
        (ep.name, ep.value, ep.dist.name if ep.dist else None, ep.dist.version if ep.dist else None)
        for ep in md.entry_points(group=group)
    }


@pytest.mark.parametrize("group", ["taskplug", "pytest11", "console_scripts"])
def test_same_entry_points_as_importlib_metadata(group):
    ours = {(ep.name, ep.value, ep.dist, ep.version) for ep in entry_points(group)}
    assert ours == _importlib_view(group)
    assert ours or group != "taskplug"  # the core's own plugins are always there


def test_first_distribution_on_sys_path_wins_and_new_dists_are_seen(tmp_path, monkeypatch):
    source = "from taskplug.plugin import hookimpl\nTASKPLUG_API_VERSION = '1.0'\n"
    for version, module in (("1.0", "twice_a"), ("2.0", "twice_b")):  # 2.0 ends up first
        root = make_distribution(
            tmp_path / version,
            "twice-plugin",
            version,
            {module: source},
            {"taskplug": {"twice": module}},
        )
        monkeypatch.syspath_prepend(str(root))
    ours = [ep for ep in entry_points("taskplug") if ep.name == "twice"]
    assert [(ep.dist, ep.version, ep.value) for ep in ours] == [("twice-plugin", "2.0", "twice_b")]
    assert {(ep.name, ep.value, ep.dist, ep.version) for ep in entry_points("taskplug")} == (
        _importlib_view("taskplug")
    )
    assert ours[0].load().TASKPLUG_API_VERSION == "1.0"


def test_plugin_discovery_does_not_import_importlib_metadata():
    code = (
        "import sys, taskplug; taskplug.get_plugin_manager(); "
        "print('importlib.metadata' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
