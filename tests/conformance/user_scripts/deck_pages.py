"""Decks: pages made in a task with enable_deck, renderers, deck fields."""

import flytekit
from flytekit import task, workflow
from flytekit.deck import DeckField, MarkdownRenderer, SourceCodeRenderer
from flytekit.deck.renderer import MarkdownRenderer as SameRenderer

PAGES = []


FIELDS = (DeckField.SOURCE_CODE, DeckField.TIMELINE, DeckField.INPUT, DeckField.OUTPUT)


@task(enable_deck=True)
def defaults(x: int) -> int:
    return x


@task(enable_deck=True, deck_fields=FIELDS)
def summarize(values: list[int]) -> float:
    mean = sum(values) / len(values)
    notes = flytekit.Deck("notes", MarkdownRenderer().to_html(f"# Summary\n\n*mean* is **{mean}**"))
    notes.append(MarkdownRenderer().to_html("- one\n- two"))
    PAGES.append((notes.name, notes.html))
    return mean


@task(enable_deck=True, deck_fields=(DeckField.INPUT, DeckField.OUTPUT))
def scale(x: float, factor: int = 2) -> float:
    flytekit.Deck("scaled", f"<p>{x} x {factor}</p>")
    return x * factor


@task
def plain(x: float) -> float:
    return x + 1


@workflow
def wf(values: list[int]) -> float:
    return plain(x=scale(x=summarize(values=values)))


if __name__ == "__main__":
    print(summarize(values=[1, 2, 3, 6]))
    for name, html in PAGES:
        print(name)
        print(html)
    print(wf(values=[2, 4]))
    print(summarize.enable_deck, plain.enable_deck, scale.deck_fields)
    print([f.value for f in defaults.deck_fields])
    print([f.value for f in summarize.deck_fields])
    print(MarkdownRenderer is SameRenderer)
    code = SourceCodeRenderer().to_html("def f():\n    return 1\n")
    print(code.startswith("<style>"), "highlight" in code)
    d = flytekit.Deck("outside", "<b>x</b>")
    print(d.name, d.html)
