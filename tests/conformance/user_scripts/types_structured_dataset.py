"""The table extension API: CSV tables, an encoder and a decoder for a dataframe type flytekit
does not know (a small row-list class), declared column subsets and nested kwtypes columns."""

import os
import typing
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from flytekit import StructuredDatasetType, kwtypes, task, workflow
from flytekit.models import literals
from flytekit.models.literals import StructuredDatasetMetadata
from flytekit.types.structured import register_csv_handlers
from flytekit.types.structured.structured_dataset import (
    CSV,
    PARQUET,
    StructuredDataset,
    StructuredDatasetDecoder,
    StructuredDatasetEncoder,
    StructuredDatasetTransformerEngine,
)
from typing_extensions import Annotated


class Rows:
    """A minimal dataframe: a header and rows of values."""

    def __init__(self, header: typing.List[str], rows: typing.List[list]):
        self.header = header
        self.rows = rows

    def __repr__(self):
        return f"Rows({self.header}, {self.rows})"


class RowsEncoder(StructuredDatasetEncoder):
    def __init__(self):
        super().__init__(Rows, None, PARQUET)

    def encode(self, ctx, structured_dataset, structured_dataset_type):
        data: Rows = structured_dataset.dataframe
        columns = {name: [row[i] for row in data.rows] for i, name in enumerate(data.header)}
        local = ctx.file_access.get_random_local_directory()
        pq.write_table(pa.table(columns), os.path.join(local, "00000"))
        remote = ctx.file_access.get_random_remote_directory()
        ctx.file_access.upload_directory(local, remote)
        return literals.StructuredDataset(
            uri=remote,
            metadata=StructuredDatasetMetadata(
                structured_dataset_type=StructuredDatasetType(format=PARQUET)
            ),
        )


class RowsDecoder(StructuredDatasetDecoder):
    def __init__(self):
        super().__init__(Rows, None, PARQUET)

    def decode(self, ctx, flyte_value, current_task_metadata):
        local = ctx.file_access.get_random_local_directory()
        ctx.file_access.get_data(flyte_value.uri, local, is_multipart=True)
        wanted = [c.name for c in current_task_metadata.structured_dataset_type.columns] or None
        table = pq.read_table(local, columns=wanted)
        return Rows(table.column_names, [list(r.values()) for r in table.to_pylist()])


StructuredDatasetTransformerEngine.register(RowsEncoder())
StructuredDatasetTransformerEngine.register(RowsDecoder())
register_csv_handlers()


@dataclass
class Address:
    city: str
    zip: str


Everything = Annotated[StructuredDataset, kwtypes(name=str, score=int)]
ScoresOnly = Annotated[StructuredDataset, kwtypes(score=int)]
Nested = Annotated[StructuredDataset, kwtypes(person=kwtypes(name=str, address=Address))]


@task
def make_scores() -> Everything:
    return StructuredDataset(dataframe=Rows(["name", "score"], [["ann", 7], ["bo", 9], ["cy", 4]]))


@task
def top_score(sd: ScoresOnly) -> int:
    rows = sd.open(Rows).all()
    return max(row[0] for row in rows.rows)


@task
def scores_as_pandas(sd: Everything) -> pd.DataFrame:
    return sd.open(pd.DataFrame).all().sort_values("score")


@task
def to_csv(df: pd.DataFrame) -> Annotated[StructuredDataset, CSV]:
    return StructuredDataset(dataframe=df)


@task
def read_csv(sd: Annotated[StructuredDataset, kwtypes(name=str)]) -> typing.List[str]:
    return sd.open(pd.DataFrame).all()["name"].tolist()


@task
def rows_back(sd: StructuredDataset) -> Rows:
    return sd.open(Rows).all()


@workflow
def scores_wf() -> int:
    return top_score(sd=make_scores())


@workflow
def csv_wf() -> typing.List[str]:
    return read_csv(sd=to_csv(df=scores_as_pandas(sd=make_scores())))


@workflow
def nested_declaration_wf() -> None:
    make_scores()


if __name__ == "__main__":
    print(scores_wf())
    print(csv_wf())
    print(scores_as_pandas(sd=StructuredDataset(dataframe=Rows(["name", "score"], [["x", 1]]))))
    print(to_csv(df=pd.DataFrame({"name": ["q"], "score": [3]})).open(pd.DataFrame).all())
    print(rows_back(sd=StructuredDataset(dataframe=Rows(["a", "b"], [[1, 2], [3, 4]]))))
    print(list(top_score.python_interface.inputs["sd"].__metadata__[0]))
    print(list(typing.get_args(Nested)[1]["person"]))
