# user-script: needs=torch
"""torch.Tensor inputs and outputs and a PyTorchCheckpoint (module, optimizer and
hyperparameters), in tasks and workflows. (No torch.nn.Module values: flytekit 1.16 reads
them with torch.load's default, which refuses modules since torch 2.6.)"""

import typing
from dataclasses import dataclass

import torch
from flytekit import task, workflow
from flytekit.extras.pytorch import PyTorchCheckpoint


@task
def grid(rows: int, cols: int) -> torch.Tensor:
    return torch.arange(rows * cols, dtype=torch.float32).reshape(rows, cols)


@task
def standardize(x: torch.Tensor) -> torch.Tensor:
    return (x - x.mean(dim=0)) / x.std(dim=0)


@task
def shape_of(x: torch.Tensor) -> typing.List[int]:
    return list(x.shape)


@task
def maybe_tensor(give: bool) -> typing.Optional[torch.Tensor]:
    return torch.ones(2, dtype=torch.int64) if give else None


@workflow
def tensors(rows: int, cols: int) -> typing.Tuple[torch.Tensor, typing.List[int]]:
    x = standardize(x=grid(rows=rows, cols=cols))
    return x, shape_of(x=x)


@dataclass
class Hyperparameters:
    epochs: int
    lr: float


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x)


@task
def train(hp: Hyperparameters) -> PyTorchCheckpoint:
    torch.manual_seed(0)
    model = Tiny()
    optimizer = torch.optim.SGD(model.parameters(), lr=hp.lr, momentum=0.9)
    for _ in range(hp.epochs):
        optimizer.zero_grad()
        model(torch.ones(4, 3)).pow(2).sum().backward()
        optimizer.step()
    return PyTorchCheckpoint(module=model, hyperparameters=hp, optimizer=optimizer)


@task
def describe(checkpoint: PyTorchCheckpoint) -> str:
    model = Tiny()
    model.load_state_dict(checkpoint["module_state_dict"])
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    keys = ",".join(checkpoint)
    out = model(torch.ones(1, 3)).detach().round(decimals=4).tolist()
    return f"{keys} epochs={checkpoint['epochs']} lr={optimizer.param_groups[0]['lr']} out={out}"


@workflow
def checkpoints(hp: Hyperparameters) -> str:
    return describe(checkpoint=train(hp=hp))


if __name__ == "__main__":
    x, shape = tensors(rows=3, cols=2)
    print("standardized", x.round(decimals=4).tolist(), shape)
    print("optional", maybe_tensor(give=True).tolist(), maybe_tensor(give=False))
    print("checkpoint", checkpoints(hp=Hyperparameters(epochs=3, lr=0.05)))
