"""Ultimate-pit value and quick NPV per realisation, and their P10/P50/P90."""

from itertools import product

import numpy as np
import pandas as pd
import pytest

from mine2magnet.blockmodel.grid import BlockModel
from mine2magnet.errors import ConfigError
from mine2magnet.uncertainty import percentiles, pit_tables, run_realisations

PARAMS = {
    "prices_usd_kg": {"Nd2O3": 60.0, "CeO2": 1.5},
    "processing_cost_usd_t": 25.0,
    "revenue_factors": {"start": 0.6, "stop": 1.4, "step": 0.4},
    "processing_rate_tpa": 100_000.0,
    "phases": {"count": 2, "min_width_m": 30.0},
    "slopes": {"max_benches": 4},
}


def _model() -> BlockModel:
    nx, ny, nz = 10, 8, 6
    rows = []
    for k, j, i in product(range(nz), range(ny), range(nx)):
        d = ((i - 4.5) / 3.5) ** 2 + ((j - 3.5) / 2.5) ** 2 + ((k - 3) / 2.0) ** 2
        ore = d < 1.0
        rows.append({
            "i": i, "j": j, "k": k, "domain": "ORE" if ore else "HOST",
            "volume_fraction": 1.0, "density_t_m3": 2.8 if ore else 2.5,
            "tonnes": 2800.0 if ore else 2500.0,
            "Nd2O3_pct": 0.3 + 0.5 * (1 - d) if ore else np.nan,
            "CeO2_pct": 1.0 if ore else np.nan,
        })  # fmt: skip
    return BlockModel((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (nx, ny, nz), 0.0,
                      pd.DataFrame(rows), ("Nd2O3_pct", "CeO2_pct"))  # fmt: skip


def _realisation(realisation, seed, *, model, base_npv_usd, base_metal_t):
    g = model.table[["Nd2O3_pct"]].copy()
    f = np.random.default_rng(seed).lognormal(0.0, 0.3, len(g))
    g["Nd2O3_pct"] = g["Nd2O3_pct"].to_numpy() * f
    return pit_tables(model, g, PARAMS, metal_column="Nd2O3_t", base_npv_usd=base_npv_usd,
                      base_metal_t=base_metal_t)  # fmt: skip


def test_pit_value_and_npv_percentiles(tmp_path):
    model = _model()
    base = pit_tables(model, model.table[["Nd2O3_pct"]], PARAMS, metal_column="Nd2O3_t",
                      base_npv_usd=5e7, base_metal_t=1.0)["pit"]  # fmt: skip
    metal0 = float(base["metal_t"].iloc[0])
    assert metal0 > 0 and base["value_usd"].iloc[0] > 0
    kw = {"model": model, "base_npv_usd": 5e7, "base_metal_t": metal0}
    run = run_realisations(_realisation, 8, seed=4, out_dir=tmp_path, kwargs=kw)
    t = run.table("pit")
    np.testing.assert_allclose(t["npv_usd"], 5e7 * t["metal_t"] / metal0)
    assert t["value_usd"].nunique() == 8  # realisations differ
    p = percentiles(run, "pit", values=("value_usd", "npv_usd"))
    for v in ("value_usd", "npv_usd"):
        assert p.loc[0, f"{v}_p10"] <= p.loc[0, f"{v}_p50"] <= p.loc[0, f"{v}_p90"]
        assert p.loc[0, f"{v}_p10"] < p.loc[0, f"{v}_p90"]
    # the unperturbed grades give back the base NPV
    again = pit_tables(model, model.table[["Nd2O3_pct"]], PARAMS, metal_column="Nd2O3_t",
                       base_npv_usd=5e7, base_metal_t=metal0)["pit"]  # fmt: skip
    assert again["npv_usd"].iloc[0] == pytest.approx(5e7)


def test_pit_tables_refuses_misaligned_grades():
    model = _model()
    with pytest.raises(ConfigError, match="grade rows"):
        pit_tables(model, model.table[["Nd2O3_pct"]].iloc[:5], PARAMS, metal_column="Nd2O3_t",
                   base_npv_usd=1.0, base_metal_t=1.0)  # fmt: skip
