"""The standalone SX file (``m2m sx design FILE`` / ``m2m sx simulate FILE``).

A small TOML with the feed, the separation factors, the split and the targets, and for
simulation the cascade. Example (``examples/sx/ndpr.toml``)::

    title = "Pr/Nd split in P507/HCl"

    [feed]
    composition = { Pr = 0.25, Nd = 0.75 }   # mole fractions (or basis = "oxide_pct")
    rate_t_reo_per_year = 2000.0

    [separation_factors]
    beta = { Pr = 1.0, Nd = 1.5 }            # or system = "P507_HCl", file = "my.toml"

    [split]
    extract = ["Nd"]                         # or cut = "Pr|Nd"

    [targets]
    extract_purity = 0.999
    raffinate_purity = 0.99

    [cascade]                                # simulate only
    n_extraction = 17
    n_scrub = 29

Unknown keys are errors; every error names the file, the key and the fix.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mine2magnet.chemistry import ATOMIC_WEIGHT, element_of
from mine2magnet.errors import ConfigError
from mine2magnet.processing.sx.cascade import CascadeResult, countercurrent, simulate
from mine2magnet.processing.sx.design import (
    DesignResult,
    PlantBasis,
    design_cascade,
    oxide_mass_per_mol,
    resolve_targets,
    xu_estimate,
)
from mine2magnet.processing.sx.equilibrium import load_separation_factors

__all__ = [
    "SxSpec",
    "cascade_summary",
    "design_summary",
    "load_sx_spec",
    "run_sx_design",
    "run_sx_simulate",
]

Pos = Annotated[float, Field(gt=0)]
Frac = Annotated[float, Field(gt=0, lt=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSpec(_Strict):
    """Feed: composition, rate and phase."""

    composition: dict[str, Annotated[float, Field(ge=0)]] = Field(
        description="Element (or oxide species) → amount, in the unit of 'basis'."
    )
    basis: Literal["molfrac", "oxide_pct"] = Field(
        default="molfrac",
        description="'molfrac': mole fractions (any scale); 'oxide_pct': canonical oxide "
        "mass % of TREO (any scale).",
    )
    rate_mol_h: Pos | None = Field(default=None, description="Rare earths fed [mol/h].")
    rate_t_reo_per_year: Pos | None = Field(
        default=None, description="Rare-earth oxides fed [t/yr]."
    )
    operating_hours_per_year: Pos = Field(default=8000.0, description="[h/yr]")
    phase: Literal["aqueous", "organic"] = "aqueous"

    @model_validator(mode="after")
    def _one_rate(self) -> FeedSpec:
        if self.rate_mol_h is not None and self.rate_t_reo_per_year is not None:
            raise ValueError("give rate_mol_h or rate_t_reo_per_year, not both")
        if sum(self.composition.values()) <= 0:
            raise ValueError("the composition needs a positive total")
        return self


class BetaSpec(_Strict):
    """Separation factors: a system of the cited table, a user file, or inline values."""

    system: str = "P507_HCl"
    file: Path | None = Field(default=None, description="A file in the packaged format.")
    beta: dict[str, Pos] | None = Field(
        default=None,
        description="Extractability of each element relative to any reference [-]; "
        "overrides system/file.",
    )


class SplitSpec(_Strict):
    """Which elements go to the extract (loaded organic)."""

    extract: list[str] | None = None
    cut: str | None = Field(default=None, description="'B|A': last raffinate, first extract.")

    @model_validator(mode="after")
    def _one(self) -> SplitSpec:
        if (self.extract is None) == (self.cut is None):
            raise ValueError("give exactly one of 'extract' (list) or 'cut' ('Pr|Nd')")
        if self.cut is not None and len(self.cut.split("|")) != 2:
            raise ValueError(f"cut must look like 'Pr|Nd', got {self.cut!r}")
        return self


class TargetSpec(_Strict):
    """Two of the four targets (mole fractions)."""

    extract_purity: Frac | None = None
    raffinate_purity: Frac | None = None
    extract_recovery: Frac | None = None
    raffinate_recovery: Frac | None = None


class PlantSpec(_Strict):
    """Concentrations and base (see :class:`~.design.PlantBasis`)."""

    feed_mol_l: Pos = 1.0
    organic_loading_mol_l: Pos = 0.18
    scrub_acid_mol_l: Pos = 4.0
    strip_acid_mol_l: Pos = 5.0
    base: Literal["NaOH", "NH3"] = "NaOH"


class DesignSpec(_Strict):
    """Designer options."""

    scrub_factor: Pos = Field(default=1.0, description="Multiple of Xu's optimum reflux.")
    efficiency: Annotated[float, Field(gt=0, le=1)] = 1.0
    tradeoff_factors: list[Annotated[float, Field(gt=1)]] | None = [1.1, 1.25, 1.5, 2.0, 3.0]
    max_stages: Annotated[int, Field(ge=1, le=2000)] = 200


class CascadeSpec(_Strict):
    """A given cascade to simulate; flows per mol of feed default to Xu's optimum."""

    n_extraction: Annotated[int, Field(ge=1)]
    n_scrub: Annotated[int, Field(ge=0)] = 0
    n_strip: Annotated[int, Field(ge=0)] = 0
    feed_stage: Annotated[int, Field(ge=1)] | None = None
    model: Literal["fixed_loading", "loading_limited", "linear"] = "fixed_loading"
    organic_per_feed: Pos | None = Field(
        default=None, description="S / F: organic loading per mol feed [-]."
    )
    scrub_per_feed: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="W / F: acid-scrub reflux per mol feed [-]."
    )
    oa_ratio: Pos | None = Field(default=None, description="model 'linear': O/A ratio.")
    affinity_h_mol: Pos | list[Pos] | None = None
    strip_ratio: Pos = 0.02
    efficiency: Annotated[float, Field(gt=0, le=1)] = 1.0


class SxSpec(_Strict):
    """The whole SX file."""

    title: str = ""
    feed: FeedSpec
    separation_factors: BetaSpec = BetaSpec()
    split: SplitSpec
    targets: TargetSpec = TargetSpec()
    plant: PlantSpec = PlantSpec()
    design: DesignSpec = DesignSpec()
    cascade: CascadeSpec | None = None

    root: Path = Field(default=Path("."), exclude=True)
    source_file: Path | None = Field(default=None, exclude=True)


def _explain(file: Path, err: ValidationError) -> str:
    e = err.errors()[0]
    parts = []
    for p in e["loc"]:
        parts.append(f"[{p}]" if isinstance(p, int) else (f".{p}" if parts else str(p)))
    key = "".join(parts) or "(top level)"
    fix = {
        "extra_forbidden": "remove it or check its spelling",
        "missing": "add it",
        "literal_error": "use one of the allowed values",
    }.get(e["type"], "correct its value")
    got = e.get("input")
    got_txt = "" if e["type"] == "missing" or isinstance(got, dict) else f" (got {got!r})"
    return f"{file}: key '{key}': {e['msg']}{got_txt}; {fix}"


def load_sx_spec(path: str | Path) -> SxSpec:
    """Read and validate an SX file.

    Raises
    ------
    ConfigError
        Missing file, bad TOML, unknown keys, wrong types (file, key and fix named).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: SX file not found; fix the path")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}; fix the syntax there") from None
    try:
        return SxSpec.model_validate({**raw, "root": path.parent, "source_file": path})
    except ValidationError as exc:
        raise ConfigError(_explain(path, exc)) from None


def _element(key: str, where: str) -> str:
    try:
        el = element_of(key)
    except ValueError:
        raise ConfigError(f"{where}: {key!r} is not an element or oxide; fix it") from None
    if el not in ATOMIC_WEIGHT:
        raise ConfigError(f"{where}: unknown element {key!r}")
    return el


def _inputs(spec: SxSpec) -> dict[str, Any]:
    """Elements, beta, feed [mol/h] and extract group from a spec."""
    src = spec.source_file or Path("<sx file>")
    comp: dict[str, float] = {}
    for k, v in spec.feed.composition.items():
        el = _element(k, f"{src}: key 'feed.composition.{k}'")
        if el in comp:
            raise ConfigError(f"{src}: key 'feed.composition': {el} given twice")
        comp[el] = float(v)
    comp = {e: v for e, v in comp.items() if v > 0}
    bs = spec.separation_factors
    if bs.beta is not None:
        beta_map = {
            _element(k, f"{src}: key 'separation_factors.beta'"): v for k, v in bs.beta.items()
        }
        missing = [e for e in comp if e not in beta_map]
        if missing:
            raise ConfigError(
                f"{src}: key 'separation_factors.beta' lacks {missing}; give a value for "
                "every element of the feed"
            )
    else:
        f = None if bs.file is None else (bs.file if bs.file.is_absolute() else spec.root / bs.file)
        sf = load_separation_factors(bs.system, f)
        beta_map = dict(zip(comp, sf.relative(list(comp)), strict=True))
    elements = tuple(sorted(comp, key=lambda e: beta_map[e]))
    beta = np.array([beta_map[e] for e in elements], dtype=float)
    amount = np.array([comp[e] for e in elements])
    if spec.feed.basis == "oxide_pct":
        molfrac = amount / np.array([oxide_mass_per_mol(e) for e in elements])
    else:
        molfrac = amount.copy()
    molfrac = molfrac / molfrac.sum()
    if spec.feed.rate_mol_h is not None:
        rate = spec.feed.rate_mol_h
    elif spec.feed.rate_t_reo_per_year is not None:
        g_per_mol = float(np.dot(molfrac, [oxide_mass_per_mol(e) for e in elements]))
        rate = spec.feed.rate_t_reo_per_year * 1e6 / spec.feed.operating_hours_per_year / g_per_mol
    else:
        rate = 1.0
    feed = molfrac * rate
    sp = spec.split
    if sp.extract is not None:
        extract = [_element(e, f"{src}: key 'split.extract'") for e in sp.extract]
        bad = [e for e in extract if e not in elements]
        if bad:
            raise ConfigError(f"{src}: key 'split.extract': {bad} not in the feed")
    else:
        assert sp.cut is not None
        lo, hi = (_element(e.strip(), f"{src}: key 'split.cut'") for e in sp.cut.split("|"))
        for e in (lo, hi):
            if e not in beta_map:
                raise ConfigError(f"{src}: key 'split.cut': {e} has no separation factor")
        if not beta_map[hi] > beta_map[lo]:
            raise ConfigError(
                f"{src}: key 'split.cut': {hi} must be more extractable than {lo}; write "
                "the cut as 'less|more' extractable"
            )
        extract = [e for e in elements if beta_map[e] >= beta_map[hi]]
    return {"elements": elements, "beta": beta, "feed": feed, "extract": tuple(extract)}


def _targets(spec: SxSpec) -> dict[str, float]:
    return {k: v for k, v in spec.targets.model_dump().items() if v is not None}


def _plant(spec: SxSpec) -> PlantBasis:
    return PlantBasis(**spec.plant.model_dump())


def run_sx_design(path: str | Path) -> DesignResult:
    """Design the cascade described by an SX file.

    Parameters
    ----------
    path : str or Path
        The SX TOML file.

    Returns
    -------
    DesignResult
    """
    spec = load_sx_spec(path)
    inp = _inputs(spec)
    d = spec.design
    return design_cascade(
        inp["elements"],
        inp["beta"],
        inp["feed"],
        inp["extract"],
        **_targets(spec),
        feed_phase=spec.feed.phase,
        scrub_factor=d.scrub_factor,
        efficiency=d.efficiency,
        plant=_plant(spec),
        tradeoff_factors=d.tradeoff_factors,
        max_stages=d.max_stages,
    )


def run_sx_simulate(path: str | Path) -> CascadeResult:
    """Simulate the cascade described by an SX file (its ``[cascade]`` table).

    Flows not given (``organic_per_feed``, ``scrub_per_feed``) are Xu's optimum for the
    targets.

    Parameters
    ----------
    path : str or Path
        The SX TOML file.

    Returns
    -------
    CascadeResult
    """
    spec = load_sx_spec(path)
    src = spec.source_file
    if spec.cascade is None:
        raise ConfigError(f"{src}: table '[cascade]' is missing; add n_extraction, n_scrub")
    cs = spec.cascade
    inp = _inputs(spec)
    feed = inp["feed"]
    ftot = float(feed.sum())
    kw: dict[str, Any] = {}
    if cs.model == "linear":
        if cs.oa_ratio is None:
            raise ConfigError(f"{src}: key 'cascade.oa_ratio' is required for model 'linear'")
        kw["ratio"] = cs.oa_ratio
    else:
        s_pf, w_pf = cs.organic_per_feed, cs.scrub_per_feed
        if s_pf is None or (w_pf is None and cs.model == "fixed_loading" and cs.n_scrub):
            tg = _targets(spec)
            if len(tg) != 2:
                raise ConfigError(
                    f"{src}: give cascade.organic_per_feed and cascade.scrub_per_feed, or "
                    "two [targets] so that Xu's optimum flows can be used"
                )
            mask = np.array([e in inp["extract"] for e in inp["elements"]])
            f_a = float(feed[mask].sum() / ftot)
            pa, pb, _, _ = resolve_targets(f_a, **tg)
            beta = inp["beta"]
            bk = float(beta[mask].min() / beta[~mask].max())
            xu = xu_estimate(f_a, pa, pb, bk, feed_phase=spec.feed.phase)
            s_pf = xu.organic_per_feed if s_pf is None else s_pf
            w_pf = xu.scrub_per_feed if w_pf is None else w_pf
        kw["organic_mol_h"] = s_pf * ftot
        if cs.model == "fixed_loading":
            kw["scrub_mol_h"] = (w_pf or 0.0) * ftot if cs.n_scrub else 0.0
        if cs.affinity_h_mol is not None:
            aff = cs.affinity_h_mol
            kw["affinity_h_mol"] = tuple(aff) if isinstance(aff, list) else aff
    cas = countercurrent(
        inp["elements"],
        inp["beta"],
        feed,
        n_extraction=cs.n_extraction,
        n_scrub=cs.n_scrub,
        n_strip=cs.n_strip,
        model=cs.model,
        feed_stage=cs.feed_stage,
        feed_phase=spec.feed.phase,
        strip_ratio=cs.strip_ratio,
        efficiency=cs.efficiency,
        extract_elements=inp["extract"],
        **kw,
    )
    return simulate(cas)


def cascade_summary(result: CascadeResult) -> pd.DataFrame:
    """One-table summary of a steady state: ``quantity``, ``value``, ``unit``."""
    rows: list[tuple[str, Any, str]] = [
        ("stages", result.cascade.n_stages, "-"),
        ("feed", float(result.feed_mol_h.sum()), "mol/h"),
        ("extract", float(result.extract_mol_h.sum()), "mol/h"),
        ("raffinate", float(result.raffinate_mol_h.sum()), "mol/h"),
    ]
    if result.cascade.extract_elements:
        rows += [
            ("extract purity", result.extract_purity, "mol/mol"),
            ("raffinate purity", result.raffinate_purity, "mol/mol"),
            ("extract recovery", result.extract_recovery, "mol/mol"),
            ("raffinate recovery", result.raffinate_recovery, "mol/mol"),
        ]
    rows += [
        ("Newton iterations", result.iterations, "-"),
        ("start-up cycles", result.cycles, "-"),
        ("mass-balance residual", result.balance_residual_rel, "relative"),
        ("equilibrium residual", result.equilibrium_residual_rel, "relative"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "unit"])


def design_summary(design: DesignResult) -> pd.DataFrame:
    """One-table summary of a design: ``quantity``, ``value``, ``unit``."""
    d = design
    rows: list[tuple[str, Any, str]] = [
        ("split", f"{'-'.join(d.raffinate_elements)} | {'-'.join(d.extract_elements)}", ""),
        ("key pair", f"{d.key_pair[0]}/{d.key_pair[1]}", ""),
        ("key separation factor", d.beta_key, "-"),
        ("extraction stages n", d.n_extraction, "-"),
        ("scrub stages m", d.n_scrub, "-"),
        ("feed stage", d.feed_stage, "-"),
        ("Xu estimate n", d.xu.n_extraction, "stages"),
        ("Xu estimate m (m+1 of Xu)", d.xu.n_scrub, "stages"),
        ("extraction ratio E_M", d.extraction_ratio, "-"),
        ("scrub ratio E'_M", d.scrub_ratio, "-"),
        ("organic loading S", d.organic_mol_h, "mol/h"),
        ("scrub reflux W", d.scrub_mol_h, "mol/h"),
        ("minimum reflux W_min", d.min_reflux_mol_h, "mol/h"),
        ("W / W_min", d.reflux_ratio, "-"),
        ("O/A extraction", d.oa_extraction, "-"),
        ("O/A scrub", d.oa_scrub, "-"),
        ("extract purity", d.cascade.extract_purity, "mol/mol"),
        ("raffinate purity", d.cascade.raffinate_purity, "mol/mol"),
        ("extract recovery", d.cascade.extract_recovery, "mol/mol"),
        ("raffinate recovery", d.cascade.raffinate_recovery, "mol/mol"),
    ]
    for _, r in d.reagents.iterrows():
        rows.append((f"{r['use']} ({r['reagent']})", r["t_per_t_extract_REO"], "t/t extract REO"))
    return pd.DataFrame(rows, columns=["quantity", "value", "unit"])
