"""flytekit's model classes built and read by user code: literals, literal types, blobs,
structured dataset metadata, and their protobuf forms."""

import datetime

from flytekit import (
    Blob,
    BlobMetadata,
    BlobType,
    Literal,
    LiteralType,
    Scalar,
    StructuredDatasetType,
)
from flytekit.models import literals
from flytekit.models.core.types import BlobType as CoreBlobType
from flytekit.models.literals import (
    LiteralCollection,
    LiteralMap,
    Primitive,
    StructuredDatasetMetadata,
)
from flytekit.models.types import SimpleType

blob_type = BlobType(format="csv", dimensionality=BlobType.BlobDimensionality.SINGLE)
blob = Literal(
    scalar=Scalar(blob=Blob(uri="s3://bucket/data.csv", metadata=BlobMetadata(type=blob_type)))
)
print(
    blob.scalar.blob.uri,
    blob.scalar.blob.metadata.type.format,
    blob.scalar.blob.metadata.type.dimensionality,
)
print(blob.collection, blob.map, blob.hash, blob.scalar.primitive)
print(blob)

number = Literal(scalar=Scalar(primitive=Primitive(integer=42)), hash="abc")
when = Literal(scalar=Scalar(primitive=Primitive(datetime=datetime.datetime(2024, 1, 2, 3, 4, 5))))
print(number.scalar.primitive.integer, number.hash, number.scalar.primitive.value)
print(when.scalar.primitive.datetime)

items = Literal(collection=LiteralCollection(literals=[number, number]))
print(len(items.collection.literals), items.collection.literals[1].scalar.primitive.integer)
mapping = LiteralMap(literals={"answer": number})
print(sorted(mapping.literals), mapping.literals["answer"].scalar.primitive.integer)

idl = blob.to_flyte_idl()
print(type(idl).__module__, type(idl).__name__)
again = Literal.from_flyte_idl(idl)
print(again == blob, again.scalar.blob.uri)

lt = LiteralType(simple=SimpleType.INTEGER)
print(lt.simple, lt.blob, lt.collection_type)
lists = LiteralType(collection_type=LiteralType(simple=SimpleType.STRING))
print(lists.collection_type.simple)
print(LiteralType(blob=CoreBlobType(format="", dimensionality=1)).blob.dimensionality)

sd = literals.StructuredDataset(
    uri="s3://bucket/table",
    metadata=StructuredDatasetMetadata(
        structured_dataset_type=StructuredDatasetType(format="parquet")
    ),
)
print(
    sd.uri,
    sd.metadata.structured_dataset_type.format,
    len(sd.metadata.structured_dataset_type.columns or []),
)
column = StructuredDatasetType.DatasetColumn(
    name="a", literal_type=LiteralType(simple=SimpleType.FLOAT)
)
sdt = StructuredDatasetType(columns=[column], format="csv")
print([c.name for c in sdt.columns], sdt.columns[0].literal_type.simple, sdt.format)
print(sdt.to_flyte_idl().SerializeToString(deterministic=True).hex())
print(
    Literal(scalar=Scalar(structured_dataset=sd))
    .to_flyte_idl()
    .SerializeToString(deterministic=True)
    .hex()
)
