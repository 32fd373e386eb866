"""flytekit's table extension API on taskplug's tables: CSV built in, encoders and decoders
registered with StructuredDatasetTransformerEngine, renderers, nested column declarations.

Real files on the local file system; pandas, pyarrow and numpy are imported by these tests,
never by ``import taskplug``.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest

pd = pytest.importorskip("pandas", reason="tables need pandas (taskplug-sql depends on it)")
pa = pytest.importorskip("pyarrow", reason="tables need pyarrow (taskplug-sql depends on it)")
np = pytest.importorskip("numpy", reason="numpy comes with pandas")

import pyarrow.parquet as pq  # noqa: E402
from flyteidl.core import literals_pb2  # noqa: E402

from taskplug import kwtypes, task, workflow  # noqa: E402
from taskplug.errors import LiteralDecodeError, TypeTransformerFailedError  # noqa: E402
from taskplug.models import literals  # noqa: E402
from taskplug.models.literals import StructuredDatasetMetadata  # noqa: E402
from taskplug.models.types import StructuredDatasetType  # noqa: E402
from taskplug.testing.manager import fresh_plugin_manager  # noqa: E402
from taskplug.types import TypeEngine  # noqa: E402
from taskplug.types.structured import register_csv_handlers  # noqa: E402
from taskplug.types.structured.structured_dataset import (  # noqa: E402
    CSV,
    PARQUET,
    DuplicateHandlerError,
    StructuredDataset,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
    extract_cols_and_format,
    flatten_dict,
)

Engine = StructuredDatasetTransformerEngine


@pytest.fixture(autouse=True)
def _isolated() -> Iterator[None]:
    """Handlers are process-wide (as in flytekit): each test starts and ends without any."""
    saved = (
        {t: {p: dict(f) for p, f in v.items()} for t, v in Engine.ENCODERS.items()},
        {t: {p: dict(f) for p, f in v.items()} for t, v in Engine.DECODERS.items()},
        dict(Engine.DEFAULT_FORMATS),
        dict(Engine.DEFAULT_PROTOCOLS),
        dict(Engine.Renderers),
    )
    with fresh_plugin_manager(autoload=False):
        yield
    for live, old in zip(
        (
            Engine.ENCODERS,
            Engine.DECODERS,
            Engine.DEFAULT_FORMATS,
            Engine.DEFAULT_PROTOCOLS,
            Engine.Renderers,
        ),
        saved,
    ):
        live.clear()
        live.update(old)  # type: ignore[attr-defined]


def people() -> Any:
    return pd.DataFrame({"name": ["Ann", "Bo"], "age": [31, 42], "height": [1.6, 1.8]})


# -- CSV, built in ------------------------------------------------------------------------------


def test_csv_tables_are_written_as_flytekit_writes_them() -> None:
    register_csv_handlers()  # flytekit needs it; a no-op here, and calling twice is fine
    register_csv_handlers()

    @task
    def to_csv(df: pd.DataFrame) -> Annotated[StructuredDataset, CSV]:
        return StructuredDataset(dataframe=df)

    @task
    def ages(sd: Annotated[StructuredDataset, kwtypes(age=int)]) -> list[int]:
        return sd.open(pd.DataFrame).all()["age"].tolist()

    indexed = people().set_index(pd.Index([10, 20]))  # flytekit writes no index
    lit = TypeEngine.to_literal(
        StructuredDataset(dataframe=indexed), Annotated[StructuredDataset, CSV]
    )
    sd = lit.scalar.structured_dataset
    assert sd.metadata.structured_dataset_type.format == "csv"
    text = Path(sd.uri, ".csv").read_text()
    assert text.splitlines()[0] == '"name","age","height"'
    assert len(text.splitlines()) == 3
    back = TypeEngine.to_python_value(lit, pd.DataFrame)
    assert back.to_dict("list") == people().to_dict("list")
    assert ages(sd=to_csv(df=people())) == [31, 42]


def test_a_dataframe_declared_as_csv() -> None:
    lit = TypeEngine.to_literal(people(), Annotated[pd.DataFrame, CSV])
    assert lit.scalar.structured_dataset.metadata.structured_dataset_type.format == "csv"
    back = TypeEngine.to_python_value(lit, Annotated[pd.DataFrame, kwtypes(name=str)])
    assert list(back.columns) == ["name"]
    table = TypeEngine.to_python_value(lit, pa.Table)
    assert table.num_rows == 2


def test_a_csv_file_given_by_path_is_read(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    people().to_csv(path, index=False)
    sd = StructuredDataset(uri=str(path), file_format="csv")
    assert sd.open(pd.DataFrame).all()["name"].tolist() == ["Ann", "Bo"]
    assert [len(b) for b in sd.open(pd.DataFrame).iter()] == [2]


# -- encoders and decoders ----------------------------------------------------------------------


class Grid:
    """A dataframe library taskplug does not know: rows of numbers."""

    def __init__(self, rows: list[list[float]]) -> None:
        self.rows = rows


class GridEncoder(StructuredDatasetEncoder):
    def __init__(self) -> None:
        super().__init__(Grid, None, PARQUET)
        self.calls: list[Any] = []

    def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
        self.calls.append((ctx, structured_dataset, structured_dataset_type))
        grid = structured_dataset.dataframe
        table = pa.table({f"c{i}": list(col) for i, col in enumerate(zip(*grid.rows))})
        remote = ctx.file_access.get_random_remote_directory()
        local = ctx.file_access.get_random_local_directory()
        pq.write_table(table, os.path.join(local, "00000"))
        ctx.file_access.upload_directory(local, remote)
        return literals.StructuredDataset(uri=remote)  # no metadata: filled in by taskplug


class GridDecoder(StructuredDatasetDecoder):
    def __init__(self, batches: bool = False) -> None:
        super().__init__(Grid, None, PARQUET)
        self.batches = batches
        self.metadata: list[Any] = []

    def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
        self.metadata.append(current_task_metadata)
        local = ctx.file_access.get_random_local_directory()
        ctx.file_access.get_data(flyte_value.uri, local, is_multipart=True)
        columns = [c.name for c in current_task_metadata.structured_dataset_type.columns] or None
        table = pq.read_table(local, columns=columns)
        rows = [list(r.values()) for r in table.to_pylist()]
        if self.batches:
            return (Grid([row]) for row in rows)
        return Grid(rows)


def test_registered_encoders_and_decoders_carry_a_new_dataframe_type() -> None:
    encoder, decoder = GridEncoder(), GridDecoder()
    Engine.register(encoder)
    Engine.register(decoder)

    @task
    def make(n: int) -> Annotated[StructuredDataset, kwtypes(c0=float, c1=float)]:
        return StructuredDataset(dataframe=Grid([[float(i), float(i * i)] for i in range(n)]))

    @task
    def second_column(sd: Annotated[StructuredDataset, kwtypes(c1=float)]) -> list[float]:
        return [row[0] for row in sd.open(Grid).all().rows]

    @task
    def as_pandas(sd: StructuredDataset) -> pd.DataFrame:
        return sd.open(pd.DataFrame).all()

    @workflow
    def wf(n: int) -> list[float]:
        return second_column(sd=make(n=n))

    assert wf(n=3) == [0.0, 1.0, 4.0]
    ctx, sd, sdt = encoder.calls[-1]
    assert hasattr(ctx, "file_access") and isinstance(sd, StructuredDataset)
    assert isinstance(sdt, StructuredDatasetType) and [c.name for c in sdt.columns] == ["c0", "c1"]
    # the decoder was asked for the columns the reading task declared
    assert [c.name for c in decoder.metadata[-1].structured_dataset_type.columns] == ["c1"]
    assert isinstance(decoder.metadata[-1], StructuredDatasetMetadata)
    # taskplug reads the encoder's parquet too, and it filled in the type and the format
    lit = TypeEngine.to_literal(StructuredDataset(dataframe=Grid([[1.0, 2.0]])), StructuredDataset)
    written = lit.scalar.structured_dataset.metadata.structured_dataset_type
    assert written.format == PARQUET
    assert as_pandas(sd=StructuredDataset(dataframe=Grid([[1.0, 2.0]]))).to_dict("list") == {
        "c0": [1.0],
        "c1": [2.0],
    }


def test_the_new_type_becomes_a_table_type() -> None:
    Engine.register(GridEncoder())
    Engine.register(GridDecoder())
    lt = TypeEngine.to_literal_type(Grid)
    assert lt.WhichOneof("type") == "structured_dataset_type"

    @task
    def grid_out() -> Grid:
        return Grid([[1.0], [2.0]])

    @task
    def grid_in(g: Grid) -> int:
        return len(g.rows)

    assert grid_in(g=grid_out()) == 2


def test_numpy_arrays_as_tables_replace_the_npy_transformer() -> None:
    class ArrayEncoder(StructuredDatasetEncoder):
        def __init__(self) -> None:
            super().__init__(np.ndarray, None, PARQUET)

        def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
            array = structured_dataset.dataframe
            table = pa.Table.from_arrays(list(array), [f"col{i}" for i in range(len(array))])
            uri = ctx.file_access.get_random_remote_directory()
            os.makedirs(uri)
            pq.write_table(table, os.path.join(uri, "00000"))
            return literals.StructuredDataset(
                uri=uri,
                metadata=StructuredDatasetMetadata(
                    structured_dataset_type=StructuredDatasetType(format=PARQUET)
                ),
            )

    class ArrayDecoder(StructuredDatasetDecoder):
        def __init__(self) -> None:
            super().__init__(np.ndarray, None, PARQUET)

        def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
            return pq.read_table(flyte_value.uri).to_pandas().to_numpy()

    assert TypeEngine.to_literal_type(np.ndarray).blob.format == "NumpyArray"
    Engine.register(ArrayEncoder())
    Engine.register(ArrayDecoder())

    @task
    def names() -> pd.DataFrame:
        return pd.DataFrame({"name": ["Tom", "Jo"]})

    @task
    def as_array(sd: StructuredDataset) -> Annotated[StructuredDataset, None, PARQUET]:
        return StructuredDataset(dataframe=sd.open(np.ndarray).all())

    @workflow
    def wf() -> Annotated[StructuredDataset, None, PARQUET]:
        return as_array(sd=names())

    assert wf().open(np.ndarray).all().tolist() == [["Tom", "Jo"]]
    assert TypeEngine.to_literal_type(np.ndarray).WhichOneof("type") == "structured_dataset_type"


def test_an_encoder_for_a_known_type_adds_a_format_and_leaves_parquet_alone() -> None:
    seen: list[str] = []

    class JsonLines(StructuredDatasetEncoder):
        def __init__(self) -> None:
            super().__init__(pd.DataFrame, None, "jsonl")

        def encode(self, ctx: Any, structured_dataset: Any, structured_dataset_type: Any) -> Any:
            uri = ctx.file_access.get_random_remote_directory()
            os.makedirs(uri)
            structured_dataset.dataframe.to_json(
                os.path.join(uri, "data.jsonl"), orient="records", lines=True
            )
            seen.append(structured_dataset_type.format)
            return literals.StructuredDataset(
                uri=uri, metadata=StructuredDatasetMetadata(structured_dataset_type)
            )

    class JsonLinesReader(StructuredDatasetDecoder):
        def __init__(self) -> None:
            super().__init__(pd.DataFrame, None, "jsonl")

        def decode(self, ctx: Any, flyte_value: Any, current_task_metadata: Any) -> Any:
            return pd.read_json(os.path.join(flyte_value.uri, "data.jsonl"), lines=True)

    Engine.register(JsonLines())
    Engine.register(JsonLinesReader())
    lit = TypeEngine.to_literal(people(), Annotated[pd.DataFrame, "jsonl"])
    assert seen == ["jsonl"]
    assert lit.scalar.structured_dataset.metadata.structured_dataset_type.format == "jsonl"
    assert TypeEngine.to_python_value(lit, pd.DataFrame)["age"].tolist() == [31, 42]
    parquet = TypeEngine.to_literal(people(), pd.DataFrame)
    assert seen == ["jsonl"]
    assert parquet.scalar.structured_dataset.metadata.structured_dataset_type.format == PARQUET


def test_a_decoder_that_yields_serves_iter_not_all() -> None:
    Engine.register(GridEncoder())
    Engine.register(GridDecoder(batches=True))
    lit = TypeEngine.to_literal(
        StructuredDataset(dataframe=Grid([[1.0], [2.0]])), StructuredDataset
    )
    sd = TypeEngine.to_python_value(lit, StructuredDataset)
    assert [g.rows for g in sd.open(Grid).iter()] == [[[1.0]], [[2.0]]]
    with pytest.raises(TypeTransformerFailedError, match="returned an iterator"):
        sd.open(Grid).all()


def test_registration_errors() -> None:
    Engine.register(GridEncoder())
    with pytest.raises(DuplicateHandlerError, match="already registered .*override=True"):
        Engine.register(GridEncoder())
    Engine.register(GridEncoder(), override=True)
    with pytest.raises(TypeError, match="takes a StructuredDatasetEncoder"):
        Engine.register(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="every protocol, so it cannot be the default"):
        Engine.register(GridDecoder(), default_for_type=True)

    class Empty(GridEncoder):
        def __init__(self) -> None:
            StructuredDatasetEncoder.__init__(self, Grid, None, "x")
            self._protocol = ""

    with pytest.raises(ValueError, match="use protocol=None"):
        Engine.register(Empty())


def test_defaults_per_type_and_protocol() -> None:
    class S3Grid(GridEncoder):
        def __init__(self) -> None:
            StructuredDatasetEncoder.__init__(self, Grid, "s3://", "arrow")
            self.calls = []

    h = S3Grid()
    assert h.protocol == "s3"
    Engine.register(h, default_for_type=True)
    assert Engine.DEFAULT_FORMATS[Grid] == "arrow"
    assert Engine.DEFAULT_PROTOCOLS[Grid] == "s3"
    assert Engine.get_encoder(Grid, "s3", "") is h
    with pytest.raises(ValueError, match="no decoder"):
        Engine.get_decoder(Grid, "s3", "arrow")


def test_nothing_reads_or_writes_a_type_without_handlers() -> None:
    with pytest.raises(TypeTransformerFailedError, match="no decoder for Grid in format 'parquet'"):
        StructuredDataset(uri="/nowhere", file_format="parquet").open(Grid).all()
    lit = literals_pb2.Literal()
    lit.scalar.structured_dataset.uri = "/nowhere"
    lit.scalar.structured_dataset.metadata.structured_dataset_type.format = "avro"
    with pytest.raises(LiteralDecodeError, match="'avro'"):
        TypeEngine.to_python_value(lit, pa.Table)


def test_renderers() -> None:
    class GridRenderer:
        def to_html(self, df: Grid) -> str:
            return f"<table>{len(df.rows)}</table>"

    Engine.register_renderer(Grid, GridRenderer())
    assert Engine().to_html(None, Grid([[1.0]]), Grid) == "<table>1</table>"
    assert (
        Engine().to_html(None, StructuredDataset(dataframe=Grid([])), StructuredDataset)
        == "<table>0</table>"
    )
    with pytest.raises(NotImplementedError, match="no renderer"):
        Engine().to_html(None, people(), pd.DataFrame)


# -- column declarations ------------------------------------------------------------------------


@dataclasses.dataclass
class Contacts:
    email: str
    tel: str


@dataclasses.dataclass
class Info:
    president: str
    contacts: Contacts


def test_nested_column_declarations_flatten_as_in_flytekit() -> None:
    declared = Annotated[StructuredDataset, kwtypes(info=kwtypes(contacts=Contacts), company=str)]
    lt = TypeEngine.to_literal_type(declared)
    assert [c.name for c in lt.structured_dataset_type.columns] == [
        "info.contacts.email",
        "info.contacts.tel",
        "company",
    ]
    by_dataclass = TypeEngine.to_literal_type(Annotated[StructuredDataset, Info])
    assert [c.name for c in by_dataclass.structured_dataset_type.columns] == [
        "president",
        "contacts.email",
        "contacts.tel",
    ]
    assert flatten_dict({"a": {"b": int}, "c": Contacts}) == {
        "a.b": int,
        "c.email": str,
        "c.tel": str,
    }
    base, cols, fmt, schema = extract_cols_and_format(
        Annotated[StructuredDataset, kwtypes(a=int), CSV]
    )
    assert base is StructuredDataset and dict(cols or {}) == {"a": int} and fmt == CSV
    assert schema is None
    assert extract_cols_and_format(pd.DataFrame) == (pd.DataFrame, None, "", None)
    assert typing.get_origin(declared) is Annotated
