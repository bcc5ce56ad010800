"""The ``m2m`` command line. Thin: parses arguments, calls the API, prints with rich.

Every command that prints results takes ``--json`` and then prints exactly one JSON
document on stdout (progress goes to stderr). Bad input prints one line and exits 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mine2magnet import __version__
from mine2magnet.errors import Error

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="mine2magnet: from drill core to investment decision for rare-earth projects.",
)
out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
ProjectArg = Annotated[
    Path, typer.Argument(help="Project folder or project.toml (default: current folder).")
]

SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (tcp://host:port) for chunked work; overrides "
        "\\[parallel] executor (default: the project's, else local threads).",
    ),
]

SYNTHETIC_BANNER = "SYNTHETIC DATA — demonstration deposit, not a real project"

# The --scheduler of the running command: every project this command loads uses it.
_SCHEDULER: ContextVar[str | None] = ContextVar("m2m_scheduler", default=None)


def _load_project(project_path: Path):
    """Load a project file, with the command's ``--scheduler`` as ``[parallel] executor``."""
    from pydantic import ValidationError

    from mine2magnet.config import ParallelParams, load_project
    from mine2magnet.errors import ConfigError

    project = load_project(project_path)
    scheduler = _SCHEDULER.get()
    if scheduler is None:
        return project
    try:
        settings = {**project.parallel.model_dump(), "executor": scheduler}
        par = ParallelParams.model_validate(settings)
    except ValidationError as exc:
        raise ConfigError(f"--scheduler {scheduler!r}: {exc.errors()[0]['msg']}") from None
    return project.model_copy(update={"parallel": par})


def _scheduled(scheduler: str | None, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run with ``--scheduler`` in effect for every project it loads."""

    def go() -> Any:
        token = _SCHEDULER.set(scheduler)
        try:
            return fn()
        finally:
            _SCHEDULER.reset(token)

    return go


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _guard(debug: bool, fn: Callable[[], Any]) -> Any:
    """Run ``fn``; turn user errors into one line + exit 2, bugs into one line + exit 1."""
    try:
        return fn()
    except typer.Exit:
        raise
    except Error as exc:
        if debug:
            raise
        _fail(str(exc).replace("\n", " "), 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # a bug in mine2magnet, not the user's fault
        if debug:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)", 1)


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[str], None]]:
    if not enabled:
        yield lambda _msg: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=total)

        def step(msg: str) -> None:
            bar.update(task, description=msg, advance=1)

        yield step
        bar.update(task, completed=total, description="done")


def _to_jsonable(obj: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return json.loads(obj.to_json(orient="records", date_format="iso"))
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj)}")


def _emit_json(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, default=_to_jsonable, indent=2) + "\n")


def _respond(
    debug: bool, as_json: bool, go: Callable[[], Any], show: Callable[[Any], None]
) -> None:
    """Run ``go`` under :func:`_guard`, then print its document as JSON or with ``show``."""
    doc = _guard(debug, go)
    if as_json:
        _emit_json(doc)
    else:
        show(doc)


# --------------------------------------------------------------------------------- init
@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    force: Annotated[bool, typer.Option(help="Overwrite an existing project.toml.")] = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write a commented project.toml template into DIRECTORY."""

    def go() -> dict[str, Any]:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / "project.toml"
        if target.exists() and not force:
            raise Error(f"{target}: already exists; use --force to overwrite it")
        text = (
            resources.files("mine2magnet")
            .joinpath("templates/project.toml")
            .read_text(encoding="utf-8")
        )
        target.write_text(text, encoding="utf-8")
        return {"project_file": str(target)}

    doc = _guard(debug, go)
    if as_json:
        _emit_json(doc)
    else:
        out.print(f"wrote {doc['project_file']}: edit the data sources, then `m2m validate`")


# ----------------------------------------------------------------------------- validate
def _run_drillholes(project_path: Path, *, force: bool, show_progress: bool):
    from mine2magnet.pipeline import run_drillhole_stage
    from mine2magnet.store import Store

    project = _load_project(project_path)
    with (
        _progress(show_progress, total=7) as step,
        Store(project.path(project.project.store)) as store,
    ):
        result = run_drillhole_stage(project, store, force=force, progress=step)
    return project, result


def _validation_doc(project, result) -> dict[str, Any]:
    db = result.db
    rej = db.rejections
    by_rule = (
        rej.groupby(["file", "rule", "action"], dropna=False).size().rename("n").reset_index()
        if len(rej)
        else rej
    )
    return {
        "software_version": __version__,
        "project": project.project.name,
        "synthetic": project.project.synthetic,
        "reused_stored_results": result.run.reused,
        "run_id": result.run.run_id,
        "input_hashes": result.run.input_hashes,
        "params_hash": result.run.params_hash,
        "changed_params": list(result.run.changed_params),
        "counts": db.counts,
        "rejections_by_rule": by_rule,
        "holes": len(db.collars),
        "assay_intervals": len(db.assays),
        "qaqc_samples": len(db.qaqc),
        "composites": len(result.composites.table),
        "grade_columns": list(db.grade_columns),
    }


def _print_validation(doc: dict[str, Any]) -> None:
    if doc["synthetic"]:
        out.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]")
    t = Table(title=f"Input rows — {doc['project']}")
    for c in ("table", "file", "rows_in", "rows_used", "rows_rejected"):
        t.add_column(c, justify="right" if c.startswith("rows") else "left")
    for _, r in doc["counts"].iterrows():
        t.add_row(
            str(r["table"]),
            str(r["file"]),
            f"{r['rows_in']:,}",
            f"{r['rows_used']:,}",
            f"{r['rows_rejected']:,}",
        )
    out.print(t)
    rules = doc["rejections_by_rule"]
    if len(rules):
        t2 = Table(title="Findings by rule (full list in the store: drillholes__rejections)")
        for c in ("file", "rule", "action", "n"):
            t2.add_column(c)
        for _, r in rules.iterrows():
            t2.add_row(str(r["file"]), str(r["rule"]), str(r["action"]), f"{r['n']:,}")
        out.print(t2)
    out.print(
        f"{doc['holes']:,} holes, {doc['assay_intervals']:,} assay intervals, "
        f"{doc['qaqc_samples']:,} QA/QC samples, {doc['composites']:,} composites"
        + (" (reused stored results)" if doc["reused_stored_results"] else "")
    )
    if doc["changed_params"]:
        out.print("parameters changed since the previous run: " + ", ".join(doc["changed_params"]))


@app.command()
def validate(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Load and validate the drillhole database; print counts and rejections by rule."""
    proj, result = _guard(
        debug, lambda: _run_drillholes(project, force=force, show_progress=not as_json)
    )
    doc = _validation_doc(proj, result)
    if as_json:
        _emit_json(doc)
    else:
        _print_validation(doc)


# ------------------------------------------------------------------------------ process
def _processing_doc(project, force: bool, show_progress: bool) -> dict[str, Any]:
    from mine2magnet.pipeline import run_processing_stage
    from mine2magnet.store import Store

    with (
        _progress(show_progress, total=1) as step,
        Store(project.path(project.project.store)) as store,
    ):
        res = run_processing_stage(project, store, force=force, progress=step)
    t = res.tables
    kpi = dict(zip(t["kpis"]["kpi"], t["kpis"]["value"], strict=True))
    checks = t["checks"]
    prod_cols = [c for c in ("product", "purity", "purity_target", "tpa") if c in t["products"]]
    refinery = None
    if "refinery_cascades" in t:
        costs = t["refinery_costs"]
        reag = t["refinery_reagents"]
        cascade_cols = [
            "cascade", "cut", "key_pair", "n_extraction", "n_scrub", "n_strip", "n_total",
            "oa_extraction", "oa_scrub", "reflux_ratio", "feed_m3_h", "organic_m3_h",
            "mixer_m3", "settler_m2", "organic_inventory_m3",
        ]  # fmt: skip
        refinery = {
            "products": t["refinery_products"][
                ["product", "species", "purity_target", "purity", "tpa", "recovery", "cascade"]
            ],
            "cascades": t["refinery_cascades"][cascade_cols],
            "total_stages": int(t["refinery_cascades"]["n_total"].sum()),
            "reagents": reag.groupby(["reagent", "unit"], sort=False, as_index=False)[
                ["per_year", "per_t_product"]
            ].sum(),
            "capex_usd": float(costs.loc[costs["category"] == "capex", "value_usd"].sum()),
            "opex_usd_per_year": float(costs.loc[costs["category"] == "opex", "value_usd"].sum()),
            "costs": costs[["category", "item", "value_usd", "basis", "source"]],
        }
    return {
        "synthetic": project.project.synthetic,
        "reused_stored_results": res.run.reused,
        "run_id": res.run.run_id,
        "params_hash": res.run.params_hash,
        "products": t["products"][prod_cols],
        "kpis": kpi,
        "refinery": refinery,
        "warnings": checks[checks["status"].isin(["warning", "fail"])][["check", "message"]],
        "radioactive_streams": t["stream_summary"][t["stream_summary"]["radioactive"]][
            ["stream", "tonnes_per_year", "total_Bq_g"]
        ],
    }


def _print_processing(doc: dict[str, Any]) -> None:
    t = Table(title="Product slate" + (" (SYNTHETIC)" if doc["synthetic"] else ""))
    has_target = "purity_target" in doc["products"]
    for c in ("product", "purity %", *(["target %"] if has_target else []), "t/y"):
        t.add_column(c, justify="left" if c == "product" else "right")
    for _, r in doc["products"].iterrows():
        target = []
        if has_target:
            pt = r["purity_target"]
            target = [f"{100 * pt:.3f}".rstrip("0").rstrip(".") if pt == pt else ""]
        t.add_row(str(r["product"]), f"{100 * r['purity']:.3f}", *target, f"{r['tpa']:,.0f}")
    out.print(t)
    ref = doc.get("refinery")
    if ref is not None:
        c = Table(title=f"SX refinery: {ref['total_stages']} stages (extraction+scrub+strip)")
        heads = ("cascade", "stages", "O/A", "W/W_min", "organic m3/h", "settlers m2",
                 "organic m3")  # fmt: skip
        for h in heads:
            c.add_column(h, justify="left" if h == "cascade" else "right")
        for _, r in ref["cascades"].iterrows():
            c.add_row(
                str(r["cascade"]), f"{r['n_extraction']}+{r['n_scrub']}+{r['n_strip']}",
                f"{r['oa_extraction']:.2f}", f"{r['reflux_ratio']:.2f}",
                f"{r['organic_m3_h']:,.1f}", f"{r['settler_m2']:,.0f}",
                f"{r['organic_inventory_m3']:,.0f}",
            )  # fmt: skip
        out.print(c)
        g = Table(title="SX refinery reagents and energy")
        for h in ("reagent", "per year", "per t product"):
            g.add_column(h, justify="left" if h == "reagent" else "right")
        for _, r in ref["reagents"].iterrows():
            g.add_row(
                str(r["reagent"]), f"{r['per_year']:,.0f} {r['unit']}",
                f"{r['per_t_product']:.3f} {r['unit']}",
            )  # fmt: skip
        out.print(g)
        cost = Table(title="SX refinery costs (factored estimate, AACE Class 4)")
        for h in ("", "item", "US$"):
            cost.add_column(h, justify="right" if h == "US$" else "left")
        for _, r in ref["costs"].iterrows():
            unit = "" if r["category"] == "capex" else "/y"
            cost.add_row(r["category"], str(r["item"]), f"{r['value_usd']:,.0f}{unit}")
        out.print(cost)
        out.print(
            f"refinery capex {ref['capex_usd'] / 1e6:,.1f} M US$, opex "
            f"{ref['opex_usd_per_year'] / 1e6:,.1f} M US$/y"
        )
    k = doc["kpis"]
    out.print(
        f"ore {k['ore_tpa']:,.0f} t/y at {k['feed_TREO_pct']:.2f} % TREO → "
        f"{k['products_TREO_tpa']:,.0f} t/y REO in products "
        f"(overall recovery {k['overall_treo_recovery_pct']:.1f} %); "
        f"waste above clearance {k['radioactive_waste_tpa']:,.0f} t/y"
    )
    for _, r in doc["warnings"].iterrows():
        out.print(f"[yellow]warning[/] {r['check']}: {r['message']}")


@app.command()
def process(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run the processing flowsheet (mass balance, products, thorium) for the project."""
    from mine2magnet.config import load_project

    doc = _guard(
        debug,
        lambda: _processing_doc(load_project(project), force, show_progress=not as_json),
    )
    if as_json:
        _emit_json(doc)
    else:
        _print_processing(doc)


# ----------------------------------------------------------------------------- estimate
_GT_COLUMNS = ("TREO_pct", "Pr6O11_pct", "Nd2O3_pct", "ThO2_pct")


def _estimation_doc(project, drillholes, force: bool, show_progress: bool) -> dict[str, Any]:
    from mine2magnet.pipeline import run_estimation_stage
    from mine2magnet.store import Store

    with (
        _progress(show_progress, total=2) as step,
        Store(project.path(project.project.store)) as store,
    ):
        res = run_estimation_stage(project, store, drillholes, force=force, progress=step)
    t = res.tables
    gt = t["grade_tonnage"]
    cols = ["domain", "cutoff_pct", "tonnes", *[c for c in _GT_COLUMNS if c in gt], "TREO_t"]
    gt = gt[[c for c in cols if c in gt]].copy()
    if {"Pr6O11_pct", "Nd2O3_pct"} <= set(gt.columns):
        gt.insert(4, "NdPr_oxide_pct", gt.pop("Pr6O11_pct") + gt.pop("Nd2O3_pct"))
    blocks = t["blocks"]
    return {
        "synthetic": project.project.synthetic,
        "reused_stored_results": res.run.reused,
        "run_id": res.run.run_id,
        "params_hash": res.run.params_hash,
        "changed_params": list(res.run.changed_params),
        "block_rows": len(blocks),
        "grade_tonnage": gt,
        "crossval": t["crossval"],
        "global_comparison": t["global_comparison"],
        "exports": res.exports,
    }


def _print_estimation(doc: dict[str, Any]) -> None:
    gt = doc["grade_tonnage"]
    gt = gt[gt["domain"] == "ALL"] if (gt["domain"] == "ALL").any() else gt
    tag = " (SYNTHETIC)" if doc["synthetic"] else ""
    t = Table(title=f"Grade-tonnage of the block estimate{tag} — not a JORC statement")
    heads = {
        "cutoff_pct": "cut-off TREO %",
        "tonnes": "Mt",
        "TREO_pct": "TREO %",
        "NdPr_oxide_pct": "NdPr oxide %",
        "ThO2_pct": "ThO2 %",
        "TREO_t": "TREO kt",
    }
    cols = [c for c in heads if c in gt]
    for c in cols:
        t.add_column(heads[c], justify="right")
    scale = {"tonnes": 1e-6, "TREO_t": 1e-3}
    for _, r in gt.iterrows():
        t.add_row(*[f"{r[c] * scale.get(c, 1):,.{1 if c in scale else 3}f}" for c in cols])
    out.print(t)
    cv = doc["crossval"]
    for _, r in cv.iterrows():
        out.print(
            f"cross-validation {r['domain']} {r['kind']} {r['column']}: mean error "
            f"{r['mean_error_pct']:+.3f} %, RMSE {r['rmse_pct']:.3f} %, slope {r['slope']:.3f}"
        )


@app.command()
def estimate(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Estimate the block model (variography, kriging, validation) and print grade-tonnage."""

    def go() -> dict[str, Any]:
        proj, dh = _run_drillholes(project, force=force, show_progress=not as_json)
        return _estimation_doc(proj, dh, force, show_progress=not as_json)

    _respond(debug, as_json, _scheduled(scheduler, go), _print_estimation)


# ---------------------------------------------------------------------------- resource
def _resource_doc(project, drillholes, force: bool, show_progress: bool) -> dict[str, Any]:
    from mine2magnet.pipeline import run_estimation_stage, run_resource_stage
    from mine2magnet.resources import resource_params
    from mine2magnet.store import Store

    with (
        _progress(show_progress, total=6) as step,
        Store(project.path(project.project.store)) as store,
    ):
        est = run_estimation_stage(project, store, drillholes, force=force, progress=step)
        pit = _maybe_pit(project, store, est, force, step)
        res = run_resource_stage(project, store, drillholes, est, pit, force=force, progress=step)
    t = res.tables
    statement = t["statement"]
    meta = t["statement_meta"]
    return {
        "synthetic": project.project.synthetic,
        "reused_stored_results": res.run.reused,
        "run_id": res.run.run_id,
        "params_hash": res.run.params_hash,
        "changed_params": list(res.run.changed_params),
        "statement": statement,
        "statement_meta": meta,
        "classification_counts": t["classification_counts"],
        "criteria": t["criteria"],
        "table1_status": t["table1"].groupby("status").size().rename("criteria").reset_index(),
        "rounding": resource_params(project).rounding.model_dump(),
    }


_STATEMENT_HEADS = {
    "class": "class",
    "tonnes": "Mt",
    "TREO_pct": "TREO %",
    "NdPr_pct": "NdPr oxide %",
    "ThO2_pct": "ThO2 %",
    "CaF2_pct": "CaF2 %",
    "BaSO4_pct": "BaSO4 %",
    "TREO_t": "TREO kt",
    "NdPr_t": "NdPr oxide kt",
}


def _print_resource(doc: dict[str, Any]) -> None:
    from rich.markup import escape

    from mine2magnet.resources.params import RoundingParams
    from mine2magnet.resources.statement import statement_text

    st = doc["statement"]
    rep = st[st["reporting"].astype(bool)] if "reporting" in st else st
    meta = doc["statement_meta"]
    meta = dict(zip(meta["key"], meta["value"], strict=True))
    tag = " (SYNTHETIC)" if doc["synthetic"] else ""
    cut = f"{meta['reporting_cutoff']} % TREO"
    t = Table(title=f"Mineral Resource{tag}, JORC Code 2012, cut-off {cut}")
    cols = [c for c in _STATEMENT_HEADS if c in rep]
    rounding = RoundingParams.model_validate(doc.get("rounding") or {})
    scale = {"tonnes": 1e-6, "TREO_t": 1e-3, "NdPr_t": 1e-3}
    text = statement_text(rep, rounding, cols, scale)
    for c in cols:
        if c == "class":
            t.add_column(_STATEMENT_HEADS[c], no_wrap=True)
        else:
            t.add_column(_STATEMENT_HEADS[c], justify="right")
    for row in text.itertuples(index=False):
        t.add_row(*row)
    out.print(t)
    for key in ("effective_date", "rpeee_constraint", "density_basis"):
        if key in meta:
            out.print(escape(f"{key.replace('_', ' ')}: {meta[key]}"), soft_wrap=True)
    if doc["changed_params"]:
        out.print("parameters changed since the previous run: " + ", ".join(doc["changed_params"]))


@app.command()
def resource(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Classify the block model and print the JORC Mineral Resource statement."""

    def go() -> dict[str, Any]:
        proj, dh = _run_drillholes(project, force=force, show_progress=not as_json)
        return _resource_doc(proj, dh, force, show_progress=not as_json)

    _respond(debug, as_json, _scheduled(scheduler, go), _print_resource)


# --------------------------------------------------------------------------------- mine
def _maybe_pit(project, store, est, force: bool, step):
    """The pit stage when the project has a ``[mining]`` section, else None."""
    from mine2magnet.pipeline import run_pit_stage

    if not project.mining:
        return None
    return run_pit_stage(project, store, est, force=force, progress=step)


def _mine_stages(project, drillholes, force: bool, show_progress: bool):
    """Estimation → pit → resources → schedule and Ore Reserve (stored stages reused)."""
    from mine2magnet.pipeline import (
        run_estimation_stage,
        run_pit_stage,
        run_resource_stage,
        run_schedule_stage,
    )
    from mine2magnet.store import Store

    with (
        _progress(show_progress, total=7) as step,
        Store(project.path(project.project.store)) as store,
    ):
        est = run_estimation_stage(project, store, drillholes, force=force, progress=step)
        pit = run_pit_stage(project, store, est, force=force, progress=step)
        res = run_resource_stage(project, store, drillholes, est, pit, force=force, progress=step)
        reserve = run_schedule_stage(project, store, est, pit, res, force=force, progress=step)
    return pit, reserve


def _mine_doc(project, pit, reserve) -> dict[str, Any]:
    from mine2magnet.mining import mining_params
    from mine2magnet.mining.schedule_params import reserve_params

    t = pit.tables
    r = reserve.tables
    return {
        "synthetic": project.project.synthetic,
        "reused_stored_results": pit.run.reused and reserve.run.reused,
        "run_id": reserve.run.run_id,
        "changed_params": sorted(set(pit.run.changed_params) | set(reserve.run.changed_params)),
        "pit_summary": t["pit_summary"],
        "pit_by_pit": t["pit_by_pit"],
        "phases": t["phases"],
        "slope_zones": t["slope_zones"],
        "schedule_periods": r["schedule_periods"],
        "reserve_statement": r["reserve_statement"],
        "reserve_meta": r["reserve_meta"],
        "reserve_reconciliation": r["reserve_reconciliation"],
        "reserve_params": reserve_params(mining_params(project)).model_dump(mode="json"),
    }


def _print_mine(doc: dict[str, Any]) -> None:
    from mine2magnet.mining.reserve import reserve_statement_text, statement_rounding
    from mine2magnet.mining.schedule_params import ReserveParams

    tag = " (SYNTHETIC)" if doc["synthetic"] else ""
    t = Table(title=f"Pit optimisation{tag}")
    for c in ("item", "value", "unit"):
        t.add_column(c, justify="right" if c == "value" else "left")
    for _, r in doc["pit_summary"].iterrows():
        v = r["value"]
        try:
            txt = f"{float(v):,.6g}"
        except (TypeError, ValueError):
            txt = str(v)
        t.add_row(str(r["item"]), txt, str(r["unit"]))
    out.print(t)
    pbp = doc["pit_by_pit"]
    t = Table(title=f"Pit-by-pit{tag}: nested pits by revenue factor")
    heads = {
        "pit": "pit",
        "revenue_factor": "RF",
        "tonnes": "rock Mt",
        "ore_tonnes": "ore Mt",
        "strip_ratio": "strip",
        "TREO_t": "TREO kt",
        "value_usd": "value US$M",
        "npv_best_usd": "NPV best US$M",
        "npv_worst_usd": "NPV worst US$M",
    }
    scale = {"tonnes": 1e-6, "ore_tonnes": 1e-6, "TREO_t": 1e-3}
    scale.update({k: 1e-6 for k in ("value_usd", "npv_best_usd", "npv_worst_usd")})
    cols = [c for c in heads if c in pbp]
    for c in cols:
        t.add_column(heads[c], justify="right")
    step = max(1, len(pbp) // 12)
    for _, r in pbp.iloc[::step].iterrows():
        t.add_row(*[f"{r[c] * scale.get(c, 1):,.{0 if c == 'pit' else 2}f}" for c in cols])
    out.print(t)
    ph = doc["phases"]
    for _, r in ph.iterrows():
        width = "ok" if bool(r["width_ok"]) else "narrower than the minimum"
        out.print(
            f"phase {int(r['phase'])}: RF {r['revenue_factor']:.2f}, "
            f"{r['ore_tonnes'] / 1e6:,.1f} Mt ore, strip {r['strip_ratio']:.2f}, "
            f"min width {r['min_width_m']:.0f} m ({width})"
        )

    sched = doc["schedule_periods"]
    heads = {
        "year_from": "from year",
        "mined_tonnes": "mined Mt",
        "feed_tonnes": "plant feed Mt",
        "TREO_pct": "TREO %",
        "NdPr_pct": "NdPr %",
        "cash_flow_usd": "cash US$M",
        "discounted_cash_flow_usd": "disc. cash US$M",
    }
    cols = [c for c in heads if c in sched]
    scale = {"mined_tonnes": 1e-6, "feed_tonnes": 1e-6}
    scale.update({"cash_flow_usd": 1e-6, "discounted_cash_flow_usd": 1e-6})
    t = Table(title=f"Life-of-mine schedule{tag} (phase-bench MIP)")
    for c in cols:
        t.add_column(heads[c], justify="right")
    for _, r in sched[cols].iterrows():
        t.add_row(*[f"{r[c] * scale.get(c, 1):,.{0 if c == 'year_from' else 2}f}" for c in cols])
    out.print(t)
    st = doc["reserve_statement"]
    heads = {"class": "class", "tonnes": "Mt", "TREO_pct": "TREO %", "NdPr_pct": "NdPr oxide %",
             "TREO_t": "TREO kt", "NdPr_t": "NdPr oxide kt"}  # fmt: skip
    show = [c for c in heads if c in st]
    text = reserve_statement_text(
        st, statement_rounding(ReserveParams.model_validate(doc["reserve_params"])), show,
        {"tonnes": 1e-6, "TREO_t": 1e-3, "NdPr_t": 1e-3},
    )  # fmt: skip
    t = Table(title=f"Ore Reserve{tag}, JORC Code 2012 (plant feed)")
    for c in show:
        t.add_column(heads[c], justify="left" if c == "class" else "right")
    for row in text.itertuples(index=False):
        t.add_row(*row)
    out.print(t)


@app.command()
def mine(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Optimise the pit (values, slopes, nested pits, phases), schedule it, state the Reserve."""

    def go() -> dict[str, Any]:
        proj, dh = _run_drillholes(project, force=force, show_progress=not as_json)
        return _mine_doc(proj, *_mine_stages(proj, dh, force, not as_json))

    _respond(debug, as_json, _scheduled(scheduler, go), _print_mine)


# ----------------------------------------------------------------------------------- sx
sx_app = typer.Typer(
    no_args_is_help=True, help="Solvent-extraction cascades: design and simulate standalone."
)
app.add_typer(sx_app, name="sx")
SxFile = Annotated[Path, typer.Argument(help="SX TOML file (feed, split, targets, β set).")]
PlotOpt = Annotated[
    Path | None, typer.Option("--plot", help="Write the stage-profile plot (PNG) here.")
]


def _sx_run(kind: str, file: Path, plot: Path | None) -> dict[str, Any]:
    from mine2magnet.processing.sx import spec
    from mine2magnet.processing.sx.plot import plot_cascade

    if kind == "design":
        result = spec.run_sx_design(file)
        summary = spec.design_summary(result)
    else:
        result = spec.run_sx_simulate(file)
        summary = spec.cascade_summary(result)
    target = plot or file.with_suffix(f".{kind}.png")
    png = plot_cascade(result, target)
    return {"file": str(file), "summary": summary, "plot": str(png)}


def _print_sx(title: str, doc: dict[str, Any]) -> None:
    t = Table(title=f"{title} — {doc['file']}")
    for c in ("quantity", "value", "unit"):
        t.add_column(c, justify="right" if c == "value" else "left")
    for _, r in doc["summary"].iterrows():
        v = r["value"]
        txt = f"{v:,.6g}" if isinstance(v, float) else str(v)
        t.add_row(str(r["quantity"]), txt, str(r["unit"]))
    out.print(t)
    out.print(f"stage-profile plot: {doc['plot']}")


@sx_app.command("design")
def sx_design(
    file: SxFile, plot: PlotOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False
) -> None:
    """Design a cascade: stage numbers, flows, minimum reflux, reagents per tonne."""
    doc = _guard(debug, lambda: _sx_run("design", file, plot))
    _emit_json(doc) if as_json else _print_sx("SX cascade design", doc)


@sx_app.command("simulate")
def sx_simulate(
    file: SxFile, plot: PlotOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False
) -> None:
    """Simulate a cascade to steady state: purities, recoveries, stage profiles."""
    doc = _guard(debug, lambda: _sx_run("simulate", file, plot))
    _emit_json(doc) if as_json else _print_sx("SX cascade steady state", doc)


# ---------------------------------------------------------------------------------- run
def _run_all(project_path: Path, *, force: bool, show_progress: bool) -> dict[str, Any]:
    proj, result = _run_drillholes(project_path, force=force, show_progress=show_progress)
    doc = {"drillholes": _validation_doc(proj, result)}
    reserve = None
    if proj.blockmodel:
        doc["estimation"] = _estimation_doc(proj, result, force, show_progress)
        if proj.mining:
            pit, reserve = _mine_stages(proj, result, force, show_progress)
            doc["mining"] = _mine_doc(proj, pit, reserve)
        doc["resources"] = _resource_doc(proj, result, force, show_progress)
    if proj.processing:
        doc["processing"] = _processing_doc(proj, force, show_progress)
    if proj.processing and proj.economics:
        econ = _economics_stage(proj, force, show_progress, schedule=reserve)
        doc["economics"] = _economics_doc(proj, econ)
    if proj.uncertainty and proj.blockmodel:
        doc["uncertainty"] = _uncertainty_doc(proj, _uncertainty_stage(proj, force, show_progress))
    comps = result.composites.table
    cols = [c for c in ("TREO_pct", "ThO2_pct") if c in comps]
    doc["composite_summary"] = {
        "by_domain": (
            comps.groupby("domain")[cols].agg(["count", "mean"]).round(4).reset_index()
            if cols
            else comps.groupby("domain").size().rename("n").reset_index()
        ).to_dict(orient="split"),
    }
    return doc


@app.command()
def run(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run the whole pipeline built so far on a project."""
    _respond(
        debug,
        as_json,
        _scheduled(scheduler, lambda: _run_all(project, force=force, show_progress=not as_json)),
        _print_run,
    )


def _print_run(doc: dict[str, Any]) -> None:
    _print_validation(doc["drillholes"])
    if "estimation" in doc:
        _print_estimation(doc["estimation"])
    if "mining" in doc:
        _print_mine(doc["mining"])
    if "resources" in doc:
        _print_resource(doc["resources"])
    if "processing" in doc:
        _print_processing(doc["processing"])
    if "economics" in doc:
        _print_economics(doc["economics"])
        _print_scenarios(doc["economics"])
    if "uncertainty" in doc:
        _print_simulate(doc["uncertainty"])


# ---------------------------------------------------------------------------- economics
def _print_frame(title: str, frame) -> None:  # frame: pandas.DataFrame
    from mine2magnet.economics.summary import format_frame

    t = Table(title=title)
    text = format_frame(frame)
    for i, c in enumerate(text.columns):
        t.add_column(str(c).replace("_", " "), justify="left" if i == 0 else "right")
    for row in text.itertuples(index=False):
        t.add_row(*row)
    out.print(t)


def _project_schedule(project, force: bool, show_progress: bool):
    """The schedule-and-reserve stage when the project has a mine, else None."""
    if not (project.mining and project.blockmodel):
        return None
    _, drillholes = _run_drillholes(project.source_file, force=force, show_progress=show_progress)
    return _mine_stages(project, drillholes, force, show_progress)[1]


def _economics_stage(project, force: bool, show_progress: bool, schedule: Any = None):
    """The processing stage (reused when unchanged) and the economics stage on top of it.

    ``schedule`` is the schedule-and-reserve stage; the production plan follows it.
    """
    from mine2magnet.pipeline import run_economics_stage, run_processing_stage
    from mine2magnet.store import Store

    with (
        _progress(show_progress, total=2) as step,
        Store(project.path(project.project.store)) as store,
    ):
        proc = run_processing_stage(project, store, force=force, progress=step)
        return run_economics_stage(
            project, store, proc, schedule=schedule, force=force, progress=step
        )


def _economics_doc(project, stage) -> dict[str, Any]:
    from mine2magnet.economics.summary import economics_summary, scenario_summary

    t = stage.tables
    doc: dict[str, Any] = {
        "synthetic": project.project.synthetic,
        "reused_stored_results": stage.run.reused,
        "run_id": stage.run.run_id,
        "changed_params": list(stage.run.changed_params),
        "production_plan": "mine schedule"
        if "stage.reserve" in stage.run.input_hashes
        else "steady state ([economics.production])",
    }
    doc.update(economics_summary(t))
    doc["scenarios"] = scenario_summary(t)
    doc["notes"] = t.get("notes")
    return doc


def _print_economics(doc: dict[str, Any]) -> None:
    if doc["synthetic"]:
        out.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]")
    out.print(f"production plan: {doc['production_plan']}")
    _print_frame("Value and returns", doc["metrics"])
    _print_frame("Cash flow (US$ M)", doc["cashflow"])
    _print_frame("Monte Carlo NPV at the unchanged discount rate", doc["montecarlo"])
    magnet = doc["magnet"]
    _print_frame("Mine to magnet (average production year)", magnet.drop(columns="source"))


def _print_scenarios(doc: dict[str, Any]) -> None:
    if doc["synthetic"]:
        out.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]")
    _print_frame("Partner scenarios (US$ M; NPVs at the discount rate)", doc["scenarios"])
    if len(doc["scenarios"]) <= 1:
        out.print("no [[economics.scenarios]] in the project file: base case only")


def _valued(project_path: Path, force: bool, show_progress: bool) -> dict[str, Any]:
    """The economics document of a project, on its mine schedule when it has a mine."""
    proj = _load_project(project_path)
    sched = _project_schedule(proj, force, show_progress)
    return _economics_doc(proj, _economics_stage(proj, force, show_progress, sched))


@app.command()
def economics(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Value the project: cash flows, NPV/IRR, Monte Carlo P10/P50/P90, mine to magnet."""
    go = _scheduled(scheduler, lambda: _valued(project, force, not as_json))
    _respond(debug, as_json, go, _print_economics)


@app.command()
def scenarios(
    project: ProjectArg = Path("."),
    force: Annotated[bool, typer.Option(help="Recompute even if inputs are unchanged.")] = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compare the partner scenarios (\\[\\[economics.scenarios]]): NPV, capex, value at home."""

    def go() -> dict[str, Any]:
        doc = _valued(project, force, not as_json)
        keep = ("synthetic", "reused_stored_results", "run_id", "production_plan", "scenarios")
        return {k: doc[k] for k in keep}

    _respond(debug, as_json, _scheduled(scheduler, go), _print_scenarios)


# ------------------------------------------------------------------------------ simulate
def _uncertainty_stage(
    project, force: bool, show_progress: bool, overrides: dict[str, Any] | None = None
):
    """Every upstream stage (reused when stored) and the uncertainty stage on top."""
    from mine2magnet.pipeline import (
        run_economics_stage,
        run_estimation_stage,
        run_pit_stage,
        run_processing_stage,
        run_resource_stage,
        run_schedule_stage,
        run_uncertainty_stage,
    )
    from mine2magnet.store import Store
    from mine2magnet.uncertainty.params import uncertainty_params

    n = uncertainty_params(project, overrides).realisations  # validate first
    _, dh = _run_drillholes(project.source_file, force=False, show_progress=show_progress)
    with (
        _progress(show_progress, total=9 + n) as step,
        Store(project.path(project.project.store)) as store,
    ):
        est = run_estimation_stage(project, store, dh, progress=step)
        pit = reserve = proc = econ = None
        if project.mining:
            pit = run_pit_stage(project, store, est, progress=step)
        res = run_resource_stage(project, store, dh, est, pit, progress=step)
        if pit is not None:
            reserve = run_schedule_stage(project, store, est, pit, res, progress=step)
        if project.processing:
            proc = run_processing_stage(project, store, progress=step)
            if project.economics:
                econ = run_economics_stage(project, store, proc, schedule=reserve, progress=step)
        return run_uncertainty_stage(
            project, store, est, pit, res, reserve, econ, drillholes=dh, processing=proc,
            overrides=overrides, force=force, progress=step,
        )  # fmt: skip


def _uncertainty_doc(project, stage) -> dict[str, Any]:
    import pandas as pd

    t = stage.tables
    meta = dict(zip(t["meta"]["key"], t["meta"]["value"], strict=True))
    gtp = t["gradetonnage_percentiles"]
    wide = gtp.pivot(
        index="cutoff_pct", columns="statistic", values=["tonnes", "TREO_pct", "TREO_t"]
    )
    wide.columns = [f"{v}_{st.lower()}" for v, st in wide.columns]
    stats = ("P10", "P50", "P90", "estimate")
    gt = pd.DataFrame({"cut-off %": wide.index.to_numpy()})
    for v, label, scale in (("tonnes", "Mt", 1e6), ("TREO_pct", "%", 1.0)):
        for c in stats:
            gt[f"{label} {c.replace('estimate', 'est')}"] = (
                wide[f"{v}_{c.lower()}"].to_numpy() / scale
            )
    cs = t["classification_support"].replace({"resource_class": {"": "unclassified"}})
    cross = (
        cs.pivot_table(index="resource_class", columns="support_class", values="tonnes",
                       aggfunc="sum", fill_value=0.0) / 1e6
    ).reset_index()  # fmt: skip
    return {
        "synthetic": project.project.synthetic,
        "reused_stored_results": stage.run.reused,
        "run_id": stage.run.run_id,
        "realisations": int(meta.get("realisations", 0)),
        "domains": meta.get("domains", "").split(","),
        "cutoff_pct": float(meta.get("cutoff_pct", "nan")),
        "out_dir": meta.get("run_dir", ""),
        "computed": list(stage.outcome.run.computed) if stage.outcome is not None else [],
        "reused": (
            list(stage.outcome.run.skipped)
            if stage.outcome is not None
            else [int(r) for r in t["realisations"]["realisation"]]
        ),
        "outcomes": t["outcomes"],
        "grade_tonnage": wide.reset_index(),
        "grade_tonnage_table": gt,
        "classification_support_Mt": cross,
        "period_confidence": t["period_confidence"],
        "validation_summary": t["validation_summary"],
        "meta": meta,
    }


def _simulate_doc(
    project_path: Path, realisations: int | None, domain: str | None, resume: bool,
    show_progress: bool,
) -> dict[str, Any]:  # fmt: skip
    import shutil

    proj = _load_project(project_path)
    overrides: dict[str, Any] = {}
    if realisations is not None:
        overrides["realisations"] = realisations
    if domain is not None:
        overrides["domains"] = [d.strip() for d in domain.split(",") if d.strip()]
    if not resume:
        shutil.rmtree(proj.path(proj.project.output_dir) / "uncertainty", ignore_errors=True)
    stage = _uncertainty_stage(proj, not resume, show_progress, overrides)
    return _uncertainty_doc(proj, stage)


def _print_simulate(doc: dict[str, Any]) -> None:
    if doc["synthetic"]:
        out.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]")
    n, doms = doc["realisations"], ", ".join(doc["domains"])
    o = doc["outcomes"].copy()
    for c in ("P10", "P50", "P90", "mean", "estimate"):
        o[c] = o[c] / 1e6
    o["unit"] = o["unit"].map({"US$": "US$ M", "t": "Mt"})
    _print_frame(f"Outcomes over {n} realisations ({doms}; cut-off {doc['cutoff_pct']:g} % "
                 "TREO)", o)  # fmt: skip
    _print_frame("Grade-tonnage of the simulated domains", doc["grade_tonnage_table"])
    _print_frame(
        "Classification support (Mt): geometric class x support class",
        doc["classification_support_Mt"],
    )
    _print_frame("Validation", doc["validation_summary"].drop(columns=["note"]))
    reuse = "reused from the store" if doc["reused_stored_results"] else "computed"
    out.print(f"uncertainty stage {reuse}; realisations in {doc['out_dir']}")


@app.command()
def simulate(
    project: ProjectArg = Path("."),
    realisations: Annotated[
        int | None,
        typer.Option(help="Number of realisations (default: \\[uncertainty] realisations)."),
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option(help="Domains to simulate, comma-separated (default: \\[uncertainty])."),
    ] = None,
    scheduler: SchedulerOpt = None,
    resume: Annotated[bool, typer.Option(help="Reuse finished realisations.")] = True,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate the block model by SGS: P10/P50/P90 tonnes, pit value and NPV, support."""
    go = lambda: _simulate_doc(project, realisations, domain, resume, not as_json)  # noqa: E731
    _respond(debug, as_json, _scheduled(scheduler, go), _print_simulate)


# ------------------------------------------------------------------------------- report
def _report_doc(project_path: Path, out_dir: Path | None, pdf: bool, show_progress: bool):
    """Run the pipeline (stored stages are reused) and write the HTML and PDF report."""
    from mine2magnet.report import write_report

    doc = _run_all(project_path, force=False, show_progress=show_progress)
    proj = _load_project(project_path)
    with _progress(show_progress, total=1) as step:
        step("writing the report (HTML, PDF)")
        files = write_report(proj.path(proj.project.store), proj, out_dir, pdf=pdf)
    doc["report"] = {"html": str(files.html), "pdf": str(files.pdf) if files.pdf else None}
    return doc


@app.command()
def report(
    project: ProjectArg = Path("."),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the files (default out/report).")
    ] = None,
    pdf: Annotated[bool, typer.Option(help="Also write the PDF (weasyprint).")] = True,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write the report (one offline HTML file and a PDF) from the project's results."""
    build = lambda: _report_doc(project, out_dir, pdf, show_progress=not as_json)  # noqa: E731
    doc = _guard(debug, _scheduled(scheduler, build))
    if as_json:
        _emit_json({"synthetic": doc["drillholes"]["synthetic"], "report": doc["report"]})
        return
    out.print(f"report: {doc['report']['html']}")
    if doc["report"]["pdf"]:
        out.print(f"report: {doc['report']['pdf']}")


# --------------------------------------------------------------------------------- demo
def demo_project_dir() -> Path:
    """The shipped demo project (``examples/demo``), or a freshly generated copy."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "examples" / "demo" / "project.toml"
        if cand.is_file():
            return cand.parent
    from mine2magnet.synthetic import generate_demo

    target = Path.cwd() / "m2m-demo"
    generate_demo(target)
    return target


@app.command()
def demo(
    fresh: Annotated[bool, typer.Option(help="Delete stored results first.")] = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run the whole pipeline on the shipped SYNTHETIC demo project."""

    def go() -> dict[str, Any]:
        d = demo_project_dir()
        if fresh and (d / "out").exists():
            shutil.rmtree(d / "out")
        doc = _report_doc(d, None, True, show_progress=not as_json)
        doc["demo_dir"] = str(d)
        return doc

    doc = _guard(debug, _scheduled(scheduler, go))
    if as_json:
        _emit_json(doc)
        return
    _print_run(doc)
    out.print(f"project store: {doc['demo_dir']}/out/project.duckdb")
    out.print(f"report: {doc['report']['html']}")
    out.print(f"report: {doc['report']['pdf']}")


def main() -> None:  # console-script entry point
    app()
