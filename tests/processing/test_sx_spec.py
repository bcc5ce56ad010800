"""The standalone SX file, the example files and the stage-profile plot."""

from pathlib import Path

import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.processing.sx import (
    cascade_summary,
    design_summary,
    load_sx_spec,
    plot_cascade,
    run_sx_design,
    run_sx_simulate,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sx"


def test_ndpr_example_simulate_and_design(tmp_path):
    r = run_sx_simulate(EXAMPLES / "ndpr.toml")
    assert r.cascade.n_stages == 46
    assert r.extract_purity >= 0.999 and r.raffinate_purity >= 0.99
    # 2000 t REO/yr over 8000 h of Pr/Nd oxides
    assert 1400 < r.feed_mol_h.sum() < 1550
    table = cascade_summary(r)
    assert list(table.columns) == ["quantity", "value", "unit"]
    d = run_sx_design(EXAMPLES / "ndpr.toml")
    assert (d.n_extraction, d.n_scrub) == (17, 29)
    assert "scrub stages m" in set(design_summary(d)["quantity"])
    out = plot_cascade(d, tmp_path / "fig" / "ndpr.png")
    assert out.is_file() and out.stat().st_size > 10_000
    plot_cascade(r, tmp_path / "sim.png")


@pytest.mark.slow
def test_lree15_example():
    spec = load_sx_spec(EXAMPLES / "lree15.toml")
    assert len(spec.feed.composition) == 15
    r = run_sx_simulate(EXAMPLES / "lree15.toml")
    assert len(r.elements) == 15 and r.elements[0] == "La" and r.elements[-1] == "Lu"
    assert r.balance_residual_rel <= 1e-10
    d = run_sx_design(EXAMPLES / "lree15.toml")
    assert d.key_pair == ("Nd", "Sm")
    assert d.cascade.extract_purity >= 0.99 and d.cascade.raffinate_purity >= 0.9995


def write(tmp_path, text):
    f = tmp_path / "sx.toml"
    f.write_text(text, encoding="utf-8")
    return f


BASE = """
[feed]
composition = { Pr = 0.25, Nd = 0.75 }
[separation_factors]
beta = { Pr = 1.0, Nd = 1.5 }
[split]
cut = "Pr|Nd"
[targets]
extract_purity = 0.999
raffinate_purity = 0.99
[cascade]
n_extraction = 17
n_scrub = 29
"""


def test_cut_and_defaults(tmp_path):
    r = run_sx_simulate(write(tmp_path, BASE))
    assert r.cascade.extract_elements == ("Nd",)
    assert r.feed_mol_h.sum() == pytest.approx(1.0)  # no rate: 1 mol/h basis


def test_system_from_table_and_oxide_basis(tmp_path):
    text = BASE.replace("beta = { Pr = 1.0, Nd = 1.5 }", 'system = "P507_HCl"').replace(
        "composition = { Pr = 0.25, Nd = 0.75 }",
        'composition = { Pr6O11 = 25.0, Nd2O3 = 75.0 }\nbasis = "oxide_pct"',
    )
    r = run_sx_simulate(write(tmp_path, text))
    assert r.feed_mol_h[0] / r.feed_mol_h.sum() == pytest.approx(0.2478, abs=1e-4)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (("n_scrub = 29", "n_scrub = 29\nspeed = 3"), "cascade.speed"),
        (('cut = "Pr|Nd"', 'cut = "Nd|Pr"'), "more extractable"),
        (('cut = "Pr|Nd"', 'extract = ["Nd"]\ncut = "Pr|Nd"'), "exactly one"),
        (("Pr = 1.0, Nd = 1.5", "Nd = 1.5"), "lacks"),
        (("extract_purity = 0.999", "extract_purity = 1.5"), "targets.extract_purity"),
        (("[feed]", "[feed]\nphase = 'solid'"), "feed.phase"),
    ],
)
def test_errors_name_key(tmp_path, change, match):
    with pytest.raises(ConfigError, match=match):
        run_sx_simulate(write(tmp_path, BASE.replace(*change)))


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_sx_spec(tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_sx_spec(write(tmp_path, "[feed"))
    with pytest.raises(ConfigError, match=r"\[cascade\]"):
        run_sx_simulate(write(tmp_path, BASE.split("[cascade]")[0]))
