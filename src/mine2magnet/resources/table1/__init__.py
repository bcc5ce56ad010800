"""JORC Code (2012) Table 1: every criterion, filled from the store where the software knows.

Table 1 of the JORC Code is the checklist a Public Report on Exploration Results, Mineral
Resources or Ore Reserves must address "if not, why not". This module holds the complete
list of criteria of Sections 1 to 4 (:data:`CRITERIA`, each with a one-line paraphrase of
what the Code asks) and writes a commentary for each:

- from the project store where the data answer it (hole count and metres, survey counts,
  sample lengths, QA/QC insertion rates and failures, validation rejections, drill
  spacing, compositing, variograms, search, validation statistics, classification, ...);
- from the project file where a parameter answers it (densities, compositing rule,
  search passes, ...);
- otherwise exactly ``"To be completed by the Competent Person"`` (:data:`FALLBACK`).

Section 4 (Ore Reserves) rows are ``"not applicable yet"`` until the mining stage hands
over Ore Reserve facts (:class:`OreReserveFacts`).

Two steps, both pure: :func:`table1_facts` reduces store tables and the project dump to a
frozen :class:`Table1Facts`; :func:`build_table1` turns the facts into a DataFrame. All
text is plain text (names from input files are kept verbatim); the report escapes it.

Narrative a Competent Person wants in the table (tenure, site visits, geology, ...) goes
in the project file under ``[resources.table1.section_<n>]``, keyed by criterion name.
"""

from __future__ import annotations

from mine2magnet.resources.table1.criteria import (
    CRITERIA,
    FALLBACK,
    FROM_DATA,
    FROM_PARAMETERS,
    NOT_APPLICABLE,
    NOT_APPLICABLE_TEXT,
    SECTION_TITLES,
    STATUSES,
    TO_COMPLETE,
    Criterion,
)
from mine2magnet.resources.table1.facts import (
    CollarFacts,
    CompositeFacts,
    DomainFacts,
    DuplicateFacts,
    EstimationFacts,
    GeologyFacts,
    LoggingFacts,
    OreReserveFacts,
    OrientationFacts,
    QaqcFacts,
    ResourceFacts,
    SampleFacts,
    SpacingFacts,
    SurveyFacts,
    Table1Facts,
    ValidationFacts,
    table1_facts,
)
from mine2magnet.resources.table1.writer import build_table1

__all__ = [
    "CRITERIA",
    "FALLBACK",
    "FROM_DATA",
    "FROM_PARAMETERS",
    "NOT_APPLICABLE",
    "NOT_APPLICABLE_TEXT",
    "SECTION_TITLES",
    "STATUSES",
    "TO_COMPLETE",
    "CollarFacts",
    "CompositeFacts",
    "Criterion",
    "DomainFacts",
    "DuplicateFacts",
    "EstimationFacts",
    "GeologyFacts",
    "LoggingFacts",
    "OreReserveFacts",
    "OrientationFacts",
    "QaqcFacts",
    "ResourceFacts",
    "SampleFacts",
    "SpacingFacts",
    "SurveyFacts",
    "Table1Facts",
    "ValidationFacts",
    "build_table1",
    "table1_facts",
]
