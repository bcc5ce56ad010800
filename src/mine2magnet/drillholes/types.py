"""Typed results of the drillhole stage.

Column conventions (see ``docs/conventions.md``):

* collars: ``hole_id`` (str), ``easting``, ``northing``, ``elevation`` [m], ``eoh_m`` [m],
  ``eoh_source`` (``"file"`` or ``"derived"``).
* surveys: ``hole_id``, ``depth_m`` [m along hole], ``azimuth_deg`` [clockwise from north,
  0–360), ``dip_deg`` [negative down, −90 = vertical down].
* assays: ``hole_id``, ``from_m``, ``to_m``, ``sample_id``, ``row`` (line in the source
  file, header = line 1), canonical grade columns ``<species>_pct`` (missing = NaN), and
  ``TREO_pct`` when any REE is present.
* lithology: ``hole_id``, ``from_m``, ``to_m``, ``lithology``, ``domain``.
* qaqc: QA/QC inserts taken out of the assay file: ``sample_id``, ``qc_type`` (``crm``,
  ``blank``, ``field_duplicate``, ``lab_duplicate``), ``standard_id``,
  ``parent_sample_id``, ``hole_id``, ``from_m``, ``to_m``, ``row``, grade columns.
* rejections: ``file``, ``row``, ``column``, ``rule``, ``value``, ``action`` — one row per
  problem. ``action`` is ``row_rejected`` (the row is not used), ``value_missing`` (one
  value set missing, row kept), ``value_replaced`` (e.g. below detection → half the limit),
  ``value_normalised`` (e.g. azimuth 360 → 0) or ``reported`` (information: gaps, derived
  EOH).
* counts: per input table ``table``, ``file``, ``rows_in``, ``rows_used``,
  ``rows_rejected`` with rows_in = rows_used + rows_rejected (QA/QC rows count as used).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "REJECTION_ACTIONS",
    "REJECTION_COLUMNS",
    "Composites",
    "DrillholeDB",
    "RejectionLog",
    "empty_rejections",
]

REJECTION_COLUMNS = ("file", "row", "column", "rule", "value", "action")
REJECTION_ACTIONS = (
    "row_rejected",
    "value_missing",
    "value_replaced",
    "value_normalised",
    "reported",
)


def empty_rejections() -> pd.DataFrame:
    """An empty rejection table with the right columns and dtypes."""
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="string"),
            "row": pd.Series(dtype="Int64"),
            "column": pd.Series(dtype="string"),
            "rule": pd.Series(dtype="string"),
            "value": pd.Series(dtype="string"),
            "action": pd.Series(dtype="string"),
        }
    )


class RejectionLog:
    """Collects rejection rows in bulk (vectorised: one call per rule, many rows).

    Examples
    --------
    >>> log = RejectionLog()
    >>> log.add("assays.csv", [5, 9], "from_m", "from_ge_to", ["3.0", "7.5"], "row_rejected")
    >>> len(log.frame())
    2
    """

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(
        self,
        file: str,
        rows,
        column: str | None,
        rule: str,
        values=None,
        action: str = "row_rejected",
    ) -> None:
        """Record one rule broken by ``rows`` (iterable of source line numbers or None)."""
        if action not in REJECTION_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        rows = pd.array(list(rows) if not isinstance(rows, pd.Series) else rows, dtype="Int64")
        n = len(rows)
        if n == 0:
            return
        if values is None:
            vals = pd.array([None] * n, dtype="string")
        else:
            vals = pd.Series(values).astype("string").array
        self._parts.append(
            pd.DataFrame(
                {
                    "file": pd.array([file] * n, dtype="string"),
                    "row": rows,
                    "column": pd.array([column] * n, dtype="string"),
                    "rule": pd.array([rule] * n, dtype="string"),
                    "value": vals,
                    "action": pd.array([action] * n, dtype="string"),
                }
            )
        )

    def extend(self, frame: pd.DataFrame) -> None:
        """Append an existing rejection table."""
        if len(frame):
            self._parts.append(frame.loc[:, list(REJECTION_COLUMNS)])

    def frame(self) -> pd.DataFrame:
        """All recorded rows, sorted by file, row, column, rule."""
        if not self._parts:
            return empty_rejections()
        out = pd.concat(self._parts, ignore_index=True)
        return out.sort_values(["file", "row", "column", "rule"], kind="stable").reset_index(
            drop=True
        )


@dataclass(frozen=True)
class DrillholeDB:
    """A validated drillhole database (see module docstring for the columns)."""

    collars: pd.DataFrame
    surveys: pd.DataFrame
    assays: pd.DataFrame
    lithology: pd.DataFrame
    qaqc: pd.DataFrame
    standards: pd.DataFrame
    rejections: pd.DataFrame
    counts: pd.DataFrame
    grade_columns: tuple[str, ...]
    input_hashes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Composites:
    """Fixed-length composites with mid-point coordinates.

    ``table`` columns: ``hole_id``, ``from_m``, ``to_m``, ``length_m``,
    ``sampled_length_m``, ``easting``, ``northing``, ``elevation`` (mid-point) [m],
    ``domain``, and the grade columns; ``rejections`` lists dropped residual pieces.
    """

    table: pd.DataFrame
    grade_columns: tuple[str, ...]
    length_m: float
    residual_rule: str
    rejections: pd.DataFrame
