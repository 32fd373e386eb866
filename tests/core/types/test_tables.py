"""Tables in the type engine: dataframes, StructuredDataset and FlyteSchema as task I/O.

Real parquet files on the local file system (and fsspec's in-memory store for a remote
prefix); pandas and pyarrow are imported by these tests, never by ``import taskplug``.
"""

from __future__ import annotations

import collections
import datetime
import gc
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest

pd = pytest.importorskip("pandas", reason="tables need pandas (taskplug-sql depends on it)")
pa = pytest.importorskip("pyarrow", reason="tables need pyarrow (taskplug-sql depends on it)")

from flyteidl.core import literals_pb2, types_pb2  # noqa: E402

import taskplug  # noqa: E402
from taskplug import FlyteSchema, StructuredDataset, kwtypes, task  # noqa: E402
from taskplug.context import ExecutionParameters, ExecutionState, execution_scope  # noqa: E402
from taskplug.errors import (  # noqa: E402
    LiteralDecodeError,
    TypeTransformerFailedError,
    UnsupportedTypeError,
)
from taskplug.types import TypeEngine  # noqa: E402
from taskplug.types.engine import TypeTransformerRegistry  # noqa: E402
from taskplug.types.tables import (  # noqa: E402
    DataFrameTransformer,
    TableSchemaError,
    conform_table,
    from_arrow,
    table_type_for,
)
from taskplug.types.tables.storage import FIRST_FILE  # noqa: E402

SIMPLE = types_pb2.SimpleType
Cols = Annotated[pd.DataFrame, kwtypes(id=int, name=str, score=float)]


def frame(n: int = 4) -> Any:
    return pd.DataFrame(
        {"id": range(n), "name": [f"n{i}" for i in range(n)], "score": [i / 2 for i in range(n)]}
    )


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of this test (run directories included) go under one folder."""
    import tempfile

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def run_dirs(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("taskplug-run-"))


# -- literal types ----------------------------------------------------------------------------


@pytest.mark.parametrize("t", [pd.DataFrame, pa.Table, StructuredDataset])
def test_plain_table_types_have_an_empty_structured_dataset_type(t: Any) -> None:
    lt = TypeEngine.to_literal_type(t)
    assert lt.WhichOneof("type") == "structured_dataset_type"
    assert lt.SerializeToString() == bytes.fromhex("4200")  # what flytekit writes


def test_annotated_columns_become_column_literal_types() -> None:
    import numpy as np

    t = Annotated[
        pd.DataFrame,
        kwtypes(
            a=int,
            b=str,
            c=float,
            d=bool,
            e=datetime.datetime,
            f=datetime.timedelta,
            g=list[int],
            h=dict[str, float],
            i=np.int32,
            j=np.float32,
        ),
    ]
    sdt = TypeEngine.to_literal_type(t).structured_dataset_type
    got = {c.name: c.literal_type for c in sdt.columns}
    assert [c.name for c in sdt.columns] == list("abcdefghij")
    assert got["a"].simple == SIMPLE.INTEGER and got["i"].simple == SIMPLE.INTEGER
    assert got["b"].simple == SIMPLE.STRING
    assert got["c"].simple == SIMPLE.FLOAT and got["j"].simple == SIMPLE.FLOAT
    assert got["d"].simple == SIMPLE.BOOLEAN
    assert got["e"].simple == SIMPLE.DATETIME
    assert got["f"].simple == SIMPLE.DURATION
    assert got["g"].collection_type.simple == SIMPLE.INTEGER
    assert got["h"].map_value_type.simple == SIMPLE.FLOAT
    assert sdt.format == ""


def test_format_and_arrow_schema_annotations() -> None:
    schema = pa.schema([("a", pa.int64())])
    lt = TypeEngine.to_literal_type(Annotated[StructuredDataset, "csv"])
    assert lt.structured_dataset_type.format == "csv"
    lt = TypeEngine.to_literal_type(Annotated[pa.Table, schema])
    assert lt.structured_dataset_type.external_schema_type == "arrow"
    assert lt.structured_dataset_type.external_schema_bytes == schema.to_string().encode()


def test_unsupported_column_type_fails_at_declaration() -> None:
    with pytest.raises(UnsupportedTypeError, match="column type"):
        TypeEngine.converter(Annotated[pd.DataFrame, kwtypes(a=complex)])


def test_dataframes_in_a_format_nothing_writes_are_refused_at_declaration() -> None:
    TypeEngine.converter(
        Annotated[pd.DataFrame, "csv"]
    )  # built in (tests/core/types/test_table_handlers.py)
    with pytest.raises(UnsupportedTypeError, match="parquet and csv.*StructuredDatasetEncoder"):
        TypeEngine.converter(Annotated[pd.DataFrame, "feather"])


def test_flyte_schema_literal_types() -> None:
    assert TypeEngine.to_literal_type(FlyteSchema).SerializeToString() == bytes.fromhex("1200")
    lt = TypeEngine.to_literal_type(FlyteSchema[kwtypes(a=int, b=str)])
    cols = lt.schema.columns
    assert [(c.name, c.type) for c in cols] == [
        ("a", types_pb2.SchemaType.SchemaColumn.SchemaColumnType.INTEGER),
        ("b", types_pb2.SchemaType.SchemaColumn.SchemaColumnType.STRING),
    ]
    assert FlyteSchema[kwtypes(a=int, b=str)] is FlyteSchema[kwtypes(a=int, b=str)]
    with pytest.raises(UnsupportedTypeError, match="FlyteSchema columns"):
        TypeEngine.converter(FlyteSchema[kwtypes(a=list[int])])


def test_kwtypes_is_exported_and_ordered() -> None:
    cols = taskplug.kwtypes(b=int, a=str)
    assert isinstance(cols, collections.OrderedDict)
    assert list(cols.items()) == [("b", int), ("a", str)]


# -- values through the engine and through tasks ------------------------------------------------


def test_dataframe_literal_points_at_a_parquet_directory() -> None:
    df = frame()
    lit = TypeEngine.to_literal(df, Cols)
    sd = lit.scalar.structured_dataset
    assert os.path.isfile(os.path.join(sd.uri, FIRST_FILE))
    assert sd.metadata.structured_dataset_type.format == "parquet"
    assert [c.name for c in sd.metadata.structured_dataset_type.columns] == ["id", "name", "score"]
    back = TypeEngine.to_python_value(lit, Cols)
    assert back.equals(df)


def test_task_round_trip_subsets_columns_and_cleans_up(scratch_tmp: Path) -> None:
    @task
    def make(n: int) -> Cols:
        df = frame(n)
        df["extra"] = 1
        return df

    @task
    def names(df: Annotated[pd.DataFrame, kwtypes(name=str)]) -> list[str]:
        assert list(df.columns) == ["name"]
        return list(df["name"])

    out = make(n=3)
    assert list(out.columns) == ["id", "name", "score"]  # read back with the declared columns
    assert names(df=out) == ["n0", "n1", "n2"]
    assert run_dirs(scratch_tmp) == []  # each call's directory is gone


def test_arrow_tables_round_trip() -> None:
    @task
    def double(t: pa.Table) -> pa.Table:
        return t.append_column("twice", pa.compute.multiply(t["id"], 2))

    table = pa.table({"id": [1, 2, 3]})
    assert double(t=table).column("twice").to_pylist() == [2, 4, 6]


def test_structured_dataset_in_and_out(scratch_tmp: Path) -> None:
    @task
    def wrap(n: int) -> StructuredDataset:
        return StructuredDataset(dataframe=frame(n))

    @task
    def total(sd: Annotated[StructuredDataset, kwtypes(score=float)]) -> float:
        df = sd.open(pd.DataFrame).all()
        assert list(df.columns) == ["score"]
        return float(df["score"].sum())

    sd = wrap(n=4)
    assert sd.file_format == "parquet" and sd.uri
    # the dataset left its run: its files were moved out of the removed run directory
    assert run_dirs(scratch_tmp) == []
    assert os.path.isdir(sd.uri)
    assert total(sd=sd) == 3.0
    assert sd.open(pa.Table).all().num_rows == 4
    batches = list(sd.open(pd.DataFrame).iter())
    assert sum(len(b) for b in batches) == 4
    where = sd.uri
    del sd
    gc.collect()
    assert not os.path.exists(where)  # removed once nothing refers to it


def test_structured_dataset_by_uri_is_not_copied_in_a_local_run(tmp_path: Path) -> None:
    folder = tmp_path / "table"
    folder.mkdir()
    frame().to_parquet(folder / FIRST_FILE)

    @task
    def count(sd: StructuredDataset) -> int:
        return len(sd.open(pd.DataFrame).all())

    assert count(sd=StructuredDataset(uri=str(folder), file_format="parquet")) == 4
    lit = TypeEngine.to_literal(StructuredDataset(uri=str(folder)), StructuredDataset)
    assert lit.scalar.structured_dataset.uri == str(folder)


def test_passthrough_keeps_the_literal() -> None:
    @task
    def same(sd: StructuredDataset) -> StructuredDataset:
        return sd

    first = TypeEngine.to_literal(StructuredDataset(dataframe=frame()), StructuredDataset)
    sd_in = TypeEngine.to_python_value(first, StructuredDataset)
    out = same(sd=sd_in)
    assert out.literal is not None
    assert out.literal.uri == first.scalar.structured_dataset.uri


def test_container_run_writes_under_the_raw_output_prefix(tmp_path: Path) -> None:
    prefix = tmp_path / "raw"
    params = ExecutionParameters(raw_output_prefix=f"file://{prefix}", local=False)
    with execution_scope(ExecutionState(params, mode="container")):
        lit = TypeEngine.to_literal(frame(), pd.DataFrame)
    uri = lit.scalar.structured_dataset.uri
    assert uri.startswith(f"file://{prefix}/")
    assert TypeEngine.to_python_value(lit, pd.DataFrame).equals(frame())
    # no temporary file is left next to the data
    assert os.listdir(uri[len("file://") :]) == [FIRST_FILE]


def test_container_run_to_a_remote_store_and_back() -> None:
    import fsspec

    params = ExecutionParameters(raw_output_prefix="memory://raw-prefix", local=False)
    with execution_scope(ExecutionState(params, mode="container")):
        lit = TypeEngine.to_literal(frame(), Cols)
    uri = lit.scalar.structured_dataset.uri
    assert uri.startswith("memory://raw-prefix/")
    fs = fsspec.filesystem("memory")
    assert [p.rsplit("/", 1)[-1] for p in fs.ls(uri[len("memory://") :], detail=False)] == [
        FIRST_FILE
    ]
    assert TypeEngine.to_python_value(lit, Cols).equals(frame())


def test_local_path_is_uploaded_in_a_container_run(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    frame().to_parquet(folder / FIRST_FILE)
    prefix = tmp_path / "raw"
    params = ExecutionParameters(raw_output_prefix=str(prefix), local=False)
    with execution_scope(ExecutionState(params, mode="container")):
        lit = TypeEngine.to_literal(StructuredDataset(uri=str(folder)), StructuredDataset)
    uri = lit.scalar.structured_dataset.uri
    assert uri.startswith(str(prefix))
    assert os.path.isfile(os.path.join(uri, FIRST_FILE))


def test_flyte_schema_output_and_reading_it() -> None:
    @task
    def make(n: int) -> FlyteSchema[kwtypes(id=int, name=str)]:
        return frame(n)

    schema = make(n=2)
    assert isinstance(schema, FlyteSchema)
    df = schema.open(pd.DataFrame).all()
    assert list(df.columns) == ["id", "name"] and len(df) == 2
    lit = TypeEngine.to_literal(frame(), FlyteSchema[kwtypes(id=int)])
    assert lit.scalar.schema.uri
    # a schema literal reads as a dataframe too (as in flytekit)
    assert list(TypeEngine.to_python_value(lit, pd.DataFrame).columns) == ["id", "name", "score"]


def test_dataset_inside_a_dataclass_travels_as_uri_and_format() -> None:
    import dataclasses

    @dataclasses.dataclass
    class Holder:
        sd: StructuredDataset
        label: str

    lit = TypeEngine.to_literal(Holder(StructuredDataset(dataframe=frame()), "x"), Holder)
    back = TypeEngine.to_python_value(lit, Holder)
    assert back.label == "x"
    assert back.sd.open(pd.DataFrame).all().equals(frame())


try:
    import pydantic
except ImportError:  # pragma: no cover - pydantic is a test dependency
    pydantic = None

if pydantic is not None:

    class Report(pydantic.BaseModel):
        table: StructuredDataset
        label: str = "r"

    @task
    def make_report() -> Report:
        return Report(table=StructuredDataset(dataframe=frame()))

    @task
    def report_rows(report: Report) -> int:
        return len(report.table.open(pd.DataFrame).all())


def test_dataset_inside_a_pydantic_model_through_tasks() -> None:
    if pydantic is None:
        pytest.skip("pydantic is not installed")
    make, rows = make_report, report_rows
    report = make()
    assert isinstance(report.table, StructuredDataset) and report.table.uri
    assert rows(report=report) == len(frame())
    dumped = report.model_dump()
    assert dumped == {"table": {"uri": report.table.uri, "file_format": "parquet"}, "label": "r"}
    again = Report.model_validate(dumped)
    assert again.table.open(pd.DataFrame).all().equals(frame())
    schema = Report.model_json_schema()
    assert schema["properties"]["table"] == {"$ref": "#/$defs/StructuredDataset"}
    assert set(schema["$defs"]["StructuredDataset"]["properties"]) == {"uri", "file_format"}
    with pytest.raises(pydantic.ValidationError, match="takes a StructuredDataset or"):
        Report(table=3)


# -- bad input -----------------------------------------------------------------------------------


def test_output_missing_a_declared_column_names_task_output_and_column() -> None:
    @task
    def bad() -> Cols:
        return frame().drop(columns=["score"])

    with pytest.raises(TypeTransformerFailedError) as info:
        bad()
    message = str(info.value)
    assert "bad" in message and "output 'o0'" in message and "'score'" in message


def test_output_with_a_wrongly_typed_column() -> None:
    @task
    def bad() -> Cols:
        df = frame()
        df["id"] = df["id"].astype(str)
        return df

    with pytest.raises(TypeTransformerFailedError, match="column 'id' should be integer"):
        bad()


def test_dataframe_given_for_a_structured_dataset() -> None:
    @task
    def bad() -> StructuredDataset:
        return frame()

    with pytest.raises(TypeTransformerFailedError, match=r"StructuredDataset\(dataframe=df\)"):
        bad()


def test_wrong_value_type_for_a_dataframe_input() -> None:
    @task
    def count(df: pd.DataFrame) -> int:
        return len(df)

    with pytest.raises(TypeTransformerFailedError, match="input 'df'"):
        count(df=[1, 2, 3])


def test_missing_table_files_give_a_decode_error(tmp_path: Path) -> None:
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = str(tmp_path / "nowhere")
    with pytest.raises(LiteralDecodeError, match="does not exist"):
        TypeEngine.to_python_value(lit, pd.DataFrame)


def test_reading_columns_the_table_lacks(tmp_path: Path) -> None:
    lit = TypeEngine.to_literal(frame(), pd.DataFrame)
    with pytest.raises(LiteralDecodeError, match="lacks declared columns"):
        TypeEngine.to_python_value(lit, Annotated[pd.DataFrame, kwtypes(nope=int)])


def test_a_table_in_a_format_nothing_reads_is_refused_for_a_dataframe(tmp_path: Path) -> None:
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = str(tmp_path)
    lit.scalar.structured_dataset.metadata.structured_dataset_type.format = "orc"
    with pytest.raises(LiteralDecodeError, match="no decoder .* format 'orc'"):
        TypeEngine.to_python_value(lit, pd.DataFrame)
    lit.scalar.structured_dataset.metadata.structured_dataset_type.format = "csv"
    with pytest.raises(LiteralDecodeError, match="does not exist"):
        TypeEngine.to_python_value(lit, pd.DataFrame)


def test_structured_dataset_without_data() -> None:
    with pytest.raises(TypeTransformerFailedError, match="needs a dataframe or a uri"):
        TypeEngine.to_literal(StructuredDataset(), StructuredDataset)
    with pytest.raises(ValueError, match="open"):
        StructuredDataset(uri="/x").all()


# -- conform_table, from_arrow, table_type_for ------------------------------------------------------


def test_conform_table_selects_orders_and_casts() -> None:
    table = pa.table(
        {
            "flag": pa.array([1, 0], pa.int32()),
            "n": pa.array([1, 2], pa.int32()),
            "x": pa.array([1, 2], pa.int64()),
            "when": ["2024-01-02T03:04:05", "2024-02-03T00:00:00"],
            "extra": ["a", "b"],
        }
    )
    out = conform_table(table, kwtypes(n=int, x=float, flag=bool, when=datetime.datetime))
    assert out.schema.names == ["n", "x", "flag", "when"]
    assert out.schema.field("n").type == pa.int64()
    assert out.schema.field("x").type == pa.float64()
    assert out.column("flag").to_pylist() == [True, False]
    assert pa.types.is_timestamp(out.schema.field("when").type)


def test_conform_table_reports_every_problem() -> None:
    table = pa.table({"a": ["x", "y"], "b": [1.5, 2.5]})
    with pytest.raises(TableSchemaError) as info:
        conform_table(table, kwtypes(a=int, b=int, c=str))
    problems = info.value.problems
    assert len(problems) == 3
    assert "'a' should be integer" in problems[0]
    assert "'b' should be integer" in problems[1]
    assert "'c'" in problems[2] and "missing" in problems[2]


def test_from_arrow_gives_the_declared_kind() -> None:
    table = pa.table({"a": [1, 2]})
    assert isinstance(from_arrow(table, Annotated[pd.DataFrame, kwtypes(a=int)]), pd.DataFrame)
    assert from_arrow(table, pa.Table) is table
    sd = from_arrow(table, StructuredDataset)
    assert isinstance(sd, StructuredDataset) and sd.dataframe is table


def test_table_type_for_literal_types() -> None:
    t = Annotated[pd.DataFrame, kwtypes(a=int, b=list[str])]
    again = table_type_for(TypeEngine.to_literal_type(t), pa.Table)
    assert typing.get_args(again)[0] is pa.Table
    assert TypeEngine.to_literal_type(again) == TypeEngine.to_literal_type(t)
    schema_type = table_type_for(TypeEngine.to_literal_type(FlyteSchema[kwtypes(a=int)]), pa.Table)
    assert schema_type.columns() == {"a": int}
    assert table_type_for(TypeEngine.to_literal_type(pd.DataFrame), pa.Table) is pa.Table


# -- extension and laziness ----------------------------------------------------------------------


class Rows:
    """A toy dataframe library: a list of dicts."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows


def test_a_plugin_adds_a_dataframe_library() -> None:
    reg = TypeEngine.registry()
    if Rows not in reg:
        reg.register(
            DataFrameTransformer(
                Rows,
                to_arrow=lambda r: pa.Table.from_pylist(r.rows),
                from_arrow=lambda t: Rows(t.to_pylist()),
            )
        )

    @task
    def count(rows: Annotated[Rows, kwtypes(a=int)]) -> Rows:
        return Rows([{"a": len(rows.rows)}])

    assert count(rows=Rows([{"a": 1}, {"a": 2}])).rows == [{"a": 2}]
    sd = StructuredDataset(dataframe=Rows([{"a": 5}]))
    lit = TypeEngine.to_literal(sd, StructuredDataset)
    assert TypeEngine.to_python_value(lit, StructuredDataset).open(Rows).all().rows == [{"a": 5}]


def test_lazy_registration_waits_for_the_module(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "lazyframes.py").write_text("class Frame:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = TypeTransformerRegistry()
    built = []

    def factory() -> Any:
        built.append(1)
        return DataFrameTransformer(
            sys.modules["lazyframes"].Frame, to_arrow=lambda x: x, from_arrow=lambda x: x
        )

    reg.register_lazy("lazyframes", "Frame", factory)
    assert reg.get(int) is None and built == []  # nothing imported, nothing built
    import lazyframes  # type: ignore[import-not-found]

    class Sub(lazyframes.Frame):  # type: ignore[name-defined,misc]
        pass

    assert isinstance(reg.get(Sub), DataFrameTransformer) and built == [1]
    assert reg.get(lazyframes.Frame) is reg.get(Sub) and built == [1]
    sys.modules.pop("lazyframes", None)


def test_tables_do_not_make_taskplug_import_pandas() -> None:
    code = (
        "import sys\n"
        "from taskplug import task, kwtypes, StructuredDataset\n"
        "from taskplug.types import TypeEngine\n"
        "@task\n"
        "def f(a: int) -> int:\n"
        "    return a\n"
        "f(a=1)\n"
        "TypeEngine.converter(StructuredDataset)\n"
        "kwtypes(a=int)\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# -- storage: streaming, parallel files, conform_batches ------------------------------------------


def test_a_table_of_several_files_reads_in_order(tmp_path: Path) -> None:
    # flytekit's layout allows several files (00000, 00001…); they are read in name order
    df = frame(50)
    folder = tmp_path / "multi"
    folder.mkdir()
    df.iloc[:20].to_parquet(folder / "00000")
    df.iloc[20:].to_parquet(folder / "00001")
    (folder / "_SUCCESS").write_text("")
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = str(folder)
    back = TypeEngine.to_python_value(lit, Annotated[pd.DataFrame, kwtypes(id=int)])
    assert back["id"].tolist() == list(range(50))


def test_write_dataset_streams_a_reader_once() -> None:
    from taskplug.types.tables import write_dataset

    table = pa.table({"id": list(range(300_000)), "name": ["x"] * 300_000})
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=70_000))
    sd = write_dataset(reader, Annotated[pd.DataFrame, kwtypes(id=int, name=str)])
    assert os.listdir(sd.uri) == [FIRST_FILE]  # a stream goes to one file
    lit = TypeEngine.to_literal(sd, Annotated[pd.DataFrame, kwtypes(id=int, name=str)])
    sdt = lit.scalar.structured_dataset.metadata.structured_dataset_type
    assert lit.scalar.structured_dataset.uri == sd.uri  # not written again
    assert sdt.format == "parquet" and [c.name for c in sdt.columns] == ["id", "name"]
    assert TypeEngine.to_python_value(lit, pd.DataFrame)["id"].sum() == sum(range(300_000))


def test_conform_batches_casts_each_batch_and_reports_misfits() -> None:
    from taskplug.types.tables import conform_batches

    schema = pa.schema([("a", pa.int32()), ("b", pa.string())])
    batches = [
        pa.record_batch([pa.array([1, 2], pa.int32()), pa.array(["x", "y"])], schema=schema),
        pa.record_batch([pa.array([3], pa.int32()), pa.array(["z"])], schema=schema),
    ]
    out = conform_batches(
        pa.RecordBatchReader.from_batches(schema, batches), kwtypes(b=str, a=float)
    )
    table = out.read_all()
    assert table.schema.names == ["b", "a"] and table.schema.field("a").type == pa.float64()
    assert table.column("a").to_pylist() == [1.0, 2.0, 3.0]
    empty = conform_batches(pa.RecordBatchReader.from_batches(schema, []), kwtypes(a=int))
    assert empty.read_all().schema.field("a").type == pa.int64()
    with pytest.raises(TableSchemaError, match="'b' should be integer"):
        conform_batches(pa.RecordBatchReader.from_batches(schema, batches), kwtypes(b=int))
