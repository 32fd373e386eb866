"""Decks: pages made in a task, the pages deck_fields adds, deck.html written locally and in a
container, renderers, and import lightness."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest

from taskplug import Deck, task
from taskplug.context import ExecutionParameters
from taskplug.deck import DeckField, MarkdownRenderer, SourceCodeRenderer, TopFrameRenderer
from taskplug.deck.deck import current_decks, default_deck, render_decks


def _written(caplog: pytest.LogCaptureFixture) -> str:
    paths = re.findall(r"creates flyte deck html to file://(\S+)", caplog.text)
    assert paths, caplog.text
    return Path(paths[-1]).read_text(encoding="utf-8")


def _pages(html: str) -> list[str]:
    return re.findall(r'<a href="#deck-\d+">([^<]*)</a>', html)


@task(enable_deck=True)
def with_pages(x: int) -> str:
    Deck("notes", "<p>first</p>").append("<p>second</p>")
    default_deck().append("<b>default one</b>")
    default_deck().append("<b>default two</b>")  # the same page (flytekit: a new one)
    return f"value-{x}"


def test_a_deck_task_writes_its_pages(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="taskplug"):
        assert with_pages(x=7) == "value-7"
    html = _written(caplog)
    assert _pages(html) == [
        "Timeline",
        "notes",
        "default",
        "Source Code",
        "Dependencies",
        "Input",
        "Output",
    ]
    assert "<p>first</p>\n<p>second</p>" in html
    assert "<b>default one</b>\n<b>default two</b>" in html
    assert "Execute user level code" in html
    assert "def with_pages" in re.sub(r"<[^>]+>", "", html)  # highlighted source
    assert "pluggy" in html  # an installed distribution
    assert "\n7</div>" in html and "\nvalue-7</div>" in html  # the input and output pages


@task(enable_deck=True, deck_fields=(DeckField.OUTPUT,))
def only_output(x: int) -> Annotated[str, MarkdownRenderer()]:
    return f"*{x}*"


def test_deck_fields_choose_pages_and_annotated_renderers_render(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="taskplug"):
        only_output(x=3)
    html = _written(caplog)
    assert _pages(html) == ["Output"]
    assert "<p><em>3</em></p>" in html


def test_without_enable_deck_nothing_is_written(caplog: pytest.LogCaptureFixture) -> None:
    @task
    def plain(x: int) -> int:
        Deck("ignored", "x")
        return x

    with caplog.at_level(logging.INFO, logger="taskplug"):
        assert plain(x=1) == 1
    assert "deck html" not in caplog.text
    assert plain.deck_fields == [] and not plain.enable_deck
    assert [f.value for f in with_pages.deck_fields] == [
        "Source Code",
        "Dependencies",
        "Timeline",
        "Input",
        "Output",
    ]


def test_bad_deck_fields_and_html_are_refused() -> None:
    with pytest.raises(ValueError, match=r"task '.*bad_fields': deck_fields takes DeckField"):

        @task(enable_deck=True, deck_fields=("Inputs",))
        def bad_fields() -> None: ...

    with pytest.raises(TypeError, match=r"Deck 'x': append\(\) takes an HTML str"):
        Deck("x", auto_add_to_deck=False).append(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass enable_deck or disable_deck, not both"):

        @task(enable_deck=True, disable_deck=False)
        def both() -> None: ...


def test_decks_outside_a_run_and_the_page_layout() -> None:
    outside = Deck("outside", "<i>o</i>")
    assert outside in current_decks()
    html = render_decks([Deck("a<b", "<p>1</p>", auto_add_to_deck=False)], title="t")
    assert html.startswith("<!DOCTYPE html>") and "a&lt;b" in html and "<p>1</p>" in html


def test_in_a_container_the_deck_goes_next_to_the_outputs(tmp_path: Path) -> None:
    lm = with_pages.inputs_to_literal_map({"x": 2})
    params = ExecutionParameters(
        task_name=with_pages.name, local=False, output_prefix=str(tmp_path)
    )
    with params:
        with_pages.dispatch_execute(lm, params=params, mode="container")
    html = (tmp_path / "deck.html").read_text(encoding="utf-8")
    assert "notes" in _pages(html) and "value-2" in html


def test_publish_warns_when_decks_are_off(caplog: pytest.LogCaptureFixture) -> None:
    @task
    def publishes() -> None:
        Deck.publish()

    with caplog.at_level(logging.WARNING, logger="taskplug"):
        publishes()
    assert "enable_deck is currently set to False" in caplog.text


def test_renderers() -> None:
    pd = pytest.importorskip("pandas", reason="TopFrameRenderer renders pandas DataFrames")
    df = pd.DataFrame({"a": range(30)})
    table = TopFrameRenderer(max_rows=4).to_html(df)
    assert table.count("<tr>") < 10 and "..." in table
    with pytest.raises(TypeError, match="renders a pandas DataFrame"):
        TopFrameRenderer().to_html([1])
    assert MarkdownRenderer().to_html("**b**") == "<p><strong>b</strong></p>\n"
    code = SourceCodeRenderer().to_html("x = 1\n")
    assert code.startswith("<style>") and 'class="highlight"' in code


def test_importing_decks_loads_no_renderer_library() -> None:
    code = (
        "import sys, taskplug, taskplug.deck\n"
        "taskplug.Deck('x', 'y')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('markdown_it', 'pygments', 'pandas', 'pyarrow')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@task(enable_deck=True, deck_fields=(DeckField.OUTPUT,))
async def async_pages(x: int) -> int:
    Deck("async notes", f"<p>{x}</p>")
    Deck.publish()  # written now, and again when the run ends
    return x + 1


def test_an_async_deck_task_writes_its_pages(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="taskplug"):
        assert async_pages(x=1) == 2
    assert caplog.text.count("creates flyte deck html") == 2
    html = _written(caplog)
    assert _pages(html) == ["async notes", "Output"] and "<p>1</p>" in html
