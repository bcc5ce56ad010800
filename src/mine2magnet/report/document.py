"""The report as data: sections holding text, tables and figures, rendered by ``html``/``pdf``.

Chapter builders produce these frozen objects from the project store; renderers turn them
into one self-contained HTML file and a PDF. Nothing here knows HTML: every string is plain
text and is escaped by the renderer (a hole named ``<script>`` shows as text).

Figures carry a static SVG (matplotlib, text kept as text so the PDF is searchable) and,
optionally, a plotly figure dict for the interactive HTML view; the PDF always uses the SVG.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "Block",
    "Figure",
    "Report",
    "Section",
    "Table",
    "Text",
    "svg_from_matplotlib",
]


@dataclass(frozen=True)
class Text:
    """Paragraphs of plain text (escaped on rendering); ``kind`` styles a call-out box.

    ``kind="code"`` shows the paragraphs joined by newlines as preformatted text (e.g. the
    project parameters as TOML).
    """

    paragraphs: tuple[str, ...]
    kind: str = "body"  # "body" | "note" | "warning" | "synthetic" | "code"


@dataclass(frozen=True)
class Table:
    """A table with column labels as shown; numbers formatted by ``formats`` (column → spec).

    ``formats`` values are Python format specs (``",.0f"``, ``".2f"``); columns without a
    spec are shown with ``str``. ``id`` is the HTML anchor (unique in the report).
    """

    id: str
    title: str
    frame: pd.DataFrame
    caption: str = ""
    formats: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    """One figure: static SVG (always) and an optional interactive plotly figure dict.

    ``svg`` is a complete ``<svg …>`` document string produced by
    :func:`svg_from_matplotlib`; ``plotly`` is ``plotly.graph_objects.Figure.to_dict()``
    output (the HTML shows it instead of the SVG; the PDF shows the SVG).
    """

    id: str
    title: str
    svg: str
    caption: str = ""
    plotly: dict[str, Any] | None = None


Block = Text | Table | Figure


@dataclass(frozen=True)
class Section:
    """A numbered section: ``id`` is the HTML anchor; ``blocks`` in order; nested children."""

    id: str
    title: str
    blocks: tuple[Block, ...] = ()
    children: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Report:
    """The whole report. ``synthetic`` puts a SYNTHETIC banner on every page."""

    title: str
    subtitle: str
    synthetic: bool
    sections: tuple[Section, ...]
    generated_utc: str
    software_version: str


def svg_from_matplotlib(fig: Any, *, close: bool = True) -> str:
    """Serialise a matplotlib figure to an SVG string with text kept as ``<text>``.

    Text stays text (``svg.fonttype = 'none'``) so it is searchable in the PDF and its
    content is XML-escaped by matplotlib. The figure is closed unless ``close=False``.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "mine2magnet"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    if close:
        plt.close(fig)
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
