"""Shell tasks, raw containers and image specs: taskplug's templates against flytekit 1.16's.

``kinds_catalogue.CATALOGUE`` is written twice as module ``kindcat`` (once importing flytekit,
once taskplug, see ``kinds_catalogue.py``); each library serializes its own copy with the
settings of ``test_templates.py``. The templates must be equal except for the allow-list of
docs/conformance.md (the entrypoint, the resolver, the SDK version), applied by
``test_templates._apply_allow_list``. flytekit would try to build image specs while
serializing; here its image build engine is told to build nothing, as taskplug builds nothing
without a build plugin.

Runs only where flytekit is installed (``tox -e conformance``).
"""

from __future__ import annotations

import importlib
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from kinds_catalogue import CATALOGUE, FILES, HEADERS  # noqa: E402
from test_templates import _apply_allow_list, _field_diffs, fk_settings, tp_settings  # noqa: E402

from taskplug.serialization import serialize  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]

TASKS = [
    "shell_plain",
    "shell_io",
    "shell_options",
    "shell_file",
    "shell_raw",
    "ellipse",
    "container_full",
    "container_proto",
    "container_no_dirs",
    "on_plain_spec",
    "on_full_spec",
    "on_copy_spec",
    "spec_container",
]


def _load(lib: str, root: Path) -> Any:
    folder = root / lib
    folder.mkdir()
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (folder / "kindcat.py").write_text(HEADERS[lib] + CATALOGUE)
    sys.modules.pop("kindcat", None)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("kindcat")
    finally:
        sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from flytekit.image_spec.image_spec import ImageBuildEngine
    from flytekit.tools.translator import get_serializable

    root = tmp_path_factory.mktemp("kinds")
    mp = pytest.MonkeyPatch()
    mp.setattr(ImageBuildEngine, "build", classmethod(lambda cls, spec: None))
    try:
        fk_mod = _load("flytekit", root)
        fk = {
            name: get_serializable(
                OrderedDict(), fk_settings(), getattr(fk_mod, name)
            ).template.to_flyte_idl()
            for name in TASKS
        }
        fk_specs = {"plain": fk_mod.plain_spec, "full": fk_mod.full_spec}
        tp_mod = _load("taskplug", root)
        tp = {name: serialize(getattr(tp_mod, name), tp_settings()) for name in TASKS}
    finally:
        mp.undo()
        sys.modules.pop("kindcat", None)
    return {"flytekit": fk, "taskplug": tp, "fk_specs": fk_specs, "tp_mod": {"m": tp_mod}}


@pytest.mark.parametrize("name", TASKS)
def test_template_matches_flytekit(name: str, both: dict[str, dict[str, Any]]) -> None:
    fk_tt, tp_tt = both["flytekit"][name], both["taskplug"][name]
    _apply_allow_list(fk_tt, tp_tt)
    diffs = _field_diffs(fk_tt, tp_tt)
    assert not diffs, "\n".join(diffs)
    assert fk_tt == tp_tt
    assert fk_tt.SerializeToString(deterministic=True) == tp_tt.SerializeToString(
        deterministic=True
    )


def test_the_catalogue_covers_each_kind(both: dict[str, dict[str, Any]]) -> None:
    tp = both["taskplug"]
    assert tp["ellipse"].type == "raw-container"
    assert tp["ellipse"].container.data_config.enabled
    assert tp["container_full"].container.data_config.format == 1  # YAML
    assert tp["shell_io"].type == "python-task"
    assert tp["on_plain_spec"].container.image.startswith("ghcr.io/acme/flytekit:")
    assert tp["on_full_spec"].container.image.endswith("-dev")
    assert {e.key for e in tp["on_full_spec"].container.env} >= {"_F_RUNTIME_PACKAGES"}


def test_image_names_and_ids_match_flytekit(both: dict[str, dict[str, Any]]) -> None:
    tp_mod = both["tp_mod"]["m"]
    for key, tp_spec in (("plain", tp_mod.plain_spec), ("full", tp_mod.full_spec)):
        fk_spec = both["fk_specs"][key]
        assert tp_spec.tag == fk_spec.tag
        assert tp_spec.image_name() == fk_spec.image_name()
    # ids hash the fields as given: equal when no field names a path of this folder
    assert tp_mod.plain_spec.id == both["fk_specs"]["plain"].id


def test_an_image_configured_by_spec_id_is_used() -> None:
    from flytekit.configuration import ImageConfig as FkImageConfig
    from flytekit.configuration import SerializationSettings as FkSettings
    from flytekit.tools.translator import get_serializable

    from taskplug import ImageSpec as TpSpec
    from taskplug import task as tp_task
    from taskplug.settings import ImageConfig, SerializationSettings

    fk_spec = flytekit.ImageSpec(registry="ghcr.io/acme", packages=["polars"])
    tp_spec = TpSpec(registry="ghcr.io/acme", packages=["polars"])
    assert fk_spec.id == tp_spec.id
    images = {tp_spec.id: "ghcr.io/acme/prebuilt:7"}

    def body(x: int) -> int:
        return x

    fk_t = flytekit.task(container_image=fk_spec)(body)
    tp_t = tp_task(container_image=tp_spec)(body)
    fk_settings_ = FkSettings(image_config=FkImageConfig.from_images("ghcr.io/acme/base:1", images))
    tp_settings_ = SerializationSettings(
        image_config=ImageConfig.from_images("ghcr.io/acme/base:1", images)
    )
    fk_image = get_serializable(OrderedDict(), fk_settings_, fk_t).template.container.image
    assert serialize(tp_t, tp_settings_).container.image == fk_image == "ghcr.io/acme/prebuilt:7"
