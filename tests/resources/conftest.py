"""Small hand-built block models and drillholes for the resources tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

GRADES = ("TREO_pct", "La2O3_pct", "CeO2_pct", "Pr6O11_pct", "Nd2O3_pct", "ThO2_pct",
          "CaF2_pct", "BaSO4_pct")  # fmt: skip


def grid_frame(counts: Sequence[int], size: float = 10.0, origin=(0.0, 0.0, 0.0)) -> pd.DataFrame:
    """An ``estimation__grid`` row for an unrotated grid."""
    return pd.DataFrame(
        {"origin_easting": [origin[0]], "origin_northing": [origin[1]],
         "origin_elevation": [origin[2]], "block_size_i_m": [size], "block_size_j_m": [size],
         "block_size_k_m": [size], "count_i": [counts[0]], "count_j": [counts[1]],
         "count_k": [counts[2]], "rotation_deg": [0.0], "primary_column": ["TREO_pct"],
         "grade_columns": [",".join(GRADES)]}
    )  # fmt: skip


def block_table(
    counts: Sequence[int],
    *,
    size: float = 10.0,
    waste_levels: Sequence[int] = (),
    treo=None,
    slope: float = 1.0,
    ke: float = 0.8,
    pass_: int = 1,
    density: float = 3.0,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per block; levels in ``waste_levels`` are unestimated WASTE (NaN grades).

    ``treo`` is a callable of (i, j, k) arrays or None (random lognormal grades). Oxides
    are fixed shares of TREO so TREO is their sum plus the rest.
    """
    nx, ny, nz = counts
    k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    i, j, k = i.ravel(), j.ravel(), k.ravel()
    rng = np.random.default_rng(seed)
    g = treo(i, j, k) if treo is not None else rng.lognormal(0.3, 0.6, i.size)
    waste = np.isin(k, list(waste_levels))
    g = np.where(waste, np.nan, g)
    vol = size**3
    t = pd.DataFrame(
        {"i": i, "j": j, "k": k, "easting": (i + 0.5) * size, "northing": (j + 0.5) * size,
         "elevation": (k + 0.5) * size, "domain": np.where(waste, "WASTE", "ORE"),
         "volume_fraction": 1.0, "volume_m3": vol,
         "density_t_m3": np.where(waste, 2.5, density)}
    )  # fmt: skip
    t["tonnes"] = t["volume_m3"] * t["density_t_m3"]
    shares = {"La2O3_pct": 0.3, "CeO2_pct": 0.45, "Pr6O11_pct": 0.05, "Nd2O3_pct": 0.15}
    for c, s in shares.items():
        t[c] = g * s
    t["TREO_pct"] = g
    t["ThO2_pct"] = g * 0.1
    t["CaF2_pct"] = g * 10.0
    t["BaSO4_pct"] = g * 5.0
    t["kv"] = np.where(waste, np.nan, 0.1)
    t["slope"] = np.where(waste, np.nan, slope)
    t["ke"] = np.where(waste, np.nan, ke)
    t["n_samples"] = np.where(waste, 0, 20)
    t["mean_distance_m"] = np.where(waste, np.nan, 10.0)
    t["pass"] = np.where(waste, 0, pass_)
    return t


def vertical_holes(
    xy: Sequence[tuple[float, float]],
    *,
    z_top: float = 30.0,
    z_bottom: float = 0.0,
    step: float = 2.0,
    domain: str = "ORE",
    prefix: str = "H",
) -> pd.DataFrame:
    """Composites of vertical holes at ``xy``, mid-points at odd metres (z = 1, 3, …)."""
    rows = []
    for n, (x, y) in enumerate(xy):
        for z in np.arange(z_bottom + step / 2, z_top, step):
            rows.append({"hole_id": f"{prefix}{n:03d}", "from_m": z_top - z - step / 2,
                         "to_m": z_top - z + step / 2, "easting": float(x),
                         "northing": float(y), "elevation": float(z), "domain": domain,
                         "TREO_pct": 1.0})  # fmt: skip
    return pd.DataFrame(rows)


def frame_hash(df: pd.DataFrame | None) -> str:
    """Content hash of a DataFrame (values, index, columns, dtypes)."""
    if df is None:
        return "none"
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    h.update(repr((list(df.columns), [str(t) for t in df.dtypes])).encode())
    return h.hexdigest()


def empty_qaqc() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Empty failures and samples tables with the store's columns."""
    f = pd.DataFrame(columns=["sample_id", "qc_type", "column", "rule", "value", "limit",
                              "row", "note"])  # fmt: skip
    s = pd.DataFrame(columns=["sample_id", "qc_type", "hole_id"])
    return f, s


@pytest.fixture(scope="session")
def build() -> SimpleNamespace:
    """The builders above (importlib mode: tests cannot import conftest)."""
    return SimpleNamespace(
        grid_frame=grid_frame, block_table=block_table, vertical_holes=vertical_holes,
        frame_hash=frame_hash, empty_qaqc=empty_qaqc, GRADES=GRADES,
    )  # fmt: skip
