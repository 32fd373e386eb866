"""``Deck``: one HTML page of a task run, and how a run's pages become ``deck.html``.

A deck created while a task runs belongs to that run (its parameters' ``extra``); one created
outside any run goes to a list of its own (as flytekit's decks outside a task go to its default
context). ``current_context().default_deck`` is the run's ``Deck("default")``, made on first use
and the same page afterwards (flytekit makes a new one each time, and the last page of a name
wins when the pages are written — that rule stays for decks a task names twice).
"""

from __future__ import annotations

import enum
import html
import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskplug.context import ExecutionParameters
    from taskplug.tasks.base import PythonTask

__all__ = [
    "DECK_FILE_NAME",
    "Deck",
    "DeckField",
    "TimeLineDeck",
    "current_decks",
    "default_deck",
    "render_decks",
    "write_task_decks",
]

DECK_FILE_NAME = "deck.html"
#: ``params.extra`` keys: the run's decks, and where its deck.html was written.
DECKS_KEY = "taskplug.deck.decks"
PATH_KEY = "taskplug.deck.path"
_LOGGER = logging.getLogger("taskplug")
#: Decks made outside any task run.
_UNBOUND: list[Deck] = []


class DeckField(str, enum.Enum):  # noqa: UP042 - flytekit's class, members equal their str
    """The pages ``@task(enable_deck=True, deck_fields=(...))`` writes besides the user's."""

    INPUT = "Input"
    OUTPUT = "Output"
    SOURCE_CODE = "Source Code"
    TIMELINE = "Timeline"
    DEPENDENCIES = "Dependencies"


def current_decks() -> list[Deck]:
    """The decks of the task run in progress (or, outside any run, the unbound ones)."""
    from taskplug.context import current_execution

    state = current_execution()
    if state is None:
        return _UNBOUND
    decks: list[Deck] = state.params.extra.setdefault(DECKS_KEY, [])
    return decks


class Deck:
    """A named HTML page of the current task run: ``Deck("pca", html).append(more_html)``."""

    def __init__(self, name: str, html: str | None = "", auto_add_to_deck: bool = True) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Deck(name=...) takes a str, got {name!r}")
        self._name = name
        self._html = html or ""
        if auto_add_to_deck:
            current_decks().append(self)

    def append(self, html: str) -> Deck:
        """Add an HTML fragment (on a new line); returns the deck."""
        if not isinstance(html, str):
            raise TypeError(
                f"Deck {self._name!r}: append() takes an HTML str (a renderer's to_html(...) "
                f"result), got {type(html).__name__}"
            )
        self._html = self._html + "\n" + html
        return self

    @property
    def name(self) -> str:
        """The page's name (its tab in the deck)."""
        return self._name

    @property
    def html(self) -> str:
        """The page's HTML."""
        return self._html

    @staticmethod
    def publish() -> None:
        """Write the current run's deck now (flytekit's ``Deck.publish``)."""
        from taskplug.context import current_execution

        state = current_execution()
        if state is None:
            _LOGGER.warning("Deck.publish() outside a task run: there is no deck to write")
            return
        task = state.params.extra.get("taskplug.deck.task")
        if task is None or not task.enable_deck:
            name = state.params.task_name
            _LOGGER.warning(
                f"Attempted to call publish() in task '{name}', but decks will not be "
                "generated because enable_deck is currently set to False."
            )
            return
        output_deck(state.params, task_name=task.name)

    def __repr__(self) -> str:
        return f"Deck(name={self._name!r}, html=<{len(self._html)} characters>)"


class TimeLineDeck(Deck):
    """A page of how long the parts of a run took (wall and process time)."""

    def __init__(self, name: str, html: str | None = "", auto_add_to_deck: bool = True) -> None:
        super().__init__(name, html, auto_add_to_deck)
        self.time_info: list[dict[str, Any]] = []

    def append_time_info(self, info: dict[str, Any]) -> None:
        """Add a row: ``{"Name": ..., "WallTime": seconds, "ProcessTime": seconds}``."""
        self.time_info.append(dict(info))

    @property
    def html(self) -> str:
        """A table of the rows (empty when there are none)."""
        if not self.time_info:
            return ""
        rows = "".join(
            f"<tr><td>{html.escape(str(r['Name']))}</td><td>{r['WallTime']:.6f}</td>"
            f"<td>{r['ProcessTime']:.6f}</td></tr>"
            for r in self.time_info
        )
        return (
            '<table border="1" cellpadding="5" style="border-collapse: collapse;">'
            "<thead><tr><th>Name</th><th>Wall Time(s)</th><th>Process Time(s)</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


def default_deck() -> Deck:
    """``current_context().default_deck``: the current run's page called ``default``, made on
    first use (flytekit makes a new one on each use, so only the last one's HTML is shown)."""
    decks = current_decks()
    for deck in decks:
        if deck.name == "default":
            return deck
    return Deck("default")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ margin: 0; font-family: sans-serif; display: flex; }}
nav {{ min-width: 12em; border-right: 1px solid #ddd; padding: 1em; }}
nav a {{ display: block; padding: .3em 0; color: #333; text-decoration: none; }}
main {{ padding: 1em; overflow: auto; flex: 1; }}
section {{ margin-bottom: 2em; }}
</style>
</head>
<body>
<nav>{nav}</nav>
<main>{body}</main>
</body>
</html>
"""


def render_decks(decks: list[Deck], *, title: str = "Deck") -> str:
    """One HTML document with a page per deck name (a later deck of a name replaces it)."""
    pages: dict[str, str] = {}
    for deck in decks:
        pages[deck.name] = deck.html
    nav = "".join(f'<a href="#deck-{i}">{html.escape(name)}</a>' for i, name in enumerate(pages))
    body = "".join(
        f'<section id="deck-{i}"><div>{page}</div></section>'
        for i, page in enumerate(pages.values())
    )
    return _PAGE.format(title=html.escape(title), nav=nav, body=body)


def output_deck(params: ExecutionParameters, *, task_name: str) -> str | None:
    """Write the run's decks to ``deck.html``; the path written (``None``: it failed, logged).

    Locally: a fresh temporary directory. In a container: also the output prefix, next to
    ``outputs.pb``. Failures are logged, never raised (a deck must not fail a task).
    """
    import tempfile

    decks = list(params.extra.get(DECKS_KEY, ()))
    short = task_name.rsplit(".", 1)[-1]
    try:
        local = os.path.join(tempfile.mkdtemp(prefix="taskplug-deck-"), DECK_FILE_NAME)
        text = render_decks(decks, title=short)
        with open(local, "w", encoding="utf-8") as fh:
            fh.write(text)
        params.extra[PATH_KEY] = local
        _LOGGER.info(f"{short} task creates flyte deck html to file://{local}")
        if not params.local and params.output_prefix:
            from taskplug.execute.storage import write_atomic

            write_atomic(params.output_prefix, DECK_FILE_NAME, text.encode("utf-8"))
        return local
    except Exception as exc:
        _LOGGER.error(f"Failed to write flyte deck html with error {exc}.")
        return None


def _value_html(value: Any, t: Any) -> str:
    from typing import Annotated, get_args, get_origin

    from taskplug.deck.renderer import Renderable, TopFrameRenderer

    if get_origin(t) is Annotated:
        for arg in get_args(t)[1:]:
            if isinstance(arg, Renderable) and not isinstance(arg, type):
                return arg.to_html(value)
    if type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas"):
        return TopFrameRenderer().to_html(value)
    return str(value)


def _fields(task: PythonTask[Any]) -> set[str]:
    return {f.value for f in task.deck_fields}


def write_task_decks(
    task: PythonTask[Any],
    params: ExecutionParameters,
    inputs: dict[str, Any],
    outputs: Any,
    *,
    times: tuple[float, float] | None = None,
) -> str | None:
    """The end of a run of a task with ``enable_deck``: add the pages ``deck_fields`` asks
    for (source code, dependencies, inputs, outputs; the timeline first) and write
    ``deck.html`` (:func:`output_deck`). The path written, or ``None``."""
    import inspect

    from taskplug.deck.renderer import PythonDependencyRenderer, SourceCodeRenderer

    fields = _fields(task)
    decks: list[Deck] = params.extra.setdefault(DECKS_KEY, [])

    def page(field: DeckField) -> Deck:
        deck = Deck(field.value, auto_add_to_deck=False)
        decks.append(deck)
        return deck

    try:
        if DeckField.TIMELINE.value in fields and times is not None:
            timeline = TimeLineDeck(DeckField.TIMELINE.value, auto_add_to_deck=False)
            timeline.append_time_info(
                {"Name": "Execute user level code", "WallTime": times[0], "ProcessTime": times[1]}
            )
            decks.insert(0, timeline)
        function = getattr(task, "task_function", None)
        if DeckField.SOURCE_CODE.value in fields and function is not None:
            try:
                code = inspect.getsource(function)
            except (OSError, TypeError):
                code = None
            if code is not None:
                page(DeckField.SOURCE_CODE).append(SourceCodeRenderer().to_html(code))
        if DeckField.DEPENDENCIES.value in fields and function is not None:
            page(DeckField.DEPENDENCIES).append(PythonDependencyRenderer().to_html())
        iface = task.python_interface
        if DeckField.INPUT.value in fields:
            deck = page(DeckField.INPUT)
            for name, value in inputs.items():
                deck.append(_value_html(value, iface.inputs.get(name)))
        if DeckField.OUTPUT.value in fields:
            deck = page(DeckField.OUTPUT)
            names = list(iface.outputs)
            values = (outputs,) if len(names) == 1 else tuple(outputs or ())
            for name, value in zip(names, values):
                deck.append(_value_html(value, iface.outputs[name]))
    except Exception as exc:
        _LOGGER.error(f"Failed to render the decks of task {task.name!r}: {exc}")
    return output_deck(params, task_name=task.name)
