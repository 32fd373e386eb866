"""The deck ``current_context().default_deck`` returns.

Decks (HTML pages a task renders, flytekit's ``flytekit.Deck``) belong to the ``taskplug.deck``
module when it is installed: ``default_deck`` is then ``taskplug.deck.Deck("default")``. Without
it, a small stand-in with the same surface is used — ``name``, ``html``, ``append(html)`` — so
code that writes to the default deck runs either way (what it appends is kept in memory).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__all__ = ["SimpleDeck", "deck_class"]


class SimpleDeck:
    """A named HTML page being built: ``deck.append("<p>…</p>")``."""

    def __init__(self, name: str, html: str = "") -> None:
        self._name = name
        self._html = html

    @property
    def name(self) -> str:
        """The deck's tab name."""
        return self._name

    @property
    def html(self) -> str:
        """The HTML appended so far."""
        return self._html

    def append(self, html: str) -> SimpleDeck:
        """Add ``html`` (any object whose ``str`` is HTML) to the page; returns the deck."""
        if not isinstance(html, str):
            raise TypeError(f"a deck takes HTML as a str, got {type(html).__name__}")
        self._html += html
        return self

    def __repr__(self) -> str:
        return f"SimpleDeck(name={self._name!r}, {len(self._html)} characters)"


def deck_class() -> Any:
    """``taskplug.deck.Deck`` when that module exists, else :class:`SimpleDeck`."""
    if importlib.util.find_spec("taskplug.deck") is not None:
        deck = getattr(importlib.import_module("taskplug.deck"), "Deck", None)
        if deck is not None:
            return deck
    return SimpleDeck
