"""map_task / ArrayNodeMapTask: parallel local runs in input order, failures, partials, wire."""

import functools
import threading
import typing

import pytest
from flyteidl.core import literals_pb2

from taskplug import (
    ArrayNodeMapTask,
    ImperativeWorkflow,
    create_node,
    dynamic,
    map_task,
    task,
    workflow,
)
from taskplug.resolver import load_resolver
from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.types import TypeEngine
from taskplug.workflows.array_node import ArrayNodeMapTaskResolver
from taskplug.workflows.serialize import Registrable, workflow_spec

MOD = __name__
SETTINGS = SerializationSettings(
    project="p", domain="d", version="v", image_config=ImageConfig.from_images("img:1")
)
SYNC: dict[str, typing.Any] = {}
LOCK = threading.Lock()


@task
def square(x: int) -> int:
    return x * x


@task(retries=2)
def total(quantity: int, price: float, shipping: float) -> float:
    return quantity * price + shipping


@task
def get_price() -> float:
    return 2.5


@task
def picky(x: int) -> int:
    if x % 3 == 0:
        raise ValueError(f"bad {x}")
    return x


@task
def meet(i: int) -> int:
    SYNC["barrier"].wait(timeout=120)  # returns only when every item is running at once
    return i


@task
def in_reverse(i: int) -> int:
    later = SYNC["done"].get(i + 1)
    if later is not None:
        assert later.wait(timeout=120)
    SYNC["order"].append(i)
    SYNC["done"][i].set()
    return i * 10


@task
def track(i: int) -> int:
    with LOCK:
        SYNC["now"] += 1
        SYNC["max"] = max(SYNC["max"], SYNC["now"])
    SYNC["gate"].wait(timeout=0.01)  # give the other threads a chance to overlap
    with LOCK:
        SYNC["now"] -= 1
    return i


@task
def record(x: int) -> None:
    with LOCK:
        SYNC.setdefault("seen", []).append(x)


@task
def two(x: int) -> tuple[int, int]:
    return x, x


@dynamic
def dyn(n: int) -> list[int]:
    return map_task(square)(x=list(range(n)))


@workflow
def priced(qs: list[int], s: float = 1.0) -> list[float]:
    p = get_price()
    return map_task(functools.partial(total, price=p, shipping=s), concurrency=2)(quantity=qs)


@workflow
def tolerant(xs: list[int]) -> list[typing.Optional[int]]:
    return map_task(picky, min_success_ratio=0.5)(x=xs)


def test_a_standalone_call_maps_over_the_list() -> None:
    assert map_task(square)(x=[1, 2, 3]) == [1, 4, 9]
    assert map_task(square)(x=[]) == []


def test_outputs_keep_the_input_order_when_items_finish_in_reverse() -> None:
    n = 5
    SYNC["done"] = {i: threading.Event() for i in range(n)}
    SYNC["order"] = []
    assert map_task(in_reverse, concurrency=n)(i=list(range(n))) == [0, 10, 20, 30, 40]
    assert SYNC["order"] == [4, 3, 2, 1, 0]


def test_items_really_run_at_the_same_time() -> None:
    SYNC["barrier"] = threading.Barrier(4)
    assert map_task(meet, concurrency=4)(i=[0, 1, 2, 3]) == [0, 1, 2, 3]
    SYNC["barrier"] = threading.Barrier(3)
    assert map_task(meet)(i=[7, 8, 9]) == [7, 8, 9]  # the default pool has room for 3


def test_concurrency_bounds_the_items_running_at_once() -> None:
    SYNC.update(now=0, max=0, gate=threading.Event())
    assert map_task(track, concurrency=2)(i=list(range(12))) == list(range(12))
    assert 1 <= SYNC["max"] <= 2
    SYNC.update(now=0, max=0)
    map_task(track, concurrency=1)(i=list(range(6)))
    assert SYNC["max"] == 1


def test_partial_with_a_promise_and_a_workflow_input() -> None:
    assert priced(qs=[1, 2, 4]) == [3.5, 6.0, 11.0]
    assert priced(qs=[2], s=10.0) == [15.0]


def test_partial_and_several_mapped_lists_outside_a_workflow() -> None:
    fixed = map_task(functools.partial(total, shipping=0.5))
    assert fixed(quantity=[1, 2], price=[10.0, 100.0]) == [10.5, 200.5]
    assert fixed.bound_inputs == {"shipping"}
    assert list(fixed.python_interface.inputs) == ["quantity", "price", "shipping"]
    assert fixed.python_interface.inputs["shipping"] is float


def test_allowed_failures_become_none() -> None:
    assert tolerant(xs=[1, 2, 3, 4]) == [1, 2, None, 4]
    assert tolerant.nodes[0].entity.python_interface.outputs["o0"] == list[typing.Optional[int]]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_too_many_failures_raise_the_item_flytekit_would_raise(concurrency: int) -> None:
    mapped = map_task(picky, concurrency=concurrency, min_success_ratio=0.6)
    # 5 items, 3 must succeed: 3 fails (1 failure, 4 can still succeed), 6 fails (3 can),
    # 9 fails (only 2 can): flytekit's loop raises at 9
    with pytest.raises(ValueError, match="bad 9") as info:
        mapped(x=[1, 3, 6, 9, 12])
    assert any("item 3 of 5 of map task" in n for n in info.value.__notes__)
    with pytest.raises(ValueError, match="bad 3"):
        map_task(picky, concurrency=concurrency)(x=[1, 3, 4])


def test_a_failure_in_a_workflow_names_the_node() -> None:
    @workflow
    def strict(xs: list[int]) -> list[int]:
        return map_task(picky)(x=xs)

    with pytest.raises(ValueError, match="bad 6") as info:
        strict(xs=[1, 6])
    assert any("node 'n0'" in n and "strict" in n for n in info.value.__notes__)


def test_tasks_without_outputs_and_dynamic_tasks() -> None:
    SYNC.pop("seen", None)
    assert map_task(record)(x=[3, 1, 2]) is None
    assert sorted(SYNC["seen"]) == [1, 2, 3]
    assert dyn(n=4) == [0, 1, 4, 9]
    job = dyn.compile_into_workflow(SETTINGS, n=2)
    assert job.nodes[0].WhichOneof("target") == "array_node"
    assert [t.id.name for t in job.tasks] == [map_task(square).name]


def test_the_name_is_flytekits() -> None:
    # md5 of "<sorted bound inputs><concurrency><min_successes><min_success_ratio>"
    assert map_task(square).name == f"{MOD}.map_square_6b3bd0353da5de6e84d7982921ead2b3-arraynode"
    assert map_task(square, concurrency=2).name != map_task(square).name


def test_the_array_node_and_the_task_template() -> None:
    reg = Registrable(SETTINGS)
    spec = reg.workflow(priced)
    node = spec.template.nodes[1]
    mt = priced.nodes[1].entity
    assert isinstance(mt, ArrayNodeMapTask)
    assert node.metadata.name == mt.name and not node.metadata.retries.retries
    array = node.array_node
    assert array.parallelism == 2 and array.min_success_ratio == 1.0
    assert list(array.bound_inputs) == ["price", "shipping"]
    assert array.HasField("is_original_sub_node_interface")
    assert not array.is_original_sub_node_interface.value
    sub = array.node
    assert sub.id == mt.name and sub.metadata.retries.retries == 2
    assert list(sub.inputs) == list(node.inputs) and not sub.upstream_node_ids
    assert sub.task_node.reference_id.name == mt.name
    template = next(m.template for k, e, m in reg.entries if e is mt)
    assert template.task_type_version == 1 and template.metadata.retries.retries == 2
    args = list(template.container.args)
    assert args[0] == "taskplug-execute"
    assert args[args.index("--resolver") + 1] == ArrayNodeMapTaskResolver().location
    assert args[args.index("--") + 1 :] == [
        "vars",
        "price,shipping",
        "resolver",
        "taskplug.resolver.default_task_resolver",
        "task-module",
        MOD,
        "task-name",
        "total",
    ]
    ins = template.interface.inputs.variables
    assert ins["quantity"].type.collection_type.simple == 1 and ins["price"].type.simple == 2


def test_the_resolver_rebuilds_the_map_task() -> None:
    resolver = load_resolver("taskplug.workflows.array_node.ArrayNodeMapTaskResolver")
    assert isinstance(resolver, ArrayNodeMapTaskResolver)
    loaded = resolver.load_task(
        [
            "vars",
            "shipping",
            "resolver",
            "taskplug.resolver.default_task_resolver",
            "task-module",
            MOD,
            "task-name",
            "total",
        ]
    )
    assert loaded.python_function_task is total and loaded.bound_inputs == {"shipping"}
    with pytest.raises(LookupError, match="expects 'vars B resolver R"):
        resolver.load_task(["task-module", MOD])


def _inputs(**values: typing.Any) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    for name, (value, t) in values.items():
        lm.literals[name].CopyFrom(TypeEngine.to_literal(value, t))
    return lm


def test_a_container_runs_the_item_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    mt = map_task(functools.partial(total, shipping=1.0))
    lm = _inputs(quantity=([1, 2, 3], list[int]), price=([1.0, 2.0, 3.0], list[float]))
    lm.literals["shipping"].CopyFrom(TypeEngine.to_literal(1.0, float))
    monkeypatch.setenv("BATCH_JOB_ARRAY_INDEX_VAR_NAME", "MY_INDEX")
    monkeypatch.setenv("MY_INDEX", "1")
    out = mt.dispatch_execute(lm, mode="container")
    assert out.literals["o0"].scalar.primitive.float_value == 5.0
    monkeypatch.setenv("BATCH_JOB_ARRAY_INDEX_OFFSET", "1")
    out = mt.dispatch_execute(lm, mode="container")
    assert out.literals["o0"].scalar.primitive.float_value == 10.0
    monkeypatch.setenv("MY_INDEX", "5")
    with pytest.raises(IndexError, match="array index 6 is out of range for input 'quantity'"):
        mt.dispatch_execute(lm, mode="container")
    lm.literals["quantity"].CopyFrom(TypeEngine.to_literal(1, int))
    with pytest.raises(ValueError, match="input 'quantity' must be a list"):
        mt.dispatch_execute(lm, mode="container")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: map_task(square, concurrency=-1), "concurrency must be a whole number >= 0"),
        (lambda: map_task(square, min_success_ratio=1.5), "from 0 to 1"),
        (lambda: map_task(dyn), "got a dynamic task"),
        (lambda: map_task(two), "at most one output"),
        (lambda: map_task(functools.partial(total, 1)), "by keyword only"),
        (lambda: map_task(functools.partial(total, nope=1)), "'nope' are not inputs"),
        (lambda: map_task(print), "got a builtin_function_or_method"),
        (lambda: map_task(square)(x=[1], y=[2]), "unexpected input"),
        (lambda: map_task(total)(quantity=[1, 2], price=[1.0], shipping=[1.0, 2.0]), "lengths"),
    ],
)
def test_bad_map_tasks_are_refused_with_a_clear_error(make: typing.Any, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_min_successes_is_ignored_with_a_warning_as_in_flytekit() -> None:
    with pytest.warns(UserWarning, match="ignored for tasks"):
        mt = map_task(square, min_successes=2)
    assert mt.min_successes is None
    with pytest.raises(TypeError, match="unexpected keyword"):
        map_task(square, parallelism=3)


def test_a_wrong_element_type_names_the_workflow_node() -> None:
    with pytest.raises(TypeError, match="expected list\\[int\\]"):

        @workflow
        def wrong(xs: list[str]) -> list[int]:
            return map_task(square)(x=xs)


def test_serializing_a_workflow_twice_gives_equal_specs() -> None:
    a = workflow_spec(priced, SETTINGS)
    b = workflow_spec(priced, SETTINGS)
    assert a == b


def test_partials_reach_create_node_and_the_imperative_builder() -> None:
    fixed = map_task(functools.partial(total, price=3.0, shipping=0.0))
    wb = ImperativeWorkflow(name=f"{MOD}.imperative_map")
    wb.add_workflow_input("qs", list[int])
    node = wb.add_entity(fixed, quantity=wb.inputs["qs"])
    wb.add_workflow_output("o0", node.outputs["o0"])
    assert wb(qs=[1, 2]) == [3.0, 6.0]

    @workflow
    def created(qs: list[int]) -> list[float]:
        p = get_price()
        made = create_node(map_task(functools.partial(total, price=p, shipping=1.0)), quantity=qs)
        return made.o0

    assert created(qs=[2]) == [6.0]
    assert [b for b, _ in created.nodes[1].inputs] == ["price", "quantity", "shipping"]
