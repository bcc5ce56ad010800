"""The SX refinery: a train of cascades from the mixed rare-earth feed to separated products.

:func:`design_refinery` designs every cascade of ``[processing.refinery]`` with the cascade
designer (:func:`~mine2magnet.processing.sx.design_cascade`: Xu's formulas refined to exact
minimum stages by simulation), each fed by the simulated product of its source, then sizes
the mixer-settlers, counts reagents and estimates capex and opex by factored methods
(:mod:`.refinery_costs`).

Purity targets
--------------
A product's purity is the oxide mass fraction of its payable elements. Its impurities come
from two kinds of cascades: the one that makes it (elements across that cut) and upstream
cascades whose cross-cut impurities travel down to it (an element less extractable than
everything in a stream always follows the raffinate side downstream, a more extractable
one the extract side, so each stream's impurities land in one known product). Each
product's impurity allowance ``(1 - P) / P × payable oxide`` (× ``design_margin``) is shared
equally among the upstream cascades that can contaminate it; the final cascade gets what
the upstream ones actually left (they are designed first). The cascade targets are the
group purities (mole fractions) that keep each cross-cut impurity within its share, and
within ``1 - min_recovery_pct`` of the other side's key element (the element next to the
cut, which is what leaks across it), so that a minor element is not given away where the
purity targets alone would allow it. If a
product still misses its target after simulation, its allowance is tightened and the train
redesigned (up to three times).

Mass balance
------------
Each cascade splits every element of its feed between extract and raffinate by the
simulated steady state (elements absent from a cascade's simulation go wholly to their side
of the cut), and ``loss_pct_per_cascade`` of both outputs leaves as losses. Products +
losses equal the feed for every element (checked by the tests to 1e-9).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mine2magnet.chemistry import CANONICAL_SPECIES, element_of
from mine2magnet.errors import ConfigError
from mine2magnet.processing.params import SxProduct
from mine2magnet.processing.refinery_costs import (
    CascadeFlows,
    ProductFlow,
    cascade_sizing,
    cost_table,
    equipment_table,
    reagent_table,
)
from mine2magnet.processing.refinery_params import (
    RefineryParams,
    TrainStream,
    extractabilities,
    train_streams,
)
from mine2magnet.processing.sx.cascade import CascadeConvergenceError
from mine2magnet.processing.sx.design import (
    DesignError,
    DesignResult,
    PlantBasis,
    design_cascade,
    oxide_mass_per_mol,
)
from mine2magnet.processing.types import Refinery

__all__ = [
    "design_refinery",
    "kremser_strip_stages",
    "refinery_sx_products",
]

_TRACE = 1e-14  # elements below this fraction of a cascade's feed are not simulated
_TIGHTEN = 0.3  # allowance factor after a product misses its target
_ATTEMPTS = 4


def kremser_strip_stages(extraction_factor: float, residual: float) -> int:
    """Stripping stages that leave ``residual`` of the loaded solute on the organic.

    Kremser for stripping with stripping factor ``S = 1 / E``: the fraction left after
    ``N`` ideal stages is ``(S - 1) / (S^(N+1) - 1)`` (DOMAIN.md §3, with the phases
    swapped).

    Parameters
    ----------
    extraction_factor : float
        ``E`` in the strip stages, in (0, 1) [-].
    residual : float
        Largest fraction left on the stripped organic, in (0, 1) [-].

    Returns
    -------
    int
        The smallest ``N`` >= 1 [-].

    Examples
    --------
    >>> kremser_strip_stages(0.1, 1e-3)
    3
    """
    s = 1.0 / extraction_factor
    n = 1
    while (s - 1.0) / (s ** (n + 1) - 1.0) > residual:
        n += 1
    return n


@dataclass
class _Cascade:
    index: int
    name: str
    cut: str
    source: str
    feed_phase: str
    feed: np.ndarray  # mol/h per train element
    extract_frac: np.ndarray = field(default_factory=lambda: np.zeros(0))
    design: DesignResult | None = None
    targets: tuple[float, float] = (math.nan, math.nan)
    extract: np.ndarray = field(default_factory=lambda: np.zeros(0))
    raffinate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _feed_vector(feed_oxide_tpa: Mapping[str, float]) -> dict[str, float]:
    """Oxide t/y keyed by element (Pm and zeros dropped); errors name the key."""
    out: dict[str, float] = {}
    for key, value in feed_oxide_tpa.items():
        try:
            el = element_of(str(key))
        except ValueError:
            el = ""
        if el not in _REO_EL or CANONICAL_SPECIES[el] != key:
            raise ConfigError(
                f"refinery feed: {key!r} is not a rare-earth oxide; give La2O3, CeO2, "
                "Pr6O11, Nd2O3, … in t/y"
            )
        v = float(value)
        if not math.isfinite(v) or v < 0:
            raise ConfigError(f"refinery feed: {key} must be a finite tonnage >= 0 (got {v!r})")
        if v > 0:
            out[el] = out.get(el, 0.0) + v
    if not out:
        raise ConfigError("refinery feed: no rare-earth oxides to separate")
    return out


_REO_EL = ("La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y")


def _bypasses(params: RefineryParams, streams: dict[str, TrainStream], present: set[str]):
    """Cascades with nothing to separate: side → where all of its feed goes."""
    out: dict[int, str] = {}
    for i in range(len(params.splits)):
        ext = set(streams[f"{i}.extract"].elements) & present
        raf = set(streams[f"{i}.raffinate"].elements) & present
        if not ext or not raf:
            out[i] = "extract" if ext else "raffinate"
    return out


def _landing(streams: dict[str, TrainStream], key: str, bypass: dict[int, str]) -> str:
    """The product that receives the cross-cut impurities of stream ``key``."""
    direction = "raffinate" if key.endswith(".extract") else "extract"
    s = streams[key]
    while s.consumer is not None:
        s = streams[f"{s.consumer}.{bypass.get(s.consumer, direction)}"]
    return s.key


def design_refinery(
    feed_oxide_tpa: Mapping[str, float] | pd.Series,
    params: RefineryParams | None = None,
    *,
    precipitant: str = "oxalic_acid",
    precipitant_excess: float = 1.2,
) -> Refinery:
    """Design the SX separation train for a mixed rare-earth feed.

    Parameters
    ----------
    feed_oxide_tpa : Mapping or pandas.Series
        Rare-earth oxides fed to SX [t/y], keyed by canonical oxide (``La2O3``, ``CeO2``,
        ``Pr6O11``, ``Nd2O3``, …); zeros are allowed.
    params : RefineryParams, optional
        The ``[processing.refinery]`` section; default the four-split light-REE train in
        P507 at 99.5 %.
    precipitant : {"oxalic_acid", "sodium_carbonate", "ammonium_bicarbonate"}
        Precipitant of the products (``[processing.precipitation]``).
    precipitant_excess : float
        Precipitant over stoichiometry [-].

    Returns
    -------
    Refinery
        Cascades, products, reagents, equipment, costs and the element distribution.

    Raises
    ------
    ConfigError
        A feed key that is not a rare-earth oxide, an element without a separation
        factor, or a cascade whose targets cannot be met within ``max_stages`` (the message
        names ``processing.refinery.splits[i]``).

    Examples
    --------
    >>> from mine2magnet.processing.refinery_params import RefineryParams
    >>> p = RefineryParams(splits=[{"cut": "Pr|Nd", "extract_product": "Nd2O3",
    ...                             "raffinate_product": "Pr6O11"}])
    >>> r = design_refinery({"Pr6O11": 250.0, "Nd2O3": 750.0}, p)
    >>> list(r.products["product"]), bool(r.products["meets_target"].all())
    (['Pr6O11', 'Nd2O3'], True)
    """
    params = params if params is not None else RefineryParams()
    feed_t = _feed_vector(dict(feed_oxide_tpa))
    order = extractabilities(params)
    missing = [e for e in feed_t if e not in order]
    if missing:
        where = "processing.refinery.beta" if params.beta is not None else params.system
        raise ConfigError(
            f"key 'processing.refinery': {where} has no separation factor for {missing}; "
            "give 'beta' for every rare earth in the feed"
        )
    elements = tuple(e for e in order if e in feed_t)
    mox = np.array([oxide_mass_per_mol(e) for e in elements])  # g oxide / mol RE
    hours = params.operating_hours_per_year
    feed = np.array([feed_t[e] for e in elements]) * 1e6 / mox / hours  # mol/h
    _, streams = train_streams(params, tuple(order))
    tighten = {k: 1.0 for k, s in streams.items() if s.consumer is None}
    for attempt in range(_ATTEMPTS):
        cascades = _design_train(params, streams, order, elements, mox, feed, tighten)
        products = _products(streams, cascades, elements, mox, hours, feed)
        late = [k for k, r in products.items() if not r["meets_target"]]
        if not late or attempt == _ATTEMPTS - 1:
            break
        for k in late:
            tighten[k] *= _TIGHTEN
    return _assemble(
        params,
        streams,
        cascades,
        products,
        elements,
        mox,
        feed,
        precipitant,
        precipitant_excess,
    )


def _design_train(params, streams, order, elements, mox, feed, tighten) -> list[_Cascade]:
    beta = np.array([order[e] for e in elements])
    pos = {e: i for i, e in enumerate(elements)}
    keep = 1.0 - params.loss_pct_per_cascade / 100.0
    plant = PlantBasis(
        feed_mol_l=params.feed_mol_l,
        organic_loading_mol_l=params.organic_loading_mol_l,
        scrub_acid_mol_l=params.scrub_acid_mol_l,
        strip_acid_mol_l=params.strip_acid_mol_l,
        base=params.base,
    )
    # impurity allowance of each product [mol/h] and the cascades that share it
    allowance: dict[str, float] = {}
    for key, s in streams.items():
        if s.consumer is not None:
            continue
        pay = [pos[e] for e in s.elements if e in pos]
        others = [i for i in range(len(elements)) if i not in pay]
        if not pay or not others:
            allowance[key] = math.inf
            continue
        p = s.purity_pct / 100.0
        pay_g = float(feed[pay] @ mox[pay])
        allowance[key] = (
            (1.0 - p) / p * pay_g * params.design_margin * tighten[key] / float(mox[others].max())
        )
    bypass = _bypasses(params, streams, set(elements))
    land = {k: _landing(streams, k, bypass) for k in streams}
    sharers: dict[str, int] = {}
    for k in streams:
        if int(k.split(".")[0]) not in bypass:
            sharers[land[k]] = sharers.get(land[k], 0) + 1
    flows = {"feed": feed}
    out: list[_Cascade] = []
    for i, sp in enumerate(params.splits):
        src = "feed"
        if sp.source != "feed":
            name, _, side = sp.source.rpartition(".")
            j = next(c.index for c in out if c.name == name)
            src = f"{j}.{side}"
        f = flows[src]
        c = _Cascade(i, sp.label, sp.cut, sp.source, sp.feed_phase, f.copy())
        ext_mask = _extract_mask(sp.cut, elements, order)
        total = float(f.sum())
        present = f > _TRACE * total
        g_a = float(f[ext_mask & present].sum())
        g_b = float(f[~ext_mask & present].sum())
        if i in bypass:  # nothing to separate: everything to the side that has elements
            c.extract_frac = np.full(len(elements), float(bypass[i] == "extract"))
        elif total <= 0 or g_a <= _TRACE * total or g_b <= _TRACE * total:
            c.extract_frac = ext_mask.astype(float)  # traces only: split by the cut
        else:
            # the key elements (least extractable of the extract side, most extractable of
            # the raffinate side) are what leaks across the cut
            key_a = float(f[np.flatnonzero(ext_mask & present)[0]])
            key_b = float(f[np.flatnonzero(~ext_mask & present)[-1]])
            targets = []
            for side, g_own in (("extract", g_a), ("raffinate", g_b)):
                key = f"{i}.{side}"
                stream = streams[key]
                mask = ext_mask if side == "extract" else ~ext_mask
                if stream.consumer is None:
                    pay = np.array([e in stream.elements for e in elements])
                    carried = float(f[mask & ~pay].sum())
                    x = allowance[key] - carried
                    if not x > 0:
                        x = 0.1 * allowance[key] / sharers[key]
                else:
                    x = allowance[land[key]] / sharers[land[key]]
                g_other = total - g_own
                key_other = key_b if side == "extract" else key_a
                x = min(x, (1.0 - params.min_recovery_pct / 100.0) * key_other)
                purity = g_own / (g_own + x)
                floor = 1.0 - 0.5 * g_other / total  # at least halve the impurity
                targets.append(min(max(purity, floor), 1.0 - 1e-12))
            c.targets = (targets[0], targets[1])
            sim = present
            try:
                d = design_cascade(
                    [e for e, k in zip(elements, sim, strict=True) if k],
                    beta[sim],
                    f[sim],
                    [e for e, k, m in zip(elements, sim, ext_mask, strict=True) if k and m],
                    extract_purity=c.targets[0],
                    raffinate_purity=c.targets[1],
                    feed_phase=sp.feed_phase,
                    efficiency=params.stage_efficiency,
                    plant=plant,
                    tradeoff_factors=None,
                    max_stages=params.max_stages,
                )
            except (DesignError, ConfigError, CascadeConvergenceError) as exc:
                raise ConfigError(
                    f"key 'processing.refinery.splits[{i}]' (cut {sp.cut}): {exc}"
                ) from None
            c.design = d
            frac = ext_mask.astype(float)
            ex, ra = d.cascade.extract_mol_h, d.cascade.raffinate_mol_h
            frac[sim] = ex / (ex + ra)
            c.extract_frac = frac
        kept = f * keep
        c.extract = kept * c.extract_frac
        c.raffinate = np.maximum(kept - c.extract, 0.0)
        c.loss = f - kept
        flows[f"{i}.extract"] = c.extract
        flows[f"{i}.raffinate"] = c.raffinate
        out.append(c)
    return out


def _extract_mask(cut: str, elements: tuple[str, ...], order: dict[str, float]) -> np.ndarray:
    hi = order[cut.split("|")[1]]
    return np.array([order[e] >= hi for e in elements])


def _products(streams, cascades, elements, mox, hours, feed) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for key, s in streams.items():
        if s.consumer is not None:
            continue
        c = cascades[s.cascade]
        flow = c.extract if s.side == "extract" else c.raffinate
        pay = np.array([e in s.elements for e in elements])
        ox = flow * mox * hours / 1e6  # t/y oxide
        tot = float(ox.sum())
        pay_t = float(ox[pay].sum())
        fed = float((feed * mox * hours / 1e6)[pay].sum())
        purity = pay_t / tot if tot > 0 else math.nan
        target = s.purity_pct / 100.0
        out[key] = {
            "product": s.product,
            "species": _species(tuple(e for e, k in zip(elements, pay, strict=True) if k)),
            "elements": ",".join(e for e, k in zip(elements, pay, strict=True) if k),
            "purity_target": target,
            "purity": purity,
            "tpa": tot,
            "payable_tpa": pay_t,
            "recovery": pay_t / fed if fed > 0 else math.nan,
            "cascade": c.name,
            "stream": s.side,
            "meets_target": bool(not pay.any() or fed == 0 or purity >= target * (1 - 1e-12)),
            "flow": flow,
        }
    return out


def _species(elements: tuple[str, ...]) -> str:
    if not elements:
        return ""
    if len(elements) <= 2:
        return "+".join(CANONICAL_SPECIES[e] for e in elements)
    return f"REO({elements[0]}…{elements[-1]})"


def _assemble(
    params, streams, cascades, products, elements, mox, feed, precipitant, excess
) -> Refinery:
    hours = params.operating_hours_per_year
    to_t = mox * hours / 1e6
    n_strip = kremser_strip_stages(params.strip_extraction_factor, params.strip_residual)
    rows, sections, tanks, flows_list = [], [], [], []
    for c in cascades:
        d = c.design
        stages = (
            {"extraction": d.n_extraction, "scrub": d.n_scrub, "strip": n_strip}
            if d is not None
            else {"extraction": 0, "scrub": 0, "strip": 0}
        )
        loaded = float(d.cascade.extract_mol_h.sum()) if d is not None else 0.0
        cf = CascadeFlows(
            name=c.name,
            feed_phase=c.feed_phase,
            stages=stages,
            feed_mol_h=float(c.feed.sum()),
            organic_mol_h=d.organic_mol_h if d is not None else 0.0,
            scrub_mol_h=d.scrub_mol_h if d is not None else 0.0,
            loaded_mol_h=loaded,
        )
        flows_list.append(cf)
        size, secs = cascade_sizing(cf, params)
        sections += [(c.name, s) for s in secs]
        if d is not None:
            tanks.append((c.name, "feed tank", size["feed_m3_h"] * params.hold_up_h))
        rows.append(
            {
                "cascade": c.name,
                "cut": c.cut,
                "source": c.source,
                "feed_phase": c.feed_phase,
                "bypassed": d is None,
                "key_pair": "/".join(d.key_pair) if d is not None else "",
                "beta_key": d.beta_key if d is not None else math.nan,
                "n_extraction": stages["extraction"],
                "n_scrub": stages["scrub"],
                "n_strip": stages["strip"],
                "n_total": sum(stages.values()),
                "feed_stage": d.feed_stage if d is not None else 0,
                "extract_purity_target": c.targets[0],
                "raffinate_purity_target": c.targets[1],
                "extract_purity": d.cascade.extract_purity if d is not None else math.nan,
                "raffinate_purity": d.cascade.raffinate_purity if d is not None else math.nan,
                "feed_REO_tpa": float(c.feed @ to_t),
                "extract_REO_tpa": float(c.extract @ to_t),
                "raffinate_REO_tpa": float(c.raffinate @ to_t),
                "loss_REO_tpa": float(c.loss @ to_t),
                "organic_RE_kmol_h": cf.organic_mol_h / 1e3,
                "scrub_RE_kmol_h": cf.scrub_mol_h / 1e3,
                "reflux_ratio": (
                    d.scrub_mol_h / d.min_reflux_key_mol_h
                    if d is not None and d.min_reflux_key_mol_h > 0
                    else math.nan
                ),
                "extraction_ratio": d.extraction_ratio if d is not None else math.nan,
                "scrub_ratio": d.scrub_ratio if d is not None else math.nan,
                **{k: v for k, v in size.items() if k != "aqueous_out_m3_h"},
            }
        )
    cascades_df = pd.DataFrame(rows)
    inventory = float(cascades_df["organic_inventory_m3"].sum())
    in_cells = inventory / params.inventory_allowance
    tanks.append(("all", "organic tank", inventory - in_cells))
    mixer_m3 = float(cascades_df["mixer_m3"].sum())
    entrained = (
        sum(cascade_sizing(cf, params)[0]["aqueous_out_m3_h"] for cf in flows_list)
        * params.entrainment_ppm
        * 1e-6
        * hours
    )
    pflows = [
        ProductFlow(r["product"], r["tpa"], float(r["flow"].sum())) for r in products.values()
    ]
    reagents = reagent_table(
        flows_list,
        pflows,
        float(feed.sum()),
        mixer_m3,
        params,
        precipitant=precipitant,
        precipitant_excess=excess,
    )
    equipment = equipment_table(sections, tanks, pflows, params)
    costs = cost_table(
        equipment, reagents, inventory, entrained, int(cascades_df["n_total"].sum()), params
    )
    prod_df = pd.DataFrame([{k: v for k, v in r.items() if k != "flow"} for r in products.values()])
    first = {e: i for i, e in enumerate(elements)}
    prod_df = prod_df.assign(
        _o=[first.get(str(e).split(",")[0], len(first)) for e in prod_df["elements"]]
    )
    prod_df = prod_df.sort_values("_o", kind="stable", ignore_index=True).drop(columns="_o")
    system = (
        f"{params.extractant} in chloride media, separation factors {params.system} "
        "(processing/sx/data/separation_factors.toml)"
        if params.beta is None
        else f"{params.extractant} with your extractabilities (processing.refinery.beta)"
    )
    return Refinery(
        cascades=cascades_df,
        products=prod_df,
        reagents=reagents,
        equipment=equipment,
        costs=costs,
        distribution=_distribution(streams, cascades, products, elements, feed, hours),
        feed_oxide_tpa=pd.Series(feed * to_t, index=[CANONICAL_SPECIES[e] for e in elements]),
        system=system,
        designs=tuple(c.design for c in cascades),
    )


def _distribution(streams, cascades, products, elements, feed, hours) -> pd.DataFrame:
    from mine2magnet.chemistry import ATOMIC_WEIGHT

    el_t = np.array([ATOMIC_WEIGHT[e] for e in elements]) * hours / 1e6  # t/y per mol/h
    rows = []
    for r in products.values():
        frac = np.divide(r["flow"], feed, out=np.zeros_like(feed), where=feed > 0)
        for e, fr, t in zip(elements, frac, r["flow"] * el_t, strict=True):
            rows.append((e, r["product"], float(fr), float(t)))
    loss = np.sum([c.loss for c in cascades], axis=0)
    for e, fr, t in zip(
        elements,
        np.divide(loss, feed, out=np.zeros_like(feed), where=feed > 0),
        loss * el_t,
        strict=True,
    ):
        rows.append((e, "losses", float(fr), float(t)))
    return pd.DataFrame(rows, columns=["element", "destination", "fraction", "tonnes_per_year"])


def refinery_sx_products(refinery: Refinery) -> list[SxProduct]:
    """The refinery's products as :class:`~mine2magnet.processing.params.SxProduct`.

    Each carries its payable elements, the designed recovery and purity target, and the
    exact share of every element of the SX feed that reaches it (``distribution_pct``), so
    the flowsheet balance reproduces the simulated compositions (see
    :func:`~mine2magnet.processing.params.with_sx_products`). Products without payable
    feed are left out (their traces go to the raffinate).

    Parameters
    ----------
    refinery : Refinery
        A result of :func:`design_refinery`.

    Returns
    -------
    list of SxProduct
    """
    dist = refinery.distribution
    out = []
    for _, r in refinery.products.iterrows():
        if not r["elements"] or not r["payable_tpa"] > 0:
            continue
        share = dist.loc[dist["destination"] == r["product"]]
        out.append(
            SxProduct(
                name=r["product"],
                elements=r["elements"].split(","),
                recovery_pct=min(100.0, 100.0 * float(r["recovery"])),
                purity_pct=100.0 * float(r["purity_target"]),
                distribution_pct={
                    e: 100.0 * float(f)
                    for e, f in zip(share["element"], share["fraction"], strict=True)
                },
            )
        )
    return out
