"""The workflow catalogue the conformance tests build with both flytekit and taskplug.

``HEADERS[lib] + CATALOGUE`` is the source of one module; written to disk twice under the same
module name (once per library), it gives entities whose ids agree.
"""

HEADERS = {
    "flytekit": (
        "from flytekit import Resources, WorkflowFailurePolicy, dynamic, task, workflow\n"
        "from flytekit import Workflow as ImperativeWorkflow\n"
        "from flytekit.core.node_creation import create_node\n"
        "from flytekit.extras.accelerators import A100, T4\n"
    ),
    "taskplug": (
        "from taskplug import Resources, WorkflowFailurePolicy, dynamic, task, workflow\n"
        "from taskplug import ImperativeWorkflow, create_node\n"
        "from taskplug.accelerators import A100, T4\n"
    ),
}

CATALOGUE = '''
import datetime
import typing


class Stats(typing.NamedTuple):
    total: int
    label: str


@task
def inc(x: int) -> int:
    return x + 1


@task(retries=2, timeout=60, interruptible=True)
def double(x: int) -> int:
    """Double a number.

    :param x: the number
    """
    return x * 2


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def stats(xs: typing.List[int]) -> Stats:
    return Stats(sum(xs), str(len(xs)))


@task
def pair(a: int) -> typing.Tuple[int, str]:
    return a, str(a)


@task
def say(s: str, n: typing.Optional[int] = None) -> str:
    return s * (n or 1)


@task
def merge(m: typing.Dict[str, int], xs: typing.Optional[typing.List[int]] = None) -> int:
    return sum(m.values())


@task
def noop() -> None:
    return None


@task
def cleanup(a: int) -> None:
    return None


@workflow
def linear(a: int) -> int:
    """A straight line.

    :param a: the start
    """
    return double(x=inc(x=a))


@workflow
def fan_in(a: int, b: int) -> Stats:
    x = inc(x=a)
    y = double(x=b)
    z = add(a=x, b=y)
    return stats(xs=[x, y, z, 4])


@workflow
def defaults(a: int = 3, s: str = "hi", o: typing.Optional[int] = None, f: float = 1.5) -> str:
    return say(s=s, n=o)


@workflow
def sub(a: int) -> typing.Tuple[int, str]:
    return pair(a=double(x=a))


@workflow
def with_sub(a: int) -> typing.Tuple[str, int]:
    x, y = sub(a=a)
    return y, inc(x=x)


@workflow
def nested(a: int) -> str:
    s, n = with_sub(a=a)
    return say(s=s, n=n)


@workflow
def twice(a: int) -> int:
    return inc(x=inc(x=a))


@workflow
def reorder(a: int) -> typing.Tuple[str, int]:
    n, s = pair(a=a)
    return s, n


@workflow
def passthrough(a: int, s: str) -> typing.Tuple[str, int]:
    noop()
    return s, a


@workflow
def constants() -> int:
    return add(a=1, b=2)


@workflow
def containers(a: int) -> int:
    x = inc(x=a)
    return merge(m={"x": x, "k": 5}, xs=[x, 2])


@workflow
def named_out(a: int) -> Stats:
    return stats(xs=[inc(x=a)])


@workflow
def ordering(a: int) -> int:
    n1 = noop()
    x = inc(x=a)
    n1 >> x
    return x


@workflow
def explicit_nodes(a: int) -> int:
    first = create_node(noop)
    second = create_node(inc, x=a)
    first >> second
    return second.o0


@workflow
def overrides(a: int) -> int:
    x = inc(x=a).with_overrides(
        requests=Resources(cpu="1", mem="1Gi"), limits=Resources(cpu="2", mem="2Gi")
    )
    y = double(x=x).with_overrides(
        retries=5, timeout=datetime.timedelta(minutes=3), interruptible=False, name="dbl"
    )
    z = inc(x=y).with_overrides(node_name="my_Node", container_image="ghcr.io/acme/other:2")
    w = inc(x=z).with_overrides(accelerator=T4, limits=Resources(gpu="1"))
    v = inc(x=w).with_overrides(shared_memory="2Gi", accelerator=A100.partition_2g_10gb)
    u = inc(x=v).with_overrides(resources=Resources(cpu=("1", "3"), ephemeral_storage="5Gi"))
    return add(a=u, b=1).with_overrides(cache=True, cache_version="7", cache_serialize=True)


@workflow(interruptible=True, failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE)
def policy(a: int) -> int:
    return inc(x=a)


@workflow
def uses_policy(a: int) -> int:
    return policy(a=a)


@workflow(on_failure=cleanup)
def guarded(a: int) -> int:
    return inc(x=a)


imperative = ImperativeWorkflow(name="wfcat.imperative")
imperative.add_workflow_input("in1", int)
_node = imperative.add_entity(inc, x=imperative.inputs["in1"])
_node2 = imperative.add_entity(double, x=_node.outputs["o0"])
imperative.add_workflow_output("from_n1", _node2.outputs["o0"])
imperative.add_workflow_output("both", [_node.outputs["o0"], 3], python_type=typing.List[int])


@dynamic
def fan_out(n: int) -> typing.List[int]:
    return [double(x=i) for i in range(n)]


@dynamic
def dyn_sub(n: int) -> int:
    x, s = sub(a=n)
    return add(a=inc(x=x), b=n)


@dynamic
def dyn_overrides(n: int) -> int:
    return inc(x=n).with_overrides(retries=3, requests=Resources(mem="3Gi"))
'''
