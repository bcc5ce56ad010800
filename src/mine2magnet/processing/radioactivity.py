"""Specific activity of thorium- and uranium-bearing streams, and the NORM clearance test.

Model
-----
The activity concentration of a stream follows from its thorium and uranium mass fractions:

    a(Th-232) = w_Th · A_Th,   a(U-238) = w_U · A_U   [Bq/g]

with the specific activities of the elements ``A_Th = 4.06 kBq/g`` (Th is 100 % Th-232) and
``A_U = 12.4 kBq/g`` (U-238, the value in ``../shared/DOMAIN.md`` §2). Both follow from first
principles as ``λ·N_A/M`` with ``λ = ln 2 / T½``; :func:`specific_activity` computes them and
``tests/oracles/test_radioactivity_oracle.py`` checks the constants against it.

Secular equilibrium
-------------------
In ore and in physically separated streams (concentrates, tailings) the decay chains are in
secular equilibrium: every member has the parent's activity. Counting the members of each
chain with their full activity (a branching pair counts once, because its branching
fractions sum to one; data from the ICRP Publication 107 decay data, Eckerman & Endo 2008):

* Th-232 series, 10 members: Th-232, Ra-228, Ac-228, Th-228, Ra-224, Rn-220, Po-216,
  Pb-212, Bi-212, and Po-212 (64.06 %) + Tl-208 (35.94 %).
* U-238 series, 14 members: U-238, Th-234, Pa-234m, U-234, Th-230, Ra-226, Rn-222,
  Po-218, Pb-214, Bi-214, Po-214, Pb-210, Bi-210, Po-210 (minor branches At-218, Tl-210
  and Pa-234 neglected).
* U-235 series, 11 members: U-235, Th-231, Pa-231, Ac-227, Th-227 (98.62 %) + Fr-223
  (1.38 %), Ra-223, Rn-219, Po-215, Pb-211, Bi-211, Tl-207 (99.72 %) + Po-211 (0.28 %).
  Only counted when asked (``include_u235``); its activity is 4.6 % of U-238's in natural
  uranium.

The *total* activity (parent × members) is what an inventory or a dose assessment needs.
The *clearance test* does not depend on it: the NORM criterion of IAEA GSR Part 3 (2014),
para. 3.4, is per radionuclide — material falls under the requirements for planned
exposure when the activity concentration of any radionuclide of the uranium or thorium
decay chain exceeds 1 Bq/g (EU BSS 2013/59/Euratom Annex VII lists "Th-232sec" and
"U-238sec" at 1 kBq/kg; UK IRR17 Schedule 7 Part 2 transposes it). In equilibrium every
member equals the parent, so comparing the parents with 1 Bq/g is exact.

Caveat. After chemical processing the chains are no longer in equilibrium: radium follows
barium and calcium into sulfate residues and away from thorium; Ra-228 and Th-228 regrow
over years. This module computes parent activities from Th and U content only; the daughter
activity of chemically separated streams is *not* modelled (flag it in the report).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mine2magnet.chemistry import ATOMIC_WEIGHT

__all__ = [
    "AVOGADRO",
    "CHAIN_MEMBERS",
    "CLEARANCE_BQ_PER_G",
    "HALF_LIFE_YEARS",
    "NATURAL_U235_ATOM_FRACTION",
    "SECONDS_PER_YEAR",
    "SPECIFIC_ACTIVITY_BQ_PER_G",
    "activity_table",
    "clearance_mass_fraction",
    "specific_activity",
    "u235_activity_ratio",
]

#: Avogadro constant [1/mol] (SI 2019, exact).
AVOGADRO = 6.02214076e23
#: Julian year [s] (IAU; the year used with half-lives in nuclear data tables).
SECONDS_PER_YEAR = 365.25 * 86_400.0

#: Half-lives [y]. Th-232 1.40e10 and U-238 4.468e9 (DOMAIN.md §2 oracle values; ENSDF /
#: NUBASE2020 give 1.40(1)e10 y and 4.468(3)e9 y); U-235 7.04e8 y (NUBASE2020, 7.04(1)e8 y).
HALF_LIFE_YEARS: dict[str, float] = {"Th-232": 1.40e10, "U-238": 4.468e9, "U-235": 7.04e8}

#: Specific activity of the parent nuclide per gram of the *element* [Bq/g]:
#: Th-232 4.06 kBq/g Th and U-238 12.4 kBq/g U (DOMAIN.md §2). The U value is that of
#: U-238 treated as the whole mass; with the natural isotopic abundance (99.27 atom %)
#: it is 12.35 kBq/g, so the constant errs 0.4 % on the conservative side.
SPECIFIC_ACTIVITY_BQ_PER_G: dict[str, float] = {"Th": 4.06e3, "U": 1.24e4}

#: Members of each natural decay series counted with full activity in secular equilibrium
#: (see the module docstring; ICRP Publication 107 decay data).
CHAIN_MEMBERS: dict[str, int] = {"Th-232": 10, "U-238": 14, "U-235": 11}

#: NORM exemption/clearance level per radionuclide of the U and Th chains [Bq/g]
#: (IAEA GSR Part 3, 2014, para. 3.4).
CLEARANCE_BQ_PER_G = 1.0

#: Atom fraction of U-235 in natural uranium [-] (IUPAC CIAAW isotopic composition 0.7204 %).
NATURAL_U235_ATOM_FRACTION = 0.007204
_NATURAL_U238_ATOM_FRACTION = 0.992742


def specific_activity(
    half_life_years: float, molar_mass_g_mol: float, abundance: float = 1.0
) -> float:
    """Specific activity from first principles, ``A = abundance · ln2/T½ · N_A / M``.

    Parameters
    ----------
    half_life_years : float
        Half-life of the nuclide [y] (Julian years).
    molar_mass_g_mol : float
        Molar mass of the material the activity is referred to [g/mol] (the nuclide's
        mass for a pure nuclide, the element's atomic weight for an element).
    abundance : float, optional
        Atom fraction of the nuclide in that material [-]; 1 for a pure nuclide.

    Returns
    -------
    float
        Activity per gram of material [Bq/g].

    Examples
    --------
    >>> round(specific_activity(1.40e10, 232.0377))  # Th-232 per gram of thorium
    4072
    """
    if half_life_years <= 0 or molar_mass_g_mol <= 0:
        raise ValueError("half-life and molar mass must be positive")
    decay_constant = math.log(2.0) / (half_life_years * SECONDS_PER_YEAR)
    return abundance * decay_constant * AVOGADRO / molar_mass_g_mol


def u235_activity_ratio() -> float:
    """Activity of U-235 relative to U-238 in natural uranium [-] (≈ 0.046).

    From the isotopic abundances (0.7204 and 99.2742 atom %) and the half-lives.
    """
    m = ATOMIC_WEIGHT["U"]
    a235 = specific_activity(HALF_LIFE_YEARS["U-235"], m, NATURAL_U235_ATOM_FRACTION)
    a238 = specific_activity(HALF_LIFE_YEARS["U-238"], m, _NATURAL_U238_ATOM_FRACTION)
    return a235 / a238


def clearance_mass_fraction(element: str, clearance_bq_g: float = CLEARANCE_BQ_PER_G) -> float:
    """Mass fraction of Th or U at which the parent nuclide reaches the clearance level [-].

    Parameters
    ----------
    element : {"Th", "U"}
        The element.
    clearance_bq_g : float, optional
        Clearance level [Bq/g], default 1 (GSR Part 3).

    Returns
    -------
    float
        Mass fraction [g/g]; e.g. 246 ppm Th (= 280 ppm ThO2) or 81 ppm U at 1 Bq/g.

    Examples
    --------
    >>> round(clearance_mass_fraction("Th") * 1e6)
    246
    """
    return clearance_bq_g / SPECIFIC_ACTIVITY_BQ_PER_G[element]


def activity_table(
    th_tonnes,
    u_tonnes,
    mass_tonnes,
    *,
    secular_equilibrium: bool = True,
    include_u235: bool = False,
    clearance_bq_g: float = CLEARANCE_BQ_PER_G,
) -> pd.DataFrame:
    """Activity concentrations and the clearance test for streams, vectorised.

    Parameters
    ----------
    th_tonnes, u_tonnes : array_like
        Thorium and uranium (as elements) in each stream [t/y].
    mass_tonnes : array_like
        Dry mass of each stream [t/y]; zero mass gives NaN concentrations.
    secular_equilibrium : bool, optional
        Count the daughters in ``total_Bq_g`` and ``activity_GBq`` (see
        :data:`CHAIN_MEMBERS`); otherwise parents only.
    include_u235 : bool, optional
        Add the U-235 series (natural abundance) to the totals.
    clearance_bq_g : float, optional
        Clearance level per nuclide [Bq/g].

    Returns
    -------
    pandas.DataFrame
        Columns ``Th232_Bq_g``, ``U238_Bq_g`` (parent activity concentrations [Bq/g]),
        ``total_Bq_g`` (sum over the counted nuclides [Bq/g]), ``activity_GBq`` (activity
        carried by one year's flow [GBq]) and ``exceeds_clearance`` (either parent above
        ``clearance_bq_g``; False where the mass is zero).

    Examples
    --------
    >>> t = activity_table([0.002], [0.0], [1.0])  # 0.2 % Th
    >>> round(float(t.loc[0, "Th232_Bq_g"]), 2), bool(t.loc[0, "exceeds_clearance"])
    (8.12, True)
    """
    th = np.asarray(th_tonnes, dtype=float)
    u = np.asarray(u_tonnes, dtype=float)
    mass = np.asarray(mass_tonnes, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w_th = np.where(mass > 0, th / mass, np.nan)
        w_u = np.where(mass > 0, u / mass, np.nan)
    a_th = w_th * SPECIFIC_ACTIVITY_BQ_PER_G["Th"]
    a_u = w_u * SPECIFIC_ACTIVITY_BQ_PER_G["U"]
    n_th = CHAIN_MEMBERS["Th-232"] if secular_equilibrium else 1
    n_u = CHAIN_MEMBERS["U-238"] if secular_equilibrium else 1
    u_factor = float(n_u)
    if include_u235:
        u_factor += u235_activity_ratio() * (CHAIN_MEMBERS["U-235"] if secular_equilibrium else 1)
    total = n_th * a_th + u_factor * a_u
    # activity of one year's flow: t → g is 1e6, Bq → GBq is 1e-9
    gbq = (
        n_th * th * SPECIFIC_ACTIVITY_BQ_PER_G["Th"]
        + u_factor * u * SPECIFIC_ACTIVITY_BQ_PER_G["U"]
    ) * 1e-3
    exceeds = np.where(mass > 0, (a_th > clearance_bq_g) | (a_u > clearance_bq_g), False)
    return pd.DataFrame(
        {
            "Th232_Bq_g": a_th,
            "U238_Bq_g": a_u,
            "total_Bq_g": total,
            "activity_GBq": gbq,
            "exceeds_clearance": exceeds.astype(bool),
        }
    )
