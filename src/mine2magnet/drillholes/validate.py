"""Domain validation of drillhole tables: strings in, typed tables and a rejection log out.

Each ``validate_*`` function takes a table of strings from :func:`~.io.read_table` and
returns the cleaned, typed table, the rejection rows (see
:mod:`mine2magnet.drillholes.types` for their columns) and a one-row counts table with
``rows_in = rows_used + rows_rejected`` (checked in code). All rules are vectorised; the
loops are compiled: number parsing (one pass over the Arrow text buffers) and the one-pass
overlap and gap scan. Hole ids are checked once per distinct id. The columns of an assay
file are parsed in threads; the results are combined in a fixed order, so the output does
not depend on the threads.

A row may break several rules; each broken rule is one rejection row, but the row counts
once in ``rows_rejected``. Value-level entries (``value_missing``, ``value_replaced``,
``value_normalised``) are only listed for rows that are used. The ``column`` of a
rejection is the column name *in the file*, the ``value`` the text found there.

Rules
-----
========================== ========== ================ =============================================
rule                       tables     action           meaning
========================== ========== ================ =============================================
``missing_hole_id``        all        row_rejected     empty hole id
``duplicate_hole_id``      collars    row_rejected     hole id seen on an earlier line: the first
                                                       line is kept, every later copy rejected
``missing_value``          all        row_rejected     required number empty or a missing string
                                                       (``data`` columns, not grades)
``non_numeric``            all        row_rejected     required number is not a number;
                                                       ``value_missing`` for grades and EOH
``eoh_not_positive``       collars    value_missing    EOH ≤ 0; EOH then derived
``depth_implausible``      all        row_rejected     a depth beyond 20,000 (no borehole is that
                                                       long: a sentinel such as 90000 or a typo);
                                                       ``value_missing`` for EOH
``eoh_derived``            collars    reported         EOH missing: deepest survey/interval depth
``eoh_unknown``            collars    reported         EOH missing and no data to derive it
``no_survey``              collars    reported         hole has no survey (surveys configured)
``no_assays``              collars    reported         hole has no assay interval
``no_collar``              surveys,   row_rejected     hole id not among the valid collars
                           intervals
``negative_depth``         surveys    row_rejected     survey depth < 0
``depth_beyond_eoh``       surveys    row_rejected     survey deeper than the collar's EOH
``azimuth_360``            surveys    value_normalised azimuth exactly 360 → 0
                                                       (``azimuth_360_is_north``)
``azimuth_out_of_range``   surveys    row_rejected     azimuth outside [0, 360)
``dip_out_of_range``       surveys    row_rejected     dip outside [−90, 90] (after sign change)
``duplicate_depth``        surveys    row_rejected     same hole and depth as an earlier line (first
                                                       kept)
``negative_from``          intervals  row_rejected     from < 0
``from_ge_to``             intervals  row_rejected     from ≥ to
``past_eoh``               intervals  row_rejected     to deeper than the collar's EOH (file)
``overlap``                intervals  row_rejected     interval starts before the end of the
                                                       previous kept interval of the hole (sorted by
                                                       from, then file line): the later one is
                                                       rejected, the earlier kept
``gap_unsampled``          assays     reported         unsampled gap before this interval (value
                                                       ``to-from`` of the gap); left unsampled,
                                                       never filled with zero
``gap_unlogged``           lithology  reported         unlogged gap before this interval
``not_analysed``           assays     reported         one summary row per grade column with missing
                                                       strings: their number (value), row empty
``below_detection``        assays     value_replaced   ``"<0.01"``: the configured substitution
                                                       (``value_missing`` when it is ``missing``)
``bdl_string``             assays     value_replaced   ``"BDL"``-type string: the column's detection
                                                       limit substituted
``bdl_no_limit``           assays     value_missing    ``"BDL"``-type string and no
                                                       ``detection_limit`` configured
``over_limit``             assays     value_missing    ``">10"``: above the upper limit, no value
``negative_grade``         assays     value_missing    grade < 0
``negative_below_detection`` assays   value_replaced   grade < 0 read as "-DL" (option)
``impossible_total``       assays     row_rejected     canonical grades sum above ``max_total_pct``
``unknown_sample_type``    assays     row_rejected     sample type in none of the [qaqc] lists
``unmapped_lithology``     lithology  reported         lithology in no [[domains]] entry (or empty
                                                       domain column): domain ``UNMAPPED``
``unknown_grade_column``   standards  row_rejected     ``column`` is not a configured grade column
``missing_standard_id``    standards  row_rejected     empty standard id
``sd_not_positive``        standards  row_rejected     standard deviation ≤ 0
``duplicate_standard``     standards  row_rejected     same standard and column as an earlier line
========================== ========== ================ =============================================

Numbers are parsed strictly (``12``, ``-1.5``, ``.5``, ``1e-3``; no thousands separators,
no decimal commas, no ``inf``/``nan``). The strings in ``validation.missing_strings`` and
the empty string mean "missing" in every numeric column. Depths are compared with a
tolerance of 1e-6 (overlaps, gaps, EOH).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mine2magnet.chemistry import REO, canonical_column, conversion_factor
from mine2magnet.config import (
    AssaySource,
    CollarSource,
    GradeColumn,
    IntervalColumns,
    LithologySource,
    QaqcParams,
    StandardsSource,
    SurveySource,
    ValidationParams,
)
from mine2magnet.drillholes.io import ROW_COLUMN, STANDARD_KEYS, _memory_pool
from mine2magnet.drillholes.types import RejectionLog
from mine2magnet.errors import ConfigError

__all__ = [
    "ASSAY_COLUMNS",
    "COLLAR_COLUMNS",
    "LITHOLOGY_COLUMNS",
    "MAX_DEPTH",
    "QAQC_COLUMNS",
    "RULES",
    "STANDARD_COLUMNS",
    "SURVEY_COLUMNS",
    "UNMAPPED",
    "GradePlan",
    "ParsedGrades",
    "ValidatedAssays",
    "ValidatedTable",
    "complete_collars",
    "grade_plan",
    "parse_grades",
    "parse_numbers",
    "validate_assays",
    "validate_collars",
    "validate_lithology",
    "validate_standards",
    "validate_surveys",
]

#: rule → (action, meaning); the table in the module docstring says the same at length.
RULES: dict[str, tuple[str, str]] = {
    "missing_hole_id": ("row_rejected", "empty hole id"),
    "duplicate_hole_id": ("row_rejected", "hole id already on an earlier line (first kept)"),
    "missing_value": ("row_rejected", "required number missing"),
    "non_numeric": ("row_rejected", "not a number (value_missing for grades and EOH)"),
    "eoh_not_positive": ("value_missing", "EOH <= 0; derived instead"),
    "depth_implausible": ("row_rejected", f"depth beyond {20000:,} (sentinel or typo)"),
    "eoh_derived": ("reported", "EOH missing; deepest survey/interval depth used"),
    "eoh_unknown": ("reported", "EOH missing and no survey or interval to derive it"),
    "no_survey": ("reported", "hole has no survey"),
    "no_assays": ("reported", "hole has no assay interval"),
    "no_collar": ("row_rejected", "hole id not among the valid collars"),
    "negative_depth": ("row_rejected", "survey depth < 0"),
    "depth_beyond_eoh": ("row_rejected", "survey deeper than the collar EOH"),
    "azimuth_360": ("value_normalised", "azimuth 360 read as 0"),
    "azimuth_out_of_range": ("row_rejected", "azimuth outside [0, 360)"),
    "dip_out_of_range": ("row_rejected", "dip outside [-90, 90]"),
    "duplicate_depth": ("row_rejected", "same hole and depth as an earlier line (first kept)"),
    "negative_from": ("row_rejected", "from < 0"),
    "from_ge_to": ("row_rejected", "from >= to"),
    "past_eoh": ("row_rejected", "interval ends below the collar EOH"),
    "overlap": ("row_rejected", "overlaps the previous kept interval; the later is rejected"),
    "gap_unsampled": ("reported", "unsampled gap before this interval (kept unsampled)"),
    "gap_unlogged": ("reported", "unlogged gap before this interval"),
    "not_analysed": ("reported", "number of missing strings in a grade column"),
    "below_detection": ("value_replaced", "'<DL' string: substitution applied"),
    "bdl_string": ("value_replaced", "'BDL' string: column detection limit substituted"),
    "bdl_no_limit": ("value_missing", "'BDL' string and no detection_limit configured"),
    "over_limit": ("value_missing", "'>UL' string: above the upper limit"),
    "negative_grade": ("value_missing", "grade < 0"),
    "negative_below_detection": (
        "value_replaced",
        "grade < 0 read as below detection with limit |grade| "
        "(validation.negative_is_below_detection)",
    ),
    "impossible_total": ("row_rejected", "grades sum above max_total_pct"),
    "unknown_sample_type": ("row_rejected", "sample type in none of the [qaqc] lists"),
    "unmapped_lithology": ("reported", "lithology maps to no domain: UNMAPPED"),
    "unknown_grade_column": ("row_rejected", "standard's column is not a grade column"),
    "missing_standard_id": ("row_rejected", "empty standard id"),
    "sd_not_positive": ("row_rejected", "standard deviation <= 0"),
    "duplicate_standard": ("row_rejected", "same standard and column as an earlier line"),
}

#: Depths beyond this are sentinels or typos [m or ft]: the longest boreholes ever drilled
#: are 12–15 km long.
MAX_DEPTH = 20_000.0
#: Domain given to lithology intervals whose lithology maps to no domain.
UNMAPPED = "UNMAPPED"
_TOL = 1e-6

COLLAR_COLUMNS = ("hole_id", "easting", "northing", "elevation", "eoh_m", "eoh_source", "row")
SURVEY_COLUMNS = ("hole_id", "depth_m", "azimuth_deg", "dip_deg", "row")
ASSAY_COLUMNS = ("hole_id", "from_m", "to_m", "sample_id", "row")
QAQC_COLUMNS = (
    "sample_id",
    "qc_type",
    "standard_id",
    "parent_sample_id",
    "hole_id",
    "from_m",
    "to_m",
    "row",
)
LITHOLOGY_COLUMNS = ("hole_id", "from_m", "to_m", "lithology", "domain", "row")
STANDARD_COLUMNS = ("standard_id", "column", "source_column", "expected", "sd", "row")

_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?"
_NUMBER_START = pa.array(list("0123456789+-."), pa.large_string())
_VALUE_ACTIONS = ("value_missing", "value_replaced", "value_normalised")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ValidatedTable:
    """A validated table.

    Attributes
    ----------
    table : pandas.DataFrame
        Typed rows that are used (columns: see the ``*_COLUMNS`` constants).
    rejections : pandas.DataFrame
        Rejection rows (``file``, ``row``, ``column``, ``rule``, ``value``, ``action``).
    counts : pandas.DataFrame
        One row: ``table``, ``file``, ``rows_in``, ``rows_used``, ``rows_rejected``.
    """

    table: pd.DataFrame
    rejections: pd.DataFrame
    counts: pd.DataFrame


@dataclass(frozen=True)
class ValidatedAssays:
    """Validated assay file: primary intervals, QA/QC inserts, rejections and counts.

    ``grade_columns`` are the canonical grade columns of both tables, ``TREO_pct`` last
    when any rare-earth column is configured.
    """

    table: pd.DataFrame
    qaqc: pd.DataFrame
    rejections: pd.DataFrame
    counts: pd.DataFrame
    grade_columns: tuple[str, ...]


@dataclass(frozen=True)
class ParsedGrades:
    """Result of :func:`parse_grades`.

    Attributes
    ----------
    values : numpy.ndarray
        Parsed values in the column's unit, NaN where missing [unit of the column].
    flags : pandas.DataFrame
        One row per value that was replaced or set missing: ``position`` (0-based index into
        the input), ``rule``, ``action``, ``value`` (the text found).
    not_analysed : numpy.ndarray
        Boolean mask of missing strings ("not analysed"; not a problem, not flagged).
    """

    values: np.ndarray
    flags: pd.DataFrame
    not_analysed: np.ndarray


@dataclass(frozen=True)
class GradePlan:
    """How one grade column of the file becomes a canonical column.

    ``factor`` turns a value in ``unit`` into canonical % [-]; ``detection_limit`` is in the
    file's unit.
    """

    source: str
    canonical: str
    factor: float
    detection_limit: float | None


# ----------------------------------------------------------------------------- helpers


class _Issues:
    """Collects problems of one table as position arrays (vectorised, one call per rule)."""

    def __init__(self, file: str, rows: np.ndarray) -> None:
        self.file = file
        self.rows = np.asarray(rows, dtype=np.int64)
        self.n = len(self.rows)
        self.rejected = np.zeros(self.n, dtype=bool)
        self._parts: list[tuple[np.ndarray, str | None, str, object, str]] = []
        self._summaries: list[tuple[str | None, str, str]] = []

    def add(self, where, column: str | None, rule: str, values=None, action=None) -> None:
        """``where``: boolean mask of length n or integer positions."""
        if rule not in RULES:
            raise KeyError(f"undocumented rule code {rule!r}")
        action = action or RULES[rule][0]
        where = np.asarray(where)
        pos = np.flatnonzero(where) if where.dtype == bool else where.astype(np.int64)
        if not len(pos):
            return
        if isinstance(values, pd.Series | np.ndarray) and len(values) == self.n:
            values = (
                values.iloc[pos].to_numpy(dtype=object)
                if isinstance(values, pd.Series)
                else values[pos]
            )
        self._parts.append((pos, column, rule, values, action))
        if action == "row_rejected":
            self.rejected[pos] = True

    def summary(self, column: str | None, rule: str, value: str) -> None:
        """A summary row (no line number), e.g. the number of missing strings."""
        if rule not in RULES:
            raise KeyError(f"undocumented rule code {rule!r}")
        self._summaries.append((column, rule, value))

    def frame(self) -> pd.DataFrame:
        log = RejectionLog()
        for pos, column, rule, values, action in self._parts:
            if action in _VALUE_ACTIONS:
                keep = ~self.rejected[pos]
                pos = pos[keep]
                if values is not None and not isinstance(values, str):
                    values = np.asarray(values, dtype=object)[keep]
            if not len(pos):
                continue
            if isinstance(values, str):
                values = [values] * len(pos)
            log.add(self.file, pd.Series(self.rows[pos]), column, rule, values, action)
        for column, rule, value in self._summaries:
            log.add(self.file, [None], column, rule, [value], RULES[rule][0])
        return log.frame()

    def counts(self, table: str, used: int) -> pd.DataFrame:
        rejected = int(self.rejected.sum())
        if used + rejected != self.n:
            raise AssertionError(
                f"{self.file}: {table}: rows_in {self.n} != used {used} + rejected {rejected}"
            )
        return pd.DataFrame(
            {
                "table": [table],
                "file": [self.file],
                "rows_in": [self.n],
                "rows_used": [used],
                "rows_rejected": [rejected],
            }
        )


def _missing_set(params: ValidationParams) -> pa.Array:
    return pa.array(sorted({s.strip().upper() for s in params.missing_strings} | {""}))


def parse_numbers(
    values: pd.Series, missing: pa.Array | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse strings to floats, strictly and vectorised.

    Parameters
    ----------
    values : pandas.Series
        Strings [-].
    missing : pyarrow.Array, optional
        Upper-case strings meaning "missing" (the empty string always does).

    Returns
    -------
    numbers : numpy.ndarray
        float64, NaN where missing or not a number [unit of the input].
    is_missing : numpy.ndarray
        bool, the value is empty or a missing string.
    is_bad : numpy.ndarray
        bool, the value is neither a number nor missing.
    """
    x, miss, bad, _ = _parse(values, missing)
    return x, miss, bad


# ASCII characters Arrow's utf8_trim_whitespace removes (tab..CR, FS..US, space)
_IS_SPACE = np.zeros(256, dtype=np.bool_)
_IS_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_POW10 = np.array([float(10**k) for k in range(23)])  # exact doubles
_MAX_EXACT = 2**53  # integers up to here are exact doubles
# kernel status per string
_S_NUMBER, _S_MISSING, _S_BAD, _S_ARROW = 0, 1, 2, 3


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _parse_kernel(
    offsets, data, miss_off, miss_bytes, is_space, pow10, x, status
):  # pragma: no cover
    """Trim, missing-string test and strict number parse of Arrow string buffers.

    Status per string: number (``x`` set), missing, bad, or Arrow (non-ASCII text, or a
    valid number outside the exact fast path: more than 18 significant digits, a
    decimal exponent beyond ±22 or a mantissa above 2**53 — Arrow converts those).
    The fast path multiplies or divides an exact integer by an exact power of ten: one
    correctly rounded operation, so the same double as Arrow's correctly rounded parser.
    A string that parses as a number is ASCII; any other is scanned for non-ASCII bytes.
    """
    n = offsets.shape[0] - 1
    n_miss = miss_off.shape[0] - 1
    max_miss = 0
    for m in range(n_miss):
        max_miss = max(max_miss, miss_off[m + 1] - miss_off[m])
    for i in range(n):
        a = offsets[i]
        b = offsets[i + 1]
        x[i] = np.nan
        status[i] = _S_BAD
        while a < b and is_space[data[a]]:
            a += 1
        while b > a and is_space[data[b - 1]]:
            b -= 1
        length = b - a
        if length <= max_miss:
            plain = True
            for p in range(a, b):
                if data[p] >= 128:
                    plain = False
            if not plain:
                status[i] = _S_ARROW
                continue
            missing = False
            for m in range(n_miss):
                m0 = miss_off[m]
                if miss_off[m + 1] - m0 != length:
                    continue
                same = True
                for q in range(length):
                    c = data[a + q]
                    if 97 <= c <= 122:
                        c -= 32
                    if c != miss_bytes[m0 + q]:
                        same = False
                        break
                if same:
                    missing = True
                    break
            if missing:
                status[i] = _S_MISSING
                continue
        # [+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?
        p = a
        neg = False
        if p < b and (data[p] == 43 or data[p] == 45):
            neg = data[p] == 45
            p += 1
        w = 0
        sig = 0
        n_int = 0
        while p < b and 48 <= data[p] <= 57:
            if sig or data[p] != 48:
                sig += 1
                if sig <= 18:
                    w = w * 10 + (data[p] - 48)
            n_int += 1
            p += 1
        n_frac = 0
        if p < b and data[p] == 46:
            p += 1
            while p < b and 48 <= data[p] <= 57:
                if sig or data[p] != 48:
                    sig += 1
                    if sig <= 18:
                        w = w * 10 + (data[p] - 48)
                n_frac += 1
                p += 1
        e = 0
        n_exp = 1
        if p < b and (data[p] == 101 or data[p] == 69):
            p += 1
            eneg = False
            if p < b and (data[p] == 43 or data[p] == 45):
                eneg = data[p] == 45
                p += 1
            n_exp = 0
            while p < b and 48 <= data[p] <= 57:
                if e < 100000:
                    e = e * 10 + (data[p] - 48)
                n_exp += 1
                p += 1
            if eneg:
                e = -e
        if p != b or n_exp == 0 or (n_int == 0 and n_frac == 0):
            for q in range(offsets[i], offsets[i + 1]):
                if data[q] >= 128:
                    status[i] = _S_ARROW
                    break
            continue
        e10 = e - n_frac
        if sig > 18 or w > _MAX_EXACT or e10 > 22 or e10 < -22:
            status[i] = _S_ARROW
            continue
        v = float(w) * pow10[e10] if e10 >= 0 else float(w) / pow10[-e10]
        x[i] = -v if neg else v
        status[i] = _S_NUMBER


@numba.njit(cache=True)
def _parse_outputs(n):  # pragma: no cover - compiled
    """Output arrays of :func:`_parse_kernel`, allocated by numba: plain ``malloc``
    memory, without the transparent-huge-page advice numpy gives arrays of 4 MiB and
    more, whose first touch costs up to ~2 ms/MiB on the (virtualised) benchmark host
    against ~0.4 ms/MiB for normal pages."""
    return np.empty(n), np.empty(n, dtype=np.int8)


def _text_array(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Text as Arrow ``large_string`` chunks (zero-copy for Arrow-backed pandas text)."""
    arr = values
    if not isinstance(arr, pa.Array | pa.ChunkedArray):
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr], type=pa.large_string())
    return arr


def _miss_buffers(missing: pa.Array | None) -> tuple[np.ndarray, np.ndarray]:
    items = [""] if missing is None else [v for v in missing.to_pylist() if v is not None]
    blobs = [v.encode("utf-8") for v in items]
    off = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=off[1:])
    return off, np.frombuffer(b"".join(blobs) + b"\0", dtype=np.uint8)


def _parse(
    values: pd.Series | pa.Array | pa.ChunkedArray, missing: pa.Array | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.ChunkedArray]:
    """:func:`parse_numbers` plus the text as Arrow (for :func:`_upper_text`).

    One compiled pass over the Arrow string buffers; the few strings it leaves to Arrow
    (non-ASCII text, numbers beyond the exact fast path) go through
    :func:`_parse_arrow`. Both treat each string on its own, so the result is the same
    as :func:`_parse_arrow` on the whole column.
    """
    arr = _text_array(values)
    n = len(arr)
    x, status = _parse_outputs(n)
    miss_off, miss_bytes = _miss_buffers(missing)
    start = 0
    for chunk in arr.chunks:
        size = len(chunk)
        if not size:
            continue
        if chunk.null_count:
            chunk = pc.fill_null(chunk, "")
        _, off_buf, data_buf = chunk.buffers()
        offsets = np.frombuffer(off_buf, dtype=np.int64)[chunk.offset : chunk.offset + size + 1]
        data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf else np.zeros(1, np.uint8)
        _parse_kernel(
            offsets,
            data,
            miss_off,
            miss_bytes,
            _IS_SPACE,
            _POW10,
            x[start : start + size],
            status[start : start + size],
        )
        start += size
    slow = np.flatnonzero(status == _S_ARROW)
    if slow.size:
        sx, smiss, _, _ = _parse_arrow(arr.take(pa.array(slow)), missing)
        x[slow] = sx
        status[slow] = np.where(smiss, _S_MISSING, _S_NUMBER)
    miss = status == _S_MISSING
    ok = np.isfinite(x)
    x[~ok] = np.nan
    return x, miss, ~miss & ~ok, arr


def _upper_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trimmed, upper-case text with nulls as empty strings (as :func:`_parse_arrow`)."""
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    return pc.utf8_upper(pc.utf8_trim_whitespace(arr))


def _parse_arrow(
    values: pd.Series | pa.Array | pa.ChunkedArray, missing: pa.Array | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """Reference parse with Arrow compute functions; also the trimmed upper-case text."""
    arr = _text_array(values)
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    trimmed = pc.utf8_trim_whitespace(arr)
    upper = pc.utf8_upper(trimmed)
    miss_set = missing if missing is not None else pa.array([""], pa.large_string())
    is_missing = pc.is_in(upper, value_set=miss_set)
    null = pa.scalar(None, pa.large_string())
    first = pc.utf8_slice_codeunits(trimmed, 0, 1)
    maybe = pc.and_(pc.invert(is_missing), pc.is_in(first, value_set=_NUMBER_START))
    try:
        # fast path: Arrow's parser accepts exactly the strict forms plus inf/nan (which
        # the finiteness test below turns away); other text starting like a number raises
        nums = pc.cast(pc.if_else(maybe, trimmed, null), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        is_num = pc.match_substring_regex(trimmed, _NUMBER)
        nums = pc.cast(pc.if_else(is_num, trimmed, null), pa.float64())
    x = np.array(nums.to_numpy(zero_copy_only=False), dtype=np.float64)
    miss = np.asarray(is_missing.to_numpy(zero_copy_only=False), dtype=bool)
    x[miss] = np.nan
    ok = np.isfinite(x)
    x[~ok] = np.nan
    return x, miss, ~miss & ~ok, upper


def _required_number(
    issues: _Issues,
    raw: pd.DataFrame,
    col: str,
    missing: pa.Array,
    active: np.ndarray,
    parsed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    x, miss, bad = parse_numbers(raw[col], missing) if parsed is None else parsed
    issues.add(active & miss, col, "missing_value", raw[col])
    issues.add(active & bad, col, "non_numeric", raw[col])
    return x


def _take(s: pd.Series, pos: np.ndarray | None) -> pd.Series:
    """Rows ``pos`` (None: all, in order) of a text column as a ``str`` Series with a
    fresh index (no copy to Python objects)."""
    if pos is None:
        return s.reset_index(drop=True).astype("str")
    return s.iloc[pos].reset_index(drop=True).astype("str")


def _pick(a: np.ndarray, pos: np.ndarray | None) -> np.ndarray:
    """``a[pos]``; ``a`` itself when ``pos`` is None (all rows in order)."""
    return a if pos is None else a[pos]


def _all_in_order(pos: np.ndarray, n: int) -> bool:
    """True when ``pos`` (distinct positions in 0..n-1) is 0, 1, …, n-1."""
    return pos.size == n and bool((pos[1:] > pos[:-1]).all())


def _hole_ids(raw: pd.DataFrame, col: str) -> pd.Series:
    return _stripped(raw[col])


def _stripped(column: pd.Series) -> pd.Series:
    """``column.astype("str").str.strip()`` with a fresh index; without the copy when no
    value starts or ends with whitespace (or a non-ASCII character, which might be)."""
    text = column.astype("str")
    if not _needs_strip(text):
        return text.reset_index(drop=True)
    return text.str.strip().reset_index(drop=True)


@numba.njit(cache=True, nogil=True)
def _edge_space(offsets, data, is_space):  # pragma: no cover - compiled
    """True when a string starts or ends with trimmable or non-ASCII bytes."""
    for i in range(offsets.shape[0] - 1):
        a = offsets[i]
        b = offsets[i + 1]
        if b > a and (
            is_space[data[a]] or data[a] >= 128 or is_space[data[b - 1]] or data[b - 1] >= 128
        ):
            return True
    return False


def _needs_strip(text: pd.Series) -> bool:
    try:
        arr = _text_array(text)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return True
    for chunk in arr.chunks:
        if not len(chunk):
            continue
        _, off_buf, data_buf = chunk.buffers()
        if data_buf is None or not data_buf.size:
            continue
        offsets = np.frombuffer(off_buf, dtype=np.int64)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        if _edge_space(offsets, np.frombuffer(data_buf, dtype=np.uint8), _IS_SPACE):
            return True
    return False


class _Holes:
    """The stripped hole ids of a table, encoded once (Arrow dictionary encoding).

    Collar look-ups run on the distinct ids (thousands) rather than on every row.
    """

    def __init__(self, text: pd.Series) -> None:
        self.text = text
        pool = _memory_pool()
        enc = pc.dictionary_encode(_text_array(text).combine_chunks(pool), memory_pool=pool)
        self.uniques = enc.dictionary
        self.codes = pc.fill_null(enc.indices, -1).to_numpy().astype(np.int64)

    def per_row(self, per_unique: np.ndarray, null_value: object) -> np.ndarray:
        """Spread one value per distinct id to the rows (``null_value`` for null ids)."""
        return np.append(per_unique, [null_value])[self.codes]

    def sort_codes(self) -> np.ndarray:
        """Codes ordered as the ids sort (as ``pd.factorize(sort=True)``; −1 for null)."""
        rank = np.empty(len(self.uniques) + 1, dtype=np.int64)
        order = pc.array_sort_indices(self.uniques).to_numpy()
        rank[order] = np.arange(len(self.uniques), dtype=np.int64)
        rank[-1] = -1
        return rank[self.codes]


def _holes(column: pd.Series) -> _Holes:
    return _Holes(_stripped(column))


def _collar_ids(ids: pd.Series) -> pa.Array | None:
    """Collar ids as Arrow text; None when they are not all text (the pandas path then)."""
    try:
        return _text_array(ids).combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _eoh_lookup(holes: _Holes, collars: pd.DataFrame, *, file_only: bool) -> np.ndarray:
    c = collars
    if file_only:
        c = c[c["eoh_source"] == "file"]
    index = pd.Index(c["hole_id"])
    eoh = c["eoh_m"].to_numpy(dtype=np.float64)
    ids = _collar_ids(c["hole_id"])
    if ids is None or not index.is_unique:  # get_indexer raises for repeated ids
        idx = index.get_indexer(holes.text)
        out = np.full(len(holes.text), np.nan)
        hit = idx >= 0
        out[hit] = eoh[idx[hit]]
        return out
    # per distinct id: the collar's EOH (NaN for none), then one gather to the rows
    at = np.asarray(pc.fill_null(pc.index_in(holes.uniques, value_set=ids), -1), np.int64)
    per_id = np.where(at >= 0, eoh[np.maximum(at, 0)] if len(eoh) else np.nan, np.nan)
    null_at = np.flatnonzero(np.asarray(ids.is_null()))
    return holes.per_row(per_id, eoh[null_at[0]] if null_at.size else np.nan)


def _hole_checks(
    issues: _Issues, holes: _Holes, col: str, collars: pd.DataFrame, active: np.ndarray
) -> None:
    hole = holes.text
    empty = holes.per_row(np.asarray(pc.equal(holes.uniques, "")), False)
    issues.add(active & empty, col, "missing_hole_id", hole)
    ids = _collar_ids(collars["hole_id"])
    if ids is None:
        known = hole.isin(pd.Index(collars["hole_id"])).to_numpy()
    else:  # what Series.isin does for Arrow text, on the distinct ids
        hit = np.asarray(pc.is_in(holes.uniques, value_set=ids))
        known = holes.per_row(hit, ids.null_count > 0)
    issues.add(active & ~empty & ~known, col, "no_collar", hole)


@numba.njit(cache=True, nogil=True)
def _greedy_overlaps(codes, frm, to, tol):  # pragma: no cover - compiled
    """Sorted by (hole, from): True where a row starts before the last kept row's end;
    and True where a kept row starts more than ``tol`` below the previous kept row of its
    hole (an unsampled/unlogged gap before it)."""
    n = len(codes)
    out = np.zeros(n, dtype=np.bool_)
    gap = np.zeros(n, dtype=np.bool_)
    last_code = -1
    last_to = 0.0
    for i in range(n):
        if codes[i] != last_code:
            last_code = codes[i]
            last_to = to[i]
        elif frm[i] < last_to - tol:
            out[i] = True
        else:
            gap[i] = frm[i] - last_to > tol
            last_to = to[i]
    return out, gap


@numba.njit(cache=True, nogil=True)
def _is_sorted(codes, frm, rows):  # pragma: no cover - compiled
    """True when (codes, frm, rows) never decreases: np.lexsort would return 0..n-1."""
    for i in range(1, codes.shape[0]):
        if codes[i] != codes[i - 1]:
            if codes[i] < codes[i - 1]:
                return False
        elif frm[i] > frm[i - 1]:
            continue
        elif frm[i] == frm[i - 1]:
            if rows[i] < rows[i - 1]:
                return False
        else:  # smaller, or NaN: let np.lexsort decide
            return False
    return True


def _intervals(
    issues: _Issues,
    raw: pd.DataFrame,
    cols: IntervalColumns,
    collars: pd.DataFrame,
    missing: pa.Array,
    active: np.ndarray,
    gap_rule: str,
    parsed: tuple | None = None,
) -> tuple[_Holes, np.ndarray, np.ndarray, np.ndarray]:
    """Row checks, overlaps and gaps; returns hole ids, from, to, kept positions (sorted).

    ``parsed``: (holes, from, to) already computed (:func:`_holes`,
    :func:`parse_numbers`), e.g. in parallel.
    """
    if parsed is None:
        parsed = (
            _holes(raw[cols.hole_id]),
            parse_numbers(raw[cols.from_m], missing),
            parse_numbers(raw[cols.to_m], missing),
        )
    holes, frm_parsed, to_parsed = parsed
    _hole_checks(issues, holes, cols.hole_id, collars, active)
    frm = _required_number(issues, raw, cols.from_m, missing, active, frm_parsed)
    to = _required_number(issues, raw, cols.to_m, missing, active, to_parsed)
    both = active & np.isfinite(frm) & np.isfinite(to)
    issues.add(both & (frm < 0), cols.from_m, "negative_from", raw[cols.from_m])
    issues.add(both & (frm >= to), cols.from_m, "from_ge_to", raw[cols.from_m])
    issues.add(both & (to > MAX_DEPTH), cols.to_m, "depth_implausible", raw[cols.to_m])
    eoh = _eoh_lookup(holes, collars, file_only=True)
    with np.errstate(invalid="ignore"):
        past = both & (to > eoh + _TOL)
    issues.add(past, cols.to_m, "past_eoh", raw[cols.to_m])

    idx = np.flatnonzero(active & ~issues.rejected)
    every = idx.size == issues.n  # no row left out: the arrays as they are
    codes = holes.sort_codes() if every else holes.sort_codes()[idx]
    ifrm = _pick(frm, None if every else idx)
    irows = _pick(issues.rows, None if every else idx)
    if _is_sorted(codes, ifrm, irows):  # files are usually sorted: no sort needed
        sidx, scodes, sfrm, sto = idx, codes, ifrm, _pick(to, None if every else idx)
    else:
        order = np.lexsort((irows, ifrm, codes))
        sidx, scodes, sfrm = idx[order], codes[order], ifrm[order]
        sto = to[sidx]
    over, gap = _greedy_overlaps(scodes, sfrm, sto, _TOL)
    any_over = bool(over.any())
    if any_over:
        issues.add(sidx[over], cols.from_m, "overlap", raw[cols.from_m])
    kept = sidx[~over] if any_over else sidx

    if len(kept) > 1:
        # gap between consecutive kept rows of a hole: ``from - previous to > tol``
        gap = (gap[~over] if any_over else gap)[1:]
        if gap.any():
            after = kept[1:][gap]
            before = kept[:-1][gap]
            text = (
                raw[cols.to_m].iloc[before].str.strip().to_numpy(dtype=object)
                + "-"
                + raw[cols.from_m].iloc[after].str.strip().to_numpy(dtype=object)
            )
            issues.add(after, cols.from_m, gap_rule, text)
    return holes, frm, to, kept


def _empty_log() -> pd.DataFrame:
    return RejectionLog().frame()


# ----------------------------------------------------------------------------- grades


def grade_plan(
    grades: Mapping[str, GradeColumn], *, where: str = "project.toml"
) -> tuple[GradePlan, ...]:
    """Canonical column and factor of every configured grade column.

    Parameters
    ----------
    grades : Mapping[str, GradeColumn]
        ``data.assays.grades`` of the project.
    where : str
        Project file name for error messages.

    Raises
    ------
    ConfigError
        When two file columns map to the same canonical column.
    """
    seen: dict[str, str] = {}
    out = []
    for name, g in grades.items():
        canon = canonical_column(g.reported_as)
        if canon in seen:
            raise ConfigError(
                f"{where}: keys 'data.assays.grades.{seen[canon]}' and "
                f"'data.assays.grades.{name}' both become {canon}; keep one of them"
            )
        seen[canon] = name
        out.append(
            GradePlan(
                source=name.strip(),
                canonical=canon,
                factor=conversion_factor(g.reported_as, g.unit),
                detection_limit=g.detection_limit,
            )
        )
    return tuple(out)


def _substitute(dl: np.ndarray, mode: str) -> np.ndarray:
    if mode == "half_dl":
        return 0.5 * dl
    if mode == "dl":
        return dl.astype(np.float64)
    if mode == "zero":
        return np.zeros_like(dl, dtype=np.float64)
    return np.full(len(dl), np.nan)


def parse_grades(
    values: pd.Series,
    *,
    detection_limit: float | None = None,
    params: ValidationParams | None = None,
) -> ParsedGrades:
    """Parse a grade column: numbers, missing strings, ``"<0.01"``, ``"BDL"``, ``">10"``.

    Parameters
    ----------
    values : pandas.Series
        Text of one grade column [-].
    detection_limit : float, optional
        Detection limit for bare ``"BDL"``-type strings [unit of the column].
    params : ValidationParams, optional
        Missing and BDL strings and the below-detection substitution; default settings.

    Returns
    -------
    ParsedGrades
        Values in the column's unit (not converted) and one flag per changed value.

    Examples
    --------
    >>> p = parse_grades(pd.Series(["1.5", "<0.2", "", "x", "-1"]))
    >>> p.values.round(2).tolist()
    [1.5, 0.1, nan, nan, nan]
    >>> p.flags["rule"].tolist()
    ['below_detection', 'non_numeric', 'negative_grade']
    """
    params = params or ValidationParams()
    s = values.reset_index(drop=True)
    x, miss, bad, text_all = _parse(s, _missing_set(params))
    parts: list[pd.DataFrame] = []

    def flag(pos: np.ndarray, rule: str, action: str) -> None:
        if len(pos):
            parts.append(
                pd.DataFrame(
                    {
                        "position": pos.astype(np.int64),
                        "rule": rule,
                        "action": action,
                        "value": s.iloc[pos].to_numpy(dtype=object),
                    }
                )
            )

    odd = np.flatnonzero(bad)
    if len(odd):
        text = _upper_text(text_all.take(pa.array(odd)))
        lt_match = pc.extract_regex(text, rf"^<\s*=?\s*(?P<v>{_NUM})$")
        ltv = np.array(
            pc.cast(pc.struct_field(lt_match, [0]), pa.float64()).to_numpy(zero_copy_only=False),
            dtype=np.float64,
        )
        is_lt = np.isfinite(ltv) & (ltv > 0)
        gt = pc.match_substring_regex(text, rf"^>\s*=?\s*{_NUM}$")
        bdl_set = pa.array(sorted({b.strip().upper() for b in params.bdl_strings}), text.type)
        bdl = np.asarray(pc.is_in(text, value_set=bdl_set).to_numpy(zero_copy_only=False))
        replaced_action = (
            "value_missing" if params.below_detection == "missing" else "value_replaced"
        )
        x[odd[is_lt]] = _substitute(ltv[is_lt], params.below_detection)
        flag(odd[is_lt], "below_detection", replaced_action)
        is_gt = np.asarray(gt.to_numpy(zero_copy_only=False), dtype=bool) & ~is_lt
        flag(odd[is_gt], "over_limit", "value_missing")
        is_bdl = bdl & ~is_lt & ~is_gt
        if detection_limit is not None:
            x[odd[is_bdl]] = _substitute(
                np.full(int(is_bdl.sum()), float(detection_limit)), params.below_detection
            )
            flag(odd[is_bdl], "bdl_string", replaced_action)
        else:
            flag(odd[is_bdl], "bdl_no_limit", "value_missing")
        other = ~is_lt & ~is_gt & ~is_bdl
        flag(odd[other], "non_numeric", "value_missing")
    neg = np.flatnonzero(~miss & ~bad & (x < 0))
    if params.negative_is_below_detection:
        # laboratory code "-DL": below detection with the limit |value|
        x[neg] = _substitute(-x[neg], params.below_detection)
        flag(
            neg,
            "negative_below_detection",
            "value_missing" if params.below_detection == "missing" else "value_replaced",
        )
    else:
        x[neg] = np.nan
        flag(neg, "negative_grade", "value_missing")
    if parts:
        flags = pd.concat(parts, ignore_index=True).sort_values("position", kind="stable")
        flags = flags.reset_index(drop=True)
    else:
        flags = pd.DataFrame(
            {
                "position": pd.Series(dtype=np.int64),
                "rule": pd.Series(dtype="str"),
                "action": pd.Series(dtype="str"),
                "value": pd.Series(dtype=object),
            }
        )
    return ParsedGrades(values=x, flags=flags, not_analysed=miss)


# ----------------------------------------------------------------------------- collars


def validate_collars(
    raw: pd.DataFrame,
    source: CollarSource,
    params: ValidationParams | None = None,
    *,
    file: str,
) -> ValidatedTable:
    """Validate the collar table.

    Hole ids are stripped of surrounding whitespace. A hole id seen on an earlier line is
    rejected (``duplicate_hole_id``): the first line is kept whatever the content of the
    later ones, so a bad first copy is rejected too and must be fixed in the file. A bad
    or missing EOH does not reject the collar: ``eoh_source`` is ``"missing"`` until
    :func:`complete_collars` derives it.

    Parameters
    ----------
    raw : pandas.DataFrame
        Strings from :func:`~mine2magnet.drillholes.io.read_table`.
    source : CollarSource
        ``data.collars`` (column mapping).
    params : ValidationParams, optional
        Missing strings.
    file : str
        File name used in rejection rows.

    Returns
    -------
    ValidatedTable
        ``table`` columns: ``hole_id``, ``easting``, ``northing``, ``elevation`` [m],
        ``eoh_m`` [m], ``eoh_source`` (``"file"``/``"missing"``), ``row``; sorted by
        ``hole_id``.
    """
    params = params or ValidationParams()
    cols = source.columns
    missing = _missing_set(params)
    issues = _Issues(file, raw[ROW_COLUMN].to_numpy())
    everything = np.ones(issues.n, dtype=bool)
    hole = _hole_ids(raw, cols.hole_id)
    empty = (hole == "").to_numpy()
    issues.add(empty, cols.hole_id, "missing_hole_id", hole)
    dup = ~empty & hole.duplicated(keep="first").to_numpy()
    issues.add(dup, cols.hole_id, "duplicate_hole_id", hole)
    xyz = {
        name: _required_number(issues, raw, getattr(cols, name), missing, everything)
        for name in ("easting", "northing", "elevation")
    }
    eoh = np.full(issues.n, np.nan)
    if cols.eoh_m is not None:
        eoh, _, bad = parse_numbers(raw[cols.eoh_m], missing)
        issues.add(bad, cols.eoh_m, "non_numeric", raw[cols.eoh_m], "value_missing")
        with np.errstate(invalid="ignore"):
            notpos = eoh <= 0
            deep = eoh > MAX_DEPTH
        issues.add(notpos, cols.eoh_m, "eoh_not_positive", raw[cols.eoh_m])
        issues.add(deep, cols.eoh_m, "depth_implausible", raw[cols.eoh_m], "value_missing")
        eoh = np.where(notpos | deep, np.nan, eoh)
    keep = np.flatnonzero(~issues.rejected)
    table = pd.DataFrame(
        {
            "hole_id": _take(hole, keep),
            "easting": xyz["easting"][keep],
            "northing": xyz["northing"][keep],
            "elevation": xyz["elevation"][keep],
            "eoh_m": eoh[keep],
            "eoh_source": np.where(np.isfinite(eoh[keep]), "file", "missing"),
            "row": issues.rows[keep],
        }
    )
    table["eoh_source"] = table["eoh_source"].astype("str")
    table = table.sort_values("hole_id", kind="stable").reset_index(drop=True)
    return ValidatedTable(table, issues.frame(), issues.counts("collars", len(table)))


@numba.njit(cache=True, nogil=True)
def _group_max(codes, values, out, seen):  # pragma: no cover - compiled
    """Running maximum per code as pandas' groupby max: NaN skipped, the first of equal
    values kept (``>``, starting from −inf); ``seen`` counts the non-NaN values."""
    for i in range(codes.shape[0]):
        c = codes[i]
        v = values[i]
        if c < 0 or v != v:
            continue
        seen[c] += 1
        if v > out[c]:
            out[c] = v


def _deepest(
    ids: pd.Series, parts: list[tuple[pd.DataFrame, str]]
) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """Per collar the deepest depth over ``parts`` (NaN without any) and per part the
    number of rows of each collar; None unless the collar ids are distinct non-null text
    (``groupby().max()`` and ``isin`` are used then)."""
    keys = _collar_ids(ids)
    if keys is None or keys.null_count or not pd.Index(ids).is_unique:
        return None
    n = len(keys)
    out = np.full(n, -np.inf)
    seen = np.zeros(n, dtype=np.int64)
    rows_per_part = []
    for table, col in parts:
        try:
            holes = _text_array(table["hole_id"])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        codes = pc.fill_null(pc.index_in(holes, value_set=keys), -1).to_numpy()
        codes = np.asarray(codes, dtype=np.int64)
        depth = table[col].to_numpy(dtype=np.float64, na_value=np.nan)
        _group_max(codes, depth, out, seen)
        rows_per_part.append(np.bincount(codes[codes >= 0], minlength=n))
    out[seen == 0] = np.nan
    return out, rows_per_part


def complete_collars(
    collars: ValidatedTable,
    *,
    source: CollarSource,
    file: str,
    assays: pd.DataFrame,
    surveys: pd.DataFrame | None = None,
    lithology: pd.DataFrame | None = None,
) -> ValidatedTable:
    """Derive missing EOH depths and report holes without surveys or assays.

    A missing EOH becomes the deepest of the hole's valid survey depths and interval
    ``to_m`` (``eoh_derived``, ``eoh_source = "derived"``); a hole with neither keeps NaN
    (``eoh_unknown``). Holes without a survey (when ``surveys`` is given) or without an
    assay interval are reported.

    Parameters
    ----------
    collars : ValidatedTable
        From :func:`validate_collars`.
    source : CollarSource
        ``data.collars`` (for the EOH column name).
    file : str
        Collar file name used in rejection rows.
    assays : pandas.DataFrame
        Validated assay intervals (``hole_id``, ``to_m`` [m]).
    surveys : pandas.DataFrame, optional
        Validated surveys (``hole_id``, ``depth_m`` [m]); None when not configured.
    lithology : pandas.DataFrame, optional
        Validated lithology intervals (``hole_id``, ``to_m`` [m]).

    Returns
    -------
    ValidatedTable
        The collars with every ``eoh_source`` ``"file"`` or ``"derived"``, the rejections
        extended by the reported rows, the same counts.
    """
    c = collars.table.copy()
    parts = [(assays, "to_m")]
    if surveys is not None:
        parts.append((surveys, "depth_m"))
    if lithology is not None:
        parts.append((lithology, "to_m"))
    found_per_part = _deepest(c["hole_id"], parts)
    if found_per_part is None:
        depth_parts = [t[["hole_id", d]].rename(columns={d: "d"}) for t, d in parts]
        deepest = pd.concat(depth_parts, ignore_index=True).groupby("hole_id")["d"].max()
        derived = c["hole_id"].map(deepest).to_numpy(dtype=np.float64)
    else:
        derived, per_part = found_per_part
    need = (c["eoh_source"] != "file").to_numpy()
    c["eoh_m"] = np.where(need, derived, c["eoh_m"].to_numpy())
    c["eoh_source"] = np.where(need, "derived", c["eoh_source"].to_numpy())
    c["eoh_source"] = c["eoh_source"].astype("str")
    issues = _Issues(file, c["row"].to_numpy())
    col = source.columns.eoh_m
    found = np.isfinite(derived)
    text = pd.Series(derived).round(6).astype("str")
    issues.add(need & found, col, "eoh_derived", text)
    issues.add(need & ~found, col, "eoh_unknown", c["hole_id"])
    if surveys is not None:
        if found_per_part is None:
            has = c["hole_id"].isin(pd.Index(surveys["hole_id"].unique())).to_numpy()
        else:
            has = per_part[1] > 0
        issues.add(~has, source.columns.hole_id, "no_survey", c["hole_id"])
    if found_per_part is None:
        has = c["hole_id"].isin(pd.Index(assays["hole_id"].unique())).to_numpy()
    else:
        has = per_part[0] > 0
    issues.add(~has, source.columns.hole_id, "no_assays", c["hole_id"])
    log = RejectionLog()
    log.extend(collars.rejections)
    log.extend(issues.frame())
    return ValidatedTable(c, log.frame(), collars.counts)


# ----------------------------------------------------------------------------- surveys


def validate_surveys(
    raw: pd.DataFrame,
    source: SurveySource,
    collars: pd.DataFrame,
    params: ValidationParams | None = None,
    *,
    file: str,
) -> ValidatedTable:
    """Validate the survey table.

    Dips are made negative-down when ``source.dip_positive_down``; an azimuth of exactly
    360 becomes 0 when ``params.azimuth_360_is_north`` (else rejected). Duplicate depths of
    a hole keep the first line.

    Parameters
    ----------
    raw : pandas.DataFrame
        Strings from :func:`~mine2magnet.drillholes.io.read_table`.
    source : SurveySource
        ``data.surveys``.
    collars : pandas.DataFrame
        Validated collars (``hole_id``, ``eoh_m`` [m], ``eoh_source``).
    params : ValidationParams, optional
        Missing strings, azimuth rule.
    file : str
        File name used in rejection rows.

    Returns
    -------
    ValidatedTable
        ``table`` columns ``hole_id``, ``depth_m`` [m], ``azimuth_deg`` [° clockwise from
        north, 0–360)], ``dip_deg`` [°, negative down], ``row``; sorted by hole, depth.
    """
    params = params or ValidationParams()
    cols = source.columns
    missing = _missing_set(params)
    issues = _Issues(file, raw[ROW_COLUMN].to_numpy())
    allrows = np.ones(issues.n, dtype=bool)
    holes = _holes(raw[cols.hole_id])
    hole = holes.text
    _hole_checks(issues, holes, cols.hole_id, collars, allrows)
    depth = _required_number(issues, raw, cols.depth_m, missing, allrows)
    az = _required_number(issues, raw, cols.azimuth_deg, missing, allrows)
    dip = _required_number(issues, raw, cols.dip_deg, missing, allrows)
    with np.errstate(invalid="ignore"):
        issues.add(depth < 0, cols.depth_m, "negative_depth", raw[cols.depth_m])
        issues.add(depth > MAX_DEPTH, cols.depth_m, "depth_implausible", raw[cols.depth_m])
        eoh = _eoh_lookup(holes, collars, file_only=True)
        issues.add(depth > eoh + _TOL, cols.depth_m, "depth_beyond_eoh", raw[cols.depth_m])
        is360 = az == 360.0
        if params.azimuth_360_is_north:
            issues.add(is360, cols.azimuth_deg, "azimuth_360", raw[cols.azimuth_deg])
            az = np.where(is360, 0.0, az)
            outside = (az < 0) | (az >= 360)
        else:
            outside = (az < 0) | (az >= 360)
        issues.add(outside, cols.azimuth_deg, "azimuth_out_of_range", raw[cols.azimuth_deg])
        if source.dip_positive_down:
            dip = -dip
        bad_dip = (dip < -90) | (dip > 90)
        issues.add(bad_dip, cols.dip_deg, "dip_out_of_range", raw[cols.dip_deg])
    good = np.flatnonzero(~issues.rejected)
    key = pd.DataFrame({"h": hole.iloc[good].to_numpy(), "d": depth[good]})
    dup = key.duplicated(keep="first").to_numpy()
    issues.add(good[dup], cols.depth_m, "duplicate_depth", raw[cols.depth_m])
    keep = np.flatnonzero(~issues.rejected)
    table = pd.DataFrame(
        {
            "hole_id": _take(hole, keep),
            "depth_m": depth[keep],
            "azimuth_deg": az[keep] + 0.0,
            "dip_deg": dip[keep] + 0.0,
            "row": issues.rows[keep],
        }
    )
    table = table.sort_values(["hole_id", "depth_m"], kind="stable").reset_index(drop=True)
    return ValidatedTable(table, issues.frame(), issues.counts("surveys", len(table)))


# ----------------------------------------------------------------------------- assays

_QC_TYPES = ("crm", "blank", "field_duplicate", "lab_duplicate")


#: sample-type codes of :func:`_sample_types`: 0 unknown, 1 primary, then the QC types
_SAMPLE_TYPES = ("", "primary", *_QC_TYPES)


def _sample_types(text: pd.Series | None, n: int, qaqc: QaqcParams) -> np.ndarray:
    """Per row the position in ``_SAMPLE_TYPES`` of its type (0: unknown).

    ``text`` is the sample-type column (None: every row is primary).
    """
    if text is None:
        return np.ones(n, dtype=np.int8)
    upper = _text_array(text.astype("str").str.strip().str.upper())
    out = np.zeros(n, dtype=np.int8)
    for code, name in enumerate(_SAMPLE_TYPES[1:], start=1):
        values = sorted({v.strip().upper() for v in getattr(qaqc, name)})
        if not values:
            continue
        hit = pc.is_in(upper, value_set=pa.array(values, pa.large_string())).to_numpy()
        out[hit & (out == 0)] = code
    return out


def _row_sum(columns: list[np.ndarray], *, skip_nan: bool) -> np.ndarray:
    """``np.nansum`` (``skip_nan``) or ``np.sum`` of ``np.column_stack(columns)`` by row.

    Below 8 columns numpy adds a row's values one after the other starting from +0.0
    (checked bit for bit, NaN, ±0 and ±inf included), so the columns are added in place
    without the (n, k) copy; from 8 columns on numpy sums pairwise and is called as is.
    """
    if len(columns) >= 8:
        stacked = np.column_stack(columns)
        return np.nansum(stacked, axis=1) if skip_nan else np.sum(stacked, axis=1)
    out = np.zeros(len(columns[0]))
    for c in columns:
        # skipping a NaN is adding 0.0: the sum starts at +0.0 and never becomes -0.0
        np.add(out, c, out=out, where=~np.isnan(c) if skip_nan else True)
    return out


def _workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _optional_text(
    raw: pd.DataFrame, col: str | None, pos: np.ndarray, whole: bool = False
) -> pd.Series:
    """Stripped text of rows ``pos`` (``whole``: ``pos`` is every row in order)."""
    if col is None:
        return pd.Series(index=pd.RangeIndex(len(pos)), dtype="str")
    return _take(_stripped(raw[col]), None if whole else pos)


def validate_assays(
    raw: pd.DataFrame,
    source: AssaySource,
    collars: pd.DataFrame,
    params: ValidationParams | None = None,
    qaqc: QaqcParams | None = None,
    *,
    file: str,
    where: str = "project.toml",
) -> ValidatedAssays:
    """Validate the assay table, convert grades to canonical % and split off QA/QC.

    Order: sample types (QA/QC rows leave for ``qaqc``; unknown types are rejected),
    grades (parsed, converted, ``impossible_total``), then interval rules on primary rows,
    overlaps (the later interval rejected) and gaps (reported, left unsampled).

    Parameters
    ----------
    raw : pandas.DataFrame
        Strings from :func:`~mine2magnet.drillholes.io.read_table`.
    source : AssaySource
        ``data.assays`` (columns and grade columns with their units).
    collars : pandas.DataFrame
        Validated collars (``hole_id``, ``eoh_m`` [m], ``eoh_source``).
    params : ValidationParams, optional
        Missing/BDL strings, substitution, ``max_total_pct`` [%].
    qaqc : QaqcParams, optional
        Sample-type lists.
    file : str
        File name used in rejection rows.
    where : str
        Project file name for configuration errors.

    Returns
    -------
    ValidatedAssays
        ``table``: ``hole_id``, ``from_m``, ``to_m`` [m], ``sample_id``, ``row``, canonical
        grades [%] (NaN = missing) and ``TREO_pct`` [%] when any REE column is configured,
        sorted by hole and from. ``qaqc``: see ``QAQC_COLUMNS`` plus the grades, in file
        order.
    """
    params = params or ValidationParams()
    qaqc = qaqc or QaqcParams()
    cols = source.columns
    plan = grade_plan(source.grades, where=where)
    missing = _missing_set(params)
    issues = _Issues(file, raw[ROW_COLUMN].to_numpy())

    # the column-wise work (parsing, encoding) runs in threads: the kernels release the
    # GIL; every result is used below in the original order, so the output is the same
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        sample_type = None if cols.sample_type is None else raw[cols.sample_type]
        type_job = pool.submit(_sample_types, sample_type, len(raw), qaqc)
        grade_jobs = [
            pool.submit(
                parse_grades, raw[g.source], detection_limit=g.detection_limit, params=params
            )
            for g in plan
        ]
        hole_job = pool.submit(_holes, raw[cols.hole_id])
        from_job = pool.submit(parse_numbers, raw[cols.from_m], missing)
        to_job = pool.submit(parse_numbers, raw[cols.to_m], missing)
        types = type_job.result()
        parsed_grades = [job.result() for job in grade_jobs]
        interval_parts = (hole_job.result(), from_job.result(), to_job.result())

    unknown = types == 0
    if cols.sample_type is not None:
        issues.add(unknown, cols.sample_type, "unknown_sample_type", raw[cols.sample_type])
    primary = types == 1
    is_qc = ~primary & ~unknown

    grades: dict[str, np.ndarray] = {}
    not_analysed: dict[str, np.ndarray] = {}
    for g, parsed in zip(plan, parsed_grades, strict=True):
        f = parsed.flags
        for (rule, action), part in f.groupby(["rule", "action"], sort=False):
            issues.add(part["position"].to_numpy(), g.source, rule, part["value"], action)
        values = parsed.values  # this call's own array: scaled in place (no copy)
        values *= g.factor
        grades[g.canonical] = values
        not_analysed[g.source] = parsed.not_analysed
    grade_cols = list(grades)
    if grade_cols:
        total = _row_sum([grades[c] for c in grade_cols], skip_nan=True)
        over = np.flatnonzero((total > params.max_total_pct) & ~unknown)
        text = pd.Series(total[over]).round(6).astype("str").to_numpy(dtype=object)
        issues.add(over, None, "impossible_total", text)
    reo = [c for c in (f"{s}_pct" for s in REO) if c in grades]
    if reo:
        grades["TREO_pct"] = _row_sum([grades[c] for c in reo], skip_nan=False)
    grade_columns = tuple(grades)

    holes, frm, to, kept = _intervals(
        issues, raw, cols, collars, missing, primary, "gap_unsampled", interval_parts
    )
    hole = holes.text

    # every row kept in file order (a clean, sorted file): the arrays are the columns
    rows_kept = None if _all_in_order(kept, issues.n) else kept
    data = {
        "hole_id": _take(hole, rows_kept),
        "from_m": _pick(frm, rows_kept),
        "to_m": _pick(to, rows_kept),
        "sample_id": _optional_text(raw, cols.sample_id, kept, rows_kept is None),
        "row": _pick(issues.rows, rows_kept),
    }
    for c in grade_columns:
        data[c] = _pick(grades[c], rows_kept)
    table = pd.DataFrame(data, copy=False)  # the arrays are this call's own

    qpos = np.flatnonzero(is_qc & ~issues.rejected)
    # parse_numbers treats each string on its own: the QC rows' numbers are already parsed
    qfrm, qto = frm[qpos], to[qpos]
    qc = pd.DataFrame(
        {
            "sample_id": _optional_text(raw, cols.sample_id, qpos),
            "qc_type": pd.Series(np.array(_SAMPLE_TYPES, dtype=object)[types[qpos]], dtype="str"),
            "standard_id": _optional_text(raw, cols.standard_id, qpos),
            "parent_sample_id": _optional_text(raw, cols.parent_sample_id, qpos),
            "hole_id": _take(hole, qpos),
            "from_m": qfrm,
            "to_m": qto,
            "row": issues.rows[qpos],
        }
    )
    for c in grade_columns:
        qc[c] = grades[c][qpos]

    used = np.zeros(issues.n, dtype=bool)
    used[kept] = True
    used[qpos] = True
    for name, mask in not_analysed.items():
        n_missing = int((mask & used).sum())
        if n_missing:
            issues.summary(name, "not_analysed", str(n_missing))
    counts = issues.counts("assays", len(table) + len(qc))
    return ValidatedAssays(table, qc, issues.frame(), counts, grade_columns)


# ----------------------------------------------------------------------------- lithology


def validate_lithology(
    raw: pd.DataFrame,
    source: LithologySource,
    collars: pd.DataFrame,
    domains: Mapping[str, str],
    params: ValidationParams | None = None,
    *,
    file: str,
) -> ValidatedTable:
    """Validate lithology intervals and give each a domain.

    The domain is the file's domain column when mapped, else looked up from ``domains``
    (lithology → domain code, case-sensitive, surrounding whitespace ignored). Intervals
    without a domain get ``UNMAPPED`` and are reported.

    Parameters
    ----------
    raw : pandas.DataFrame
        Strings from :func:`~mine2magnet.drillholes.io.read_table`.
    source : LithologySource
        ``data.lithology``.
    collars : pandas.DataFrame
        Validated collars (``hole_id``, ``eoh_m`` [m], ``eoh_source``).
    domains : Mapping[str, str]
        Lithology → domain code (``Project.domain_of_lithology()``).
    params : ValidationParams, optional
        Missing strings.
    file : str
        File name used in rejection rows.

    Returns
    -------
    ValidatedTable
        ``table`` columns ``hole_id``, ``from_m``, ``to_m`` [m], ``lithology``, ``domain``,
        ``row``; sorted by hole and from.
    """
    params = params or ValidationParams()
    cols = source.columns
    issues = _Issues(file, raw[ROW_COLUMN].to_numpy())
    allrows = np.ones(issues.n, dtype=bool)
    holes, frm, to, kept = _intervals(
        issues, raw, cols, collars, _missing_set(params), allrows, "gap_unlogged"
    )
    hole = holes.text
    lith = raw[cols.lithology].astype("str").str.strip()
    if cols.domain is not None:
        dom = raw[cols.domain].astype("str").str.strip()
        dom = dom.where(dom != "", None)
    else:
        lookup = {k.strip(): v for k, v in domains.items()}
        dom = lith.map(lookup)
    unmapped = dom.isna().to_numpy()
    issues.add(unmapped & ~issues.rejected, cols.lithology, "unmapped_lithology", lith)
    dom = dom.fillna(UNMAPPED)
    table = pd.DataFrame(
        {
            "hole_id": _take(hole, kept),
            "from_m": frm[kept],
            "to_m": to[kept],
            "lithology": _take(lith, kept),
            "domain": _take(dom, kept),
            "row": issues.rows[kept],
        }
    )
    return ValidatedTable(table, issues.frame(), issues.counts("lithology", len(table)))


# ----------------------------------------------------------------------------- standards


def validate_standards(
    raw: pd.DataFrame,
    source: StandardsSource,
    grades: Mapping[str, GradeColumn],
    params: ValidationParams | None = None,
    *,
    file: str,
    where: str = "project.toml",
) -> ValidatedTable:
    """Validate certified reference values and convert them to canonical %.

    Parameters
    ----------
    raw : pandas.DataFrame
        Strings from :func:`~mine2magnet.drillholes.io.read_table`.
    source : StandardsSource
        ``data.standards``; ``expected`` and ``sd`` are in the unit of the assay column
        named in ``column``.
    grades : Mapping[str, GradeColumn]
        ``data.assays.grades``.
    params : ValidationParams, optional
        Missing strings.
    file : str
        File name used in rejection rows.
    where : str
        Project file name for configuration errors.

    Returns
    -------
    ValidatedTable
        ``table`` columns ``standard_id``, ``column`` (canonical), ``source_column``,
        ``expected`` [%], ``sd`` [%] (NaN when not given), ``row``.
    """
    params = params or ValidationParams()
    m = {k: k for k in STANDARD_KEYS} | {k: v.strip() for k, v in source.columns.items()}
    missing = _missing_set(params)
    issues = _Issues(file, raw[ROW_COLUMN].to_numpy())
    allrows = np.ones(issues.n, dtype=bool)
    sid = raw[m["standard_id"]].astype("str").str.strip().reset_index(drop=True)
    issues.add((sid == "").to_numpy(), m["standard_id"], "missing_standard_id", sid)
    col = raw[m["column"]].astype("str").str.strip().reset_index(drop=True)
    plan = {g.source: g for g in grade_plan(grades, where=where)}
    known = col.isin(list(plan)).to_numpy()
    issues.add(~known, m["column"], "unknown_grade_column", col)
    expected = _required_number(issues, raw, m["expected"], missing, allrows)
    with np.errstate(invalid="ignore"):
        issues.add(
            expected < 0, m["expected"], "negative_grade", raw[m["expected"]], "row_rejected"
        )
    sd, _, sd_bad = parse_numbers(raw[m["sd"]], missing)
    issues.add(sd_bad, m["sd"], "non_numeric", raw[m["sd"]])
    with np.errstate(invalid="ignore"):
        issues.add(sd <= 0, m["sd"], "sd_not_positive", raw[m["sd"]])
    good = np.flatnonzero(~issues.rejected)
    key = pd.DataFrame({"s": sid.iloc[good].to_numpy(), "c": col.iloc[good].to_numpy()})
    issues.add(good[key.duplicated().to_numpy()], m["standard_id"], "duplicate_standard", sid)
    keep = np.flatnonzero(~issues.rejected)
    src_col = col.iloc[keep]
    factor = src_col.map({k: g.factor for k, g in plan.items()}).to_numpy(dtype=np.float64)
    table = pd.DataFrame(
        {
            "standard_id": sid.iloc[keep].to_numpy(),
            "column": src_col.map({k: g.canonical for k, g in plan.items()}).to_numpy(),
            "source_column": src_col.to_numpy(),
            "expected": expected[keep] * factor,
            "sd": sd[keep] * factor,
            "row": issues.rows[keep],
        }
    )
    for c in ("standard_id", "column", "source_column"):
        table[c] = table[c].astype("str")
    return ValidatedTable(table, issues.frame(), issues.counts("standards", len(table)))
