"""Writing the SYNTHETIC demo project: CSV files, ``project.toml`` and a README.

Byte-identical output for a given seed: every number is formatted with a fixed format,
rows and columns have a fixed order, lines end in ``\\n``, text is UTF-8 without BOM and
nothing depends on the clock, the platform or dict/set ordering. Every data file name
starts with ``SYNTHETIC_`` (a comment line inside a CSV would break readers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mine2magnet.chemistry import CANONICAL_SPECIES, REE, oxide_factor
from mine2magnet.synthetic.deposit import DEM_SPACING, DENSITY_T_M3, LITHOLOGIES
from mine2magnet.synthetic.lab import ANALYTES

if TYPE_CHECKING:
    from mine2magnet.synthetic import SyntheticDemo

__all__ = ["DOMAINS", "FILES", "DemoStatistics", "demo_statistics", "write_demo"]

#: Files written, in a fixed order.
FILES: tuple[str, ...] = (
    "SYNTHETIC_collars.csv",
    "SYNTHETIC_surveys.csv",
    "SYNTHETIC_lithology.csv",
    "SYNTHETIC_assays.csv",
    "SYNTHETIC_standards.csv",
    "SYNTHETIC_topography.csv",
    "SYNTHETIC_truth.csv",
    "project.toml",
    "README.md",
)

#: Domains of project.toml: code, lithologies, density [t/m³], estimate.
DOMAINS: tuple[tuple[str, tuple[str, ...], float, bool], ...] = (
    ("HG", ("VEIN_HG",), DENSITY_T_M3["VEIN_HG"], True),
    ("LG", ("VEIN_LG", "BRECCIA"), DENSITY_T_M3["VEIN_LG"], True),
    ("HOST", ("TUFF", "ANDESITE"), 2.55, False),
    ("COVER", ("COVER",), DENSITY_T_M3["COVER"], False),
)


def _f(values: Sequence[float] | np.ndarray, fmt: str) -> list[str]:
    return [format(float(v) + 0.0, fmt) for v in values]


def _write_csv(path: Path, columns: dict[str, Sequence[str]]) -> None:
    header = ",".join(columns)
    body = [",".join(row) for row in zip(*columns.values(), strict=True)]
    path.write_bytes(("\n".join([header, *body]) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class DemoStatistics:
    """Summary statistics of the demo data as reported by the laboratory.

    Attributes
    ----------
    counts : dict of str to float
        ``holes``, ``holes_vertical``, ``holes_phase2``, ``metres_drilled`` [m],
        ``metres_sampled`` [m], ``survey_rows``, ``lithology_rows``, ``assay_rows`` and
        rows per sample type (``primary``, ``CRM``, ``BLANK``, ``FDUP``) [-].
    domains : pandas.DataFrame
        Per domain of ``project.toml`` (and ``VEIN`` = HG + LG): ``samples``, ``metres``
        [m] and length-weighted means of ``TREO_pct``, ``NdPr_oxide_pct``, ``ThO2_pct``,
        ``CaF2_pct``, ``BaSO4_pct``, ``Fe2O3_pct`` [%] and the share of La2O3, CeO2,
        Pr6O11, Nd2O3 in TREO [%], from analysed primary samples (below detection as half
        the limit).
    """

    counts: dict[str, float]
    domains: pd.DataFrame


def demo_statistics(demo: SyntheticDemo) -> DemoStatistics:
    """Summary statistics of the demo data as reported by the laboratory.

    Parameters
    ----------
    demo : SyntheticDemo

    Returns
    -------
    DemoStatistics
    """
    d, lab = demo.drilling, demo.lab
    v = lab.values
    prim = v[v["sample_type"] == "PRIMARY"].copy()
    dl = {a.column: a.detection_limit for a in ANALYTES}
    ox = {}
    for el in REE:
        col = prim[f"{el}_ppm"].fillna(0.5 * dl[f"{el}_ppm"])
        ox[el] = col * oxide_factor(CANONICAL_SPECIES[el]) * 1e-4
    grades = pd.DataFrame(
        {
            "TREO_pct": sum(ox.values()),
            "NdPr_oxide_pct": ox["Pr"] + ox["Nd"],
            "ThO2_pct": prim["Th_ppm"] * oxide_factor("ThO2") * 1e-4,
            "CaF2_pct": prim["CaF2_pct"],
            "BaSO4_pct": prim["BaSO4_pct"],
            "Fe2O3_pct": prim["Fe2O3_pct"],
            **{
                f"{el}_share_pct": 100 * ox[el] / sum(ox.values())
                for el in ("La", "Ce", "Pr", "Nd")
            },
        }
    )
    analysed = prim["La_ppm"].notna().to_numpy()  # 'NS' rows carry no grades
    grades = grades[analysed]
    length = prim["length_m"].to_numpy()[analysed]
    lith = prim["lith"].to_numpy()[analysed]
    dom_of = {lith_: code for code, liths, _, _ in DOMAINS for lith_ in liths}
    dom = np.array([dom_of[x] for x in lith])
    rows = []
    for code in (*(c for c, _, _, _ in DOMAINS), "VEIN"):
        mask = np.isin(dom, ["HG", "LG"]) if code == "VEIN" else dom == code
        row: dict[str, float | str | int] = {
            "domain": code,
            "samples": int(mask.sum()),
            "metres": float(length[mask].sum()),
        }
        for c in grades.columns:
            x = grades[c].to_numpy()[mask]
            ok = ~np.isnan(x)
            row[c] = float(np.average(x[ok], weights=length[mask][ok])) if ok.any() else np.nan
        rows.append(row)
    types = lab.assays["SAMPLE_TYPE"].value_counts()
    n_prim = int(types.get("PRIMARY", 0))
    counts = {
        "holes": float(len(d.collars)),
        "holes_vertical": float((d.collars["dip_deg"] <= -89.99).sum()),
        "holes_phase2": float((d.collars["phase"] == 2).sum()),
        "metres_drilled": float(d.collars["eoh_m"].sum()),
        "metres_sampled": float(length.sum()),
        "survey_rows": float(len(d.surveys)),
        "lithology_rows": float(len(d.lithology)),
        "assay_rows": float(len(lab.assays)),
        "primary": float(n_prim),
        **{k: float(types.get(k, 0)) for k in ("CRM", "BLANK", "FDUP")},
    }
    return DemoStatistics(counts=counts, domains=pd.DataFrame(rows))


_TOML = """\
# SYNTHETIC demo project: an invented fluorite–barite–REE deposit "of the Beylikova kind".
# NOT REAL DATA. Regenerate with:  python -m mine2magnet.synthetic examples/demo --seed {seed}

[project]
name = "SYNTHETIC Beylikova-type demo"
synthetic = true
description = "SYNTHETIC demo data generated by mine2magnet.synthetic (seed {seed}): a \
fault-controlled fluorite–barite–bastnäsite body with a high-grade core; not a real deposit."
seed = {seed}

[data.collars]
file = "SYNTHETIC_collars.csv"
columns = {{ hole_id = "HOLEID", easting = "EAST", northing = "NORTH", elevation = "RL", \
eoh_m = "DEPTH" }}

[data.surveys]
file = "SYNTHETIC_surveys.csv"
columns = {{ hole_id = "HOLEID", depth_m = "DEPTH", azimuth_deg = "AZIMUTH", dip_deg = "DIP" }}
dip_positive_down = false

[data.assays]
file = "SYNTHETIC_assays.csv"

[data.assays.columns]
hole_id = "HOLEID"
from_m = "FROM"
to_m = "TO"
sample_id = "SAMPLEID"
sample_type = "SAMPLE_TYPE"
standard_id = "STANDARD_ID"
parent_sample_id = "PARENT_SAMPLEID"

[data.assays.grades]
{grades}

[data.lithology]
file = "SYNTHETIC_lithology.csv"
columns = {{ hole_id = "HOLEID", from_m = "FROM", to_m = "TO", lithology = "LITH" }}

[data.standards]
file = "SYNTHETIC_standards.csv"
columns = {{ standard_id = "STANDARD_ID", column = "ANALYTE", expected = "EXPECTED", sd = "SD" }}

{domains}
[validation]
below_detection = "half_dl"

[composite]
length_m = 2.0
residual = "keep_if_half"
by_domain = true

[qaqc]
primary = ["PRIMARY"]
crm = ["CRM"]
blank = ["BLANK"]
field_duplicate = ["FDUP"]

# ---------------------------------------------------------------------------------------
# Geostatistics (SYNTHETIC). Variograms of TREO_pct fitted on the demo composites with
# mine2magnet.geostats.variography.fit_axis_model (VariogramFitter, weights N/h²): nugget
# from the downhole variogram, one spherical structure with sill = variance − nugget,
# ranges fitted to experimental variograms along strike (060°), down dip (150°/−50°) and
# across the vein. Angles are GSLIB (azimuth, dip, rake): rake 50 tilts the semi-major
# axis down the 50° dip. Every grade column of a domain shares its model (and so its
# kriging weights): estimated TREO equals the sum of the estimated oxides.
[geostats]
method = "ordinary"
discretisation = [4, 4, 2]
primary_column = "TREO_pct"

[geostats.declustering]
cell_sizes_m = [50]                  # the phase-1 drill spacing
n_offsets = 4

[geostats.domains.HG.variogram]
source = "fit_axis_model on the demo composites, TREO_pct (2,651 composites)"
nugget = 0.69
structures = [{{ kind = "spherical", sill = 4.08, ranges = [105, 76, 25], angles = [60, 0, 50] }}]

[geostats.domains.HG.search]          # pass 1 ≈ 2/3 of the variogram ranges
ranges = [70, 51, 17]
angles = [60, 0, 50]
min_samples = 8
max_samples = 24
max_per_hole = 6
passes = [
  {{ factor = 1.0 }},
  {{ factor = 2.0, min_samples = 6 }},
  {{ factor = 3.0, min_samples = 1 }},
]

[geostats.domains.HG.neighbourhood_analysis]   # slope/KE vs block and search size
block_sizes_m = [[5, 5, 5], [10, 10, 10], [20, 20, 10]]
max_samples = [8, 16, 24, 32]
n_blocks = 10

[geostats.domains.LG.variogram]
source = "fit_axis_model on the demo composites, TREO_pct (6,448 composites)"
nugget = 0.126
structures = [{{ kind = "spherical", sill = 0.549, ranges = [176, 148, 36], angles = [60, 0, 50] }}]

[geostats.domains.LG.search]
ranges = [118, 99, 24]
angles = [60, 0, 50]
min_samples = 8
max_samples = 24
max_per_hole = 6
passes = [
  {{ factor = 1.0 }},
  {{ factor = 2.0, min_samples = 6 }},
  {{ factor = 3.0, min_samples = 1 }},
]

# ---------------------------------------------------------------------------------------
# Block model: 10 m blocks on a grid turned −30° (i along the 060° strike, j towards 330°)
# around the vein; sub-cells coded by the nearest composite in a flat ellipsoid parallel
# to the vein; ground above the topography left out.
[blockmodel]
origin = [4656.70, 7434.36, 660.0]
block_size = [10.0, 10.0, 10.0]
counts = [116, 36, 40]
rotation_deg = -30.0

[blockmodel.domain_coding]
subcells = [3, 3, 3]
ranges = [50.0, 50.0, 10.0]
angles = [60.0, 0.0, 50.0]
max_distance = 1.0
default_domain = "HOST"

[blockmodel.topography]
file = "SYNTHETIC_topography.csv"
columns = {{ easting = "EAST", northing = "NORTH", elevation = "RL" }}

[blockmodel.grade_tonnage]
column = "TREO_pct"
cutoffs_pct = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0]

# ---------------------------------------------------------------------------------------
# Mining (SYNTHETIC assumptions): block values, slopes by sector, nested pits, phases.
# Prices default to the ex-China early-2026 deck (DOMAIN.md section 5). See docs/mining.md.
[mining]
engine = "mineflow"
processing_cost_usd_t = 150.0        # SYNTHETIC assumption
mining_rate_tpa = 6_000_000
discount_rate_pct = 8.0
processing_rate_tpa = 570_000
rpeee_price_uplift_pct = 30.0        # the RPEEE (resource) shell: prices x 1.3
revenue_factors = {{ start = 0.3, stop = 1.5, step = 0.05 }}

[mining.slopes]
default_angle_deg = 45.0
max_benches = 8

[[mining.slopes.sectors]]            # weathered cover
azimuth_from_deg = 0.0
azimuth_to_deg = 360.0
angle_deg = 35.0
domains = ["COVER"]

[[mining.slopes.sectors]]            # NW wall, footwall andesite
azimuth_from_deg = 240.0
azimuth_to_deg = 60.0
angle_deg = 48.0

[[mining.slopes.sectors]]            # SE wall, hanging-wall tuff
azimuth_from_deg = 60.0
azimuth_to_deg = 240.0
angle_deg = 42.0

[mining.phases]
count = 4
min_width_m = 50.0
final_revenue_factor = 0.6

# ---------------------------------------------------------------------------------------
# Schedule and Ore Reserve (SYNTHETIC assumptions; docs/mining.md "Ore Reserve and
# schedule"). 2-year periods and 30 m bench groups keep the MIP to about 8 s.
[mining.schedule]
periods = 14                      # 28 years: the plant-limited life is about 22
period_years = 2
benches_per_increment = 3         # 34 (phase, bench group) increments
lag = 1
grade_bins = 3                    # variable cut-off by period (Lane)
processing_ramp_up_pct = [75]     # first period at 75 % of the plant rate
time_limit_s = 30
mip_gap_pct = 1.0

[mining.reserve]
basis = "scheduled"
effective_date = 2026-01-01

# ---------------------------------------------------------------------------------------
# Mineral Resource (JORC Code 2012), SYNTHETIC demo. Every threshold below is an
# ASSUMPTION suited to the demo drilling (25 m infill over the high-grade core, 50 m grid
# elsewhere), not a Competent Person's choice. Spacing = distance from a block to its 3rd
# nearest hole (about 0.7-1.0 x the drill grid spacing). See docs/resources.md.
[resources]
effective_date = 2026-01-01
reporting_cutoff = {{ basis = "TREO_pct", value = 0.5 }}
statement_cutoffs = [0.5, 1.0, 1.5, 2.0, 3.0]

[resources.classification]
nearest_holes = 3
search = {{ radius_m = 60.0, anisotropy = [1.0, 1.0, 0.5], angles = [60.0, 0.0, 50.0] }}

[resources.classification.measured]
max_spacing_m = 30.0
min_holes = 4
min_samples = 12
min_slope = 0.8
min_ke = 0.4
max_pass = 1

[resources.classification.indicated]
max_spacing_m = 60.0
min_holes = 3
min_samples = 8
min_slope = 0.5
max_pass = 2

[resources.classification.inferred]
max_spacing_m = 120.0
min_holes = 1
min_samples = 1
max_pass = 3

[resources.classification.qaqc]        # failed CRM/blank inserts flag their holes
rules = ["crm_outside_3sd", "crm_2x2sd_same_side", "crm_bias_trend", "blank_above_limit"]
min_share = 0.5                        # 2 of the 3 nearest holes flagged: one class down
downgrade = 1

[resources.classification.smoothing]
method = "majority"
window = [3, 3, 3]
iterations = 2
max_upgrade = 1
max_downgrade = 1

[resources.rpeee]
constraint = "pit"                     # inside the [mining] RPEEE shell (prices x 1.3)
max_depth_m = 300.0                    # used when constraint = "depth"
price_factor = 1.3                     # RPEEE price uplift on the DOMAIN.md section 5 deck
recovery_pct = 50.0                    # ASSUMPTION, as [processing.beneficiation]
payability_pct = 75.0                  # mixed concentrate (Bear Lodge PFS 2014)
costs = {{ processing_usd_t = 45.0, ga_usd_t = 10.0 }}

# ---------------------------------------------------------------------------------------
# Processing (SYNTHETIC feed until the mine schedule provides it). Plant size and the
# announced targets follow the public Beylikova plan (DOMAIN.md §1); recoveries are
# assumptions stated in mine2magnet.processing.params.
[processing.feed]
ore_tpa = 570_000
TREO_pct = 1.8
distribution = "bayan_obo"            # SYNTHETIC: Beylikova's REE pattern is unpublished
ThO2_pct = 0.2
U3O8_pct = 0.002                      # ASSUMPTION: not published
CaF2_pct = 22.0                       # the demo vein's mean fluorite
BaSO4_pct = 15.0                      # the demo vein's mean barite
Fe2O3_pct = 6.0

[processing.beneficiation.rare_earth]
method = "flotation"
recovery_pct = 50.0
concentrate_grade_pct = 30.0

[processing.cracking]
route = "acid_bake_high_t"

[processing.separation]
enabled = true

# SX refinery: the light-REE train in P507/HCl, every cascade designed by simulation.
# Purity targets per product: 99.5, 99.9, 99.99 or 99.999 %. Plant basis, sizing norms,
# unit prices and equipment costs are ASSUMPTIONS with their sources in
# mine2magnet/processing/data/refinery_costs.toml (factored estimate, AACE Class 4).
[processing.refinery]
extractant = "P507"
default_purity_pct = 99.5

[[processing.refinery.splits]]            # SEG+HRE | La-Nd
cut = "Nd|Sm"
extract_product = "SEG+HRE concentrate"
extract_purity_pct = 99.5

[[processing.refinery.splits]]            # Pr-Nd | La-Ce
cut = "Ce|Pr"
source = "Nd|Sm.raffinate"

[[processing.refinery.splits]]            # Ce | La
cut = "La|Ce"
source = "Ce|Pr.raffinate"
raffinate_product = "La2O3"
raffinate_purity_pct = 99.99
extract_product = "CeO2"
extract_purity_pct = 99.9

[[processing.refinery.splits]]            # Nd | Pr
cut = "Pr|Nd"
source = "Ce|Pr.extract"
raffinate_product = "Pr6O11"
raffinate_purity_pct = 99.5
extract_product = "Nd2O3"
extract_purity_pct = 99.9

[processing.targets]                  # announced figures; gaps become warnings
source = "Eti Maden, press 2022-2025 (DOMAIN.md section 1)"
treo_tpa = 10_000
fluorite_tpa = 70_000
barite_tpa = 72_000
thorium_tpa = 250

# ---------------------------------------------------------------------------------------
# Economics (SYNTHETIC assumptions; prices and fiscal terms cited in
# mine2magnet/economics/data). See docs/economics.md.
[economics]
basis = "real"                        # outputs in real US$ of the valuation date
discount_rate_pct = 8.0               # real; Fisher-converted if basis = "nominal"
npv_rates_pct = [0, 5, 8, 10, 12]
inflation_pct = 2.0                   # US$ CPI: tax depreciation is not indexed

[economics.timing]
start_year = 2027
periods_per_year = 1
convention = "mid"

[economics.prices]
deck = "ex_china_spot_2026q1"         # or china_domestic_2026q1, trough_2024

[economics.production]                # until the mine schedule provides the plan
products_from = "processing"          # the flowsheet's product slate at steady state
preproduction_years = 3
production_years = 25
waste_tpa = 2_000_000                 # SYNTHETIC
ramp_up_pct = [50, 80]

# separated oxides (La2O3, CeO2, Pr6O11, Nd2O3) need no terms: their payable oxide and
# purity come from the product slate and their price from the deck
[economics.products."SEG+HRE concentrate"]
payability_pct = 75                   # mixed product ~75 % of the basket (Bear Lodge PFS)
[economics.products."fluorite concentrate"]
pricing = "fixed"
price_usd_kg = 0.30                   # ASSUMPTION: acid-grade fluorspar order of magnitude
grade_linked = false
by_product = true
[economics.products."barite concentrate"]
pricing = "fixed"
price_usd_kg = 0.12                   # ASSUMPTION
grade_linked = false
by_product = true

[economics.opex.mining]
usd_per_t_mined = 2.5                 # ASSUMPTION
local_share_pct = 90
[economics.opex.processing]
usd_per_t_ore = 45.0                  # ASSUMPTION
local_share_pct = 60
[economics.opex.refining]
usd_per_t_product = 6_000             # ASSUMPTION: every rare-earth product (SX, finishing)
local_share_pct = 70                  # ASSUMPTION: reagents partly imported
[economics.opex.g_and_a]
fixed_usd_per_year = 15_000_000
local_share_pct = 80
[economics.opex.transport]
usd_per_t_product = 60.0              # rare-earth products; by-products sold ex-works

# initial capital split by plant so the partner scenarios can leave parts out (SYNTHETIC;
# the processing stage's factored SX estimate is in processing__refinery_costs)
[[economics.capex]]
name = "mine and concentrator"
category = "initial"
amounts_usd = [80e6, 150e6, 100e6]
contingency_pct = 20
tax_class = "plant"
local_share_pct = 50
[[economics.capex]]
name = "cracking and impurity removal"
category = "initial"
amounts_usd = [40e6, 90e6, 80e6]
contingency_pct = 20
tax_class = "plant"
local_share_pct = 35
[[economics.capex]]
name = "SX refinery and product finishing"
category = "initial"
amounts_usd = [30e6, 60e6, 70e6]
contingency_pct = 20
tax_class = "plant"
local_share_pct = 30
[[economics.capex]]
name = "sustaining"
category = "sustaining"
usd_per_year = 12e6
tax_class = "mobile"

[economics.working_capital]
receivable_days = 45
inventory_days = 60
payable_days = 30

[economics.closure]
cost_usd = 60e6
years = 3
salvage_pct_of_initial = 2

[economics.fiscal]
regime = "turkiye"
[economics.fiscal.royalties.state_right]
rate_option = "group_iv_other"        # or "radioactive" (8 % x 1.25): a legal question

[[economics.owners]]
name = "state operator"
share_pct = 51
[[economics.owners]]
name = "foreign partner"
share_pct = 49
foreign = true

[economics.sensitivity]
range_pct = 20

[economics.montecarlo]
draws = 10_000
reversion_per_year = 0.5
correlation_pct = 60
pair_correlation_pct = {{ "Nd2O3|Pr6O11" = 95 }}
capex = {{ dist = "triangular", low = 0.95, mode = 1.05, high = 1.40 }}
opex = {{ dist = "triangular", low = 0.90, mode = 1.0, high = 1.25 }}
grade = {{ dist = "normal", mean = 1.0, sd = 0.05 }}
recovery = {{ dist = "triangular", low = 0.85, mode = 1.0, high = 1.05 }}

[economics.montecarlo.volatility_pct]    # of log prices [%/sqrt(y)]; ASSUMPTION
default = 30
Dy2O3 = 40
Tb4O7 = 40
"product:fluorite concentrate" = 15
"product:barite concentrate" = 15

[economics.magnet]
yield_pct = 95

# ---------------------------------------------------------------------------------------
# Partner scenarios (m2m scenarios): the same deposit sold at four points of the value
# chain, each with its deal. Route defaults and their sources (or ASSUMPTION):
# mine2magnet/economics/data/routes.toml. SYNTHETIC numbers.
[[economics.scenarios]]
name = "(a) concentrate to a foreign refiner"
route = "concentrate"                 # paid 45 % of the contained basket: ASSUMPTION
capex_exclude = ["cracking and impurity removal", "SX refinery and product finishing"]
owners = [
  {{ name = "state operator", share_pct = 25, carried = "free" }},
  {{ name = "foreign partner", share_pct = 75, foreign = true }},
]
[economics.scenarios.overrides.opex.processing]
usd_per_t_ore = 20.0                  # the concentrator only (no cracking): ASSUMPTION
local_share_pct = 60

[[economics.scenarios]]
name = "(b) mixed carbonate from home cracking"
route = "mixed_chemical"              # 75 % of the basket (Bear Lodge 2014 PFS)
capex_exclude = ["SX refinery and product finishing"]

[[economics.scenarios]]
name = "(c) separated oxides at home"
route = "separated_oxides"            # the base case: reproduces its NPV

[[economics.scenarios]]
name = "(d) NdPr metal and NdFeB alloy at home"
route = "metals_magnet"               # metal and alloy terms: routes.toml (ASSUMPTION)
terms = {{ capex_local_share_pct = 40 }}
[economics.scenarios.offtake]         # the partner buys 60 % of the alloy 5 % below market
partner = "foreign partner"
share_pct = 60
discount_pct = 5
products = ["NdFeB alloy"]
# the state right may be cut by up to 75 % for domestic metallisation (a legal question):
# overrides = {{ fiscal = {{ royalties = {{ state_right = {{ reduction_pct = 75 }} }} }} }}

# ---------------------------------------------------------------------------------------
# Grade uncertainty (docs/simulation.md "The uncertainty stage"): SGS realisations of the
# estimated domains; per realisation the grade-tonnage, the ultimate pit and the NPV of
# the base plan; the probability-above-cut-off model and classification support.
# 10 realisations and 2 x 2 x 1 points per block: about 13-14 CPU-seconds per realisation,
# `make demo` about 75 s longer on two idle cores (3 min on a shared machine). Use 50-100
# realisations for decisions; discretisation = [1, 1, 1] is about four times faster.
[uncertainty]
realisations = 10
domains = ["HG", "LG"]
columns = ["TREO_pct", "Nd2O3_pct", "Pr6O11_pct"]
discretisation = [2, 2, 1]
ns_variogram = "fitted"
cutoffs_pct = [0.5, 1.0, 2.0, 3.0, 4.0]
pit = true
npv = true
[uncertainty.classification_support]  # quarter panels = 1/4 of the annual plant feed
tolerance_pct = 15.0
confidence_pct = 90.0
"""


def _project_toml(seed: int) -> str:
    grades = "\n".join(
        f'{a.column} = {{ reported_as = "{a.reported_as}", unit = "{a.unit}", '
        f"detection_limit = {a.detection_limit:g} }}"
        for a in ANALYTES
    )
    domains = ""
    for code, liths, dens, est in DOMAINS:
        lith_txt = ", ".join(f'"{x}"' for x in liths)
        domains += (
            f'[[domains]]\ncode = "{code}"\nlithologies = [{lith_txt}]\n'
            f"density_t_m3 = {dens:.2f}\nestimate = {'true' if est else 'false'}\n\n"
        )
    return _TOML.format(seed=seed, grades=grades, domains=domains)


def _md_table(df: pd.DataFrame, fmts: dict[str, str]) -> str:
    head = "| " + " | ".join(df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    lines = [head, sep]
    for row in df.itertuples(index=False):
        cells = []
        for c, x in zip(df.columns, row, strict=True):
            fmt = fmts.get(c)
            cells.append(format(x, fmt) if fmt and isinstance(x, (int, float)) else str(x))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _readme(demo: SyntheticDemo) -> str:
    stats = demo_statistics(demo)
    c = stats.counts
    dom_tbl = stats.domains.rename(columns=lambda s: s.replace("_share_pct", " % of TREO"))
    truth = demo.truth.drop(columns=["points"])
    fail = demo.lab.failures
    m = demo.model
    n_prim = c["primary"]
    spacing = " × ".join(f"{x:g}" for x in demo.truth_spacing)
    file_rows = [
        (
            "SYNTHETIC_collars.csv",
            c["holes"],
            "HOLEID, EAST, NORTH, RL [m, local grid], DEPTH (end of hole) [m], planned "
            "AZIMUTH/DIP [°], HOLE_TYPE, PHASE (1 = 50 m grid, 2 = 25 m infill)",
        ),
        (
            "SYNTHETIC_surveys.csv",
            c["survey_rows"],
            "HOLEID, DEPTH [m], AZIMUTH [° from grid north], DIP [°, negative down]; collar "
            "and every ~30 m",
        ),
        (
            "SYNTHETIC_lithology.csv",
            c["lithology_rows"],
            "HOLEID, FROM, TO [m], LITH (COVER, TUFF, ANDESITE, BRECCIA, VEIN_LG, VEIN_HG)",
        ),
        (
            "SYNTHETIC_assays.csv",
            c["assay_rows"],
            "samples and QA/QC inserts: SAMPLEID, SAMPLE_TYPE (PRIMARY, CRM, BLANK, FDUP), "
            "STANDARD_ID, PARENT_SAMPLEID, BATCH; REE, Th, U [ppm element], CaF2, BaSO4, "
            "Fe2O3 [%]",
        ),
        (
            "SYNTHETIC_standards.csv",
            len(demo.lab.standards),
            "certified value (EXPECTED) and SD per CRM and assay column",
        ),
        (
            "SYNTHETIC_topography.csv",
            m.grids["topography"].values.size,
            f"the ground surface: {DEM_SPACING:.0f} m grid of EAST, NORTH, RL [m] (bilinear "
            "between nodes)",
        ),
        (
            "SYNTHETIC_truth.csv",
            len(demo.truth),
            f"the true in-situ vein below the cover (point support, {spacing} m lattice)",
        ),
    ]
    files_md = "\n".join(f"| `{f}` | {n:.0f} | {txt} |" for f, n, txt in file_rows)
    relief = float(np.ptp(m.grids["topography"].values))
    strike, dip, dipdir = m.strike_deg, m.dip_deg, m.dip_direction_deg
    dom_md = _md_table(
        dom_tbl,
        {c_: ".3f" for c_ in dom_tbl.columns if c_ not in ("domain", "samples")}
        | {"metres": ".1f", "samples": "d"},
    )
    truth_md = _md_table(
        truth,
        {"volume_m3": ",.0f", "tonnes": ",.0f", "density_t_m3": ".3f"}
        | {c_: ".3f" for c_ in truth.columns if c_.endswith("_pct")},
    )
    return f"""\
# SYNTHETIC demo deposit — NOT REAL DATA

Every file in this folder is **SYNTHETIC**: an invented fault-controlled
fluorite–barite–bastnäsite body "of the Beylikova kind" (Eskişehir, Türkiye), made by
`mine2magnet.synthetic` to exercise the pipeline. It says nothing about the real deposit,
whose drillhole data and REE distribution are not public. Regenerate byte-identically with

```sh
python -m mine2magnet.synthetic examples/demo --seed {demo.seed}
```

## Files

| file | rows | content |
| --- | --- | --- |
{files_md}
| `project.toml` | | the project file mapping these columns (`mine2magnet.config.load_project`) |

## The deposit

- Fault striking {strike:03.0f}°, dipping {dip:.0f}° towards {dipdir:03.0f}°;
  the mineralised zone (60–120 m true thickness) lies in its hanging wall over ~1.1 km of
  strike and ~430 m down dip and thins out at its edges. Hanging wall: TUFF; footwall:
  ANDESITE; fault BRECCIA (1.5–8 m) along the footwall contact; COVER (weathered, 2–25 m)
  everywhere below a topography of ~{relief:.0f} m relief.
- Grades: ln TREO = trend (a high-grade shoot plunging gently along strike, richest in the
  middle of the zone) + smooth Gaussian-covariance field + short-range exponential field +
  nugget. VEIN_HG is logged where the smooth part exceeds 2 % TREO.
- Anisotropy of the grade fields (practical ranges): 260 / 160 / 40 m (smooth part) and
  90 / 60 / 12 m (short-range part) along strike (horizontal, towards {strike:03.0f}°) /
  down dip (towards {dipdir:03.0f}°, plunging {dip:.0f}°) / normal to the body.
- REE pattern: light-REE bastnäsite between Mountain Pass and Bayan Obo (Castor & Hedrick
  2006, as tabulated in USGS SIR 2010-5220): Ce > La > Nd > Pr, a few per cent random
  variation per sample; ThO2 ≈ TREO / 9; fluorite and barite rising with TREO.

## The drilling and sampling

{c["holes"]:.0f} holes ({c["holes_vertical"]:.0f} vertical, the rest inclined −60° to −75°
towards ~330°; {c["holes_phase2"]:.0f} infill holes at 25 m over the high-grade core),
{c["metres_drilled"]:,.0f} m drilled, {c["metres_sampled"]:,.0f} m sampled. Samples are broken at
lithology contacts: 1 m in VEIN_HG and BRECCIA, 1 or 2 m in VEIN_LG, 2 m in host rock within
20 m of the vein; elsewhere the host and the cover are sampled in some holes only (gaps).
Holes that miss the body are sampled over their last 45 m (the projected structure).
Assay rows: {n_prim:.0f} primary, {c["CRM"]:.0f} CRM (1 in {n_prim / c["CRM"]:.1f} primaries),
{c["BLANK"]:.0f} blanks (1 in {n_prim / c["BLANK"]:.1f}), {c["FDUP"]:.0f} field duplicates
(1 in {n_prim / c["FDUP"]:.1f}). Below-detection values are written `<DL` (e.g. `<0.5`); six U
and four Fe2O3 values are empty (not analysed) and three samples are `NS` (insufficient
sample) in every grade column.

Length-weighted means of the primary assays by domain (project.toml: HG = VEIN_HG;
LG = VEIN_LG + BRECCIA; HOST = TUFF + ANDESITE; VEIN = HG + LG):

{dom_md}

True in-situ vein (for checking estimates; drill samples over-represent the high-grade
core, which is drilled more densely):

{truth_md}

## Deliberate QA/QC failures

The QA/QC code must find exactly these (sample ids in `SYNTHETIC_assays.csv`):

{_md_table(fail, {})}

Everything else is clean by construction: all other CRM results lie within ±2.5 SD of the
certified value, no two consecutive results of one standard and analyte lie beyond 2 SD on
the same side, and no run of more than 6 consecutive results lies on one side; every other
blank is at most 3× the detection limit; every other field-duplicate pair agrees within
HARD = 100·|a − b|/(a + b) < 10 % wherever both values exceed 20× the detection limit.
Near the detection limit (Tm and Lu, DL 0.5 ppm) a pair like `<0.5` / `0.5` differs by one
reporting step; a duplicate check should leave such pairs out (or use a DL-aware limit).
"""


def write_demo(demo: SyntheticDemo, out_dir: str | Path) -> tuple[Path, ...]:
    """Write the demo project into ``out_dir`` (created if needed).

    Parameters
    ----------
    demo : SyntheticDemo
        From :func:`mine2magnet.synthetic.build_demo`.
    out_dir : str or pathlib.Path
        Target folder; existing files of the same names are overwritten.

    Returns
    -------
    tuple of pathlib.Path
        The files written, in :data:`FILES` order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    d = demo.drilling
    col = d.collars
    _write_csv(
        out / FILES[0],
        {
            "HOLEID": col["hole_id"].tolist(),
            "EAST": _f(col["easting"], ".2f"),
            "NORTH": _f(col["northing"], ".2f"),
            "RL": _f(col["elevation"], ".2f"),
            "DEPTH": _f(col["eoh_m"], ".1f"),
            "AZIMUTH": _f(col["azimuth_deg"], ".1f"),
            "DIP": _f(col["dip_deg"], ".1f"),
            "HOLE_TYPE": ["DD"] * len(col),
            "PHASE": [str(int(p)) for p in col["phase"]],
        },
    )
    sv = d.surveys
    _write_csv(
        out / FILES[1],
        {
            "HOLEID": sv["hole_id"].tolist(),
            "DEPTH": _f(sv["depth_m"], ".1f"),
            "AZIMUTH": _f(sv["azimuth_deg"], ".1f"),
            "DIP": _f(sv["dip_deg"], ".1f"),
        },
    )
    li = d.lithology
    _write_csv(
        out / FILES[2],
        {
            "HOLEID": li["hole_id"].tolist(),
            "FROM": _f(li["from_m"], ".2f"),
            "TO": _f(li["to_m"], ".2f"),
            "LITH": [LITHOLOGIES[k] for k in li["lith"]],
        },
    )
    _write_csv(out / FILES[3], {c: demo.lab.assays[c].tolist() for c in demo.lab.assays})
    _write_csv(out / FILES[4], {c: demo.lab.standards[c].tolist() for c in demo.lab.standards})
    topo = demo.model.grids["topography"]
    ge, gn = np.meshgrid(topo.x, topo.y)
    _write_csv(
        out / FILES[5],
        {
            "EAST": _f(ge.ravel(), ".2f"),
            "NORTH": _f(gn.ravel(), ".2f"),
            "RL": _f(topo.values.ravel(), ".2f"),
        },
    )
    tr = demo.truth
    fmts = {"points": "d", "volume_m3": ".0f", "density_t_m3": ".4f", "tonnes": ".0f"}
    _write_csv(
        out / FILES[6],
        {
            c: (
                tr[c].tolist()
                if c == "lithology"
                else [format(x, fmts.get(c, ".4f")) for x in tr[c]]
            )
            for c in tr.columns
        },
    )
    (out / FILES[7]).write_bytes(_project_toml(demo.seed).encode("utf-8"))
    (out / FILES[8]).write_bytes(_readme(demo).encode("utf-8"))
    return tuple(out / f for f in FILES)
