"""Rare-earth chemistry constants: one table of atomic weights, oxide forms and factors.

Sources
-------
* Atomic weights: IUPAC Commission on Isotopic Abundances and Atomic Weights, standard
  atomic weights (abridged values as listed in ``../shared/DOMAIN.md`` §2, CIAAW 2021).
* Oxide forms: the forms in which laboratories and the USGS report rare-earth oxides
  (CeO2, Pr6O11, Tb4O7, the rest R2O3), Castor & Hedrick (2006).
* Oxide factors are *computed* here from the atomic weights (oxide mass per unit element
  mass); ``tests/oracles/test_chemistry_factors.py`` checks them against the published
  factors in DOMAIN.md to 1e-4.

Conventions
-----------
Canonical grade unit inside mine2magnet is weight percent of the species named in the
column, e.g. ``Nd2O3_pct``. ``TREO_pct`` is the sum of the 14 naturally occurring lanthanide
oxides (La…Lu without Pm) plus Y2O3; Sc2O3 is tracked but not part of TREO.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = [
    "ATOMIC_WEIGHT",
    "CANONICAL_SPECIES",
    "HREE",
    "LANTHANIDES",
    "LREE",
    "NDPR_OXIDES",
    "REE",
    "REO",
    "TREO_SPECIES",
    "canonical_column",
    "canonical_species",
    "conversion_factor",
    "element_of",
    "molar_mass",
    "oxide_factor",
    "parse_formula",
]

#: Standard atomic weights [g/mol] (IUPAC/CIAAW, as listed in DOMAIN.md §2; Pm has no stable
#: isotope, its mass number 145 is given for completeness). Si, P, S, Mn, Cu, Mo, Ag, Au, Ni,
#: Zn, Pb, Na, K, Mg, Al, Ti, C, H, Cl, N from the same IUPAC table (2021 abridged values).
ATOMIC_WEIGHT: dict[str, float] = {
    "La": 138.90547, "Ce": 140.116, "Pr": 140.90766, "Nd": 144.242, "Pm": 145.0,
    "Sm": 150.36, "Eu": 151.964, "Gd": 157.25, "Tb": 158.925354, "Dy": 162.500,
    "Ho": 164.930329, "Er": 167.259, "Tm": 168.934219, "Yb": 173.045, "Lu": 174.9668,
    "Y": 88.905838, "Sc": 44.955907, "Th": 232.0377, "U": 238.02891, "O": 15.999,
    "F": 18.998403, "Ba": 137.327, "Ca": 40.078, "Fe": 55.845, "B": 10.81,
    "Si": 28.085, "P": 30.973762, "S": 32.06, "Mn": 54.938043, "Cu": 63.546,
    "Mo": 95.95, "Ag": 107.8682, "Au": 196.966570, "Ni": 58.6934, "Zn": 65.38,
    "Pb": 207.2, "Na": 22.989769, "K": 39.0983, "Mg": 24.305, "Al": 26.981538,
    "Ti": 47.867, "C": 12.011, "H": 1.008, "Cl": 35.45, "N": 14.007, "Sr": 87.62,
    "Nb": 92.90637,
}  # fmt: skip

#: Lanthanides in order of atomic number, without Pm (no natural occurrence in ores).
LANTHANIDES: tuple[str, ...] = (
    "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
)  # fmt: skip
#: Rare-earth elements counted in TREO: the lanthanides plus yttrium.
REE: tuple[str, ...] = (*LANTHANIDES, "Y")
#: Light REE (La–Sm, the bastnäsite-dominant group) and heavy REE (Eu–Lu + Y), the usual
#: split in marketing and SX flowsheets.
LREE: tuple[str, ...] = ("La", "Ce", "Pr", "Nd", "Sm")
HREE: tuple[str, ...] = ("Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y")

#: Canonical reported species per element (oxide forms after Castor & Hedrick 2006; Th as
#: ThO2, U as U3O8 as in uranium reporting; Ba as BaO and Ca as CaO as in XRF reports).
#: Elements absent here are kept as the element (e.g. ``Cu_pct``).
CANONICAL_SPECIES: dict[str, str] = {
    "La": "La2O3", "Ce": "CeO2", "Pr": "Pr6O11", "Nd": "Nd2O3", "Sm": "Sm2O3",
    "Eu": "Eu2O3", "Gd": "Gd2O3", "Tb": "Tb4O7", "Dy": "Dy2O3", "Ho": "Ho2O3",
    "Er": "Er2O3", "Tm": "Tm2O3", "Yb": "Yb2O3", "Lu": "Lu2O3", "Y": "Y2O3",
    "Sc": "Sc2O3", "Th": "ThO2", "U": "U3O8", "Ba": "BaO", "Ca": "CaO",
    "Fe": "Fe2O3", "Si": "SiO2", "P": "P2O5", "Mn": "MnO", "Sr": "SrO", "Nb": "Nb2O5",
}  # fmt: skip

#: Rare-earth oxide species in TREO, in atomic-number order (Y last).
REO: tuple[str, ...] = tuple(CANONICAL_SPECIES[e] for e in REE)
TREO_SPECIES: tuple[str, ...] = REO
#: The magnet oxides whose sum is reported as "NdPr oxide".
NDPR_OXIDES: tuple[str, ...] = ("Pr6O11", "Nd2O3")

_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)")


@cache
def parse_formula(formula: str) -> tuple[tuple[str, int], ...]:
    """Parse a simple formula without brackets, e.g. ``"Pr6O11"`` → ``(("Pr", 6), ("O", 11))``.

    Raises ``ValueError`` for unknown elements or text that is not a formula.
    """
    pos = 0
    out: list[tuple[str, int]] = []
    for m in _TOKEN.finditer(formula):
        if m.start() != pos:
            break
        symbol, count = m.group(1), m.group(2)
        if symbol not in ATOMIC_WEIGHT:
            raise ValueError(f"unknown element {symbol!r} in formula {formula!r}")
        out.append((symbol, int(count) if count else 1))
        pos = m.end()
    if pos != len(formula) or not out:
        raise ValueError(f"not a chemical formula: {formula!r}")
    return tuple(out)


def molar_mass(formula: str) -> float:
    """Molar mass of a formula [g/mol] from :data:`ATOMIC_WEIGHT`."""
    return sum(ATOMIC_WEIGHT[s] * n for s, n in parse_formula(formula))


def element_of(species: str) -> str:
    """The element a species carries: its first, non-oxygen symbol (``"BaSO4"`` → ``"Ba"``)."""
    return parse_formula(species)[0][0]


def oxide_factor(species: str) -> float:
    """Mass of ``species`` per unit mass of its element [-], e.g. Nd2O3 → 1.1664.

    For an element symbol the factor is 1.
    """
    parts = parse_formula(species)
    element, n = parts[0]
    return molar_mass(species) / (n * ATOMIC_WEIGHT[element])


def canonical_species(reported: str) -> str:
    """Canonical species for a reported element or species.

    An element symbol maps to its canonical oxide (``"Nd"`` → ``"Nd2O3"``; ``"Cu"`` stays
    ``"Cu"``); a compound (``"BaSO4"``, ``"CaF2"``, ``"Nd2O3"``) is kept as reported, so
    the laboratory's choice between e.g. BaO and BaSO4 is preserved.
    """
    parts = parse_formula(reported)
    if len(parts) == 1 and parts[0][1] == 1:
        return CANONICAL_SPECIES.get(reported, reported)
    return reported


def canonical_column(reported: str) -> str:
    """Canonical column name for a reported element or species, e.g. ``"Ce"`` → ``"CeO2_pct"``."""
    return f"{canonical_species(reported)}_pct"


_UNIT_TO_PCT = {"pct": 1.0, "%": 1.0, "ppm": 1e-4, "g_t": 1e-4, "ppb": 1e-7, "fraction": 100.0}


def conversion_factor(reported: str, unit: str) -> float:
    """Factor turning a value reported as ``reported`` in ``unit`` into canonical % [-].

    Parameters
    ----------
    reported : str
        Element or species the laboratory reported, e.g. ``"Ce"`` or ``"CeO2"``.
    unit : str
        One of ``pct`` (or ``%``), ``ppm``, ``g_t`` (= ppm), ``ppb``, ``fraction``.

    Examples
    --------
    >>> round(conversion_factor("Nd", "ppm") * 10000, 4)  # 1 % Nd as Nd2O3 %
    1.1664
    """
    try:
        unit_factor = _UNIT_TO_PCT[unit]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}; use one of {sorted(_UNIT_TO_PCT)}") from None
    target = canonical_species(reported)
    if target == reported:
        return unit_factor
    # element reported, oxide canonical
    return unit_factor * oxide_factor(target)
