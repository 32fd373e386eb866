"""taskplug's type system: Python types ↔ Flyte literal types, values ↔ literals.

>>> from taskplug.types import TypeEngine
>>> conv = TypeEngine.converter(list[int])
>>> conv.to_python(conv.to_literal([1, 2, 3]))
[1, 2, 3]

Importing this package is cheap: transformers, msgpack, fsspec, cloudpickle and pydantic are
loaded when a type first needs them.

Literal types and literal bytes match flytekit 1.16's for the same values (checked by
``tests/conformance``), with these deliberate differences:

* ``bytes``: flytekit has no transformer and pickles them; taskplug sends a ``Binary`` scalar
  (tag ``"bytes"``, literal type ``simple: BINARY``).
* ``dict[str, Any]``: flytekit sends a map of pickles; taskplug sends msgpack like an untyped
  ``dict`` (literal type ``STRUCT``), which flytekit reads back fine.
* Values are checked more strictly: dataclass field values must fit their declared types, a
  ``Literal[...]`` value must be one of its values.
* Datetimes come back timezone-aware (UTC), as they do in flytekit after a trip over the wire.
"""

from __future__ import annotations

from taskplug.types.engine import Converter, TypeEngine, TypeTransformer, TypeTransformerRegistry
from taskplug.types.files import Directory, File

__all__ = [
    "Converter",
    "Directory",
    "File",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerRegistry",
]
