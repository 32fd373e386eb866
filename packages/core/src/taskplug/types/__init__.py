"""taskplug's type system: Python types ↔ Flyte literal types, values ↔ literals.

>>> from taskplug.types import TypeEngine
>>> conv = TypeEngine.converter(list[int])
>>> conv.to_python(conv.to_literal([1, 2, 3]))
[1, 2, 3]

Importing this package is cheap: its names are imported on first access (PEP 562), and
transformers, msgpack, fsspec, cloudpickle and pydantic are loaded when a type first needs them.
The authoring API (``TypeTransformer``, ``SimpleTransformer``, ``TypeTransformerRegistry``,
``fail``) loads no protobuf or flyteidl module, so a plugin that declares transformers stays
cheap to import (see docs/plugins.md, "Type transformers").

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

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # the authoring API: importing these loads no protobuf/flyteidl module
    "TypeTransformer": "taskplug.types.transformer",
    "TypeTransformerRegistry": "taskplug.types.transformer",
    "SimpleTransformer": "taskplug.types.simple",
    "fail": "taskplug.types.transformer",
    # the engine and the built-in path types
    "Converter": "taskplug.types.engine",
    "TypeEngine": "taskplug.types.engine",
    "Directory": "taskplug.types.files",
    "File": "taskplug.types.files",
}

__all__ = [
    "Converter",
    "Directory",
    "File",
    "SimpleTransformer",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerRegistry",
    "fail",
]

if TYPE_CHECKING:
    from taskplug.types.engine import Converter as Converter
    from taskplug.types.engine import TypeEngine as TypeEngine
    from taskplug.types.files import Directory as Directory
    from taskplug.types.files import File as File
    from taskplug.types.simple import SimpleTransformer as SimpleTransformer
    from taskplug.types.transformer import TypeTransformer as TypeTransformer
    from taskplug.types.transformer import TypeTransformerRegistry as TypeTransformerRegistry
    from taskplug.types.transformer import fail as fail


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug.types' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
