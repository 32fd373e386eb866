"""taskplug's type system: Python types ↔ Flyte literal types, values ↔ literals.

>>> from taskplug.types import TypeEngine
>>> conv = TypeEngine.converter(list[int])
>>> conv.to_python(conv.to_literal([1, 2, 3]))
[1, 2, 3]

Importing this package is cheap: transformers, msgpack, fsspec, cloudpickle and pydantic are
loaded when a type first needs them.
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
