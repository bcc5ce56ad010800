"""The HTML report: self-contained (no fetch), escaped, numbered, with the SYNTHETIC banner."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from mine2magnet.report.document import Figure, Report, Section, Table, Text, svg_from_matplotlib
from mine2magnet.report.html import (
    InvalidSvgError,
    escape_json_for_script,
    format_cell,
    render_html,
    sanitize_svg,
)

EVIL = "<script>alert(1)</script>"


def _svg(title: str) -> str:
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set_title(title)
    return svg_from_matplotlib(fig)


def _plotly(name: str) -> dict:
    return {
        "data": [
            {
                "type": "scatter3d",
                "x": [0, 1],
                "y": [0, 1],
                "z": [0, -1],
                "mode": "lines",
                "name": name,
                "text": [name, name],
            }
        ],
        "layout": {"title": {"text": name}},
    }


def make_report(*, synthetic: bool = True, plotly: int = 1, evil: str = EVIL) -> Report:
    """Two chapters, a nested section, a formatted table, SVG and plotly figures."""
    frame = pd.DataFrame(
        {
            "hole_id": ["DH001", evil],
            "tonnes": [12_300_000.0, np.nan],
            "TREO_pct": [2.354, 1.2],
            "n": np.array([3, 4], dtype=np.int64),
        }
    )
    figs = [Figure("fig-plot", f"Plot of {evil}", _svg(evil), caption=f"Hole {evil}.")]
    for n in range(plotly):
        figs.append(Figure(f"fig-3d-{n}", f"3-D {n} {evil}", _svg("3d"), plotly=_plotly(evil)))
    return Report(
        title=f"Demo {evil}",
        subtitle="Test report",
        synthetic=synthetic,
        sections=(
            Section(
                "summary",
                "Summary",
                (
                    Text((f"Hole {evil} is odd.", "Second paragraph.")),
                    Table(
                        "tab-holes",
                        f"Holes {evil}",
                        frame,
                        caption="A caption.",
                        formats={"tonnes": ",.0f", "TREO_pct": ".2f"},
                    ),
                ),
                children=(Section("summary-figs", f"Figures {evil}", tuple(figs)),),
            ),
            Section("params", "Parameters", (Text(('name = "x"', "seed = 1"), "code"),)),
        ),
        generated_utc="2026-01-01T00:00:00Z",
        software_version="0.1.0",
    )


class _Fetches(HTMLParser):
    """Collects every URL the browser would load: src, href, srcset, CSS url() and @import."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.tags: list[str] = []
        self._in_style = False
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        d = dict(attrs)
        for key in ("src", "href", "xlink:href", "srcset", "data", "poster", "action"):
            if d.get(key):
                self.urls.append(d[key])
        if d.get("style"):
            self.urls.extend(re.findall(r"url\(\s*['\"]?([^)'\"]*)", d["style"]))
        if tag == "style":
            self._in_style = True
        if tag == "script":
            self.scripts.append(d)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls.extend(re.findall(r"url\(\s*['\"]?([^)'\"]*)", data))
            self.urls.extend(re.findall(r"@import\s+['\"]?([^'\";]*)", data))


def _fetches(html: str) -> _Fetches:
    p = _Fetches()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(make_report(plotly=2))


def test_no_external_fetch(html):
    p = _fetches(html)
    external = [u for u in p.urls if not u.startswith(("#", "data:"))]
    assert external == []
    assert not {"link", "iframe", "img", "object", "embed"} & set(p.tags)
    assert all("src" not in s for s in p.scripts), "no script is loaded from a file or URL"


def test_plotly_js_inlined_once_and_only_when_needed(html):
    assert html.count("plotly.js v") == 1, "two interactive figures share one plotly.js"
    big = [m for m in re.findall(r"<script>(.*?)</script>", html, flags=re.S) if len(m) > 1e6]
    assert len(big) == 1
    small = render_html(make_report(plotly=0))
    assert "plotly.js v" not in small and "Plotly.newPlot" not in small
    assert len(small) < 200_000


def test_no_mathjax_or_cdn_configuration(html):
    outside_js = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert "http://" not in outside_js.replace("http://www.w3.org/", "")
    assert "https://" not in outside_js
    assert "mathjax" not in outside_js.lower().replace('mathjaxconfig: "local"', "")


def test_malicious_text_is_escaped_everywhere(html):
    assert "<script>alert" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    # title, subtitle-free heading, text, table title and cell, figure title and caption
    for where in (
        f"<title>SYNTHETIC — Demo {escaped}</title>",
        f">{escaped}</td>",
        f"Holes {escaped}</caption>",
        f"Plot of {escaped}",
        f"Hole {escaped}.",
        f"Figures {escaped}</h3>",
    ):
        assert where in html, where


def test_plotly_json_island_escaped_and_round_trips(html):
    islands = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    figs = [(i, body) for i, body in islands if i.endswith("-data")]
    assert len(figs) == 2
    for _, body in figs:
        assert "<" not in body and ">" not in body and "&" not in body
        fig = json.loads(body)
        assert fig["data"][0]["name"] == EVIL
        assert fig["layout"]["title"]["text"] == EVIL


def test_escape_json_for_script_round_trip():
    obj = {"a": "</script><!-- & \u2028 \u2029", "b": [1.5, float("nan")], "c": np.arange(2)}
    text = escape_json_for_script(obj)
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    back = json.loads(text)
    assert back == {"a": obj["a"], "b": [1.5, None], "c": [0, 1]}


def test_synthetic_banner_only_when_synthetic(html):
    assert 'id="synthetic-banner"' in html and "SYNTHETIC" in html
    assert "@top-center" in html, "SYNTHETIC mark on every printed page"
    real = render_html(make_report(synthetic=False, plotly=0))
    assert "synthetic-banner" not in real.replace(".synthetic-banner", "")
    assert "SYNTHETIC DATA" not in real


def test_numbering_toc_and_anchors(html):
    assert html.count('<section class="report-section level-1"') == 2
    assert html.count('<section class="report-section level-2"') == 1
    for anchor in ("summary", "summary-figs", "params"):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert '<span class="secnum">1.1</span>' in html
    assert '<span class="secnum">2</span>' in html
    assert "Table 1.</span>" in html
    assert [int(n) for n in re.findall(r"Figure (\d+)\.</span>", html)] == [1, 2, 3]


def test_table_formats_and_alignment(html):
    assert '<td class="num">12,300,000</td>' in html
    assert '<td class="num">2.35</td>' in html
    assert '<td class="num">—</td>' in html  # NaN tonnes
    assert '<td class="num">4</td>' in html  # int without a spec: str


def test_code_text_is_preformatted(html):
    assert '<pre class="code-block"><code>name = &#34;x&#34;\nseed = 1</code></pre>' in html or (
        '<pre class="code-block"><code>name = &quot;x&quot;\nseed = 1</code></pre>' in html
    )


def test_print_variant_has_svg_not_plotly():
    out = render_html(make_report(plotly=1), variant="print")
    assert "plotly.js v" not in out and "application/json" not in out
    assert out.count("<svg") == 2
    assert "counter(pages)" in out and "table-header-group" in out
    with pytest.raises(ValueError, match="variant"):
        render_html(make_report(), variant="pdf")  # type: ignore[arg-type]


def test_duplicate_ids_become_unique():
    svg = _svg("x")
    rep = Report(
        "T",
        "",
        False,
        (
            Section("a", "A", (Figure("f", "one", svg), Figure("f", "two", svg))),
            Section("a", "A again"),
        ),
        "now",
        "0",
    )
    out = render_html(rep)
    ids = re.findall(r'\sid="([^"]+)"', out)
    assert len(ids) == len(set(ids))
    assert 'id="a-2"' in out and 'id="fig-f-2"' in out


def test_invalid_svg_leaves_a_note_not_a_crash():
    rep = Report(
        "T", "", False, (Section("a", "A", (Figure("f", "bad", "<svg><g></svg>"),)),), "n", "0"
    )
    out = render_html(rep)
    assert "Figure could not be embedded" in out and "not well-formed" in out


def test_format_cell():
    assert format_cell(12345678.0, ",.0f") == "12,345,678"
    assert format_cell(np.float64(2.345), ".2f") == "2.35"  # numpy scalar
    assert format_cell(np.int64(7), ",d") == "7"
    assert format_cell(None) == format_cell(pd.NA) == format_cell(float("nan"), ".1f") == "—"
    assert format_cell("HG", ".2f") == "HG"  # a spec that does not apply falls back to str
    assert format_cell(True) == "True"


def test_sanitize_svg_removes_active_content_and_prefixes_ids():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'onload="alert(1)"><script>alert(2)</script><defs><clipPath id="c"><rect/></clipPath>'
        '<path id="m" d="M0 0"/></defs><g clip-path="url(#c)"><use xlink:href="#m"/>'
        '<use href="https://evil.example/x.svg#a"/><image href="data:image/png;base64,AAAA"/>'
        '<a xlink:href="javascript:alert(3)"><text>&lt;b&gt; &amp; text</text></a>'
        '<rect style="fill:url(http://evil.example/p)"/></g>'
        "<style>@import url(http://evil.example/x.css);</style>"
        "<foreignObject><div>x</div></foreignObject></svg>"
    )
    out = sanitize_svg(svg, "fig-a")
    assert "alert" not in out and "evil" not in out and "foreignObject" not in out
    assert 'clip-path="url(#fig-a-c)"' in out and 'id="fig-a-c"' in out
    assert 'xlink:href="#fig-a-m"' in out and 'href="data:image/png;base64,AAAA"' in out
    assert "&lt;b&gt; &amp; text" in out
    assert "@import" not in out


@pytest.mark.parametrize(
    "bad",
    [
        "<html><body/></html>",
        "<svg><g></svg>",
        '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
        "",
    ],
)
def test_sanitize_svg_rejects(bad):
    with pytest.raises(InvalidSvgError):
        sanitize_svg(bad, "x")
