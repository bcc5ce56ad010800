"""Runs the stages in order and caches each by the hash of its inputs and parameters.

A stage is recomputed only when its input files, its parameters or the software version
changed; otherwise its tables are read back from the project store. Each stage's tables
and its ``runs`` row are written in one transaction (see :mod:`mine2magnet.store`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from mine2magnet.config import Project, params_hash
from mine2magnet.drillholes.types import Composites, DrillholeDB
from mine2magnet.store import RunRecord, Store, cache_key, file_sha256

__all__ = [
    "DrillholeStage",
    "EconomicsStage",
    "EstimationStage",
    "PitStage",
    "ProcessingStage",
    "ReserveStage",
    "ResourceStage",
    "StageRun",
    "drillhole_inputs",
    "run_drillhole_stage",
    "run_economics_stage",
    "run_estimation_stage",
    "run_pit_stage",
    "run_processing_stage",
    "run_resource_stage",
    "run_schedule_stage",
]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class StageRun:
    """What happened to one stage: computed or reused, with its provenance."""

    stage: str
    reused: bool
    run_id: int
    cache_key: str
    input_hashes: dict[str, str]
    params_hash: str
    changed_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrillholeStage:
    """Result of the drillhole stage: the database, its desurveyed assays, composites, QA/QC."""

    db: DrillholeDB
    assays_xyz: pd.DataFrame
    composites: Composites
    qaqc: dict[str, pd.DataFrame]
    run: StageRun
    tables: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)


def drillhole_inputs(project: Project) -> dict[str, str]:
    """SHA-256 of every configured data file, keyed ``data.<source>``."""
    out = {}
    for key, src in project.data:
        if src is not None:
            out[f"data.{key}"] = file_sha256(project.path(src.file))
    return out


def _drillhole_params(project: Project) -> dict[str, Any]:
    dump = project.model_dump(mode="json")
    return {k: dump[k] for k in ("data", "domains", "validation", "desurvey", "composite", "qaqc")}


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def changed_keys(old_json: str | None, new: dict[str, Any]) -> tuple[str, ...]:
    """Dotted keys whose values differ between a stored params JSON and ``new``."""
    if not old_json:
        return ()
    a, b = _flatten(json.loads(old_json)), _flatten(new)
    return tuple(sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k)))


def project_executor(project: Project, executor: Any = None) -> Any:
    """The executor of a stage: ``executor`` when given, else ``[parallel] executor``.

    ``"serial"``, ``"threads"``, a ``dask.distributed`` Client or a scheduler address
    (:mod:`mine2magnet.parallel`); chunked results do not depend on it.
    """
    return project.parallel.executor if executor is None else executor


def _noop(_: str) -> None:
    pass


def run_drillhole_stage(
    project: Project, store: Store, *, force: bool = False, progress: Progress = _noop
) -> DrillholeStage:
    """Load, validate, desurvey and composite the drillholes; QA/QC statistics; store all.

    Re-running with unchanged inputs and parameters reads the stored tables instead.
    """
    from mine2magnet.drillholes.composite import composite_drillholes
    from mine2magnet.drillholes.database import load_drillholes
    from mine2magnet.drillholes.desurvey import desurvey_intervals
    from mine2magnet.drillholes.qaqc import qaqc_summary

    progress("hashing inputs")
    inputs = drillhole_inputs(project)
    params = _drillhole_params(project)

    def compute() -> dict[str, pd.DataFrame]:
        progress("reading and validating")
        db = load_drillholes(project)
        progress("desurveying")
        assays_xyz = desurvey_intervals(db.collars, db.surveys, db.assays, project.desurvey.method)
        progress("compositing")
        comps = composite_drillholes(db, project.composite, project.desurvey.method)
        progress("QA/QC statistics")
        q = project.qaqc
        qc = qaqc_summary(
            db,
            q,
            _detection_limits(project),
            field_hard_limit_pct=q.field_hard_limit_pct,
            required_pct=q.required_pct,
            trend_run=q.crm_trend_run,
        )
        meta = pd.DataFrame(
            {
                "key": ["grade_columns", "composite_length_m", "residual_rule", "synthetic"],
                "value": [
                    json.dumps(list(db.grade_columns)),
                    json.dumps(comps.length_m),
                    json.dumps(comps.residual_rule),
                    json.dumps(project.project.synthetic),
                ],
            }
        )
        progress("writing the project store")
        return {
            "collars": db.collars,
            "surveys": db.surveys,
            "assays": assays_xyz,
            "lithology": db.lithology,
            "qaqc_samples": db.qaqc,
            "standards": db.standards,
            "rejections": pd.concat([db.rejections, comps.rejections], ignore_index=True),
            "counts": db.counts,
            "composites": comps.table,
            "meta": meta,
            **{f"qaqc_{k}": v for k, v in _dataclass_frames(qc).items()},
        }

    tables, run = _cached_stage(store, "drillholes", inputs, params, compute, force=force)
    if run.reused:
        progress("reused stored results")
    return _stage_from_tables(tables, run)


def _detection_limits(project: Project) -> dict[str, float]:
    """Canonical column → detection limit in canonical % (for blank checks)."""
    from mine2magnet.chemistry import canonical_column, conversion_factor

    out = {}
    for g in project.data.assays.grades.values():
        if g.detection_limit is not None:
            out[canonical_column(g.reported_as)] = g.detection_limit * conversion_factor(
                g.reported_as, g.unit
            )
    return out


def _dataclass_frames(obj: Any) -> dict[str, pd.DataFrame]:
    from dataclasses import fields

    return {
        f.name: getattr(obj, f.name)
        for f in fields(obj)
        if isinstance(getattr(obj, f.name), pd.DataFrame)
    }


def _stage_from_tables(tables: dict[str, pd.DataFrame], run: StageRun) -> DrillholeStage:
    meta = dict(zip(tables["meta"]["key"], tables["meta"]["value"], strict=True))
    grade_columns = tuple(json.loads(meta["grade_columns"]))
    rej = tables["rejections"]
    db = DrillholeDB(
        collars=tables["collars"],
        surveys=tables["surveys"],
        assays=tables["assays"],
        lithology=tables["lithology"],
        qaqc=tables["qaqc_samples"],
        standards=tables["standards"],
        rejections=rej,
        counts=tables["counts"],
        grade_columns=grade_columns,
        input_hashes=dict(run.input_hashes),
    )
    comps = Composites(
        table=tables["composites"],
        grade_columns=grade_columns,
        length_m=json.loads(meta["composite_length_m"]),
        residual_rule=json.loads(meta["residual_rule"]),
        rejections=rej[rej["rule"] == "residual_dropped"].reset_index(drop=True),
    )
    qc = {k: v for k, v in tables.items() if k.startswith("qaqc_") and k != "qaqc_samples"}
    return DrillholeStage(db, tables["assays"], comps, qc, run, tables)


# ------------------------------------------------------------------------- processing
@dataclass(frozen=True)
class ProcessingStage:
    """Result of the processing stage: the flowsheet and its stored tables."""

    tables: dict[str, pd.DataFrame]
    run: StageRun
    flowsheet: Any = None  # the typed Flowsheet when computed in this process


def _cached_stage(
    store: Store,
    stage: str,
    inputs: dict[str, str],
    params: dict[str, Any],
    compute: Callable[[], dict[str, pd.DataFrame]],
    *,
    force: bool,
) -> tuple[dict[str, pd.DataFrame], StageRun]:
    """Reuse a stored run with the same cache key, or compute and store transactionally."""
    phash = params_hash(params)
    key = cache_key(stage, inputs, phash)
    last = store.last_run(stage)
    changed = changed_keys(last["params_json"] if last else None, params)
    found = None if force else store.find_run(stage, key)
    if found is not None:
        tables = {
            t.split("__", 1)[1]: store.con.execute(f'SELECT * FROM "{t}"').df()
            for t in found["tables"]
        }
        return tables, StageRun(stage, True, found["run_id"], key, inputs, phash, changed)
    started = datetime.now(UTC).replace(tzinfo=None)
    tables = compute()
    record = RunRecord(stage, key, inputs, phash, json.dumps(params, sort_keys=True), started)
    run_id = store.write_stage(record, tables)
    return tables, StageRun(stage, False, run_id, key, inputs, phash, changed)


def run_processing_stage(
    project: Project, store: Store, *, force: bool = False, progress: Progress = _noop
) -> ProcessingStage:
    """Flowsheet mass balance of the project's processing plant; tables into the store.

    The feed comes from ``[processing.feed]`` until the mine schedule provides it. With
    ``[processing.refinery]`` the SX train is designed too and its tables are stored as
    ``refinery_cascades``, ``refinery_products``, ``refinery_reagents``,
    ``refinery_equipment`` and ``refinery_costs``.
    """
    from mine2magnet.processing.flowsheet import feed_from_params, run_flowsheet, unit_balance
    from mine2magnet.processing.params import processing_params

    params = {"processing": project.model_dump(mode="json")["processing"]}
    holder: dict[str, Any] = {}

    def compute() -> dict[str, pd.DataFrame]:
        progress("flowsheet mass balance and SX refinery design")
        pp = processing_params(project)
        fs = run_flowsheet(feed_from_params(pp), pp)
        holder["fs"] = fs
        tables = {
            "streams": fs.streams,
            "stream_summary": fs.summary,
            "units": fs.units,
            "reagents": fs.reagents,
            "checks": fs.checks,
            "kpis": fs.kpis,
            "products": fs.products.products,
            "unit_balance": unit_balance(fs),
        }
        if fs.refinery is not None:
            r = fs.refinery
            for name in ("cascades", "products", "reagents", "equipment", "costs"):
                tables[f"refinery_{name}"] = getattr(r, name)
        return tables

    tables, run = _cached_stage(store, "processing", {}, params, compute, force=force)
    return ProcessingStage(tables, run, holder.get("fs"))


# ------------------------------------------------------------------------- estimation
@dataclass(frozen=True)
class EstimationStage:
    """Result of the estimation stage: every table of the estimate, and exported files."""

    tables: dict[str, pd.DataFrame]
    run: StageRun
    exports: dict[str, str]
    outcome: Any = None  # the typed EstimationOutcome when computed in this process


def run_estimation_stage(
    project: Project,
    store: Store,
    drillholes: DrillholeStage,
    *,
    force: bool = False,
    executor: Any = None,
    progress: Progress = _noop,
) -> EstimationStage:
    """Statistics, variography, block model estimate, validation and grade-tonnage.

    Cached on the drillhole stage's cache key (its inputs and parameters), the topography
    file and the ``[geostats]``, ``[blockmodel]`` and ``[[domains]]`` sections.
    """
    from mine2magnet.blockmodel import (
        blockmodel_params,
        export_block_model,
        load_topography,
        run_estimation,
    )
    from mine2magnet.geostats.params import geostats_params

    dump = project.model_dump(mode="json")
    params = {k: dump[k] for k in ("geostats", "blockmodel", "domains")}
    params["seed"] = project.project.seed
    bm_params = blockmodel_params(project)
    inputs = {"stage.drillholes": drillholes.run.cache_key}
    topo = getattr(bm_params, "topography", None)
    if topo is not None:
        inputs["blockmodel.topography"] = file_sha256(project.path(topo.file))
    holder: dict[str, Any] = {}

    def compute() -> dict[str, pd.DataFrame]:
        progress("estimating the block model")
        outcome = run_estimation(
            drillholes.composites,
            project.domains,
            geostats_params(project),
            bm_params,
            seed=project.project.seed,
            topography=load_topography(project),
            executor=project_executor(project, executor),
        )
        holder["outcome"] = outcome
        return outcome.tables()

    tables, run = _cached_stage(store, "estimation", inputs, params, compute, force=force)
    out_dir = project.path(project.project.output_dir) / "blockmodel"
    exports: dict[str, str] = {}
    if "outcome" in holder:
        progress("exporting the block model")
        files = export_block_model(holder["outcome"].block_model, out_dir, bm_params.export.formats)
        exports = {k: str(v) for k, v in files.items()}
    return EstimationStage(tables, run, exports, holder.get("outcome"))


# -------------------------------------------------------------------------- resources
@dataclass(frozen=True)
class ResourceStage:
    """Result of the resources stage: classification, statement, JORC Table 1 (tables)."""

    tables: dict[str, pd.DataFrame]
    run: StageRun
    model: Any = None  # the typed ResourceModel when computed in this process


def run_resource_stage(
    project: Project,
    store: Store,
    drillholes: DrillholeStage,
    estimation: EstimationStage,
    pit: PitStage | None = None,
    *,
    force: bool = False,
    executor: Any = None,
    progress: Progress = _noop,
) -> ResourceStage:
    """Classify the block model, apply RPEEE and state the Mineral Resource; JORC Table 1.

    Cached on the estimation stage's cache key (which covers the drillholes and the
    topography) and the ``[resources]`` section. Table 1 is written from every stored
    table of the earlier stages plus this stage's tables. With
    ``[resources.rpeee] constraint = "pit"`` the RPEEE shell of the pit stage (the pit at
    the uplifted prices) is the constraint; ``pit`` is then required.
    """
    from mine2magnet.blockmodel import load_topography
    from mine2magnet.resources import resource_params, run_resources
    from mine2magnet.resources.table1 import build_table1, table1_facts

    dump = project.model_dump(mode="json")
    params = {"resources": dump["resources"]}
    inputs = {
        "stage.drillholes": drillholes.run.cache_key,
        "stage.estimation": estimation.run.cache_key,
    }
    rp = resource_params(project)
    pit_mask = None
    if rp.rpeee.constraint == "pit":
        if pit is None:
            from mine2magnet.errors import ConfigError

            raise ConfigError(
                f"{project.source_file}: key 'resources.rpeee.constraint' is \"pit\" but no "
                'pit was optimised; add a [mining] section or use "depth"'
            )
        inputs["stage.mining"] = pit.run.cache_key
        pb = pit.tables["pit_blocks"]
        pit_mask = pb.loc[pb["in_block_model"].astype(bool), ["i", "j", "k"]].assign(
            in_pit=pb.loc[pb["in_block_model"].astype(bool), "in_rpeee_shell"].astype(bool)
        )
    holder: dict[str, Any] = {}

    def compute() -> dict[str, pd.DataFrame]:
        progress("classifying the Mineral Resource")
        model = run_resources(
            estimation.tables["blocks"],
            estimation.tables["grid"],
            drillholes.composites.table,
            drillholes.tables["qaqc_failures"],
            drillholes.tables["qaqc_samples"],
            load_topography(project),
            rp,
            pit_mask=pit_mask,
            executor=project_executor(project, executor),
        )
        holder["model"] = model
        tables = model.tables()
        progress("writing JORC Table 1")
        everything = {f"drillholes__{k}": v for k, v in drillholes.tables.items()}
        everything.update({f"estimation__{k}": v for k, v in estimation.tables.items()})
        everything.update({f"resources__{k}": v for k, v in tables.items()})
        tables["table1"] = build_table1(table1_facts(everything, dump))
        return tables

    tables, run = _cached_stage(store, "resources", inputs, params, compute, force=force)
    return ResourceStage(tables, run, holder.get("model"))


# ------------------------------------------------------------------------------ mining
@dataclass(frozen=True)
class PitStage:
    """Result of pit optimisation: block values, RPEEE shell, ultimate pit, nested pits,
    phases (tables ``mining__pit_*``, ``mining__phases`` …)."""

    tables: dict[str, pd.DataFrame]
    run: StageRun
    outcome: Any = None  # the typed PitOptimisation when computed in this process


def _mining_params_for_pit(project: Project) -> dict[str, Any]:
    """The ``[mining]`` keys that shape the pit (schedule and reserve keys excluded)."""
    mining = dict(project.model_dump(mode="json")["mining"])
    return {k: v for k, v in mining.items() if k not in ("schedule", "reserve")}


def run_pit_stage(
    project: Project,
    store: Store,
    estimation: EstimationStage,
    *,
    force: bool = False,
    progress: Progress = _noop,
) -> PitStage:
    """Block values, slope precedence, RPEEE shell, ultimate and nested pits, phases.

    Cached on the estimation stage's cache key (block model and topography) and the
    pit-shaping keys of ``[mining]``.
    """
    from mine2magnet.blockmodel import BlockModel, load_topography
    from mine2magnet.mining import mining_params, optimise_pit

    params = {"mining": _mining_params_for_pit(project)}
    inputs = {"stage.estimation": estimation.run.cache_key}
    holder: dict[str, Any] = {}

    def compute() -> dict[str, pd.DataFrame]:
        progress("optimising the pit")
        outcome = estimation.outcome
        bm = (
            outcome.block_model
            if outcome is not None
            else BlockModel.from_frames(estimation.tables["grid"], estimation.tables["blocks"])
        )
        pit = optimise_pit(bm, mining_params(project), topography=load_topography(project))
        holder["outcome"] = pit
        return pit.tables()

    tables, run = _cached_stage(store, "mining", inputs, params, compute, force=force)
    return PitStage(tables, run, holder.get("outcome"))


# --------------------------------------------------------------------------- economics
@dataclass(frozen=True)
class EconomicsStage:
    """Result of the economics stage: cash flows, metrics, risk, scenarios (tables)."""

    tables: dict[str, pd.DataFrame]
    run: StageRun
    result: Any = None  # the typed EconomicsResult when computed in this process


def run_economics_stage(
    project: Project,
    store: Store,
    processing: ProcessingStage,
    *,
    schedule: Any = None,
    force: bool = False,
    executor: Any = None,
    progress: Progress = _noop,
) -> EconomicsStage:
    """Value the project: cash flows, NPV/IRR, sensitivity, Monte Carlo, scenarios, magnets.

    Products come from the processing stage (its typed flowsheet, or its stored tables
    when it was reused); with ``schedule`` (a stage result whose tables hold
    ``schedule_periods``) the mine schedule replaces the steady-state production plan.
    Cached on the processing (and schedule) cache keys and the ``[economics]`` section.
    """
    from mine2magnet.economics import economics_and_scenarios, run_economics

    params_dump = {"economics": project.model_dump(mode="json")["economics"]}
    params_dump["seed"] = project.project.seed
    inputs = {"stage.processing": processing.run.cache_key}
    periods = None
    if schedule is not None:
        inputs[f"stage.{schedule.run.stage}"] = schedule.run.cache_key
        periods = schedule.tables.get("schedule_periods")
    holder: dict[str, Any] = {}

    def compute() -> dict[str, pd.DataFrame]:
        progress("valuing the project (DCF, Monte Carlo, scenarios)")
        params, scenarios = economics_and_scenarios(project)
        products = processing.flowsheet if processing.flowsheet is not None else processing.tables
        result = run_economics(
            products,
            None,
            params,
            scenarios=scenarios,
            schedule_periods=periods,
            seed=project.project.seed,
            executor=project_executor(project, executor),
        )
        holder["result"] = result
        return result.tables()

    tables, run = _cached_stage(store, "economics", inputs, params_dump, compute, force=force)
    return EconomicsStage(tables, run, holder.get("result"))


# ----------------------------------------------------------------------------- reserve
@dataclass(frozen=True)
class ReserveStage:
    """Result of the schedule and Ore Reserve stage (tables ``reserve__*``)."""

    tables: dict[str, pd.DataFrame]
    run: StageRun
    outcome: Any = None  # the typed ScheduleReserve when computed in this process


def run_schedule_stage(
    project: Project,
    store: Store,
    estimation: EstimationStage,
    pit: PitStage,
    resources: ResourceStage,
    *,
    force: bool = False,
    progress: Progress = _noop,
) -> ReserveStage:
    """Life-of-mine schedule of the phase pit and the JORC Ore Reserve (``reserve__*``).

    Cached on the estimation, pit and resources stages' cache keys and the whole
    ``[mining]`` section (prices and costs value the blocks; schedule and reserve keys).
    """
    from mine2magnet.mining import mining_params
    from mine2magnet.mining.stage import STAGE, schedule_and_reserve

    params = {"mining": project.model_dump(mode="json")["mining"]}
    inputs = {
        "stage.estimation": estimation.run.cache_key,
        "stage.mining": pit.run.cache_key,
        "stage.resources": resources.run.cache_key,
    }
    holder: dict[str, Any] = {}

    def compute() -> dict[str, pd.DataFrame]:
        progress("scheduling the pit and stating the Ore Reserve")
        out = schedule_and_reserve(
            pit.tables,
            resources.tables,
            mining_params(project),
            estimation_blocks=estimation.tables.get("blocks"),
        )
        holder["outcome"] = out
        return out.tables()

    tables, run = _cached_stage(store, STAGE, inputs, params, compute, force=force)
    return ReserveStage(tables, run, holder.get("outcome"))


# ------------------------------------------------------------------------- uncertainty
__all__ += ["UncertaintyStage", "run_uncertainty_stage"]


@dataclass(frozen=True)
class UncertaintyStage:
    """Result of the uncertainty stage: realisation outcomes, probability model, checks
    (tables ``uncertainty__*``, see :data:`mine2magnet.uncertainty.stage.TABLE_NAMES`)."""

    tables: dict[str, pd.DataFrame]
    run: StageRun
    outcome: Any = None  # the typed UncertaintyOutcome when computed in this process


def _summary_value(table: pd.DataFrame | None, item: str) -> float:
    if table is None or "item" not in table.columns:
        return float("nan")
    hit = table.loc[table["item"] == item, "value"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


def _base_npv(economics: EconomicsStage | None) -> float:
    if economics is None or "metrics" not in economics.tables:
        return float("nan")
    m = economics.tables["metrics"]
    hit = m.loc[(m["kind"] == "npv") & (m["series"] == "after_tax"), "value"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


def run_uncertainty_stage(
    project: Project,
    store: Store,
    estimation: EstimationStage,
    pit: PitStage | None,
    resources: ResourceStage | None,
    reserve: ReserveStage | None,
    economics: EconomicsStage | None,
    *,
    drillholes: DrillholeStage | None = None,
    processing: ProcessingStage | None = None,
    overrides: dict[str, Any] | None = None,
    executor: Any = None,
    force: bool = False,
    progress: Progress = _noop,
) -> UncertaintyStage:
    """Conditional simulation of the block model and its outcomes (``uncertainty__*``).

    Realisations of every ``[uncertainty] domains`` by SGS; per realisation the
    grade-tonnage, the ultimate pit (with ``[mining]``) and the NPV of the base plan (with
    the reserve schedule and ``[economics]``); then percentiles, the probability-above-
    cut-off block model, period confidence, classification support and validation
    (:func:`mine2magnet.uncertainty.stage.run_uncertainty`). Realisations are Parquet files
    under ``<output_dir>/uncertainty`` and resume after an interruption.

    Cached on the cache keys of the estimation, mining, resources, reserve and economics
    stages, the ``[uncertainty]`` section (with ``overrides``, e.g. the CLI's
    ``--realisations``) and the project seed; the executor does not change the tables.
    """
    from mine2magnet.blockmodel import load_topography
    from mine2magnet.uncertainty.params import uncertainty_params
    from mine2magnet.uncertainty.stage import BasePlan, run_uncertainty

    src = str(project.source_file) if project.source_file else ""
    up = uncertainty_params(project, overrides)
    params = {"uncertainty": up.model_dump(mode="json"), "seed": project.project.seed}
    inputs = {"stage.estimation": estimation.run.cache_key}
    for s in (pit, resources, reserve, economics):
        if s is not None:
            inputs[f"stage.{s.run.stage}"] = s.run.cache_key
    holder: dict[str, Any] = {}

    def compute() -> dict[str, pd.DataFrame]:
        progress("preparing the simulation")
        comps = (
            drillholes.composites.table
            if drillholes is not None
            else store.read("drillholes", "composites")
        )
        blocks = estimation.tables["blocks"]
        mining = None
        if pit is not None and project.mining:
            from mine2magnet.mining import mining_params

            mining = mining_params(project)
        plan = None
        if up.npv and reserve is not None and economics is not None and mining is not None:
            from mine2magnet.economics import economics_and_scenarios

            econ, _ = economics_and_scenarios(project)
            if processing is not None:
                products = (
                    processing.flowsheet if processing.flowsheet is not None else processing.tables
                )
            else:
                products = {
                    t.split("__", 1)[1]: store.con.execute(f'SELECT * FROM "{t}"').df()
                    for t in store.tables()
                    if t.startswith("processing__")
                }
            plan = BasePlan.build(
                blocks,
                resources.tables["blocks"] if resources is not None else None,
                reserve.tables,
                mining,
                products,
                econ,
            )
        decl = estimation.tables.get("declustering")
        cell = 50.0
        if decl is not None and "cell_size_m" in decl.columns and len(decl):
            chosen = decl[decl["chosen"].astype(bool)] if "chosen" in decl.columns else decl
            if len(chosen):
                cell = float(chosen["cell_size_m"].median())
        from mine2magnet.resources import resource_params

        cutoff = float(resource_params(project).reporting_cutoff.value)
        estimate = {
            "pit_value_usd": _summary_value(
                pit.tables.get("pit_summary") if pit else None, "ultimate pit value"
            ),
            "pit_ore_tonnes": _summary_value(
                pit.tables.get("pit_summary") if pit else None, "ultimate pit ore"
            ),
            "npv_usd": _base_npv(economics),
        }
        n = up.realisations

        def step(done: int, total: int) -> None:
            if done:
                progress(f"realisation {done}/{total}")

        par = project.parallel
        outcome = run_uncertainty(
            blocks,
            estimation.tables["grid"],
            comps,
            estimation.tables["variogram_models"],
            up,
            seed=project.project.seed,
            out_dir=project.path(project.project.output_dir) / "uncertainty",
            resource_blocks=resources.tables.get("blocks") if resources is not None else None,
            mining=mining if up.pit else None,
            topography=load_topography(project) if mining is not None else None,
            plan=plan,
            estimate=estimate,
            resource_cutoff_pct=cutoff,
            declustering_cell_m=cell,
            key=json.dumps(inputs, sort_keys=True),
            executor=project_executor(project, executor),
            workers=par.workers,
            memory_limit_mb=par.memory_limit_mb,
            progress=step if n > 0 else None,
            synthetic=bool(project.project.synthetic),
            source=src,
        )
        holder["outcome"] = outcome
        progress("summarising the realisations")
        return outcome.tables()

    tables, run = _cached_stage(store, "uncertainty", inputs, params, compute, force=force)
    return UncertaintyStage(tables, run, holder.get("outcome"))
