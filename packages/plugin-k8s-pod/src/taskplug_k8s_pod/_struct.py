"""JSON-like data to ``google.protobuf.Struct`` wire bytes, without building messages.

``Struct.update(dict)`` builds one protobuf object per value through Python calls; writing the
wire format directly and parsing it once (``struct.MergeFromString(data)``) is several times
cheaper, and lets unchanged parts of a pod spec be encoded once and reused (see
:mod:`taskplug_k8s_pod.wire`). ``tests/k8s_pod/test_pod_wire.py`` checks the bytes against
``Struct.update`` for every kind of value.

Wire format (``struct.proto``): ``Struct {map<string, Value> fields = 1}``; a map entry is a
message ``{string key = 1; Value value = 2}``; ``Value`` is a oneof of ``null_value = 1``
(enum), ``number_value = 2`` (double), ``string_value = 3``, ``bool_value = 4``,
``struct_value = 5``, ``list_value = 6``; ``ListValue {repeated Value values = 1}``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from typing import Any

__all__ = ["encode_fields", "encode_value", "field_entry", "list_value", "string_list", "varint"]

_VARINT_1 = [bytes((n,)) for n in range(128)]
_DOUBLE = struct.Struct("<d").pack
_NULL = b"\x08\x00"
_TRUE = b"\x20\x01"
_FALSE = b"\x20\x00"
# Encoded strings and map keys by text: pod specs repeat the same names and values.
_STRINGS: dict[str, bytes] = {}
_ITEMS: dict[str, bytes] = {}
_KEYS: dict[str, bytes] = {}
_CACHE_MAX = 8192


def varint(n: int) -> bytes:
    """Protobuf varint of ``n`` (>= 0)."""
    if n < 128:
        return _VARINT_1[n]
    if n < 16384:
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    out = bytearray()
    while n >= 128:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _string(text: str) -> bytes:
    hit = _STRINGS.get(text)
    if hit is None:
        raw = text.encode()
        n = len(raw)
        hit = b"\x1a" + (_VARINT_1[n] if n < 128 else varint(n)) + raw
        if len(_STRINGS) < _CACHE_MAX:
            _STRINGS[text] = hit
    return hit


def _key(key: str) -> bytes:
    """A map entry's key field and the tag of its value field."""
    raw = key.encode()
    k = b"\x0a" + varint(len(raw)) + raw + b"\x12"
    if len(_KEYS) < _CACHE_MAX:
        _KEYS[key] = k
    return k


def string_list(values: list[str]) -> bytes:
    """The ``Value`` bytes of a list of strings (each item encoded once per process)."""
    items = _ITEMS
    parts = []
    for text in values:
        item = items.get(text)
        if item is None:
            v = _string(text)
            item = b"\x0a" + varint(len(v)) + v
            if len(items) < _CACHE_MAX:
                items[text] = item
        parts.append(item)
    payload = b"".join(parts)
    n = len(payload)
    return b"\x32" + (_VARINT_1[n] if n < 128 else varint(n)) + payload


def encode_value(value: Any) -> bytes:
    """The ``Value`` message bytes of ``value`` (str, number, bool, None, list, str-keyed dict)."""
    t = type(value)
    if t is str:
        return _STRINGS.get(value) or _string(value)
    if t is dict:
        payload = encode_fields(value)
        n = len(payload)
        return b"\x2a" + (_VARINT_1[n] if n < 128 else varint(n)) + payload
    if t is list or t is tuple:
        if all(type(v) is str for v in value):
            return string_list(value)
        payload = list_value([encode_value(v) for v in value])
        n = len(payload)
        return b"\x32" + (_VARINT_1[n] if n < 128 else varint(n)) + payload
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if value is None:
        return _NULL
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"a pod spec cannot hold the number {value!r}")
        return b"\x11" + _DOUBLE(number)
    if isinstance(value, str):
        return _string(str(value))
    if isinstance(value, Mapping):
        return encode_value(dict(value))
    raise TypeError(f"a pod spec cannot hold a {type(value).__name__}: {value!r:.60}")


def list_value(encoded: list[bytes]) -> bytes:
    """``ListValue`` bytes from already encoded ``Value`` bytes."""
    v1 = _VARINT_1
    return b"".join(
        [b"\x0a" + (v1[len(v)] if len(v) < 128 else varint(len(v))) + v for v in encoded]
    )


def field_entry(key: str, encoded_value: bytes) -> bytes:
    """One ``Struct.fields`` map entry from a key and already encoded ``Value`` bytes."""
    k = _KEYS.get(key) or _key(key)
    n = len(encoded_value)
    entry = k + (_VARINT_1[n] if n < 128 else varint(n)) + encoded_value
    m = len(entry)
    return b"\x0a" + (_VARINT_1[m] if m < 128 else varint(m)) + entry


def encode_fields(mapping: Mapping[str, Any]) -> bytes:
    """``Struct`` bytes of a str-keyed mapping."""
    keys, strings, v1 = _KEYS, _STRINGS, _VARINT_1
    out = []
    for key, value in mapping.items():
        k = keys.get(key) or _key(key)
        vb = (strings.get(value) or _string(value)) if type(value) is str else encode_value(value)
        n = len(vb)
        entry = k + (v1[n] if n < 128 else varint(n)) + vb
        m = len(entry)
        out.append(b"\x0a" + (v1[m] if m < 128 else varint(m)) + entry)
    return b"".join(out)
