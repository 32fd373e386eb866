"""``MockStats``: what ``current_context().stats`` is outside a metrics-enabled platform.

flytekit gives local runs a statsd stand-in that remembers the values it was given; so does
taskplug (nothing is sent anywhere)::

    stats = current_context().stats
    stats.incr("rows", 10)
    with stats.timer("load"):
        ...
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

__all__ = ["MockStats"]


class MockStats:
    """Counters, gauges and timers kept in memory (``current_value`` / ``current_tags``)."""

    def __init__(self, scope: str = "", tags: dict[str, str] | None = None) -> None:
        self._scope = scope
        self._tags = dict(tags or {})
        self._values: dict[str, float] = {}
        self._last_tags: dict[str, dict[str, str]] = {}

    def _name(self, metric: str) -> str:
        return f"{self._scope}.{metric}" if self._scope else metric

    def _record(self, metric: str, value: float, tags: dict[str, str] | None) -> None:
        name = self._name(metric)
        self._values[name] = value
        self._last_tags[name] = {**self._tags, **(tags or {})}

    def incr(
        self, metric: str, count: float = 1, tags: dict[str, str] | None = None, **_: Any
    ) -> None:
        """Add ``count`` to a counter."""
        self._record(metric, self._values.get(self._name(metric), 0) + count, tags)

    def decr(
        self, metric: str, count: float = 1, tags: dict[str, str] | None = None, **_: Any
    ) -> None:
        """Subtract ``count`` from a counter."""
        self._record(metric, self._values.get(self._name(metric), 0) - count, tags)

    def gauge(
        self, metric: str, value: float, tags: dict[str, str] | None = None, **_: Any
    ) -> None:
        """Set a gauge."""
        self._record(metric, value, tags)

    def timing(self, metric: str) -> _Timer:
        """A context manager that records how long its block took (milliseconds)."""
        return _Timer(self, metric, None)

    def timer(self, metric: str, tags: dict[str, str] | None = None, **_: Any) -> _Timer:
        """A context manager that records how long its block took (milliseconds)."""
        return _Timer(self, metric, tags)

    def current_value(self, metric: str) -> float | None:
        """The value last recorded for ``metric``."""
        return self._values.get(self._name(metric))

    def current_tags(self, metric: str) -> dict[str, str] | None:
        """The tags last recorded with ``metric``."""
        return self._last_tags.get(self._name(metric))

    def __repr__(self) -> str:
        return f"MockStats(scope={self._scope!r})"


class _Timer:
    def __init__(self, stats: MockStats, metric: str, tags: dict[str, str] | None) -> None:
        self._stats = stats
        self._metric = metric
        self._tags = tags
        self._start = 0.0

    def __enter__(self) -> _Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        elapsed_ms = (time.perf_counter() - self._start) * 1000
        self._stats._record(self._metric, elapsed_ms, self._tags)
