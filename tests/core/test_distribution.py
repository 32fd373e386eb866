"""Built wheels and real installs: extras, entry-point discovery, the third-party example.

These tests build the four packages' wheels and install them (and the example plugin from
examples/third-party-plugin) into a throwaway virtual environment with uv, then run checks
in that environment's interpreter, as a user's machine would.
"""

import json
import textwrap
from pathlib import Path

import pytest

from taskplug.testing.venv import make_venv, run_checked, uv_command

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["core", "plugin-k8s-pod", "plugin-sql", "plugin-eager"]


def _uv() -> list[str]:
    uv = uv_command()
    if uv is None:
        pytest.skip("uv is not installed (install the 'uv' package to build and install wheels)")
    return uv


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    for pkg in PACKAGES:
        run_checked(
            [*_uv(), "build", "--wheel", "--out-dir", str(out), str(ROOT / "packages" / pkg)]
        )
    return out


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheels: Path) -> Path:
    _uv()
    return make_venv(tmp_path_factory.mktemp("venv") / "env", "taskplug[sql]", find_links=wheels)


def test_all_four_packages_build_wheels(wheels: Path):
    names = sorted(p.name.split("-")[0] for p in wheels.glob("*.whl"))
    assert names == ["taskplug", "taskplug_eager", "taskplug_k8s_pod", "taskplug_sql"]


def test_extra_installs_the_plugin_distribution_from_wheels(venv: Path):
    out = run_checked(
        [
            str(venv),
            "-c",
            textwrap.dedent("""
        import importlib.metadata as md, json
        dists = {d.metadata["Name"] for d in md.distributions()}
        import taskplug, taskplug_sql
        print(json.dumps(sorted(d for d in dists if d.startswith("taskplug"))))
    """),
        ]
    ).stdout
    assert json.loads(out) == ["taskplug", "taskplug-sql"]


def test_third_party_plugin_installs_and_is_discovered(venv: Path, tmp_path: Path):
    run_checked(
        [
            *_uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv),
            str(ROOT / "examples" / "third-party-plugin"),
        ]
    )
    module = tmp_path / "shouty.py"
    module.write_text(
        textwrap.dedent("""
        from taskplug import task
        from taskplug_shout import Shout

        @task(task_config=Shout(times=2))
        def hello(name: str) -> str:
            return f"hello {name}"
    """)
    )
    script = textwrap.dedent("""
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import taskplug
        from taskplug.serialization import serialize
        from taskplug.settings import SerializationSettings
        from taskplug.testing import check_import_budget, check_task_type
        from google.protobuf.json_format import MessageToDict
        import shouty
        pm = taskplug.get_plugin_manager()
        info = pm.infos["shout"]
        template = check_task_type(shouty.hello, inputs={"name": "ann"},
                                   plugin=sys.modules["taskplug_shout"])
        cost = check_import_budget("taskplug_shout")  # no heavy library, few modules
        print(json.dumps({
            "new_modules": len(cost.new_modules),
            "dist": info.dist, "version": info.version, "hooks": info.hooks,
            "result": shouty.hello(name="ann"), "type": template.type,
            "custom": MessageToDict(template.custom),
        }))
    """)
    out = json.loads(run_checked([str(venv), "-c", script, str(tmp_path)]).stdout)
    assert out["dist"] == "taskplug-shout" and out["version"] == "1.0.0"
    assert out["new_modules"] <= 80
    assert out["hooks"] == ["taskplug_get_custom", "taskplug_register_task_types"]
    assert out["result"] == "HELLO ANN! HELLO ANN!"
    assert out["type"] == "shout"
    assert out["custom"] == {"times": 2.0, "punctuation": "!"}
    lines = (ROOT / "examples/third-party-plugin/src/taskplug_shout/__init__.py").read_text()
    assert len(lines.splitlines()) < 40
    listing = run_checked([str(venv.parent / "taskplug"), "plugins", "--json"]).stdout
    rows = {row["name"]: row for row in json.loads(listing)["plugins"]}
    assert set(rows) >= {"container", "shout"}
    assert rows["shout"]["task_types"] == ["shout (ShoutTask <- Shout)"]
