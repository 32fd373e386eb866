"""PyTorch types (flytekit's ``flytekit.extras.pytorch``): ``torch.Tensor``, ``torch.nn.Module``
and ``PyTorchCheckpoint`` as task inputs and outputs; torch imported only when used.

torch is an optional extra (its wheels are large): every test but the import-lightness one
needs it and is skipped, with the reason, where it is not installed.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug import task, workflow
from taskplug.errors import LiteralDecodeError, TypeTransformerFailedError
from taskplug.types import TypeEngine


def test_importing_taskplug_and_its_extras_does_not_import_torch() -> None:
    code = (
        "import sys, taskplug, taskplug.extras, taskplug.extras.pytorch\n"
        "from taskplug.extras.pytorch import PyTorchCheckpoint\n"
        "from taskplug import task\n"
        "from taskplug.types import TypeEngine\n"
        "@task\n"
        "def f(x: int) -> int:\n"
        "    return x\n"
        "f(x=1)\n"
        "TypeEngine.to_literal_type(dict[str, list[float]])\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


torch = pytest.importorskip(
    "torch", reason="torch is an optional extra (taskplug[pytorch]); not installed here"
)

from taskplug.extras.pytorch import PyTorchCheckpoint  # noqa: E402
from taskplug.extras.pytorch.native import map_location  # noqa: E402


def _blob(lit: literals_pb2.Literal) -> literals_pb2.Blob:
    assert lit.scalar.WhichOneof("value") == "blob"
    return lit.scalar.blob


# -- torch.Tensor -------------------------------------------------------------------------------


def test_a_tensor_annotation_works_without_importing_the_extras() -> None:
    code = (
        "import sys, torch\n"
        "from taskplug import task\n"
        "@task\n"
        "def double(t: torch.Tensor) -> torch.Tensor:\n"
        "    return t * 2\n"
        "print(double(t=torch.tensor([1.0, 2.5])).tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[2.0, 5.0]"


def test_tensors_travel_as_pytorch_tensor_blobs() -> None:
    lt = TypeEngine.to_literal_type(torch.Tensor)
    assert lt.blob.format == "PyTorchTensor"
    assert lt.blob.dimensionality == types_pb2.BlobType.SINGLE
    value = torch.arange(6, dtype=torch.int16).reshape(2, 3)
    lit = TypeEngine.to_literal(value, torch.Tensor)
    blob = _blob(lit)
    assert blob.metadata.type.format == "PyTorchTensor"
    assert blob.metadata.type.dimensionality == types_pb2.BlobType.SINGLE
    assert blob.uri.endswith(".pt")
    on_disk = torch.load(blob.uri, weights_only=True)  # the file is plain torch.save output
    assert on_disk.dtype == torch.int16 and on_disk.tolist() == value.tolist()
    back = TypeEngine.to_python_value(lit, torch.Tensor)
    assert torch.equal(back, value) and back.device == torch.device("cpu")


def test_tensors_through_tasks_and_a_workflow() -> None:
    @task
    def make(n: int) -> torch.Tensor:
        return torch.linspace(0.0, 1.0, n)

    @task
    def reshape(t: torch.Tensor) -> torch.Tensor:
        return t.unsqueeze(-1).expand(t.shape[0], 2)

    @task
    def total(t: torch.Tensor) -> float:
        return float(t.sum())

    @workflow
    def wf(n: int) -> tuple[torch.Tensor, float]:
        shaped = reshape(t=make(n=n))
        return shaped, total(t=shaped)

    shaped, summed = wf(n=3)
    assert shaped.tolist() == [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
    assert summed == 3.0


def test_parameters_optional_and_lists_of_tensors() -> None:
    weight = torch.nn.Linear(2, 1).weight
    back = TypeEngine.to_python_value(TypeEngine.to_literal(weight, torch.Tensor), torch.Tensor)
    assert isinstance(back, torch.nn.Parameter) and torch.equal(back, weight)
    maybe = typing.Optional[torch.Tensor]
    assert TypeEngine.to_python_value(TypeEngine.to_literal(None, maybe), maybe) is None
    many = list[torch.Tensor]
    values = [torch.zeros(1), torch.ones(2)]
    got = TypeEngine.to_python_value(TypeEngine.to_literal(values, many), many)
    assert [t.tolist() for t in got] == [[0.0], [1.0, 1.0]]


def test_a_tensor_saved_on_a_gpu_reads_where_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file as a GPU machine writes it: torch tags each storage with its device.
    path = tmp_path / "on_gpu.pt"
    with monkeypatch.context() as m:
        m.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
        torch.save(torch.tensor([1.0, 2.0]), path)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(path, weights_only=True)  # what reading without a map_location does
    lit = literals_pb2.Literal()
    lit.scalar.blob.uri = str(path)
    lit.scalar.blob.metadata.type.format = "PyTorchTensor"
    back = TypeEngine.to_python_value(lit, torch.Tensor)
    assert back.tolist() == [1.0, 2.0]
    assert back.device == torch.device(map_location())


def test_tensors_to_a_remote_store() -> None:
    import fsspec

    from taskplug.context import ExecutionParameters, ExecutionState, execution_scope

    params = ExecutionParameters(task_name="t")
    params.raw_output_prefix = "memory://bucket/raw"
    with execution_scope(ExecutionState(params, mode="container")):
        lit = TypeEngine.to_literal(torch.tensor([3, 4]), torch.Tensor)
    uri = _blob(lit).uri
    assert uri.startswith("memory://bucket/raw/") and uri.endswith(".pt")
    assert fsspec.filesystem("memory").exists(uri[len("memory://") :])
    assert TypeEngine.to_python_value(lit, torch.Tensor).tolist() == [3, 4]


# -- torch.nn.Module ----------------------------------------------------------------------------


class TwoLayers(torch.nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.l0 = torch.nn.Linear(4, 2)
        self.l1 = torch.nn.Linear(2, 1)

    def forward(self, x: Any) -> Any:
        return self.l1(torch.relu(self.l0(x)))


def test_modules_keep_their_state() -> None:
    lt = TypeEngine.to_literal_type(torch.nn.Module)
    assert lt.blob.format == "PyTorchModule"
    assert lt.blob.dimensionality == types_pb2.BlobType.SINGLE

    @task
    def trained() -> torch.nn.Module:
        bn = torch.nn.BatchNorm1d(3, track_running_stats=True)
        bn(torch.tensor([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]]))  # updates the running stats
        return bn

    @task
    def mean_of(model: torch.nn.Module) -> torch.Tensor:
        return model.running_mean  # type: ignore[no-any-return]

    @workflow
    def wf() -> torch.Tensor:
        return mean_of(model=trained())

    bn = trained()
    assert isinstance(bn, torch.nn.BatchNorm1d)
    expected = [0.1 * 2.0, 0.1 * 4.0, 0.1 * 6.0]
    assert bn.running_mean.tolist() == pytest.approx(expected)
    assert wf().tolist() == pytest.approx(expected)


def test_a_module_subclass_as_the_declared_type() -> None:
    @task
    def build(seed: int) -> TwoLayers:
        torch.manual_seed(seed)
        return TwoLayers()

    @task
    def run(model: TwoLayers, x: torch.Tensor) -> torch.Tensor:
        return model(x)  # type: ignore[no-any-return]

    torch.manual_seed(3)
    reference = TwoLayers()
    x = torch.ones(1, 4)
    model = build(seed=3)
    assert isinstance(model, TwoLayers)
    assert torch.equal(model.l0.weight, reference.l0.weight)
    assert torch.allclose(run(model=model, x=x), reference(x))
    other = TypeEngine.to_literal(torch.nn.Linear(1, 1), torch.nn.Module)
    with pytest.raises(LiteralDecodeError, match="holds a Linear"):
        TypeEngine.to_python_value(other, TwoLayers)


# -- PyTorchCheckpoint --------------------------------------------------------------------------


@dataclasses.dataclass
class Hyperparameters:
    epochs: int
    loss: float


class Schedule(NamedTuple):
    warmup: int
    decay: float


def _model_and_optimizer() -> tuple[TwoLayers, Any]:
    torch.manual_seed(0)
    model = TwoLayers()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model(torch.ones(2, 4)).sum().backward()
    optimizer.step()  # the optimizer has state (momentum buffers) now
    return model, optimizer


def test_a_full_checkpoint_through_a_workflow() -> None:
    lt = TypeEngine.to_literal_type(PyTorchCheckpoint)
    assert lt.blob.format == "PyTorchCheckpoint"
    assert lt.blob.dimensionality == types_pb2.BlobType.SINGLE

    @task
    def train(hp: Hyperparameters) -> PyTorchCheckpoint:
        model, optimizer = _model_and_optimizer()
        return PyTorchCheckpoint(module=model, hyperparameters=hp, optimizer=optimizer)

    @task
    def restore(checkpoint: PyTorchCheckpoint) -> tuple[int, torch.Tensor, float]:
        model = TwoLayers()
        model.load_state_dict(checkpoint["module_state_dict"])  # type: ignore[index]
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        optimizer.load_state_dict(checkpoint["optimizer_state_dict"])  # type: ignore[index]
        lr = float(optimizer.param_groups[0]["lr"])
        return checkpoint["epochs"], model.l1.weight.detach(), lr  # type: ignore[index]

    @workflow
    def wf(hp: Hyperparameters) -> tuple[int, torch.Tensor, float]:
        return restore(checkpoint=train(hp=hp))

    epochs, weight, lr = wf(hp=Hyperparameters(epochs=10, loss=0.1))
    model, _ = _model_and_optimizer()
    assert epochs == 10 and lr == 0.01
    assert torch.equal(weight, model.l1.weight.detach())


def test_the_checkpoint_file_layout() -> None:
    model, optimizer = _model_and_optimizer()
    value = PyTorchCheckpoint(
        module=model, hyperparameters=Hyperparameters(epochs=2, loss=0.5), optimizer=optimizer
    )
    lit = TypeEngine.to_literal(value, PyTorchCheckpoint)
    assert _blob(lit).metadata.type.format == "PyTorchCheckpoint"
    saved = torch.load(_blob(lit).uri, weights_only=True)
    assert list(saved) == ["module_state_dict", "epochs", "loss", "optimizer_state_dict"]
    assert list(saved["module_state_dict"]) == list(model.state_dict())
    assert saved["optimizer_state_dict"]["state"][0]["momentum_buffer"].shape == (2, 4)
    assert TypeEngine.to_python_value(lit, PyTorchCheckpoint)["loss"] == 0.5


@pytest.mark.parametrize(
    ("kwargs", "keys"),
    [
        ({"module": "model"}, ["module_state_dict"]),
        ({"optimizer": "optimizer"}, ["optimizer_state_dict"]),
        ({"hyperparameters": {"lr": 0.1, "name": "run-1"}}, ["lr", "name"]),
        ({"hyperparameters": Schedule(warmup=3, decay=0.9)}, ["warmup", "decay"]),
        ({"module": "model", "hyperparameters": {"lr": 0.1}}, ["module_state_dict", "lr"]),
    ],
    ids=["module", "optimizer", "dict", "namedtuple", "module-and-dict"],
)
def test_partial_checkpoints(kwargs: dict[str, Any], keys: list[str]) -> None:
    model, optimizer = _model_and_optimizer()
    objects = {"model": model, "optimizer": optimizer}
    given = {k: objects.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}

    @task
    def save() -> PyTorchCheckpoint:
        return PyTorchCheckpoint(**given)

    back = save()
    assert list(back) == keys
    if "hyperparameters" in kwargs:
        hp = kwargs["hyperparameters"]
        items = hp if isinstance(hp, dict) else hp._asdict()
        assert {k: back[k] for k in items} == items


def test_a_checkpoint_read_back_can_be_passed_on() -> None:
    @task
    def relay(checkpoint: PyTorchCheckpoint) -> PyTorchCheckpoint:
        return checkpoint

    model, _ = _model_and_optimizer()
    back = relay(checkpoint=PyTorchCheckpoint(module=model))
    assert torch.equal(back["module_state_dict"]["l0.bias"], model.l0.bias)


def test_bad_checkpoints() -> None:
    with pytest.raises(TypeTransformerFailedError, match="at least one of"):
        PyTorchCheckpoint()
    with pytest.raises(TypeTransformerFailedError, match="must be a dict, a dataclass"):
        PyTorchCheckpoint(hyperparameters=[1, 2])
    with pytest.raises(TypeTransformerFailedError, match="must be a dict, a dataclass"):
        PyTorchCheckpoint(hyperparameters=Hyperparameters)  # the class, not an instance
    with pytest.raises(TypeTransformerFailedError, match="PyTorchCheckpoint"):
        TypeEngine.to_literal(torch.zeros(1), PyTorchCheckpoint)
    with pytest.raises(TypeTransformerFailedError, match="something to save"):
        TypeEngine.to_literal({}, PyTorchCheckpoint)


def test_a_checkpoint_holding_objects_is_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "objects.pt"
    torch.save({"hp": Hyperparameters(epochs=1, loss=0.0)}, path)  # an object, not plain data
    lit = literals_pb2.Literal()
    lit.scalar.blob.uri = str(path)
    with pytest.raises(LiteralDecodeError, match=r"weights_only=True\) refuses"):
        TypeEngine.to_python_value(lit, PyTorchCheckpoint)


# -- bad values and literals --------------------------------------------------------------------


def test_a_wrong_value_names_the_task_the_input_and_the_type() -> None:
    @task
    def norm(t: torch.Tensor) -> float:
        return float(t.norm())

    with pytest.raises(TypeTransformerFailedError) as info:
        norm(t=[3.0, 4.0])  # type: ignore[arg-type]
    message = str(info.value)
    assert "norm" in message and "'t'" in message and "torch.Tensor" in message
    assert "list" in message
    assert norm(t=torch.tensor([3.0, 4.0])) == 5.0


def test_a_wrong_output_names_the_output() -> None:
    @task
    def model() -> torch.nn.Module:
        return torch.zeros(2)  # type: ignore[return-value]

    with pytest.raises(TypeTransformerFailedError) as info:
        model()
    message = str(info.value)
    assert "model" in message and "'o0'" in message and "torch.nn.Module" in message
    assert "Tensor" in message


def test_bad_literals(tmp_path: Path) -> None:
    missing = literals_pb2.Literal()
    missing.scalar.blob.uri = str(tmp_path / "gone.pt")
    with pytest.raises(LiteralDecodeError, match="gone.pt"):
        TypeEngine.to_python_value(missing, torch.Tensor)
    with pytest.raises(LiteralDecodeError, match="blob"):
        TypeEngine.to_python_value(TypeEngine.to_literal(1, int), torch.Tensor)
    no_uri = literals_pb2.Literal()
    no_uri.scalar.blob.metadata.type.format = "PyTorchTensor"
    with pytest.raises(LiteralDecodeError, match="no uri"):
        TypeEngine.to_python_value(no_uri, torch.Tensor)
    module = TypeEngine.to_literal(torch.nn.Linear(1, 1), torch.nn.Module)
    with pytest.raises(LiteralDecodeError, match="refuses"):
        TypeEngine.to_python_value(module, torch.Tensor)  # a pickled module is not a tensor
