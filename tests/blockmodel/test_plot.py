"""Figures render headless (Agg) from the outcome tables."""

import pytest

pytest.importorskip("matplotlib")

from mine2magnet.blockmodel.plot import (
    plot_grade_tonnage,
    plot_section,
    plot_swath,
    plot_variogram,
)


def test_figures_render(outcome, tmp_path):
    ve = outcome.variogram_experimental
    vc = outcome.variogram_model_curves
    figs = [
        plot_variogram(ve[ve["domain"] == "ORE"], vc[vc["domain"] == "ORE"], title="ORE"),
        plot_swath(outcome.swaths[outcome.swaths["domain"] == "ORE"]),
        plot_grade_tonnage(outcome.grade_tonnage),
        plot_section(outcome.block_model, plane="plan"),
        plot_section(outcome.block_model, "CeO2_pct", plane="section_j", index=5),
    ]
    for n, f in enumerate(figs):
        p = tmp_path / f"f{n}.png"
        f.savefig(p)
        assert p.stat().st_size > 1000
