"""``flytekit.core.type_engine``'s names, with flytekit's call forms.

* :class:`TypeTransformer` is taskplug's (:class:`taskplug.types.TypeTransformer`): it accepts
  flytekit's constructor (``super().__init__(name="...", t=MyType)``), and a subclass written
  with flytekit's methods (``to_literal(ctx, python_val, python_type, expected)`` returning a
  ``Literal`` model...) is registered through an adapter.
* :class:`AsyncTypeTransformer`: the same with ``async_to_literal`` / ``async_to_python_value``.
* :class:`TypeEngine` is taskplug's engine with flytekit's ``ctx``-first ``to_literal`` /
  ``to_python_value`` and model results (what code inside a flytekit transformer calls).
* :class:`BatchSize` and :func:`get_batch_size`, ``TypeTransformerFailedError``.

Models are :mod:`taskplug.models` views; flyteidl messages are accepted wherever a model is.
"""

from __future__ import annotations

from typing import Any, TypeVar

from taskplug.errors import TypeTransformerFailedError
from taskplug.types.annotations import BatchSize, get_batch_size
from taskplug.types.engine import TypeEngine as _NativeEngine
from taskplug.types.transformer import TypeTransformer

__all__ = [
    "AsyncTypeTransformer",
    "BatchSize",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerFailedError",
    "get_batch_size",
]

T = TypeVar("T")


class AsyncTypeTransformer(TypeTransformer[T]):
    """flytekit's async transformer base: implement ``async_to_literal(ctx, python_val,
    python_type, expected)`` and ``async_to_python_value(ctx, lv, expected_python_type)``;
    the synchronous forms run them to completion."""

    async def async_to_literal(
        self, ctx: Any, python_val: T, python_type: Any, expected: Any
    ) -> Any:
        """The literal (model) of ``python_val``."""
        raise NotImplementedError(f"{type(self).__name__} must implement async_to_literal")

    async def async_to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> T:
        """The Python value of ``lv``."""
        raise NotImplementedError(f"{type(self).__name__} must implement async_to_python_value")

    def to_literal(  # type: ignore[override]
        self, ctx: Any, python_val: T, python_type: Any, expected: Any
    ) -> Any:
        """``async_to_literal``, run to completion."""
        from taskplug.types.flytekit_form import run_sync

        return run_sync(self.async_to_literal(ctx, python_val, python_type, expected))

    def to_python_value(  # type: ignore[override]
        self, ctx: Any, lv: Any, expected_python_type: Any
    ) -> T:
        """``async_to_python_value``, run to completion."""
        from taskplug.types.flytekit_form import run_sync

        value: T = run_sync(self.async_to_python_value(ctx, lv, expected_python_type))
        return value


setattr(AsyncTypeTransformer.to_literal, "_taskplug_runs_async", True)  # noqa: B010
setattr(AsyncTypeTransformer.to_python_value, "_taskplug_runs_async", True)  # noqa: B010


class TypeEngine(_NativeEngine):
    """taskplug's type engine with flytekit's call forms (``ctx`` first, models returned).

    ``register``, ``converter`` and the registry are the native engine's: both faces see the
    same transformers.
    """

    @classmethod
    def to_literal_type(cls, python_type: Any, *, allow_pickle: bool = False) -> Any:
        """The ``LiteralType`` model of ``python_type``."""
        from taskplug.models.types import LiteralType

        return LiteralType.from_flyte_idl(
            _NativeEngine.to_literal_type(python_type, allow_pickle=allow_pickle)
        )

    @classmethod
    def to_literal(  # type: ignore[override]
        cls, ctx: Any, python_val: Any, python_type: Any, expected: Any = None
    ) -> Any:
        """The ``Literal`` model of ``python_val`` declared as ``python_type``."""
        from taskplug.models.literals import Literal

        return Literal.from_flyte_idl(_NativeEngine.to_literal(python_val, python_type))

    @classmethod
    def to_python_value(  # type: ignore[override]
        cls, ctx: Any, lv: Any, expected_python_type: Any
    ) -> Any:
        """The Python value of the literal ``lv`` (a model or a flyteidl message)."""
        from flyteidl.core import literals_pb2

        if not isinstance(lv, literals_pb2.Literal):
            lv = lv.to_flyte_idl()
        return _NativeEngine.to_python_value(lv, expected_python_type)

    @classmethod
    def get_transformer(cls, python_type: Any) -> TypeTransformer[Any]:
        """The transformer that handles ``python_type`` (as registered, not an adapter)."""
        from taskplug.types.engine import strip_annotated
        from taskplug.types.flytekit_form import FlytekitTransformerAdapter

        found = _NativeEngine.find_transformer(strip_annotated(python_type))
        if isinstance(found, FlytekitTransformerAdapter):
            return found.inner
        return found

    @classmethod
    def register_additional_type(
        cls, transformer: TypeTransformer[Any], additional_type: type, override: bool = False
    ) -> None:
        """Register ``transformer`` for one more class (flytekit's name)."""
        cls.registry().register(transformer, python_type=additional_type, override=override)
