"""The PDF report: renders offline, text stays text, SYNTHETIC on every page."""

from __future__ import annotations

import os
import shutil
import subprocess

import pandas as pd
import pytest

from mine2magnet.report.document import Figure, Report, Section, Table, Text, svg_from_matplotlib
from mine2magnet.report.pdf import OfflineFetchError, _check_offline, render_pdf

STATEMENT = pd.DataFrame(
    {
        "Class": ["Indicated", "Inferred", "Total"],
        "Tonnes (t)": ["12,300,000", "4,500,000", "17,000,000"],
        "TREO (%)": ["2.35", "1.9", "2.2"],
        "NdPr oxide (t)": ["53,100", "16,000", "69,000"],
    }
)
INSTALL_HINT = "install poppler-utils (pdftotext): sudo apt-get install poppler-utils"


def _svg() -> str:
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("Grade 4.56 axis")
    return svg_from_matplotlib(fig)


def make_report(synthetic: bool = True) -> Report:
    long = pd.DataFrame({"hole_id": [f"DH{n:03d}" for n in range(150)], "eoh_m": range(150)})
    return Report(
        title="Statement test <b>",
        subtitle="",
        synthetic=synthetic,
        sections=(
            Section(
                "summary",
                "Summary",
                (
                    Text(("Statement below.",)),
                    Table("tab-statement", "Mineral Resource statement", STATEMENT),
                    Figure("fig-a", "A figure", _svg(), plotly={"data": [], "layout": {}}),
                ),
            ),
            Section("holes", "Holes", (Table("tab-holes", "All holes", long),)),
        ),
        generated_utc="2026-01-01T00:00:00Z",
        software_version="0.1.0",
    )


def pdf_text_pages(path) -> list[str]:
    """Text of each page: pdftotext (poppler) when present, else pypdf."""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")
    if os.environ.get("M2M_REQUIRE_TEST_TOOLS") == "1":
        pytest.fail(f"pdftotext is missing; {INSTALL_HINT}")
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    path = render_pdf(make_report(), tmp_path_factory.mktemp("pdf") / "sub" / "r.pdf")
    return path, pdf_text_pages(path)


def test_pdf_written(rendered):
    path, pages = rendered
    assert path.read_bytes()[:5] == b"%PDF-"
    assert len(pages) >= 3, "title/contents, summary, and the long table over pages"


def test_statement_numbers_are_text(rendered):
    _, pages = rendered
    text = "\n".join(pages)
    for col in STATEMENT.columns[1:]:
        for value in STATEMENT[col]:
            assert value in text, value
    assert "Grade 4.56 axis" in text, "SVG figure text is searchable"
    assert "Statement test <b>" in text, "escaped title shows as typed"


def test_synthetic_mark_and_page_numbers_on_every_page(rendered):
    _, pages = rendered
    n = len(pages)
    for i, page in enumerate(pages, 1):
        assert "SYNTHETIC DATA" in page, f"page {i}"
        assert f"Page {i} of {n}" in page, f"page {i}"


def test_table_header_repeats_on_each_page(rendered):
    _, pages = rendered
    holes = [p for p in pages if "DH1" in p]
    assert len(holes) >= 2
    assert all("hole_id" in p and "eoh_m" in p for p in holes)


def test_real_report_has_no_synthetic_mark(tmp_path):
    pages = pdf_text_pages(render_pdf(make_report(synthetic=False), tmp_path / "real.pdf"))
    assert not any("SYNTHETIC" in p for p in pages)


@pytest.mark.parametrize("url", ["https://example.com/font.woff", "file:///etc/passwd"])
def test_weasyprint_may_not_fetch(url):
    with pytest.raises(OfflineFetchError, match="external resource"):
        _check_offline(url)


def test_an_external_reference_stops_the_pdf(tmp_path, monkeypatch):
    """A stray URL in the print HTML is a bug: weasyprint must not fetch it, and says so."""
    import mine2magnet.report.pdf as pdf

    def html_with_link(report, *, variant):
        return '<html><body><img src="https://example.com/x.png"><p>x</p></body></html>'

    monkeypatch.setattr(pdf, "render_html", html_with_link)
    with pytest.raises(OfflineFetchError):
        pdf.render_pdf(make_report(), tmp_path / "x.pdf")
