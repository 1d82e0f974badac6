"""The report as markdown and HTML, rendered through jinja2 templates.

The sections become plain rows of text here; the templates in
``templates/`` lay them out. The HTML template escapes every text
(autoescape), then :func:`_inline` turns the only markdown our texts use,
``**bold**`` and ```code```, into tags.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

__all__ = ["render_html", "render_markdown"]


def render_markdown(sections) -> str:
    """The report's markdown text."""
    text = _environment().get_template("report.md.j2").render(sections=_view(sections))
    return text.rstrip("\n") + "\n"


def render_html(sections, out: Path) -> str:
    """The report as one HTML page, its pictures (PNG files in ``out``)
    embedded."""
    images = {
        name: base64.b64encode((out / name).read_bytes()).decode()
        for section in sections
        for _, name in section.images
    }
    template = _environment().get_template("report.html.j2")
    return template.render(sections=_view(sections), images=images)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("imbdiff.bench._report", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["inline"] = _inline
    environment.filters["markdown_cell"] = _markdown_cell
    return environment


def _view(sections) -> list[dict]:
    """Each section's title, paragraphs, tables (header and rows of
    ``(text, bold)`` cells) and pictures, as text."""
    return [
        {
            "title": section.title,
            "text": section.text,
            "paragraphs": section.text.split("\n\n") if section.text else [],
            "tables": [
                _table_view(caption, table, bold)
                for caption, table, bold in section.tables
            ],
            "images": section.images,
        }
        for section in sections
    ]


def _table_view(caption: str, table, bold) -> dict:
    rows = []
    for index, row in table.iterrows():
        cells = [
            (str(value), bold is not None and bool(bold.loc[index, column]))
            for column, value in row.items()
        ]
        rows.append((str(index), cells))
    return {
        "caption": caption,
        "columns": [str(c) for c in table.columns],
        "rows": rows,
    }


def _markdown_cell(cell: tuple[str, bool]) -> str:
    """A table cell in markdown: ``|`` would end the cell, so it becomes
    ``/``; the best of a row in bold."""
    text, bold = cell
    text = text.replace("|", "/")
    return f"**{text}**" if bold else text


def _inline(text: str) -> Markup:
    """Escaped text with the only markdown our texts use: **bold**, `code`.

    Examples
    --------
    >>> str(_inline("**best** of `a < b`"))
    '<b>best</b> of <code>a &lt; b</code>'
    """
    text = str(escape(text))
    for mark, tag in (("**", "b"), ("`", "code")):
        while text.count(mark) >= 2:
            text = text.replace(mark, f"<{tag}>", 1).replace(mark, f"</{tag}>", 1)
    return Markup(text)
