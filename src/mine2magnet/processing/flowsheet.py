"""Flowsheet mass balance from run-of-mine ore to products.

The plant is a fixed chain of unit operations; each is a documented split model with its
parameters in ``[processing]`` (:mod:`mine2magnet.processing.params`):

==================  =========================================================================
unit                model
==================  =========================================================================
comminution         crushing + grinding to ``p80_um``; optional desliming at feed grade (mass
                    pull only); Bond energy ``W = 10·Wi·(1/√P80 − 1/√F80)`` [kWh/t] (Bond
                    1961, Br. Chem. Eng. 6:378).
ree_beneficiation   key mineral (REE) recovered at R; concentrate grade G by non-selective
                    entrainment of the gangue, or Gaudin's selectivity index; Th and U follow
                    the REE unless set.
fluorite_           the same model on the REE tailings, key CaF2 (Ca and F paired); saleable
beneficiation       acid-grade concentrate.
barite_             the same model on the fluorite tailings, key BaSO4.
beneficiation
cracking            per-element dissolution (→ leach liquor) and volatilisation (→ off-gas or
                    caustic wash); the rest to the leach residue. Routes: acid bake (high or
                    low temperature), caustic, roast–leach.
impurity_removal    neutralisation: per-element precipitation of Th, U, Fe (+ REE loss) to the
                    thorium residue; a Ca-based neutralant enters as a reagent stream.
cerium_removal      optional: oxidative Ce(IV) precipitation to a cerium product.
sx_separation       the SX train. With ``[processing.refinery]``: the designed cascades
                    (:func:`~mine2magnet.processing.refinery.design_refinery`) send each
                    rare earth to the products in the simulated proportions, the rest to
                    losses; the products are the separated oxides at their purity.
                    Without it, a placeholder: per product, recovery of its payable
                    elements and contamination up to its purity target
                    (:func:`sx_placeholder`).
precipitation       per-element precipitation (oxalate or carbonate) of each product liquor.
calcination         precipitates → oxides (all elements; only the form changes).
==================  =========================================================================

Conservation. Every unit splits each of its input components among its outputs with
fractions in [0, 1]; the last output takes the exact remainder, so inputs equal outputs for
every element (and for ``other``) to rounding. Reagents that carry a tracked element (Ca in
limestone or lime) enter as reagent streams; reagents without one are reported in
``Flowsheet.reagents`` only. Stream *masses* change with chemistry (see
:mod:`mine2magnet.processing.types`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.chemistry import ATOMIC_WEIGHT, CANONICAL_SPECIES, molar_mass
from mine2magnet.config import params_hash
from mine2magnet.errors import ConfigError
from mine2magnet.processing.params import (
    BariteCircuit,
    FluoriteCircuit,
    ProcessingParams,
    RareEarthCircuit,
    SxProduct,
    cracking_route,
    expand_elements,
    with_sx_products,
)
from mine2magnet.processing.radioactivity import activity_table
from mine2magnet.processing.refinery import design_refinery, refinery_sx_products
from mine2magnet.processing.types import (
    COMPONENTS,
    REE_16,
    Feed,
    Flowsheet,
    ProductSlate,
    Refinery,
    form_factors,
)

__all__ = [
    "feed_from_params",
    "run_flowsheet",
    "sx_placeholder",
    "unit_balance",
]

_Circuit = RareEarthCircuit | FluoriteCircuit | BariteCircuit
_N = len(COMPONENTS)
_IDX = {c: i for i, c in enumerate(COMPONENTS)}
_REE = np.array([c in REE_16 for c in COMPONENTS])
_M = np.array([ATOMIC_WEIGHT.get(c, np.nan) for c in COMPONENTS])  # g/mol; NaN for other
_CAF2_PER_F = molar_mass("CaF2") / (2 * ATOMIC_WEIGHT["F"])
_CA_PER_F = ATOMIC_WEIGHT["Ca"] / (2 * ATOMIC_WEIGHT["F"])
_SINK = {
    "product": "market",
    "by-product": "market",
    "tailings": "tailings storage",
    "residue": "residue storage",
    "effluent": "effluent treatment",
    "emission": "off-gas treatment",
}
#: base, OH equivalents per mol, Ca atoms per mol
_NEUTRALANTS = {
    "MgO": ("MgO", 2, 0),
    "limestone": ("CaCO3", 2, 1),
    "lime": ("CaO2H2", 2, 1),
    "ammonia": ("NH3", 1, 0),
    "NaOH": ("NaOH", 1, 0),
}
#: hydroxide-forming valence of the metals precipitated at neutralisation
_VALENCE = {**dict.fromkeys(REE_16, 3), "Th": 4, "U": 2, "Fe": 3}
#: precipitant mol per mol of metal precipitated (oxalate RE2(C2O4)3: 1.5, DOMAIN §3)
_PRECIPITANTS = {
    "oxalic_acid": ("H2C2O4", "oxalate", {"REE": 1.5, "Th": 2.0, "U": 1.0, "Ca": 1.0,
                                          "Fe": 1.0, "Ba": 1.0}),
    "sodium_carbonate": ("Na2CO3", "carbonate", {"REE": 1.5, "Th": 2.0, "U": 1.0,
                                                 "Ca": 1.0, "Fe": 1.0, "Ba": 1.0}),
    "ammonium_bicarbonate": ("NH5CO3", "carbonate", {"REE": 3.0, "Th": 4.0, "U": 2.0,
                                                     "Ca": 2.0, "Fe": 2.0, "Ba": 2.0}),
}  # fmt: skip


# ------------------------------------------------------------------------------ helpers


def _frac(pct: dict[str, float]) -> np.ndarray:
    """Fraction vector over COMPONENTS from an element → % mapping (absent = 0)."""
    v = np.zeros(_N)
    for el, p in pct.items():
        v[_IDX[el]] = p / 100.0
    return v


def _remainder(total: np.ndarray, *parts: np.ndarray) -> np.ndarray:
    """``total − Σ parts`` with rounding noise below zero removed (|noise| ≤ 1e-12·total)."""
    rest = total - np.sum(parts, axis=0) if parts else total.copy()
    noise = (rest < 0) & (rest >= -1e-12 * np.maximum(total, 1e-300))
    rest[noise] = 0.0
    return rest


def _moles(vec: np.ndarray, stoich: dict[str, float]) -> float:
    """Σ element mol × stoichiometric factor, for element tonnes ``vec`` [mol]."""
    out = 0.0
    for el, s in expand_elements(stoich).items():
        i = _IDX[el]
        out += vec[i] * 1e6 / _M[i] * s
    return out


def _slug(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower() or "product"


@dataclass
class _S:
    name: str
    label: str
    from_unit: str
    kind: str
    phase: str
    form: str
    vec: np.ndarray
    to_unit: str = ""

    @property
    def mass(self) -> float:
        return float(self.vec @ form_factors(self.form))


@dataclass
class _Net:
    streams: dict[str, _S] = field(default_factory=dict)
    units: list[dict[str, str]] = field(default_factory=list)
    reagents: list[dict[str, Any]] = field(default_factory=list)
    kpis: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, s: _S) -> _S:
        if s.name in self.streams:
            raise ValueError(f"duplicate stream {s.name!r}")
        self.streams[s.name] = s
        return s

    def unit(self, name: str, label: str, model: str, inputs: list[str], outputs: list[_S]) -> None:
        for i in inputs:
            self.streams[i].to_unit = name
        for o in outputs:
            o.from_unit = name
            self.add(o)
        self.units.append(
            {
                "unit": name,
                "label": label,
                "model": model,
                "inputs": ", ".join(inputs),
                "outputs": ", ".join(o.name for o in outputs),
            }
        )

    def reagent(self, unit: str, reagent: str, tpa: float, basis: str) -> None:
        self.reagents.append(
            {"unit": unit, "reagent": reagent, "tonnes_per_year": tpa, "basis": basis}
        )

    def kpi(self, name: str, value: float, unit: str) -> None:
        self.kpis.append({"kpi": name, "value": float(value), "unit": unit})


# ------------------------------------------------------------------------------ feed


def feed_from_params(params: ProcessingParams) -> Feed:
    """The plant feed declared in ``[processing.feed]``.

    Parameters
    ----------
    params : ProcessingParams
        Validated processing parameters.

    Returns
    -------
    Feed

    Raises
    ------
    ConfigError
        When ``[processing.feed]`` is absent.

    Examples
    --------
    >>> from mine2magnet.processing.params import processing_params
    >>> p = processing_params({"feed": {"ore_tpa": 570000, "TREO_pct": 1.8,
    ...                                 "distribution": "bayan_obo", "ThO2_pct": 0.2}})
    >>> f = feed_from_params(p)
    >>> round(f.TREO_pct, 3), round(f.ore_tpa)
    (1.8, 570000)
    """
    if params.feed is None:
        raise ConfigError(
            "key 'processing.feed': missing; add [processing.feed] with ore_tpa and the "
            "composition (TREO_pct + distribution, or the individual oxides)"
        )
    return Feed(params.feed.ore_tpa, params.feed.grades_pct(), source="project file")


# ------------------------------------------------------------------------------ units


def _comminution(net: _Net, p: ProcessingParams, inp: str, ore_tpa: float) -> str:
    c = p.comminution
    m = net.streams[inp].vec
    slimes = m * (c.desliming_mass_pct / 100.0)
    outs = [
        _S("mill_feed", "ground ore", "", "intermediate", "solid", "mineral", _remainder(m, slimes))
    ]
    if c.desliming_mass_pct > 0:
        outs.append(_S("slimes", "slimes (desliming)", "", "tailings", "solid", "mineral", slimes))
    energy = 10.0 * c.bond_work_index_kwh_t * (1 / math.sqrt(c.p80_um) - 1 / math.sqrt(c.f80_um))
    net.unit(
        "comminution",
        "crushing and grinding",
        f"grind F80 {c.f80_um:g} → P80 {c.p80_um:g} µm; Bond Wi {c.bond_work_index_kwh_t:g} "
        f"kWh/t → {energy:.1f} kWh/t; desliming {c.desliming_mass_pct:g} % of mass at feed grade",
        [inp],
        outs,
    )
    net.kpi("grinding_energy_kwh_t", energy, "kWh/t")
    net.kpi("grinding_energy_mwh_per_year", energy * ore_tpa / 1000.0, "MWh/y")
    return "mill_feed"


def _key_vector(m: np.ndarray, key: str) -> tuple[np.ndarray, float]:
    """Element tonnes of the key mineral in ``m`` and its species mass [t/y]."""
    f = form_factors("mineral")
    t = np.zeros(_N)
    if key == "REE":
        t[_REE] = m[_REE]
        return t, float(t @ f)
    if key == "fluorite":
        f_fl = min(m[_IDX["F"]], m[_IDX["Ca"]] / _CA_PER_F)
        t[_IDX["F"]] = f_fl
        t[_IDX["Ca"]] = f_fl * _CA_PER_F
        return t, float(f_fl * _CAF2_PER_F)
    t[_IDX["Ba"]] = m[_IDX["Ba"]]
    return t, float(t @ f)


def _concentrate(
    m: np.ndarray, c: _Circuit, key: str, where: str, extra: dict[str, float]
) -> tuple[np.ndarray, float, float, float]:
    """Concentrate vector and (gangue recovery, grade [%], key recovery) of one circuit."""
    f = form_factors("mineral")
    R = c.recovery_pct / 100.0
    t, key_mass = _key_vector(m, key)
    over = {**extra, **expand_elements(c.element_recovery_pct)}
    o_mask = np.zeros(_N, dtype=bool)
    r_o = np.zeros(_N)
    for el, pct in over.items():
        o_mask[_IDX[el]] = True
        r_o[_IDX[el]] = pct / 100.0
    g = m - t
    g[o_mask] = 0.0
    A = float((r_o * m) @ f)
    B = R * float(t @ f)
    Gm = float(g @ f)
    if c.model == "selectivity":
        si2 = float(c.selectivity_index) ** 2
        Rg = R / (R + (1.0 - R) * si2) if R > 0 else 0.0
    elif key_mass <= 0 or R == 0:
        Rg = 0.0
    else:
        C = R * key_mass / (c.concentrate_grade_pct / 100.0)
        Rg = (C - A - B) / Gm if Gm > 0 else 0.0
        if Rg < -1e-9 or Rg > 1 + 1e-9:
            hi = 100.0 * R * key_mass / (A + B) if A + B > 0 else float("inf")
            lo = 100.0 * R * key_mass / (A + B + Gm)
            raise ConfigError(
                f"key '{where}.concentrate_grade_pct': {c.concentrate_grade_pct:g} % is not "
                f"reachable at recovery_pct {c.recovery_pct:g} for this feed (feasible "
                f"{lo:.3g}–{hi:.3g} %); choose a grade in that range or change recovery_pct"
            )
        Rg = min(max(Rg, 0.0), 1.0)
    conc = R * t + Rg * g
    conc[o_mask] = r_o[o_mask] * m[o_mask]
    conc_mass = float(conc @ f)
    _, key_in_conc = _key_vector(conc, key)
    grade = 100.0 * key_in_conc / conc_mass if conc_mass > 0 else float("nan")
    return conc, Rg, grade, conc_mass


def _beneficiation(net: _Net, p: ProcessingParams, inp: str) -> tuple[str, list[str]]:
    b = p.beneficiation
    circuits = [("ree", "rare_earth", "REE", b.rare_earth, "REE concentrate")]
    if b.fluorite.enabled:
        circuits.append(("fluorite", "fluorite", "fluorite", b.fluorite, "fluorite concentrate"))
    if b.barite.enabled:
        circuits.append(("barite", "barite", "barite", b.barite, "barite concentrate"))
    feed_mass = net.streams[inp].mass
    current = inp
    byproducts: list[str] = []
    for n, (short, key_name, key, c, label) in enumerate(circuits):
        where = f"processing.beneficiation.{key_name}"
        extra: dict[str, float] = {}
        if key == "REE":
            r = c.radionuclide_recovery_pct
            r = c.recovery_pct if r is None else r
            extra = {"Th": r, "U": r}
        m = net.streams[current].vec
        conc, Rg, grade, conc_mass = _concentrate(m, c, key, where, extra)
        tails = _remainder(m, conc)
        last = n == len(circuits) - 1
        conc_name = f"{short}_concentrate"
        kind = "intermediate" if key == "REE" else "by-product"
        tails_name = "tailings" if last else f"{short}_tailings"
        tails_kind = "tailings" if last else "intermediate"
        species = {"REE": "TREO", "fluorite": "CaF2", "barite": "BaSO4"}[key]
        model = (
            f"{c.method}: {species} recovery {c.recovery_pct:g} %, "
            + (
                f"grade {c.concentrate_grade_pct:g} % {species}"
                if c.model == "grade"
                else f"Gaudin selectivity index {c.selectivity_index:g} → grade {grade:.3g} %"
            )
            + f"; gangue entrainment {100 * Rg:.3g} %"
        )
        net.unit(
            f"{short}_beneficiation",
            f"{key_name.replace('_', ' ')} {c.method}",
            model,
            [current],
            [
                _S(conc_name, label, "", kind, "solid", "mineral", conc),
                _S(
                    tails_name,
                    "tailings" if last else f"{short} circuit tailings",
                    "",
                    tails_kind,
                    "solid",
                    "mineral",
                    tails,
                ),
            ],
        )
        net.kpi(f"{short}_mass_pull_pct", 100.0 * conc_mass / feed_mass if feed_mass else 0, "%")
        net.kpi(f"{short}_concentrate_tpa", conc_mass, "t/y")
        net.kpi(f"{short}_concentrate_grade_pct", grade, f"% {species}")
        net.kpi(f"{short}_gangue_recovery_pct", 100.0 * Rg, "%")
        if key != "REE":
            byproducts.append(conc_name)
        current = tails_name
    return "ree_concentrate", byproducts


def _cracking(net: _Net, p: ProcessingParams, inp: str) -> str:
    cp = p.cracking
    route = cracking_route(cp.route)
    d, v = cp.fractions()
    m = net.streams[inp].vec
    liquor = m * _frac(d)
    fluoride = m * _frac(v)
    residue = _remainder(m, liquor, fluoride)
    fl_phase = route["fluoride_phase"]
    net.unit(
        "cracking",
        f"cracking ({cp.route.replace('_', ' ')})",
        f"{route['description']}; REE dissolution {d.get('La', 0):g} % (Ce {d.get('Ce', 0):g}), "
        f"Th {d.get('Th', 0):g} %, F volatilised {v.get('F', 0):g} %",
        [inp],
        [
            _S(
                "leach_liquor",
                "pregnant leach liquor",
                "",
                "intermediate",
                "solution",
                "oxide",
                liquor,
            ),
            _S(
                "leach_residue",
                "leach residue",
                "",
                "residue",
                "solid",
                route["residue_form"],
                residue,
            ),
            _S(
                route["fluoride_stream"],
                route["fluoride_label"],
                "",
                "emission" if fl_phase == "gas" else "effluent",
                fl_phase,
                "element" if fl_phase == "gas" else "oxide",
                fluoride,
            ),
        ],
    )
    for reagent, stoich in route.get("reagents", {}).items():
        mol = _moles(m, stoich)
        net.reagent(
            "cracking",
            reagent,
            mol * molar_mass(reagent) / 1e6 * cp.reagent_excess_factor,
            f"stoichiometric {stoich} mol/mol × {cp.reagent_excess_factor:g}",
        )
    ree_in = float(m[_REE] @ form_factors("oxide")[_REE])
    ree_out = float(liquor[_REE] @ form_factors("oxide")[_REE])
    net.kpi("cracking_treo_dissolution_pct", 100.0 * ree_out / ree_in if ree_in else 0, "%")
    return "leach_liquor"


def _impurity_removal(net: _Net, p: ProcessingParams, inp: str, conc_mass: float) -> str:
    ir = p.impurity_removal
    medium = cracking_route(p.cracking.route)["medium"]
    fr = ir.fractions(medium)
    frac = _frac(fr)
    m = net.streams[inp].vec
    oh = sum(
        m[_IDX[el]] * frac[_IDX[el]] * 1e6 / _M[_IDX[el]] * val for el, val in _VALENCE.items()
    )
    acid_t = ir.residual_acid_t_per_t_concentrate * conc_mass
    oh += acid_t * 1e6 / molar_mass("H2SO4") * 2.0
    formula, eq, ca_atoms = _NEUTRALANTS[ir.neutralant]
    mol = oh / eq * ir.neutralant_excess_factor
    net.reagent(
        "impurity_removal",
        f"{ir.neutralant} ({formula})",
        mol * molar_mass(formula) / 1e6,
        f"OH⁻ for precipitated Th, U, Fe, REE + {ir.residual_acid_t_per_t_concentrate:g} t "
        f"free H2SO4/t concentrate, × {ir.neutralant_excess_factor:g}",
    )
    inputs = [inp]
    total = m.copy()
    if ca_atoms:
        neut = np.zeros(_N)
        neut[_IDX["Ca"]] = mol * ca_atoms * ATOMIC_WEIGHT["Ca"] / 1e6
        net.add(
            _S(
                "neutralant",
                f"{ir.neutralant} (Ca)",
                "reagents",
                "reagent",
                "solid",
                "element",
                neut,
            )
        )
        inputs.append("neutralant")
        total = total + neut
    cake = total * frac
    purified = _remainder(total, cake)
    th_label = "thorium concentrate (stockpile)" if ir.thorium_is_product else "thorium residue"
    net.unit(
        "impurity_removal",
        "Th/U/Fe removal (neutralisation)",
        f"neutralise with {ir.neutralant} to pH ~3.5–4.5; precipitated Th {fr['Th']:g} %, "
        f"U {fr['U']:g} %, Fe {fr['Fe']:g} %, REE loss {fr['La']:g} %",
        inputs,
        [
            _S(
                "thorium_residue",
                th_label,
                "",
                "by-product" if ir.thorium_is_product else "residue",
                "solid",
                "hydroxide_residue" if medium == "sulfate" else "hydroxide_residue_chloride",
                cake,
            ),
            _S(
                "purified_liquor",
                "purified liquor",
                "",
                "intermediate",
                "solution",
                "oxide",
                purified,
            ),
        ],
    )
    if ir.thorium_is_product:
        net.streams["thorium_residue"].to_unit = "thorium store"
    return "purified_liquor"


def _cerium_removal(net: _Net, p: ProcessingParams, inp: str) -> tuple[str, str | None]:
    cr = p.cerium_removal
    if not cr.enabled:
        return inp, None
    fr = cr.fractions()
    m = net.streams[inp].vec
    ppt = m * _frac(fr)
    rest = _remainder(m, ppt)
    net.unit(
        "cerium_removal",
        "Ce(IV) removal",
        f"oxidise Ce(III) → Ce(IV) with H2O2, precipitate Ce(OH)4: Ce {fr['Ce']:g} %, "
        f"other REE {fr['La']:g} %, Th {fr['Th']:g} %",
        [inp],
        [
            _S(
                "cerium_precipitate",
                "Ce(IV) precipitate",
                "",
                "intermediate",
                "solid",
                "ce_hydroxide",
                ppt,
            ),
            _S(
                "ce_depleted_liquor",
                "Ce-depleted liquor",
                "",
                "intermediate",
                "solution",
                "oxide",
                rest,
            ),
        ],
    )
    net.reagent(
        "cerium_removal",
        "H2O2",
        0.5
        * ppt[_IDX["Ce"]]
        * 1e6
        / _M[_IDX["Ce"]]
        * molar_mass("H2O2")
        / 1e6
        * cr.oxidant_excess_factor,
        f"0.5 mol/mol Ce × {cr.oxidant_excess_factor:g}",
    )
    return "ce_depleted_liquor", "cerium_precipitate"


def _sx_split(m: np.ndarray, products: list[SxProduct]) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-product element tonnes (P × N), raffinate (N) and the contamination scale."""
    g = form_factors("oxide")
    P = len(products)
    take = np.zeros((P, _N))
    if P and products[0].distribution_pct is not None:  # designed train: exact shares
        for k, prod in enumerate(products):
            for el, pct in (prod.distribution_pct or {}).items():
                take[k, _IDX[el]] = m[_IDX[el]] * (pct / 100.0)
        return take, _remainder(m, *take), 1.0
    pay = np.zeros((P, _N), dtype=bool)
    for k, prod in enumerate(products):
        idx = [_IDX[e] for e in prod.elements]
        pay[k, idx] = True
        take[k, idx] = m[idx] * (prod.recovery_pct / 100.0)
    pool = np.where(_REE, m - take.sum(axis=0), 0.0)
    pool = np.maximum(pool, 0.0)
    share = np.zeros(P)
    # a pool below 1e-12 of the rare earths fed cannot contaminate anything (and would
    # overflow the share); such products then exceed their purity target
    floor = 1e-12 * float(np.where(_REE, m, 0.0) @ g)
    for k, prod in enumerate(products):
        purity = prod.purity_pct / 100.0
        demand = float(take[k] @ g) * (1.0 - purity) / purity
        avail = float(np.where(pay[k], 0.0, pool) @ g)
        share[k] = demand / avail if avail > floor else 0.0
    # element e is drawn by every product it is not payable in; keep Σ share ≤ 1
    load = ((~pay) * share[:, None]).sum(axis=0)
    k_max = float(load[pool > 0].max()) if np.any(pool > 0) else 0.0
    scale = 1.0 if k_max <= 1.0 else 1.0 / k_max
    take += np.where(pay, 0.0, scale * share[:, None] * pool[None, :])
    raffinate = _remainder(m, *take) if P else m.copy()
    return take, raffinate, scale


def sx_placeholder(solution_tpa: pd.Series, products: list[SxProduct]) -> pd.DataFrame:
    """Split a mixed rare-earth liquor into SX products (placeholder for the SX designer).

    Each product receives ``recovery_pct`` of its payable elements, then other rare earths
    until payable oxides / all oxides equals ``purity_pct``, drawn pro rata from the rare
    earths no product recovered. When that pool is too small for every product's
    contamination, all contamination is scaled down together (purities then exceed the
    targets). Non-rare-earth elements and the unallocated rare earths go to the raffinate.

    Parameters
    ----------
    solution_tpa : pandas.Series
        Element tonnes per year of the SX feed [t/y], indexed by component names
        (missing components are zero).
    products : list of SxProduct
        Products with payable elements, recovery and purity.

    Returns
    -------
    pandas.DataFrame
        Element tonnes per year [t/y]: one column per product name plus ``raffinate``,
        indexed by :data:`~mine2magnet.processing.types.COMPONENTS`; rows sum to the feed.

    Examples
    --------
    >>> feed = pd.Series({"La": 30.0, "Ce": 50.0, "Pr": 5.0, "Nd": 15.0})
    >>> out = sx_placeholder(feed, [SxProduct(name="NdPr", elements=["Pr", "Nd"])])
    >>> round(float(out.loc["Nd", "NdPr"]), 2), round(float(out.sum(axis=1)["La"]), 6)
    (14.7, 30.0)
    """
    m = solution_tpa.reindex(list(COMPONENTS)).fillna(0.0).to_numpy(dtype=float)
    take, raff, _ = _sx_split(m, list(products))
    cols = {prod.name: take[k] for k, prod in enumerate(products)}
    cols["raffinate"] = raff
    return pd.DataFrame(cols, index=list(COMPONENTS))


def _separation(
    net: _Net, p: ProcessingParams, inp: str, refinery: Refinery | None = None
) -> list[tuple[str, Any]]:
    """Returns (liquor stream, product spec) pairs; spec None for the mixed product."""
    sp = p.separation
    if not sp.enabled:
        return [(inp, None)]
    m = net.streams[inp].vec
    take, raff, scale = _sx_split(m, sp.products)
    slugs: list[str] = []
    for prod in sp.products:
        s = _slug(prod.name)
        while s in slugs:
            s += "_"
        slugs.append(s)
    outs = [
        _S(
            f"sx_{s}",
            f"SX {prod.name} strip liquor",
            "",
            "intermediate",
            "solution",
            "oxide",
            take[k],
        )
        for k, (s, prod) in enumerate(zip(slugs, sp.products, strict=True))
    ]
    outs.append(
        _S("sx_raffinate", "SX raffinate and losses", "", "effluent", "solution", "oxide", raff)
    )
    desc = "; ".join(
        f"{pr.name}: {'+'.join(pr.elements)} recovery {pr.recovery_pct:.4g} %, purity "
        f"{'target ' if refinery is not None else ''}{pr.purity_pct:g} %"
        for pr in sp.products
    )
    if refinery is not None:
        c = refinery.cascades
        desc = (
            f"{len(c)} cascades ({', '.join(c['cascade'])}), {refinery.total_stages} "
            f"stages, {refinery.system}; " + desc
        )
        label = "SX separation train (refinery design)"
    else:
        label = "SX separation train (placeholder)"
    net.unit("sx_separation", label, desc, [inp], outs)
    net.notes["sx_scale"] = scale
    return [(o.name, prod) for o, prod in zip(outs[:-1], sp.products, strict=True)]


def _precipitation(
    net: _Net, p: ProcessingParams, liquors: list[tuple[str, Any]], ce_ppt: str | None
) -> list[tuple[str, Any]]:
    pp = p.precipitation
    formula, form, stoich = _PRECIPITANTS[pp.precipitant]
    frac = _frac(pp.fractions())
    outs: list[_S] = []
    barren = np.zeros(_N)
    mol = 0.0
    for name, _ in liquors:
        m = net.streams[name].vec
        ppt = m * frac
        barren = barren + _remainder(m, ppt)
        mol += _moles(ppt, stoich)
        base = name.removeprefix("sx_") if name.startswith("sx_") else "mixed"
        outs.append(
            _S(f"{base}_precipitate", f"{base} {form}", "", "intermediate", "solid", form, ppt)
        )
    outs.append(_S("barren_liquor", "barren liquor", "", "effluent", "solution", "oxide", barren))
    fr = pp.fractions()
    net.unit(
        "precipitation",
        f"precipitation ({pp.precipitant.replace('_', ' ')})",
        f"{form} precipitation: REE {fr['La']:g} %, Th {fr['Th']:g} %, Ca {fr['Ca']:g} %",
        [n for n, _ in liquors],
        outs,
    )
    net.reagent(
        "precipitation",
        formula,
        mol * molar_mass(formula) / 1e6 * pp.excess_factor,
        f"stoichiometric {stoich} mol/mol × {pp.excess_factor:g}",
    )
    pairs = [(o.name, spec) for o, (_, spec) in zip(outs[:-1], liquors, strict=True)]
    if ce_ppt is not None:
        pairs.append((ce_ppt, "cerium"))
    return pairs


def _calcination(
    net: _Net, precipitates: list[tuple[str, Any]], p: ProcessingParams
) -> list[tuple[str, str, str, list[str]]]:
    outs: list[_S] = []
    products: list[tuple[str, str, str, list[str]]] = []  # stream, product, kind, payable
    for name, spec in precipitates:
        m = net.streams[name].vec
        if spec is None:
            prod_name, kind, payable = p.separation.mixed_product_name, "mixed_oxide", REE_16
        elif spec == "cerium":
            prod_name, kind, payable = "CeO2 (Ce(IV) product)", "cerium_product", ("Ce",)
        else:
            prod_name = spec.name
            kind = "separated_oxide" if len(spec.elements) == 1 else "mixed_oxide"
            payable = tuple(spec.elements)
        base = name.removesuffix("_precipitate")
        out = _S(f"product_{base}", prod_name, "", "product", "solid", "oxide", m.copy())
        outs.append(out)
        products.append((out.name, prod_name, kind, list(payable)))
    net.unit(
        "calcination",
        "calcination",
        "precipitates → oxides at ~900 °C (elements unchanged)",
        [n for n, _ in precipitates],
        outs,
    )
    return products


# ------------------------------------------------------------------------------ tables


def _summary(net: _Net, p: ProcessingParams) -> pd.DataFrame:
    names = list(net.streams)
    S = np.array([net.streams[n].vec for n in names])
    mass = np.array([net.streams[n].mass for n in names])
    ox = form_factors("oxide")
    treo = S[:, _REE] @ ox[_REE]
    th = S[:, _IDX["Th"]]
    u = S[:, _IDX["U"]]
    rp = p.radioactivity
    act = activity_table(
        th,
        u,
        mass,
        secular_equilibrium=rp.secular_equilibrium,
        include_u235=rp.include_u235,
        clearance_bq_g=rp.clearance_bq_g,
    )
    phase = np.array([net.streams[n].phase for n in names])
    solid = phase == "solid"
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = lambda x: np.where(mass > 0, 100.0 * x / mass, np.nan)  # noqa: E731
        treo_pct = np.where(phase != "gas", pct(treo), np.nan)
        tho2_pct = np.where(solid, pct(th * ox[_IDX["Th"]]), np.nan)
        u3o8_pct = np.where(solid, pct(u * ox[_IDX["U"]]), np.nan)
    radioactive = pd.array(
        [bool(e) if s else pd.NA for e, s in zip(act["exceeds_clearance"], solid, strict=True)],
        dtype="boolean",
    )
    return pd.DataFrame(
        {
            "stream": names,
            "label": [net.streams[n].label for n in names],
            "from_unit": [net.streams[n].from_unit for n in names],
            "to_unit": [net.streams[n].to_unit for n in names],
            "kind": [net.streams[n].kind for n in names],
            "phase": phase,
            "form": [net.streams[n].form for n in names],
            "tonnes_per_year": mass,
            "TREO_tpa": treo,
            "TREO_pct": treo_pct,
            "ThO2_pct": tho2_pct,
            "U3O8_pct": u3o8_pct,
            "Th_tpa": th,
            "U_tpa": u,
            "Th232_Bq_g": np.where(solid, act["Th232_Bq_g"], np.nan),
            "U238_Bq_g": np.where(solid, act["U238_Bq_g"], np.nan),
            "total_Bq_g": np.where(solid, act["total_Bq_g"], np.nan),
            "activity_GBq": act["activity_GBq"].to_numpy(),
            "radioactive": radioactive,
        }
    )


def _slate(
    net: _Net,
    summary: pd.DataFrame,
    products: list[tuple[str, str, str, list[str]]],
    byproducts: list[str],
    th_product: bool,
    targets: dict[str, float],
    refinery: Refinery | None,
) -> ProductSlate:
    rows: list[dict[str, Any]] = []
    comp: list[pd.DataFrame] = []
    ox = form_factors("oxide")
    s_idx = summary.set_index("stream")
    entries = [(s, n, k, pay) for s, n, k, pay in products]
    for s in byproducts:
        entries.append((s, net.streams[s].label, "by-product", None))
    if th_product:
        entries.append(("thorium_residue", "thorium concentrate", "by-product", ["Th"]))
    for stream, name, kind, payable in entries:
        st = net.streams[stream]
        m = st.vec
        factors = form_factors(st.form)
        mass = st.mass
        if stream == "fluorite_concentrate":
            species, pay_t = "CaF2", _key_vector(m, "fluorite")[1]
        elif stream == "barite_concentrate":
            species, pay_t = "BaSO4", _key_vector(m, "barite")[1]
        elif payable == ["Th"]:
            species, pay_t = "ThO2", float(m[_IDX["Th"]] * ox[_IDX["Th"]])
        else:
            idx = [_IDX[e] for e in payable]
            species = _species_label(payable)
            pay_t = float(m[idx] @ ox[idx])
        r = s_idx.loc[stream]
        rows.append(
            {
                "product": name,
                "kind": kind,
                "species": species,
                "purity": pay_t / mass if mass > 0 else float("nan"),
                "tpa": mass,
                "payable_tpa": pay_t,
                "TREO_tpa": float(r["TREO_tpa"]),
                "Th232_Bq_g": float(r["Th232_Bq_g"]),
                "U238_Bq_g": float(r["U238_Bq_g"]),
                "radioactive": r["radioactive"],
                "stream": stream,
                "purity_target": targets.get(name, float("nan"))
                if kind in ("separated_oxide", "mixed_oxide") and payable is not None
                else float("nan"),
            }
        )
        nz = m > 0
        comp.append(
            pd.DataFrame(
                {
                    "product": name,
                    "element": np.array(COMPONENTS)[nz],
                    "tonnes_per_year": m[nz],
                    "species_tpa": (m * factors)[nz],
                }
            )
        )
    products_df = pd.DataFrame(rows)
    products_df["radioactive"] = products_df["radioactive"].astype("boolean")
    composition = (
        pd.concat(comp, ignore_index=True)
        if comp
        else pd.DataFrame(columns=["product", "element", "tonnes_per_year", "species_tpa"])
    )
    if refinery is None:
        return ProductSlate(products=products_df, composition=composition)
    return ProductSlate(
        products=products_df,
        composition=composition,
        refinery_capex_usd=refinery.capex_usd,
        refinery_opex_usd_per_year=refinery.opex_usd_per_year,
        refinery_costs=refinery.costs,
    )


def _species_label(payable: list[str]) -> str:
    """Payable species of a product: ``Nd2O3``, ``Pr6O11+Nd2O3``, ``REO(Sm…Y)``, ``TREO``."""
    if len(payable) == len(REE_16):
        return "TREO"
    if len(payable) <= 3:
        return "+".join({"Pm": "Pm2O3"}.get(e) or CANONICAL_SPECIES[e] for e in payable)
    return f"REO({payable[0]}…{payable[-1]})"


def unit_balance(flowsheet: Flowsheet) -> pd.DataFrame:
    """Per-unit, per-element balance: inputs, outputs and imbalance.

    Parameters
    ----------
    flowsheet : Flowsheet
        A result of :func:`run_flowsheet`.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``element``, ``in_tpa``, ``out_tpa``, ``imbalance_tpa`` [t/y] and
        ``relative_imbalance`` [-] (imbalance / max(in, out); 0 when both are 0).
    """
    mat = flowsheet.streams.pivot(
        index="stream", columns="element", values="tonnes_per_year"
    ).reindex(columns=list(COMPONENTS), fill_value=0.0)
    summ = flowsheet.summary.set_index("stream").reindex(mat.index)
    values = mat.to_numpy()
    units = list(flowsheet.units["unit"])
    from_u = summ["from_unit"].to_numpy()
    to_u = summ["to_unit"].to_numpy()
    inp = np.array([values[to_u == u].sum(axis=0) for u in units]).reshape(len(units), _N)
    out = np.array([values[from_u == u].sum(axis=0) for u in units]).reshape(len(units), _N)
    imb = inp - out
    big = np.maximum(np.abs(inp), np.abs(out))
    rel = np.divide(np.abs(imb), big, out=np.zeros_like(big), where=big > 0)
    return pd.DataFrame(
        {
            "unit": np.repeat(units, _N),
            "element": np.tile(COMPONENTS, len(units)),
            "in_tpa": inp.ravel(),
            "out_tpa": out.ravel(),
            "imbalance_tpa": imb.ravel(),
            "relative_imbalance": rel.ravel(),
        }
    )


# ------------------------------------------------------------------------------ checks


def _check(
    rows: list[dict[str, Any]], check: str, status: str, value: float, reference: str, message: str
) -> None:
    rows.append(
        {
            "check": check,
            "status": status,
            "value": value,
            "reference": reference,
            "message": message,
        }
    )


def _checks(
    net: _Net,
    p: ProcessingParams,
    feed: Feed,
    summary: pd.DataFrame,
    slate: ProductSlate,
    max_rel_imbalance: float,
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    s = summary.set_index("stream")
    lo, hi = p.checks.typical_flotation_recovery_pct
    tol = p.checks.tolerance_pct / 100.0
    ree = p.beneficiation.rare_earth
    feed_treo = float(s.loc["rom_ore", "TREO_tpa"])
    prod = slate.products
    refinery = prod.loc[prod["kind"] != "by-product"]
    treo_out = float(refinery["TREO_tpa"].sum())
    overall = 100.0 * treo_out / feed_treo if feed_treo > 0 else float("nan")

    ok = lo <= ree.recovery_pct <= hi
    _check(
        rows,
        "ree_beneficiation_recovery",
        "ok" if ok or "flotation" not in ree.method else "warning",
        ree.recovery_pct,
        f"{lo:g}–{hi:g} % typical for flotation (DOMAIN §1)",
        f"REE {ree.method} recovery {ree.recovery_pct:g} % "
        + ("is within" if ok else "is OUTSIDE")
        + f" the {lo:g}–{hi:g} % typical of flotation",
    )
    status = "warning" if overall > hi else "info"
    _check(
        rows,
        "overall_treo_recovery",
        status,
        overall,
        f"flotation alone typically {lo:g}–{hi:g} %",
        f"overall TREO recovery ore → products {overall:.1f} % ({treo_out:,.0f} of "
        f"{feed_treo:,.0f} t/y REO)"
        + (f"; above the {hi:g} % flotation typically reaches" if overall > hi else ""),
    )

    t = p.targets
    src = f" ({t.source})" if t is not None and t.source else ""
    if t is not None and t.treo_tpa is not None:
        implied = 100.0 * t.treo_tpa / feed_treo if feed_treo > 0 else float("inf")
        gap = (treo_out - t.treo_tpa) / t.treo_tpa if t.treo_tpa > 0 else 0.0
        bad = abs(gap) > tol or implied > hi
        _check(
            rows,
            "announced_treo_output",
            "warning" if bad else "ok",
            treo_out,
            f"{t.treo_tpa:,.0f} t/y announced{src}",
            f"announced {t.treo_tpa:,.0f} t/y REO is {implied:.1f} % of the {feed_treo:,.0f} "
            f"t/y contained in the feed"
            + (f" — above the {lo:g}–{hi:g} % flotation typically recovers" if implied > hi else "")
            + f"; this flowsheet recovers {overall:.1f} % → {treo_out:,.0f} t/y "
            f"({100 * gap:+.0f} % vs announced)",
        )
    feed_el = feed.element_tpa()
    for key, stream, target, species in (
        ("fluorite", "fluorite_concentrate", t.fluorite_tpa if t else None, "CaF2"),
        ("barite", "barite_concentrate", t.barite_tpa if t else None, "BaSO4"),
    ):
        if stream not in s.index:
            if target:
                _check(
                    rows,
                    f"announced_{key}_output",
                    "warning",
                    0.0,
                    f"{target:,.0f} t/y",
                    f"{key} circuit disabled but {target:,.0f} t/y announced{src}",
                )
            continue
        row = prod.loc[prod["stream"] == stream].iloc[0]
        circuit = getattr(p.beneficiation, key)
        grade_ok = 100.0 * row["purity"] >= circuit.saleable_grade_pct - 1e-9
        _check(
            rows,
            f"{key}_grade",
            "ok" if grade_ok else "warning",
            100.0 * row["purity"],
            f">= {circuit.saleable_grade_pct:g} % {species}",
            f"{key} concentrate {100 * row['purity']:.1f} % {species} "
            + ("meets" if grade_ok else "is BELOW")
            + f" the {circuit.saleable_grade_pct:g} % "
            "saleable grade",
        )
        if target is not None:
            _, contained = _key_vector(feed_el.to_numpy(), key)
            implied = 100.0 * target * row["purity"] / contained if contained else float("inf")
            gap = (row["tpa"] - target) / target if target > 0 else 0.0
            _check(
                rows,
                f"announced_{key}_output",
                "warning" if abs(gap) > tol else "ok",
                row["tpa"],
                f"{target:,.0f} t/y announced{src}",
                f"announced {target:,.0f} t/y {key} needs {implied:.0f} % recovery of the "
                f"{contained:,.0f} t/y {species} in the feed; this flowsheet gives "
                f"{row['tpa']:,.0f} t/y ({100 * gap:+.0f} %)",
            )
    if t is not None and t.thorium_tpa is not None:
        th_feed = float(s.loc["rom_ore", "Th_tpa"])
        th_cake = float(s.loc["thorium_residue", "Th_tpa"])
        gap = (th_cake - t.thorium_tpa) / t.thorium_tpa if t.thorium_tpa > 0 else 0.0
        _check(
            rows,
            "announced_thorium_output",
            "warning" if abs(gap) > tol else "ok",
            th_cake,
            f"{t.thorium_tpa:,.0f} t/y Th announced{src}",
            f"announced {t.thorium_tpa:,.0f} t/y Th is {100 * t.thorium_tpa / th_feed:.0f} % "
            f"of the {th_feed:,.0f} t/y Th in the feed; the thorium cake of this flowsheet "
            f"holds {th_cake:,.0f} t/y ({100 * gap:+.0f} %); the rest goes to tailings "
            f"({float(s.loc[s['kind'] == 'tailings', 'Th_tpa'].sum()):,.0f} t/y) and residues",
        )

    clear = p.radioactivity.clearance_bq_g
    for _, r in prod.iterrows():
        if pd.notna(r["radioactive"]) and bool(r["radioactive"]):
            _check(
                rows,
                f"radioactive_product:{r['product']}",
                "warning",
                max(r["Th232_Bq_g"], r["U238_Bq_g"]),
                f"<= {clear:g} Bq/g per nuclide",
                f"{r['product']} carries Th-232 {r['Th232_Bq_g']:.2f} Bq/g, U-238 "
                f"{r['U238_Bq_g']:.2f} Bq/g: above the {clear:g} Bq/g NORM level (IAEA GSR "
                "Part 3) — not freely saleable without regulatory control",
            )
    waste = s.loc[s["kind"].isin(["residue", "tailings"]) & (s["phase"] == "solid")]
    flagged = waste.loc[waste["radioactive"].fillna(False).astype(bool)]
    tpa = float(flagged["tonnes_per_year"].sum())
    _check(
        rows,
        "radioactive_waste",
        "warning" if tpa > 0 else "ok",
        tpa,
        f"> {clear:g} Bq/g per nuclide (IAEA GSR Part 3, para. 3.4)",
        f"{tpa:,.0f} t/y of solid waste above {clear:g} Bq/g needs a NORM / radioactive-waste "
        "route: "
        + (
            ", ".join(
                f"{i} {r['tonnes_per_year']:,.0f} t/y at {r['Th232_Bq_g']:.1f} Bq/g Th-232"
                for i, r in flagged.iterrows()
            )
            or "none"
        ),
    )
    _check(
        rows,
        "radioactive_disequilibrium",
        "info",
        float("nan"),
        "radioactivity module",
        "Bq/g are parent activities from Th and U content; after chemical processing Ra "
        "follows Ba/Ca sulfates (leach residue, gypsum) and is not modelled",
    )

    if p.separation.enabled:
        sp = {pr.name: pr for pr in p.separation.products}
        for _, r in prod.loc[prod["product"].isin(list(sp))].iterrows():
            target = sp[r["product"]].purity_pct
            got = 100.0 * r["purity"]
            if not np.isfinite(got):
                _check(
                    rows,
                    f"purity:{r['product']}",
                    "warning",
                    got,
                    f"{target:g} %",
                    f"{r['product']}: no payable elements in the SX feed",
                )
                continue
            low = got < target - 1e-6
            _check(
                rows,
                f"purity:{r['product']}",
                "warning" if low else "ok",
                got,
                f"{target:g} % target",
                f"{r['product']} {got:.3f} % {r['species']} (target {target:g} %)",
            )
        refinery = net.notes.get("refinery")
        if refinery is not None:
            _check(
                rows,
                "sx_refinery",
                "info",
                float(refinery.total_stages),
                "processing.refinery design",
                f"SX train designed by simulation: {len(refinery.cascades)} cascades, "
                f"{refinery.total_stages} stages; capex {refinery.capex_usd / 1e6:,.1f} M US$, "
                f"opex {refinery.opex_usd_per_year / 1e6:,.1f} M US$/y (factored estimate)",
            )
        else:
            scale = net.notes.get("sx_scale", 1.0)
            _check(
                rows,
                "sx_placeholder",
                "info",
                scale,
                "processing.sx designer",
                "SX recoveries and purities are placeholders from "
                "processing.separation.products"
                + (
                    ""
                    if scale >= 1.0
                    else f"; too few off-spec rare earths to contaminate every "
                    f"product to its purity target (contamination scaled by {scale:.3f})"
                ),
            )
    _check(
        rows,
        "mass_balance_closure",
        "ok" if max_rel_imbalance < 1e-9 else "warning",
        max_rel_imbalance,
        "< 1e-9 relative per element and unit",
        f"largest relative element imbalance over all units {max_rel_imbalance:.1e}",
    )
    return pd.DataFrame(rows, columns=["check", "status", "value", "reference", "message"])


# ------------------------------------------------------------------------------ driver


def run_flowsheet(feed: Feed, params: ProcessingParams) -> Flowsheet:
    """Steady-state mass balance of the plant, ore to products.

    Parameters
    ----------
    feed : Feed
        Ore tonnes per year [t/y] and composition [wt %].
    params : ProcessingParams
        The validated ``[processing]`` section.

    Returns
    -------
    Flowsheet
        Streams (long), stream summary with TREO, ThO2 and Bq/g, units, reagents,
        checks, KPIs and the :class:`ProductSlate`.

    Raises
    ------
    ConfigError
        When a beneficiation grade is not reachable for this feed (the message names the
        key and the feasible range).

    Examples
    --------
    >>> from mine2magnet.processing.params import processing_params
    >>> p = processing_params({"feed": {"ore_tpa": 570000, "TREO_pct": 1.8,
    ...     "distribution": "bayan_obo", "ThO2_pct": 0.2, "CaF2_pct": 40, "BaSO4_pct": 29,
    ...     "Fe2O3_pct": 8}})
    >>> fs = run_flowsheet(feed_from_params(p), p)
    >>> round(fs.kpi("ree_concentrate_grade_pct"))
    30
    """
    net = _Net()
    net.add(
        _S(
            "rom_ore",
            "run-of-mine ore",
            "mine",
            "feed",
            "solid",
            "mineral",
            feed.element_tpa().to_numpy(),
        )
    )
    mill = _comminution(net, params, "rom_ore", feed.ore_tpa)
    conc, byproducts = _beneficiation(net, params, mill)
    conc_mass = net.streams[conc].mass
    liquor = _cracking(net, params, conc)
    liquor = _impurity_removal(net, params, liquor, conc_mass)
    liquor, ce_ppt = _cerium_removal(net, params, liquor)
    train = None
    p_sx = params
    if params.refinery is not None and params.separation.enabled:
        train = _design_refinery(net, params, liquor)
        p_sx = with_sx_products(params, refinery_sx_products(train))
    liquors = _separation(net, p_sx, liquor, train)
    precipitates = _precipitation(net, p_sx, liquors, ce_ppt)
    products = _calcination(net, precipitates, p_sx)
    for st in net.streams.values():
        if not st.to_unit:
            st.to_unit = _SINK.get(st.kind, "")

    summary = _summary(net, params)
    long = pd.DataFrame(
        {
            "stream": np.repeat(list(net.streams), _N),
            "unit": np.repeat([st.from_unit for st in net.streams.values()], _N),
            "element": np.tile(COMPONENTS, len(net.streams)),
            "tonnes_per_year": np.concatenate([st.vec for st in net.streams.values()]),
        }
    )
    units = pd.DataFrame(net.units)
    th_product = params.impurity_removal.thorium_is_product
    targets = (
        {pr.name: pr.purity_pct / 100.0 for pr in p_sx.separation.products}
        if p_sx.separation.enabled
        else {}
    )
    slate = _slate(net, summary, products, byproducts, th_product, targets, train)
    reagents = pd.DataFrame(net.reagents, columns=["unit", "reagent", "tonnes_per_year", "basis"])
    draft = Flowsheet(long, summary, units, reagents, pd.DataFrame(), pd.DataFrame(), slate, feed)
    max_rel = float(unit_balance(draft)["relative_imbalance"].max())

    s = summary.set_index("stream")
    feed_treo = float(s.loc["rom_ore", "TREO_tpa"])
    ree_conc_treo = float(s.loc["ree_concentrate", "TREO_tpa"])
    refinery = slate.products.loc[slate.products["kind"] != "by-product"]
    net.kpi("ore_tpa", feed.ore_tpa, "t/y")
    net.kpi("feed_TREO_pct", feed.TREO_pct, "%")
    net.kpi("feed_TREO_tpa", feed_treo, "t/y")
    net.kpi(
        "ree_beneficiation_recovery_pct",
        100.0 * ree_conc_treo / feed_treo if feed_treo else 0.0,
        "%",
    )
    net.kpi("products_TREO_tpa", float(refinery["TREO_tpa"].sum()), "t/y")
    net.kpi(
        "overall_treo_recovery_pct",
        100.0 * float(refinery["TREO_tpa"].sum()) / feed_treo if feed_treo else 0.0,
        "%",
    )
    ndpr = summary.loc[summary["kind"] == "product"]
    ndpr_t = sum(
        float(
            long.loc[
                (long["stream"].isin(ndpr["stream"])) & (long["element"] == el), "tonnes_per_year"
            ].sum()
        )
        * form_factors("oxide")[_IDX[el]]
        for el in ("Pr", "Nd")
    )
    net.kpi("products_NdPr_oxide_tpa", ndpr_t, "t/y")
    net.kpi("feed_Th_tpa", float(s.loc["rom_ore", "Th_tpa"]), "t/y")
    for name in ("thorium_residue", "leach_residue", "tailings"):
        net.kpi(f"{name}_Th_tpa", float(s.loc[name, "Th_tpa"]), "t/y")
    waste = s.loc[s["kind"].isin(["residue", "tailings"]) & (s["phase"] == "solid")]
    flagged = waste["radioactive"].fillna(False).astype(bool)
    net.kpi("radioactive_waste_tpa", float(waste.loc[flagged, "tonnes_per_year"].sum()), "t/y")
    net.kpi(
        "radioactive_residue_tpa",
        float(waste.loc[flagged & (waste["kind"] == "residue"), "tonnes_per_year"].sum()),
        "t/y",
    )
    net.kpi("max_relative_imbalance", max_rel, "-")
    if train is not None:
        net.kpi("sx_cascades", len(train.cascades), "-")
        net.kpi("sx_total_stages", train.total_stages, "-")
        net.kpi("refinery_capex_usd", train.capex_usd, "US$")
        net.kpi("refinery_opex_usd_per_year", train.opex_usd_per_year, "US$/y")
    checks = _checks(net, p_sx, feed, summary, slate, max_rel)
    kpis = pd.DataFrame(net.kpis, columns=["kpi", "value", "unit"])
    h = params_hash(
        {
            "feed": {"ore_tpa": feed.ore_tpa, "grades_pct": dict(feed.grades_pct)},
            "params": params.model_dump(mode="json"),
        }
    )
    return Flowsheet(long, summary, units, reagents, checks, kpis, slate, feed, h, train)


def _design_refinery(net: _Net, p: ProcessingParams, liquor: str) -> Refinery:
    """Design the SX train on the rare earths of ``liquor``; its reagents to the table."""
    assert p.refinery is not None
    m = net.streams[liquor].vec
    ox = form_factors("oxide")
    feed = {
        CANONICAL_SPECIES[el]: float(m[_IDX[el]] * ox[_IDX[el]])
        for el in REE_16
        if el != "Pm" and m[_IDX[el]] > 0
    }
    if not feed:
        raise ConfigError(
            "key 'processing.refinery': no rare earths reach SX with these recoveries; "
            "check the cracking and impurity-removal settings or remove [processing.refinery]"
        )
    refinery = design_refinery(
        feed,
        p.refinery,
        precipitant=p.precipitation.precipitant,
        precipitant_excess=p.precipitation.excess_factor,
    )
    r = refinery.reagents
    chem = r.loc[(r["unit"] == "t") & (r["use"] != "precipitation")]
    for (use, reagent), t in chem.groupby(["use", "reagent"], sort=False)["per_year"].sum().items():
        basis = chem.loc[chem["use"] == use, "basis"].iloc[0]
        net.reagent("sx_separation", reagent, float(t), f"{use}: {basis} (refinery design)")
    net.notes["refinery"] = refinery
    return refinery
