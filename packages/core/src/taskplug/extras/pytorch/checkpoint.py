"""``PyTorchCheckpoint``: a module's and an optimizer's state and hyperparameters in one
``"PyTorchCheckpoint"`` blob, as flytekit's ``PyTorchCheckpointTransformer`` writes it.

The file is ``torch.save`` of one dict: ``"module_state_dict"`` (the module's
``state_dict()``), the hyperparameters' entries (a dict, a dataclass or a NamedTuple, merged in
at the top level), then ``"optimizer_state_dict"``, each only when given. Reading gives that
dict back, as in flytekit (``checkpoint["module_state_dict"]``), loaded with
``torch.load(weights_only=True)``: tensors and plain data only, no code runs.

Importing this module does not import torch; the transformer does, when it is built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from taskplug.errors import TypeTransformerFailedError
from taskplug.extras.pytorch.native import TorchBlobTransformer
from taskplug.types.engine import decode_error, fail

if TYPE_CHECKING:
    import torch
    from flyteidl.core import literals_pb2

__all__ = ["PYTORCH_CHECKPOINT_FORMAT", "PyTorchCheckpoint", "PyTorchCheckpointTransformer"]

PYTORCH_CHECKPOINT_FORMAT = "PyTorchCheckpoint"


def _is_hyperparameters(value: object) -> bool:
    return (
        value is None
        or isinstance(value, dict)
        or (dataclasses.is_dataclass(value) and not isinstance(value, type))
        or (isinstance(value, tuple) and hasattr(value, "_asdict"))
    )


@dataclasses.dataclass
class PyTorchCheckpoint:
    """A checkpoint to return from a task: ``module`` (its ``state_dict()`` is saved),
    ``hyperparameters`` (a dict, a dataclass instance or a NamedTuple) and ``optimizer`` (its
    ``state_dict()`` is saved); at least one of them.

    A task that takes a ``PyTorchCheckpoint`` input receives the saved dict (keys
    ``"module_state_dict"``, ``"optimizer_state_dict"`` and the hyperparameters' names), to
    restore with ``module.load_state_dict(checkpoint["module_state_dict"])``.
    """

    module: torch.nn.Module | None = None
    hyperparameters: Any = None
    optimizer: torch.optim.Optimizer | None = None

    def __post_init__(self) -> None:
        if not _is_hyperparameters(self.hyperparameters):
            raise TypeTransformerFailedError(
                "PyTorchCheckpoint: hyperparameters must be a dict, a dataclass instance or a "
                f"NamedTuple, got {type(self.hyperparameters).__name__}",
                expected=PyTorchCheckpoint,
                got=type(self.hyperparameters),
            )
        if self.module is None and self.optimizer is None and not self.hyperparameters:
            raise TypeTransformerFailedError(
                "PyTorchCheckpoint needs at least one of module, hyperparameters or optimizer",
                expected=PyTorchCheckpoint,
            )

    def to_dict(self) -> dict[str, Any]:
        """The dict that is saved (what a task reading the checkpoint receives)."""
        saved: dict[str, Any] = {}
        if self.module is not None:
            saved["module_state_dict"] = self.module.state_dict()
        hp = self.hyperparameters
        if isinstance(hp, dict):
            saved.update(hp)
        elif isinstance(hp, tuple):
            saved.update(cast(Any, hp)._asdict())  # a NamedTuple
        elif hp is not None:
            saved.update(dataclasses.asdict(hp))
        if self.optimizer is not None:
            saved["optimizer_state_dict"] = self.optimizer.state_dict()
        return saved


class PyTorchCheckpointTransformer(TorchBlobTransformer):
    """:class:`PyTorchCheckpoint` ↔ a ``"PyTorchCheckpoint"`` blob (flytekit's
    ``"PyTorch Checkpoint"``). A dict with ``str`` keys (a checkpoint as it is read) is saved
    as it is, so a task can pass a checkpoint it received on."""

    PYTORCH_FORMAT = PYTORCH_CHECKPOINT_FORMAT
    PYTORCH_CHECKPOINT_FORMAT = PYTORCH_CHECKPOINT_FORMAT
    EXPECTED = "(a PyTorchCheckpoint, or the dict a checkpoint is read as)"

    def __init__(self) -> None:
        import torch  # noqa: F401  (fail now, not on first use, when torch is missing)

        super().__init__("PyTorch Checkpoint", PyTorchCheckpoint)

    def to_saved(self, value: Any, t: Any) -> Any:
        if isinstance(value, PyTorchCheckpoint):
            saved = value.to_dict()
        elif isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
            saved = dict(value)
        else:
            raise fail(t, value, self.EXPECTED)
        if not saved:
            raise fail(t, value, "(a checkpoint with something to save)")
        return saved

    def from_loaded(self, obj: Any, t: Any, lit: literals_pb2.Literal) -> Any:
        if not isinstance(obj, dict):
            raise decode_error(t, lit, f"the file holds a {type(obj).__name__}, not a dict")
        return obj
