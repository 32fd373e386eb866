"""conditional(): branch nodes, comparisons, local runs of the branch taken, misuse."""

import dataclasses
import datetime
import typing

import pytest

from taskplug import (
    PromiseUsageError,
    conditional,
    dynamic,
    task,
    workflow,
)
from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.workflows.condition import ConditionFailedError
from taskplug.workflows.errors import WorkflowCompileError, WorkflowTypeError
from taskplug.workflows.serialize import Registrable, workflow_spec

MOD = __name__
SETTINGS = SerializationSettings(
    project="p", domain="d", version="v", image_config=ImageConfig.from_images("img:1")
)
RAN: list[str] = []


class Pair(typing.NamedTuple):
    low: int
    high: int


@task
def double(n: float) -> float:
    RAN.append("double")
    return 2 * n


@task
def square(n: float) -> float:
    RAN.append("square")
    return n * n


@task
def is_even(n: int) -> bool:
    return n % 2 == 0


@task
def shout(s: str) -> str:
    RAN.append("shout")
    return s.upper()


@task
def note(s: str) -> None:
    RAN.append(f"note {s}")


@task
def pair(n: int) -> Pair:
    return Pair(n - 1, n + 1)


@dataclasses.dataclass
class Box:
    low: int
    high: int


@task
def box(n: int) -> Box:
    return Box(n - 1, n + 1)


@task
def other_pair(n: int) -> Pair:
    return Pair(n, n)


@task
def maybe(n: int) -> typing.Optional[int]:
    return n if n > 0 else None


@task
def stamp(year: int) -> datetime.datetime:
    return datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)


@workflow
def fractions(x: float) -> float:
    return (
        conditional("fractions")
        .if_((x > 0.1) & (x < 1.0))
        .then(double(n=x))
        .elif_((x >= 1.0) | (x == -5.0))
        .then(square(n=x))
        .else_()
        .fail("x must be above 0.1")
    )


@workflow
def consume(x: float) -> float:
    a = double(n=x)
    b = conditional("inner").if_(a < 10.0).then(square(n=a)).else_().then(double(n=a))
    return double(n=b)


def setup_function() -> None:
    RAN.clear()


def test_only_the_branch_taken_runs() -> None:
    assert fractions(x=0.5) == 1.0
    assert RAN == ["double"]
    RAN.clear()
    assert fractions(x=3.0) == 9.0
    assert RAN == ["square"]
    RAN.clear()
    assert fractions(x=-5.0) == 25.0  # the | side
    assert RAN == ["square"]


def test_fail_branch_raises_a_value_error_with_the_message() -> None:
    with pytest.raises(ConditionFailedError) as info:
        fractions(x=0.0)
    err = info.value
    assert isinstance(err, ValueError)
    assert str(err) == "x must be above 0.1"  # flytekit's ValueError text
    assert (err.workflow, err.node, err.conditional) == (f"{MOD}.fractions", "n0", "fractions")
    assert any("conditional 'fractions'" in n for n in err.__notes__)
    assert RAN == []


def test_the_output_of_a_conditional_feeds_later_nodes() -> None:
    assert consume(x=2.0) == 32.0  # double(2)=4 < 10 -> square=16 -> double=32
    assert RAN == ["double", "square", "double"]
    RAN.clear()
    assert consume(x=6.0) == 48.0  # 12 -> double=24 -> double=48
    assert RAN == ["double", "double", "double"]
    assert [n.id for n in consume.nodes] == ["n0", "n1", "n2"]
    assert consume.nodes[1].upstream_nodes == [consume.nodes[0]]


def test_nested_conditionals() -> None:
    @workflow
    def nested(x: float) -> float:
        return (
            conditional("outer")
            .if_(x < 1.0)
            .then(
                conditional("inner")
                .if_(x < 0.5)
                .then(double(n=x))
                .else_()
                .fail("between 0.5 and 1")
            )
            .else_()
            .then(square(n=x))
        )

    assert nested(x=0.25) == 0.5
    assert nested(x=2.0) == 4.0
    with pytest.raises(ValueError, match="between 0.5 and 1"):
        nested(x=0.7)
    branch = nested.nodes[0].entity
    inner_node = branch.cases[0].output_node
    assert inner_node.id == "n0" and inner_node.entity.name == "inner"


def test_is_true_is_false_on_a_task_output_and_an_input() -> None:
    @workflow
    def parity(n: int) -> str:
        even = is_even(n=n)
        return (
            conditional("parity")
            .if_(even.is_true())
            .then(shout(s="even"))
            .else_()
            .then(shout(s="odd"))
        )

    @workflow
    def flag(b: bool) -> str:
        return (
            conditional("flag").if_(b.is_false()).then(shout(s="no")).else_().then(shout(s="yes"))
        )

    assert (parity(n=4), parity(n=3)) == ("EVEN", "ODD")
    assert (flag(b=False), flag(b=True)) == ("NO", "YES")


def test_is_none_and_comparing_two_promises() -> None:
    @workflow
    def check(n: int, limit: int = 3) -> str:
        m = maybe(n=n)
        return (
            conditional("none")
            .if_(m.is_none())
            .then(shout(s="none"))
            .elif_(m > limit)
            .then(shout(s="big"))
            .else_()
            .then(shout(s="small"))
        )

    assert [check(n=0), check(n=5), check(n=2), check(n=2, limit=1)] == [
        "NONE",
        "BIG",
        "SMALL",
        "BIG",
    ]


def test_datetime_and_string_conditions() -> None:
    @workflow
    def when(year: int, name: str) -> str:
        t = stamp(year=year)
        return (
            conditional("when")
            .if_((t >= datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)) & (name != "x"))
            .then(shout(s="modern"))
            .else_()
            .then(shout(s="old"))
        )

    assert (when(year=2020, name="a"), when(year=1990, name="a"), when(year=2020, name="x")) == (
        "MODERN",
        "OLD",
        "OLD",
    )


def test_conjunctions_short_circuit_and_constants_on_the_left() -> None:
    @workflow
    def ranged(x: float) -> float:
        return (
            conditional("range")
            .if_((x > 1.0) & (x <= 2.0) | (x == 10.0))
            .then(double(n=x))
            .else_()
            .then(square(n=x))
        )

    assert (ranged(x=1.5), ranged(x=10.0), ranged(x=3.0)) == (3.0, 20.0, 9.0)
    comparison = ranged.nodes[0].entity.cases[0].expr.lhs.lhs
    assert comparison.op.name == "GT"  # 1.0 < x is x > 1.0, as Python reflects it


def test_void_branches_and_multi_output_branches() -> None:
    @workflow
    def side(n: int) -> None:
        conditional("side").if_(n > 0).then(note(s="pos")).else_().then(note(s="neg"))

    @workflow
    def pairs(n: int) -> Pair:
        return conditional("pairs").if_(n > 5).then(pair(n=n)).else_().then(other_pair(n=n))

    side(n=1)
    side(n=-1)
    assert RAN == ["note pos", "note neg"]
    assert pairs(n=10) == (9, 11) and pairs(n=2) == (2, 2)
    assert pairs(n=10).high == 11


def test_branches_with_different_outputs_give_only_the_common_ones() -> None:
    @workflow
    def mixed(n: int) -> None:
        conditional("mixed").if_(n > 0).then(shout(s="a")).else_().then(note(s="b"))

    mixed(n=1)
    assert RAN == ["shout"]
    assert mixed.nodes[0].entity.output_names == []


def test_a_branch_may_make_several_nodes_locally_but_not_on_the_wire() -> None:
    @workflow
    def chained(x: float) -> float:
        return (
            conditional("chain").if_(x > 0.0).then(double(n=square(n=x))).else_().then(double(n=x))
        )

    assert chained(x=3.0) == 18.0
    with pytest.raises(WorkflowCompileError, match="made 2 nodes") as info:
        workflow_spec(chained, SETTINGS)
    assert "conditional 'chain'" in str(info.value) and "node 'n0'" in str(info.value)


def test_conditionals_in_a_dynamic_task() -> None:
    @dynamic
    def pick(xs: list[float]) -> list[float]:
        out = []
        for x in xs:  # x is a real float here; d is a promise
            d = double(n=x)
            out.append(
                conditional(f"c{len(out)}").if_(d > 1.0).then(square(n=x)).else_().then(double(n=x))
            )
        return out

    assert pick(xs=[0.25, 3.0]) == [0.5, 9.0]
    job = pick.compile_into_workflow(SETTINGS, xs=[0.25])
    assert [n.id for n in job.nodes] == ["dn0", "dn1"]
    assert job.nodes[1].branch_node.if_else.case.then_node.id == "dn0"
    assert sorted(t.id.name for t in job.tasks) == [f"{MOD}.double", f"{MOD}.square"]


def test_the_branch_node_on_the_wire() -> None:
    spec = workflow_spec(consume, SETTINGS)
    node = spec.template.nodes[1]
    assert node.metadata.name == "inner" and node.metadata.HasField("retries")
    assert [b.var for b in node.inputs] == ["n0.o0"]
    assert node.inputs[0].binding.promise.node_id == "n0"
    assert list(node.upstream_node_ids) == ["n0"]
    if_else = node.branch_node.if_else
    comp = if_else.case.condition.comparison
    assert comp.operator == 4 and comp.left_value.var == "n0.o0"  # LT
    assert comp.right_value.primitive.float_value == 10.0
    assert if_else.case.then_node.task_node.reference_id.name == f"{MOD}.square"
    assert if_else.else_node.id == "n1"
    fail = workflow_spec(fractions, SETTINGS).template.nodes[0].branch_node.if_else
    assert fail.error.failed_node_id == "fractions" and fail.error.message.startswith("x must")
    assert fail.case.condition.conjunction.operator == 0  # AND
    assert fail.other[0].condition.conjunction.right_expression.comparison.left_value.var == ".x"
    assert spec.template.outputs[0].binding.promise.node_id == "n2"


def test_a_sub_workflow_in_a_branch_is_registered() -> None:
    @workflow
    def sub(x: float) -> float:
        return square(n=double(n=x))

    @workflow
    def outer(x: float) -> float:
        return conditional("c").if_(x > 1.0).then(sub(x=x)).else_().then(double(n=x))

    assert outer(x=2.0) == 16.0
    reg = Registrable(SETTINGS)
    spec = reg.workflow(outer)
    assert [w.id.name for w in spec.sub_workflows] == [f"{MOD}.sub"]
    then = spec.template.nodes[0].branch_node.if_else.case.then_node
    assert then.workflow_node.sub_workflow_ref.name == f"{MOD}.sub"


# -- misuse ---------------------------------------------------------------------------------


def _names(err: Exception, wf: str) -> None:
    assert f"workflow '{MOD}.{wf}'" in str(err), str(err)


def test_a_comparison_used_with_if_names_the_workflow_and_node() -> None:
    with pytest.raises(PromiseUsageError, match="has no truth value") as info:

        @workflow
        def pythonic(x: float) -> float:
            a = double(n=x)
            if a > 1.0:
                return a
            return square(n=a)

    _names(info.value, "pythonic")
    assert info.value.node == "n0" and "conditional(...).if_" in str(info.value)


def test_and_or_not_on_conditions_are_refused() -> None:
    with pytest.raises(PromiseUsageError, match="`and`, `or` and `not`"):

        @workflow
        def logical(x: float) -> float:
            return (
                conditional("c")
                .if_((x > 1.0) and (x < 2.0))
                .then(double(n=x))
                .else_()
                .then(square(n=x))
            )


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda x: x, "the promise .* itself"),
        (lambda x: True, "evaluated condition"),
        (lambda x: "x > 1", "a condition is a comparison"),
    ],
)
def test_a_condition_must_be_a_comparison(make: typing.Any, match: str) -> None:
    with pytest.raises(WorkflowCompileError, match=match) as info:

        @workflow
        def unary(x: bool) -> str:
            return conditional("u").if_(make(x)).then(shout(s="a")).else_().then(shout(s="b"))

    _names(info.value, "unary")
    assert "conditional 'u'" in str(info.value)


def test_a_branch_without_then() -> None:
    with pytest.raises(WorkflowCompileError, match=r"if_\(...\) needs .then\(...\)") as info:

        @workflow
        def no_then(x: float) -> float:
            return conditional("c").if_(x > 1.0).elif_(x < 0.0).then(double(n=x))  # type: ignore[attr-defined]

    _names(info.value, "no_then")
    assert info.value.node == "n0" and "node 'n0' (conditional 'c')" in str(info.value)


def test_a_conditional_without_else_is_not_finished() -> None:
    with pytest.raises(
        WorkflowCompileError, match="conditional 'dangling' is not finished"
    ) as info:

        @workflow
        def dangling(x: float) -> None:
            conditional("dangling").if_(x > 1.0).then(double(n=x))

    _names(info.value, "dangling")


def test_an_unfinished_inner_conditional() -> None:
    with pytest.raises(WorkflowCompileError, match="'inner' inside branch if_") as info:

        @workflow
        def inner_open(x: float) -> float:
            return (
                conditional("outer")
                .if_(x > 1.0)
                .then(conditional("inner").if_(x > 2.0).then(double(n=x)))
                .else_()
                .then(square(n=x))
            )

    _names(info.value, "inner_open")


def test_branches_returning_different_types() -> None:
    with pytest.raises(WorkflowCompileError, match="different types") as info:

        @workflow
        def typed(x: float) -> float:
            return conditional("t").if_(x > 1.0).then(double(n=x)).else_().then(shout(s="no"))

    assert "if_ gives float, else_ gives str" in str(info.value)
    assert "node 'n0' (conditional 't')" in str(info.value) and info.value.node == "n0"


def test_the_conditional_output_type_is_checked_downstream() -> None:
    with pytest.raises(WorkflowTypeError, match="expected str") as info:

        @workflow
        def downstream(x: float) -> str:
            y = conditional("d").if_(x > 1.0).then(double(n=x)).else_().then(square(n=x))
            return shout(s=y)

    assert "conditional 'd'" in str(info.value)


@pytest.mark.parametrize(
    ("then", "match"),
    [
        ("before", "made before the conditional"),
        ("input", "an input of the workflow"),
        ("none", "got None"),
        ("part", "not a part of it"),
    ],
)
def test_then_takes_a_call_made_in_the_branch(then: str, match: str) -> None:
    with pytest.raises(WorkflowCompileError, match=match):

        @workflow
        def wrong(n: int) -> int:
            p = pair(n=n)
            given: typing.Any = {"before": p.low, "input": n, "none": None}.get(then)
            if then == "part":
                given = box(n=n).low
            return conditional("w").if_(n > 1).then(given).else_().then(pair(n=n).low)


def test_a_condition_cannot_read_a_node_made_inside_the_conditional() -> None:
    with pytest.raises(WorkflowCompileError, match="made inside the conditional"):

        @workflow
        def inside(x: float) -> float:
            return (
                conditional("i")
                .if_(x > 1.0)
                .then(double(n=x))
                .elif_(square(n=x) > 4.0)
                .then(double(n=x))
                .else_()
                .then(square(n=x))
            )


@pytest.mark.parametrize(
    ("use", "match"),
    [
        (lambda xs, n: xs > 1, "it cannot be compared"),
        (lambda xs, n: n > [1], "cannot be compared with a list"),
        (lambda xs, n: n & 1, "& and | combine conditions"),
        (lambda xs, n: (n > 1) & True, "combined with & and a bool"),
    ],
)
def test_bad_comparisons(use: typing.Any, match: str) -> None:
    with pytest.raises(PromiseUsageError, match=match) as info:

        @workflow
        def compare(xs: list[int], n: int) -> str:
            return conditional("c").if_(use(xs, n)).then(shout(s="a")).else_().then(shout(s="b"))

    _names(info.value, "compare")


def test_conditional_outside_a_workflow() -> None:
    with pytest.raises(WorkflowCompileError, match="only be used in the body of a @workflow"):
        conditional("nowhere")


def test_fail_outside_else_runs_locally_but_is_refused_on_the_wire() -> None:
    @workflow
    def early(x: float) -> float:
        return conditional("e").if_(x < 0.0).fail("negative").else_().then(double(n=x))

    assert early(x=1.0) == 2.0
    with pytest.raises(ValueError, match="negative"):
        early(x=-1.0)
    with pytest.raises(WorkflowCompileError, match="only else_"):
        workflow_spec(early, SETTINGS)


def test_two_paths_into_one_output_in_conditions() -> None:
    with pytest.raises(WorkflowCompileError, match="two different attribute paths"):

        @workflow
        def paths(n: int) -> str:
            p = box(n=n)
            return (
                conditional("paths")
                .if_((p.low > 1) & (p.high < 5))
                .then(shout(s="a"))
                .else_()
                .then(shout(s="b"))
            )


def test_a_comparison_of_a_path_promise() -> None:
    @workflow
    def by_field(n: int) -> str:
        p = box(n=n)
        return conditional("f").if_(p.high > 5).then(shout(s="high")).else_().then(shout(s="low"))

    assert (by_field(n=10), by_field(n=1)) == ("HIGH", "LOW")
    binding = workflow_spec(by_field, SETTINGS).template.nodes[1].inputs[0]
    assert binding.var == "n0.o0" and binding.binding.promise.attr_path[0].string_value == "high"
