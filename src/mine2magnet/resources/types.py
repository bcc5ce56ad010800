"""Result types of the resources stage and the tables it hands to the store and report.

:meth:`ResourceModel.tables` names the tables; the pipeline stores each as
``resources__<name>``. The report is built from exactly these names and columns:

``blocks`` — one row per *estimated* block row of ``estimation__blocks`` (key ``i``, ``j``,
``k``, ``domain``)
    ``easting``, ``northing``, ``elevation`` [m], ``tonnes`` [t], ``TREO_pct``,
    ``NdPr_pct`` (Nd2O3 + Pr6O11) [%]; criteria ``spacing_m`` (distance to the n-th
    nearest distinct hole) [m], ``n_holes_search``, ``n_samples_search`` (in the
    classification search) [-], ``slope``, ``ke`` [-], ``pass`` [-],
    ``qaqc_flagged_share`` (flagged share of the n nearest holes) [-]; classes
    ``class_criteria`` (criteria only), ``class_unsmoothed`` (after the QA/QC downgrade),
    ``resource_class`` (after smoothing) — each ``Measured``, ``Indicated``, ``Inferred``
    or ``Unclassified``; RPEEE ``depth_m`` (below topography) [m], ``strip_ratio``
    (cumulative column strip ratio down to the block's level; NaN with no resource
    above) [t/t], ``nsr_usd_t``
    [US$/t], ``in_constraint``, ``above_cutoff``, ``rpeee`` (both), ``in_resource``
    (``rpeee`` and classified) [bool].
``statement`` and ``statement_unrounded``
    ``cutoff`` [basis unit], ``cutoff_basis`` (``TREO_pct`` or ``NSR_usd_t``),
    ``reporting`` [bool], ``class`` (``Measured``, ``Indicated``, ``Measured + Indicated``,
    ``Inferred``, ``Total``), ``tonnes`` [t], ``TREO_pct``, ``NdPr_pct``,
    ``NdPr_TREO_pct`` (NdPr share of TREO), every estimated oxide and by-product grade
    ``<species>_pct`` [%], ``nsr_usd_t`` [US$/t], contained ``TREO_t``, ``NdPr_t`` and
    ``<species>_t`` [t]. ``statement`` is rounded to significant figures, row by row
    from the unrounded figures (see ``statement_meta``).
``statement_meta``
    ``key``, ``value`` (text), ``unit``: cut-off and basis, effective date, density
    basis, constraint, prices, recoveries, costs, rounding rule, QA/QC-flagged holes …
``grade_tonnage``
    ``class`` (the statement classes plus ``Unclassified``), ``cutoff``,
    ``cutoff_basis``, then the statement columns; inside the RPEEE constraint.
``classification_counts``
    ``class`` (four classes and ``Total``), ``blocks_criteria``, ``tonnes_criteria``,
    ``blocks_unsmoothed``, ``tonnes_unsmoothed``, ``blocks``, ``tonnes`` (after
    smoothing) [-], [t].
``class_transitions``
    ``from_class`` (unsmoothed), ``to_class`` (smoothed), ``blocks``, ``tonnes``.
``criteria``
    ``class`` (``Measured`` … or ``All``), ``criterion``, ``operator``, ``threshold``,
    ``unit``, ``description`` — for the report and JORC Table 1.
``flagged_holes``
    ``hole_id``, ``reason`` (the QA/QC rules broken, or ``listed``), ``samples``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

__all__ = [
    "CLASS_NAMES",
    "INDICATED",
    "INFERRED",
    "MEASURED",
    "UNCLASSIFIED",
    "Classification",
    "ResourceModel",
    "class_name",
]

#: Integer codes of the classes (lower = more confident).
MEASURED, INDICATED, INFERRED, UNCLASSIFIED = 1, 2, 3, 4
#: Display names by code (index 0 unused).
CLASS_NAMES: tuple[str, ...] = ("", "Measured", "Indicated", "Inferred", "Unclassified")


def class_name(code: int) -> str:
    """Display name of a class code (1 Measured … 4 Unclassified).

    Examples
    --------
    >>> class_name(2)
    'Indicated'
    """
    return CLASS_NAMES[int(code)]


@dataclass(frozen=True)
class Classification:
    """Classes of the estimated blocks and the evidence behind them.

    Attributes
    ----------
    blocks : pandas.DataFrame
        One row per estimated block row, in input order: ``i``, ``j``, ``k``,
        ``domain``, ``tonnes`` [t], criteria (``spacing_m`` [m], ``n_holes_search``,
        ``n_samples_search``, ``slope``, ``ke``, ``pass``, ``qaqc_flagged_share`` [-]) and
        the integer codes ``code_criteria``, ``code_unsmoothed``, ``code`` (1 Measured,
        2 Indicated, 3 Inferred, 4 Unclassified).
    counts : pandas.DataFrame
        Blocks and tonnes per class before and after the QA/QC downgrade and smoothing.
    transitions : pandas.DataFrame
        Blocks and tonnes moved by smoothing, ``from_class`` → ``to_class``.
    criteria : pandas.DataFrame
        The thresholds applied, one row per class and criterion.
    flagged_holes : pandas.DataFrame
        Holes whose data downgrade the blocks relying on them.
    """

    blocks: pd.DataFrame = field(repr=False)
    counts: pd.DataFrame
    transitions: pd.DataFrame
    criteria: pd.DataFrame
    flagged_holes: pd.DataFrame


@dataclass(frozen=True)
class ResourceModel:
    """The classified Mineral Resource, its statement and the evidence behind it.

    Each attribute is one table of :meth:`tables`; the module docstring lists the
    columns.
    """

    blocks: pd.DataFrame = field(repr=False)
    statement: pd.DataFrame
    statement_unrounded: pd.DataFrame
    statement_meta: pd.DataFrame
    grade_tonnage: pd.DataFrame = field(repr=False)
    classification_counts: pd.DataFrame
    class_transitions: pd.DataFrame
    criteria: pd.DataFrame
    flagged_holes: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, for the store (``resources__<name>``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def reporting_statement(self, *, rounded: bool = True) -> pd.DataFrame:
        """The statement rows at the reporting cut-off only."""
        t = self.statement if rounded else self.statement_unrounded
        return t[t["reporting"]].reset_index(drop=True)
