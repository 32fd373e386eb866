"""Built wheels and real installs: extras, entry-point discovery, the third-party example.

These tests build the four packages' wheels and install them (and the example plugin from
examples/third-party-plugin) into a throwaway virtual environment with uv, then run checks
in that environment's interpreter, as a user's machine would.
"""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["core", "plugin-k8s-pod", "plugin-sql", "plugin-eager"]


def _uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    try:
        import uv  # type: ignore[import-not-found]

        return [uv.find_uv_bin()]
    except ImportError:
        pytest.skip("uv is not installed (install the 'uv' package to build and install wheels)")


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    proc = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    for pkg in PACKAGES:
        _run([*_uv(), "build", "--wheel", "--out-dir", str(out), str(ROOT / "packages" / pkg)])
    return out


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheels: Path) -> Path:
    env = tmp_path_factory.mktemp("venv") / "env"
    _run([*_uv(), "venv", "--quiet", "--python", sys.executable, str(env)])
    python = env / "bin" / "python"
    _run(
        [
            *_uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "--find-links",
            str(wheels),
            "taskplug[sql]",
        ]
    )
    return python


def test_all_four_packages_build_wheels(wheels: Path):
    names = sorted(p.name.split("-")[0] for p in wheels.glob("*.whl"))
    assert names == ["taskplug", "taskplug_eager", "taskplug_k8s_pod", "taskplug_sql"]


def test_extra_installs_the_plugin_distribution_from_wheels(venv: Path):
    out = _run(
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
    _run(
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
        from taskplug.testing import check_task_type
        from google.protobuf.json_format import MessageToDict
        import shouty
        pm = taskplug.get_plugin_manager()
        info = pm.infos["shout"]
        template = check_task_type(shouty.hello, inputs={"name": "ann"},
                                   plugin=sys.modules["taskplug_shout"])
        print(json.dumps({
            "dist": info.dist, "version": info.version, "hooks": info.hooks,
            "result": shouty.hello(name="ann"), "type": template.type,
            "custom": MessageToDict(template.custom),
        }))
    """)
    out = json.loads(_run([str(venv), "-c", script, str(tmp_path)]).stdout)
    assert out["dist"] == "taskplug-shout" and out["version"] == "1.0.0"
    assert out["hooks"] == ["taskplug_get_custom", "taskplug_register_task_types"]
    assert out["result"] == "HELLO ANN! HELLO ANN!"
    assert out["type"] == "shout"
    assert out["custom"] == {"times": 2.0, "punctuation": "!"}
    lines = (ROOT / "examples/third-party-plugin/src/taskplug_shout/__init__.py").read_text()
    assert len(lines.splitlines()) < 40
    listing = _run([str(venv.parent / "taskplug"), "plugins", "--json"]).stdout
    assert {row["name"] for row in json.loads(listing)} >= {"container", "shout"}
