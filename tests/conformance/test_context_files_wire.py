"""FlyteFile, FlyteDirectory, secrets and the run context against flytekit 1.16 on the wire.

* ``taskplug.types.file.FlyteFile`` / ``taskplug.types.directory.FlyteDirectory`` (and their
  format forms: ``["csv"]``, ``TypeVar("csv")``, the ``CSVFile`` aliases): literal types, literal
  bytes (also the literal ``metadata`` of a file), each side reading the other's literal;
* the same types as fields of dataclasses and pydantic models: literal types (the JSON schema in
  ``metadata`` included) and msgpack bytes;
* ``Secret(..., mount_requirement=Secret.MountType.X)`` in a task template's security context;
* ``taskplug-execute`` and ``pyflyte-execute`` on the same task bodies: files and directories
  uploaded under the raw output prefix, checkpoints written and read back from
  ``--checkpoint-path`` / ``--prev-checkpoint``, the execution and task ids Flyte's environment
  gives ``current_context()``.

No allow-list entries: everything here is equal (uploads go to random names on both sides; the
tests compare where they go and what they hold).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")

from fk_engine import fk_ctx, fk_literal, fk_value  # noqa: E402
from flyteidl.core import literals_pb2  # noqa: E402
from flytekit.core.context_manager import ExecutionState, FlyteContextManager  # noqa: E402
from flytekit.core.type_engine import TypeEngine as FkEngine  # noqa: E402
from flytekit.types import directory as fk_directory  # noqa: E402
from flytekit.types import file as fk_file  # noqa: E402

from taskplug.types import TypeEngine  # noqa: E402
from taskplug.types import directory as tp_directory  # noqa: E402
from taskplug.types import file as tp_file  # noqa: E402

pytestmark = pytest.mark.conformance

CSV_VAR = typing.TypeVar("csv")

# (id, taskplug type, flytekit type, uri): remote uris, nothing is uploaded on either side
BLOBS = [
    ("file", tp_file.FlyteFile, fk_file.FlyteFile, "s3://bucket/a/b.bin"),
    ("file-csv", tp_file.FlyteFile["csv"], fk_file.FlyteFile["csv"], "s3://bucket/data.csv"),
    ("file-typevar", tp_file.FlyteFile[CSV_VAR], fk_file.FlyteFile[CSV_VAR], "gs://b/x.csv"),
    ("file-alias", tp_file.CSVFile, fk_file.CSVFile, "s3://bucket/alias.csv"),
    ("file-jsonl", tp_file.JSONLFile, fk_file.JSONLFile, "s3://bucket/l.jsonl"),
    ("dir", tp_directory.FlyteDirectory, fk_directory.FlyteDirectory, "s3://bucket/folder"),
    (
        "dir-format",
        tp_directory.FlyteDirectory["parquet"],
        fk_directory.FlyteDirectory["parquet"],
        "s3://bucket/tables",
    ),
    (
        "dir-alias",
        tp_directory.TensorboardLogs,
        fk_directory.TensorboardLogs,
        "s3://bucket/logs",
    ),
]


@pytest.fixture(scope="module")
def ctx() -> Any:
    return fk_ctx()


@pytest.fixture
def local_ctx() -> Any:
    """flytekit's context of a local task run (local files are then not uploaded)."""
    ctx = FlyteContextManager.current_context()
    state = ctx.execution_state.with_params(mode=ExecutionState.Mode.LOCAL_TASK_EXECUTION)
    with FlyteContextManager.with_context(ctx.with_execution_state(state)) as local:
        yield local


def same_bytes(a: Any, b: Any) -> bool:
    return bool(a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True))


@pytest.mark.parametrize(("name", "ours", "theirs", "uri"), BLOBS, ids=[b[0] for b in BLOBS])
def test_blob_types_and_literals(ctx: Any, name: str, ours: Any, theirs: Any, uri: str) -> None:
    assert TypeEngine.to_literal_type(ours) == FkEngine.to_literal_type(theirs).to_flyte_idl()
    assert ours.extension() == theirs.extension()
    mine = TypeEngine.to_literal(ours(uri), ours)
    fk = fk_literal(ctx, theirs(uri), theirs)
    assert same_bytes(mine, fk), f"{name}:\nours={mine}\ntheirs={fk}"
    # each reads the other's: a remote source, fetched when used
    back = TypeEngine.to_python_value(fk, ours)
    assert isinstance(back, ours) and back.remote_source == uri and not back.downloaded
    fk_back = fk_value(ctx, mine, theirs)
    assert fk_back.remote_source == uri
    if "dir" not in name:  # a remote file's local path keeps the file name on both sides
        assert os.path.basename(back.path) == os.path.basename(fk_back.path)


def test_file_metadata_is_the_literal_metadata(ctx: Any) -> None:
    meta = {"owner": "data-team", "rows": "12"}
    mine = TypeEngine.to_literal(tp_file.FlyteFile("s3://b/k", metadata=meta), tp_file.FlyteFile)
    fk = fk_literal(ctx, fk_file.FlyteFile("s3://b/k", metadata=meta), fk_file.FlyteFile)
    assert dict(mine.metadata) == meta
    assert same_bytes(mine, fk)
    assert TypeEngine.to_python_value(fk, tp_file.FlyteFile).metadata == meta
    assert fk_value(ctx, mine, fk_file.FlyteFile).metadata == meta


def test_local_file_and_folder_in_a_local_run(local_ctx: Any, tmp_path: Path) -> None:
    """A local run sends local paths as they are (flytekit uploads nothing either)."""
    f = tmp_path / "local.txt"
    f.write_text("x")
    mine = TypeEngine.to_literal(tp_file.FlyteFile(str(f)), tp_file.FlyteFile)
    assert same_bytes(mine, fk_literal(local_ctx, fk_file.FlyteFile(str(f)), fk_file.FlyteFile))
    mine = TypeEngine.to_literal(str(f), tp_file.FlyteFile)
    assert same_bytes(mine, fk_literal(local_ctx, str(f), fk_file.FlyteFile))
    d = tmp_path / "folder"
    d.mkdir()
    ours_d = TypeEngine.to_literal(tp_directory.FlyteDirectory(str(d)), tp_directory.FlyteDirectory)
    theirs_d = fk_literal(
        local_ctx, fk_directory.FlyteDirectory(str(d)), fk_directory.FlyteDirectory
    )
    assert same_bytes(ours_d, theirs_d)
    # and read back: the same local path, nothing to fetch
    assert TypeEngine.to_python_value(theirs_d, tp_directory.FlyteDirectory).path == str(d)


def _models(file_t: Any, dir_t: Any) -> tuple[type, type]:
    """A dataclass and a pydantic model with file and folder fields (built at run time: this
    module's annotations are strings)."""
    from pydantic import create_model

    bundle = dataclasses.make_dataclass(
        "Bundle",
        [
            ("readme", file_t),
            ("data", dir_t),
            (
                "table",
                typing.Optional[file_t.__class_getitem__("csv")],
                dataclasses.field(default=None),
            ),
            ("parts", typing.List[file_t], dataclasses.field(default_factory=list)),
            ("by_name", typing.Dict[str, dir_t], dataclasses.field(default_factory=dict)),
        ],
    )
    release = create_model("Release", notes=(file_t, ...), assets=(dir_t, ...), version=(str, "1"))
    return bundle, release


def test_files_in_dataclasses_and_pydantic_models(ctx: Any) -> None:
    pytest.importorskip("pydantic")
    tp_dc, tp_model = _models(tp_file.FlyteFile, tp_directory.FlyteDirectory)
    fk_dc, fk_model = _models(fk_file.FlyteFile, fk_directory.FlyteDirectory)
    F, D = tp_file.FlyteFile, tp_directory.FlyteDirectory
    FF, FD = fk_file.FlyteFile, fk_directory.FlyteDirectory
    cases = [
        (
            tp_dc,
            fk_dc,
            tp_dc(
                F("s3://b/r"),
                D("s3://b/d"),
                F["csv"]("s3://b/t.csv"),
                [F("s3://b/p")],
                {"k": D("s3://b/k")},
            ),
            fk_dc(
                FF("s3://b/r"),
                FD("s3://b/d"),
                FF["csv"]("s3://b/t.csv"),
                [FF("s3://b/p")],
                {"k": FD("s3://b/k")},
            ),
        ),
        (
            tp_model,
            fk_model,
            tp_model(notes=F("s3://b/n"), assets=D("s3://b/a")),
            fk_model(notes=FF("s3://b/n"), assets=FD("s3://b/a")),
        ),
    ]
    for ours_t, theirs_t, ours_v, theirs_v in cases:
        assert (
            TypeEngine.to_literal_type(ours_t) == FkEngine.to_literal_type(theirs_t).to_flyte_idl()
        )
        mine = TypeEngine.to_literal(ours_v, ours_t)
        fk = fk_literal(ctx, theirs_v, theirs_t)
        assert same_bytes(mine, fk), ours_t
        back = TypeEngine.to_python_value(fk, ours_t)
        first = back.readme if dataclasses.is_dataclass(back) else back.notes
        assert isinstance(first, F) and first.remote_source in ("s3://b/r", "s3://b/n")
        fk_back = fk_value(ctx, mine, theirs_t)
        first = fk_back.readme if dataclasses.is_dataclass(fk_back) else fk_back.notes
        assert first.remote_source in ("s3://b/r", "s3://b/n")


def test_taskplug_file_in_a_dataclass_is_flytekit_file_on_the_wire() -> None:
    """taskplug's own File/Directory fields describe themselves as FlyteFile/FlyteDirectory."""
    from taskplug.types import Directory, File

    tp_dc, _ = _models(File, Directory)
    fk_dc, _ = _models(fk_file.FlyteFile, fk_directory.FlyteDirectory)
    assert TypeEngine.to_literal_type(tp_dc) == FkEngine.to_literal_type(fk_dc).to_flyte_idl()


def test_secret_mount_types_in_the_security_context() -> None:
    import flytekit as fk

    import taskplug as tp
    from taskplug.serialization.security import security_context

    theirs = [
        fk.Secret(group="db", key="pw", mount_requirement=fk.Secret.MountType.ENV_VAR),
        fk.Secret(group="certs", mount_requirement=fk.Secret.MountType.FILE),
        fk.Secret(key="token", group="api"),
        fk.Secret(group="g", key="k", group_version="3", mount_requirement=fk.Secret.MountType.ANY),
    ]
    ours = [
        tp.Secret(group="db", key="pw", mount_requirement=tp.Secret.MountType.ENV_VAR),
        tp.Secret(group="certs", mount_requirement=tp.Secret.MountType.FILE),
        tp.Secret(key="token", group="api"),
        tp.Secret(group="g", key="k", group_version="3", mount_requirement=tp.Secret.MountType.ANY),
    ]
    from flytekit.models.security import SecurityContext

    assert security_context(ours) == SecurityContext(secrets=theirs).to_flyte_idl()
    for a, b in zip(ours, theirs):
        assert a.mount_requirement.name == b.mount_requirement.name


# -- the two entrypoints on the same task bodies ---------------------------------------------

BODY = """
@task
def report(n: int) -> FlyteFile:
    path = os.path.join(current_context().working_directory, "report.txt")
    with open(path, "w") as fh:
        fh.write("x" * n)
    return FlyteFile(path)


@task
def folder(n: int) -> FlyteDirectory:
    root = os.path.join(current_context().working_directory, "parts")
    os.makedirs(os.path.join(root, "sub"))
    for i in range(n):
        with open(os.path.join(root, f"p{i}.txt"), "w") as fh:
            fh.write(str(i))
    return FlyteDirectory(root)


@task
def read_back(f: FlyteFile, d: FlyteDirectory) -> str:
    with open(f) as fh:
        text = fh.read()
    return f"{len(text)}:{sorted(os.listdir(d))}"


@task
def resume(n: int) -> int:
    cp = current_context().checkpoint
    prev = cp.read()
    cp.write(str(n).encode())
    return int(prev.decode()) if prev else -1


@task
def ids(n: int) -> str:
    ctx = current_context()
    return f"{ctx.execution_id}|{ctx.execution_id.name}|{ctx.task_id}"
"""
TP_MODULE = (
    "import os\n\nfrom taskplug import current_context, task\n"
    "from taskplug.types.directory import FlyteDirectory\n"
    "from taskplug.types.file import FlyteFile\n" + BODY
)
FK_MODULE = (
    "import os\n\nfrom flytekit import current_context, task\n"
    "from flytekit.types.directory import FlyteDirectory\n"
    "from flytekit.types.file import FlyteFile\n" + BODY
)
FLYTE_ENV = {
    "_F_PRJ": "proj",
    "_F_DM": "dev",
    "_F_NM": "abc123",
    "_F_TK_PRJ": "proj",
    "_F_TK_DM": "dev",
    "_F_TK_NM": "mod.ids",
    "_F_TK_V": "v7",
}


def _script(name: str) -> str:
    path = shutil.which(name, path=os.path.dirname(sys.executable))
    if path is None:
        pytest.skip(f"{name} is not installed next to {sys.executable}")
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    mods = tmp_path / "modules"
    mods.mkdir()
    (mods / "tp_ctx_tasks.py").write_text(textwrap.dedent(TP_MODULE))
    (mods / "fk_ctx_tasks.py").write_text(textwrap.dedent(FK_MODULE))
    return tmp_path


def _inputs(work: Path, values: dict[str, Any], types: dict[str, Any]) -> Path:
    ctx = FlyteContextManager.current_context()
    lm = FkEngine.dict_to_literal_map(ctx, values, types)
    path = work / f"inputs-{len(list(work.glob('inputs-*')))}.pb"
    path.write_bytes(lm.to_flyte_idl().SerializeToString())
    return path


def _run(which: str, work: Path, task: str, inputs: Path, *extra: str) -> literals_pb2.LiteralMap:
    out = work / f"out-{which}-{task}-{len(list(work.glob(f'out-{which}-{task}*')))}"
    if which == "taskplug":
        cmd = [_script("taskplug-execute"), "--resolver", "taskplug.resolver.default_task_resolver"]
        module = "tp_ctx_tasks"
    else:
        cmd = [
            _script("pyflyte-execute"),
            "--resolver",
            "flytekit.core.python_auto_container.default_task_resolver",
        ]
        module = "fk_ctx_tasks"
    cmd += ["--inputs", str(inputs), "--output-prefix", str(out)]
    cmd += ["--raw-output-data-prefix", str(work / f"raw-{which}"), *extra]
    cmd += ["--", "task-module", module, "task-name", task]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "_F"))}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(work / "modules"), env.get("PYTHONPATH", "")) if p
    )
    env.update(FLYTE_ENV)
    proc = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and (out / "outputs.pb").exists(), proc.stderr[-3000:]
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((out / "outputs.pb").read_bytes())
    return lm


def test_entrypoints_upload_files_and_folders_alike(work: Path) -> None:
    n = _inputs(work, {"n": 3}, {"n": int})
    blobs = {}
    for which in ("taskplug", "flytekit"):
        f = _run(which, work, "report", n).literals["o0"]
        d = _run(which, work, "folder", n).literals["o0"]
        raw = str(work / f"raw-{which}")
        for lit in (f, d):
            assert lit.scalar.blob.uri.startswith(raw), (which, lit)
        assert Path(f.scalar.blob.uri).name == "report.txt"
        assert Path(f.scalar.blob.uri).read_text() == "xxx"
        listing = sorted(os.listdir(d.scalar.blob.uri))
        assert listing == ["p0.txt", "p1.txt", "p2.txt", "sub"], which
        blobs[which] = (f, d)
    for a, b in zip(blobs["taskplug"], blobs["flytekit"]):
        assert a.scalar.blob.metadata == b.scalar.blob.metadata
    # each reads the other's uploads as inputs
    for which, other in (("taskplug", "flytekit"), ("flytekit", "taskplug")):
        f, d = blobs[other]
        lm = literals_pb2.LiteralMap()
        lm.literals["f"].CopyFrom(f)
        lm.literals["d"].CopyFrom(d)
        path = work / f"cross-{which}.pb"
        path.write_bytes(lm.SerializeToString())
        out = _run(which, work, "read_back", path).literals["o0"]
        assert out.scalar.primitive.string_value == "3:['p0.txt', 'p1.txt', 'p2.txt', 'sub']"


def test_entrypoints_checkpoint_alike(work: Path) -> None:
    first = _inputs(work, {"n": 7}, {"n": int})
    second = _inputs(work, {"n": 8}, {"n": int})
    for which in ("taskplug", "flytekit"):
        cp1, cp2 = work / f"cp1-{which}", work / f"cp2-{which}"
        lm = _run(which, work, "resume", first, "--checkpoint-path", str(cp1))
        assert lm.literals["o0"].scalar.primitive.integer == -1
        assert sorted(os.listdir(cp1)) == ["_dst_cp"]
        assert (cp1 / "_dst_cp").read_bytes() == b"7"
        lm = _run(
            which,
            work,
            "resume",
            second,
            "--checkpoint-path",
            str(cp2),
            "--prev-checkpoint",
            str(cp1),
        )
        assert lm.literals["o0"].scalar.primitive.integer == 7, which
        assert (cp2 / "_dst_cp").read_bytes() == b"8"


def test_entrypoints_give_the_same_ids(work: Path) -> None:
    n = _inputs(work, {"n": 1}, {"n": int})
    ours = _run("taskplug", work, "ids", n).literals["o0"].scalar.primitive.string_value
    theirs = _run("flytekit", work, "ids", n).literals["o0"].scalar.primitive.string_value
    assert ours == theirs
    assert theirs == (
        "Flyte Serialized object (WorkflowExecutionIdentifier):\n  project: proj\n  domain: dev\n"
        "  name: abc123|abc123|TASK:proj:dev:mod.ids:v7"
    )
