"""Render a :class:`~mine2magnet.report.document.Report` as PDF with weasyprint.

The input is the ``"print"`` variant of the HTML (static SVG figures, paged-media CSS):
A4 pages numbered "Page n of N", the SYNTHETIC mark in the header and as a watermark on
every page of a synthetic report, table headers repeated on each page, wide tables on
landscape pages and page numbers in the table of contents. Text stays text (SVG text
included), so ``pdftotext`` reads the numbers of the statement back.

weasyprint is never allowed to fetch: the URL fetcher refuses everything but ``data:``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mine2magnet.report.document import Report
from mine2magnet.report.html import render_html

__all__ = ["OfflineFetchError", "render_pdf"]


def _fatal_base() -> type[Exception]:
    try:  # weasyprint >= 66: errors of this type stop the rendering instead of a warning
        from weasyprint.urls import FatalURLFetchingError

        return FatalURLFetchingError
    except ImportError:  # pragma: no cover - older weasyprint
        return RuntimeError


class OfflineFetchError(_fatal_base()):  # type: ignore[misc]
    """The print HTML referred to a resource outside the document (a bug, never expected)."""


def _check_offline(url: str) -> None:
    if not url.startswith("data:"):
        raise OfflineFetchError(f"the report refers to an external resource: {url[:120]}")


def _offline_fetcher() -> Any:
    """A weasyprint URL fetcher that resolves ``data:`` URLs and refuses everything else."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # pragma: no cover - weasyprint < 66 takes a function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            _check_offline(url)
            return default_url_fetcher(url, *args, **kwargs)

        return fetch

    class _Offline(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            _check_offline(url)
            return super().fetch(url, headers)

    return _Offline(allowed_protocols={"data"})


def render_pdf(report: Report, path: str | Path) -> Path:
    """Write the report as a PDF file and return its path.

    Parameters
    ----------
    report : Report
        The document; the same one :func:`~mine2magnet.report.html.render_html` renders.
    path : str or pathlib.Path
        Output file; parent folders are created.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from weasyprint import HTML

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(report, variant="print")
    document = HTML(string=html, url_fetcher=_offline_fetcher())
    meta_title = f"SYNTHETIC — {report.title}" if report.synthetic else report.title
    rendered = document.render()
    rendered.metadata.title = meta_title
    rendered.metadata.generator = f"mine2magnet {report.software_version}"
    rendered.write_pdf(out)
    return out
