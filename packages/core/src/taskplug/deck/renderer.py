"""Renderers: objects whose ``to_html(value)`` turns a value into HTML (flytekit's renderers).

Each imports its library when it renders: markdown-it-py (``taskplug[deck]``) for Markdown,
pygments for source code, pandas or pyarrow for tables. A renderer placed in ``Annotated``
(``Annotated[pd.DataFrame, TopFrameRenderer(10)]``) renders that input or output in the task's
deck.
"""

from __future__ import annotations

import html
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "ArrowRenderer",
    "MarkdownRenderer",
    "PythonDependencyRenderer",
    "Renderable",
    "SourceCodeRenderer",
    "TopFrameRenderer",
]

DEFAULT_MAX_ROWS = 10
DEFAULT_MAX_COLS = 100


@runtime_checkable
class Renderable(Protocol):
    """Anything with ``to_html(value) -> str``."""

    def to_html(self, python_value: Any) -> str:
        """The value as an HTML fragment."""
        ...


def _need(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"this renderer needs {module}, which is not installed: pip install '{extra}'"
        ) from exc


class TopFrameRenderer:
    """The first rows and columns of a pandas DataFrame as an HTML table."""

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS, max_cols: int = DEFAULT_MAX_COLS) -> None:
        self._max_rows = max_rows
        self._max_cols = max_cols

    def to_html(self, df: Any) -> str:
        """``df.to_html`` limited to ``max_rows`` rows and ``max_cols`` columns."""
        pandas = _need("pandas", "pandas")
        if not isinstance(df, pandas.DataFrame):
            raise TypeError(f"TopFrameRenderer renders a pandas DataFrame, got {type(df).__name__}")
        text: str = df.to_html(max_rows=self._max_rows, max_cols=self._max_cols)
        return text


class ArrowRenderer:
    """A pyarrow Table as text."""

    def to_html(self, df: Any) -> str:
        """``table.to_string()``."""
        pyarrow = _need("pyarrow", "pyarrow")
        if not isinstance(df, pyarrow.Table):
            raise TypeError(f"ArrowRenderer renders a pyarrow Table, got {type(df).__name__}")
        text: str = df.to_string()
        return text


class MarkdownRenderer:
    """Markdown text as HTML (markdown-it-py, CommonMark, as flytekit renders it)."""

    def to_html(self, text: str) -> str:
        """The HTML of ``text``."""
        markdown_it = _need("markdown_it", "taskplug[deck]")
        rendered: str = markdown_it.MarkdownIt().render(text)
        return rendered


class SourceCodeRenderer:
    """Python source code, highlighted (pygments), with its style sheet."""

    def __init__(self, title: str = "Source Code") -> None:
        self._title = title

    def to_html(self, source_code: str) -> str:
        """The highlighted code in a ``<div class="highlight">``, preceded by its CSS."""
        from pygments import highlight
        from pygments.formatters.html import HtmlFormatter
        from pygments.lexers.python import PythonLexer

        formatter = HtmlFormatter(style="colorful")
        css: str = formatter.get_style_defs(".highlight")  # type: ignore[no-untyped-call]
        css = css.replace("#fff0f0", "#ffffff")
        return f"<style>{css}</style>{highlight(source_code, PythonLexer(), formatter)}"


class PythonDependencyRenderer:
    """The Python distributions installed here, as a table and as requirements lines."""

    def __init__(self, title: str = "Dependencies") -> None:
        self._title = title

    def to_html(self) -> str:
        """A table of name and version of every installed distribution (read from their
        metadata, not by running pip)."""
        from importlib.metadata import distributions

        found = sorted(
            {(d.metadata["Name"] or "", d.version) for d in distributions() if d.metadata["Name"]},
            key=lambda nv: nv[0].lower(),
        )
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{html.escape(version)}</td></tr>\n"
            for name, version in found
        )
        requirements = html.escape("\n".join(f"{n}=={v}" for n, v in found))
        return (
            f"<h3>{html.escape(self._title)}</h3>\n"
            "<table>\n<tr><th style='text-align:left;'>Name</th>"
            f"<th style='text-align:left;'>Version</th></tr>\n{rows}</table>\n"
            f'<pre id="requirements_txt" style="display:none">{requirements}</pre>'
        )
