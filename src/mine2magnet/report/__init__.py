"""The report: the JORC Mineral Resource report as one offline HTML file and a PDF.

:func:`write_report` reads every table of a project store, assembles the report
(:func:`~mine2magnet.report.build.build_resource_report`) and writes
``<output_dir>/report/mine2magnet_report.html`` and ``.pdf``. The pieces are usable alone:
``build`` (store tables → :class:`~mine2magnet.report.document.Report`), ``html`` and
``pdf`` (Report → file), ``provenance`` (runs and parameters), ``figures`` (one Figure per
function).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.config import Project
    from mine2magnet.store import Store

__all__ = ["ReportFiles", "input_hashes", "read_store_tables", "write_report"]

REPORT_STEM = "mine2magnet_report"


@dataclass(frozen=True)
class ReportFiles:
    """Paths of the written report."""

    html: Path
    pdf: Path | None


def read_store_tables(store: Store) -> dict[str, pd.DataFrame]:
    """Every stage table of a store (``<stage>__<name>``) as DataFrames; not ``runs``."""
    return {
        name: store.con.execute(f'SELECT * FROM "{name}"').df()
        for name in store.tables()
        if "__" in name
    }


def _file_keys(d: Any, prefix: str = "") -> dict[str, str]:
    """Dotted keys of every ``file = "…"`` entry of the project file."""
    out: dict[str, str] = {}
    if isinstance(d, Mapping):
        if isinstance(d.get("file"), str) and prefix:
            out[prefix] = d["file"]
        for k, v in d.items():
            out.update(_file_keys(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def input_hashes(project: Project) -> dict[str, str]:
    """SHA-256 of every file named in the project file, by dotted key; ``"missing"`` if absent.

    Keys match those stage runs record (``data.assays``, ``blockmodel.topography``).
    """
    from mine2magnet.store import file_sha256

    out = {}
    for key, rel in _file_keys(project.model_dump(mode="json")).items():
        path = project.path(Path(rel))
        out[key] = file_sha256(path) if path.is_file() else "missing"
    return out


def write_report(
    store_path_or_store: str | Path | Store,
    project: Project,
    out_dir: str | Path | None = None,
    *,
    pdf: bool = True,
    generated_utc: str | None = None,
) -> ReportFiles:
    """Write the Mineral Resource report of a project as HTML and PDF.

    Parameters
    ----------
    store_path_or_store : str, Path or Store
        The project store (a path is opened and closed here).
    project : Project
        The loaded project file (its parameters and input files go into the provenance).
    out_dir : str or Path, optional
        Folder for the files; default ``<project output_dir>/report``.
    pdf : bool
        Also write the PDF (weasyprint); ``ReportFiles.pdf`` is None otherwise.
    generated_utc : str, optional
        Timestamp printed in the report (default: now).

    Returns
    -------
    ReportFiles
        ``html`` and ``pdf`` paths (``mine2magnet_report.html`` / ``.pdf``).
    """
    from mine2magnet import __version__
    from mine2magnet.errors import DataError
    from mine2magnet.report.build import build_resource_report
    from mine2magnet.report.html import render_html
    from mine2magnet.report.pdf import render_pdf
    from mine2magnet.store import Store

    if isinstance(store_path_or_store, Store):
        tables = read_store_tables(store_path_or_store)
        runs = store_path_or_store.runs()
    else:
        if not Path(store_path_or_store).is_file():
            raise DataError(
                f"{store_path_or_store}: no project store there; run `m2m run` on the project "
                "first (the report is written from its stored results)"
            )
        with Store(store_path_or_store) as store:
            tables = read_store_tables(store)
            runs = store.runs()
    report = build_resource_report(
        tables,
        project.model_dump(mode="json"),
        software_version=__version__,
        runs=runs,
        input_hashes=input_hashes(project),
        generated_utc=generated_utc,
    )
    if out_dir is None:
        out_dir = project.path(project.project.output_dir) / "report"
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{REPORT_STEM}.html"
    html_path.write_text(render_html(report), encoding="utf-8")
    pdf_path = render_pdf(report, folder / f"{REPORT_STEM}.pdf") if pdf else None
    return ReportFiles(html_path, pdf_path)
