"""The SYNTHETIC laboratory: analytical error, reporting conventions and QA/QC inserts.

What a real assay file looks like, imitated:

* **Reporting**: REE, Th and U as ppm element (fusion ICP, three significant figures, no
  finer than the detection limit's decimal), CaF2, BaSO4 and Fe2O3 as % (two decimals);
  values below the detection limit as ``"<DL"`` strings (``"<0.2"``); a handful of values
  not analysed (empty) and a few samples with insufficient material (``"NS"``).
* **Precision**: ~2 % relative analytical error (lognormal, clipped at ±4 %).
* **QA/QC inserts** in the analysis stream (``SAMPLE_TYPE``): a certified reference
  material (``CRM``) at every 25th position (three standards), a ``BLANK`` (barren silica)
  every 50th and a field duplicate (``FDUP``, the other half of the core of the previous
  sample, ``PARENT_SAMPLEID``) every 30th. Sample numbers run through the stream.
* **Natural QA/QC behaviour is clean by construction**: CRM results lie within ±2.5 SD,
  no two consecutive results of one standard and analyte lie beyond 2 SD on the same side,
  no run of more than 6 on one side of the certified value; blanks stay below 3× DL; field
  duplicate pairs agree within HARD < 10 % wherever both values exceed 20× DL.
* **Deliberate failures** (listed in :attr:`LabResult.failures` and the README), so the
  QA/QC code can be checked against a known answer: one CRM far outside 3 SD, a bias run
  (a period of calibration drift: every CRM biased by +2.1–2.8 SD and the primary
  samples by +6 % in La, Ce, Pr, Nd), one contaminated blank (carry-over from a high-grade
  sample) and one poor field-duplicate pair.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mine2magnet.chemistry import CANONICAL_SPECIES, REE, oxide_factor
from mine2magnet.synthetic.deposit import (
    HOST_PATTERN_PPM,
    LITHOLOGIES,
    VEIN_CODES,
    VEIN_HG,
    VEIN_PATTERN_PCT,
)

__all__ = [
    "ANALYTES",
    "CRM_NAMES",
    "Analyte",
    "LabResult",
    "format_values",
    "lab_round",
    "run_lab",
]


@dataclass(frozen=True)
class Analyte:
    """One column of the assay file.

    Attributes
    ----------
    column : str
        Header in the file, e.g. ``"La_ppm"``.
    key : str
        Key of the true composition (``deposit.composition``).
    reported_as : str
        Element or species reported (``"La"``, ``"CaF2"``).
    unit : str
        ``"ppm"`` or ``"pct"``.
    detection_limit : float
        Lower detection limit in ``unit``.
    """

    column: str
    key: str
    reported_as: str
    unit: str
    detection_limit: float


_DL_PPM = {
    "La": 1.0, "Ce": 1.0, "Pr": 0.5, "Nd": 0.5, "Sm": 0.5, "Eu": 0.2, "Gd": 0.5, "Tb": 0.2,
    "Dy": 0.5, "Ho": 0.2, "Er": 0.5, "Tm": 0.5, "Yb": 0.5, "Lu": 0.5, "Y": 0.5, "Th": 0.5,
    "U": 0.5,
}  # fmt: skip

#: The assay file's grade columns, in file order.
ANALYTES: tuple[Analyte, ...] = (
    *(Analyte(f"{el}_ppm", f"{el}_ppm", el, "ppm", _DL_PPM[el]) for el in (*REE, "Th", "U")),
    Analyte("CaF2_pct", "CaF2_pct", "CaF2", "pct", 0.01),
    Analyte("BaSO4_pct", "BaSO4_pct", "BaSO4", "pct", 0.01),
    Analyte("Fe2O3_pct", "Fe2O3_pct", "Fe2O3", "pct", 0.01),
)
_COLS = [a.column for a in ANALYTES]
_LREE_COLS = ["La_ppm", "Ce_ppm", "Pr_ppm", "Nd_ppm"]

#: Certified reference materials (invented): TREO [%], ThO2/TREO [-], U [ppm],
#: CaF2, BaSO4, Fe2O3 [%]; made of blended ore so they follow the vein REE pattern.
_CRM_SPECS: dict[str, tuple[float, float, float, float, float, float]] = {
    "SYNCRM-L": (0.62, 0.100, 11.6, 11.8, 7.9, 5.4),
    "SYNCRM-M": (1.87, 0.108, 24.5, 23.6, 14.8, 6.2),
    "SYNCRM-H": (4.71, 0.112, 52.0, 37.9, 26.7, 7.1),
}
CRM_NAMES: tuple[str, ...] = tuple(_CRM_SPECS)
#: Relative SD of the certified values [-]; other analytes are indicative only.
_CRM_REL_SD = {
    "La_ppm": 0.028, "Ce_ppm": 0.025, "Pr_ppm": 0.035, "Nd_ppm": 0.030, "Sm_ppm": 0.045,
    "Eu_ppm": 0.060, "Gd_ppm": 0.055, "Dy_ppm": 0.070, "Y_ppm": 0.050, "Th_ppm": 0.035,
    "U_ppm": 0.060, "CaF2_pct": 0.020, "BaSO4_pct": 0.025, "Fe2O3_pct": 0.025,
}  # fmt: skip

_CRM_EVERY, _CRM_AT = 25, 24
_BLANK_EVERY, _BLANK_AT = 50, 12
_DUP_EVERY, _DUP_AT = 30, 20
_BIAS_RUN = 10  # consecutive SYNCRM-M results in the drift period
_BIAS_PRIMARY = 1.06  # drift factor on primary samples in that period [-]


@dataclass(frozen=True)
class LabResult:
    """What the laboratory returns.

    Attributes
    ----------
    assays : pandas.DataFrame
        The assay file as text, columns ``HOLEID``, ``FROM``, ``TO``, ``SAMPLEID``,
        ``SAMPLE_TYPE``, ``STANDARD_ID``, ``PARENT_SAMPLEID``, ``BATCH`` and
        :data:`ANALYTES`.
    values : pandas.DataFrame
        The same rows as numbers [column units], below detection as NaN, plus
        ``sample_type``, ``lith`` (primary/duplicate) and ``TREO_true_pct``.
    standards : pandas.DataFrame
        ``STANDARD_ID``, ``ANALYTE``, ``EXPECTED``, ``SD`` as text.
    failures : pandas.DataFrame
        The deliberate QA/QC failures: ``check``, ``sample_ids``, ``standard_id``,
        ``analytes``, ``detail``.
    """

    assays: pd.DataFrame
    values: pd.DataFrame
    standards: pd.DataFrame
    failures: pd.DataFrame


def _decimals(x: np.ndarray, unit: str, dl: float) -> np.ndarray:
    if unit == "pct":
        return np.full(x.shape, 2, dtype=np.int64)
    dl_dec = max(0, -int(np.floor(np.log10(dl) + 1e-9)))
    mag = np.floor(np.log10(np.maximum(x, 1e-12))).astype(np.int64)
    return np.minimum(2 - mag, dl_dec)


def lab_round(x: np.ndarray, unit: str, dl: float) -> np.ndarray:
    """Round values as the laboratory reports them.

    Parameters
    ----------
    x : numpy.ndarray
        Values [ppm or %].
    unit : {"ppm", "pct"}
        ppm: three significant figures, no finer than the detection limit's last decimal;
        pct: two decimals.
    dl : float
        Detection limit [unit].

    Returns
    -------
    numpy.ndarray
        Rounded values; below the detection limit NaN.

    Examples
    --------
    >>> lab_round(np.array([12345.6, 12.34, 0.123]), "ppm", 0.2).tolist()
    [12300.0, 12.3, nan]
    """
    x = np.asarray(x, dtype=float)
    dec = _decimals(x, unit, dl)
    scale = 10.0 ** dec.astype(float)
    out = np.round(x * scale) / scale
    return np.where(x < dl, np.nan, out)  # the measured value is compared, not the rounded


def _round_scalar(x: float, unit: str, dl: float) -> float:
    """:func:`lab_round` for one value above the detection limit (fast path)."""
    if unit == "pct":
        dec = 2
    else:
        dl_dec = max(0, -math.floor(math.log10(dl) + 1e-9))
        dec = min(2 - math.floor(math.log10(max(x, 1e-12))), dl_dec)
    scale = 10.0 ** float(dec)
    return round(x * scale) / scale


def format_values(x: np.ndarray, unit: str, dl: float) -> list[str]:
    """Text of lab-rounded values; NaN (below detection) as ``"<DL"``.

    Parameters
    ----------
    x : numpy.ndarray
        Values already rounded by :func:`lab_round` [ppm or %].
    unit : {"ppm", "pct"}
    dl : float
        Detection limit [unit].
    """
    x = np.asarray(x, dtype=float)
    out = np.full(len(x), f"<{dl:g}", dtype=object)
    ok = ~np.isnan(x)
    dec = np.maximum(_decimals(np.where(ok, x, 1.0), unit, dl), 0)
    for d in np.unique(dec[ok]).tolist():
        sel = np.flatnonzero(ok & (dec == d))
        fmt = f"{{:.{d}f}}".format
        out[sel] = [fmt(v) for v in x[sel].tolist()]
    return out.tolist()


def _crm_tables() -> tuple[dict[str, dict[str, float]], pd.DataFrame]:
    """Material composition (indicative, all analytes) and certified values per CRM."""
    material: dict[str, dict[str, float]] = {}
    rows = []
    vein_tot = sum(VEIN_PATTERN_PCT.values())
    for name, (treo, th_ratio, u, caf2, baso4, fe2o3) in _CRM_SPECS.items():
        comp: dict[str, float] = {}
        for el in REE:
            ox = oxide_factor(CANONICAL_SPECIES[el])
            comp[f"{el}_ppm"] = (
                treo * VEIN_PATTERN_PCT[el] / vein_tot * 1e4 / ox + 1.2 * HOST_PATTERN_PPM[el]
            )
        comp["Th_ppm"] = treo * th_ratio * 1e4 / oxide_factor("ThO2")
        comp.update({"U_ppm": u, "CaF2_pct": caf2, "BaSO4_pct": baso4, "Fe2O3_pct": fe2o3})
        material[name] = comp
        for a in ANALYTES:
            if a.column not in _CRM_REL_SD:
                continue
            expected = float(lab_round(np.array([comp[a.column]]), "ppm", 1e-6)[0])
            sd = expected * _CRM_REL_SD[a.column]
            sd = float(np.round(sd, 1 - int(np.floor(np.log10(sd)))))
            rows.append((name, a.column, expected, sd))
    table = pd.DataFrame(rows, columns=["standard_id", "column", "expected", "sd"])
    return material, table


def _stream(samples: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Order of analysis with inserts: one row per sample number."""
    kinds, src, holes, stds = [], [], [], []
    pos = 0
    hole_ids = samples["hole_id"].to_numpy()
    start = 0
    batch_of, batch, in_batch = [], 1, 0
    n = len(samples)
    while start < n:
        stop = start
        while stop < n and hole_ids[stop] == hole_ids[start]:
            stop += 1
        if in_batch >= 60:
            batch, in_batch = batch + 1, 0
        prev_primary = -1
        for i in range(start, stop):
            while True:
                if pos % _CRM_EVERY == _CRM_AT:
                    kind = "CRM"
                elif pos % _BLANK_EVERY == _BLANK_AT:
                    kind = "BLANK"
                elif pos % _DUP_EVERY == _DUP_AT and prev_primary >= 0:
                    kind = "FDUP"
                else:
                    break
                kinds.append(kind)
                src.append(prev_primary if kind == "FDUP" else -1)
                holes.append(hole_ids[i])
                stds.append(int(rng.choice(3, p=[0.3, 0.4, 0.3])) if kind == "CRM" else -1)
                batch_of.append(batch)
                pos, in_batch = pos + 1, in_batch + 1
            kinds.append("PRIMARY")
            src.append(i)
            holes.append(hole_ids[i])
            stds.append(-1)
            batch_of.append(batch)
            prev_primary = i
            pos, in_batch = pos + 1, in_batch + 1
        start = stop
    return pd.DataFrame(
        {"kind": kinds, "src": src, "hole_id": holes, "std": stds, "batch": batch_of}
    )


def _crm_z(
    rng: np.random.Generator,
    n: int,
    fixed: dict[int, float],
    value_of: Callable[[float], float],
) -> np.ndarray:
    """z-scores of one (standard, analyte) series obeying the 'clean' rules.

    ``fixed`` holds deliberate z-scores by position; ``value_of(z)`` maps a z-score to the
    realised (lab-rounded) z-score.
    """
    z = np.zeros(n)
    for i in range(n):
        if i in fixed:
            z[i] = value_of(fixed[i])
            continue
        for _attempt in range(50):
            cand = value_of(float(np.clip(rng.normal(0.0, 0.8), -2.3, 2.3)))
            prev = z[i - 1] if i > 0 else 0.0
            nxt = fixed.get(i + 1)
            ok = abs(cand) <= 2.5 and cand != 0.0
            if ok and abs(cand) > 1.9 and abs(prev) > 1.9 and np.sign(cand) == np.sign(prev):
                ok = False
            if ok and nxt is not None and np.sign(cand) == np.sign(nxt):
                ok = False  # the deliberate series starts/continues with a clear break
            if ok and (i - 1) in fixed and np.sign(cand) == np.sign(z[i - 1]):
                ok = False
            if ok and i >= 6 and np.all(np.sign(z[i - 6 : i]) == np.sign(cand)):
                ok = False
            if ok:
                z[i] = cand
                break
        else:  # pragma: no cover - 50 failed draws do not happen in practice
            raise RuntimeError("could not draw a clean CRM series")
    return z


def _hard(values: np.ndarray, a: int, b: int, column: str) -> float:
    """Half absolute relative difference of rows ``a`` and ``b`` in ``column`` [%]."""
    j = _COLS.index(column)
    x, y = values[a, j], values[b, j]
    return float(100.0 * abs(x - y) / (x + y))


def run_lab(
    samples: pd.DataFrame, truth: dict[str, np.ndarray], rng: np.random.Generator
) -> LabResult:
    """Assay the samples: analytical error, QA/QC inserts, deliberate failures, rounding.

    Parameters
    ----------
    samples : pandas.DataFrame
        ``hole_id``, ``from_m``, ``to_m`` [m], ``lith`` (codes), in drilling order.
    truth : dict of str to numpy.ndarray
        True composition per sample (``deposit.composition``).
    rng : numpy.random.Generator

    Returns
    -------
    LabResult
    """
    material, certified = _crm_tables()
    stream = _stream(samples, rng)
    n = len(stream)
    kind = stream["kind"].to_numpy()
    src = stream["src"].to_numpy()
    std = stream["std"].to_numpy()
    values = np.full((n, len(ANALYTES)), np.nan)
    true = np.column_stack([truth[a.key] for a in ANALYTES])

    # --- primaries and field duplicates -------------------------------------------------
    prim = kind == "PRIMARY"
    dup = kind == "FDUP"
    lab_err = np.exp(np.clip(rng.normal(0.0, 0.02, values.shape), -0.04, 0.04))
    values[prim] = true[src[prim]] * lab_err[prim]
    common = np.clip(rng.normal(0.0, 0.045, (dup.sum(), 1)), -0.10, 0.10)
    pair = np.clip(common + rng.normal(0.0, 0.02, (dup.sum(), len(ANALYTES))), -0.10, 0.10)
    values[dup] = true[src[dup]] * np.exp(pair) * lab_err[dup]

    # --- the drift period (bias run) ----------------------------------------------------
    m_pos = np.flatnonzero((kind == "CRM") & (std == CRM_NAMES.index("SYNCRM-M")))
    j0 = int(rng.integers(int(0.50 * len(m_pos)), int(0.60 * len(m_pos))))
    w0, w1 = int(m_pos[j0]), int(m_pos[j0 + _BIAS_RUN - 1])
    in_window = np.zeros(n, dtype=bool)
    in_window[w0 : w1 + 1] = True
    lree = [_COLS.index(c) for c in _LREE_COLS]
    rows_w = np.flatnonzero(in_window & (prim | dup))
    values[np.ix_(rows_w, lree)] *= _BIAS_PRIMARY

    # --- one CRM far outside 3 SD (weighing error: LREE low) ----------------------------
    h_pos = np.flatnonzero((kind == "CRM") & (std == CRM_NAMES.index("SYNCRM-H")))
    h_pos = h_pos[(h_pos > 0.25 * n) & (h_pos < 0.45 * n)]
    bad_crm = int(h_pos[int(rng.integers(len(h_pos)))])
    bad_z = {c: -float(rng.uniform(3.9, 4.6)) for c in _LREE_COLS}

    # --- CRMs ---------------------------------------------------------------------------
    cert = certified.set_index(["standard_id", "column"])
    for s_idx, s_name in enumerate(CRM_NAMES):
        pos = np.flatnonzero((kind == "CRM") & (std == s_idx))
        for j, a in enumerate(ANALYTES):
            if (s_name, a.column) not in cert.index:
                err = np.exp(np.clip(rng.normal(0.0, 0.04, len(pos)), -0.08, 0.08))
                values[pos, j] = material[s_name][a.column] * err
                continue
            exp_v, sd = cert.loc[(s_name, a.column)]

            def realised(z: float, exp_v: float = exp_v, sd: float = sd, a: Analyte = a) -> float:
                v = _round_scalar(exp_v + z * sd, a.unit, a.detection_limit)
                return (v - exp_v) / sd

            fixed: dict[int, float] = {}
            if a.column in _LREE_COLS:
                for k, p in enumerate(pos):
                    if w0 <= p <= w1:
                        fixed[k] = float(rng.uniform(2.2, 2.7))
                    if p == bad_crm:
                        fixed[k] = bad_z[a.column]
            z = _crm_z(rng, len(pos), fixed, realised)
            values[pos, j] = exp_v + z * sd

    # --- blanks -------------------------------------------------------------------------
    blank = np.flatnonzero(kind == "BLANK")
    dls = np.array([a.detection_limit for a in ANALYTES])
    values[blank] = dls * rng.uniform(0.0, 2.8, (len(blank), len(ANALYTES)))
    prev_hg = [
        b
        for b in blank
        if b > 0.6 * n
        and kind[b - 1] == "PRIMARY"
        and samples["lith"].iat[src[b - 1]] == VEIN_HG
        and truth["TREO_pct"][src[b - 1]] > 3.0
    ]
    bad_blank = int(prev_hg[int(rng.integers(len(prev_hg)))])
    values[bad_blank] += 0.02 * values[bad_blank - 1]

    # --- a poor field duplicate ---------------------------------------------------------
    major = truth["TREO_pct"] + truth["CaF2_pct"] + truth["BaSO4_pct"] + truth["Fe2O3_pct"]
    cands = [
        d
        for d in np.flatnonzero(dup)
        if d > 0.7 * n
        and samples["lith"].iat[src[d]] in VEIN_CODES
        and 1.0 < truth["TREO_pct"][src[d]] < 3.0
        and major[src[d]] < 45.0
    ]
    bad_dup = int(cands[int(rng.integers(len(cands)))])
    factor = np.ones(len(ANALYTES))
    factor[[_COLS.index(f"{el}_ppm") for el in (*REE, "Th", "U")]] = 1.85
    factor[[_COLS.index("CaF2_pct"), _COLS.index("BaSO4_pct")]] = 1.6
    values[bad_dup] *= factor

    # --- rounding and text --------------------------------------------------------------
    for j, a in enumerate(ANALYTES):
        values[:, j] = lab_round(values[:, j], a.unit, a.detection_limit)
    text = {
        a.column: format_values(values[:, j], a.unit, a.detection_limit)
        for j, a in enumerate(ANALYTES)
    }

    # --- sample numbers, intervals ------------------------------------------------------
    sample_id = [f"S{100001 + i}" for i in range(n)]
    from_m = samples["from_m"].to_numpy()
    to_m = samples["to_m"].to_numpy()
    has_interval = prim | dup
    frm = [f"{from_m[s]:.2f}" if h else "" for s, h in zip(src, has_interval, strict=True)]
    to = [f"{to_m[s]:.2f}" if h else "" for s, h in zip(src, has_interval, strict=True)]
    prim_row_of_sample = np.full(len(samples), -1)
    prim_row_of_sample[src[prim]] = np.flatnonzero(prim)
    parent = ["" for _ in range(n)]
    for d in np.flatnonzero(dup):
        parent[d] = sample_id[prim_row_of_sample[src[d]]]
    std_txt = [CRM_NAMES[s] if s >= 0 else "" for s in std]

    # --- a few values not analysed and samples with insufficient material ---------------
    protected = {bad_blank - 1} | {prim_row_of_sample[src[d]] for d in np.flatnonzero(dup)}
    free = [i for i in np.flatnonzero(prim) if i not in protected]
    picks = rng.choice(free, size=13, replace=False)
    for i in picks[:6]:
        text["U_ppm"][i] = ""
        values[i, _COLS.index("U_ppm")] = np.nan
    for i in picks[6:10]:
        text["Fe2O3_pct"][i] = ""
        values[i, _COLS.index("Fe2O3_pct")] = np.nan
    for i in picks[10:]:
        for j, c in enumerate(_COLS):
            text[c][i] = "NS"
            values[i, j] = np.nan

    assays = pd.DataFrame(
        {
            "HOLEID": stream["hole_id"].to_numpy(),
            "FROM": frm,
            "TO": to,
            "SAMPLEID": sample_id,
            "SAMPLE_TYPE": kind,
            "STANDARD_ID": std_txt,
            "PARENT_SAMPLEID": parent,
            "BATCH": [f"SBL{b:04d}" for b in stream["batch"]],
            **text,
        }
    )
    vals = pd.DataFrame(values, columns=_COLS)
    vals.insert(0, "sample_type", kind)
    vals.insert(1, "sample_id", sample_id)
    lith_codes = samples["lith"].to_numpy()
    vals["lith"] = [
        LITHOLOGIES[lith_codes[s]] if s >= 0 and h else ""
        for s, h in zip(src, has_interval, strict=True)
    ]
    vals["length_m"] = [
        to_m[s] - from_m[s] if h else np.nan for s, h in zip(src, has_interval, strict=True)
    ]

    standards = pd.DataFrame(
        {
            "STANDARD_ID": certified["standard_id"],
            "ANALYTE": certified["column"],
            "EXPECTED": [f"{v:g}" for v in certified["expected"]],
            "SD": [f"{v:g}" for v in certified["sd"]],
        }
    )

    p_row = int(prim_row_of_sample[src[bad_dup]])
    bias_ids = [sample_id[p] for p in np.flatnonzero(in_window & (kind == "CRM"))]
    m_in = [sample_id[p] for p in m_pos[j0 : j0 + _BIAS_RUN]]
    failures = pd.DataFrame(
        [
            (
                "crm_outside_3sd",
                sample_id[bad_crm],
                "SYNCRM-H",
                ", ".join(_LREE_COLS),
                "weighing error: " + ", ".join(f"{c} {bad_z[c]:+.1f} SD" for c in _LREE_COLS),
            ),
            (
                "crm_bias_run",
                f"{m_in[0]} to {m_in[-1]}",
                "all CRMs",
                ", ".join(_LREE_COLS),
                f"calibration drift from {sample_id[w0]} to {sample_id[w1]}: all "
                f"{len(bias_ids)} CRM results in that span at +2.1 to +2.8 SD, including "
                f"{_BIAS_RUN} consecutive SYNCRM-M results; primary samples and duplicates "
                f"there read {100 * (_BIAS_PRIMARY - 1):.0f} % high",
            ),
            (
                "blank_contaminated",
                sample_id[bad_blank],
                "",
                "all",
                f"carry-over of 2 % of the preceding high-grade sample {sample_id[bad_blank - 1]}"
                f" (Ce {values[bad_blank, _COLS.index('Ce_ppm')]:g} ppm)",
            ),
            (
                "duplicate_poor",
                sample_id[bad_dup],
                "",
                "REE, Th, U, CaF2, BaSO4",
                f"field duplicate of {parent[bad_dup]} reads ~1.85× (REE, Th, U) and ~1.6× "
                f"(CaF2, BaSO4) its parent: HARD {_hard(values, bad_dup, p_row, 'Ce_ppm'):.0f} % "
                f"(Ce), {_hard(values, bad_dup, p_row, 'CaF2_pct'):.0f} % (CaF2)",
            ),
        ],
        columns=["check", "sample_ids", "standard_id", "analytes", "detail"],
    )
    return LabResult(assays=assays, values=vals, standards=standards, failures=failures)
