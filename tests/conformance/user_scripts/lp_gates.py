"""Gate nodes: sleep runs locally (it only says it would sleep); input and approval gates are
declared (flytekit's waiting-for-external-inputs example)."""

import typing
from datetime import timedelta

from flytekit import approve, sleep, task, wait_for_input, workflow


@task
def compute(n: int) -> int:
    print(f"computing {n}")
    return n * n


@task
def publish(report: dict, title: str) -> dict:
    return {"title": title, **report}


@task
def make_report(data: typing.List[float]) -> dict:
    return {"n": len(data), "max": max(data)}


@workflow
def sleepy(n: int) -> int:
    pause = sleep(timedelta(minutes=2))
    result = compute(n=n)
    pause >> result
    return result


@workflow
def reviewed(data: typing.List[float]) -> dict:
    report = make_report(data=data)
    title = wait_for_input("title", timeout=timedelta(hours=1), expected_type=str)
    report >> title
    final = publish(report=report, title=title)
    return approve(final, "publish-report", timeout=timedelta(hours=2))


if __name__ == "__main__":
    print(sleepy(n=7))
    print(len(reviewed.nodes))
    print(sleepy(n=3))
