"""current_context(): execution and task ids, working directory, logging, stats and the default
deck, inside a task, inside a workflow's tasks and at module level (flytekit's basics)."""

import logging
import os
import typing

import flytekit
from flytekit import current_context, task, workflow

module_ctx = current_context()
print("module level:", module_ctx.execution_id, module_ctx.execution_id.name)
print("module project/domain:", module_ctx.execution_id.project, module_ctx.execution_id.domain)
print("module task id:", module_ctx.task_id)
print("module working dir exists:", os.path.isdir(module_ctx.working_directory))
print("module logger:", isinstance(module_ctx.logging, logging.Logger))
try:
    module_ctx.checkpoint
except NotImplementedError:
    print("no checkpoint outside a task")


@task
def scratch_note(text: str) -> str:
    ctx = flytekit.current_context()
    ctx.logging.debug("writing %s", text)
    path = os.path.join(ctx.working_directory, "note.txt")
    with open(path, "w") as fh:
        fh.write(text.upper())
    with open(path) as fh:
        content = fh.read()
    return f"{ctx.execution_id.name}/{ctx.task_id.resource_type_name()}: {content}"


@task
def ids() -> typing.Tuple[str, str, str]:
    ctx = current_context()
    return str(ctx.execution_id), str(ctx.task_id), ctx.execution_id.domain


@task
def counted(n: int) -> int:
    stats = current_context().stats
    for _ in range(n):
        stats.incr("loops")
    with stats.timer("sleepless"):
        total = sum(range(n))
    deck = current_context().default_deck
    print("deck:", deck.name)
    return total


@workflow
def notes(text: str) -> typing.Tuple[str, str, str, str]:
    a = scratch_note(text=text)
    b, c, d = ids()
    return a, b, c, d


def show(values: typing.Tuple[str, ...]) -> None:
    for value in values:
        print(" ", value)


@task
def same_dir_twice() -> bool:
    ctx = current_context()
    return ctx.working_directory == current_context().working_directory


if __name__ == "__main__":
    print(scratch_note(text="hello"))
    show(notes(text="from a workflow"))
    print(counted(n=4))
    print("same directory within a run:", same_dir_twice())
    print("module context again:", current_context().execution_id)
