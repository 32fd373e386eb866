"""numpy.ndarray task inputs and outputs, in tasks and workflows."""

import typing

import numpy as np
from flytekit import kwtypes, task, workflow
from typing_extensions import Annotated


@task
def grid(rows: int, cols: int) -> np.ndarray:
    return np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)


@task
def normalize(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=0)) / x.std(axis=0)


@task
def shape_of(x: np.ndarray) -> typing.List[int]:
    return list(x.shape)


@task
def records() -> Annotated[np.ndarray, kwtypes(allow_pickle=True)]:
    return np.array([{"id": 1}, {"id": 2}], dtype=object)


@task
def ids(rs: Annotated[np.ndarray, kwtypes(allow_pickle=True)]) -> typing.List[int]:
    return [r["id"] for r in rs]


@workflow
def arrays_wf(rows: int, cols: int) -> np.ndarray:
    return normalize(x=grid(rows=rows, cols=cols))


@workflow
def shape_wf(rows: int) -> typing.List[int]:
    return shape_of(x=grid(rows=rows, cols=2))


@workflow
def records_wf() -> typing.List[int]:
    return ids(rs=records())


if __name__ == "__main__":
    print(grid(rows=2, cols=3))
    out = arrays_wf(rows=3, cols=2)
    print(out.dtype, out.shape)
    print(np.round(out, 3))
    print(shape_wf(rows=4))
    print(records_wf())
