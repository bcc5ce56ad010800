"""JORC Code (2012) Table 1: the criteria of sections 1-4, statuses and fallback texts."""

from __future__ import annotations

from dataclasses import dataclass

FALLBACK = "To be completed by the Competent Person"
"""Commentary (and status, lower-cased) of a criterion the software cannot answer."""

NOT_APPLICABLE = "not applicable yet"
"""Status of Section 4 rows before an Ore Reserve exists."""

NOT_APPLICABLE_TEXT = (
    "Not applicable yet: no Ore Reserve has been estimated (the mining stage has not reported one)."
)

FROM_DATA = "from data"
FROM_PARAMETERS = "from parameters"
TO_COMPLETE = "to be completed by the Competent Person"

STATUSES = (FROM_DATA, FROM_PARAMETERS, TO_COMPLETE, NOT_APPLICABLE)
"""The values of the ``status`` column."""

SECTION_TITLES = {
    1: "Sampling Techniques and Data",
    2: "Reporting of Exploration Results",
    3: "Estimation and Reporting of Mineral Resources",
    4: "Estimation and Reporting of Ore Reserves",
}


@dataclass(frozen=True)
class Criterion:
    """One criterion of JORC Table 1: its section, name (as in the Code) and a paraphrase."""

    section: int
    name: str
    asks: str


def _c(section: int, name: str, asks: str) -> Criterion:
    return Criterion(section, name, asks)


# The criteria of the JORC Code 2012 Table 1, in the Code's order. Names are the Code's;
# the paraphrases of what each asks are ours.
CRITERIA: tuple[Criterion, ...] = (
    # Section 1: Sampling Techniques and Data
    _c(1, "Sampling techniques",
       "What was sampled and how (core, chips, channels, downhole tools), how "
       "representivity and tool calibration were ensured, and what is material to "
       "determining the mineralisation."),
    _c(1, "Drilling techniques",
       "The drilling method and its details: core diameter, tube type, bit type, depth of "
       "tails, whether and how core was oriented."),
    _c(1, "Drill sample recovery",
       "How core and chip recoveries were recorded and assessed, steps taken to maximise "
       "them, and whether recovery relates to grade (bias from lost fines or coarse)."),
    _c(1, "Logging",
       "Whether geological and geotechnical logging supports estimation, mining and "
       "metallurgical studies; qualitative or quantitative; photographs; share logged."),
    _c(1, "Sub-sampling techniques and sample preparation",
       "How samples were split and prepared (sawn core, riffle, wet or dry), QC at each "
       "sub-sampling stage, field duplicates, and sample size against grain size."),
    _c(1, "Quality of assay data and laboratory tests",
       "Nature and suitability of the assay method (partial or total), instrument "
       "settings, and QC used (standards, blanks, duplicates, check labs) with the "
       "accuracy and precision achieved."),
    _c(1, "Verification of sampling and assaying",
       "Independent or alternative checks of significant intersections, twinned holes, "
       "data entry, verification and storage protocols, and any adjustment of assays."),
    _c(1, "Location of data points",
       "Accuracy and quality of collar and downhole surveys, the grid system used, and "
       "the quality and adequacy of topographic control."),
    _c(1, "Data spacing and distribution",
       "Data spacing, whether it establishes the geological and grade continuity needed "
       "for the estimate and classification, and whether compositing was applied."),
    _c(1, "Orientation of data in relation to geological structure",
       "Whether the sampling orientation gives unbiased sampling of the mineralised "
       "structures, and any bias introduced by the drilling orientation."),
    _c(1, "Sample security",
       "Measures taken to keep the samples secure from collection to the laboratory."),
    _c(1, "Audits or reviews",
       "Results of any audits or reviews of the sampling techniques and data."),
    # Section 2: Reporting of Exploration Results
    _c(2, "Mineral tenement and land tenure status",
       "Tenements and ownership, agreements, royalties, native title, heritage and "
       "environmental settings, and the security of tenure and any impediment to "
       "operating."),
    _c(2, "Exploration done by other parties",
       "Acknowledgement and appraisal of exploration by other parties."),
    _c(2, "Geology",
       "Deposit type, geological setting and style of mineralisation."),
    _c(2, "Drill hole Information",
       "Material drill hole data (collar coordinates and elevation, dip, azimuth, hole "
       "length, intercept depth and length), or why any is left out."),
    _c(2, "Data aggregation methods",
       "Weighting, top cuts and cut-offs used to aggregate intercepts, how short "
       "high-grade lengths are combined, and the basis of any metal equivalents."),
    _c(2, "Relationship between mineralisation widths and intercept lengths",
       "How the geometry of the mineralisation relates to the hole angle, and whether "
       "intercepts are downhole lengths or true widths."),
    _c(2, "Diagrams",
       "Maps and sections with scales and tabulated intercepts for significant "
       "discoveries, including a plan view of collars."),
    _c(2, "Balanced reporting",
       "Where not all results are reported, representative reporting of low and high "
       "grades and widths so the report does not mislead."),
    _c(2, "Other substantive exploration data",
       "Other meaningful and material data: geology, geophysics, geochemistry, bulk "
       "samples, metallurgy, bulk density, groundwater, geotechnics, deleterious or "
       "contaminating substances."),
    _c(2, "Further work",
       "Nature and scale of planned further work, with diagrams of possible extensions "
       "where not commercially sensitive."),
    # Section 3: Estimation and Reporting of Mineral Resources
    _c(3, "Database integrity",
       "Measures against corruption of data between collection and estimation (e.g. "
       "transcription or keying errors), and the data validation procedures used."),
    _c(3, "Site visits",
       "Site visits by the Competent Person and their outcome, or why none were made."),
    _c(3, "Geological interpretation",
       "Confidence in the geological interpretation, the data and assumptions behind it, "
       "effect of alternatives, how geology controls the estimate, factors affecting "
       "continuity."),
    _c(3, "Dimensions",
       "Extent and variability of the Mineral Resource: length along strike, plan width, "
       "and depth below surface to its upper and lower limits."),
    _c(3, "Estimation and modelling techniques",
       "Estimation method and key assumptions (extreme values, domains, interpolation "
       "parameters, extrapolation), software, checks, by-products and deleterious "
       "elements, block size, SMU, correlations, and validation."),
    _c(3, "Moisture",
       "Whether tonnages are on a dry or natural-moisture basis, and how moisture was "
       "determined."),
    _c(3, "Cut-off parameters",
       "The basis of the cut-off grade(s) or quality parameters applied."),
    _c(3, "Mining factors or assumptions",
       "Assumed mining method, minimum dimensions and internal dilution, or the basis "
       "for eventual economic extraction where no assumptions were made."),
    _c(3, "Metallurgical factors or assumptions",
       "Assumptions or predictions on metallurgical amenability, or their basis where "
       "none were made."),
    _c(3, "Environmental factors or assumptions",
       "Assumptions on disposal of waste and process residues and on likely "
       "environmental impacts, or the status of their consideration."),
    _c(3, "Bulk density",
       "Whether density is assumed or measured, the method, frequency and "
       "representativeness of measurements, and the densities used per material."),
    _c(3, "Classification",
       "Basis of the resource categories, whether data reliability, continuity and data "
       "distribution were accounted for, and whether the result reflects the Competent "
       "Person's view."),
    _c(3, "Audits or reviews",
       "Results of any audits or reviews of the Mineral Resource estimate."),
    _c(3, "Discussion of relative accuracy/confidence",
       "A statement of the relative accuracy and confidence of the estimate, whether "
       "global or local, and comparison with production data where available."),
    # Section 4: Estimation and Reporting of Ore Reserves
    _c(4, "Mineral Resource estimate for conversion to Ore Reserves",
       "The Mineral Resource estimate the Ore Reserve is based on, and whether Resources "
       "are reported inclusive of or additional to the Reserves."),
    _c(4, "Site visits",
       "Site visits by the Competent Person and their outcome, or why none were made."),
    _c(4, "Study status",
       "Type and level of study behind the conversion (at least Pre-Feasibility) and "
       "whether it gives a technically achievable, economically viable mine plan."),
    _c(4, "Cut-off parameters",
       "The basis of the cut-off grade(s) or quality parameters applied."),
    _c(4, "Mining factors or assumptions",
       "How Resources were converted to Reserves: mining method, geotechnical "
       "parameters, grade control, dilution and mining recovery, minimum widths, use of "
       "Inferred material, infrastructure."),
    _c(4, "Metallurgical factors or assumptions",
       "Proposed process and its suitability, whether proven, the testwork behind the "
       "recoveries, deleterious elements, pilot or bulk tests, product specifications."),
    _c(4, "Environmental",
       "Status of environmental impact studies, characterisation and storage of waste "
       "rock and residues, and approvals."),
    _c(4, "Infrastructure",
       "Availability of land, power, water, transport, labour and accommodation, or how "
       "readily they can be provided."),
    _c(4, "Costs",
       "Basis of capital and operating costs, deleterious element allowances, exchange "
       "rates, transport, treatment and refining charges, penalties and royalties."),
    _c(4, "Revenue factors",
       "Derivation of head grade, commodity prices, exchange rates, transport and "
       "treatment charges, penalties and net smelter returns."),
    _c(4, "Market assessment",
       "Demand, supply and stocks, customer and competitor analysis, price and volume "
       "forecasts and their basis, and product specifications."),
    _c(4, "Economic",
       "Inputs to the economic analysis (inflation, discount rate, ...), NPV and its "
       "sensitivity to the significant assumptions."),
    _c(4, "Social",
       "Status of agreements with key stakeholders and of the social licence to operate."),
    _c(4, "Other",
       "Effect of material natural risks, legal and marketing agreements, and the status "
       "of government approvals on the project and the Reserve."),
    _c(4, "Classification",
       "Basis of the Reserve categories, whether they reflect the Competent Person's "
       "view, and the share of Probable derived from Measured Resources."),
    _c(4, "Audits or reviews",
       "Results of any audits or reviews of the Ore Reserve estimate."),
    _c(4, "Discussion of relative accuracy/confidence",
       "A statement of the relative accuracy and confidence of the Ore Reserve, global "
       "or local, and the modifying factors that could affect it materially."),
)  # fmt: skip
