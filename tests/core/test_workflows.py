"""@workflow: compile at definition, local runs through literals, templates, sub-workflows."""

import datetime
import typing

import pytest
from flyteidl.core import workflow_pb2

import taskplug
from taskplug import (
    ImperativeWorkflow,
    Promise,
    PythonFunctionTask,
    PythonFunctionWorkflow,
    WorkflowFailurePolicy,
    create_node,
    task,
    workflow,
)
from taskplug.settings import SerializationSettings
from taskplug.workflows.serialize import (
    Registrable,
    default_launch_plan,
    workflow_spec,
    workflow_template,
)

SETTINGS = SerializationSettings.for_tests()
CALLS: list[str] = []


class Stats(typing.NamedTuple):
    total: int
    label: str


@task
def inc(x: int) -> int:
    CALLS.append("inc")
    return x + 1


@task(retries=3, timeout=90, interruptible=True)
def double(x: int) -> int:
    return x * 2


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def stats(xs: list[int]) -> Stats:
    return Stats(sum(xs), f"{len(xs)} items")


@task
def pair(a: int) -> tuple[int, str]:
    return a, str(a)


@task
def say(s: str, n: typing.Optional[int] = None) -> str:
    return s * (n or 1)


@task
def single(a: int) -> typing.NamedTuple("One", [("only", int)]):  # type: ignore[valid-type]
    return a  # (a one-field NamedTuple task returns the value itself here)


BODY_RUNS: list[int] = []


@workflow
def linear(a: int) -> int:
    """Increment, then double.

    :param a: the start
    """
    BODY_RUNS.append(a)  # runs once, at definition, with a promise
    return double(x=inc(x=a))


@workflow()
def fan_in(a: int, b: int) -> Stats:
    x = inc(x=a)
    y = double(x=b)
    return stats(xs=[x, y, add(a=x, b=y), 4])


@workflow
def defaults(s: str = "ab", n: typing.Optional[int] = None, f: float = 1.5) -> str:
    return say(s=s, n=n)


@workflow
def sub(a: int) -> tuple[int, str]:
    return pair(a=double(x=a))


@workflow
def with_sub(a: int) -> tuple[str, int]:
    x, label = sub(a=a)
    return label, inc(x=x)


@workflow
def twice(a: int) -> int:
    return inc(x=inc(x=a))


@workflow
def reorder(a: int) -> tuple[str, int]:
    n, s = pair(a=a)
    return s, n


@workflow
def named(a: int) -> Stats:
    x = inc(x=a)
    return Stats(total=x, label=say(s="n"))


@workflow
def one_named(a: int) -> typing.NamedTuple("Out", [("only", int)]):  # type: ignore[valid-type]
    return single(a=a)


@workflow
def passthrough(a: int, s: str) -> tuple[str, int]:
    return s, a


def test_decorator_with_and_without_parentheses() -> None:
    assert isinstance(linear, PythonFunctionWorkflow)
    assert isinstance(fan_in, PythonFunctionWorkflow)
    assert linear.name == f"{__name__}.linear" and linear.short_name == "linear"
    assert linear.__doc__ and linear.__doc__.startswith("Increment")
    assert taskplug.workflow is workflow


def test_body_runs_once_at_definition_with_promises() -> None:
    assert len(BODY_RUNS) == 1 and isinstance(BODY_RUNS[0], Promise)
    assert BODY_RUNS[0].is_workflow_input and BODY_RUNS[0].var == "a"
    CALLS.clear()
    assert linear(a=1) == 4 and linear(a=5) == 12
    assert len(BODY_RUNS) == 1  # the compiled graph ran, not the function
    assert CALLS == ["inc", "inc"]


def test_local_runs() -> None:
    assert fan_in(a=1, b=2) == Stats(total=2 + 4 + 6 + 4, label="4 items")
    assert isinstance(fan_in(a=1, b=2), Stats)
    assert defaults() == "ab" and defaults(n=3) == "ababab" and defaults("x", 2) == "xx"
    assert with_sub(a=3) == ("6", 7)
    assert twice(a=1) == 3
    assert reorder(a=7) == ("7", 7)
    assert named(a=1) == Stats(2, "n")
    assert one_named(a=4) == (4,) and one_named(a=4).only == 4
    assert passthrough(a=1, s="z") == ("z", 1)


def test_node_ids_bindings_and_upstream() -> None:
    nodes = fan_in.nodes
    assert [n.id for n in nodes] == ["n0", "n1", "n2", "n3"]
    assert [n.entity for n in nodes] == [inc, double, add, stats]
    n2 = nodes[2]
    assert [var for var, _ in n2.bindings] == ["a", "b"]  # sorted, as flytekit
    assert n2.upstream == [nodes[0], nodes[1]]
    assert nodes[3].upstream == [nodes[0], nodes[1], nodes[2]]
    assert nodes[0].upstream == [] and nodes[0].inputs[0][1][0] == "p"
    assert linear.nodes[1].o0.node is linear.nodes[1]
    assert linear.nodes[1].outputs["o0"].var == "o0"


def test_task_used_twice_makes_two_nodes() -> None:
    a, b = twice.nodes
    assert a.entity is b.entity is inc and (a.id, b.id) == ("n0", "n1")
    tt = workflow_template(twice, SETTINGS)
    assert tt.nodes[0].task_node.reference_id == tt.nodes[1].task_node.reference_id
    reg = Registrable(SETTINGS)
    reg.add(twice)
    assert [kind for kind, _, _ in reg.entries] == ["task", "workflow", "launch_plan"]


def test_template_fields() -> None:
    tt = workflow_template(fan_in, SETTINGS)
    assert isinstance(tt, workflow_pb2.WorkflowTemplate)
    assert (tt.id.resource_type, tt.id.name, tt.id.version) == (2, fan_in.name, "version")
    assert sorted(tt.interface.inputs.variables) == ["a", "b"]
    assert sorted(tt.interface.outputs.variables) == ["label", "total"]
    n3 = tt.nodes[3]
    assert n3.metadata.name == "stats" and n3.metadata.HasField("retries")
    xs = n3.inputs[0].binding.collection.bindings
    assert [b.WhichOneof("value") for b in xs] == ["promise", "promise", "promise", "scalar"]
    assert xs[3].scalar.primitive.integer == 4
    assert (xs[1].promise.node_id, xs[1].promise.var) == ("n1", "o0")
    assert [(o.var, o.binding.promise.node_id, o.binding.promise.var) for o in tt.outputs] == [
        ("total", "n3", "total"),
        ("label", "n3", "label"),
    ]
    dbl = tt.nodes[1].metadata
    assert (dbl.retries.retries, dbl.timeout.seconds, dbl.interruptible) == (3, 90, True)
    assert tt.nodes[1].task_node.HasField("overrides")


def test_workflow_inputs_and_constants_in_bindings() -> None:
    tt = workflow_template(passthrough, SETTINGS)
    assert tt.nodes == []
    assert [(o.var, o.binding.promise.node_id, o.binding.promise.var) for o in tt.outputs] == [
        ("o0", "", "s"),
        ("o1", "", "a"),
    ]
    tt = workflow_template(defaults, SETTINGS)
    assert {b.var for b in tt.nodes[0].inputs} == {"s", "n"}


def test_sub_workflow_node_and_sub_workflows() -> None:
    spec = workflow_spec(with_sub, SETTINGS)
    node = spec.template.nodes[0]
    assert node.WhichOneof("target") == "workflow_node"
    assert node.workflow_node.sub_workflow_ref.name == sub.name
    assert node.metadata.name == "sub" and node.metadata.HasField("interruptible")
    assert [s.id.name for s in spec.sub_workflows] == [sub.name]
    assert spec.sub_workflows[0].nodes[0].id == "n0"


def test_default_launch_plan_parameters() -> None:
    lp = default_launch_plan(defaults, SETTINGS)
    params = lp.spec.default_inputs.parameters
    assert params["s"].default.scalar.primitive.string_value == "ab"
    assert params["n"].default.scalar.HasField("none_type")
    assert params["f"].default.scalar.primitive.float_value == 1.5
    lp = default_launch_plan(linear, SETTINGS)
    assert lp.spec.default_inputs.parameters["a"].required is True
    assert lp.id.resource_type == 3 and lp.spec.workflow_id.name == linear.name


def test_metadata_policy_and_interruptible() -> None:
    @workflow(
        interruptible=True,
        failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE,
    )
    def policy(a: int) -> int:
        return inc(x=a)

    tt = workflow_template(policy, SETTINGS)
    assert tt.metadata.on_failure == 1 and tt.metadata_defaults.interruptible is True
    assert policy.construct_node_metadata().interruptible is True
    assert workflow_template(linear, SETTINGS).metadata.on_failure == 0


def test_task_node_metadata_and_lhs() -> None:
    md = double.construct_node_metadata()
    assert (md.name, md.retries, md.interruptible, md.timeout) == (
        "double",
        3,
        True,
        datetime.timedelta(seconds=90),
    )
    assert md.to_flyte_idl().retries.retries == 3
    assert linear.lhs == "linear" and linear.find_lhs() == "linear"
    assert linear.location == f"{__name__}.linear" and inc.lhs == "inc"


def test_runs_before_and_create_node() -> None:
    @task
    def first() -> None:
        CALLS.append("first")

    @task
    def second() -> None:
        CALLS.append("second")

    @workflow
    def ordered() -> None:
        b = create_node(second)
        a = create_node(first)
        a >> b

    assert [n.id for n in ordered.nodes] == ["n0", "n1"]
    assert ordered.nodes[0].upstream == [ordered.nodes[1]]
    CALLS.clear()
    ordered()
    assert CALLS == ["first", "second"]  # the dependency, not creation order
    tt = workflow_template(ordered, SETTINGS)
    assert list(tt.nodes[0].upstream_node_ids) == ["n1"]

    @workflow
    def chained(a: int) -> int:
        x = inc(x=a)
        y = double(x=a)
        y >> x
        return add(a=x, b=y)

    assert chained.nodes[0].upstream == [chained.nodes[1]]
    assert chained(a=1) == 2 + 2


def test_imperative_workflow() -> None:
    wb = ImperativeWorkflow(name="my.imperative")
    wb.add_workflow_input("in1", int)
    node = wb.add_entity(inc, x=wb.inputs["in1"])
    node2 = wb.add_entity(double, x=node.outputs["o0"])
    wb.add_workflow_output("from_n1", node2.outputs["o0"])
    wb.add_workflow_output("both", [node.o0, node2.o0], python_type=list[int])
    assert wb.ready()
    assert wb(in1=2) == (6, [3, 6])
    tt = workflow_template(wb, SETTINGS)
    assert [n.id for n in tt.nodes] == ["n0", "n1"]
    assert [o.var for o in tt.outputs] == ["from_n1", "both"]
    assert tt.id.name == "my.imperative"


def test_failure_handler_node_and_local_call() -> None:
    seen: list[int] = []

    @task
    def boom(x: int) -> int:
        if x > 0:
            raise ValueError(f"boom {x}")
        return x

    @task
    def cleanup(a: int) -> None:
        seen.append(a)

    @workflow(on_failure=cleanup)
    def fragile(a: int) -> int:
        return boom(x=a)

    assert fragile.failure_node is not None and fragile.failure_node.id == "fn0"
    tt = workflow_template(fragile, SETTINGS)
    assert tt.failure_node.id == "fn0" and tt.failure_node.inputs[0].binding.promise.var == "a"
    with pytest.raises(ValueError, match="boom 5") as info:
        fragile(a=5)
    assert seen == [5]
    assert any("node 'n0'" in n and fragile.name in n for n in info.value.__notes__)

    wb = ImperativeWorkflow(name="my.guarded")
    wb.add_workflow_input("a", int)
    wb.add_entity(boom, x=wb.inputs["a"])
    handler = wb.add_on_failure_handler(cleanup)
    assert handler.id == "efn" and wb.failure_node is handler
    assert workflow_template(wb, SETTINGS).failure_node.id == "efn"


def test_plugin_can_wrap_a_task_with_public_names_only() -> None:
    """What the eager plugin's get_as_workflow() needs, through public names."""
    from taskplug import ImperativeWorkflow as PublicImperative
    from taskplug.workflows.serialize import workflow_template as public_template

    wb = PublicImperative(name=add.name)
    kwargs = {}
    for name, typ in add.python_interface.inputs.items():
        kwargs[name] = wb.add_workflow_input(name, typ)
    node = wb.add_entity(add, **kwargs)
    for name in add.python_interface.outputs:
        wb.add_workflow_output(name, node.outputs[name])
    assert wb(a=2, b=5) == 7
    assert public_template(wb, SETTINGS).nodes[0].task_node.reference_id.name == add.name


def test_async_task_in_a_workflow() -> None:
    @task
    async def slow_inc(x: int) -> int:
        return x + 1

    @workflow
    def uses_async(a: int) -> int:
        return double(x=slow_inc(x=a))

    assert uses_async(a=1) == 4
    assert uses_async.nodes[0].entity is slow_inc


def test_workflow_inside_a_task_run_and_nested_calls() -> None:
    @task
    def runs_a_workflow(a: int) -> int:
        return linear(a=a)

    assert runs_a_workflow(a=2) == 6


def test_large_workflow_compiles_and_runs() -> None:
    @workflow
    def chain(a: int) -> int:
        x = a
        for _ in range(300):
            x = inc(x=x)
        return x

    assert len(chain.nodes) == 300 and chain.nodes[-1].id == "n299"
    assert chain(a=0) == 300


def test_task_compile_adds_a_node_and_needs_a_compilation() -> None:
    @workflow
    def via_compile(a: int) -> int:
        return double.compile(x=inc.compile(a))

    assert [n.entity for n in via_compile.nodes] == [inc, double]
    assert via_compile(a=1) == 4
    with pytest.raises(taskplug.TaskplugError, match="inside a @workflow or @dynamic"):
        inc.compile(x=1)


def test_a_task_with_get_as_workflow_registers_its_workflow_and_launch_plan() -> None:
    """How an eager task (another plugin) joins serialize/package: get_as_workflow()."""

    class WrappedTask(PythonFunctionTask):  # type: ignore[type-arg]
        def get_as_workflow(self) -> ImperativeWorkflow:
            wb = ImperativeWorkflow(name=self.name)
            wb.add_workflow_input("x", int)
            node = wb.add_entity(self, x=wb.inputs["x"])
            wb.add_workflow_output("o0", node.outputs["o0"])
            return wb

    def wrapped(x: int) -> int:
        return x

    t = WrappedTask(None, wrapped)
    reg = Registrable(SETTINGS)
    reg.add(t)
    assert [(k, e.name) for k, e, _ in reg.entries] == [
        ("task", t.name),
        ("workflow", t.name),
        ("launch_plan", t.name),
    ]
