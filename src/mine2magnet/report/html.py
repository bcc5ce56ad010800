"""Render a :class:`~mine2magnet.report.document.Report` as one self-contained HTML file.

The file works offline: CSS is inlined, figures are inline SVG, and plotly.js (from the
installed ``plotly`` package) is inlined once when any figure has an interactive view. No
element refers to a URL the browser would fetch, and a Content-Security-Policy forbids
any fetch should one appear (the browser logs the refusal as an error).

Every string from the report (hole ids, lithology names, titles) is escaped by Jinja2's
autoescape; plotly figure JSON is embedded in ``<script type="application/json">`` with
``<``, ``>``, ``&`` and the JavaScript line separators written as ``\\u`` escapes; SVG is
parsed and stripped of scripts, event handlers and external references before inlining.

Two variants: ``"screen"`` (interactive plotly views, static SVG as fallback) and
``"print"`` (SVG only, paged-media CSS for weasyprint: A4, page numbers, the SYNTHETIC
mark on every page, repeated table headers, page numbers in the table of contents).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.parsers import expat

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mine2magnet.report.document import Figure, Report, Section, Table, Text

__all__ = [
    "InvalidSvgError",
    "Variant",
    "escape_json_for_script",
    "format_cell",
    "render_html",
    "sanitize_svg",
]

Variant = Literal["screen", "print"]

MISSING = "—"
"""How a missing value (NaN, None, NA) is shown in a table cell."""

WIDE_TABLE_COLUMNS = 9
"""Tables with more columns than this are printed on a landscape page."""

_PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": ["sendDataToCloud"],
}


# ------------------------------------------------------------------------ view models
@dataclass(frozen=True)
class _TextView:
    kind: str
    paragraphs: tuple[str, ...]
    type: str = "text"


@dataclass(frozen=True)
class _TableView:
    anchor: str
    number: int
    title: str
    caption: str
    columns: tuple[tuple[str, bool], ...]  # (label, numeric)
    rows: tuple[tuple[str, ...], ...]
    wide: bool
    key_first: bool  # first column labels the rows of a numeric table: kept on one line
    type: str = "table"


@dataclass(frozen=True)
class _FigureView:
    anchor: str
    number: int
    title: str
    caption: str
    svg: Markup | None
    svg_error: str
    plotly_json: Markup | None
    type: str = "figure"


@dataclass(frozen=True)
class _SectionView:
    anchor: str
    number: str
    title: str
    level: int
    blocks: tuple[Any, ...]
    children: tuple[_SectionView, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------ helpers
def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def format_cell(value: Any, spec: str | None = None) -> str:
    """Text of one table cell: ``format(value, spec)``, or ``str(value)`` without a spec.

    Missing values (None, NaN, NA, NaT) show as an em dash. A spec that does not apply to
    the value (e.g. ``",.0f"`` on a string) falls back to ``str``.

    >>> format_cell(12345678.0, ",.0f"), format_cell(float("nan"), ".2f"), format_cell("HG")
    ('12,345,678', '—', 'HG')
    """
    if _is_missing(value):
        return MISSING
    if isinstance(value, np.generic):
        value = value.item()  # numpy scalar -> Python scalar
    if _is_missing(value):
        return MISSING
    if spec:
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            return str(value)
    return str(value)


def escape_json_for_script(obj: Any) -> str:
    """JSON text safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` (so no ``</script>``
    or ``<!--`` can end the element) and U+2028/U+2029 are escaped; ``JSON.parse`` reads
    the same values back. NaN and infinities become ``null``.
    """
    from plotly.io.json import to_json_plotly

    text = to_json_plotly(obj)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_NUMBER_TEXT = re.compile(r"^[-−+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def _numeric_column(s: pd.Series) -> bool:
    """Numbers, or text that is all numbers (a pre-formatted statement): right-aligned."""
    if pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_numeric_dtype(s):
        return True
    values = [v for v in s if isinstance(v, str) and v not in ("", MISSING)]
    return bool(values) and all(_NUMBER_TEXT.match(v) and v[-1].isdigit() for v in values)


_ANCHOR_BAD = re.compile(r"[^A-Za-z0-9_-]+")


class _Anchors:
    """Turns report ids into unique, HTML-safe anchors (ASCII letters, digits, - and _)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, raw: str, prefix: str = "") -> str:
        base = _ANCHOR_BAD.sub("-", str(raw)).strip("-") or "item"
        if prefix and not base.startswith(prefix):
            base = f"{prefix}{base}"
        if not base[0].isalpha():
            base = f"x-{base}"
        anchor, n = base, 1
        while anchor in self.used:
            n += 1
            anchor = f"{base}-{n}"
        self.used.add(anchor)
        return anchor


# ------------------------------------------------------------------------ SVG
_SVG_BANNED = {"script", "foreignobject", "iframe", "object", "embed", "audio", "video", "metadata"}
_URL_REF = re.compile(r"url\(\s*['\"]?\s*#([^)'\"\s]+)\s*['\"]?\s*\)")
_URL_ANY = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_ID_ATTR = re.compile(r'\bid="([^"]*)"')


class InvalidSvgError(ValueError):
    """The figure's SVG could not be parsed or is not an ``<svg>`` document."""


def _external_url(text: str) -> bool:
    """True if a style or attribute value refers to anything but a local ``#id``."""
    if "@import" in text.lower():
        return True
    return any(not m.group(1).startswith("#") for m in _URL_ANY.finditer(text))


def _esc_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esc_attr(text: str) -> str:
    return _esc_text(text).replace('"', "&quot;")


class _SvgFilter:
    """Streams an SVG through expat, writing only what is safe to inline (see sanitize_svg)."""

    def __init__(self, id_prefix: str, ids: set[str]):
        self.prefix = id_prefix
        self.ids = ids
        self.out: list[str] = []
        self.skip = 0  # depth inside a removed element
        self.depth = 0
        self.pending = False  # a start tag written without its closing ">"
        self.style: list[str] | None = None  # buffered <style> content
        self.root_seen = False

    def rename(self, old: str) -> str:
        return f"{self.prefix}-{old}" if old in self.ids else old

    def _close_pending(self) -> None:
        if self.pending:
            self.out.append(">")
            self.pending = False

    def start(self, name: str, attrs: list[str]) -> None:
        self.depth += 1
        local = name.rsplit(":", 1)[-1].lower()
        if self.depth == 1:
            if local != "svg":
                raise InvalidSvgError(f"root element is <{name}>, not <svg>")
            self.root_seen = True
        if self.skip or local in _SVG_BANNED:
            self.skip += 1
            return
        self._close_pending()
        parts = [f"<{name}"]
        for key, value in zip(attrs[::2], attrs[1::2], strict=True):
            akey = key.rsplit(":", 1)[-1].lower()
            if akey.startswith("on"):
                continue
            if akey == "href":
                if value.startswith("#"):
                    value = "#" + self.rename(value[1:])
                elif not value.startswith("data:image/"):
                    continue
            elif akey == "id":
                value = self.rename(value)
            elif "url(" in value.lower() or "@import" in value.lower():
                if _external_url(value):
                    continue
                value = _URL_REF.sub(lambda m: f"url(#{self.rename(m.group(1))})", value)
            parts.append(f' {key}="{_esc_attr(value)}"')
        self.out.append("".join(parts))
        self.pending = True
        if local == "style":
            self.style = []

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.skip:
            self.skip -= 1
            return
        if self.style is not None:
            css = "".join(self.style)
            self.style = None
            if _external_url(css):
                css = ""
            if css:
                self._close_pending()
                self.out.append(_esc_text(css))
        if self.pending:
            self.out.append("/>")
            self.pending = False
        else:
            self.out.append(f"</{name}>")

    def text(self, data: str) -> None:
        if self.skip:
            return
        if self.style is not None:
            self.style.append(data)
            return
        self._close_pending()
        self.out.append(_esc_text(data))


def _no_entities(*_: object) -> None:
    raise InvalidSvgError("SVG declares XML entities")


def sanitize_svg(svg: str, id_prefix: str) -> str:
    """An SVG document safe to inline: no scripts, handlers or external references.

    Removes ``<script>``, ``<foreignObject>``, ``<metadata>`` and embedding elements,
    comments and processing instructions, ``on*`` attributes, ``href``s other than local
    ``#id`` and ``data:image/…``, and styles with an external ``url(…)`` or ``@import``.
    Prefixes every ``id`` (and the references to it) with ``id_prefix`` so several
    figures do not clash in one page. Raises :class:`InvalidSvgError` for anything that
    is not a well-formed ``<svg>`` document, or one that declares entities.
    """
    ids = set(_ID_ATTR.findall(svg))
    f = _SvgFilter(id_prefix, ids)
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartElementHandler = f.start
    parser.EndElementHandler = f.end
    parser.CharacterDataHandler = f.text
    parser.EntityDeclHandler = _no_entities
    parser.UnparsedEntityDeclHandler = _no_entities
    parser.ExternalEntityRefHandler = _no_entities
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(svg.strip(), True)
    except expat.ExpatError as err:
        raise InvalidSvgError(f"SVG is not well-formed XML ({err})") from None
    if not f.root_seen:
        raise InvalidSvgError("no <svg> element")
    return "".join(f.out)


# ------------------------------------------------------------------------ views
class _Builder:
    """Numbers sections, tables and figures and turns blocks into template views."""

    def __init__(self, variant: Variant):
        self.variant = variant
        self.anchors = _Anchors()
        self.n_tables = 0
        self.n_figures = 0
        self.has_plotly = False

    def section(self, s: Section, number: str, level: int) -> _SectionView:
        anchor = self.anchors(s.id)
        blocks = tuple(self.block(b) for b in s.blocks)
        children = tuple(
            self.section(c, f"{number}.{i}", level + 1) for i, c in enumerate(s.children, 1)
        )
        return _SectionView(anchor, number, s.title, level, blocks, children)

    def block(self, b: Any) -> Any:
        if isinstance(b, Text):
            return _TextView(b.kind, tuple(str(p) for p in b.paragraphs))
        if isinstance(b, Table):
            return self.table(b)
        if isinstance(b, Figure):
            return self.figure(b)
        raise TypeError(f"unknown report block {type(b).__name__}")

    def table(self, t: Table) -> _TableView:
        self.n_tables += 1
        frame = t.frame
        columns = [(str(col), _numeric_column(frame[col])) for col in frame.columns]
        specs = [t.formats.get(str(col)) for col in frame.columns]
        rows = tuple(
            tuple(format_cell(v, spec) for v, spec in zip(row, specs, strict=True))
            for row in frame.itertuples(index=False, name=None)
        )
        return _TableView(
            anchor=self.anchors(t.id, "tab-"),
            number=self.n_tables,
            title=t.title,
            caption=t.caption,
            columns=tuple(columns),
            rows=rows,
            wide=len(columns) > WIDE_TABLE_COLUMNS,
            key_first=bool(columns) and not columns[0][1] and any(n for _, n in columns),
        )

    def figure(self, f: Figure) -> _FigureView:
        self.n_figures += 1
        anchor = self.anchors(f.id, "fig-")
        svg, error = None, ""
        if f.svg:
            try:
                svg = Markup(sanitize_svg(f.svg, anchor))
            except InvalidSvgError as err:
                error = str(err)
        else:
            error = "no static image"
        plotly_json = None
        if f.plotly is not None and self.variant == "screen":
            plotly_json = Markup(escape_json_for_script(f.plotly))
            self.has_plotly = True
        return _FigureView(anchor, self.n_figures, f.title, f.caption, svg, error, plotly_json)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("mine2magnet.report", "templates"),
        autoescape=select_autoescape(("html", "j2", "xml"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    if "</script" in js.lower():  # never seen; would end the inline element early
        js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js


def render_html(report: Report, *, variant: Variant = "screen") -> str:
    """The report as one self-contained HTML document (a string).

    Parameters
    ----------
    report : Report
        The document to render; its text is escaped.
    variant : {"screen", "print"}
        ``"screen"`` embeds plotly.js and interactive views (when any figure has one);
        ``"print"`` is the weasyprint input: static SVG only and paged-media CSS.

    Returns
    -------
    str
        The HTML document; it refers to no external URL.

    Examples
    --------
    >>> from mine2magnet.report.document import Report, Section, Text
    >>> r = Report("T", "S", True, (Section("a", "A", (Text(("<b>",)),)),), "2026", "0.1")
    >>> html = render_html(r)
    >>> "&lt;b&gt;" in html and "SYNTHETIC" in html
    True
    """
    if variant not in ("screen", "print"):
        raise ValueError(f"variant must be 'screen' or 'print', not {variant!r}")
    builder = _Builder(variant)
    sections = tuple(builder.section(s, str(i), 1) for i, s in enumerate(report.sections, 1))
    env = _environment()
    context = {
        "report": report,
        "sections": sections,
        "variant": variant,
        "n_figures": builder.n_figures,
        "n_tables": builder.n_tables,
        "plotly_js": Markup(_plotly_js()) if builder.has_plotly else None,
        "plotly_config": Markup(escape_json_for_script(_PLOTLY_CONFIG)),
    }
    return env.get_template("report.html.j2").render(**context)
