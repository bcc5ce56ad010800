"""Countercurrent solvent-extraction cascade: definition, steady-state simulation, result.

Conventions
-----------
* Stages are numbered 1…N in the user-facing API (index ``k - 1`` in arrays). Fresh
  (saponified) organic enters stage 1 and flows 1 → N; aqueous flows N → 1 and the
  raffinate leaves stage 1 (Xu Guangxian's numbering). Sections follow each other along
  the organic path: extraction (1…n), scrubbing (n+1…n+m), stripping (n+m+1…N).
* Flows are molar flows of each rare earth [mol/h] (any time unit works if used
  consistently). ``beta`` is each element's extractability relative to a reference
  element [-] (the reference has 1), so the separation factor of A over B is
  ``beta_A / beta_B``.
* Equilibrium in stage k: organic flow ``y*_ki = theta_k * beta_i * x_ki`` with the stage
  ratio ``theta_k`` set by the stage's closure (see :mod:`.equilibrium`). With the organic
  loading fixed by saponification, ``sum_i y*_ki = L_k`` and therefore
  ``y*_ki = L_k * beta_i * x_ki / sum_j beta_j x_kj`` (constant mixed extraction ratio).
* Stage efficiency ``eta`` (Murphree, organic phase): ``y_k = y_in + eta (y*_k - y_in)``;
  in fixed-loading stages the organic's loading is set by stoichiometry (saponification,
  scrub acid), so the efficiency acts on its composition only: the organic leaves with
  ``L_k``, ``(1 - eta)`` parts of the entering composition and ``eta`` parts equilibrium.

The solver (:func:`simulate`) converges the stage ratios by Newton's method with a line
search; where Newton stalls (pinch zones, inventories building up) it tries
Anderson-accelerated successive substitution, then runs the cascade's start-up dynamics in
blocks of cycles and retries Newton after each. Every intermediate state is physical (all
flows non-negative), so it can start from any positive guess. On return the balance of
every element in every stage holds to rounding (relative residual <= 1e-10 is checked) and
the equilibrium relation to ``tol`` (then one more Newton step polishes it to rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from mine2magnet.errors import ConfigError, Error
from mine2magnet.processing.sx import _kernels

__all__ = [
    "BALANCE_TOL",
    "Cascade",
    "CascadeConvergenceError",
    "CascadeResult",
    "countercurrent",
    "simulate",
]

#: Relative mass-balance tolerance every converged steady state is checked against [-].
BALANCE_TOL = 1e-10

Model = Literal["fixed_loading", "loading_limited", "linear"]
Section = Literal["extraction", "scrub", "strip"]

_KIND = {"linear": 0, "fixed_loading": 1, "loading_limited": 2}


class CascadeConvergenceError(Error):
    """The steady state did not converge (usually an infeasible cascade specification)."""


def _frozen(a: np.ndarray) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Cascade:
    """A countercurrent cascade stage by stage (build it with :func:`countercurrent`).

    Parameters
    ----------
    elements : tuple of str
        Element symbols, one per component.
    beta : ndarray, shape (C,)
        Extractability of each element relative to the reference element [-].
    section : tuple of str
        Section of each stage: ``"extraction"``, ``"scrub"`` or ``"strip"``.
    closure : ndarray of int, shape (N,)
        Equilibrium closure per stage: 0 fixed ratio (linear), 1 fixed organic loading,
        2 loading limited (competitive Langmuir).
    ratio : ndarray, shape (N,)
        Stage ratio ``theta`` of fixed-ratio stages [-]: the extraction factor of the
        reference element (organic/aqueous flow ratio × distribution ratio).
    loading_mol_h : ndarray, shape (N,)
        Organic rare-earth loading leaving the stage (closure 1), or the organic's
        saturation capacity (closure 2) [mol/h].
    affinity_h_mol : ndarray, shape (N,)
        Langmuir affinity of the reference element per unit aqueous flow (closure 2)
        [h/mol]; large values approach the fixed-loading model.
    efficiency : ndarray, shape (N,)
        Murphree organic-phase stage efficiency, in (0, 1] [-].
    feed_aqueous_mol_h, feed_organic_mol_h : ndarray, shape (N, C)
        Rare earths entering each stage with the aqueous or the organic phase [mol/h]
        (feed, RE-bearing scrub liquor).
    aqueous_link : ndarray of bool, shape (N,)
        ``aqueous_link[k]`` is True when the aqueous leaving stage k+2 enters stage k+1
        (1-based); False where a section boundary breaks the aqueous circuit (the aqueous of
        the stage above then leaves the cascade, e.g. the strip liquor). The last entry is
        always False.
    extract_elements : tuple of str
        The split: elements meant for the extract (organic) product; the rest are meant
        for the raffinate. Only used to report purities and recoveries.
    """

    elements: tuple[str, ...]
    beta: np.ndarray
    section: tuple[str, ...]
    closure: np.ndarray
    ratio: np.ndarray
    loading_mol_h: np.ndarray
    affinity_h_mol: np.ndarray
    efficiency: np.ndarray
    feed_aqueous_mol_h: np.ndarray
    feed_organic_mol_h: np.ndarray
    aqueous_link: np.ndarray
    extract_elements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n, c = len(self.section), len(self.elements)
        conv = {
            "beta": (np.float64, (c,)),
            "closure": (np.int64, (n,)),
            "ratio": (np.float64, (n,)),
            "loading_mol_h": (np.float64, (n,)),
            "affinity_h_mol": (np.float64, (n,)),
            "efficiency": (np.float64, (n,)),
            "feed_aqueous_mol_h": (np.float64, (n, c)),
            "feed_organic_mol_h": (np.float64, (n, c)),
            "aqueous_link": (np.bool_, (n,)),
        }
        for name, (dtype, shape) in conv.items():
            arr = np.asarray(getattr(self, name), dtype=dtype)
            if arr.shape != shape:
                raise ConfigError(f"cascade: '{name}' has shape {arr.shape}, expected {shape}")
            object.__setattr__(self, name, _frozen(arr))
        if n == 0 or c == 0:
            raise ConfigError("cascade: needs at least one stage and one element")
        if len(set(self.elements)) != c:
            raise ConfigError(f"cascade: duplicate elements in {self.elements}")
        if not np.all(np.isfinite(self.beta)) or np.any(self.beta <= 0):
            raise ConfigError("cascade: every separation factor 'beta' must be > 0 and finite")
        if np.any((self.efficiency <= 0) | (self.efficiency > 1)):
            raise ConfigError("cascade: stage 'efficiency' must lie in (0, 1]")
        if np.any(self.feed_aqueous_mol_h < 0) or np.any(self.feed_organic_mol_h < 0):
            raise ConfigError("cascade: feed flows must be >= 0")
        if self.feed_aqueous_mol_h.sum() + self.feed_organic_mol_h.sum() <= 0:
            raise ConfigError("cascade: no rare earths fed; give a positive feed flow")
        bad = set(self.extract_elements) - set(self.elements)
        if bad:
            raise ConfigError(f"cascade: split names elements not in the cascade: {sorted(bad)}")
        for k in range(n):
            kind = self.closure[k]
            if kind == 0 and not self.ratio[k] > 0:
                raise ConfigError(f"cascade: stage {k + 1}: linear stage needs 'ratio' > 0")
            if kind in (1, 2) and not self.loading_mol_h[k] > 0:
                raise ConfigError(
                    f"cascade: stage {k + 1}: organic loading/capacity must be > 0 "
                    f"(got {self.loading_mol_h[k]:g} mol/h); raise the organic flow or "
                    "lower the scrub acid"
                )
            if kind == 2 and not self.affinity_h_mol[k] > 0:
                raise ConfigError(f"cascade: stage {k + 1}: 'affinity_h_mol' must be > 0")
            if kind not in (0, 1, 2):
                raise ConfigError(f"cascade: stage {k + 1}: unknown closure {kind}")
        if self.aqueous_link[-1]:
            raise ConfigError("cascade: the last stage has no stage above it to link")

    @property
    def n_stages(self) -> int:
        """Number of stages N."""
        return len(self.section)


def _per_stage(value: float | Sequence[float], n: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ConfigError(f"cascade: '{name}' must be a number or one value per stage ({n})")
    return arr


def countercurrent(
    elements: Sequence[str],
    beta: Sequence[float] | np.ndarray,
    feed_mol_h: Sequence[float] | np.ndarray,
    *,
    n_extraction: int,
    n_scrub: int = 0,
    n_strip: int = 0,
    model: Model = "fixed_loading",
    organic_mol_h: float | None = None,
    scrub_mol_h: float = 0.0,
    scrub_feed_mol_h: Sequence[float] | np.ndarray | None = None,
    feed_stage: int | None = None,
    feed_phase: Literal["aqueous", "organic"] = "aqueous",
    ratio: float | Sequence[float] | None = None,
    affinity_h_mol: float | tuple[float, float] = 1e3,
    strip_ratio: float = 0.02,
    efficiency: float | Sequence[float] = 1.0,
    extract_elements: Sequence[str] = (),
) -> Cascade:
    """Build the usual extraction–scrubbing(–stripping) cascade of Xu's theory.

    Parameters
    ----------
    elements : sequence of str
        Element symbols [-].
    beta : array_like, shape (C,)
        Extractability relative to a reference element [-]; for ``model="linear"`` the
        distribution ratios of the elements [-].
    feed_mol_h : array_like, shape (C,)
        Rare-earth feed flows [mol/h].
    n_extraction, n_scrub, n_strip : int
        Stages in each section [-].
    model : {"fixed_loading", "loading_limited", "linear"}
        Equilibrium closure of the extraction and scrubbing stages.
    organic_mol_h : float
        ``S``: organic rare-earth loading fixed by saponification (``fixed_loading``), or
        the organic's saturation capacity (``loading_limited``) [mol/h]. With an organic
        feed and fixed loading, the stages from the feed stage up carry ``S`` plus the feed.
    scrub_mol_h : float
        ``W`` (fixed loading only): rare earths returned to the aqueous by the scrub acid in
        the last scrub stage [mol/h] (the scrub acid is ``3 W`` mol/h of H+); that stage's
        organic leaves with ``S - W``. Zero when ``scrub_feed_mol_h`` is used instead. In
        the loading-limited model the scrub acid acts through the scrub stages' affinity.
    scrub_feed_mol_h : array_like, shape (C,), optional
        A rare-earth-bearing scrub liquor entering the last scrub stage (reflux of
        product) [mol/h], instead of the acid scrub.
    feed_stage : int, optional
        1-based stage receiving the feed; default the last extraction stage (aqueous feed)
        or the first scrub stage (organic feed).
    feed_phase : {"aqueous", "organic"}
        Phase carrying the feed.
    ratio : float or sequence of float, optional
        ``model="linear"`` only: organic/aqueous flow ratio of each extraction/scrub stage
        [-]; the extraction factor of element i is ``ratio * beta_i``.
    affinity_h_mol : float or (float, float)
        ``model="loading_limited"`` only: Langmuir affinity of the reference element per
        unit aqueous flow [h/mol], one value or one for extraction and one for scrubbing
        stages (the scrub acid lowers it).
    strip_ratio : float
        Extraction factor in the stripping stages of the most extractable element [-]
        (others scale with ``beta``); small values mean complete stripping.
    efficiency : float or sequence of float
        Murphree efficiency of every stage, or one per stage [-].
    extract_elements : sequence of str
        Elements meant for the extract (organic) product, for purity reporting.

    Returns
    -------
    Cascade

    Examples
    --------
    >>> c = countercurrent(["Pr", "Nd"], [1.0, 1.5], [0.25, 0.75], n_extraction=17,
    ...                    n_scrub=29, organic_mol_h=4.0, scrub_mol_h=3.25)
    >>> c.n_stages
    46
    """
    elements = tuple(elements)
    c = len(elements)
    beta_arr = np.asarray(beta, dtype=float)
    feed = np.asarray(feed_mol_h, dtype=float)
    if beta_arr.shape != (c,) or feed.shape != (c,):
        raise ConfigError(f"cascade: 'beta' and 'feed_mol_h' need one value per element ({c})")
    if n_extraction < 1 or n_scrub < 0 or n_strip < 0:
        raise ConfigError("cascade: need n_extraction >= 1, n_scrub >= 0, n_strip >= 0")
    if model not in _KIND:
        raise ConfigError(f"cascade: unknown model {model!r}; use one of {sorted(_KIND)}")
    nes = n_extraction + n_scrub
    n = nes + n_strip
    section = ("extraction",) * n_extraction + ("scrub",) * n_scrub + ("strip",) * n_strip
    if feed_stage is None:
        feed_stage = n_extraction if feed_phase == "aqueous" else min(n_extraction + 1, nes)
    if not 1 <= feed_stage <= nes:
        raise ConfigError(
            f"cascade: feed_stage {feed_stage} outside the extraction/scrub stages 1…{nes}"
        )
    f = feed_stage - 1
    feed_aq = np.zeros((n, c))
    feed_org = np.zeros((n, c))
    if feed_phase == "aqueous":
        feed_aq[f] = feed
    elif feed_phase == "organic":
        feed_org[f] = feed
    else:
        raise ConfigError(f"cascade: feed_phase must be 'aqueous' or 'organic', not {feed_phase!r}")
    if scrub_feed_mol_h is not None:
        if n_scrub == 0:
            raise ConfigError("cascade: a scrub liquor needs at least one scrub stage")
        sf = np.asarray(scrub_feed_mol_h, dtype=float)
        if sf.shape != (c,):
            raise ConfigError(f"cascade: 'scrub_feed_mol_h' needs one value per element ({c})")
        feed_aq[nes - 1] += sf
    if scrub_mol_h < 0:
        raise ConfigError("cascade: 'scrub_mol_h' must be >= 0")
    if scrub_mol_h > 0 and n_scrub == 0:
        raise ConfigError("cascade: an acid scrub (scrub_mol_h > 0) needs n_scrub >= 1")

    kind = np.zeros(n, dtype=np.int64)
    ratio_arr = np.ones(n)
    loading = np.zeros(n)
    affinity = np.zeros(n)
    if model == "linear":
        if ratio is None:
            raise ConfigError("cascade: model 'linear' needs 'ratio' (O/A flow ratio)")
        ratio_arr[:nes] = _per_stage(ratio, nes, "ratio")
    else:
        if organic_mol_h is None or not organic_mol_h > 0:
            raise ConfigError(
                f"cascade: model {model!r} needs organic_mol_h (S) > 0; it is the organic "
                "rare-earth loading fixed by saponification (or the organic's capacity)"
            )
        kind[:nes] = _KIND[model]
        loading[:nes] = organic_mol_h
        if model == "fixed_loading":
            if feed_phase == "organic":
                loading[f:nes] += feed.sum()
            loading[nes - 1] -= scrub_mol_h
        elif scrub_mol_h:
            raise ConfigError(
                "cascade: with model 'loading_limited' the acid scrub is set by its affinity "
                "(scrub stages), not by scrub_mol_h; leave scrub_mol_h at 0"
            )
        aff = np.atleast_1d(np.asarray(affinity_h_mol, dtype=float))
        if aff.shape == (1,):
            aff = np.repeat(aff, 2)
        if aff.shape != (2,):
            raise ConfigError("cascade: 'affinity_h_mol' is one value or (extraction, scrub)")
        affinity[:n_extraction] = aff[0]
        affinity[n_extraction:nes] = aff[1]
    link = np.ones(n, dtype=bool)
    link[-1] = False
    if n_strip:
        link[nes - 1] = False  # strip liquor leaves; scrub acid enters the last scrub stage
        # K_i = strip_ratio * beta_i / max(beta): every element strips at least as well
        # as the most extractable one
        ratio_arr[nes:] = strip_ratio / beta_arr.max()
    return Cascade(
        elements=elements,
        beta=beta_arr,
        section=section,
        closure=kind,
        ratio=ratio_arr,
        loading_mol_h=loading,
        affinity_h_mol=affinity,
        efficiency=_per_stage(efficiency, n, "efficiency"),
        feed_aqueous_mol_h=feed_aq,
        feed_organic_mol_h=feed_org,
        aqueous_link=link,
        extract_elements=tuple(extract_elements),
    )


@dataclass(frozen=True)
class CascadeResult:
    """Steady state of a cascade (all flows in mol/h; stage k is row k-1).

    Attributes
    ----------
    cascade : Cascade
        The simulated cascade.
    aqueous_mol_h, organic_mol_h : ndarray, shape (N, C)
        Aqueous and organic flow of each element leaving each stage [mol/h].
    theta : ndarray, shape (N,)
        Stage ratio ``y*/(beta x)`` [-].
    feed_mol_h : ndarray, shape (C,)
        Total rare earths fed (aqueous + organic feeds) [mol/h].
    raffinate_mol_h : ndarray, shape (C,)
        Aqueous leaving stage 1 [mol/h].
    extract_mol_h : ndarray, shape (C,)
        Organic leaving the last extraction/scrub stage (the loaded organic going to
        stripping) [mol/h].
    strip_liquor_mol_h : ndarray, shape (C,)
        Aqueous leaving the first strip stage (zeros without stripping) [mol/h].
    organic_out_mol_h : ndarray, shape (C,)
        Organic leaving stage N (barren organic when there is a strip section) [mol/h].
    iterations : int
        Newton iterations in total [-].
    cycles : int
        Start-up cycles run before Newton converged (0 when Newton converged from the
        start) [-].
    closure_residual : float
        Largest ``|ln(theta_k s_k / L_k)|`` (or Langmuir analogue) at return [-].
    balance_residual_rel : float
        Largest relative imbalance (in − out)/in of any element in any stage [-].
    equilibrium_residual_rel : float
        Largest relative deviation from the stage equilibrium relations [-].
    """

    cascade: Cascade
    aqueous_mol_h: np.ndarray
    organic_mol_h: np.ndarray
    theta: np.ndarray
    feed_mol_h: np.ndarray
    raffinate_mol_h: np.ndarray
    extract_mol_h: np.ndarray
    strip_liquor_mol_h: np.ndarray
    organic_out_mol_h: np.ndarray
    iterations: int
    cycles: int
    closure_residual: float
    balance_residual_rel: float
    equilibrium_residual_rel: float

    @property
    def elements(self) -> tuple[str, ...]:
        """Element symbols [-]."""
        return self.cascade.elements

    def _group(self) -> np.ndarray:
        if not self.cascade.extract_elements:
            raise ConfigError(
                "cascade result: no split given; pass extract_elements to countercurrent()"
            )
        return np.array([e in self.cascade.extract_elements for e in self.elements])

    @property
    def extract_purity(self) -> float:
        """Mole fraction of the extract elements in the extract product [-]."""
        g = self._group()
        return float(self.extract_mol_h[g].sum() / self.extract_mol_h.sum())

    @property
    def raffinate_purity(self) -> float:
        """Mole fraction of the raffinate elements in the raffinate product [-]."""
        g = self._group()
        return float(self.raffinate_mol_h[~g].sum() / self.raffinate_mol_h.sum())

    @property
    def extract_recovery(self) -> float:
        """Fraction of the fed extract elements reporting to the extract [-]."""
        g = self._group()
        return float(self.extract_mol_h[g].sum() / self.feed_mol_h[g].sum())

    @property
    def raffinate_recovery(self) -> float:
        """Fraction of the fed raffinate elements reporting to the raffinate [-]."""
        g = self._group()
        return float(self.raffinate_mol_h[~g].sum() / self.feed_mol_h[~g].sum())

    def profile(self) -> pd.DataFrame:
        """Stage profile, one row per stage and element.

        Columns: ``stage``, ``section``, ``element``, ``aqueous_mol_h``, ``organic_mol_h``,
        ``aqueous_molfrac``, ``organic_molfrac``.
        """
        n, c = self.aqueous_mol_h.shape
        aq, org = self.aqueous_mol_h, self.organic_mol_h
        with np.errstate(invalid="ignore", divide="ignore"):
            fa = aq / aq.sum(axis=1, keepdims=True)
            fo = org / org.sum(axis=1, keepdims=True)
        return pd.DataFrame(
            {
                "stage": np.repeat(np.arange(1, n + 1), c),
                "section": np.repeat(np.array(self.cascade.section), c),
                "element": np.tile(np.array(self.elements), n),
                "aqueous_mol_h": aq.ravel(),
                "organic_mol_h": org.ravel(),
                "aqueous_molfrac": np.nan_to_num(fa).ravel(),
                "organic_molfrac": np.nan_to_num(fo).ravel(),
            }
        )

    def products(self) -> pd.DataFrame:
        """Outlet streams, one row per stream and element.

        Columns: ``stream`` (raffinate, extract, strip_liquor, organic_out), ``element``,
        ``flow_mol_h``, ``molfrac``, ``recovery_frac`` (of that element's feed).
        """
        rows = []
        streams = {
            "raffinate": self.raffinate_mol_h,
            "extract": self.extract_mol_h,
            "strip_liquor": self.strip_liquor_mol_h,
            "organic_out": self.organic_out_mol_h,
        }
        for name, flow in streams.items():
            tot = flow.sum()
            for i, e in enumerate(self.elements):
                fed = self.feed_mol_h[i]
                rows.append(
                    (
                        name,
                        e,
                        flow[i],
                        flow[i] / tot if tot > 0 else 0.0,
                        flow[i] / fed if fed > 0 else np.nan,
                    )
                )
        return pd.DataFrame(
            rows, columns=["stream", "element", "flow_mol_h", "molfrac", "recovery_frac"]
        )


def _stage_totals(cas: Cascade) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Aqueous rare-earth totals [mol/h], whether they are exact, carry and efficiency [-].

    The carry ``c_k`` is the part of the entering organic that leaves stage k without
    exchanging (see :mod:`._kernels`): ``1 - eta`` in general; in the block of
    fixed-loading stages that starts at stage 1, ``(1 - eta) L_k / Y_in`` (at most 1) so
    that the organic leaves with exactly its loading ``L_k`` whatever the efficiency
    (saponification and the scrub acid fix the loading; efficiency only slows the exchange
    of elements). A fixed-loading stage that receives no rare earths on the organic loads
    from the aqueous alone: its effective efficiency is 1.
    Totals are exact for that block when no aqueous enters it from outside (the usual
    extraction + scrub block); elsewhere a rough guess (the total feed).
    """
    n = cas.n_stages
    eta = np.array(cas.efficiency, dtype=float)
    carry = 1.0 - eta
    fa = cas.feed_aqueous_mol_h.sum(axis=1)
    fo = cas.feed_organic_mol_h.sum(axis=1)
    guess = np.full(n, fa.sum() + fo.sum())
    known = np.zeros(n, dtype=bool)
    prefix = 0
    while prefix < n and cas.closure[prefix] == 1:
        prefix += 1
    org = np.empty(prefix)  # organic totals leaving each stage
    prev = 0.0
    for k in range(prefix):
        y_in = prev + fo[k]
        if y_in > 0:
            carry[k] = min((1.0 - eta[k]) * cas.loading_mol_h[k] / y_in, 1.0)
        else:
            carry[k], eta[k] = 0.0, 1.0
        prev = carry[k] * y_in + eta[k] * cas.loading_mol_h[k]
        org[k] = prev
    if prefix == 0 or (prefix < n and cas.aqueous_link[prefix - 1]):
        return guess, known, carry, eta
    a_above = 0.0
    for k in range(prefix - 1, -1, -1):
        org_in = org[k - 1] if k > 0 else 0.0
        arriving = org_in + fo[k] + fa[k] + a_above
        a = arriving - org[k]
        if not a > 1e-12 * arriving:
            raise ConfigError(
                f"cascade: infeasible: stage {k + 1} ({cas.section[k]}) must leave "
                f"{org[k]:.6g} mol/h of rare earths on the organic but only {arriving:.6g} "
                "mol/h reach it; lower the organic loading S or raise the scrub/feed flows"
            )
        guess[k] = a
        known[k] = True
        if k > 0:
            a_above = a if cas.aqueous_link[k - 1] else 0.0
    return guess, known, carry, eta


def _mean_beta_guess(cas: Cascade, totals: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Mean extractability of each stage's aqueous for the starting guess [-].

    Assumes a perfect split: the raffinate (total known from the stage totals) holds the
    least extractable elements, the extract the rest; extraction stages take the
    raffinate's (log-)mean extractability, scrub stages the extract's. Without known
    totals: the feed's mean.
    """
    feed = cas.feed_aqueous_mol_h.sum(axis=0) + cas.feed_organic_mol_h.sum(axis=0)
    lb = np.log(cas.beta)
    out = np.full(cas.n_stages, float(np.exp(np.dot(lb, feed) / feed.sum())))
    if not known[0]:
        return out
    raf_total = min(totals[0], feed.sum())
    order = np.argsort(cas.beta)
    raf = np.zeros_like(feed)
    left = raf_total
    for i in order:
        take = min(feed[i], left)
        raf[i] = take
        left -= take
    ext = feed - raf
    if raf.sum() <= 0 or ext.sum() <= 0:
        return out
    b_raf = float(np.exp(np.dot(lb, raf) / raf.sum()))
    b_ext = float(np.exp(np.dot(lb, ext) / ext.sum()))
    sec = np.array(cas.section)
    out[sec == "extraction"] = b_raf
    out[sec == "scrub"] = b_ext
    return out


def simulate(
    cascade: Cascade,
    *,
    tol: float = 1e-11,
    max_iter: int = 100,
    max_cycles: int = 400_000,
    theta0: Sequence[float] | np.ndarray | None = None,
) -> CascadeResult:
    """Solve the steady state of a cascade.

    Parameters
    ----------
    cascade : Cascade
        The cascade (see :func:`countercurrent`).
    tol : float
        Convergence tolerance on the closure residuals, i.e. the relative error of the
        organic loading in every stage [-].
    max_iter : int
        Newton iterations allowed from the start [-].
    max_cycles : int
        Start-up cycles allowed when Newton alone stalls [-].
    theta0 : array_like, shape (N,), optional
        Starting stage ratios [-]; any positive values are a feasible start. Default from
        the feed-averaged extractability and the stage totals.

    Returns
    -------
    CascadeResult

    Raises
    ------
    ConfigError
        For an infeasible specification (organic loading larger than the rare earths
        available in a stage).
    CascadeConvergenceError
        If the iteration does not reach ``tol`` or the mass balance misses
        :data:`BALANCE_TOL`.

    Examples
    --------
    Kremser: one solute, extraction factor 2, three stages leave 1/15 in the raffinate.

    >>> c = countercurrent(["Nd"], [2.0], [1.0], n_extraction=3, model="linear", ratio=1.0)
    >>> round(float(simulate(c).raffinate_mol_h[0]) * 15, 12)
    1.0
    """
    cas = cascade
    n, c = cas.n_stages, len(cas.elements)
    kind = cas.closure
    free = np.flatnonzero(kind != 0).astype(np.int64)
    fa = cas.feed_aqueous_mol_h
    fo = cas.feed_organic_mol_h
    totals, known, carry, eta = _stage_totals(cas)
    r1 = np.ascontiguousarray((carry[:, None] * fo).T)
    r2 = np.ascontiguousarray((fo + fa).T)
    link = cas.aqueous_link.astype(np.float64)
    atot = np.where(known & (kind == 1), totals, 0.0)
    guesses = []
    if theta0 is not None:
        th = np.asarray(theta0, dtype=float)
        if th.shape != (n,) or np.any(~(th > 0)) or not np.all(np.isfinite(th)):
            raise ConfigError(f"simulate: theta0 needs {n} positive finite values")
        guesses.append(th)
    # split-aware mean extractability, then the feed's mean: two cheap Newton starts
    feed = fa.sum(axis=0) + fo.sum(axis=0)
    b_feed = float(np.exp(np.dot(np.log(cas.beta), feed) / feed.sum()))
    for bbar in (_mean_beta_guess(cas, totals, known), np.full(n, b_feed)):
        s_guess = np.maximum(bbar * totals, 1e-300)
        guesses.append(
            np.where(
                kind == 1,
                cas.loading_mol_h / s_guess,
                cas.affinity_h_mol * cas.loading_mol_h / (1.0 + cas.affinity_h_mol * s_guess),
            )
        )
    starts = np.ascontiguousarray(np.log(np.array(guesses)[:, free]))
    x, y, theta, rmax, iters, cycles = _kernels.solve_cascade(
        cas.ratio.astype(np.float64),
        free,
        starts,
        cas.beta,
        eta,
        carry,
        link,
        r1,
        r2,
        kind,
        cas.loading_mol_h,
        cas.affinity_h_mol,
        atot,
        np.ascontiguousarray(fa),
        np.ascontiguousarray(fo),
        float(tol),
        int(max_iter),
        int(max_cycles),
        5.0,
    )
    if not rmax <= tol:
        raise CascadeConvergenceError(
            f"cascade: steady state not converged after {iters} Newton iterations and "
            f"{cycles} start-up cycles (closure residual {rmax:.3g} > {tol:.3g}); check "
            "that the organic loading and scrub flows are feasible, or raise max_cycles"
        )
    bal, eq = _residuals(cas, x, y, theta, carry, eta)
    if bal > BALANCE_TOL:
        raise CascadeConvergenceError(
            f"cascade: mass balance residual {bal:.3g} exceeds {BALANCE_TOL:g} "
            "(ill-conditioned specification)"
        )
    nes = sum(1 for s in cas.section if s != "strip")
    strip = cas.section[-1] == "strip"
    return CascadeResult(
        cascade=cas,
        aqueous_mol_h=_frozen(x),
        organic_mol_h=_frozen(y),
        theta=_frozen(theta),
        feed_mol_h=_frozen(fa.sum(axis=0) + fo.sum(axis=0)),
        raffinate_mol_h=_frozen(x[0]),
        extract_mol_h=_frozen(y[nes - 1]),
        strip_liquor_mol_h=_frozen(x[nes] if strip else np.zeros(c)),
        organic_out_mol_h=_frozen(y[-1]),
        iterations=int(iters),
        cycles=int(cycles),
        closure_residual=float(rmax),
        balance_residual_rel=bal,
        equilibrium_residual_rel=eq,
    )


def _residuals(
    cas: Cascade,
    x: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    carry: np.ndarray,
    eta_eff: np.ndarray,
) -> tuple[float, float]:
    """Largest relative stage balance and equilibrium residuals [-]."""
    fa, fo = cas.feed_aqueous_mol_h, cas.feed_organic_mol_h
    eta = eta_eff[:, None]
    y_prev = np.vstack([np.zeros((1, x.shape[1])), y[:-1]])
    x_next = np.vstack([x[1:], np.zeros((1, x.shape[1]))]) * cas.aqueous_link[:, None]
    inflow = y_prev + fo + x_next + fa
    outflow = x + y
    scale = np.maximum(inflow, outflow)
    ok = scale > 1e-250
    bal = float(np.max(np.abs(inflow - outflow)[ok] / scale[ok], initial=0.0))
    ystar = theta[:, None] * cas.beta[None, :] * x
    ymod = carry[:, None] * (y_prev + fo) + eta * ystar
    sc = np.maximum(y, ymod)
    ok = sc > 1e-250
    eq = float(np.max(np.abs(y - ymod)[ok] / sc[ok], initial=0.0))
    # closure (organic loading) of fixed-loading / loading-limited stages
    s = (cas.beta[None, :] * x).sum(axis=1)
    k1 = cas.closure == 1
    if k1.any():
        eq = max(eq, float(np.max(np.abs(theta[k1] * s[k1] / cas.loading_mol_h[k1] - 1.0))))
    k2 = cas.closure == 2
    if k2.any():
        kap, q = cas.affinity_h_mol[k2], cas.loading_mol_h[k2]
        eq = max(eq, float(np.max(np.abs(theta[k2] * (1 + kap * s[k2]) / (kap * q) - 1.0))))
    return bal, eq
