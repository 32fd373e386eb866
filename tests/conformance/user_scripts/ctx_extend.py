"""flytekit.extend: a task type written as a PythonTask subclass with flytekit's constructor,
reading the context through flytekit.extend.context_manager (flytekit's extending section)."""

import os
import tempfile
import typing

from flytekit import TaskMetadata, task, workflow
from flytekit.extend import (
    ExecutionState,
    FileAccessProvider,
    Interface,
    PythonTask,
    SecretsManager,
    TypeEngine,
    context_manager,
)


class CountLines(PythonTask):
    """A task type: counts the lines of a file that must exist."""

    def __init__(self, name: str, **kwargs: typing.Any):
        super().__init__(
            task_type="line-counter",
            name=name,
            task_config=None,
            interface=Interface(inputs={"path": str}, outputs={"lines": int}),
            **kwargs,
        )

    def execute(self, **kwargs: typing.Any) -> typing.Any:
        ctx = context_manager.FlyteContext.current_context()
        params = ctx.user_space_params
        path = kwargs["path"]
        if not ctx.file_access.exists(path):
            params.logging.debug("no file at %s", path)
            return 0
        with open(path) as fh:
            return sum(1 for _ in fh)


counter = CountLines(name="count-lines", metadata=TaskMetadata(retries=2))


@task
def write_lines(n: int) -> str:
    path = os.path.join(tempfile.mkdtemp(), "lines.txt")
    with open(path, "w") as fh:
        fh.write("".join(f"line {i}\n" for i in range(n)))
    return path


@workflow
def count(n: int) -> int:
    return counter(path=write_lines(n=n))


if __name__ == "__main__":
    print(count(n=4))
    print(counter(path="/does/not/exist"))
    print(counter.name, counter.task_type, counter.metadata.retries)
    print(TypeEngine.to_literal_type(int).simple)
    print(issubclass(CountLines, PythonTask))
    print(
        isinstance(
            context_manager.FlyteContextManager.current_context().file_access, FileAccessProvider
        )
    )
    print(ExecutionState.__name__, SecretsManager().get_secrets_env_var("a", "b"))
