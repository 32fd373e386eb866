"""flytekit's model classes (``flytekit.models``), as thin views of flyteidl messages.

flytekit code that extends the type engine builds and reads these: ``Literal(scalar=Scalar(
blob=Blob(uri=..., metadata=BlobMetadata(type=BlobType(...)))))``, ``lv.scalar.blob.uri``,
``literals.StructuredDataset(uri=..., metadata=...)``. Here each model wraps one flyteidl
message: the constructor takes flytekit's keywords, properties read the message (an unset
field reads as ``None``, as in flytekit), ``to_flyte_idl()`` returns the message and
``from_flyte_idl(msg)`` wraps one without copying it. taskplug itself works on the flyteidl
messages; the type-transformer adapter converts between the two.

Submodules: :mod:`taskplug.models.literals`, :mod:`taskplug.models.types`,
:mod:`taskplug.models.core.types` (flytekit's paths). Importing this package imports nothing.
"""
