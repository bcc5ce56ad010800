"""Assemble the JORC Mineral Resource report from the tables of the project store.

:func:`build_resource_report` reads store tables (``<stage>__<table>``), the project file
(as ``Project.model_dump(mode="json")``) and the ``runs`` table, and returns a
:class:`~mine2magnet.report.document.Report` with ten chapters (:data:`CHAPTER_IDS`):

1. Summary and Mineral Resource statement
2. Drillhole database (collar plan, counts in = used + rejected, findings by rule)
3. QA/QC (CRMs, blanks, duplicates, failures)
4. Statistics and variography
5. Block model and estimation (sections and plans by grade and by class, validation)
6. Classification and RPEEE
7. Grade-tonnage
8. Interactive 3-D view
9. JORC Table 1
10. Provenance (:mod:`mine2magnet.report.provenance`)

A missing table never stops the report: the chapter says which table is missing and
which stage writes it, so a project where later stages have not run still gets a report.
Figures come from :mod:`mine2magnet.report.figures` (:data:`PLANNED_FIGURES`); a figure
function that does not exist leaves a "Figure not available" note and one that fails
leaves a warning with its error.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.report.document import Block, Figure, Report, Section, Table, Text
from mine2magnet.report.provenance import provenance_section

__all__ = [
    "CHAPTER_IDS",
    "LATER_CHAPTER_IDS",
    "MAX_3D_BLOCKS",
    "MAX_LISTING_ROWS",
    "PLANNED_FIGURES",
    "build_resource_report",
    "column_label",
    "format_significant",
    "statement_sig_figs",
]

#: Anchors of the ten chapters, in order.
CHAPTER_IDS: tuple[str, ...] = (
    "summary",
    "drillholes",
    "qaqc",
    "statistics",
    "estimation",
    "classification",
    "grade-tonnage",
    "view-3d",
    "table1",
    "provenance",
)

#: Every figure function the report calls: (module of ``report.figures``, function).
PLANNED_FIGURES: tuple[tuple[str, str], ...] = (
    ("geology", "collar_plan"),
    ("geology", "section_view"),
    ("geology", "plan_view"),
    ("stats", "histogram"),
    ("stats", "log_probability"),
    ("variography", "variogram_plot"),
    ("validation", "swath_plot"),
    ("validation", "crossval_scatter"),
    ("gradetonnage", "grade_tonnage_curve"),
    ("qaqc", "crm_control_chart"),
    ("qaqc", "blank_chart"),
    ("qaqc", "duplicate_scatter"),
    ("qaqc", "hard_plot"),
    ("view3d", "blocks_and_drillholes_3d"),
)

#: Most rows of a listing (QA/QC failures, flagged holes) shown; a note says when cut.
MAX_LISTING_ROWS = 300

#: Most blocks drawn in the interactive 3-D view.
MAX_3D_BLOCKS = 20_000

_CLASS_ORDER = ("Measured", "Indicated", "Measured + Indicated", "Inferred", "Total")
_UNIT_SUFFIXES = (
    ("_pct2", "%²"),
    ("_pct", "%"),
    ("_ppm", "ppm"),
    ("_usd_t", "US$/t"),
    ("_t_m3", "t/m³"),
    ("_m3", "m³"),
    ("_deg", "°"),
    ("_m", "m"),
    ("_t", "t"),
)
_INDEX_COLUMNS = {"i", "j", "k", "run_id", "row", "structure", "section", "pass"}
_COUNT_PREFIXES = ("n_", "rows", "count", "blocks", "samples", "runs")
_AXIS_ORDER = {"easting": 0, "northing": 1, "elevation": 2}
_RPEEE_KEYS = re.compile(
    r"constraint|rpeee|price|recover|cost|cutoff|payab|depth|strip|pit|nsr|topo"
)


# ------------------------------------------------------------------------ formatting
def column_label(name: str) -> str:
    """A readable column label with its unit, from a store column name.

    >>> column_label("TREO_pct"), column_label("range_major_m"), column_label("rows_in")
    ('TREO (%)', 'range major (m)', 'rows in')
    >>> column_label("density_t_m3"), column_label("tonnes")
    ('density (t/m³)', 'tonnes')
    """
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} ({unit})"
    return name.replace("_", " ")


def format_significant(value: Any, sig: int) -> str:
    """A number shown to ``sig`` significant figures, with thousands separators.

    Significant trailing zeros are kept (2.0 at 3 figures is ``2.00``); large numbers are
    written out, not in exponent form. Missing values give ``—``. This is how the report
    prints the Mineral Resource statement.

    >>> format_significant(12345678, 2), format_significant(2.0, 3), format_significant(0.01234, 2)
    ('12,000,000', '2.00', '0.012')
    >>> format_significant(0, 3), format_significant(float("nan"), 2), format_significant(9.996, 3)
    ('0', '—', '10.0')
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "—" if value is None else str(value)
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    exponent = math.floor(math.log10(abs(v)))
    decimals = sig - 1 - exponent
    rounded = round(v, decimals)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > exponent:  # 9.996 -> 10.0
        decimals -= 1
        rounded = round(v, decimals)
    return f"{rounded:,.{max(decimals, 0)}f}"


def statement_sig_figs(project_dump: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Significant figures of the statement, by rounding group.

    Returns ``{"measured_indicated": {...}, "inferred": {...}}``, each with ``tonnes``,
    ``grades`` and ``contained``, read from ``[resources.rounding]`` through the resources
    stage's own schema (its defaults: 3 for Measured and Indicated, 2 for Inferred and
    totals, also used when that schema is not available).
    """
    try:
        from mine2magnet.resources.params import resource_params

        r = resource_params(dict(project_dump.get("resources") or {})).rounding
        return {
            "measured_indicated": r.measured_indicated.model_dump(),
            "inferred": r.inferred.model_dump(),
        }
    except Exception:  # resources stage absent or its section invalid
        return {
            "measured_indicated": {"tonnes": 3, "grades": 3, "contained": 3},
            "inferred": {"tonnes": 2, "grades": 2, "contained": 2},
        }


def _auto_format(name: str, s: pd.Series) -> str | None:
    """A format spec for a store column from its name and values (None: shown as text)."""
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        return None
    if pd.api.types.is_integer_dtype(s):
        return "d" if name in _INDEX_COLUMNS else ",d"
    v = s.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    integral = bool(v.size) and bool(np.all(v == np.round(v)))
    top = float(np.abs(v).max()) if v.size else 0.0
    if name in _INDEX_COLUMNS and integral:
        return ".0f"
    if name == "tonnes" or name.endswith(("_t", "_m3")) or (integral and top >= 1000):
        return ",.0f"
    if integral and name.startswith(_COUNT_PREFIXES):
        return ",.0f"
    if name.endswith("_deg"):
        return ".0f"
    if name.endswith("_m"):
        return ",.1f"
    if top >= 100:
        return ",.1f"
    return ".3f" if top >= 1 else ".3g"


def _table(
    table_id: str,
    title: str,
    frame: pd.DataFrame,
    *,
    caption: str = "",
    formats: Mapping[str, str] | None = None,
) -> Table:
    """A report table from a store frame: readable labels, number formats by column."""
    frame = frame.reset_index(drop=True)
    specs = {str(c): _auto_format(str(c), frame[c]) for c in frame.columns}
    specs.update(formats or {})
    labels = {str(c): column_label(str(c)) for c in frame.columns}
    return Table(
        table_id,
        title,
        frame.rename(columns=labels),
        caption,
        {labels.get(k, k): v for k, v in specs.items() if v},
    )


def _listing(table_id: str, title: str, frame: pd.DataFrame, what: str) -> list[Block]:
    """A table cut to :data:`MAX_LISTING_ROWS` rows, with a note when it is cut."""
    blocks: list[Block] = [_table(table_id, title, frame.head(MAX_LISTING_ROWS))]
    if len(frame) > MAX_LISTING_ROWS:
        note = (
            f"The first {MAX_LISTING_ROWS:,} of {len(frame):,} {what} are listed; the full "
            "table is in the project store."
        )
        blocks.append(Text((note,), "note"))
    return blocks


def _present(frame: pd.DataFrame, names: str) -> list[str]:
    """The columns of a space-separated list that the frame has, in that order."""
    return [c for c in names.split() if c in frame.columns]


def _slug(*parts: Any) -> str:
    raw = "-".join(str(p) for p in parts).lower()
    out = "".join(ch if ch.isalnum() else "-" for ch in raw)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def _pairs(frame: pd.DataFrame | None, *cols: str) -> list[tuple[Any, ...]]:
    """Distinct combinations of ``cols`` in first-seen order (empty if any is missing)."""
    if frame is None or any(c not in frame.columns for c in cols):
        return []
    return list(frame[list(cols)].drop_duplicates().itertuples(index=False, name=None))


def _missing_note(names: Sequence[str], what: str) -> Text:
    stages = sorted({n.split("__", 1)[0] for n in names})
    plural = "s" if len(stages) > 1 else ""
    return Text(
        (
            f"{what} is not available: the project store has no table {', '.join(names)}. "
            f"Run the {', '.join(stages)} stage{plural} (m2m run) and write the report again.",
        ),
        "warning",
    )


# ------------------------------------------------------------------------ context
@dataclass
class _Ctx:
    """What the chapter builders share: the tables, the project and the figure guard."""

    tables: Mapping[str, pd.DataFrame]
    dump: Mapping[str, Any]
    synthetic: bool
    primary: str
    figure_ids: set[str] = field(default_factory=set)

    def get(self, name: str) -> pd.DataFrame | None:
        t = self.tables.get(name)
        return t if isinstance(t, pd.DataFrame) else None

    def missing(self, *names: str) -> list[str]:
        return [n for n in names if self.get(n) is None]

    def table(self, name: str, table_id: str, title: str, **kwargs: Any) -> Block:
        """Store table ``name`` as a report table, or a note that it is missing."""
        t = self.get(name)
        return _missing_note([name], title) if t is None else _table(table_id, title, t, **kwargs)

    def domain_rank(self, domain: Any) -> int:
        codes = [d.get("code") for d in self.dump.get("domains", []) if isinstance(d, Mapping)]
        return codes.index(domain) if domain in codes else len(codes)

    def figure(self, module: str, func: str, *args: Any, fig_id: str, **kwargs: Any) -> Block:
        """Call ``report.figures.<module>.<func>``; a note instead when it cannot draw.

        The figure's id becomes ``fig_id`` (made unique); ``synthetic`` is passed when the
        function takes it.
        """
        where = f"mine2magnet.report.figures.{module}.{func}"
        try:
            fn: Callable[..., Any] = getattr(
                importlib.import_module(f"mine2magnet.report.figures.{module}"), func
            )
        except (ImportError, AttributeError) as err:
            return Text((f"Figure not available: {where} is not installed ({err}).",), "note")
        try:
            if "synthetic" in inspect.signature(fn).parameters:
                kwargs["synthetic"] = self.synthetic
        except (TypeError, ValueError):
            pass
        try:
            fig = fn(*args, **kwargs)
        except Exception as err:  # a figure must never stop the report being written
            message = f"Figure could not be drawn by {where}: {type(err).__name__}: {err}"
            return Text((message,), "warning")
        if not isinstance(fig, Figure):
            message = f"{where} returned {type(fig).__name__}, not a report Figure."
            return Text((message,), "warning")
        anchor, n = fig_id, 1
        while anchor in self.figure_ids:
            n += 1
            anchor = f"{fig_id}-{n}"
        self.figure_ids.add(anchor)
        return replace(fig, id=anchor)


# ------------------------------------------------------------------------ 1 summary
def _statement_label(c: str) -> str:
    special = {
        "class": "Class",
        "tonnes": "Tonnes (t)",
        "cutoff": "Cut-off",
        "cutoff_basis": "Cut-off basis",
        "NdPr_pct": "NdPr oxide (%)",
        "NdPr_t": "NdPr oxide (t)",
        "NdPr_TREO_pct": "NdPr/TREO (%)",
        "nsr_usd_t": "NSR (US$/t)",
    }
    return special.get(c, column_label(c))


def _statement_display(frame: pd.DataFrame, columns: Sequence[str], sig: Mapping) -> pd.DataFrame:
    """Statement rows with numbers as text at the significant figures of their class."""
    rows = []
    for _, r in frame.iterrows():
        cls = str(r.get("class", ""))
        rule = (
            sig["inferred"] if cls.lower() in ("inferred", "total") else sig["measured_indicated"]
        )
        out: dict[str, str] = {}
        for c in columns:
            v = r.get(c)
            if c in ("class", "cutoff_basis"):
                out[c] = str(v)
            elif c == "cutoff":
                out[c] = f"{float(v):g}"
            elif c == "tonnes":
                out[c] = format_significant(v, rule["tonnes"])
            elif c.endswith("_t") and not c.endswith("_usd_t"):
                out[c] = format_significant(v, rule["contained"])
            else:
                out[c] = format_significant(v, rule["grades"])
        rows.append(out)
    shown = pd.DataFrame(rows, columns=list(columns))
    return shown.rename(columns={c: _statement_label(c) for c in columns})


def _transposed(frame: pd.DataFrame, columns: Sequence[str], sig: Mapping) -> pd.DataFrame:
    """Statement columns as rows and classes as columns, each at its class's figures."""
    shown = _statement_display(frame, ["class", *columns], sig)
    out = shown.set_index("Class").T.reset_index(names="Oxide or by-product")
    out.columns = [str(c) for c in out.columns]
    return out


def _ordered_statement(frame: pd.DataFrame) -> pd.DataFrame:
    if "class" not in frame.columns:
        return frame
    rank = {c: n for n, c in enumerate(_CLASS_ORDER)}
    key = frame["class"].map(lambda c: rank.get(str(c), len(rank)))
    by = ["cutoff"] if "cutoff" in frame.columns else []
    return frame.assign(_k=key).sort_values([*by, "_k"], kind="stable").drop(columns="_k")


def _meta_rows(meta: pd.DataFrame | None) -> pd.DataFrame:
    """``resources__statement_meta`` as key, value, unit (an empty frame when absent)."""
    cols = ["key", "value", "unit"]
    if meta is None or not {"key", "value"} <= set(meta.columns):
        return pd.DataFrame(columns=cols)
    out = meta.copy()
    if "unit" not in out.columns:
        out["unit"] = ""
    out["unit"] = out["unit"].fillna("").astype(str).replace({"-": ""})
    out["value"] = out["value"].astype(str)
    return out[cols].reset_index(drop=True)


def _meta_text(meta: pd.DataFrame, key: str) -> str | None:
    """``value unit`` of one statement-meta key (no unit when the value is prose)."""
    hit = meta[meta["key"] == key]
    if hit.empty:
        return None
    value, unit = str(hit["value"].iloc[0]), str(hit["unit"].iloc[0])
    numeric = value.replace(".", "", 1).replace("-", "", 1).isdigit()
    return f"{value} {unit}" if unit and numeric else value


def _statement_blocks(ctx: _Ctx, statement: pd.DataFrame, meta: pd.DataFrame) -> list[Block]:
    """The statement at the reporting cut-off, its grades and contents, other cut-offs."""
    sig = statement_sig_figs(ctx.dump)
    st = _ordered_statement(statement)
    flag = st["reporting"].astype(bool) if "reporting" in st.columns else pd.Series(True, st.index)
    reporting = st[flag]
    main = _present(st, "class tonnes TREO_pct NdPr_pct NdPr_TREO_pct ThO2_pct TREO_t NdPr_t")
    cutoff = _meta_text(meta, "reporting_cutoff")
    if cutoff is None and {"cutoff", "cutoff_basis"} <= set(reporting.columns) and len(reporting):
        cutoff = f"{float(reporting['cutoff'].iloc[0]):g} ({reporting['cutoff_basis'].iloc[0]})"
    constraint = _meta_text(meta, "rpeee_constraint")
    limits = ("max_depth_m", "max_strip_ratio", "pit_shell")
    limit = next((t for k in limits if (t := _meta_text(meta, k))), None)
    lead = [
        "Mineral Resource statement reported in accordance with the JORC Code (2012 Edition)"
        + (f" at a cut-off of {cutoff}" if cutoff else "")
        + ", inside the constraint for reasonable prospects for eventual economic extraction "
        "(RPEEE, chapter 6).",
    ]
    for label, text in (
        ("Effective date", _meta_text(meta, "effective_date")),
        ("Cut-off rule", _meta_text(meta, "cutoff_rule")),
        ("RPEEE constraint", f"{constraint} ({limit})" if constraint and limit else constraint),
        ("Density", _meta_text(meta, "density_basis")),
        ("Grades", _meta_text(meta, "grade_basis")),
        ("NdPr", _meta_text(meta, "ndpr_definition")),
    ):
        if text:
            lead.append(f"{label}: {text}.")
    mi, inf = sig["measured_indicated"], sig["inferred"]
    rounding = (
        f"Rounded to significant figures: Measured and Indicated {mi['tonnes']} (tonnes), "
        f"{mi['grades']} (grades), {mi['contained']} (contained); Inferred and totals "
        f"{inf['tonnes']}, {inf['grades']}, {inf['contained']}. Totals are rounded from "
        "unrounded figures, so rounded rows may not add up."
    )
    blocks: list[Block] = [
        Text(tuple(lead)),
        Table(
            "tab-statement",
            "Mineral Resource statement",
            _statement_display(reporting, main, sig),
            caption=rounding,
        ),
    ]
    grades = [c for c in st.columns if c.endswith("_pct") and c not in main]
    grades += _present(st, "nsr_usd_t")
    if grades:
        title = "Oxide and by-product grades by class at the reporting cut-off"
        table = _transposed(reporting, grades, sig)
        blocks.append(Table("tab-statement-grades", title, table, caption=rounding))
    contained = [c for c in st.columns if c.endswith("_t") and not c.endswith("_usd_t")]
    contained = [c for c in contained if c not in main]
    if contained:
        title = "Contained oxide and by-products by class at the reporting cut-off"
        table = _transposed(reporting, contained, sig)
        blocks.append(Table("tab-statement-contained", title, table, caption=rounding))
    if (~flag).any():
        cols = _present(st, "cutoff class tonnes TREO_pct NdPr_pct TREO_t NdPr_t")
        title = "The statement at other cut-offs (for comparison; not the reported resource)"
        table = _statement_display(st[~flag], cols, sig)
        blocks.append(Table("tab-statement-cutoffs", title, table, caption=rounding))
    return blocks


def _key_facts(ctx: _Ctx) -> pd.DataFrame:
    rows: list[tuple[str, str]] = []
    collars = ctx.get("drillholes__collars")
    if collars is not None:
        rows.append(("Drillholes", f"{len(collars):,}"))
        if "eoh_m" in collars:
            rows.append(("Metres drilled", f"{collars['eoh_m'].sum():,.0f} m"))
    for name, label in (
        ("drillholes__assays", "Assay intervals used"),
        ("drillholes__composites", "Composites"),
    ):
        t = ctx.get(name)
        if t is not None:
            rows.append((label, f"{len(t):,}"))
    gt = ctx.get("estimation__grade_tonnage")
    if gt is not None and {"domain", "cutoff_pct", "tonnes"} <= set(gt.columns):
        everything = gt[(gt["domain"] == "ALL") & (gt["cutoff_pct"] == gt["cutoff_pct"].min())]
        if not everything.empty:
            label = "Estimated tonnes, all classes, no cut-off (not a Mineral Resource)"
            rows.append((label, f"{everything['tonnes'].iloc[0]:,.0f} t"))
    return pd.DataFrame(rows, columns=["item", "value"])


def _chapter_summary(ctx: _Ctx) -> Section:
    project = ctx.dump.get("project")
    p = project if isinstance(project, Mapping) else {}
    blocks: list[Block] = []
    if ctx.synthetic:
        warning = (
            "SYNTHETIC: every number in this report comes from generated demonstration data. "
            "It is not a Mineral Resource of any real deposit and must not be used for "
            "investment decisions."
        )
        blocks.append(Text((warning,), "synthetic"))
    intro = [f"Project: {p.get('name', 'unnamed project')}."]
    if p.get("description"):
        intro.append(str(p["description"]))
    blocks.append(Text(tuple(intro)))
    statement = ctx.get("resources__statement")
    meta = _meta_rows(ctx.get("resources__statement_meta"))
    if statement is None:
        blocks.append(_missing_note(["resources__statement"], "The Mineral Resource statement"))
    else:
        blocks.extend(_statement_blocks(ctx, statement, meta))
    if not meta.empty:
        caption = "As recorded by the resources stage (resources__statement_meta)."
        blocks.append(Table("tab-statement-basis", "Basis of the statement", meta, caption))
    facts = _key_facts(ctx)
    if not facts.empty:
        blocks.append(Table("tab-key-facts", "Key facts of the data and the estimate", facts))
    return Section("summary", "Summary and Mineral Resource statement", tuple(blocks))


# ------------------------------------------------------------------------ 2 drillholes
def _counts_blocks(ctx: _Ctx) -> list[Block]:
    blocks: list[Block] = []
    counts = ctx.get("drillholes__counts")
    if counts is None:
        blocks.append(_missing_note(["drillholes__counts"], "Row counts"))
    elif {"rows_in", "rows_used", "rows_rejected"} <= set(counts.columns):
        ok = counts["rows_in"] == counts["rows_used"] + counts["rows_rejected"]
        c = counts.assign(**{"in = used + rejected": np.where(ok, "yes", "NO")})
        text = "Nothing is lost silently: every input row is either used or listed as rejected "
        text += "with the rule it broke." if ok.all() else "— but some counts do NOT add up."
        blocks.append(Text((text,), "body" if ok.all() else "warning"))
        blocks.append(_table("tab-input-counts", "Rows in, used and rejected per input file", c))
    else:
        blocks.append(_table("tab-input-counts", "Rows per input file", counts))
    rej = ctx.get("drillholes__rejections")
    if rej is None:
        blocks.append(_missing_note(["drillholes__rejections"], "Validation findings"))
    elif rej.empty:
        blocks.append(Text(("No row or value was rejected, replaced or reported.",), "note"))
    else:
        keys = _present(rej, "file rule action")
        by_rule = rej.groupby(keys, dropna=False).size().rename("count").reset_index()
        by_rule = by_rule.sort_values(["count", *keys], ascending=[False] + [True] * len(keys))
        caption = (
            "row_rejected removes the row; value_missing, value_replaced and value_normalised "
            "change one value; reported rows are kept and listed. The rules are documented in "
            "docs/drillholes.md."
        )
        title = "Validation findings by file, rule and action"
        blocks.append(_table("tab-rejections-by-rule", title, by_rule, caption=caption))
    return blocks


def _chapter_drillholes(ctx: _Ctx) -> Section:
    collars = ctx.get("drillholes__collars")
    if collars is None:
        note = _missing_note(["drillholes__collars"], "The drillhole database")
        return Section("drillholes", "Drillhole database", (note,))
    surveys, assays = ctx.get("drillholes__surveys"), ctx.get("drillholes__assays")
    facts = [f"{len(collars):,} drillholes"]
    if "eoh_m" in collars:
        facts.append(f"{collars['eoh_m'].sum():,.0f} m drilled")
    if surveys is not None:
        facts.append(f"{len(surveys):,} downhole survey records")
    if assays is not None:
        facts.append(f"{len(assays):,} assay intervals used")
    blocks: tuple[Block, ...] = (
        Text(("The database holds " + ", ".join(facts) + ".",)),
        ctx.figure("geology", "collar_plan", collars, assays, fig_id="fig-collar-plan"),
    )
    counts = Section(
        "drillholes-counts", "Row counts and validation findings", tuple(_counts_blocks(ctx))
    )
    return Section("drillholes", "Drillhole database", blocks, (counts,))


# ------------------------------------------------------------------------ 3 QA/QC
def _qc_column(
    ctx: _Ctx, frame: pd.DataFrame, *, finite: str | None = None, **where: Any
) -> str | None:
    """The grade column to chart: the primary grade, else Nd or Pr oxide, else any.

    ``finite`` names a column that must be finite (a blank's ``dl_multiple`` is missing
    where the project declares no detection limit).
    """
    if "column" not in frame.columns:
        return None
    sub = frame
    for k, v in where.items():
        sub = sub[sub[k] == v]
    if finite is not None and finite in sub.columns:
        sub = sub[np.isfinite(pd.to_numeric(sub[finite], errors="coerce"))]
    present = set(sub["column"].unique())
    for c in (ctx.primary, "TREO_pct", "Nd2O3_pct", "Pr6O11_pct", "CeO2_pct"):
        if c in present:
            return c
    return sorted(present)[0] if present else None


def _qaqc_crm(ctx: _Ctx) -> Section:
    summary, results = (
        ctx.get("drillholes__qaqc_crm_summary"),
        ctx.get("drillholes__qaqc_crm_results"),
    )
    if summary is None or results is None:
        names = ctx.missing("drillholes__qaqc_crm_summary", "drillholes__qaqc_crm_results")
        return Section(
            "qaqc-crm", "Certified reference materials", (_missing_note(names, "CRM results"),)
        )
    keep = _present(
        summary,
        "standard_id column n expected certified_sd mean bias_pct n_outside_2sd n_outside_3sd "
        "n_two_consecutive_2sd n_bias_trend_runs status",
    )
    blocks: list[Block] = [
        _table(
            "tab-crm-summary",
            "Certified reference materials: bias and control-limit failures",
            summary[keep],
            caption="bias = (mean − expected) / expected; outside 2 SD or 3 SD of the certified "
            "standard deviation; two consecutive results beyond 2 SD on the same side.",
            formats={"expected": ".4g", "certified_sd": ".4g", "mean": ".4g", "bias_pct": ".2f"},
        )
    ]
    for (std,) in _pairs(results, "standard_id"):
        if col := _qc_column(ctx, results, standard_id=std):
            fid = f"fig-crm-{_slug(std, col)}"
            blocks.append(ctx.figure("qaqc", "crm_control_chart", results, std, col, fig_id=fid))
    return Section("qaqc-crm", "Certified reference materials", tuple(blocks))


def _qaqc_blanks(ctx: _Ctx) -> Section:
    summary, results = (
        ctx.get("drillholes__qaqc_blank_summary"),
        ctx.get("drillholes__qaqc_blank_results"),
    )
    if summary is None or results is None:
        names = ctx.missing("drillholes__qaqc_blank_summary", "drillholes__qaqc_blank_results")
        return Section("qaqc-blanks", "Blanks", (_missing_note(names, "Blank results"),))
    title = "Blanks: results against multiples of the detection limit"
    formats = {"detection_limit": ".4g", "limit_pct": ".4g"}
    blocks: list[Block] = [_table("tab-blank-summary", title, summary, formats=formats)]
    if col := _qc_column(ctx, results, finite="dl_multiple"):
        blocks.append(
            ctx.figure("qaqc", "blank_chart", results, col, fig_id=f"fig-blank-{_slug(col)}")
        )
    return Section("qaqc-blanks", "Blanks", tuple(blocks))


def _qaqc_duplicates(ctx: _Ctx) -> Section:
    summary, pairs = (
        ctx.get("drillholes__qaqc_duplicate_summary"),
        ctx.get("drillholes__qaqc_duplicate_pairs"),
    )
    if summary is None or pairs is None:
        names = ctx.missing(
            "drillholes__qaqc_duplicate_summary", "drillholes__qaqc_duplicate_pairs"
        )
        return Section(
            "qaqc-duplicates", "Duplicates", (_missing_note(names, "Duplicate results"),)
        )
    keep = _present(
        summary,
        "qc_type column n_pairs n_used hard_limit_pct pct_within_limit required_pct passes "
        "median_hard_pct correlation rma_slope",
    )
    caption = (
        "HARD = half absolute relative difference; a column passes when the share of pairs "
        "within the HARD limit reaches the required share; RMA = reduced major axis."
    )
    title = "Duplicates: precision (HARD) and bias (RMA slope)"
    blocks: list[Block] = [_table("tab-duplicate-summary", title, summary[keep], caption=caption)]
    for (qc_type,) in _pairs(pairs, "qc_type"):
        col = _qc_column(ctx, pairs, qc_type=qc_type)
        if col is None:
            continue
        slug = _slug(qc_type, col)
        blocks.append(
            ctx.figure("qaqc", "duplicate_scatter", pairs, qc_type, col, fig_id=f"fig-dup-{slug}")
        )
        extra: dict[str, float] = {}
        if {"qc_type", "column", "required_pct"} <= set(summary.columns):
            hit = summary[(summary["qc_type"] == qc_type) & (summary["column"] == col)]
            if len(hit) and np.isfinite(hit["required_pct"].iloc[0]):
                extra["required_pct"] = float(hit["required_pct"].iloc[0])
        blocks.append(
            ctx.figure("qaqc", "hard_plot", pairs, qc_type, col, fig_id=f"fig-hard-{slug}", **extra)
        )
    return Section("qaqc-duplicates", "Duplicates", tuple(blocks))


def _qaqc_failures(ctx: _Ctx) -> Section:
    fails = ctx.get("drillholes__qaqc_failures")
    blocks: list[Block]
    if fails is None:
        blocks = [_missing_note(["drillholes__qaqc_failures"], "The QA/QC failure list")]
    elif fails.empty:
        blocks = [Text(("No QA/QC sample failed a rule.",), "note")]
    else:
        by = fails.groupby(_present(fails, "qc_type rule")).size().rename("failures").reset_index()
        blocks = [_table("tab-qc-failures-by-rule", "QA/QC failures by rule", by)]
        blocks += _listing("tab-qc-failures", "QA/QC failures", fails, "failures")
    return Section("qaqc-failures", "Failures", tuple(blocks))


def _chapter_qaqc(ctx: _Ctx) -> Section:
    rates = ctx.table(
        "drillholes__qaqc_qc_counts",
        "tab-qc-rates",
        "QA/QC samples inserted per type",
        caption="rate = QA/QC samples per 100 primary samples.",
    )
    intro = (
        "Accuracy from certified reference materials (CRMs), contamination from blanks and "
        "precision from duplicates, with every failure listed."
    )
    return Section(
        "qaqc",
        "Quality assurance and quality control",
        (Text((intro,)),),
        (
            Section("qaqc-rates", "Insertion rates", (rates,)),
            _qaqc_crm(ctx),
            _qaqc_blanks(ctx),
            _qaqc_duplicates(ctx),
            _qaqc_failures(ctx),
        ),
    )


# ------------------------------------------------------------------------ 4 statistics
def _statistics_summary(ctx: _Ctx) -> Section:
    stats = ctx.get("estimation__statistics")
    if stats is None:
        note = _missing_note(["estimation__statistics"], "Composite statistics")
        return Section("statistics-summary", "Summary statistics", (note,))
    is_primary = stats["column"] == ctx.primary if "column" in stats.columns else True
    caption = "Declustered statistics weight composites by cell declustering (section 4.2)."
    title = f"Composite statistics of {ctx.primary} by domain"
    blocks: list[Block] = [_table("tab-stats-primary", title, stats[is_primary], caption=caption)]
    others = stats[~is_primary] if "column" in stats.columns else stats.iloc[:0]
    if not others.empty:
        title = "Composite statistics of the other grade columns"
        blocks.append(_table("tab-stats-all", title, others))
    return Section("statistics-summary", "Summary statistics", tuple(blocks))


def _statistics_declustering(ctx: _Ctx) -> Section:
    blocks = [
        ctx.table("estimation__declustering", "tab-declustering", "Cell declustering"),
        ctx.table(
            "estimation__top_cut_analysis", "tab-top-cut-analysis", "Top-cut analysis by percentile"
        ),
    ]
    cuts = ctx.get("estimation__top_cuts")
    if cuts is not None and cuts.empty:
        blocks.append(Text(("No top cut was applied to the composites.",), "note"))
    else:
        blocks.append(ctx.table("estimation__top_cuts", "tab-top-cuts", "Top cuts applied"))
    return Section("statistics-declustering", "Declustering and top cuts", tuple(blocks))


def _statistics_distributions(ctx: _Ctx) -> Section:
    hist, logp = ctx.get("estimation__histograms"), ctx.get("estimation__log_probability")
    blocks: list[Block] = []
    if hist is None and logp is None:
        names = ["estimation__histograms", "estimation__log_probability"]
        blocks.append(_missing_note(names, "Histograms and log-probability plots"))
    combos = _pairs(hist, "domain", "column") or _pairs(logp, "domain", "column")
    for dom, col in sorted(combos, key=lambda dc: (ctx.domain_rank(dc[0]), str(dc[0]), str(dc[1]))):
        slug = _slug(dom, col)
        if hist is not None:
            blocks.append(
                ctx.figure("stats", "histogram", hist, dom, col, fig_id=f"fig-hist-{slug}")
            )
        if logp is not None:
            blocks.append(
                ctx.figure("stats", "log_probability", logp, dom, col, fig_id=f"fig-logp-{slug}")
            )
    title = "Histograms and log-probability plots"
    return Section("statistics-distributions", title, tuple(blocks))


def _statistics_variography(ctx: _Ctx) -> Section:
    models = ctx.get("estimation__variogram_models")
    experimental = ctx.get("estimation__variogram_experimental")
    curves = ctx.get("estimation__variogram_model_curves")
    caption = (
        "GSLIB rotation (azimuth, dip, rake); practical ranges (major, semi-major, minor); sills "
        "in %²; structure 0 is the nugget."
    )
    blocks: list[Block] = [
        ctx.table(
            "estimation__variogram_models",
            "tab-variogram-models",
            "Variogram models",
            caption=caption,
        )
    ]
    if experimental is None:
        names = ["estimation__variogram_experimental"]
        blocks.append(_missing_note(names, "Experimental variograms"))
    for dom, col in _pairs(experimental, "domain", "column"):
        extra: dict[str, float] = {}
        if models is not None and {"domain", "sill_pct2"} <= set(models.columns):
            sill = float(models.loc[models["domain"] == dom, "sill_pct2"].sum())
            if sill > 0 and np.isfinite(sill):
                extra["sill_pct2"] = sill
        fid = f"fig-variogram-{_slug(dom, col)}"
        blocks.append(
            ctx.figure(
                "variography", "variogram_plot", experimental, curves, dom, col, fig_id=fid, **extra
            )
        )
    return Section("statistics-variography", "Variography", tuple(blocks))


def _chapter_statistics(ctx: _Ctx) -> Section:
    intro = f"Statistics of the composites by domain; the primary grade is {ctx.primary}."
    return Section(
        "statistics",
        "Statistics and variography",
        (Text((intro,)),),
        (
            _statistics_summary(ctx),
            _statistics_declustering(ctx),
            _statistics_distributions(ctx),
            _statistics_variography(ctx),
        ),
    )


# ------------------------------------------------------------------------ 5 estimation
def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    v, cw = values[order], np.cumsum(weights[order])
    if cw.size == 0 or cw[-1] <= 0:
        return float(np.median(values)) if values.size else float("nan")
    return float(v[np.searchsorted(cw, cw[-1] / 2.0)])


def _cut_positions(blocks: pd.DataFrame, grid: pd.Series, primary: str) -> dict[str, float]:
    """Where to cut sections and plans: the metal-weighted median block.

    Returns ``i_m`` and ``j_m`` (distance along the grid axes from the origin to a block
    centre) [m] and ``elevation_m`` (a block-centre elevation) [m].
    """
    sub = blocks
    if primary in blocks.columns:
        sub = blocks[np.isfinite(blocks[primary].to_numpy(dtype=float))]
    sub = sub if len(sub) else blocks
    w = np.ones(len(sub))
    if primary in sub.columns and "tonnes" in sub.columns:
        w = np.nan_to_num(sub["tonnes"].to_numpy(float) * sub[primary].to_numpy(float))
    centre = {a: _weighted_median(sub[a].to_numpy(float), w) + 0.5 for a in ("i", "j", "k")}
    return {
        "i_m": centre["i"] * float(grid["block_size_i_m"]),
        "j_m": centre["j"] * float(grid["block_size_j_m"]),
        "elevation_m": float(grid["origin_elevation"])
        + centre["k"] * float(grid["block_size_k_m"]),
    }


def _classified_blocks(ctx: _Ctx) -> pd.DataFrame | None:
    """Blocks with ``resource_class`` and coordinates, or None before the resources stage."""
    rb = ctx.get("resources__blocks")
    if rb is None or "resource_class" not in rb.columns:
        return None
    if {"easting", "northing", "elevation"} <= set(rb.columns):
        return rb
    eb = ctx.get("estimation__blocks")
    if eb is None:
        return None
    keys = [k for k in ("i", "j", "k", "domain") if k in rb.columns and k in eb.columns]
    extra = [c for c in rb.columns if c not in eb.columns or c in keys]
    return eb.merge(rb[extra], on=keys, how="inner")


def _search_table(ctx: _Ctx) -> pd.DataFrame:
    """The search neighbourhood of each domain from ``[geostats.domains.<code>.search]``."""
    geo = ctx.dump.get("geostats")
    domains = geo.get("domains", {}) if isinstance(geo, Mapping) else {}
    rows = []
    for code, d in domains.items():
        s = d.get("search") if isinstance(d, Mapping) else None
        if not isinstance(s, Mapping):
            continue
        passes = "; ".join(
            f"{p.get('factor', 1):g}× ranges, min {p.get('min_samples', s.get('min_samples'))}"
            for p in s.get("passes", [])
            if isinstance(p, Mapping)
        )
        rows.append(
            {
                "domain": code,
                "ranges (m)": " × ".join(f"{r:g}" for r in s.get("ranges", [])),
                "angles (°)": " / ".join(f"{a:g}" for a in s.get("angles", [])),
                "min samples": s.get("min_samples"),
                "max samples": s.get("max_samples"),
                "max per hole": s.get("max_per_hole"),
                "passes": passes,
            }
        )
    return pd.DataFrame(rows)


def _estimation_setup(ctx: _Ctx) -> Section:
    grid = ctx.get("estimation__grid")
    blocks: list[Block] = []
    if grid is None or grid.empty:
        blocks.append(_missing_note(["estimation__grid"], "The block model grid"))
    else:
        g = grid.iloc[0].drop(labels=[c for c in ("grade_columns",) if c in grid.columns])
        frame = pd.DataFrame(
            {"parameter": [column_label(str(k)) for k in g.index], "value": [str(v) for v in g]}
        )
        caption = (
            "Rotation clockwise about the vertical through the origin; i, j, k run along the "
            "rotated easting, northing and elevation axes (docs/conventions.md)."
        )
        blocks.append(Table("tab-grid", "Block model grid", frame, caption))
    search = _search_table(ctx)
    if not search.empty:
        caption = "Ellipsoid ranges major × semi-major × minor; angles GSLIB azimuth/dip/rake."
        blocks.append(Table("tab-search", "Search neighbourhood by domain", search, caption))
    for name, tid, title in (
        ("estimation__domain_coding", "tab-domain-coding", "Domain coding of the block model"),
        ("estimation__kriging_groups", "tab-kriging-groups", "Kriging groups"),
        ("estimation__checks", "tab-estimation-checks", "Estimation checks by domain"),
    ):
        blocks.append(ctx.table(name, tid, title))
    return Section("estimation-setup", "Block model and estimation parameters", tuple(blocks))


def _estimation_views(ctx: _Ctx) -> Section:
    blocks, grid, assays = (
        ctx.get("estimation__blocks"),
        ctx.get("estimation__grid"),
        ctx.get("drillholes__assays"),
    )
    title = "Sections and plan views"
    if blocks is None or grid is None or grid.empty or assays is None:
        names = ctx.missing("estimation__blocks", "estimation__grid", "drillholes__assays")
        return Section(
            "estimation-views", title, (_missing_note(names or ["estimation__grid"], title),)
        )
    g = grid.iloc[0]
    at = _cut_positions(blocks, g, ctx.primary)
    out: list[Block] = []
    colourings: list[tuple[str, pd.DataFrame, str]] = [(ctx.primary, blocks, "grade")]
    classified = _classified_blocks(ctx)
    if classified is None:
        out.append(_missing_note(["resources__blocks"], "Sections and plans coloured by class"))
    else:
        colourings.append(("resource_class", classified, "class"))
    for colour_by, frame, tag in colourings:
        for axis in ("i", "j"):
            out.append(
                ctx.figure(
                    "geology",
                    "section_view",
                    frame,
                    grid,
                    assays,
                    axis=axis,
                    at_m=at[f"{axis}_m"],
                    colour_by=colour_by,
                    fig_id=f"fig-section-{axis}-{tag}",
                )
            )
        out.append(
            ctx.figure(
                "geology",
                "plan_view",
                frame,
                grid,
                assays,
                elevation_m=at["elevation_m"],
                colour_by=colour_by,
                fig_id=f"fig-plan-{tag}",
            )
        )
    intro = (
        "Sections across (grid i) and along (grid j) the deposit and a plan, through the "
        "metal-weighted centre of the estimate, coloured by grade"
        + (" and by resource class" if classified is not None else "")
        + ", with the drill traces near each plane."
    )
    return Section("estimation-views", title, (Text((intro,)), *out))


def _estimation_validation(ctx: _Ctx) -> Section:
    caption = (
        "Differences in % of the declustered composite mean; inverse distance and nearest "
        "neighbour estimates as checks."
    )
    blocks: list[Block] = [
        ctx.table(
            "estimation__global_comparison",
            "tab-global-comparison",
            "Global comparison: kriged against declustered means",
            caption=caption,
        )
    ]
    swaths = ctx.get("estimation__swaths")
    if swaths is None:
        blocks.append(_missing_note(["estimation__swaths"], "Swath plots"))
    combos = _pairs(swaths, "domain", "column", "axis")
    combos.sort(
        key=lambda t: (ctx.domain_rank(t[0]), str(t[0]), str(t[1]), _AXIS_ORDER.get(t[2], 9))
    )
    for dom, col, axis in combos:
        fid = f"fig-swath-{_slug(dom, col, axis)}"
        blocks.append(ctx.figure("validation", "swath_plot", swaths, dom, col, axis, fig_id=fid))
    blocks.append(ctx.table("estimation__crossval", "tab-crossval", "Cross-validation statistics"))
    samples = ctx.get("estimation__crossval_samples")
    for (dom,) in _pairs(samples, "domain"):
        fid = f"fig-crossval-{_slug(dom)}"
        blocks.append(ctx.figure("validation", "crossval_scatter", samples, dom, fig_id=fid))
    return Section("estimation-validation", "Validation", tuple(blocks))


def _chapter_estimation(ctx: _Ctx) -> Section:
    intro = "The block model, how it was estimated, and the checks of the estimate."
    return Section(
        "estimation",
        "Block model and estimation",
        (Text((intro,)),),
        (_estimation_setup(ctx), _estimation_views(ctx), _estimation_validation(ctx)),
    )


# ------------------------------------------------------------------------ 6 classification
def _chapter_classification(ctx: _Ctx) -> Section:
    blocks: list[Block] = []
    if (
        ctx.get("resources__criteria") is None
        and ctx.get("resources__classification_counts") is None
    ):
        names = ["resources__criteria", "resources__classification_counts"]
        blocks.append(_missing_note(names, "The classification"))
    else:
        blocks.append(
            ctx.table(
                "resources__criteria",
                "tab-class-criteria",
                "Classification criteria",
                caption="A block takes a class when it meets that class's criteria and those of "
                "every less confident class.",
                formats={"threshold": "g"},
            )
        )
        blocks.append(
            ctx.table(
                "resources__classification_counts",
                "tab-class-counts",
                "Blocks and tonnes by class: criteria, QA/QC downgrade, smoothing",
                caption="criteria = from the criteria alone; unsmoothed = after the QA/QC "
                "downgrade; the last two columns after removing isolated blocks.",
            )
        )
    moved = ctx.get("resources__class_transitions")
    if moved is not None and not moved.empty:
        blocks.append(_table("tab-class-transitions", "Blocks moved by smoothing", moved))
    flagged = ctx.get("resources__flagged_holes")
    if flagged is not None and flagged.empty:
        blocks.append(Text(("No hole is flagged by QA/QC for downgrading.",), "note"))
    elif flagged is not None:
        title = "Holes flagged by QA/QC (blocks relying on them drop a class)"
        blocks += _listing("tab-flagged-holes", title, flagged, "holes")

    meta = _meta_rows(ctx.get("resources__statement_meta"))
    rpeee = meta[meta["key"].astype(str).str.contains(_RPEEE_KEYS)]
    intro = (
        "Reasonable prospects for eventual economic extraction (RPEEE): material counts as a "
        "Mineral Resource only above the reporting cut-off and inside the constraint below."
    )
    rp: list[Block] = [Text((intro,))]
    if rpeee.empty:
        rp.append(_missing_note(["resources__statement_meta"], "The RPEEE parameters"))
    else:
        rp.append(Table("tab-rpeee", "RPEEE constraint, cut-off and NSR inputs", rpeee))
    return Section(
        "classification",
        "Classification and RPEEE",
        tuple(blocks),
        (Section("classification-rpeee", "Reasonable prospects (RPEEE)", tuple(rp)),),
    )


# ------------------------------------------------------------------------ 7 grade-tonnage
def _by_class_for_curve(gt: pd.DataFrame) -> pd.DataFrame | None:
    """``resources__grade_tonnage`` in the shape the curve figure takes (TREO cut-offs)."""
    if not {"class", "cutoff", "tonnes"} <= set(gt.columns):
        return None
    if "cutoff_basis" in gt.columns and set(gt["cutoff_basis"].astype(str)) != {"TREO_pct"}:
        return None
    return gt.rename(columns={"class": "resource_class", "cutoff": "cutoff_pct"})


def _chapter_grade_tonnage(ctx: _Ctx) -> Section:
    by_class = ctx.get("resources__grade_tonnage")
    by_domain = ctx.get("estimation__grade_tonnage")
    title = "Grade-tonnage"
    if by_class is None and by_domain is None:
        names = ["resources__grade_tonnage", "estimation__grade_tonnage"]
        return Section("grade-tonnage", title, (_missing_note(names, title),))
    cut = _meta_text(_meta_rows(ctx.get("resources__statement_meta")), "reporting_cutoff")
    try:
        cutoff_pct = float(cut.split()[0]) if cut and "TREO" in cut else None
    except ValueError:
        cutoff_pct = None
    blocks: list[Block] = []
    if by_class is None:
        blocks.append(_missing_note(["resources__grade_tonnage"], "Grade-tonnage by class"))
    else:
        curve = _by_class_for_curve(by_class)
        if curve is not None:
            blocks.append(
                ctx.figure(
                    "gradetonnage",
                    "grade_tonnage_curve",
                    curve,
                    by="resource_class",
                    cutoff_pct=cutoff_pct,
                    fig_id="fig-grade-tonnage-class",
                )
            )
        keep = _present(
            by_class, "class cutoff cutoff_basis tonnes TREO_pct NdPr_pct ThO2_pct TREO_t NdPr_t"
        )
        blocks.append(
            _table(
                "tab-grade-tonnage-class",
                "Grade-tonnage by class inside the RPEEE constraint",
                by_class[keep],
                caption="Unrounded, to compare cut-offs; the reported Mineral Resource is the "
                "statement of chapter 1.",
                formats={"cutoff": "g"},
            )
        )
    if by_domain is not None:
        note = (
            "The estimate by domain, without classification or RPEEE constraint (not a Mineral "
            "Resource):"
        )
        blocks.append(Text((note,)))
        blocks.append(
            ctx.figure(
                "gradetonnage",
                "grade_tonnage_curve",
                by_domain,
                by="domain",
                cutoff_pct=cutoff_pct,
                fig_id="fig-grade-tonnage-domain",
            )
        )
        keep = _present(
            by_domain, "domain cutoff_pct tonnes TREO_pct Nd2O3_pct Pr6O11_pct ThO2_pct TREO_t"
        )
        title_d = "Grade-tonnage of the estimate by domain"
        blocks.append(
            _table(
                "tab-grade-tonnage-domain", title_d, by_domain[keep], formats={"cutoff_pct": "g"}
            )
        )
    return Section("grade-tonnage", title, tuple(blocks))


# ------------------------------------------------------------------------ 8 3-D view
def _chapter_view3d(ctx: _Ctx) -> Section:
    intro = (
        "Blocks coloured by grade with the drillhole traces. In the HTML report drag to "
        "rotate, scroll to zoom and click legend entries to hide them; the PDF shows a static "
        "view."
    )
    frame = _classified_blocks(ctx)
    if frame is None:
        frame = ctx.get("estimation__blocks")
    assays = ctx.get("drillholes__assays")
    if frame is None or assays is None:
        names = ctx.missing("estimation__blocks", "drillholes__assays")
        view: Block = _missing_note(names, "The 3-D view")
    else:
        view = ctx.figure(
            "view3d",
            "blocks_and_drillholes_3d",
            frame,
            assays,
            colour_by=ctx.primary,
            max_blocks=MAX_3D_BLOCKS,
            fig_id="fig-3d-view",
        )
    return Section("view-3d", "Interactive 3-D view", (Text((intro,)), view))


# ------------------------------------------------------------------------ 9 Table 1
def _section4_rows(ctx: _Ctx) -> pd.DataFrame | None:
    """Section 4 rows (criterion, commentary, source) of the reserve and economics stages."""
    parts = []
    s4 = ctx.get("reserve__table1")
    if s4 is not None:
        parts.append(s4)
    if any(name.startswith("economics__") for name in ctx.tables):
        from mine2magnet.report.chapter_economics import table1_section4_economics

        econ = table1_section4_economics(ctx.tables)
        if econ is not None and len(econ):
            parts.append(econ)
    if not parts:
        return None
    rows = pd.concat(parts, ignore_index=True)
    # one row per criterion: the reserve stage's text first, the economics text appended
    return (
        rows.groupby("criterion", sort=False)
        .agg({"commentary": " ".join, "source": "; ".join})
        .reset_index()
    )


def _table1_frame(ctx: _Ctx) -> tuple[pd.DataFrame | None, str]:
    """Table 1 from the store (sections 1-3), Section 4 from the reserve and economics
    stages; filled here from the tables that exist when the store has none."""
    t1 = ctx.get("resources__table1")
    s4 = _section4_rows(ctx)
    if t1 is not None and s4 is None:
        return t1, ""
    try:
        from mine2magnet.resources.table1 import build_table1, table1_facts

        tables = dict(ctx.tables)
        if s4 is not None:
            tables["mining__table1"] = s4
        fresh = build_table1(table1_facts(tables, ctx.dump))
        if t1 is None:
            return fresh, (
                "The resources stage has not stored Table 1 (resources__table1); it was "
                "filled here from the tables that exist."
            )
        keep = t1[t1["section"] != 4]
        return pd.concat([keep, fresh[fresh["section"] == 4]], ignore_index=True), ""
    except Exception as err:  # resources stage missing or its facts incomplete
        return None, f"JORC Table 1 could not be filled ({type(err).__name__}: {err})."


def _chapter_table1(ctx: _Ctx) -> Section:
    t1, note = _table1_frame(ctx)
    intro = (
        "JORC Code (2012) Table 1. Each criterion is answered from the data or the parameters "
        "where the software knows the answer; the others say “To be completed by the "
        "Competent Person”."
    )
    blocks: list[Block] = [Text((intro,))]
    if note:
        blocks.append(Text((note,), "warning" if t1 is None else "note"))
    if t1 is None:
        blocks.append(_missing_note(["resources__table1"], "JORC Table 1"))
        return Section("table1", "JORC Table 1", tuple(blocks))
    if "status" in t1.columns:
        counts = ", ".join(f"{n} {s}" for s, n in t1["status"].value_counts().items())
        blocks.append(Text((f"{len(t1)} criteria: {counts}.",), "note"))
    children = []
    for sec, sec_title in _pairs(t1, "section", "section_title") or [(None, "")]:
        rows = t1 if sec is None else t1[t1["section"] == sec]
        blank = pd.Series([""] * len(rows), index=rows.index)
        shown = pd.DataFrame(
            {
                "Criterion": rows.get("criterion", blank).astype(str),
                "What the Code asks": rows.get("asks", blank).astype(str),
                "Commentary": rows.get("commentary", blank).astype(str),
                "Status": rows.get("status", blank).astype(str),
            }
        )
        sid = "table1-all" if sec is None else f"table1-section-{sec}"
        title = "Table 1" if sec is None else f"Section {sec}: {sec_title}"
        sources = sorted(
            {s.strip() for v in rows.get("source", blank).dropna() for s in str(v).split(";")}
            - {""}
        )
        caption = f"Sources: {'; '.join(sources)}." if sources else ""
        children.append(Section(sid, title, (Table(f"tab-{sid}", title, shown, caption),)))
    return Section("table1", "JORC Table 1", tuple(blocks), tuple(children))


# ------------------------------------------------------------------------ assembly
def _is_synthetic(tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any]) -> bool:
    project = dump.get("project")
    if isinstance(project, Mapping) and project.get("synthetic"):
        return True
    meta = tables.get("drillholes__meta")
    if isinstance(meta, pd.DataFrame) and {"key", "value"} <= set(meta.columns):
        hit = meta.loc[meta["key"] == "synthetic", "value"]
        return bool(len(hit)) and str(hit.iloc[0]).strip().lower() == "true"
    return False


def _primary_column(tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any]) -> str:
    grid = tables.get("estimation__grid")
    if isinstance(grid, pd.DataFrame) and "primary_column" in grid.columns and len(grid):
        return str(grid["primary_column"].iloc[0])
    geo = dump.get("geostats")
    if isinstance(geo, Mapping) and geo.get("primary_column"):
        return str(geo["primary_column"])
    return "TREO_pct"


#: Later-stage chapters: (store-table prefixes, module, function); each is included when
#: the store holds a table of its stages (before JORC Table 1), so a resource-only project
#: keeps the ten chapters of :data:`CHAPTER_IDS`. Their anchors: :data:`LATER_CHAPTER_IDS`.
_LATER_CHAPTERS = (
    (("mining__", "schedule__", "reserve__"), "chapter_mining", "mining_chapter"),
    (("processing__",), "chapter_processing", "processing_chapter"),
    (("economics__",), "chapter_economics", "economics_chapter"),
    (("uncertainty__realisations",), "chapter_uncertainty", "uncertainty_chapter"),
)


LATER_CHAPTER_IDS: tuple[str, ...] = ("mining", "processing", "economics", "uncertainty")


def _later_stage_chapters(
    tables: Mapping[str, pd.DataFrame], dump: Mapping[str, Any], synthetic: bool
) -> list[Section]:
    """Mining, processing, economics and uncertainty chapters for the stages that have run."""
    import importlib

    out = []
    for prefixes, module, func in _LATER_CHAPTERS:
        if any(name.startswith(prefixes) for name in tables):
            build = getattr(importlib.import_module(f"mine2magnet.report.{module}"), func)
            out.append(build(tables, dump, synthetic=synthetic))
    return out


def build_resource_report(
    store_tables: Mapping[str, pd.DataFrame],
    project_dump: Mapping[str, Any],
    *,
    software_version: str,
    runs: pd.DataFrame,
    input_hashes: Mapping[str, str],
    generated_utc: str | None = None,
) -> Report:
    """The JORC Mineral Resource report of a project, from its store tables.

    Parameters
    ----------
    store_tables : Mapping[str, pandas.DataFrame]
        Store tables by name (``drillholes__collars``, ``estimation__blocks``,
        ``resources__statement``, …); any may be missing. Not modified.
    project_dump : Mapping
        The project file, ``Project.model_dump(mode="json")``.
    software_version : str
        Version of mine2magnet writing the report.
    runs : pandas.DataFrame
        The store's ``runs`` table (stage, run_id, params_json, input_hashes, …).
    input_hashes : Mapping[str, str]
        Current SHA-256 of each input file by project key (``data.assays`` …);
        ``"missing"`` for a file that is not there.
    generated_utc : str, optional
        Timestamp shown in the report (default: now, ISO 8601 UTC to the second).

    Returns
    -------
    Report
        Ten chapters with the anchors :data:`CHAPTER_IDS`.

    Examples
    --------
    >>> import pandas as pd
    >>> r = build_resource_report({}, {"project": {"name": "X", "synthetic": True}},
    ...                           software_version="0.1.0", runs=pd.DataFrame(),
    ...                           input_hashes={})
    >>> [s.id for s in r.sections][:3], r.synthetic
    (['summary', 'drillholes', 'qaqc'], True)
    """
    synthetic = _is_synthetic(store_tables, project_dump)
    ctx = _Ctx(store_tables, project_dump, synthetic, _primary_column(store_tables, project_dump))
    project = project_dump.get("project")
    name = str((project if isinstance(project, Mapping) else {}).get("name") or "Unnamed project")
    later = _later_stage_chapters(store_tables, project_dump, synthetic)
    sections = (
        _chapter_summary(ctx),
        _chapter_drillholes(ctx),
        _chapter_qaqc(ctx),
        _chapter_statistics(ctx),
        _chapter_estimation(ctx),
        _chapter_classification(ctx),
        _chapter_grade_tonnage(ctx),
        _chapter_view3d(ctx),
        *later,
        _chapter_table1(ctx),
        provenance_section(project_dump, runs, input_hashes, software_version=software_version),
    )
    stamp = generated_utc or datetime.now(UTC).replace(microsecond=0).isoformat()
    return Report(
        title=f"{name}: Mineral Resource report"
        if not later
        else f"{name}: Mineral Resource, Ore Reserve and project evaluation",
        subtitle="Mineral Resource estimate reported in accordance with the JORC Code (2012)",
        synthetic=synthetic,
        sections=sections,
        generated_utc=stamp.replace("+00:00", "Z"),
        software_version=software_version,
    )
