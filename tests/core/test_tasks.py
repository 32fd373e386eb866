"""Task base classes, @task, interfaces, local execution through literals, hooks, errors."""

import asyncio
import datetime
import threading
import traceback
import typing
import warnings
from dataclasses import dataclass

import pytest

from taskplug import (
    AsyncPythonFunctionTask,
    Cache,
    PythonFunctionTask,
    PythonInstanceTask,
    Resources,
    Secret,
    current_execution,
    task,
)
from taskplug.errors import TaskSignatureError, TypeTransformerFailedError, UnsupportedTypeError
from taskplug.plugin import hookimpl
from taskplug.tasks.base import LocalExecutionWarning
from taskplug.testing import fresh_plugin_manager


@task
def add(a: int, b: int = 3) -> int:
    """Add two numbers.

    Args:
        a: the first number
        b: the second number,
            on two lines
    Returns:
        the sum
    """
    return a + b


@task()
def greet(name: str, *, excited: bool = False) -> str:
    """Greet someone.

    :param name: who to greet
    :param excited: shout?
    :return: the greeting
    """
    return f"hello {name}" + ("!" if excited else "")


class MinMax(typing.NamedTuple):
    low: int
    high: int


@task
def bounds(xs: list[int]) -> MinMax:
    return MinMax(min(xs), max(xs))


@task
def pair(x: int) -> tuple[int, str]:
    return x, str(x)


@task
def nothing(x: int) -> None:
    print(x)


@task
def maybe(x: int | None = None) -> str:
    return "none" if x is None else str(x)


class Fail(Exception):
    pass


@task
def explode(x: int) -> int:
    try:
        if x:
            {}["k"]
    except KeyError as exc:
        raise Fail(f"could not handle {x}") from exc
    return x


@task
def wrong_output(x: int) -> int:
    return str(x)  # type: ignore[return-value]


def test_decorator_with_and_without_parentheses():
    assert isinstance(add, PythonFunctionTask)
    assert isinstance(greet, PythonFunctionTask)
    assert add.name == f"{__name__}.add"
    assert add.task_type == "python-task"
    assert add.task_function(1, 2) == 3
    assert add.__doc__ and add.__doc__.startswith("Add two numbers")
    assert add.instantiated_in == __name__ and add.lhs == "add"


def test_interface_from_signature():
    iface = add.python_interface
    assert iface.inputs == {"a": int, "b": int}
    assert iface.defaults == {"b": 3}
    assert iface.outputs == {"o0": int}
    assert add.get_input_types() == {"a": int, "b": int}
    assert add.get_type_for_input_var("a") is int
    assert add.get_type_for_output_var("o0") is int
    assert bounds.python_interface.outputs == {"low": int, "high": int}
    assert pair.python_interface.outputs == {"o0": int, "o1": str}
    assert nothing.python_interface.outputs == {}
    assert maybe.python_interface.inputs == {"x": typing.Optional[int]}


def test_docstring_descriptions_google_and_rest():
    assert add.python_interface.description("a") == "the first number"
    assert add.python_interface.description("b") == "the second number, on two lines"
    assert add.python_interface.description("o0") == "the sum"
    assert greet.python_interface.description("name") == "who to greet"
    assert greet.python_interface.description("o0") == "the greeting"
    assert add.docs.short_description == "Add two numbers."


def test_calls_bind_positional_and_keyword_arguments():
    assert add(1, 2) == 3
    assert add(a=1, b=2) == 3
    assert add(1, b=5) == 6
    assert add(a=1) == 4  # default
    assert greet("ann", excited=True) == "hello ann!"
    assert bounds(xs=[3, 1, 2]) == MinMax(1, 3)
    assert pair(4) == (4, "4")
    assert nothing(x=1) is None
    assert maybe() == "none" and maybe(x=2) == "2"


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ((1,), {"a": 2}, "multiple values for input 'a'"),
        ((), {"a": 1, "c": 2}, "unexpected input(s) 'c'"),
        ((), {"b": 1}, "missing required input(s) 'a'"),
        ((1, 2, 3), {}, "takes 2 input(s) (a, b) but 3 positional"),
    ],
)
def test_bad_calls_name_the_argument(args, kwargs, fragment):
    with pytest.raises(TaskSignatureError) as info:
        add(*args, **kwargs)
    assert fragment in str(info.value)
    assert f"{__name__}.add" in str(info.value)
    assert isinstance(info.value, TypeError)


def test_wrong_input_type_names_task_input_expected_and_got():
    with pytest.raises(TypeTransformerFailedError) as info:
        add(a="seven")
    err = info.value
    assert isinstance(err, TypeError)
    assert (err.task, err.var, err.kind) == (f"{__name__}.add", "a", "input")
    msg = str(err)
    assert f"task '{__name__}.add'" in msg and "input 'a'" in msg
    assert "int" in msg and "str" in msg


def test_wrong_output_type_names_the_output():
    with pytest.raises(TypeTransformerFailedError) as info:
        wrong_output(x=1)
    assert info.value.kind == "output" and info.value.var == "o0"
    assert "wrong_output" in str(info.value)


def test_multiple_outputs_must_be_a_tuple_of_the_right_length():
    @task
    def bad_pair(x: int) -> tuple[int, str]:
        return x  # type: ignore[return-value]

    with pytest.raises(
        TypeTransformerFailedError, match=r"expected a tuple of 2 values \(o0, o1\)"
    ):
        bad_pair(x=1)


def test_user_error_keeps_type_message_cause_and_trims_frames():
    with pytest.raises(Fail) as info:
        explode(x=1)
    err = info.value
    assert type(err) is Fail
    assert str(err) == "could not handle 1"
    assert isinstance(err.__cause__, KeyError)
    files = [f.filename for f in traceback.extract_tb(err.__traceback__)]
    framework = [f for f in files if "/taskplug/" in f and "/tests/" not in f]
    # only the call site frame of __call__ may remain
    assert len(framework) <= 1, framework
    assert files[-1].endswith("test_tasks.py")


def test_missing_return_statement_is_refused_at_declaration():
    with pytest.raises(TaskSignatureError, match="no return statement"):

        @task
        def forgot(x: int) -> int:
            x + 1

    @task
    def returns_in_branch(x: int) -> int:
        if x:
            return x
        raise ValueError("zero")

    assert returns_in_branch(x=2) == 2


def test_unsupported_type_is_refused_at_declaration_unless_pickled():
    class Opaque:
        def __init__(self, v: int) -> None:
            self.v = v

    with pytest.raises(UnsupportedTypeError) as info:

        @task
        def takes(o: Opaque) -> int:
            return o.v

    assert "pickle_untyped=True" in str(info.value) and "'o'" in str(info.value)
    pytest.importorskip("cloudpickle", reason="pickle_untyped needs cloudpickle")

    @task(pickle_untyped=True)
    def takes_pickled(o: Opaque) -> int:
        return o.v

    assert takes_pickled(o=Opaque(5)) == 5


def test_untyped_and_variadic_inputs_are_refused():
    with pytest.raises(TaskSignatureError, match="input 'x' has no type annotation"):

        @task
        def untyped(x) -> int:  # type: ignore[no-untyped-def]
            return 1

    with pytest.raises(TaskSignatureError, match=r"\*args and \*\*kwargs"):

        @task
        def variadic(*xs: int) -> int:
            return 1


def test_dataclass_inputs_round_trip_through_literals():
    @dataclass
    class Point:
        x: int
        y: float

    @task
    def shift(p: Point, by: int) -> Point:
        return Point(p.x + by, p.y)

    out = shift(p=Point(1, 2.5), by=2)
    assert out == Point(3, 2.5)


def test_local_run_copies_values_like_a_cluster_run():
    @task
    def mutate(xs: list[int]) -> list[int]:
        xs.append(99)
        return xs

    original = [1, 2]
    assert mutate(xs=original) == [1, 2, 99]
    assert original == [1, 2]  # the task saw a copy made from literals


def test_metadata_from_decorator_arguments():
    @task(
        cache=Cache(version="7", serialize=True, ignored_inputs=("b",)),
        retries=3,
        timeout=90,
        interruptible=True,
        deprecated="use add2",
    )
    def meta(a: int, b: int) -> int:
        return a

    md = meta.metadata
    assert (md.cache, md.cache_version, md.cache_serialize) == (True, "7", True)
    assert md.cache_ignore_input_vars == ("b",)
    assert md.retries == 3 and md.timeout == datetime.timedelta(seconds=90)
    assert md.interruptible is True and md.deprecated == "use add2"

    @task(cache=True, cache_version="2")
    def legacy(a: int) -> int:
        return a

    assert legacy.metadata.cache_version == "2"


def test_cache_without_version_is_a_clear_error():
    with pytest.raises(ValueError, match="cache=True needs a version"):

        @task(cache=True)
        def cached(a: int) -> int:
            return a

    with pytest.raises(ValueError, match="on the Cache object"):

        @task(cache=Cache(version="1"), cache_version="2")
        def both(a: int) -> int:
            return a


def test_resources_requests_limits_and_pairs():
    @task(resources=Resources(cpu=("1", "2"), mem="1Gi"))
    def heavy(a: int) -> int:
        return a

    assert heavy.resources.requests == Resources(cpu="1", mem="1Gi")
    assert heavy.resources.limits == Resources(cpu="2")

    @task(requests=Resources(cpu="500m"), limits=Resources(mem="2Gi"))
    def light(a: int) -> int:
        return a

    assert light.resources.requests.cpu == "500m" and light.resources.limits.mem == "2Gi"
    with pytest.raises(ValueError, match="either resources= or requests=/limits="):

        @task(resources=Resources(cpu="1"), requests=Resources(cpu="1"))
        def both(a: int) -> int:
            return a

    with pytest.raises(ValueError, match="Kubernetes quantity"):
        Resources(mem="two gigs")


def test_other_decorator_parameters_are_kept():
    secret = Secret(group="db", key="password")

    @task(
        environment={"A": "1"},
        secret_requests=[secret],
        container_image="ghcr.io/acme/img:1",
        pod_template_name="big-pods",
        enable_deck=True,
        labels={"team": "ml"},
        annotations={"note": "x"},
    )
    def many(a: int) -> int:
        return a

    assert many.environment == {"A": "1"}
    assert many.secret_requests == [secret]
    assert many.container_image == "ghcr.io/acme/img:1"
    assert many.metadata.pod_template_name == "big-pods"
    assert many.enable_deck and not many.disable_deck and many.metadata.generates_deck
    assert many.metadata.labels == {"team": "ml"}
    with pytest.raises(ValueError, match="enable_deck or disable_deck"):

        @task(enable_deck=True, disable_deck=True)
        def deck(a: int) -> int:
            return a


def test_node_dependency_hints_only_for_dynamic():
    with pytest.raises(ValueError, match="only apply to dynamic tasks"):

        @task(node_dependency_hints=[add])
        def static(a: int) -> int:
            return a

    @task(execution_mode=PythonFunctionTask.ExecutionBehavior.DYNAMIC, node_dependency_hints=[add])
    def dyn(a: int) -> int:
        return add(a=a)

    assert dyn.execution_mode is PythonFunctionTask.ExecutionBehavior.DYNAMIC
    assert list(dyn.node_dependency_hints or []) == [add]
    assert dyn(a=1) == 4


def test_ignore_input_vars():
    def fn(a: int, secret_thing: str = "x") -> int:
        return a

    t = PythonFunctionTask(None, fn, ignore_input_vars=["secret_thing"])
    assert list(t.python_interface.inputs) == ["a"]
    assert t(a=2) == 2


def test_nested_task_functions_need_a_test_module(make_plugin_dist):
    make_plugin_dist(
        "nested-mod",
        "1.0",
        {
            "nested_mod": """
            from taskplug import task

            def factory():
                @task
                def inner(a: int) -> int:
                    return a
                return inner
            """
        },
    )
    import nested_mod

    with pytest.raises(ValueError, match="defined at module level"):
        nested_mod.factory()


def test_local_run_warns_once_about_what_it_cannot_honour():
    @task(shared_memory="1Gi", pod_template_name="gpu-pods")
    def shm(a: int) -> int:
        return a

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shm(a=1)
        shm(a=2)
    local = [w for w in caught if issubclass(w.category, LocalExecutionWarning)]
    assert len(local) == 1
    assert "shared memory" in str(local[0].message) and "pod template" in str(local[0].message)


def test_execution_state_is_per_context_under_threads_and_asyncio():
    seen: dict[str, str] = {}

    @task
    def who(tag: str) -> str:
        state = current_execution()
        assert state is not None and state.params.task_name.endswith("who")
        return f"{tag}:{state.params.run_id}"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(who(tag=str(i)))) for i in range(8)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len({r.split(":")[1] for r in results}) == 8
    assert current_execution() is None

    @task
    async def slow(tag: str) -> str:
        state = current_execution()
        await asyncio.sleep(0.01)
        assert current_execution() is state  # not clobbered by the others
        seen[tag] = state.params.run_id if state else ""
        return tag

    async def many() -> list[str]:
        return await asyncio.gather(*(slow(tag=str(i)) for i in range(10)))

    assert asyncio.run(many()) == [str(i) for i in range(10)]
    assert len(set(seen.values())) == 10


def test_async_task_awaitable_in_async_code_and_runnable_from_sync():
    @task
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    assert isinstance(double, AsyncPythonFunctionTask)
    assert double(x=4) == 8

    async def driver() -> int:
        return await double(x=5)

    assert asyncio.run(driver()) == 10

    @task
    async def fails(x: int) -> int:
        if x:
            raise Fail("async boom")
        return x

    with pytest.raises(Fail, match="async boom"):
        fails(x=1)


class Doubler(PythonInstanceTask[None]):
    def execute(self, **kwargs: typing.Any) -> typing.Any:
        return kwargs["x"] * 2


doubler = Doubler(name="doubler", inputs={"x": int}, outputs={"o0": int})


def test_instance_task():
    assert doubler(x=21) == 42
    assert doubler.name == "doubler"
    assert doubler.instantiated_in == __name__
    assert doubler.find_lhs() == "doubler" and doubler.lhs == "doubler"
    with pytest.raises(TypeTransformerFailedError, match="input 'x'"):
        doubler(x="no")


class _Hooks:
    TASKPLUG_API_VERSION = "1.0"

    def __init__(self) -> None:
        self.params: list[typing.Any] = []

    @hookimpl
    def taskplug_pre_execute(self, task, params):
        self.params.append(params)
        params.extra["seen_by"] = "pre"

    @hookimpl
    def taskplug_post_execute(self, task, params, outputs):
        if task.name.endswith(".add"):
            return outputs * 10
        return None


class _Later:
    TASKPLUG_API_VERSION = "1.0"

    @hookimpl(trylast=True)
    def taskplug_post_execute(self, task, params, outputs):
        return outputs + 1


def test_pre_and_post_execute_hooks_wrap_every_task(monkeypatch):
    plugin = _Hooks()
    monkeypatch.setenv("_FSEC_DB_PASSWORD", "s3cret")
    with fresh_plugin_manager(plugin, _Later()):
        assert add(a=1, b=1) == 21  # (2 * 10) then + 1: chained in pluggy order
        params = plugin.params[-1]
        assert params.run_id.startswith("local-")
        assert str(params.execution_id) == "ex:local:local:local"  # flytekit's local id
        assert params.working_directory and params.logger is not None
        assert params.secrets.get("db", "password") == "s3cret"
        assert "s3cret" not in repr(params.secrets)
        assert params.extra["seen_by"] == "pre"
    assert add(a=1, b=1) == 2  # hooks gone with the manager


def test_dispatch_execute_on_literal_maps_and_defaults():
    lm = add.inputs_to_literal_map({"a": 5, "b": 1})
    del lm.literals["b"]
    out = add.dispatch_execute(lm)
    assert add.outputs_from_literal_map(out) == 8  # default b=3 applied
    lm2 = add.inputs_to_literal_map({"a": 5, "b": 1})
    del lm2.literals["a"]
    with pytest.raises(TypeTransformerFailedError, match="input 'a'.*missing"):
        add.dispatch_execute(lm2)


def test_task_config_selects_the_registered_task_class():
    @dataclass
    class Shout:
        times: int

    class ShoutTask(PythonFunctionTask[Shout]):
        task_type = "shout"

        def execute(self, **kwargs: typing.Any) -> typing.Any:
            return super().execute(**kwargs) * self.task_config.times  # type: ignore[union-attr]

    class ShoutPlugin:
        TASKPLUG_API_VERSION = "1.0"

        @hookimpl
        def taskplug_register_task_types(self, registry):
            registry.add(ShoutTask, config_type=Shout)

    with fresh_plugin_manager(ShoutPlugin()):

        @task(task_config=Shout(times=3))
        def word(w: str) -> str:
            return w

        assert isinstance(word, ShoutTask)
        assert word(w="ha") == "hahaha"

    class Unknown:
        pass

    with pytest.raises(TypeError, match="no task type handles task_config of type"):

        @task(task_config=Unknown())
        def nope(w: str) -> str:
            return w
