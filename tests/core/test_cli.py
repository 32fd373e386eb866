"""``taskplug run`` and ``taskplug serialize`` through click's runner (and one real process)."""

import itertools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from flyteidl.core import tasks_pb2
from google.protobuf import json_format

from taskplug.cli import main
from taskplug.cli.inputs import InputType, from_json

_COUNTER = itertools.count()

TASKS = textwrap.dedent(
    '''
    import datetime
    import enum
    import typing
    from dataclasses import dataclass

    from taskplug import Resources, task


    class Color(enum.Enum):
        RED = "red"
        BLUE = "blue"


    @dataclass
    class Params:
        lr: float
        epochs: int = 1


    @task
    def add(a: int, b: int = 2) -> int:
        """Add two numbers.

        :param a: the first number
        :param b: the second number
        """
        return a + b


    class Out(typing.NamedTuple):
        loss: float
        note: str


    @task(requests=Resources(cpu="1"))
    def train(
        params: Params,
        tags: list[str],
        when: datetime.datetime,
        color: Color = Color.RED,
        flag: bool = False,
        scale: typing.Optional[float] = None,
        wait: datetime.timedelta = datetime.timedelta(0),
        weights: dict[str, float] = {"a": 1.0},
    ) -> Out:
        note = (
            f"{tags}|{when.date()}|{color.value}|{flag}|{scale}|{wait.total_seconds()}|{weights}"
        )
        return Out(params.lr * params.epochs, note)


    @task
    def boom(x: int) -> int:
        if x > 0:
            raise ValueError(f"x must not be positive, got {x}")
        return x


    @task(container_image="{{.image.gpu.fqn}}:{{.image.gpu.version}}")
    def on_gpu() -> None:
        return None
    '''
)


@pytest.fixture
def tasks_file(tmp_path: Path) -> Path:
    """A task file with a module name no other test uses (modules are cached per process)."""
    path = tmp_path / f"cli_tasks_{next(_COUNTER)}.py"
    path.write_text(TASKS)
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_main_help_lists_commands(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for cmd in ("run", "serialize", "plugins"):
        assert cmd in result.output


def test_run_help_explains_usage(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", "--help"])
    assert result.exit_code == 0
    assert "FILE TASK" in result.output and "JSON" in result.output


def test_run_file_help_lists_tasks(runner: CliRunner, tasks_file: Path) -> None:
    result = runner.invoke(main, ["run", str(tasks_file), "--help"])
    assert result.exit_code == 0, result.output
    for name in ("add", "train", "boom"):
        assert name in result.output
    assert "Add two numbers." in result.output


def test_run_task_help_lists_inputs(runner: CliRunner, tasks_file: Path) -> None:
    result = runner.invoke(main, ["run", str(tasks_file), "train", "--help"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "--params JSON" in out and "--when DATETIME" in out and "--color [red|blue]" in out
    assert "[required]" in out and "default: red" in out
    result = runner.invoke(main, ["run", str(tasks_file), "add", "--help"])
    assert "the first number" in result.output


def test_run_prints_outputs(runner: CliRunner, tasks_file: Path) -> None:
    result = runner.invoke(main, ["run", str(tasks_file), "add", "--a", "1", "--b", "5"])
    assert result.exit_code == 0, result.output
    assert "o0" in result.output and "6" in result.output
    result = runner.invoke(main, ["run", str(tasks_file), "add", "--a", "40"])
    assert result.exit_code == 0 and "42" in result.output


def test_run_typed_options(runner: CliRunner, tasks_file: Path) -> None:
    args = [
        "run",
        str(tasks_file),
        "train",
        "--params",
        '{"lr": 0.5, "epochs": 3}',
        "--tags",
        '["a", "b"]',
        "--when",
        "2024-05-01T12:00",
        "--color",
        "blue",
        "--flag",
        "true",
        "--scale",
        "2",
        "--wait",
        "1h30m",
        "--weights",
        '{"x": 2}',
    ]
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "1.5" in result.output
    assert "['a', 'b']|2024-05-01|blue|True|2.0|5400.0|{'x': 2.0}" in result.output
    # defaults
    result = runner.invoke(
        main,
        ["run", str(tasks_file), "train", "--params", '{"lr": 1}', "--tags", "[]", "--when", "now"],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "|red|False|None|0.0|{'a': 1.0}" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "--a", "x"], "Invalid value for '--a': 'x' is not a valid int"),
        (["add"], "Missing option '--a'"),
        (["add", "--a", "1", "--c", "3"], "No such option '--c'"),
        (["nope"], "no task or workflow named 'nope'"),
        (["train", "--params", '{"lr": "a"}', "--tags", "[]", "--when", "now"], "value.lr"),
        (["train", "--params", '{"lr": 1, "x": 1}', "--tags", "[]", "--when", "now"], "no field"),
        (["train", "--params", "{", "--tags", "[]", "--when", "now"], "not valid JSON"),
        (["train", "--params", '{"lr": 1}', "--tags", "[1]", "--when", "now"], "expected str"),
        (["train", "--params", '{"lr": 1}', "--tags", "[]", "--when", "yesterday"], "--when"),
        (
            ["train", "--params", '{"lr": 1}', "--tags", "[]", "--when", "now", "--color", "x"],
            "red",
        ),
        (
            ["train", "--params", '{"lr": 1}', "--tags", "[]", "--when", "now", "--wait", "z"],
            "duration",
        ),
    ],
)
def test_run_errors_are_messages(
    runner: CliRunner, tasks_file: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(main, ["run", str(tasks_file), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_run_missing_file_and_bad_module(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["run", str(tmp_path / "missing.py"), "add"])
    assert result.exit_code == 2 and "does not exist" in result.output
    bad = tmp_path / f"cli_bad_{next(_COUNTER)}.py"
    bad.write_text("import no_such_module_anywhere\n")
    result = runner.invoke(main, ["run", str(bad), "add"])
    assert result.exit_code == 1
    assert "could not load" in result.output and "no_such_module_anywhere" in result.output


def test_run_user_failure_exits_non_zero(runner: CliRunner, tasks_file: Path) -> None:
    result = runner.invoke(main, ["run", str(tasks_file), "boom", "--x", "3"])
    assert result.exit_code == 1
    assert "x must not be positive, got 3" in result.output
    assert "failed: ValueError" in result.output


def test_serialize_writes_pb_and_json(runner: CliRunner, tasks_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "serialize",
        str(tasks_file),
        "-o",
        str(out),
        "-i",
        "ghcr.io/acme/app:1.0",
        "-i",
        "gpu=ghcr.io/acme/gpu:cuda12",
        "-p",
        "proj",
        "-d",
        "dev",
        "-v",
        "v3",
        "-e",
        "LOG=debug",
    ]
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    module = tasks_file.stem
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{module}.{t}.{ext}" for t in ("add", "train", "boom", "on_gpu") for ext in ("pb", "json")
    )
    tt = tasks_pb2.TaskTemplate.FromString((out / f"{module}.add.pb").read_bytes())
    assert (tt.id.project, tt.id.domain, tt.id.name, tt.id.version) == (
        "proj",
        "dev",
        f"{module}.add",
        "v3",
    )
    assert tt.container.image == "ghcr.io/acme/app:1.0"
    assert [(e.key, e.value) for e in tt.container.env] == [("LOG", "debug")]
    from_json_file = json_format.Parse(
        (out / f"{module}.add.json").read_text(), tasks_pb2.TaskTemplate()
    )
    assert from_json_file == tt
    gpu = tasks_pb2.TaskTemplate.FromString((out / f"{module}.on_gpu.pb").read_bytes())
    assert gpu.container.image == "ghcr.io/acme/gpu:cuda12"
    assert json.loads((out / f"{module}.train.json").read_text())["type"] == "python-task"
    assert f"{module}.train" in result.output


def test_serialize_errors(
    runner: CliRunner, tasks_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("TASKPLUG_IMAGE", "FLYTE_INTERNAL_IMAGE", "TASKPLUG_CONFIG", "FLYTECTL_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    # no image given: taskplug's default image name, but on_gpu's named image is missing
    result = runner.invoke(main, ["serialize", str(tasks_file), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "refers to image 'gpu', which is not configured" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()  # a failed serialize writes nothing
    result = runner.invoke(main, ["serialize", str(tasks_file), "-o", str(tmp_path), "-i", "bad"])
    assert result.exit_code == 2 and "no tag or digest" in result.output
    result = runner.invoke(
        main, ["serialize", str(tasks_file), "-o", str(tmp_path), "-i", "a:1", "-e", "NOEQUALS"]
    )
    assert result.exit_code == 2 and "KEY=VALUE" in result.output
    result = runner.invoke(main, ["serialize", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "Missing argument" in result.output
    # image from the environment
    monkeypatch.setenv("TASKPLUG_IMAGE", "reg/env:7")
    monkeypatch.setenv("TASKPLUG_CONFIG", str(tmp_path / "cfg.yaml"))
    (tmp_path / "cfg.yaml").write_text("images:\n  gpu: reg/gpu\n")
    result = runner.invoke(main, ["serialize", str(tasks_file), "-o", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    gpu = tasks_pb2.TaskTemplate.FromString(
        (tmp_path / "e" / f"{tasks_file.stem}.on_gpu.pb").read_bytes()
    )
    assert gpu.container.image == "reg/gpu:7"


def test_from_json_and_input_type() -> None:
    import datetime
    import typing

    assert from_json(typing.Optional[list[int]], None) is None
    assert from_json(dict[str, list[float]], {"a": [1, 2.5]}) == {"a": [1.0, 2.5]}
    assert from_json(tuple[int, str], [1, "a"]) == (1, "a")
    with pytest.raises(ValueError, match="true or false"):
        from_json(bool, 1)
    conv = InputType(typing.Optional[int])
    assert conv.convert("none", None, None) is None
    assert conv.convert("3", None, None) == 3
    assert InputType(datetime.timedelta).convert("2d1h", None, None) == datetime.timedelta(
        days=2, hours=1
    )
    assert InputType(datetime.date).convert("2024-01-02", None, None) == datetime.date(2024, 1, 2)
    assert InputType(typing.Union[int, str]).convert('"x"', None, None) == "x"


def test_console_script_runs_in_a_real_process(tasks_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "taskplug.cli", "run", str(tasks_file), "add", "--a", "2"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tasks_file.parent,
    )
    if "No module named taskplug.cli.__main__" in proc.stderr:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from taskplug.cli import main; sys.exit(main())",
                "run",
                str(tasks_file),
                "add",
                "--a",
                "2",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert "4" in proc.stdout
