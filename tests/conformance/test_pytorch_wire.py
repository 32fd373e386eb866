"""PyTorch types against flytekit 1.16's ``flytekit.extras.pytorch``: the same literal types
(blob formats, dimensionality), the same file contents, and each side reads the other's
literals — tensors, whole modules and checkpoints.

Runs only where flytekit and torch are installed (torch is an optional extra; the
conformance env does not install it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

pytest.importorskip("flytekit", reason="conformance needs flytekit (tox -e conformance)")
torch = pytest.importorskip(
    "torch", reason="torch is an optional extra (taskplug[pytorch]); not installed here"
)

from fk_engine import fk_ctx, fk_literal, fk_value  # noqa: E402
from flyteidl.core import literals_pb2  # noqa: E402
from flytekit.core.type_engine import TypeEngine as FkEngine  # noqa: E402
from flytekit.extras.pytorch import PyTorchCheckpoint as FkCheckpoint  # noqa: E402

from taskplug.extras.pytorch import PyTorchCheckpoint  # noqa: E402
from taskplug.types import TypeEngine  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore")]


@pytest.fixture(scope="module")
def ctx() -> Any:
    return fk_ctx()


def _metadata(lit: literals_pb2.Literal) -> bytes:
    """The literal without its uri (the file names are random on both sides)."""
    copy = literals_pb2.Literal()
    copy.CopyFrom(lit)
    copy.scalar.blob.uri = ""
    return copy.SerializeToString(deterministic=True)


def _saved(lit: literals_pb2.Literal) -> Any:
    uri = lit.scalar.blob.uri
    return torch.load(
        uri[len("file://") :] if uri.startswith("file://") else uri, weights_only=False
    )


@pytest.mark.parametrize(
    ("tp_t", "fk_t"),
    [
        (torch.Tensor, torch.Tensor),
        (torch.nn.Module, torch.nn.Module),
        (torch.nn.Linear, torch.nn.Linear),
        (PyTorchCheckpoint, FkCheckpoint),
    ],
    ids=["tensor", "module", "module-subclass", "checkpoint"],
)
def test_literal_types_match(tp_t: Any, fk_t: Any) -> None:
    ours = TypeEngine.to_literal_type(tp_t)
    assert ours == FkEngine.to_literal_type(fk_t).to_flyte_idl()
    assert ours.blob.format in {"PyTorchTensor", "PyTorchModule", "PyTorchCheckpoint"}


@pytest.mark.parametrize(
    "value",
    [
        torch.tensor([[1.0, -1.0, 2.0], [0.0, 7.0, 3.0]]),
        torch.arange(5, dtype=torch.int64),
        torch.tensor(True),
    ],
    ids=["float-2d", "int64", "bool-scalar"],
)
def test_tensors_read_by_each_side(ctx: Any, value: Any) -> None:
    ours = TypeEngine.to_literal(value, torch.Tensor)
    theirs = fk_literal(ctx, value, torch.Tensor)
    assert _metadata(ours) == _metadata(theirs)
    assert torch.equal(_saved(ours), _saved(theirs))
    from_ours = fk_value(ctx, ours, torch.Tensor)
    from_theirs = TypeEngine.to_python_value(theirs, torch.Tensor)
    assert from_ours.dtype == from_theirs.dtype == value.dtype
    assert torch.equal(from_ours, value) and torch.equal(from_theirs, value)


def test_modules_read_by_each_side(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(1)
    module = torch.nn.Linear(3, 2)
    ours = TypeEngine.to_literal(module, torch.nn.Module)
    theirs = fk_literal(ctx, module, torch.nn.Module)
    assert _metadata(ours) == _metadata(theirs)
    assert type(_saved(ours)) is type(_saved(theirs)) is torch.nn.Linear
    back = TypeEngine.to_python_value(theirs, torch.nn.Module)
    assert isinstance(back, torch.nn.Linear) and torch.equal(back.weight, module.weight)
    # flytekit reads modules with torch.load's default, weights_only=True since torch 2.6,
    # which refuses every module (its own literals too); torch's switch lets it read them.
    with pytest.raises(Exception, match="Weights only load failed"):
        fk_value(ctx, theirs, torch.nn.Module)
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    read = fk_value(ctx, ours, torch.nn.Module)
    assert isinstance(read, torch.nn.Linear) and torch.equal(read.bias, module.bias)


@dataclasses.dataclass
class Hyperparameters:
    epochs: int
    loss: float


def _checkpoint_parts() -> dict[str, Any]:
    torch.manual_seed(2)
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9)
    module(torch.ones(2, 4)).sum().backward()
    optimizer.step()
    return {
        "module": module,
        "optimizer": optimizer,
        "hyperparameters": Hyperparameters(epochs=3, loss=0.25),
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


@pytest.mark.parametrize(
    "parts",
    [
        ("module", "hyperparameters", "optimizer"),
        ("module",),
        ("hyperparameters",),
        ("module", "optimizer"),
    ],
    ids=["full", "module", "hyperparameters", "no-hyperparameters"],
)
def test_checkpoints_same_file_and_read_by_each_side(ctx: Any, parts: tuple[str, ...]) -> None:
    given = {k: v for k, v in _checkpoint_parts().items() if k in parts}
    ours = TypeEngine.to_literal(PyTorchCheckpoint(**given), PyTorchCheckpoint)
    theirs = fk_literal(ctx, FkCheckpoint(**given), FkCheckpoint)
    assert _metadata(ours) == _metadata(theirs)
    saved = _saved(ours)
    assert _same(saved, _saved(theirs))  # same keys, in the same order, same tensors
    from_ours = fk_value(ctx, ours, FkCheckpoint)
    from_theirs = TypeEngine.to_python_value(theirs, PyTorchCheckpoint)
    assert _same(from_ours, saved) and _same(from_theirs, saved)
    if "module" in parts:
        restored = torch.nn.Sequential(
            torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)
        )
        restored.load_state_dict(from_theirs["module_state_dict"])
        assert torch.equal(restored[2].weight, given["module"][2].weight)
