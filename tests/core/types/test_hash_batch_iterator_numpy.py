"""``HashMethod`` and ``BatchSize`` in ``Annotated``, ``Iterator[T]`` inputs and outputs, and
``numpy.ndarray`` as task inputs and outputs (numpy imported lazily)."""

from __future__ import annotations

import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug import BatchSize, HashMethod, kwtypes, task, workflow
from taskplug.core.type_engine import get_batch_size
from taskplug.errors import LiteralDecodeError, TypeTransformerFailedError, UnsupportedTypeError
from taskplug.types import TypeEngine
from taskplug.types.iterator import FlyteIterator

# -- HashMethod ---------------------------------------------------------------------------------


def digest(values: list[int]) -> str:
    return f"sum={sum(values)}"


Hashed = Annotated[list[int], HashMethod(digest)]


def test_the_hash_goes_into_the_literal() -> None:
    lit = TypeEngine.to_literal([1, 2, 3], Hashed)
    assert lit.hash == "sum=6"
    assert [v.scalar.primitive.integer for v in lit.collection.literals] == [1, 2, 3]
    assert TypeEngine.to_python_value(lit, Hashed) == [1, 2, 3]
    assert TypeEngine.to_literal([1, 2, 3], list[int]).hash == ""
    assert TypeEngine.to_literal_type(Hashed) == TypeEngine.to_literal_type(list[int])


def test_hashed_items_of_a_list() -> None:
    lit = TypeEngine.to_literal([4, 5], list[Annotated[int, HashMethod(lambda v: f"#{v}")]])
    assert [v.hash for v in lit.collection.literals] == ["#4", "#5"]
    assert lit.hash == ""


def test_task_outputs_carry_the_hash() -> None:
    @task
    def numbers(n: int) -> Hashed:
        return list(range(n))

    out = numbers.dispatch_execute(numbers.inputs_to_literal_map({"n": 4}))
    assert out.literals["o0"].hash == "sum=6"
    assert numbers(n=3) == [0, 1, 2]


def test_a_hash_method_must_return_a_str() -> None:
    bad = Annotated[int, HashMethod(lambda v: v)]  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeTransformerFailedError, match="HashMethod of .* returned int 3"):
        TypeEngine.to_literal(3, bad)


def test_hash_method_is_at_flytekits_path() -> None:
    from taskplug.core.hash import HashMethod as CoreHashMethod

    assert CoreHashMethod is HashMethod
    assert HashMethod(digest).calculate([2, 2]) == "sum=4"


# -- BatchSize ----------------------------------------------------------------------------------


def test_batch_size_is_accepted_and_changes_nothing_on_the_wire() -> None:
    batched = Annotated[list[str], BatchSize(3)]
    assert get_batch_size(batched) == 3
    assert get_batch_size(list[str]) is None
    assert TypeEngine.to_literal(["a"], batched) == TypeEngine.to_literal(["a"], list[str])

    @task
    def names(n: int) -> Annotated[list[str], BatchSize(2)]:
        return [f"n{i}" for i in range(n)]

    assert names(n=3) == ["n0", "n1", "n2"]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_batch_size_takes_a_positive_int(bad: Any) -> None:
    with pytest.raises(ValueError, match="positive int"):
        BatchSize(bad)


def test_batch_size_is_at_flytekits_path() -> None:
    import taskplug.core.type_engine as te

    assert te.BatchSize is BatchSize
    assert BatchSize(5).val == 5


# -- Iterator[T] --------------------------------------------------------------------------------


def test_an_iterator_is_a_collection_literal() -> None:
    assert TypeEngine.to_literal_type(Iterator[int]) == TypeEngine.to_literal_type(list[int])
    assert TypeEngine.to_literal_type(typing.Iterator[str]) == TypeEngine.to_literal_type(list[str])
    lit = TypeEngine.to_literal(iter([1, 2]), Iterator[int])
    assert lit == TypeEngine.to_literal([1, 2], list[int])


def test_generators_out_lazy_iterators_in() -> None:
    produced: list[int] = []

    @task
    def squares(n: int) -> Iterator[int]:
        for i in range(n):
            produced.append(i)
            yield i * i

    @task
    def total(xs: Iterator[int]) -> int:
        assert isinstance(xs, FlyteIterator) and len(xs) == 4
        return sum(xs)

    @workflow
    def wf(n: int) -> int:
        return total(xs=squares(n=n))

    assert wf(n=4) == 14
    result = squares(n=3)
    assert isinstance(result, FlyteIterator)
    assert len(result) == 3
    assert list(result) == [0, 1, 4]
    assert list(result) == [0, 1, 4]  # iterating again starts over
    assert next(iter(result)) == 0


def test_items_are_converted_when_reached() -> None:
    lit = TypeEngine.to_literal(["a", "b"], list[str])
    lit.collection.literals[1].scalar.primitive.integer = 7  # a bad second item
    items = TypeEngine.to_python_value(lit, Iterator[str])
    assert next(items) == "a"
    with pytest.raises(LiteralDecodeError, match="str"):
        next(items)


def test_iterator_errors() -> None:
    with pytest.raises(UnsupportedTypeError, match="needs its item type"):
        TypeEngine.converter(typing.Iterator)
    with pytest.raises(TypeTransformerFailedError, match="an iterator, a generator"):
        TypeEngine.to_literal(5, Iterator[int])
    with pytest.raises(TypeTransformerFailedError, match="an iterator, a generator"):
        TypeEngine.to_literal("abc", Iterator[str])
    with pytest.raises(TypeTransformerFailedError, match="int"):
        TypeEngine.to_literal(iter(["x"]), Iterator[int])
    with pytest.raises(LiteralDecodeError, match="expected a collection"):
        TypeEngine.to_python_value(literals_pb2.Literal(), Iterator[int])


def test_iterator_is_at_flytekits_path() -> None:
    from taskplug.types.iterator.iterator import FlyteIterator as Deep

    assert Deep is FlyteIterator


# -- numpy.ndarray ------------------------------------------------------------------------------


def test_import_taskplug_does_not_import_numpy() -> None:
    code = (
        "import sys, taskplug, taskplug.types\n"
        "from taskplug import task\n"
        "@task\n"
        "def f(x: int) -> int:\n"
        "    return x\n"
        "f(x=1)\n"
        "import taskplug.types.numpy, taskplug.types.iterator, taskplug.types.structured\n"
        "import taskplug.models.literals, taskplug.core.type_engine\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


np = pytest.importorskip("numpy", reason="numpy is an optional extra (comes with pandas)")


def test_arrays_travel_as_npy_blobs() -> None:
    array = np.arange(6, dtype=np.int32).reshape(2, 3)
    lt = TypeEngine.to_literal_type(np.ndarray)
    assert lt.blob.format == "NumpyArray"
    assert lt.blob.dimensionality == types_pb2.BlobType.SINGLE
    lit = TypeEngine.to_literal(array, np.ndarray)
    blob = lit.scalar.blob
    assert blob.metadata.type.format == "NumpyArray"
    assert blob.uri.endswith(".npy")
    assert np.load(blob.uri).tolist() == array.tolist()
    back = TypeEngine.to_python_value(lit, np.ndarray)
    assert back.dtype == np.int32 and back.tolist() == array.tolist()


def test_arrays_through_a_workflow() -> None:
    @task
    def make(n: int) -> np.ndarray:
        return np.linspace(0.0, 1.0, n)

    @task
    def mean(a: np.ndarray) -> float:
        return float(a.mean())

    @workflow
    def wf(n: int) -> float:
        return mean(a=make(n=n))

    assert wf(n=5) == 0.5
    assert make(n=3).tolist() == [0.0, 0.5, 1.0]


def test_object_arrays_need_allow_pickle() -> None:
    objects = np.array([{"a": 1}, None], dtype=object)
    pickled = Annotated[np.ndarray, kwtypes(allow_pickle=True)]
    lit = TypeEngine.to_literal(objects, pickled)
    assert TypeEngine.to_python_value(lit, pickled)[0] == {"a": 1}
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_literal(objects, np.ndarray)
    with pytest.raises(LiteralDecodeError, match="allow_pickle=True"):
        TypeEngine.to_python_value(lit, np.ndarray)


def test_mmap_mode_and_hash_method() -> None:
    mapped = Annotated[np.ndarray, kwtypes(mmap_mode="r"), HashMethod(lambda a: str(a.sum()))]
    lit = TypeEngine.to_literal(np.ones(4), mapped)
    assert lit.hash == "4.0"
    back = TypeEngine.to_python_value(lit, mapped)
    assert isinstance(back, np.memmap)


def test_bad_numpy_declarations_and_values(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedTypeError, match="unknown numpy option"):
        TypeEngine.converter(Annotated[np.ndarray, kwtypes(compress=True)])
    with pytest.raises(UnsupportedTypeError, match="takes kwtypes"):
        TypeEngine.converter(Annotated[np.ndarray, "wide"])
    with pytest.raises(TypeTransformerFailedError, match="numpy.ndarray"):
        TypeEngine.to_literal([1, 2], np.ndarray)
    missing = literals_pb2.Literal()
    missing.scalar.blob.uri = str(tmp_path / "gone.npy")
    with pytest.raises(LiteralDecodeError, match="gone.npy"):
        TypeEngine.to_python_value(missing, np.ndarray)
    with pytest.raises(LiteralDecodeError, match="blob"):
        TypeEngine.to_python_value(TypeEngine.to_literal(1, int), np.ndarray)


def test_arrays_to_a_remote_store() -> None:
    import fsspec

    from taskplug.context import ExecutionParameters, ExecutionState, execution_scope

    params = ExecutionParameters(task_name="t")
    params.raw_output_prefix = "memory://bucket/raw"
    with execution_scope(ExecutionState(params, mode="container")):
        lit = TypeEngine.to_literal(np.arange(3), np.ndarray)
    uri = lit.scalar.blob.uri
    assert uri.startswith("memory://bucket/raw/") and uri.endswith(".npy")
    assert fsspec.filesystem("memory").exists(uri[len("memory://") :])
    assert TypeEngine.to_python_value(lit, np.ndarray).tolist() == [0, 1, 2]
