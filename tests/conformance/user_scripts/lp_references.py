"""Reference tasks and launch plans in a workflow: they cannot run here, but run with a mock
(flytekit's productionizing and testing examples)."""

import logging
import typing
from unittest import mock

from flytekit import reference_launch_plan, reference_task, task, workflow


@reference_task(
    project="flytesnacks",
    domain="development",
    name="shared.clean_values",
    version="v12",
)
def clean_values(values: typing.List[float], limit: float) -> typing.List[float]: ...


@reference_launch_plan(
    project="flytesnacks",
    domain="production",
    name="shared.summary_lp",
    version="v3",
)
def summary(values: typing.List[float]) -> str: ...


@task
def count(values: typing.List[float]) -> int:
    return len(values)


@workflow
def pipeline(values: typing.List[float]) -> typing.Tuple[int, str]:
    cleaned = clean_values(values=values, limit=10.0)
    return count(values=cleaned), summary(values=cleaned)


if __name__ == "__main__":
    logging.getLogger("flytekit").setLevel(logging.CRITICAL)  # flytekit logs the failure too
    print(clean_values.name, summary.name)
    print(clean_values.python_interface.inputs, clean_values.python_interface.outputs)
    try:
        pipeline(values=[1.0, 20.0])
    except Exception as e:
        print("cannot run locally:", "cannot be run locally" in str(e))
    try:
        clean_values(values=[1.0], limit=2.0)
    except Exception as e:
        print("direct call:", "mock" in str(e))
    with (
        mock.patch.object(clean_values, "execute", return_value=[1.0, 2.0, 3.0]),
        mock.patch.object(summary, "execute", return_value="three values"),
    ):
        print(tuple(pipeline(values=[1.0, 20.0])))
        print(clean_values(values=[5.0], limit=1.0))
