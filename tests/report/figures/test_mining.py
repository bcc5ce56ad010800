"""Mining figures: valid SVG with text as text, SYNTHETIC mark, final-pit outline, rasterised
dense patches, inputs untouched, clear errors, and the demo store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import DataError
from mine2magnet.report.document import Figure
from mine2magnet.report.figures import mining as fm

GRID = pd.DataFrame(
    [
        {
            "origin_easting": 1000.0,
            "origin_northing": 2000.0,
            "origin_elevation": 0.0,
            "block_size_i_m": 10.0,
            "block_size_j_m": 10.0,
            "block_size_k_m": 10.0,
            "count_i": 12,
            "count_j": 12,
            "count_k": 6,
            "rotation_deg": -30.0,
        }
    ]
)


def cone_pit(n: int = 12, nz: int = 6) -> pd.DataFrame:
    """An inverted cone of blocks: shell 1 inside shell 2 inside shell 3; phases 1-2 in
    shells 1-2."""
    rows = []
    c = (n - 1) / 2
    for i in range(n):
        for j in range(n):
            for k in range(nz):
                depth = nz - 1 - k
                r = max(abs(i - c), abs(j - c))
                if r > depth + 1.5:
                    continue
                shell = 1 if r <= depth - 1.5 else 2 if r <= depth else 3
                rows.append({"i": i, "j": j, "k": k, "elevation": 10.0 * k + 5.0,
                             "tonnes": 2600.0, "pit_id": shell,
                             "revenue_factor": {1: 0.5, 2: 1.0, 3: 1.5}[shell],
                             "phase": shell if shell < 3 else 0, "ground_m": 60.0})  # fmt: skip
    return pd.DataFrame(rows)


def pit_by_pit() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pit": [1, 2, 3],
            "revenue_factor": [0.5, 1.0, 1.5],
            "ore_tonnes": [1e6, 2e6, 2.5e6],
            "waste_tonnes": [2e6, 5e6, 9e6],
            "npv_best_usd": [5e7, 8e7, 8.5e7],
            "npv_worst_usd": [5e7, 7e7, 6e7],
        }
    )


def periods() -> pd.DataFrame:
    n = 4
    return pd.DataFrame(
        {
            "period": np.arange(n),
            "year_from": np.arange(n) * 2,
            "year_to": np.arange(n) * 2 + 2,
            "mined_phase_1_tonnes": [4e6, 2e6, 0, 0],
            "mined_phase_2_tonnes": [0, 2e6, 4e6, 1e6],
            "feed_phase_1_tonnes": [1e6, 0.5e6, 0.2e6, 0],
            "feed_phase_2_tonnes": [0, 0.5e6, 0.8e6, 0.3e6],
            "feed_tonnes": [1e6, 1e6, 1e6, 0.3e6],
            "TREO_pct": [4.0, 3.5, 3.0, 2.5],
            "NdPr_pct": [0.8, 0.7, 0.6, 0.5],
            "NdPr_product_t": [3600.0, 3150.0, 2700.0, 675.0],
            "discounted_cash_flow_usd": [1e8, 8e7, 5e7, -1e6],
            "cumulative_discounted_cash_flow_usd": np.cumsum([1e8, 8e7, 5e7, -1e6]),
        }
    )


SLOPES = pd.DataFrame(
    {
        "zone": [0] * 4 + [1] * 4,
        "azimuth_deg": [0.0, 90.0, 180.0, 270.0] * 2,
        "target_deg": [45.0] * 4 + [35.0] * 4,
        "pattern_deg": [46.0, 44.0, 46.0, 44.0, 35.5, 35.0, 35.5, 35.0],
        "error_deg": [1.0, -1.0, 1.0, -1.0, 0.5, 0.0, 0.5, 0.0],
    }
)

CASES = [
    ("pit_by_pit_chart", lambda: (pit_by_pit(),), {"final_pit": 2}),
    ("slope_error_chart", lambda: (SLOPES,), {}),
    ("pit_shells_section", lambda: (cone_pit(), GRID), {}),
    ("pit_shells_plan", lambda: (cone_pit(), GRID), {}),
    ("schedule_tonnes_chart", lambda: (periods(),), {}),
    ("schedule_grade_chart", lambda: (periods(),), {}),
    ("schedule_cash_chart", lambda: (periods(),), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_every_figure_is_valid_and_leaves_inputs_alone(name, args, kwargs, svgtools) -> None:
    inputs = args()
    before = [svgtools.fingerprint(a) for a in inputs if isinstance(a, pd.DataFrame)]
    fig = getattr(fm, name)(*inputs, synthetic=True, **kwargs)
    assert isinstance(fig, Figure) and fig.id.startswith("mining-")
    texts = svgtools.texts(fig.svg)  # parses: well-formed XML
    assert "SYNTHETIC data" in texts and fig.caption.endswith("not a real deposit.")
    assert any(fig.title.split(":")[0] in t for t in texts)  # the title is text
    after = [svgtools.fingerprint(a) for a in inputs if isinstance(a, pd.DataFrame)]
    assert before == after
    plain = getattr(fm, name)(*inputs, **kwargs)
    assert "SYNTHETIC data" not in svgtools.texts(plain.svg) and plain.id == fig.id


def test_shell_figures_outline_the_final_pit_and_rasterise_dense_blocks(svgtools) -> None:
    pit = cone_pit()
    sec = fm.pit_shells_section(pit, GRID, at_i=5)
    svgtools.group(sec.svg, "final-pit")
    assert "<image" not in sec.svg  # a few dozen blocks stay vector
    plan = fm.pit_shells_plan(pit, GRID)
    svgtools.group(plan.svg, "final-pit")
    big = cone_pit(40, 20)
    dense = fm.pit_shells_plan(big, GRID)
    assert "<image" in dense.svg  # more than 400 columns: one raster image
    assert len(dense.svg) < 400_000
    # no block of phase > 0: no outline, still a figure
    bare = fm.pit_shells_section(pit.assign(phase=0), GRID, at_i=5)
    with pytest.raises(AssertionError):
        svgtools.group(bare.svg, "final-pit")


def test_schedule_legends_and_labels(svgtools) -> None:
    t = svgtools.texts(fm.schedule_tonnes_chart(periods()).svg)
    assert "phase 1" in t and "phase 2" in t and "1–2" in t
    t = svgtools.texts(fm.pit_by_pit_chart(pit_by_pit(), final_pit=2).svg)
    assert " final pit" in t


def test_errors_name_the_table() -> None:
    with pytest.raises(DataError, match="mining__pit_by_pit"):
        fm.pit_by_pit_chart(pit_by_pit().drop(columns="npv_best_usd"))
    with pytest.raises(DataError, match="empty"):
        fm.pit_by_pit_chart(pit_by_pit().iloc[:0])
    with pytest.raises(DataError, match="mining__pit_blocks"):
        fm.pit_shells_section(cone_pit().drop(columns="pit_id"), GRID)
    with pytest.raises(DataError, match="i = 99"):
        fm.pit_shells_section(cone_pit(), GRID, at_i=99)
    with pytest.raises(DataError, match="feed_phase"):
        fm.schedule_tonnes_chart(periods().drop(columns=["feed_phase_1_tonnes",
                                                         "feed_phase_2_tonnes"]))  # fmt: skip
    with pytest.raises(DataError, match="schedule_periods"):
        fm.schedule_cash_chart(periods().drop(columns="discounted_cash_flow_usd"))


@pytest.mark.slow
def test_demo_pit_shells(demo_table, svgtools) -> None:
    pit = demo_table("mining__pit_blocks")
    grid = demo_table("estimation__grid")
    before = svgtools.fingerprint(pit)
    sec = fm.pit_shells_section(pit, grid, synthetic=True)
    plan = fm.pit_shells_plan(pit, grid, synthetic=True)
    for f in (sec, plan):
        svgtools.group(f.svg, "final-pit")
        assert len(f.svg) < 300_000
    assert svgtools.fingerprint(pit) == before
    fig = fm.pit_by_pit_chart(demo_table("mining__pit_by_pit"), synthetic=True)
    assert "SYNTHETIC data" in svgtools.texts(fig.svg)
