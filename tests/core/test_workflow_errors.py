"""Bad workflows fail when defined (or called), with errors naming the workflow and the node."""

import typing

import pytest

from taskplug import ImperativeWorkflow, task, workflow
from taskplug.errors import TypeTransformerFailedError
from taskplug.workflows.errors import (
    PromiseAttributeError,
    PromiseUsageError,
    WorkflowCompileError,
    WorkflowTypeError,
)

MOD = __name__


@task
def inc(x: int) -> int:
    return x + 1


@task
def say(s: str) -> str:
    return s


@task
def pair(a: int) -> tuple[int, str]:
    return a, str(a)


@task
def nothing(x: int) -> None:
    return None


def _names(err: Exception, wf: str, node: str | None) -> None:
    text = str(err)
    assert f"workflow '{MOD}.{wf}'" in text, text
    if node is not None:
        assert f"node '{node}'" in text, text


@pytest.mark.parametrize(
    ("use", "what"),
    [
        (lambda p: bool(p), "truth value"),
        (lambda p: p + 1, "arithmetic"),
        (lambda p: 1 + p, "arithmetic"),
        (lambda p: len(p), "length"),
        (lambda p: list(p), "iterated"),
        (lambda p: range(p), "number"),
        (lambda p: bool(p == 3), "has no truth value"),
        (lambda p: p < 3 or p > 5, "has no truth value"),
        (lambda p: p & 1, "& and | combine conditions"),
        (lambda p: p[0], "cannot be indexed"),
    ],
)
def test_promise_used_as_a_python_value(
    use: typing.Callable[[typing.Any], object], what: str
) -> None:
    with pytest.raises(PromiseUsageError) as info:

        @workflow
        def misuse(a: int) -> int:
            x = inc(x=a)
            use(x)
            return x

    err = info.value
    _names(err, "misuse", "n0")
    assert "task 'test_workflow_errors.inc'" in str(err) and "output 'o0'" in str(err)
    assert what in str(err)
    assert (err.workflow, err.node) == (f"{MOD}.misuse", "n0")


def test_if_on_a_promise_names_the_node_that_made_it() -> None:
    with pytest.raises(PromiseUsageError, match=r"`if p:`") as info:

        @workflow
        def branchy(a: int) -> int:
            x = inc(x=a)
            y = inc(x=x)
            if y:
                return x
            return y

    _names(info.value, "branchy", "n1")


def test_workflow_input_misuse_names_the_input() -> None:
    with pytest.raises(PromiseUsageError, match="input 'a'") as info:

        @workflow
        def loop(a: int) -> int:
            for _ in range(a):
                pass
            return inc(x=a)

    _names(info.value, "loop", None)


def test_attribute_of_a_promise() -> None:
    with pytest.raises(PromiseAttributeError, match="has no attribute 'real'") as info:

        @workflow
        def attr(a: int) -> int:
            return inc(x=inc(x=a).real)

    _names(info.value, "attr", "n0")
    assert isinstance(info.value, AttributeError)


def test_wrong_input_type_value_and_promise() -> None:
    with pytest.raises(WorkflowTypeError) as info:

        @workflow
        def bad_value(a: int) -> int:
            inc(x=a)
            return inc(x="three")

    _names(info.value, "bad_value", "n1")
    assert "input 'x'" in str(info.value) and "int" in str(info.value)

    with pytest.raises(WorkflowTypeError) as info:

        @workflow
        def bad_promise(a: int) -> str:
            return say(s=inc(x=a))

    _names(info.value, "bad_promise", "n1")
    text = str(info.value)
    assert "expected str, got output 'o0' of node 'n0'" in text and "which is int" in text


def test_optional_accepts_its_type_and_lists_of_promises_are_checked() -> None:
    @task
    def maybe(x: typing.Optional[int] = None) -> int:
        return x or 0

    @task
    def total(xs: list[int]) -> int:
        return sum(xs)

    @workflow
    def fine(a: int) -> int:
        return total(xs=[maybe(x=inc(x=a)), 3])

    assert fine(a=1) == 5
    with pytest.raises(WorkflowTypeError, match="expected int") as info:

        @workflow
        def mixed(a: int) -> int:
            return total(xs=[inc(x=a), say(s="x")])

    _names(info.value, "mixed", "n2")


def test_multi_output_tuple_and_void_as_inputs() -> None:
    with pytest.raises(WorkflowTypeError, match="tuple of 2 promises") as info:

        @workflow
        def whole_tuple(a: int) -> int:
            return inc(x=pair(a=a))

    _names(info.value, "whole_tuple", "n1")
    with pytest.raises(WorkflowTypeError, match="has no outputs") as info:

        @workflow
        def void_input(a: int) -> int:
            return inc(x=nothing(x=a))

    _names(info.value, "void_input", "n1")


def test_missing_output_binding() -> None:
    with pytest.raises(WorkflowCompileError, match="missing output binding") as info:

        @workflow
        def no_return(a: int) -> int:
            inc(x=a)

    _names(info.value, "no_return", None)
    with pytest.raises(WorkflowCompileError, match=r"output 'o0' \(int\): missing output"):

        @workflow
        def half(a: int) -> tuple[int, int]:
            return None, inc(x=a)  # type: ignore[return-value]


def test_wrong_number_of_outputs_and_undeclared_outputs() -> None:
    with pytest.raises(WorkflowCompileError, match=r"declares 2 output\(s\) \(o0, o1\)"):

        @workflow
        def too_few(a: int) -> tuple[int, int]:
            return inc(x=a)  # type: ignore[return-value]

    with pytest.raises(WorkflowCompileError, match="declares 1 output"):

        @workflow
        def too_many(a: int) -> int:
            return pair(a=a)  # type: ignore[return-value]

    with pytest.raises(WorkflowCompileError, match="declares no outputs but returns"):

        @workflow
        def undeclared(a: int):  # type: ignore[no-untyped-def]
            return inc(x=a)


def test_output_bound_twice() -> None:
    wb = ImperativeWorkflow(name="errs.twice")
    wb.add_workflow_input("a", int)
    node = wb.add_entity(inc, x=wb.inputs["a"])
    wb.add_workflow_output("out", node.outputs["o0"])
    with pytest.raises(WorkflowCompileError, match="output 'out': bound twice") as info:
        wb.add_workflow_output("out", node.outputs["o0"])
    assert "workflow 'errs.twice'" in str(info.value)
    with pytest.raises(WorkflowCompileError, match="declared twice"):
        wb.add_workflow_input("a", int)


def test_unknown_argument_when_calling_a_workflow() -> None:
    @workflow
    def callee(a: int, b: int = 2) -> int:
        return inc(x=a)

    with pytest.raises(WorkflowTypeError, match=r"unexpected input\(s\) 'zz'") as info:
        callee(a=1, zz=2)
    _names(info.value, "callee", None)
    with pytest.raises(WorkflowTypeError, match="missing required input"):
        callee(b=1)
    with pytest.raises(WorkflowTypeError) as info:

        @workflow
        def caller(a: int) -> int:
            inc(x=a)
            return callee(a=a, zz=1)

    _names(info.value, "caller", "n1")
    assert "workflow 'test_workflow_errors.callee' got unexpected" in str(info.value)
    with pytest.raises(WorkflowTypeError, match=r"unexpected input\(s\) 'y'") as info:

        @workflow
        def bad_kw(a: int) -> int:
            return inc(y=a)

    _names(info.value, "bad_kw", "n0")


def test_local_call_with_a_wrong_type() -> None:
    @workflow
    def typed(a: int) -> int:
        return inc(x=a)

    with pytest.raises(TypeTransformerFailedError) as info:
        typed(a="x")
    assert f"workflow '{MOD}.typed', input 'a'" in str(info.value)


def test_other_exceptions_in_the_body_keep_their_type_with_a_note() -> None:
    @workflow
    def undefined(a: int) -> int:
        x = inc(x=a)
        return not_defined(x=x)  # type: ignore[name-defined]  # noqa: F821

    # a name the body cannot find yet may be defined later in the module: the workflow is
    # compiled on first use then (as flytekit compiles), and the error shows there
    with pytest.raises(NameError) as info:
        undefined(a=1)
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert f"while compiling workflow '{MOD}.undefined'" in notes and "after node 'n0'" in notes


def test_errors_in_a_local_run_keep_the_type_and_name_the_node() -> None:
    @task
    def fails(x: int) -> int:
        if x:
            raise KeyError("missing")
        return x

    @workflow
    def runs(a: int) -> int:
        return fails(x=inc(x=a))

    with pytest.raises(KeyError) as info:
        runs(a=1)
    assert any("node 'n1'" in n and "runs" in n for n in info.value.__notes__)


def test_cycle_made_with_runs_before() -> None:
    with pytest.raises(WorkflowCompileError, match="wait for each other"):

        @workflow
        def cyclic(a: int) -> int:
            x = inc(x=a)
            y = inc(x=x)
            y >> x
            return y


def test_duplicate_node_names() -> None:
    with pytest.raises(WorkflowCompileError, match="both have the id 'same'"):

        @workflow
        def dup(a: int) -> int:
            x = inc(x=a).with_overrides(node_name="same")
            return inc(x=x).with_overrides(node_name="same")


def test_a_promise_of_another_workflow_is_refused() -> None:
    leaked: list[typing.Any] = []

    @workflow
    def first(a: int) -> int:
        x = inc(x=a)
        leaked.extend([x, a])
        return x

    def uses(promise: typing.Any) -> None:
        @workflow
        def second(b: int) -> int:
            return inc(x=promise)

    for promise in leaked:
        with pytest.raises(WorkflowTypeError, match="a promise of another workflow") as info:
            uses(promise)
        _names(info.value, "second", "n0")
    with pytest.raises(WorkflowTypeError, match="a promise of another workflow"):

        @workflow
        def in_a_list(b: int) -> int:
            return total(xs=[inc(x=b), leaked[0]])

    with pytest.raises(WorkflowTypeError, match=r"output 'o0': got .* another workflow"):

        @workflow
        def returns_it(b: int) -> int:
            return leaked[0]

    wb = ImperativeWorkflow(name="errs.leak")
    with pytest.raises(WorkflowTypeError, match="another workflow"):
        wb.add_workflow_output("out", leaked[0])
    assert "out" not in wb.python_interface.outputs


@task
def total(xs: list[int]) -> int:
    return sum(xs)
