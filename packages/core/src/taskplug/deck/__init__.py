"""Decks: HTML pages a task renders about its run (flytekit's ``flytekit.deck``).

``Deck("name", html)`` adds a page to the run in progress; ``@task(enable_deck=True)`` writes
the run's pages to ``deck.html`` when it ends (locally to a fresh temporary directory, whose
path is logged by the ``taskplug`` logger; in a container next to the outputs), with the pages
``deck_fields`` asks for (inputs, outputs, source code, dependencies, timeline). Renderers turn
values into HTML: :class:`MarkdownRenderer`, :class:`TopFrameRenderer`, ... . Importing this
package loads none of markdown-it, pygments, pandas or pyarrow; a renderer imports what it
needs when it renders.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Deck": "taskplug.deck.deck",
    "DeckField": "taskplug.deck.deck",
    "TimeLineDeck": "taskplug.deck.deck",
    "ArrowRenderer": "taskplug.deck.renderer",
    "MarkdownRenderer": "taskplug.deck.renderer",
    "PythonDependencyRenderer": "taskplug.deck.renderer",
    "Renderable": "taskplug.deck.renderer",
    "SourceCodeRenderer": "taskplug.deck.renderer",
    "TopFrameRenderer": "taskplug.deck.renderer",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from taskplug.deck.deck import Deck as Deck
    from taskplug.deck.deck import DeckField as DeckField
    from taskplug.deck.deck import TimeLineDeck as TimeLineDeck
    from taskplug.deck.renderer import (
        ArrowRenderer as ArrowRenderer,
    )
    from taskplug.deck.renderer import (
        MarkdownRenderer as MarkdownRenderer,
    )
    from taskplug.deck.renderer import (
        PythonDependencyRenderer as PythonDependencyRenderer,
    )
    from taskplug.deck.renderer import (
        Renderable as Renderable,
    )
    from taskplug.deck.renderer import (
        SourceCodeRenderer as SourceCodeRenderer,
    )
    from taskplug.deck.renderer import (
        TopFrameRenderer as TopFrameRenderer,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskplug.deck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
