"""Mocking a SQL task: an SQLTask cannot run locally, task_mock and patch stand in for it in a
workflow's test (flytekit's testing section: mocking, written fresh)."""

import datetime
import logging
import typing

from flytekit import SQLTask, TaskMetadata, kwtypes, task, workflow
from flytekit.testing import patch, task_mock

daily_orders = SQLTask(
    "daily-orders",
    query_template="SELECT count(*) FROM orders WHERE day = '{{ .inputs.day }}' AND region = '{{ .inputs.region }}'",
    inputs=kwtypes(day=datetime.datetime, region=str),
    outputs=kwtypes(results=int),
    metadata=TaskMetadata(retries=2),
)


@task
def yesterday(today: datetime.datetime) -> datetime.datetime:
    return today - datetime.timedelta(days=1)


@task
def report(count: int, region: str) -> str:
    return f"{region}: {count} orders"


@workflow
def orders_report(today: datetime.datetime, region: str) -> str:
    return report(count=daily_orders(day=yesterday(today=today), region=region), region=region)


@patch(daily_orders)
def test_with_patch(mock) -> typing.List[str]:
    mock.side_effect = lambda day, region: {"eu": 3, "us": 5}[region]
    return [
        orders_report(today=datetime.datetime(2024, 5, 2), region="eu"),
        orders_report(today=datetime.datetime(2024, 5, 2), region="us"),
    ]


if __name__ == "__main__":
    logging.getLogger("flytekit").setLevel(logging.ERROR)
    print(daily_orders.name, daily_orders.metadata.retries)
    with task_mock(daily_orders) as mock:
        mock.return_value = 42
        print(orders_report(today=datetime.datetime(2024, 5, 2), region="eu"))
        call = mock.call_args.kwargs
        print(call["day"].date(), call["region"])
    print(test_with_patch())
