"""The report chapter on processing and the refinery.

:func:`processing_chapter` builds a :class:`~mine2magnet.report.document.Section` from the
processing stage's store tables: ``processing__units``, ``processing__stream_summary`` and
``processing__streams`` (the flowsheet and its Sankey diagram), ``processing__products``
(the product slate), ``processing__checks`` (mass balance), ``processing__refinery_*``
(the SX separation train: cascades, products, reagents, equipment, costs). A missing table
gives a note; the chapter never fails the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pandas as pd

from mine2magnet.report.document import Block, Figure, Section, Table, Text, svg_from_matplotlib

__all__ = ["CHAPTER_ID", "processing_chapter", "sankey_figure", "stages_figure"]

#: Anchor of the chapter.
CHAPTER_ID = "processing"


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    t = tables.get(f"processing__{name}")
    return t if isinstance(t, pd.DataFrame) else None


def _missing(name: str, what: str) -> Text:
    return Text(
        (
            f"{what} is not available: the project store has no table processing__{name}. "
            "Run the processing stage (m2m process or m2m run) and write the report again.",
        ),
        "note",
    )


def _mark_synthetic(fig: Any, synthetic: bool) -> None:
    if synthetic:
        fig.text(0.99, 0.99, "SYNTHETIC data", ha="right", va="top", color="#B2182B",
                 fontsize=8, fontweight="bold")  # fmt: skip


def sankey_figure(tables: Mapping[str, pd.DataFrame], *, synthetic: bool = False) -> Figure:
    """Sankey-style diagram of rare-earth oxide flows [t/y REO] through the flowsheet.

    Drawn by :func:`mine2magnet.processing.plot.plot_sankey` from the stored tables (the
    stored ``stream_summary``, ``units`` and ``streams`` are what the typed flowsheet holds).
    """
    from mine2magnet.processing.plot import plot_sankey

    fs = SimpleNamespace(
        summary=_get(tables, "stream_summary"),
        units=_get(tables, "units"),
        streams=_get(tables, "streams"),
    )
    fig = plot_sankey(fs, "TREO", title="Rare-earth oxide flows through the flowsheet [t/y REO]")
    _mark_synthetic(fig, synthetic)
    caption = (
        "Band widths are proportional to rare-earth oxide flow [t/y REO]; residue bands "
        "carrying more than 1 Bq/g are drawn as radioactive."
        + (" SYNTHETIC data." if synthetic else "")
    )
    return Figure("fig-processing-sankey", "Flowsheet (Sankey diagram)", svg_from_matplotlib(fig),
                  caption)  # fmt: skip


def stages_figure(cascades: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Stage numbers of each SX cascade of the train, stacked by section [-].

    A second panel shows each product purity reached against its target [%].
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure as MplFigure

    c = cascades.loc[~cascades["bypassed"].astype(bool)].reset_index(drop=True)
    fig = MplFigure(figsize=(7.0, 3.2))
    ax = fig.add_subplot(1, 1, 1)
    left = pd.Series(0.0, index=c.index)
    colours = {"n_extraction": "#2166AC", "n_scrub": "#67A9CF", "n_strip": "#EF8A62"}
    names = {"n_extraction": "extraction", "n_scrub": "scrub", "n_strip": "strip"}
    for col, colour in colours.items():
        ax.barh(c["cascade"], c[col], left=left, color=colour, label=names[col])
        left = left + c[col]
    for y, total in enumerate(left):
        ax.text(total + 0.5, y, f"{int(total)}", va="center", fontsize=8)
    ax.set_xlabel("mixer-settler stages [-]")
    ax.set_ylabel("cascade (cut)")
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(f"SX separation train: {int(left.sum())} stages in all", fontsize=10)
    _mark_synthetic(fig, synthetic)
    return Figure(
        "fig-processing-stages",
        "Stages of the separation train",
        svg_from_matplotlib(fig),
        "Stages per cascade by section, from the designer (Xu's formulas refined by "
        "simulation to steady state)." + (" SYNTHETIC data." if synthetic else ""),
    )


def _figure(fn: Any, *args: Any, **kwargs: Any) -> Block:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # a figure never fails the report
        return Text((f"Figure not available: {type(exc).__name__}: {exc}",), "warning")


def _products_table(products: pd.DataFrame) -> Table:
    cols = [c for c in ("product", "kind", "purity", "purity_target", "tpa", "TREO_tpa",
                        "Th232_Bq_g", "radioactive") if c in products]  # fmt: skip
    t = products[cols].copy()
    for c in ("purity", "purity_target"):
        if c in t:
            t[c] = t[c] * 100.0
    return Table(
        "tab-processing-products",
        "Product slate",
        t.rename(columns={"purity": "purity (%)", "purity_target": "target (%)",
                          "tpa": "t/y", "TREO_tpa": "REO t/y", "Th232_Bq_g": "Th-232 (Bq/g)"}),
        "Products at their simulated purity; by-products and residues with their activity.",
        {"purity (%)": ".3f", "target (%)": ".3f", "t/y": ",.0f", "REO t/y": ",.0f",
         "Th-232 (Bq/g)": ".3g"},
    )  # fmt: skip


def _refinery_blocks(tables: Mapping[str, pd.DataFrame], synthetic: bool) -> list[Block]:
    cascades = _get(tables, "refinery_cascades")
    if cascades is None:
        return [_missing("refinery_cascades", "The refinery design")]
    blocks: list[Block] = [_figure(stages_figure, cascades, synthetic=synthetic)]
    cols = ["cascade", "feed_phase", "beta_key", "n_extraction", "n_scrub", "n_strip",
            "n_total", "feed_stage", "extract_purity", "raffinate_purity", "reflux_ratio",
            "organic_m3_h", "oa_extraction", "mixer_m3", "settler_m2",
            "organic_inventory_m3"]  # fmt: skip
    t = cascades[[c for c in cols if c in cascades]].copy()
    for c in ("extract_purity", "raffinate_purity"):
        if c in t:
            t[c] = t[c] * 100.0
    blocks.append(Table(
        "tab-refinery-cascades", "Cascades of the separation train", t,
        "Stage counts, purities of both outlets [%], flows [m3/h], O/A, mixer volume [m3], "
        "settler area [m2] and organic inventory [m3] per cascade.",
        {"beta_key": ".2f", "extract_purity": ".3f", "raffinate_purity": ".3f",
         "reflux_ratio": ".2f", "organic_m3_h": ",.1f", "oa_extraction": ".2f",
         "mixer_m3": ",.1f", "settler_m2": ",.0f", "organic_inventory_m3": ",.0f"},
    ))  # fmt: skip
    reagents = _get(tables, "refinery_reagents")
    if reagents is not None and not reagents.empty:
        total = reagents.groupby("reagent", sort=True)["per_year"].sum().reset_index()
        blocks.append(Table("tab-refinery-reagents", "Refinery reagents", total,
                            "Tonnes per year by reagent, summed over the cascades.",
                            {"per_year": ",.0f"}))  # fmt: skip
    costs = _get(tables, "refinery_costs")
    if costs is not None and not costs.empty:
        cols = [c for c in ("category", "item", "value_usd", "basis", "source") if c in costs]
        blocks.append(Table(
            "tab-refinery-costs", "Refinery capital and operating cost (factored estimate)",
            costs[cols], "Factored estimate (AACE Class 4 accuracy); every factor and unit "
            "price with its basis and source (ASSUMPTION where no source is cited).",
            {"value_usd": ",.0f"},
        ))  # fmt: skip
    return blocks


def processing_chapter(
    tables: Mapping[str, pd.DataFrame], project_dump: Mapping[str, Any], *, synthetic: bool
) -> Section:
    """The processing and refinery chapter from store tables (see the module notes)."""
    units = _get(tables, "units")
    summary = _get(tables, "stream_summary")
    flowsheet: list[Block] = []
    if units is None or summary is None:
        flowsheet.append(_missing("stream_summary", "The flowsheet"))
    else:
        flowsheet.append(Text((
            "The flowsheet runs from run-of-mine ore to products as a chain of unit "
            "operations, each with a documented recovery or grade model; every element "
            "(15 lanthanides, Y, Th, U, F, Ba, Ca, Fe) is tracked through every unit and "
            "mass is conserved exactly (checks below).",
        )))  # fmt: skip
        flowsheet.append(_figure(sankey_figure, tables, synthetic=synthetic))
        cols = [c for c in ("label", "from_unit", "to_unit", "tonnes_per_year", "TREO_tpa",
                            "TREO_pct", "ThO2_pct", "total_Bq_g", "radioactive")
                if c in summary]  # fmt: skip
        flowsheet.append(Table(
            "tab-processing-streams", "Streams", summary[cols],
            "Every stream with its mass [t/y], rare-earth oxide [t/y, %], thorium [%] and "
            "specific activity [Bq/g]; streams above 1 Bq/g need a radioactive-waste route.",
            {"tonnes_per_year": ",.0f", "TREO_tpa": ",.0f", "TREO_pct": ".3g",
             "ThO2_pct": ".3g", "total_Bq_g": ".3g"},
        ))  # fmt: skip
    checks = _get(tables, "checks")
    if checks is not None and not checks.empty:
        flowsheet.append(Table("tab-processing-checks", "Mass balance and target checks",
                               checks, "Each check with its status and value."))  # fmt: skip
    products = _get(tables, "products")
    slate: list[Block] = (
        [_products_table(products)] if products is not None
        else [_missing("products", "The product slate")]
    )  # fmt: skip
    return Section(
        CHAPTER_ID,
        "Processing and refinery",
        tuple(flowsheet),
        (
            Section("processing-products", "Product slate", tuple(slate)),
            Section("processing-refinery", "Solvent-extraction refinery",
                    tuple(_refinery_blocks(tables, synthetic))),
        ),
    )  # fmt: skip
