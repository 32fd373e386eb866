"""Transformer registry and plugins; lazy imports; File/Directory transfers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

from taskplug.errors import DuplicateRegistrationError, TypeTransformerFailedError
from taskplug.plugin import hookimpl
from taskplug.testing.manager import fresh_plugin_manager
from taskplug.types import Directory, File, TypeEngine, TypeTransformer, TypeTransformerRegistry


class Money(Decimal):
    """A third-party type."""


class Euro(Money):
    """A subclass: found through the MRO."""


class MoneyTransformer(TypeTransformer[Money]):
    def __init__(self) -> None:
        super().__init__("money", Money)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING)

    def to_literal(self, value: Money, t: Any) -> literals_pb2.Literal:
        lit = literals_pb2.Literal()
        lit.scalar.primitive.string_value = str(value)
        return lit

    def to_python_value(self, literal: literals_pb2.Literal, t: Any) -> Money:
        return t(literal.scalar.primitive.string_value)  # type: ignore[no-any-return]


class MoneyPlugin:
    TASKPLUG_API_VERSION = "1.0"

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def taskplug_register_type_transformers(self, registry: TypeTransformerRegistry) -> None:
        self.calls += 1
        registry.register(MoneyTransformer())


@pytest.fixture
def money_plugin() -> Iterator[MoneyPlugin]:
    plugin = MoneyPlugin()
    with fresh_plugin_manager(plugin, autoload=False):
        yield plugin
    TypeEngine.reset()


def test_plugin_transformer_is_used(money_plugin: MoneyPlugin) -> None:
    conv = TypeEngine.converter(Money)
    assert money_plugin.calls == 1
    assert conv.to_python(conv.to_literal(Money("1.25"))) == Money("1.25")
    # subclasses through the MRO, in containers and unions (tagged with the transformer name)
    euro = TypeEngine.converter(list[Euro | None])
    assert euro.to_python(euro.to_literal([Euro("2"), None])) == [Euro("2"), None]
    assert euro.literal_type.collection_type.union_type.variants[0].structure.tag == "money"
    with pytest.raises(TypeTransformerFailedError, match="str"):
        conv.to_literal("1.25")
    TypeEngine.converter(list[Money])
    assert money_plugin.calls == 1  # the hook runs once


def test_duplicate_registration_names_both(money_plugin: MoneyPlugin) -> None:
    class Other(MoneyTransformer):
        pass

    with pytest.raises(DuplicateRegistrationError) as info:
        TypeEngine.register(Other())
    message = str(info.value)
    assert "MoneyTransformer" in message
    assert "Other" in message
    reg = TypeTransformerRegistry()
    reg.register(MoneyTransformer())
    with pytest.raises(DuplicateRegistrationError):
        reg.register(MoneyTransformer())


def test_builtin_types_cannot_be_claimed_twice() -> None:
    from taskplug.types.primitives import INT

    with pytest.raises(DuplicateRegistrationError, match="int"):
        TypeEngine.register(INT)


def test_import_is_light() -> None:
    code = (
        "import sys, taskplug.types\n"
        "heavy = {'fsspec', 'cloudpickle', 'pydantic', 'msgpack', 'mashumaro', 'flytekit'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "from taskplug.types import TypeEngine\n"
        "TypeEngine.converter(list[int]).to_literal([1])\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert out == ["[]", "[]"]


def test_file_upload_in_container_mode(tmp_path: Any) -> None:
    from taskplug.context import ExecutionParameters, ExecutionState, execution_scope

    local = tmp_path / "data.txt"
    local.write_text("hello")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    conv = TypeEngine.converter(File)
    # a local run sends the local path as it is
    assert conv.to_literal(str(local)).scalar.blob.uri == str(local)
    remote = tmp_path / "remote"
    state = ExecutionState(
        ExecutionParameters(raw_output_prefix=f"file://{remote}"), mode="container"
    )
    with execution_scope(state):
        lit = conv.to_literal(File(local))
        dlit = TypeEngine.to_literal(Directory(folder), Directory)
    uri = lit.scalar.blob.uri
    assert uri.startswith(f"file://{remote}/") and uri.endswith("/data.txt")
    back = conv.to_python(lit)
    assert isinstance(back, File)
    with back.open("r") as fh:
        assert fh.read() == "hello"
    d = TypeEngine.to_python_value(dlit, Directory)
    assert dlit.scalar.blob.metadata.type.dimensionality == types_pb2.BlobType.MULTIPART
    listing = [os.path.basename(p) for p in d.listdir()]
    assert listing == ["a.txt"]
    with open(os.path.join(d.download(), "a.txt")) as fh:
        assert fh.read() == "a"


def test_remote_file_download(tmp_path: Any) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/x.bin", b"xyz")
    f = TypeEngine.to_python_value(TypeEngine.to_literal(File("memory://bucket/x.bin"), File), File)
    assert f.remote
    with open(f.download(), "rb") as fh:
        assert fh.read() == b"xyz"
    assert os.fspath(f) == f.download()
