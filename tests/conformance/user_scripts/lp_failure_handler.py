"""A failure handler taking FlyteError, on a workflow and on its sub-workflow (flytekit's
failure node example)."""

import typing

from flytekit import WorkflowFailurePolicy, task, workflow
from flytekit.types.error.error import FlyteError


@task
def create_cluster(name: str):
    print(f"creating cluster {name}")


@task
def train(epochs: int):
    raise RuntimeError(f"diverged after {epochs} epochs")


@task
def clean_up(name: str, err: typing.Optional[FlyteError] = None):
    print(f"deleting cluster {name} after {err}")


@workflow(on_failure=clean_up)
def inner(name: str):
    c = create_cluster(name=name)
    t = train(epochs=3)
    c >> t


@workflow(
    on_failure=clean_up, failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
)
def outer(name: str = "main"):
    c = create_cluster(name=name)
    i = inner(name="side")
    c >> i


@workflow
def clean_up_wf(name: str):
    clean_up(name=name)


@workflow(on_failure=clean_up_wf)
def handled_by_workflow(name: str = "wf-cluster"):
    train(epochs=1)


if __name__ == "__main__":
    for wf in (inner, outer, handled_by_workflow):
        try:
            wf(name="x") if wf is inner else wf()
        except Exception as e:
            print("failed with", type(e).__name__)
    print(FlyteError(message="m", failed_node_id="n1"))
