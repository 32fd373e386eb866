"""FlyteContextManager / FlyteContext: file access (random paths, copies, exists), the user
parameters, and the compilation state of a workflow being built — a decorator that adds setup
and teardown nodes around a workflow's nodes (flytekit's advanced composition section)."""

import os
import tempfile

from flytekit import FlyteContext, FlyteContextManager, current_context, task, workflow
from flytekit.core.node_creation import create_node

calls = []
compiled = []


@task
def setup() -> None:
    calls.append("setup")


@task
def teardown() -> None:
    calls.append("teardown")


@task
def double(x: int) -> int:
    calls.append("double")
    return x * 2


@task
def inc(x: int) -> int:
    calls.append("inc")
    return x + 1


def around(body):
    """Runs setup before and teardown after the nodes ``body`` creates (no functools.wraps)."""

    def build(x):
        ctx = FlyteContextManager.current_context()
        before = create_node(setup)
        out = body(x)
        after = create_node(teardown)
        if ctx.compilation_state is not None:  # flytekit also runs this body in local runs
            nodes = ctx.compilation_state.nodes
            compiled.append([len(nodes), nodes[0] is before, nodes[-1] is after])
            before >> nodes[1]
            nodes[-2] >> after
        return out

    return build


def body(x):
    return inc(x=double(x=x))


@workflow
def pipeline(x: int) -> int:
    return around(body)(x)


@task
def copy_around(text: str) -> str:
    ctx = FlyteContextManager.current_context()
    print(
        "user params are current_context():",
        ctx.user_space_params.execution_id == current_context().execution_id,
    )
    fa = ctx.file_access
    src = os.path.join(current_context().working_directory, "in.txt")
    with open(src, "w") as fh:
        fh.write(text)
    dst = fa.get_random_local_path("out.txt")
    print("random local path keeps the name:", os.path.basename(dst), fa.exists(dst))
    fa.put_data(src, dst)
    back = fa.get_random_local_path()
    fa.get_data(dst, back)
    folder = fa.get_random_local_directory()
    print("random local directory is empty:", os.listdir(folder))
    with open(back) as fh:
        return fh.read()


if __name__ == "__main__":
    ctx = FlyteContext.current_context()
    print("compiling outside a workflow:", ctx.compilation_state)
    print(
        "remote paths:",
        ctx.file_access.is_remote("s3://bucket/key"),
        ctx.file_access.is_remote("/tmp/x"),
    )
    print("module user params:", ctx.user_space_params.execution_id)
    print(pipeline(x=3))
    print("compiled:", compiled)
    print(calls)
    print(copy_around(text="copied"))
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "f.txt"), "w") as fh:
        fh.write("x")
    target = os.path.join(tempfile.mkdtemp(), "copy")
    ctx.file_access.upload_directory(tmp, target)
    print("uploaded folder:", os.listdir(target))
    again = os.path.join(tempfile.mkdtemp(), "again")
    ctx.file_access.download_directory(target, again)
    print("downloaded folder:", os.listdir(again))
