"""The report document types: frozen, plain text, SVG with text kept as text."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from mine2magnet.report.document import Figure, Report, Section, Table, Text, svg_from_matplotlib


def test_types_are_frozen():
    t = Text(("a",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.kind = "note"  # type: ignore[misc]
    r = Report("T", "S", False, (Section("a", "A", (t,)),), "now", "0")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.synthetic = True  # type: ignore[misc]


def test_defaults():
    tab = Table("t", "T", pd.DataFrame({"a": [1]}))
    assert tab.caption == "" and tab.formats == {}
    assert Figure("f", "F", "<svg/>").plotly is None
    assert Section("s", "S").blocks == () and Section("s", "S").children == ()
    assert Text(("x",)).kind == "body"


def test_svg_from_matplotlib_keeps_text_and_escapes_it():
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(2, 2))
    ax = fig.add_subplot()
    ax.set_title("<script>alert(1)</script> 12,300,000")
    svg = svg_from_matplotlib(fig)
    assert svg.startswith("<svg")
    assert "<text" in svg, "text is kept as <text>, not paths (searchable PDF)"
    assert "12,300,000" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg_from_matplotlib(_small_fig()) == svg_from_matplotlib(_small_fig()), (
        "deterministic output (no date, fixed hash salt)"
    )


def _small_fig():
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig
