"""Cascade design: Xu Guangxian's formulas refined to exact minimum stages by simulation.

Procedure (:func:`design_cascade`)
----------------------------------
1. The split divides the elements into the extract group A (more extractable, leaves in
   the loaded organic) and the raffinate group B. The key pair is the least extractable
   A element and the most extractable B element; ``beta`` is their separation factor.
2. The targets (two of: extract purity, raffinate purity, extract recovery, raffinate
   recovery) fix the product split ``f'_A`` and both purities by mass balance.
3. Xu's theory (DOMAIN.md §3; Yan et al. 2006; Cheng et al. 2014) gives the optimum mixed
   extraction ratios ``E_M`` (extraction) and ``E'_M`` (scrubbing), hence the organic
   loading ``S`` and the scrub reflux ``W`` per mol of feed, and first stage estimates.
4. The simulator (:mod:`.cascade`) then finds, at those flows, the smallest total number
   of stages ``n + m`` that meets both purities (a walk along the feasible staircase, each
   point an exact steady state); among equal totals the feed location nearest to Xu's
   estimate is kept.
5. Minimum reflux (numerically, at a large stage count, and for the key pair analytically
   from the feed pinch), the trade-off between stages and reflux/reagents, flows, O/A
   ratios and reagents per tonne of product complete the design.

Counting convention: ``n_scrub`` counts every scrubbing stage including the last one, where
the scrub acid enters and the loaded organic leaves with ``S - W``; Xu's scrubbing formula
estimates this number as ``m + 1 = lg a / lg(beta / E'_M)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from mine2magnet.chemistry import CANONICAL_SPECIES, molar_mass, parse_formula
from mine2magnet.errors import ConfigError, Error
from mine2magnet.processing.sx.cascade import (
    CascadeConvergenceError,
    CascadeResult,
    countercurrent,
    simulate,
)

__all__ = [
    "DesignError",
    "DesignResult",
    "PlantBasis",
    "XuEstimate",
    "design_cascade",
    "design_train",
    "min_reflux_key_pair",
    "oxide_mass_per_mol",
    "reagent_table",
    "resolve_targets",
    "stoichiometric_reagents_per_tonne",
    "xu_estimate",
]

FeedPhase = Literal["aqueous", "organic"]


class DesignError(Error):
    """The targets cannot be met (e.g. within the stage limit, or the split is impossible)."""


# --------------------------------------------------------------------------- Xu's theory


@dataclass(frozen=True)
class XuEstimate:
    """Xu's countercurrent theory for one split (flows per mol of feed rare earths).

    Attributes
    ----------
    beta : float
        Key separation factor [-].
    feed_phase : str
        ``"aqueous"`` or ``"organic"``.
    f_a, f_b : float
        Mole fractions of the A (extract) and B (raffinate) groups in the feed [-].
    purity_a, purity_b : float
        Target purities of the extract and raffinate products [-].
    fp_a, fp_b : float
        Fractions of the feed leaving in the extract (``f'_A``) and raffinate [-].
    a, b : float
        Purification factors of the extract and of the raffinate [-].
    extraction_ratio, scrub_ratio : float
        Mixed extraction ratios ``E_M`` and ``E'_M`` [-].
    organic_per_feed, scrub_per_feed : float
        ``S`` and ``W`` per mol of feed [mol/mol].
    n_extraction : float
        ``lg b / lg(beta E_M)`` [stages].
    n_scrub : float
        ``m + 1 = lg a / lg(beta / E'_M)`` [stages], the scrub stages as counted by the
        simulator (the acid-scrub stage included).
    """

    beta: float
    feed_phase: str
    f_a: float
    f_b: float
    purity_a: float
    purity_b: float
    fp_a: float
    fp_b: float
    a: float
    b: float
    extraction_ratio: float
    scrub_ratio: float
    organic_per_feed: float
    scrub_per_feed: float
    n_extraction: float
    n_scrub: float


def _ratios_from_scrub(
    w: float, fp_a: float, fp_b: float, feed_phase: str
) -> tuple[float, float, float]:
    """``(S, E_M, E'_M)`` for scrub reflux ``w`` per mol feed."""
    if feed_phase == "aqueous":
        s = w + fp_a
        return s, s / (w + 1.0), s / w
    s = w - fp_b  # organic feed: W = S + f'_B
    return s, s / w, (s + 1.0) / w


def _xu_stages(beta: float, a: float, b: float, e_m: float, e_s: float, phase: str):
    pe, ps = beta * e_m, beta / e_s
    if pe <= 1.0 or ps <= 1.0:
        return math.inf, math.inf
    n = math.log10(b) / math.log10(pe)
    m1 = math.log10(a) / math.log10(ps)
    if phase == "organic":
        # the feed stage belongs to the scrub section: shift the "+1" (assumed by symmetry)
        n, m1 = n - 1.0, m1 + 1.0
    return n, m1


def xu_estimate(
    f_a: float,
    purity_a: float,
    purity_b: float,
    beta: float,
    *,
    feed_phase: FeedPhase = "aqueous",
    scrub_per_feed: float | None = None,
) -> XuEstimate:
    """Xu Guangxian's design formulas for a two-group split.

    Parameters
    ----------
    f_a : float
        Mole fraction of the extract group in the feed [-].
    purity_a, purity_b : float
        Target purities of extract and raffinate [-].
    beta : float
        Key separation factor [-].
    feed_phase : {"aqueous", "organic"}
        Phase carrying the feed.
    scrub_per_feed : float, optional
        Use this reflux ``W`` [mol/mol feed] instead of Xu's optimum.

    Returns
    -------
    XuEstimate

    Notes
    -----
    Aqueous feed (DOMAIN.md §3): ``S = W + f'_A``, ``E_M = S/(W+1)``, ``E'_M = S/W``; the
    optimum sets ``E_M = 1/sqrt(beta)`` if ``f'_B > sqrt(beta)/(1+sqrt(beta))`` and
    ``E'_M = sqrt(beta)`` otherwise. Organic feed: ``W = S + f'_B``, ``E_M = S/W``,
    ``E'_M = (S+1)/W``. Its optimum follows from the aqueous one by exchanging the phases
    (and with them the roles of A and B and of the two sections): the sections' ratios map
    to ``1/E'_M`` and ``1/E_M``, so ``E'_M = sqrt(beta)`` if
    ``f'_A > sqrt(beta)/(1+sqrt(beta))`` and ``E_M = 1/sqrt(beta)`` otherwise.

    Examples
    --------
    >>> xu = xu_estimate(0.75, 0.999, 0.99, 1.5)
    >>> round(xu.n_extraction, 2), round(xu.n_scrub, 2)
    (16.48, 28.65)
    """
    if not 0.0 < f_a < 1.0:
        raise ConfigError(f"xu: feed fraction of the extract group must be in (0, 1), got {f_a}")
    if not (0.5 < purity_a < 1.0 and 0.5 < purity_b < 1.0):
        raise ConfigError("xu: purities must lie in (0.5, 1)")
    if not beta > 1.0:
        raise ConfigError(f"xu: the key separation factor must exceed 1 (got {beta})")
    f_b = 1.0 - f_a
    fp_a = (f_a + purity_b - 1.0) / (purity_a + purity_b - 1.0)
    fp_b = 1.0 - fp_a
    if not 0.0 < fp_a < 1.0:
        raise DesignError(
            f"xu: purities {purity_a}/{purity_b} are not compatible with a feed holding "
            f"{f_a:.4g} of the extract group (f'_A = {fp_a:.4g})"
        )
    a = (purity_a / (1.0 - purity_a)) / (f_a / f_b)
    b = (purity_b / (1.0 - purity_b)) / (f_b / f_a)
    if a <= 1.0 or b <= 1.0:
        raise DesignError("xu: a target purity is below the feed purity; nothing to separate")
    sq = math.sqrt(beta)
    if scrub_per_feed is not None:
        w = float(scrub_per_feed)
    elif feed_phase == "aqueous":
        if fp_b > sq / (1.0 + sq):
            e_m = 1.0 / sq
            e_s = e_m * fp_b / (e_m - fp_a)
        else:
            e_s = sq
        w = fp_a / (e_s - 1.0)
    elif feed_phase == "organic":
        # E'_M = (S + 1)/W = sqrt(beta), else E_M = S/W = 1/sqrt(beta); W = S + f'_B
        scrub_limited = fp_a > sq / (1.0 + sq)
        s_opt = (1.0 - sq * fp_b) / (sq - 1.0) if scrub_limited else fp_b / (sq - 1.0)
        w = s_opt + fp_b
    else:
        raise ConfigError(f"xu: feed_phase must be 'aqueous' or 'organic', not {feed_phase!r}")
    s, e_m, e_s = _ratios_from_scrub(w, fp_a, fp_b, feed_phase)
    if not (w > 0 and s > 0):
        raise DesignError(f"xu: reflux W = {w:.4g} gives no positive organic loading")
    n, m1 = _xu_stages(beta, a, b, e_m, e_s, feed_phase)
    return XuEstimate(
        beta=float(beta),
        feed_phase=feed_phase,
        f_a=float(f_a),
        f_b=float(f_b),
        purity_a=float(purity_a),
        purity_b=float(purity_b),
        fp_a=fp_a,
        fp_b=fp_b,
        a=a,
        b=b,
        extraction_ratio=e_m,
        scrub_ratio=e_s,
        organic_per_feed=s,
        scrub_per_feed=w,
        n_extraction=n,
        n_scrub=m1,
    )


# ------------------------------------------------------------------------------ targets


def resolve_targets(
    f_a: float,
    *,
    extract_purity: float | None = None,
    raffinate_purity: float | None = None,
    extract_recovery: float | None = None,
    raffinate_recovery: float | None = None,
) -> tuple[float, float, float, float]:
    """Complete the split from any two targets.

    Parameters
    ----------
    f_a : float
        Mole fraction of the extract group in the feed [-].
    extract_purity, raffinate_purity, extract_recovery, raffinate_recovery : float
        Exactly two of these [-].

    Returns
    -------
    tuple of float
        ``(extract_purity, raffinate_purity, extract_recovery, raffinate_recovery)``.

    Raises
    ------
    ConfigError
        If not exactly two targets are given or they contradict the feed.
    """
    given = {
        k: v
        for k, v in {
            "extract_purity": extract_purity,
            "raffinate_purity": raffinate_purity,
            "extract_recovery": extract_recovery,
            "raffinate_recovery": raffinate_recovery,
        }.items()
        if v is not None
    }
    if len(given) != 2:
        raise ConfigError(
            "targets: give exactly two of extract_purity, raffinate_purity, "
            f"extract_recovery, raffinate_recovery (got {sorted(given)})"
        )
    for k, v in given.items():
        if not 0.0 < v < 1.0:
            raise ConfigError(f"targets: '{k}' must lie strictly between 0 and 1 (got {v})")
    f_b = 1.0 - f_a
    pa, pb = extract_purity, raffinate_purity
    ya, yb = extract_recovery, raffinate_recovery
    # A and B reporting to the extract: a_e, b_e (per mol feed)
    if pa is not None and pb is not None:
        fp = (f_a + pb - 1.0) / (pa + pb - 1.0)
        a_e, b_e = pa * fp, (1.0 - pa) * fp
    elif ya is not None and yb is not None:
        a_e, b_e = ya * f_a, (1.0 - yb) * f_b
    elif pa is not None and ya is not None:
        a_e = ya * f_a
        b_e = a_e * (1.0 - pa) / pa
    elif pb is not None and yb is not None:
        b_r = yb * f_b
        a_r = b_r * (1.0 - pb) / pb
        a_e, b_e = f_a - a_r, f_b - b_r
    elif pa is not None and yb is not None:
        b_e = (1.0 - yb) * f_b
        a_e = b_e * pa / (1.0 - pa)
    else:  # pb and ya
        assert pb is not None and ya is not None
        a_e = ya * f_a
        a_r = f_a - a_e
        b_r = a_r * pb / (1.0 - pb)
        b_e = f_b - b_r
    a_r, b_r = f_a - a_e, f_b - b_e
    if min(a_e, b_e, a_r, b_r) < 0 or a_e + b_e <= 0 or a_r + b_r <= 0:
        raise ConfigError(
            f"targets: {given} cannot be met with a feed holding {f_a:.4g} of the extract "
            "group; relax one target"
        )
    return (
        a_e / (a_e + b_e),
        b_r / (a_r + b_r),
        a_e / f_a,
        b_r / f_b,
    )


# ------------------------------------------------------------------------- chemistry


def oxide_mass_per_mol(element: str) -> float:
    """Mass of the canonical oxide per mol of the element [g/mol], e.g. Nd → 168.24."""
    species = CANONICAL_SPECIES.get(element)
    if species is None:
        raise ConfigError(f"no canonical oxide for element {element!r}")
    n = parse_formula(species)[0][1]
    return molar_mass(species) / n


#: Stoichiometry per mol of rare earth (DOMAIN.md §3): base for saponification, HCl for
#: scrubbing and stripping, oxalic acid for precipitation [mol/mol RE].
BASE_PER_RE = 3.0
HCL_PER_RE = 3.0
OXALIC_PER_RE = 1.5


def stoichiometric_reagents_per_tonne(
    oxide_element: str = "Nd", *, reflux: float = 1.0
) -> dict[str, float]:
    """Stoichiometric reagents per tonne of a single rare-earth oxide [t/t].

    Parameters
    ----------
    oxide_element : str
        Element whose canonical oxide is the product, e.g. ``"Nd"`` for Nd2O3.
    reflux : float
        Organic loading per mol of product, ``S / f'_A`` [-]; it multiplies the
        saponification term.

    Returns
    -------
    dict
        ``NaOH``, ``NH3`` (alternative bases), ``HCl_strip``, ``H2C2O4`` [t/t oxide].

    Examples
    --------
    >>> r = stoichiometric_reagents_per_tonne("Nd")
    >>> round(r["NaOH"], 3), round(r["NH3"], 3), round(r["HCl_strip"], 3)
    (0.713, 0.304, 0.65)
    """
    kmol = 1e6 / oxide_mass_per_mol(oxide_element) / 1e3  # kmol RE per t oxide
    return {
        "NaOH": BASE_PER_RE * reflux * kmol * molar_mass("NaOH") / 1e3,
        "NH3": BASE_PER_RE * reflux * kmol * molar_mass("NH3") / 1e3,
        "HCl_strip": HCL_PER_RE * kmol * molar_mass("HCl") / 1e3,
        "H2C2O4": OXALIC_PER_RE * kmol * molar_mass("H2C2O4") / 1e3,
    }


@dataclass(frozen=True)
class PlantBasis:
    """Concentrations that turn molar flows into volumes, and the saponification base.

    Defaults are typical values for a P507/HCl light-REE circuit and are *unverified*
    starting values; set your own.

    Parameters
    ----------
    feed_mol_l : float
        Rare earths in the aqueous feed (or loaded organic feed) [mol/L].
    organic_loading_mol_l : float
        Rare earths carried by the saponified organic at loading ``S`` [mol/L] (e.g. 1.5 M
        P507 at 36 % saponification, 3 extractant per RE: 0.18 mol/L).
    scrub_acid_mol_l, strip_acid_mol_l : float
        HCl in the scrub and strip solutions [mol/L].
    base : {"NaOH", "NH3"}
        Saponification base.
    """

    feed_mol_l: float = 1.0
    organic_loading_mol_l: float = 0.18
    scrub_acid_mol_l: float = 4.0
    strip_acid_mol_l: float = 5.0
    base: Literal["NaOH", "NH3"] = "NaOH"

    def __post_init__(self) -> None:
        for k in ("feed_mol_l", "organic_loading_mol_l", "scrub_acid_mol_l", "strip_acid_mol_l"):
            if not getattr(self, k) > 0:
                raise ConfigError(f"plant basis: '{k}' must be > 0")
        if self.base not in ("NaOH", "NH3"):
            raise ConfigError(f"plant basis: base must be 'NaOH' or 'NH3', not {self.base!r}")


def _oxide_t_h(flows_mol_h: np.ndarray, elements: Sequence[str]) -> float:
    """Oxide mass flow [t/h]; NaN when an element has no canonical oxide (generic names)."""
    if any(e not in CANONICAL_SPECIES for e in elements):
        return math.nan
    return float(
        sum(f * oxide_mass_per_mol(e) for f, e in zip(flows_mol_h, elements, strict=True)) / 1e6
    )


def reagent_table(
    result: CascadeResult,
    organic_mol_h: float,
    scrub_mol_h: float,
    plant: PlantBasis = PlantBasis(),
) -> pd.DataFrame:
    """Stoichiometric reagents of a simulated cascade.

    Parameters
    ----------
    result : CascadeResult
        The steady state.
    organic_mol_h, scrub_mol_h : float
        Organic loading ``S`` and acid-scrub reflux ``W`` [mol/h].
    plant : PlantBasis
        Base choice.

    Returns
    -------
    pandas.DataFrame
        Columns ``use``, ``reagent``, ``kmol_h``, ``t_h``, ``t_per_t_extract_REO``,
        ``t_per_t_products_REO`` (per tonne of both products' oxides).
    """
    el = result.elements
    extract_t = _oxide_t_h(result.extract_mol_h, el)
    products_t = extract_t + _oxide_t_h(result.raffinate_mol_h, el)
    ext = float(result.extract_mol_h.sum())
    raf = float(result.raffinate_mol_h.sum())
    rows = [
        ("saponification", plant.base, BASE_PER_RE * organic_mol_h),
        ("scrub acid", "HCl", HCL_PER_RE * scrub_mol_h),
        ("strip acid", "HCl", HCL_PER_RE * ext),
        ("precipitation of extract", "H2C2O4", OXALIC_PER_RE * ext),
        ("precipitation of raffinate", "H2C2O4", OXALIC_PER_RE * raf),
    ]
    out = []
    for use, reagent, mol_h in rows:
        t_h = mol_h * molar_mass(reagent) / 1e6
        out.append(
            (
                use,
                reagent,
                mol_h / 1e3,
                t_h,
                t_h / extract_t if extract_t > 0 else math.nan,
                t_h / products_t if products_t > 0 else math.nan,
            )
        )
    return pd.DataFrame(
        out,
        columns=["use", "reagent", "kmol_h", "t_h", "t_per_t_extract_REO", "t_per_t_products_REO"],
    )


# ------------------------------------------------------------------------ min reflux


def min_reflux_key_pair(
    f_a: float,
    purity_a: float,
    fp_a: float,
    beta: float,
    feed_phase: FeedPhase = "aqueous",
) -> float:
    """Minimum scrub reflux ``W_min`` per mol feed for a binary (key-pair) split.

    The operating line of the scrub section passes through the feed pinch (Underwood /
    McCabe–Thiele construction with constant flows, which Xu's constant mixed extraction
    ratio regime is): aqueous feed, ``W_min = f'_A (P_A - y*_F) / (y*_F - x_F)`` with
    ``x_F = f_a`` and ``y*_F = beta x_F / (1 + (beta - 1) x_F)``; organic feed,
    ``W_min = f'_A (P_A - f_a) / (f_a - x*_F)`` with ``x*_F`` in equilibrium with
    ``y = f_a``.

    Parameters
    ----------
    f_a : float
        Mole fraction of the extract group in the feed [-].
    purity_a : float
        Extract purity [-].
    fp_a : float
        Fraction of the feed leaving in the extract [-].
    beta : float
        Key separation factor [-].
    feed_phase : {"aqueous", "organic"}
        Phase carrying the feed.

    Returns
    -------
    float
        ``W_min`` [mol per mol feed].
    """
    if feed_phase == "aqueous":
        y = beta * f_a / (1.0 + (beta - 1.0) * f_a)
        return fp_a * (purity_a - y) / (y - f_a)
    x = f_a / (beta - (beta - 1.0) * f_a)
    return fp_a * (purity_a - f_a) / (f_a - x)


# ---------------------------------------------------------------------------- design


@dataclass(frozen=True)
class DesignResult:
    """A designed extraction–scrubbing cascade.

    Attributes
    ----------
    elements : tuple of str
        Elements in the feed.
    feed_mol_h : ndarray
        Feed flow of each element [mol/h].
    extract_elements, raffinate_elements : tuple of str
        The split (A group to the loaded organic, B group to the raffinate).
    key_pair : tuple of str
        ``(B key, A key)``: most extractable B and least extractable A element.
    beta_key : float
        Separation factor of the key pair [-].
    feed_phase : str
        Phase carrying the feed.
    extract_purity, raffinate_purity, extract_recovery, raffinate_recovery : float
        The targets, completed by mass balance [-].
    xu : XuEstimate
        Xu's formulas at the design flows.
    n_extraction, n_scrub, feed_stage : int
        Stage numbers found by simulation [-]; ``feed_stage`` is 1-based.
    organic_mol_h, scrub_mol_h : float
        Organic loading ``S`` and acid-scrub reflux ``W`` [mol/h].
    extraction_ratio, scrub_ratio : float
        Mixed extraction ratios ``E_M``, ``E'_M`` [-].
    min_reflux_mol_h : float
        Smallest ``W`` meeting the targets with four times the design's stages (+20) per
        section, at most ``max_stages`` (numerical, to 5e-4 relative; approaches the true
        minimum from above) [mol/h].
    min_reflux_key_mol_h : float
        Key-pair analytic minimum reflux (feed pinch) [mol/h].
    oa_extraction, oa_scrub : float
        Organic/aqueous volumetric flow ratios of the sections [-].
    flows : pandas.DataFrame
        ``stream``, ``re_mol_h``, ``volume_L_h``.
    reagents : pandas.DataFrame
        See :func:`reagent_table`.
    staircase : pandas.DataFrame
        Minimum scrub stages for each extraction stage count explored at the design flows:
        ``n_extraction``, ``n_scrub``, ``n_total``.
    tradeoff : pandas.DataFrame
        Stage count versus reflux and reagents: ``reflux_factor`` (W/W_min),
        ``scrub_mol_h``, ``organic_mol_h``, ``extraction_ratio``, ``scrub_ratio``,
        ``n_extraction``, ``n_scrub``, ``n_total``, ``base_t_per_t_extract_REO``,
        ``hcl_t_per_t_extract_REO``, ``is_design``.
    cascade : CascadeResult
        Steady state of the design.
    """

    elements: tuple[str, ...]
    feed_mol_h: np.ndarray
    extract_elements: tuple[str, ...]
    raffinate_elements: tuple[str, ...]
    key_pair: tuple[str, str]
    beta_key: float
    feed_phase: str
    extract_purity: float
    raffinate_purity: float
    extract_recovery: float
    raffinate_recovery: float
    xu: XuEstimate
    n_extraction: int
    n_scrub: int
    feed_stage: int
    organic_mol_h: float
    scrub_mol_h: float
    extraction_ratio: float
    scrub_ratio: float
    min_reflux_mol_h: float
    min_reflux_key_mol_h: float
    oa_extraction: float
    oa_scrub: float
    flows: pd.DataFrame
    reagents: pd.DataFrame
    staircase: pd.DataFrame
    tradeoff: pd.DataFrame
    cascade: CascadeResult = field(repr=False)

    @property
    def n_total(self) -> int:
        """Extraction plus scrubbing stages [-]."""
        return self.n_extraction + self.n_scrub

    @property
    def reflux_ratio(self) -> float:
        """``W / W_min`` [-]."""
        return self.scrub_mol_h / self.min_reflux_mol_h


def _resample(theta: np.ndarray, k: int) -> np.ndarray:
    if k == len(theta):
        return theta
    if len(theta) == 1:
        return np.full(k, theta[0])
    src = np.linspace(0.0, 1.0, len(theta))
    return np.exp(np.interp(np.linspace(0.0, 1.0, k), src, np.log(theta)))


class _Evaluator:
    """Simulates (n, m) cascades at fixed flows, with caching and warm starts."""

    def __init__(
        self,
        elements: tuple[str, ...],
        beta: np.ndarray,
        feed: np.ndarray,
        extract: tuple[str, ...],
        s: float,
        w: float,
        phase: FeedPhase,
        pa: float,
        pb: float,
        efficiency: float,
        template: tuple[int, int, np.ndarray] | None = None,
    ) -> None:
        self.args = (elements, beta, feed)
        self.template = template
        self.kw = {
            "organic_mol_h": s,
            "scrub_mol_h": w,
            "feed_phase": phase,
            "efficiency": efficiency,
            "extract_elements": extract,
        }
        self.pa, self.pb = pa, pb
        self.cache: dict[tuple[int, int], CascadeResult] = {}
        self.last: tuple[int, int] | None = None

    def result(self, n: int, m: int) -> CascadeResult:
        key = (n, m)
        if key not in self.cache:
            cas = countercurrent(*self.args, n_extraction=n, n_scrub=m, **self.kw)
            theta0 = None
            if self.last is not None:
                ln, lm = self.last
                th = self.cache[self.last].theta
            elif self.template is not None:
                ln, lm, th = self.template
            if self.last is not None or self.template is not None:
                theta0 = np.concatenate([_resample(th[:ln], n), _resample(th[ln : ln + lm], m)])
            try:
                # a warm start either converges quickly or is abandoned for the cold start
                # (whose robust fallbacks run to the end)
                res = simulate(
                    cas, theta0=theta0, max_cycles=2000 if theta0 is not None else 400_000
                )
            except CascadeConvergenceError:
                res = simulate(cas)
            self.cache[key] = res
            self.last = key
        return self.cache[key]

    def warm(self) -> tuple[int, int, np.ndarray] | None:
        """The last solved cascade as a warm start for another evaluator."""
        if self.last is None:
            return self.template
        return (*self.last, self.cache[self.last].theta)

    def margin(self, n: int, m: int) -> float:
        """log10 of the smaller impurity ratio target/actual; >= 0 means feasible."""
        r = self.result(n, m)
        ia = max(1.0 - r.extract_purity, 1e-300)
        ib = max(1.0 - r.raffinate_purity, 1e-300)
        return min(math.log10((1.0 - self.pa) / ia), math.log10((1.0 - self.pb) / ib))

    def feasible(self, n: int, m: int) -> bool:
        return self.margin(n, m) >= -1e-9


def _min_stages(
    ev: _Evaluator, n0: float, m0: float, max_stages: int
) -> tuple[int, int, list[tuple[int, int]]]:
    """Smallest n + m meeting the targets; ties broken by distance to (n0, m0)."""
    feas: Callable[[int, int], bool] = ev.feasible
    n = max(1, round(n0)) if math.isfinite(n0) else 10
    m = max(1, round(m0)) if math.isfinite(m0) else 10
    n, m = min(n, max_stages), min(m, max_stages)
    while not feas(n, m):
        if n >= max_stages and m >= max_stages:
            raise DesignError(
                f"design: targets not reached with {max_stages} extraction and {max_stages} "
                "scrub stages at these flows; raise the reflux, relax the targets or raise "
                "max_stages"
            )
        n = min(max_stages, math.ceil(n * 1.3) + 1)
        m = min(max_stages, math.ceil(m * 1.3) + 1)

    def shrink(n: int, m: int) -> int:
        lo, hi = 0, m  # feas(n, hi) is True; find the smallest feasible m >= 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if mid >= 1 and feas(n, mid):
                hi = mid
            else:
                lo = mid
        return hi

    def grow(n: int, m: int, m_max: int) -> int | None:
        while not feas(n, m):
            m += 1
            if m > m_max:
                return None
        return m

    m = shrink(n, m)
    front = [(n, m)]
    best = n + m
    nn, mm = n, m
    while nn > 1:  # fewer extraction stages, while the total can still tie or improve
        g = grow(nn - 1, mm, min(max_stages, best - (nn - 1) + 1))
        if g is None:
            break
        nn, mm = nn - 1, g
        front.append((nn, mm))
        best = min(best, nn + mm)
        if nn + mm > best + 3:
            break
    nn, mm = n, m
    while nn < max_stages and mm > 1:  # more extraction stages
        nn += 1
        mm = shrink(nn, mm)
        front.append((nn, mm))
        best = min(best, nn + mm)
        if nn + mm > best + 3:
            break
    front.sort()
    cands = [p for p in front if p[0] + p[1] == best]
    n_best, m_best = min(cands, key=lambda p: ((p[0] - n0) ** 2 + (p[1] - m0) ** 2, p[0]))
    return n_best, m_best, front


def _key_groups(
    elements: tuple[str, ...], beta: np.ndarray, extract: Sequence[str], feed: np.ndarray
) -> tuple[np.ndarray, tuple[str, str], float]:
    ext = set(extract)
    unknown = ext - set(elements)
    if unknown:
        raise ConfigError(f"split: extract elements {sorted(unknown)} are not in the feed")
    mask = np.array([e in ext for e in elements])
    if mask.all() or not mask.any():
        raise ConfigError("split: the extract group must hold some but not all elements")
    present = feed > 0
    a_idx = np.flatnonzero(mask & present)
    b_idx = np.flatnonzero(~mask & present)
    if a_idx.size == 0 or b_idx.size == 0:
        raise ConfigError("split: both groups need elements present in the feed")
    ka = a_idx[np.argmin(beta[a_idx])]
    kb = b_idx[np.argmax(beta[b_idx])]
    bk = float(beta[ka] / beta[kb])
    if not bk > 1.0:
        raise ConfigError(
            f"split: extract element {elements[ka]} is not more extractable than raffinate "
            f"element {elements[kb]} (beta ratio {bk:.4g}); put the more extractable "
            "elements in the extract"
        )
    return mask, (elements[kb], elements[ka]), bk


def design_cascade(
    elements: Sequence[str],
    beta: Sequence[float] | np.ndarray,
    feed_mol_h: Sequence[float] | np.ndarray,
    extract_elements: Sequence[str],
    *,
    extract_purity: float | None = None,
    raffinate_purity: float | None = None,
    extract_recovery: float | None = None,
    raffinate_recovery: float | None = None,
    feed_phase: FeedPhase = "aqueous",
    scrub_factor: float = 1.0,
    efficiency: float = 1.0,
    plant: PlantBasis = PlantBasis(),
    tradeoff_factors: Sequence[float] | None = (1.1, 1.25, 1.5, 2.0, 3.0),
    max_stages: int = 200,
) -> DesignResult:
    """Design an extraction–scrubbing cascade for one split.

    Parameters
    ----------
    elements : sequence of str
        Elements in the feed.
    beta : array_like
        Extractabilities relative to a reference element [-].
    feed_mol_h : array_like
        Feed flow of each element [mol/h].
    extract_elements : sequence of str
        Elements meant for the extract (organic) product: the more extractable group.
    extract_purity, raffinate_purity, extract_recovery, raffinate_recovery : float
        Exactly two targets [-] (mole fraction of the group in its product; fraction of
        the group's feed reporting to its product).
    feed_phase : {"aqueous", "organic"}
        Phase carrying the feed.
    scrub_factor : float
        Multiplies Xu's optimum reflux ``W`` [-] (1 = Xu's optimum).
    efficiency : float
        Murphree stage efficiency used in the simulations [-].
    plant : PlantBasis
        Concentrations and base for flows, O/A ratios and reagents.
    tradeoff_factors : sequence of float, optional
        Reflux multiples of ``W_min`` for the trade-off table [-]; None skips it (and the
        numerical minimum reflux).
    max_stages : int
        Largest number of stages per section considered [-].

    Returns
    -------
    DesignResult

    Raises
    ------
    ConfigError
        Inconsistent split or targets.
    DesignError
        Targets not reachable within ``max_stages``.

    Examples
    --------
    >>> d = design_cascade(["Pr", "Nd"], [1.0, 1.5], [0.25, 0.75], ["Nd"],
    ...                    extract_purity=0.999, raffinate_purity=0.99,
    ...                    tradeoff_factors=None)
    >>> d.n_extraction, d.n_scrub
    (17, 29)
    """
    elements = tuple(elements)
    beta_arr = np.asarray(beta, dtype=float)
    feed = np.asarray(feed_mol_h, dtype=float)
    if beta_arr.shape != (len(elements),) or feed.shape != (len(elements),):
        raise ConfigError("design: beta and feed_mol_h need one value per element")
    if np.any(feed < 0) or feed.sum() <= 0:
        raise ConfigError("design: feed flows must be >= 0 with a positive total")
    mask, key_pair, bk = _key_groups(elements, beta_arr, extract_elements, feed)
    ftot = float(feed.sum())
    f_a = float(feed[mask].sum() / ftot)
    pa, pb, ya, yb = resolve_targets(
        f_a,
        extract_purity=extract_purity,
        raffinate_purity=raffinate_purity,
        extract_recovery=extract_recovery,
        raffinate_recovery=raffinate_recovery,
    )
    xu0 = xu_estimate(f_a, pa, pb, bk, feed_phase=feed_phase)
    xu = (
        xu0
        if scrub_factor == 1.0
        else xu_estimate(
            f_a, pa, pb, bk, feed_phase=feed_phase, scrub_per_feed=xu0.scrub_per_feed * scrub_factor
        )
    )
    extract = tuple(e for e, k in zip(elements, mask, strict=True) if k)
    raffinate = tuple(e for e, k in zip(elements, mask, strict=True) if not k)

    def stages_at(w_per_feed: float, n0: float, m0: float, template=None):
        s_pf, _, _ = _ratios_from_scrub(w_per_feed, xu.fp_a, xu.fp_b, feed_phase)
        ev = _Evaluator(
            elements,
            beta_arr,
            feed,
            extract,
            s_pf * ftot,
            w_per_feed * ftot,
            feed_phase,
            pa,
            pb,
            efficiency,
            template,
        )
        n, m, front = _min_stages(ev, n0, m0, max_stages)
        return n, m, front, ev

    n, m, front, ev = stages_at(xu.scrub_per_feed, xu.n_extraction, xu.n_scrub)
    res = ev.result(n, m)
    s_h, w_h = xu.organic_per_feed * ftot, xu.scrub_per_feed * ftot
    staircase = pd.DataFrame(front, columns=["n_extraction", "n_scrub"])
    staircase["n_total"] = staircase["n_extraction"] + staircase["n_scrub"]

    w_key = min_reflux_key_pair(f_a, pa, xu.fp_a, bk, feed_phase)
    w_min = (
        _min_reflux_numeric(
            elements,
            beta_arr,
            feed,
            extract,
            xu,
            pa,
            pb,
            feed_phase,
            efficiency,
            min(max_stages, 4 * n + 20),
            min(max_stages, 4 * m + 20),
            w_key,
            ev.warm(),
        )
        if tradeoff_factors is not None
        else math.nan
    )

    rows = []
    if tradeoff_factors is not None:
        for fac in sorted(set(tradeoff_factors)):
            w = fac * w_min
            try:
                xs = xu_estimate(f_a, pa, pb, bk, feed_phase=feed_phase, scrub_per_feed=w)
                tn, tm, _, tev = stages_at(w, xs.n_extraction, xs.n_scrub, ev.warm())
            except (DesignError, ConfigError):
                continue
            rows.append(_tradeoff_row(fac, w * ftot, xs, tn, tm, tev.result(tn, tm), plant, ftot))
        rows.append(_tradeoff_row(xu.scrub_per_feed / w_min, w_h, xu, n, m, res, plant, ftot))
        rows[-1]["is_design"] = True
    tradeoff = pd.DataFrame(
        rows,
        columns=[
            "reflux_factor",
            "scrub_mol_h",
            "organic_mol_h",
            "extraction_ratio",
            "scrub_ratio",
            "n_extraction",
            "n_scrub",
            "n_total",
            "base_t_per_t_extract_REO",
            "hcl_t_per_t_extract_REO",
            "is_design",
        ],
    )
    if len(tradeoff):
        tradeoff = tradeoff.sort_values("reflux_factor", ignore_index=True)

    flows, oa_e, oa_s = _flows(ftot, s_h, w_h, float(res.extract_mol_h.sum()), feed_phase, plant)
    return DesignResult(
        elements=elements,
        feed_mol_h=feed.copy(),
        extract_elements=extract,
        raffinate_elements=raffinate,
        key_pair=key_pair,
        beta_key=bk,
        feed_phase=feed_phase,
        extract_purity=pa,
        raffinate_purity=pb,
        extract_recovery=ya,
        raffinate_recovery=yb,
        xu=xu,
        n_extraction=n,
        n_scrub=m,
        feed_stage=n if feed_phase == "aqueous" else n + 1,
        organic_mol_h=s_h,
        scrub_mol_h=w_h,
        extraction_ratio=xu.extraction_ratio,
        scrub_ratio=xu.scrub_ratio,
        min_reflux_mol_h=w_min * ftot,
        min_reflux_key_mol_h=w_key * ftot,
        oa_extraction=oa_e,
        oa_scrub=oa_s,
        flows=flows,
        reagents=reagent_table(res, s_h, w_h, plant),
        staircase=staircase,
        tradeoff=tradeoff,
        cascade=res,
    )


def _tradeoff_row(fac, w_h, xs, n, m, res, plant, ftot) -> dict:
    s_h = xs.organic_per_feed * ftot
    rt = reagent_table(res, s_h, w_h, plant)
    hcl = rt.loc[rt["reagent"] == "HCl", "t_per_t_extract_REO"].sum()
    return {
        "reflux_factor": fac,
        "scrub_mol_h": w_h,
        "organic_mol_h": s_h,
        "extraction_ratio": xs.extraction_ratio,
        "scrub_ratio": xs.scrub_ratio,
        "n_extraction": n,
        "n_scrub": m,
        "n_total": n + m,
        "base_t_per_t_extract_REO": float(rt.loc[0, "t_per_t_extract_REO"]),
        "hcl_t_per_t_extract_REO": float(hcl),
        "is_design": False,
    }


def _flows(ftot, s_h, w_h, ext_h, phase, plant: PlantBasis):
    v_feed = ftot / plant.feed_mol_l
    v_org = s_h / plant.organic_loading_mol_l
    v_scrub = HCL_PER_RE * w_h / plant.scrub_acid_mol_l
    v_strip = HCL_PER_RE * ext_h / plant.strip_acid_mol_l
    if phase == "aqueous":
        oa_e = v_org / (v_feed + v_scrub)
        oa_s = v_org / v_scrub
    else:
        oa_e = v_org / v_scrub
        oa_s = (v_org + v_feed) / v_scrub
    flows = pd.DataFrame(
        [
            (f"feed ({phase})", ftot, v_feed),
            ("saponified organic", s_h, v_org),
            ("scrub acid", w_h, v_scrub),
            ("strip acid", ext_h, v_strip),
        ],
        columns=["stream", "re_mol_h", "volume_L_h"],
    )
    return flows, oa_e, oa_s


def _min_reflux_numeric(
    elements,
    beta,
    feed,
    extract,
    xu: XuEstimate,
    pa,
    pb,
    phase,
    efficiency,
    n_cap,
    m_cap,
    w_key,
    template,
) -> float:
    """Smallest W per mol feed reaching the targets with ``n_cap`` extraction and
    ``m_cap`` scrub stages (bisection to 5e-4 relative; each point warm-started from the
    previous one). Tends to the true minimum reflux as the caps grow."""
    ftot = float(feed.sum())
    warm = [template]

    def ok(w: float) -> bool:
        s, _, _ = _ratios_from_scrub(w, xu.fp_a, xu.fp_b, phase)
        if s <= 0:
            return False
        ev = _Evaluator(
            elements, beta, feed, extract, s * ftot, w * ftot, phase, pa, pb, efficiency, warm[0]
        )
        try:
            good = ev.feasible(n_cap, m_cap)
        except (CascadeConvergenceError, ConfigError):
            return False
        warm[0] = ev.warm()
        return good

    hi = xu.scrub_per_feed
    while not ok(hi):
        hi *= 1.5
        if hi > 1e3 * max(xu.scrub_per_feed, 1.0):
            raise DesignError("design: targets not reachable at any reflux within max_stages")
    lo = 0.9 * w_key if 0 < w_key < hi else 0.5 * hi
    while ok(lo) and lo > 1e-9:
        hi, lo = lo, 0.5 * lo
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if ok(mid):
            hi = mid
        else:
            lo = mid
        if hi - lo <= 5e-4 * hi:
            break
    return hi


def design_train(
    elements: Sequence[str],
    beta: Sequence[float] | np.ndarray,
    feed_mol_h: Sequence[float] | np.ndarray,
    splits: Sequence[dict],
    **kwargs,
) -> tuple[DesignResult, ...]:
    """Design a train of cascades, each fed by the feed or a product of an earlier one.

    Parameters
    ----------
    elements, beta, feed_mol_h
        As for :func:`design_cascade`; ``feed_mol_h`` is the train's feed [mol/h].
    splits : sequence of dict
        One per cascade, in order: ``extract`` (extract elements), ``source`` (``"feed"``
        or ``(index, "extract" | "raffinate")`` of an earlier split) and two targets as in
        :func:`design_cascade` (``extract_purity`` …).
    **kwargs
        Passed to every :func:`design_cascade` call (e.g. ``tradeoff_factors=None``).

    Returns
    -------
    tuple of DesignResult
        One per split; each split's feed is the simulated product of its source.
    """
    out: list[DesignResult] = []
    feed0 = np.asarray(feed_mol_h, dtype=float)
    for i, sp in enumerate(splits):
        sp = dict(sp)
        src = sp.pop("source", "feed")
        extract = sp.pop("extract")
        if src == "feed":
            f = feed0
        else:
            j, stream = src
            if not 0 <= j < i or stream not in ("extract", "raffinate"):
                raise ConfigError(
                    f"train: split {i}: source must be 'feed' or (earlier index, "
                    f"'extract'|'raffinate'), got {src!r}"
                )
            r = out[j].cascade
            f = np.array(r.extract_mol_h if stream == "extract" else r.raffinate_mol_h)
        out.append(design_cascade(elements, beta, f, extract, **sp, **kwargs))
    return tuple(out)
