"""Promise attribute paths: p[0], p["key"], p.field, nested; typed, on the wire, resolved locally."""

import dataclasses
import typing

import pytest

from taskplug import PromiseUsageError, dynamic, task, workflow
from taskplug.settings import ImageConfig, SerializationSettings
from taskplug.workflows.attr_path import AttributePathError
from taskplug.workflows.errors import PromiseAttributeError, WorkflowTypeError
from taskplug.workflows.serialize import workflow_spec

MOD = __name__
SETTINGS = SerializationSettings(
    project="p", domain="d", version="v", image_config=ImageConfig.from_images("img:1")
)


@dataclasses.dataclass
class Fruit:
    name: str
    tags: list[str]
    sizes: dict[str, int]


@dataclasses.dataclass
class Basket:
    fruits: list[Fruit]
    owner: Fruit


@task
def words() -> list[str]:
    return ["apple", "banana"]


@task
def table() -> dict[str, list[int]]:
    return {"a": [1, 2], "b": [3]}


@task
def fruit() -> Fruit:
    return Fruit(name="kiwi", tags=["green", "small"], sizes={"s": 1, "l": 3})


@task
def basket() -> Basket:
    return Basket(fruits=[Fruit("fig", ["soft"], {})], owner=Fruit("pear", [], {"m": 2}))


@task
def everything() -> tuple[dict[str, list[str]], list[dict[str, str]], dict[str, Fruit]]:
    return {"fruits": ["banana"]}, [{"fruit": "plum"}], {"fruit": Fruit("apple", ["red"], {})}


@task
def echo(s: str) -> str:
    return s


@task
def number(n: int) -> int:
    return n


@task
def strings(xs: list[str]) -> str:
    return ",".join(xs)


@task
def optional_fruit(n: int) -> typing.Optional[Fruit]:
    return Fruit("x", [], {}) if n else None


def test_index_key_and_field_access_resolve_locally() -> None:
    @workflow
    def parts() -> tuple[str, int, str, int, str]:
        f = fruit()
        return (
            echo(s=words()[1]),
            number(n=table()["a"][1]),
            echo(s=f.tags[0]),
            number(n=f.sizes["l"]),
            f.name,  # a workflow output can be a path too
        )

    assert parts() == ("banana", 2, "green", 3, "kiwi")


def test_nested_dataclasses_and_the_flytesnacks_combinations() -> None:
    @workflow
    def nested() -> tuple[str, str, str, str, str]:
        b = basket()
        d, lst, dc = everything()
        return (
            echo(s=b.fruits[0].name),
            echo(s=b.owner.name),
            echo(s=d["fruits"][0]),
            echo(s=lst[0]["fruit"]),
            echo(s=dc["fruit"].name),
        )

    assert nested() == ("fig", "pear", "banana", "plum", "apple")


def test_a_part_that_is_a_list_and_a_workflow_input_path() -> None:
    @workflow
    def lists(f: Fruit) -> tuple[str, str]:
        return strings(xs=f.tags), echo(s=f.tags[1])

    assert lists(f=Fruit("x", ["a", "b"], {})) == ("a,b", "b")


def test_the_path_is_on_the_wire() -> None:
    @workflow
    def wired() -> str:
        b = basket()
        return echo(s=b.fruits[0].name)

    spec = workflow_spec(wired, SETTINGS).template
    ref = spec.nodes[1].inputs[0].binding.promise
    assert (ref.node_id, ref.var) == ("n0", "o0")
    assert [p.WhichOneof("value") for p in ref.attr_path] == [
        "string_value",
        "int_value",
        "string_value",
    ]
    assert [ref.attr_path[0].string_value, ref.attr_path[1].int_value] == ["fruits", 0]
    assert ref.attr_path[1].HasField("int_value")  # index 0 is written, not left unset


def test_paths_are_typed_at_compile_time() -> None:
    with pytest.raises(WorkflowTypeError, match="expected int, got output 'o0' of node 'n0'"):

        @workflow
        def mistyped() -> int:
            return number(n=fruit().name)


def test_a_promise_with_a_path_describes_itself() -> None:
    seen: list[str] = []

    @workflow
    def described() -> str:
        p = fruit().tags[0]
        seen.append(repr(p))
        return echo(s=p)

    assert seen == ["Promise(node 'n0', 'o0'.tags[0]: str)"]


@pytest.mark.parametrize(
    ("use", "error", "match"),
    [
        (lambda f, w: f.color, PromiseAttributeError, "has no field 'color'"),
        (lambda f, w: w.name, PromiseAttributeError, "a list\\[str\\] has no fields"),
        (lambda f, w: w["x"], PromiseUsageError, "a list is indexed by a whole number"),
        (lambda f, w: w[-1], PromiseUsageError, "a list is indexed by a whole number >= 0"),
        (lambda f, w: w[True], PromiseUsageError, "a list is indexed by a whole number"),
        (lambda f, w: f.sizes[1], PromiseUsageError, "is indexed by str keys"),
        (lambda f, w: f.name[0], PromiseUsageError, "cannot be indexed"),
        (lambda f, w: f[0], PromiseUsageError, "takes field names"),
    ],
)
def test_bad_paths_name_the_workflow_node_and_output(
    use: typing.Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match) as info:

        @workflow
        def bad() -> None:
            use(fruit(), words())

    text = str(info.value)
    assert f"workflow '{MOD}.bad'" in text and "node 'n" in text and "output 'o0'" in text


def test_hasattr_still_works_and_optional_is_refused() -> None:
    found: list[bool] = []

    @workflow
    def probes() -> None:
        f = fruit()
        found.extend([hasattr(f, "name"), hasattr(f, "nope"), hasattr(words(), "append")])

    assert found == [True, False, False]
    with pytest.raises(PromiseAttributeError, match="may hold another type"):

        @workflow
        def maybe() -> None:
            echo(s=optional_fruit(n=1).name)


def test_an_index_out_of_range_fails_the_run_naming_the_node() -> None:
    @workflow
    def third() -> str:
        return echo(s=words()[2])

    with pytest.raises(AttributePathError, match=r"\[2\] of output 'o0' of node 'n0'") as info:
        third()
    assert "has 2 item(s)" in str(info.value)
    assert isinstance(info.value, LookupError)
    assert any("node 'n1'" in note for note in info.value.__notes__)

    @workflow
    def missing_key() -> int:
        return number(n=table()["zzz"][0])

    with pytest.raises(AttributePathError, match="has the keys \\['a', 'b'\\]"):
        missing_key()


def test_paths_in_a_dynamic_task() -> None:
    @dynamic
    def pick(i: int) -> str:
        return echo(s=words()[i])  # i is a real int here

    assert pick(i=1) == "banana"
    job = pick.compile_into_workflow(SETTINGS, i=0)
    assert job.nodes[1].inputs[0].binding.promise.attr_path[0].int_value == 0
