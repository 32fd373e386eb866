"""Entry points of one group, read straight from the ``*.dist-info`` folders on ``sys.path``.

``importlib.metadata`` answers the same question but imports ``email``, ``zipfile``, ``csv``
and ``pathlib`` first, which is a third of taskplug's whole start-up. Finding plugins needs
only each installed distribution's ``entry_points.txt``, and for the few distributions that
declare the group, the ``Name`` and ``Version`` lines of their ``METADATA``.

The rules are importlib.metadata's: ``sys.path`` in order, the first distribution of a name
wins, ``.dist-info`` and ``.egg-info`` folders both count. When ``sys.path`` holds anything
this scanner does not read (a zip file, an egg), it hands the question to importlib.metadata,
so the answer is never narrower. tests/core/test_discovery.py checks it against
importlib.metadata on the real environment.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NamedTuple

__all__ = ["EntryPoint", "entry_points", "normalize_dist_name"]


class EntryPoint(NamedTuple):
    """One entry point: ``name = value`` of a group, from distribution ``dist``==``version``."""

    name: str
    value: str
    group: str
    dist: str | None
    version: str | None

    def load(self) -> Any:
        """Import the module and return the attribute named by ``value`` (``mod:attr``)."""
        module_name, _, attr = self.value.partition(":")
        obj: Any = importlib.import_module(module_name.strip())
        for part in filter(None, attr.strip().split(".")):
            obj = getattr(obj, part)
        return obj


def normalize_dist_name(name: str) -> str:
    """A distribution name as compared (PEP 503: lowercase, runs of -_. become -)."""
    out = []
    for ch in name.lower():
        out.append("-" if ch in "-_." else ch)
    text = "".join(out)
    while "--" in text:
        text = text.replace("--", "-")
    return text


def _parse_group(text: str, group: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line[0] == "[" and line[-1] == "]":
            inside = line[1:-1].strip() == group
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            found.append((name.strip(), value.strip()))
    return found


def _name_and_version(folder: str, fallback: str) -> tuple[str, str | None]:
    name, version = fallback, None
    for meta in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, meta), encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        break  # the headers end at the first blank line
                    key, _, value = line.partition(":")
                    if key == "Name":
                        name = value.strip()
                    elif key == "Version":
                        version = value.strip()
            return name, version
        except OSError:
            continue
    return name, version


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every distribution importable from ``sys.path``."""
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        path = entry or "."
        if not os.path.isdir(path):
            if os.path.exists(path):  # a zip or an egg: let importlib.metadata read it all
                return _from_importlib(group)
            continue
        try:
            names = sorted(os.listdir(path))
        except OSError:
            continue
        for item in names:
            if item.endswith(".dist-info"):
                stem = item[: -len(".dist-info")]
            elif item.endswith(".egg-info"):
                stem = item[: -len(".egg-info")]
            else:
                continue
            key = normalize_dist_name(stem.split("-", 1)[0])
            if key in seen:
                continue
            seen.add(key)
            folder = os.path.join(path, item)
            try:
                with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                continue
            pairs = _parse_group(text, group)
            if not pairs:
                continue
            dist, version = _name_and_version(folder, stem.split("-", 1)[0])
            found.extend(EntryPoint(n, v, group, dist, version) for n, v in pairs)
    return found


def _from_importlib(group: str) -> list[EntryPoint]:
    from importlib.metadata import entry_points as md_entry_points

    return [
        EntryPoint(
            ep.name,
            ep.value,
            group,
            ep.dist.name if ep.dist is not None else None,
            ep.dist.version if ep.dist is not None else None,
        )
        for ep in md_entry_points(group=group)
    ]
