"""JORC Table 1: every criterion of the Code once, numbers from the store, safe fallbacks."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.errors import ConfigError
from mine2magnet.resources import table1 as t1
from mine2magnet.resources.table1 import (
    CRITERIA,
    FALLBACK,
    NOT_APPLICABLE,
    STATUSES,
    OreReserveFacts,
    Table1Facts,
    build_table1,
    table1_facts,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
DEMO_STORE = DEMO / "out" / "project.duckdb"

# The criteria of JORC Code 2012 Table 1, typed from the Code (Sections 1-4), in its order.
CODE_CRITERIA = {
    1: [
        "Sampling techniques",
        "Drilling techniques",
        "Drill sample recovery",
        "Logging",
        "Sub-sampling techniques and sample preparation",
        "Quality of assay data and laboratory tests",
        "Verification of sampling and assaying",
        "Location of data points",
        "Data spacing and distribution",
        "Orientation of data in relation to geological structure",
        "Sample security",
        "Audits or reviews",
    ],
    2: [
        "Mineral tenement and land tenure status",
        "Exploration done by other parties",
        "Geology",
        "Drill hole Information",
        "Data aggregation methods",
        "Relationship between mineralisation widths and intercept lengths",
        "Diagrams",
        "Balanced reporting",
        "Other substantive exploration data",
        "Further work",
    ],
    3: [
        "Database integrity",
        "Site visits",
        "Geological interpretation",
        "Dimensions",
        "Estimation and modelling techniques",
        "Moisture",
        "Cut-off parameters",
        "Mining factors or assumptions",
        "Metallurgical factors or assumptions",
        "Environmental factors or assumptions",
        "Bulk density",
        "Classification",
        "Audits or reviews",
        "Discussion of relative accuracy/confidence",
    ],
    4: [
        "Mineral Resource estimate for conversion to Ore Reserves",
        "Site visits",
        "Study status",
        "Cut-off parameters",
        "Mining factors or assumptions",
        "Metallurgical factors or assumptions",
        "Environmental",
        "Infrastructure",
        "Costs",
        "Revenue factors",
        "Market assessment",
        "Economic",
        "Social",
        "Other",
        "Classification",
        "Audits or reviews",
        "Discussion of relative accuracy/confidence",
    ],
}

STORE_TABLES = [
    "drillholes__collars",
    "drillholes__surveys",
    "drillholes__assays",
    "drillholes__lithology",
    "drillholes__composites",
    "drillholes__rejections",
    "drillholes__counts",
    "drillholes__meta",
    "drillholes__qaqc_qc_counts",
    "drillholes__qaqc_crm_summary",
    "drillholes__qaqc_blank_summary",
    "drillholes__qaqc_duplicate_summary",
    "drillholes__qaqc_failures",
    "estimation__grid",
    "estimation__statistics",
    "estimation__variogram_models",
    "estimation__global_comparison",
    "estimation__crossval",
    "estimation__swaths",
    "estimation__top_cuts",
    "estimation__declustering",
    "estimation__checks",
    "estimation__kriging_groups",
    "estimation__domain_coding",
    "resources__statement",
    "resources__statement_meta",
    "resources__criteria",
    "resources__classification_counts",
]


def test_fallback_text_is_exact():
    assert FALLBACK == "To be completed by the Competent Person"


def _row(table: pd.DataFrame, section: int, criterion: str) -> pd.Series:
    hit = table[(table["section"] == section) & (table["criterion"] == criterion)]
    assert len(hit) == 1, (section, criterion)
    return hit.iloc[0]


def _demo_dump() -> dict:
    from mine2magnet.config import load_project

    if not (DEMO / "project.toml").is_file():
        pytest.skip("examples/demo/project.toml absent")
    return load_project(DEMO, check_files=False).model_dump(mode="json")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Tables of a copy of the demo store (the original may be rewritten meanwhile)."""
    duckdb = pytest.importorskip("duckdb")
    if not DEMO_STORE.is_file():
        pytest.skip("demo store absent: run `make demo`")
    copy = tmp_path_factory.mktemp("table1") / "project.duckdb"
    shutil.copyfile(DEMO_STORE, copy)
    try:
        con = duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as exc:  # copied mid-write
        pytest.skip(f"demo store copy unreadable: {exc}")
    if "drillholes__collars" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}:
        con.close()
        pytest.skip("demo store lacks the drillholes stage")
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    names = {r[0] for r in rows}
    tables = {n: con.execute(f'SELECT * FROM "{n}"').df() for n in names if n in STORE_TABLES}
    if "estimation__grid" not in tables:
        con.close()
        pytest.skip("demo store lacks the estimation stage")
    facts = table1_facts(tables, _demo_dump())
    yield {"con": con, "tables": tables, "facts": facts, "table": build_table1(facts)}
    con.close()


# ---------------------------------------------------------------------------------------
# The list of criteria


def test_every_criterion_of_the_code_present_once_in_order():
    table = build_table1(Table1Facts())
    for section, names in CODE_CRITERIA.items():
        got = table.loc[table["section"] == section, "criterion"].tolist()
        assert got == names, f"section {section}"
    assert len(table) == sum(len(v) for v in CODE_CRITERIA.values()) == 53
    assert not table.duplicated(["section", "criterion"]).any()
    assert list(table.columns) == [
        "section",
        "section_title",
        "criterion",
        "asks",
        "commentary",
        "status",
        "source",
    ]


def test_every_criterion_has_a_one_line_paraphrase():
    by_asks: dict[str, set[str]] = {}
    for c in CRITERIA:
        by_asks.setdefault(c.asks, set()).add(c.name)
    assert all(len(names) == 1 for names in by_asks.values())  # shared only by namesakes
    for c in CRITERIA:
        assert c.asks and "\n" not in c.asks and c.asks != c.name
        assert len(c.asks) < 240, c.name


def test_every_writer_names_a_criterion_of_the_code():
    names = {(s, n) for s, v in CODE_CRITERIA.items() for n in v}
    assert set(t1.writer._WRITERS) <= names


# ---------------------------------------------------------------------------------------
# Fallbacks


def _assert_all_fall_back(table: pd.DataFrame) -> None:
    s123 = table[table["section"] < 4]
    assert (s123["commentary"] == FALLBACK).all(), s123.loc[
        s123["commentary"] != FALLBACK, "criterion"
    ].tolist()
    assert (s123["status"] == "to be completed by the Competent Person").all()
    assert (s123["source"] == "").all()
    s4 = table[table["section"] == 4]
    assert (s4["status"] == NOT_APPLICABLE).all()


def test_no_tables_no_project_falls_back():
    _assert_all_fall_back(build_table1(table1_facts({}, {})))


def test_empty_tables_fall_back_even_with_the_project_file():
    empty = {name: pd.DataFrame() for name in STORE_TABLES}
    _assert_all_fall_back(build_table1(table1_facts(empty, {})))
    _assert_all_fall_back(build_table1(table1_facts(empty, _demo_dump())))


def test_empty_tables_with_their_columns_fall_back(demo):
    empty = {name: df.iloc[:0] for name, df in demo["tables"].items()}
    _assert_all_fall_back(build_table1(table1_facts(empty, _demo_dump())))


def test_tables_without_expected_columns_do_not_crash():
    junk = {name: pd.DataFrame({"x": [1, 2]}) for name in STORE_TABLES}
    table = build_table1(table1_facts(junk, {"project": "not a table", "domains": "x"}))
    assert set(table["status"]) <= set(STATUSES)


@pytest.mark.parametrize(
    "prefix", ["drillholes__qaqc", "estimation__", "drillholes__surveys", "drillholes__composites"]
)
def test_missing_stage_tables_fall_back_only_where_needed(demo, prefix):
    tables = {k: v for k, v in demo["tables"].items() if not k.startswith(prefix)}
    table = build_table1(table1_facts(tables, _demo_dump()))
    assert set(table["status"]) <= set(STATUSES)
    # the hole count never depends on these tables
    assert _row(table, 2, "Drill hole Information")["status"] == "from data"
    if prefix == "drillholes__qaqc":
        assert _row(table, 1, "Quality of assay data and laboratory tests")["commentary"] == (
            FALLBACK
        )
    if prefix == "estimation__":
        assert _row(table, 3, "Estimation and modelling techniques")["commentary"] == FALLBACK


def test_only_collars():
    collars = pd.DataFrame(
        {
            "hole_id": ["A", "B"],
            "easting": [0.0, 30.0],
            "northing": [0.0, 40.0],
            "elevation": [100.0, 101.0],
            "eoh_m": [50.0, 70.5],
            "eoh_source": ["file", "file"],
        }
    )
    table = build_table1(table1_facts({"drillholes__collars": collars}, {}))
    info = _row(table, 2, "Drill hole Information")
    assert info["status"] == "from data"
    assert "2 holes, 120.5 m drilled" in info["commentary"]
    spacing = _row(table, 1, "Data spacing and distribution")
    assert "median 50.0 m" in spacing["commentary"]
    assert _row(table, 1, "Sampling techniques")["commentary"] == FALLBACK


# ---------------------------------------------------------------------------------------
# Numbers from the demo store


def test_demo_statuses_and_sources(demo):
    table = demo["table"]
    assert set(table["status"]) <= set(STATUSES)
    known = table[table["status"].isin(["from data", "from parameters"])]
    assert (known["source"] != "").all()
    for name in (
        "Sampling techniques",
        "Logging",
        "Quality of assay data and laboratory tests",
        "Location of data points",
        "Data spacing and distribution",
    ):
        assert _row(table, 1, name)["status"] == "from data", name
    for name in ("Sample security", "Audits or reviews"):
        assert _row(table, 1, name)["commentary"] == FALLBACK
    assert _row(table, 3, "Site visits")["commentary"] == FALLBACK
    assert _row(table, 3, "Estimation and modelling techniques")["status"] == "from data"
    # from the project densities, or from the resources stage once it has run
    assert _row(table, 3, "Bulk density")["status"] in ("from parameters", "from data")
    assert (table.loc[table["section"] == 4, "status"] == NOT_APPLICABLE).all()


def test_demo_is_marked_synthetic(demo):
    table = demo["table"]
    known = table[table["status"].isin(["from data", "from parameters"])]
    assert demo["facts"].synthetic
    assert known["commentary"].str.startswith("SYNTHETIC data: ").all()


def test_demo_hole_count_and_metres(demo):
    con = demo["con"]
    n, metres = con.execute(
        "SELECT count(DISTINCT hole_id), sum(eoh_m) FROM drillholes__collars"
    ).fetchone()
    text = _row(demo["table"], 2, "Drill hole Information")["commentary"]
    assert f"{n:,} holes, {metres:,.1f} m drilled" in text


def test_demo_qaqc_numbers(demo):
    con = demo["con"]
    text = _row(demo["table"], 1, "Quality of assay data and laboratory tests")["commentary"]
    for rule, n in con.execute(
        "SELECT rule, count(*) FROM drillholes__qaqc_failures WHERE qc_type = 'crm' GROUP BY 1"
    ).fetchall():
        assert f"crm {rule}: {n:,} flag" in text
    crm_total = con.execute(
        "SELECT count(*) FROM drillholes__qaqc_failures WHERE qc_type = 'crm'"
    ).fetchone()[0]
    assert crm_total == sum(n for q, _, n, _ in demo["facts"].qaqc.failures if q == "crm")
    for qc_type, n, rate in con.execute(
        "SELECT qc_type, n_samples, rate_pct FROM drillholes__qaqc_qc_counts"
    ).fetchall():
        assert f"{qc_type.replace('_', ' ')} {n:,} ({rate:,.2f} %)" in text
    blanks = con.execute("SELECT sum(n_failures) FROM drillholes__qaqc_blank_summary").fetchone()
    assert f"Blanks: {int(blanks[0]):,} results above" in text
    n3 = con.execute("SELECT sum(n_outside_3sd) FROM drillholes__qaqc_crm_summary").fetchone()
    assert f"and {int(n3[0]):,} beyond 3 SD" in text
    dup = _row(demo["table"], 1, "Sub-sampling techniques and sample preparation")["commentary"]
    pairs, within = con.execute(
        "SELECT n_pairs, pct_within_limit FROM drillholes__qaqc_duplicate_summary "
        "WHERE qc_type = 'field_duplicate' AND \"column\" = 'TREO_pct'"
    ).fetchone()
    assert f"{pairs:,} field duplicate pairs" in dup and f"{within:,.1f} %" in dup


def test_demo_sampling_and_validation_numbers(demo):
    con = demo["con"]
    table = demo["table"]
    n, median = con.execute(
        "SELECT count(*), median(to_m - from_m) FROM drillholes__assays"
    ).fetchone()
    text = _row(table, 1, "Sampling techniques")["commentary"]
    assert f"{n:,} primary assay intervals" in text
    assert f"median {median:,.1f} m" in text
    integrity = _row(table, 3, "Database integrity")["commentary"]
    for rule, action, k in con.execute(
        "SELECT rule, action, count(*) FROM drillholes__rejections GROUP BY 1, 2"
    ).fetchall():
        assert f"{rule} ({action}) {k:,}" in integrity
    for tab, rows_in, used in con.execute(
        'SELECT "table", rows_in, rows_used FROM drillholes__counts'
    ).fetchall():
        assert f"{tab} (" in integrity and f"{rows_in:,} rows in, {used:,} used" in integrity
    surveys = con.execute("SELECT count(*) FROM drillholes__surveys").fetchone()[0]
    assert (
        f"{surveys:,} downhole survey records"
        in _row(table, 1, "Location of data points")["commentary"]
    )


def test_demo_spacing_matches_brute_force(demo):
    xy = demo["tables"]["drillholes__collars"][["easting", "northing"]].to_numpy(float)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    expected = float(np.median(d.min(axis=1)))
    assert demo["facts"].spacing.collar_median_m == pytest.approx(expected)
    text = _row(demo["table"], 1, "Data spacing and distribution")["commentary"]
    assert f"median {expected:,.1f} m" in text
    length = (
        demo["con"]
        .execute("SELECT value FROM drillholes__meta WHERE key = 'composite_length_m'")
        .fetchone()[0]
    )
    assert f"composited to {float(length):.3g} m" in text


def test_demo_estimation_numbers(demo):
    con = demo["con"]
    text = _row(demo["table"], 3, "Estimation and modelling techniques")["commentary"]
    for dom, sill in con.execute(
        "SELECT domain, sill_pct2 FROM estimation__variogram_models WHERE kind = 'nugget'"
    ).fetchall():
        assert f"{dom}: nugget {sill:.3g} %²" in text
    for dom, kriged, diff in con.execute(
        "SELECT domain, kriged_mean_pct, kriged_vs_declustered_pct "
        "FROM estimation__global_comparison"
    ).fetchall():
        assert f"{dom} TREO_pct kriged {kriged:.3g} %" in text and f"({diff:+.1f} %;" in text
    for dom, kind, n in con.execute("SELECT domain, kind, n FROM estimation__crossval").fetchall():
        assert f"{dom} {kind.replace('_', ' ')} ({int(n):,} " in text
    bs = con.execute("SELECT block_size_i_m, block_size_j_m FROM estimation__grid").fetchone()
    assert f"Blocks {bs[0]:g}×{bs[1]:g}" in text
    n_top = con.execute("SELECT count(*) FROM estimation__top_cuts").fetchone()[0]
    assert ("No top cuts applied" in text) == (n_top == 0)


def test_demo_orientation_from_variogram_plane(demo):
    o = demo["facts"].orientation
    assert o is not None
    for _dom, dip_dir, dip, n, angle, ratio in o.per_domain:
        # the demo vein dips 50° towards 150° (project.toml comment on the variograms)
        assert dip_dir == pytest.approx(150.0, abs=0.5) and dip == pytest.approx(50.0, abs=0.5)
        assert n > 0 and 0.0 <= angle <= 90.0
        assert ratio == pytest.approx(np.sin(np.radians(angle)), abs=0.05)


def test_inputs_not_modified(demo):
    before = {k: pd.util.hash_pandas_object(v, index=True).sum() for k, v in demo["tables"].items()}
    table1_facts(demo["tables"], _demo_dump())
    after = {k: pd.util.hash_pandas_object(v, index=True).sum() for k, v in demo["tables"].items()}
    assert before == after


# ---------------------------------------------------------------------------------------
# Geometry and spacing oracles on tiny inputs


def _vein_tables(azimuth: float, dip: float) -> dict[str, pd.DataFrame]:
    """One hole crossing a vein that dips 50° towards 150° (GSLIB angles 60/0/50)."""
    return {
        "estimation__variogram_models": pd.DataFrame(
            {
                "domain": ["V", "V"],
                "kind": ["nugget", "spherical"],
                "range_major_m": [np.nan, 100.0],
                "range_semi_m": [np.nan, 80.0],
                "range_minor_m": [np.nan, 10.0],
                "azimuth_deg": [np.nan, 60.0],
                "dip_deg": [np.nan, 0.0],
                "rake_deg": [np.nan, 50.0],
            }
        ),
        "drillholes__composites": pd.DataFrame(
            {"hole_id": ["H1"], "domain": ["V"], "from_m": [10.0], "to_m": [12.0]}
        ),
        "drillholes__surveys": pd.DataFrame(
            {"hole_id": ["H1"], "depth_m": [0.0], "azimuth_deg": [azimuth], "dip_deg": [dip]}
        ),
    }


@pytest.mark.parametrize(
    ("azimuth", "dip", "angle", "ratio"),
    [
        (330.0, -40.0, 90.0, 1.0),  # along the normal: perpendicular to the vein
        (0.0, -90.0, 40.0, np.cos(np.radians(50.0))),  # vertical hole, 50° dipping vein
        (150.0, -50.0, 0.0, 0.0),  # down the dip line: parallel to the vein
    ],
)
def test_hole_to_vein_angle(azimuth, dip, angle, ratio):
    o = table1_facts(_vein_tables(azimuth, dip), {}).orientation
    (_, dip_dir, plane_dip, n, got_angle, got_ratio) = o.per_domain[0]
    assert (dip_dir, plane_dip, n) == (pytest.approx(150.0), pytest.approx(50.0), 1)
    assert got_angle == pytest.approx(angle, abs=1e-6)
    assert got_ratio == pytest.approx(ratio, abs=1e-9)


def test_isotropic_model_gives_no_orientation():
    tables = _vein_tables(0.0, -90.0)
    tables["estimation__variogram_models"]["range_minor_m"] = [np.nan, 80.0]
    assert table1_facts(tables, {}).orientation is None


def test_collar_spacing_on_a_grid():
    e, n = np.meshgrid(np.arange(5) * 25.0, np.arange(4) * 25.0)
    collars = pd.DataFrame(
        {"hole_id": [f"H{i}" for i in range(e.size)], "easting": e.ravel(), "northing": n.ravel()}
    )
    sp = table1_facts({"drillholes__collars": collars}, {}).spacing
    assert sp.collar_median_m == pytest.approx(25.0)


# ---------------------------------------------------------------------------------------
# Resources, Ore Reserve, narrative and plain text


def _resource_tables() -> dict[str, pd.DataFrame]:
    """Small tables in the resources stage's schema (mine2magnet.resources.types)."""
    meta = [
        ("effective_date", "2026-01-31", ""),
        ("cutoff_basis", "TREO_pct", ""),
        ("reporting_cutoff", "0.5", "% TREO"),
        ("cutoff_rule", "blocks with TREO_pct >= cut-off inside the RPEEE constraint", ""),
        ("statement_cutoffs", "0.5, 1, 2", "% TREO"),
        ("density_basis", "dry bulk density per domain (V 2.9)", "t/m3"),
        ("rpeee_constraint", "depth", ""),
        ("max_depth_m", "300 below topography", "m"),
        ("recovery_pct", "50", "%"),
        ("payability_pct", "75", "%"),
        ("rounding", "tonnes 3, grades 3 s.f.", ""),
        ("qaqc_flagged_holes", "H7, H9", ""),
    ]
    return {
        "resources__statement_meta": pd.DataFrame(meta, columns=["key", "value", "unit"]),
        "resources__criteria": pd.DataFrame(
            [
                ("Measured", "spacing_m", "<=", 30.0, "m", "distance to the 3rd hole"),
                ("Indicated", "spacing_m", "<=", 60.0, "m", "distance to the 3rd hole"),
                ("All", "smoothing", "", 2.0, "iterations", "majority filter 3×3×3"),
            ],
            columns=["class", "criterion", "operator", "threshold", "unit", "description"],
        ),
        "resources__classification_counts": pd.DataFrame(
            {
                "class": ["Measured", "Indicated", "Total"],
                "blocks_criteria": [130, 4400, 4530],
                "blocks": [120, 4410, 4530],
                "tonnes": [1.23e6, 4.5e7, 4.623e7],
            }
        ),
        "resources__statement": pd.DataFrame(
            {
                "cutoff": [0.5, 0.5, 1.0],
                "cutoff_basis": ["TREO_pct"] * 3,
                "reporting": [True, True, False],
                "class": ["Measured", "Indicated", "Measured"],
                "tonnes": [1.2e6, 4.4e7, 9.0e5],
                "TREO_pct": [3.28, 1.6, 3.9],
                "NdPr_pct": [0.632, 0.307, 0.7],
            }
        ),
    }


def test_resources_tables_fill_cutoff_classification_and_constraint():
    table = build_table1(table1_facts(_resource_tables(), {}))
    cut = _row(table, 3, "Cut-off parameters")
    assert cut["status"] == "from data" and cut["source"] == "resources__statement_meta"
    assert "Reporting cut-off 0.5 % TREO (blocks with TREO_pct >= cut-off" in cut["commentary"]
    assert "also given at 0.5, 1, 2 % TREO" in cut["commentary"]
    cls = _row(table, 3, "Classification")["commentary"]
    assert "Measured: spacing_m <= 30 m" in cls and "Indicated: spacing_m <= 60 m" in cls
    assert "smoothing 2 iterations (majority filter 3×3×3)" in cls
    assert "Measured 120 (1,230,000 t), Indicated 4,410 (45,000,000 t)" in cls
    assert "By the criteria alone: Measured 130, Indicated 4,400." in cls
    assert "Measured 1,200,000 t at 3.28 % TREO, 0.632 % NdPr" in cls
    assert "900,000" not in cls  # only the reporting cut-off
    assert "Effective date: 2026-01-31." in cls and "Holes flagged by QA/QC: H7, H9." in cls
    mining = _row(table, 3, "Mining factors or assumptions")["commentary"]
    assert "'depth' constraint" in mining and "maximum depth 300 m below topography" in mining
    met = _row(table, 3, "Metallurgical factors or assumptions")["commentary"]
    assert "assumes 50 % recovery and 75 % payability" in met
    dens = _row(table, 3, "Bulk density")["commentary"]
    assert "dry bulk density per domain (V 2.9)" in dens
    acc = _row(table, 3, "Discussion of relative accuracy/confidence")["commentary"]
    assert "tonnes 3, grades 3 s.f." in acc


def test_demo_resources_numbers(demo):
    if "resources__statement_meta" not in demo["tables"]:
        pytest.skip("the demo store has no resources stage yet")
    con = demo["con"]
    cut, unit = con.execute(
        "SELECT value, unit FROM resources__statement_meta WHERE key = 'reporting_cutoff'"
    ).fetchone()
    text = _row(demo["table"], 3, "Cut-off parameters")["commentary"]
    assert f"Reporting cut-off {cut} {unit}" in text
    cls = _row(demo["table"], 3, "Classification")["commentary"]
    for name, blocks in con.execute(
        "SELECT class, blocks FROM resources__classification_counts WHERE class <> 'Total'"
    ).fetchall():
        assert f"{name} {int(blocks):,}" in cls


def test_ore_reserve_facts_fill_section_4():
    facts = Table1Facts(
        ore_reserve=OreReserveFacts(
            (("Study status", "Pre-Feasibility Study completed.", "mining__study"),)
        )
    )
    table = build_table1(facts)
    row = _row(table, 4, "Study status")
    assert (row["commentary"], row["status"], row["source"]) == (
        "Pre-Feasibility Study completed.",
        "from data",
        "mining__study",
    )
    others = table[(table["section"] == 4) & (table["criterion"] != "Study status")]
    assert (others["commentary"] == FALLBACK).all()


def test_ore_reserve_from_a_mining_table():
    tables = {
        "mining__table1": pd.DataFrame(
            {
                "criterion": ["Costs"],
                "commentary": ["Mining cost US$2.5/t."],
                "source": ["project: mining.costs"],
            }
        )
    }
    row = _row(build_table1(table1_facts(tables, {})), 4, "Costs")
    assert row["status"] == "from parameters" and row["commentary"] == "Mining cost US$2.5/t."


def test_competent_person_narrative_is_kept_verbatim():
    text = 'Core in a locked <b>shed</b> & "sealed" bags'
    dump = {"resources": {"table1": {"section_1": {"sample security": text}}}}
    row = _row(build_table1(table1_facts({}, dump)), 1, "Sample security")
    assert row["commentary"] == text
    assert row["status"] == "from parameters"
    assert row["source"] == "project: resources.table1.section_1"


@pytest.mark.parametrize(
    "table1",
    [
        {"section_1": {"Site visits": "x"}},  # a Section 3 criterion
        {"section_9": {"Geology": "x"}},
        "free text",
    ],
)
def test_unknown_narrative_keys_are_errors(table1):
    with pytest.raises(ConfigError, match=r"resources\.table1"):
        table1_facts({}, {"resources": {"table1": table1}})


def test_input_text_stays_plain_text():
    evil = "<script>alert(1)</script>"
    lith = pd.DataFrame(
        {
            "hole_id": [evil, "H2"],
            "from_m": [0.0, 0.0],
            "to_m": [5.0, 3.0],
            "lithology": [evil, "TUFF & ASH"],
            "domain": ["UNMAPPED", "HOST"],
        }
    )
    dump = {"domains": [{"code": "V<1>", "lithologies": [evil], "density_t_m3": 2.7}]}
    comps = pd.DataFrame({"hole_id": [evil], "domain": ["V<1>"]})
    tables = {"drillholes__lithology": lith, "drillholes__composites": comps}
    table = build_table1(table1_facts(tables, dump))
    logging = _row(table, 1, "Logging")["commentary"]
    assert f"{evil} (1 interval, 5.0 m)" in logging and "TUFF & ASH" in logging
    assert evil in _row(table, 3, "Geological interpretation")["commentary"]
    allowed = (evil, "V<1>")
    for text in table["commentary"]:
        for a in allowed:
            text = text.replace(a, "")
        assert "<" not in text and "&lt;" not in text and "&amp;" not in text


def test_docstring_examples():
    attempted = 0
    for module in (t1, t1.criteria, t1.facts, t1.writer):
        res = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert res.failed == 0, module.__name__
        attempted += res.attempted
    assert attempted > 0
