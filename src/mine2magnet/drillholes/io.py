"""Reading drillhole tables: CSV or Excel in, a table of strings with line numbers out.

Every value is read as text (``str``), nothing is turned into a missing value here: the
meaning of ``""``, ``"-99"`` or ``"<0.01"`` is decided by :mod:`validate`, which records
what it did. Each table gets an integer ``row`` column holding the line of the source file
(header = line 1, first data row = 2; for Excel the sheet row number), so every rejection
can point at the exact line a user has to fix.

File-level problems (missing, empty, binary, wrong encoding, broken CSV structure,
duplicate or missing columns) raise :class:`~mine2magnet.errors.DataError` with a one-line
message: file, what is wrong, how to fix it. Row-level problems never raise.

CSV files are parsed with the multi-threaded pyarrow reader, for plain ASCII/UTF-8 files
straight from a read-only memory map of the file (no copy); files whose lines do not map
one-to-one onto records (blank lines, line breaks inside quoted values, ragged rows) are
re-read with Python's :mod:`csv` module, which tracks line numbers exactly.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import mmap
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from numba import njit

from mine2magnet.config import Project
from mine2magnet.errors import ConfigError, DataError

__all__ = [
    "ROW_COLUMN",
    "STANDARD_KEYS",
    "mapped_columns",
    "read_source",
    "read_table",
    "require_columns",
]

#: Name of the column holding the source line number of each row.
ROW_COLUMN = "row"

#: Keys of ``data.standards.columns`` (each defaults to a column of the same name).
STANDARD_KEYS = ("standard_id", "column", "expected", "sd")

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_32_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
#: Magic numbers of binary formats people save drillhole tables in by mistake.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (OLE) file"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"PAR1", "a Parquet file"),
)
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_BIG = 1 << 22  # bytes: CSV text large enough to scan and parse side by side


def _memory_pool() -> pa.MemoryPool:
    """Memory pool for parsed CSV text and the large Arrow arrays made from it: jemalloc
    where available, unless the user chose one (``ARROW_DEFAULT_MEMORY_POOL``). The
    parsed text is the largest allocation of the drillhole stage; in a fresh process on
    the (virtualised) benchmark host the first parse of 1M assay rows took 0.2 s with
    jemalloc's normal pages, 0.26-0.7 s with mimalloc (Arrow's default), whose huge
    pages are slow to fault in there."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool()
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.default_memory_pool()


def _fail(path: Path, what: str, fix: str) -> DataError:
    return DataError(f"{path}: {what}; {fix}")


def _enc_fix(key: str | None, encoding: str, then: str = "or save the file as UTF-8") -> str:
    where = f"under [{key}] " if key else "for this file "
    return f"set encoding = '{encoding}' {where}in project.toml {then}".rstrip()


def _guess_encoding(sample: bytes) -> str | None:
    best = charset_normalizer.from_bytes(sample).best()
    return None if best is None else str(best.encoding)


def _is_utf8(encoding: str | None) -> bool:
    return encoding is None or encoding.lower().replace("_", "-") in (
        "utf-8",
        "utf8",
        "utf-8-sig",
    )


def _decode_check(path: Path, data: bytes, encoding: str | None, key: str | None) -> bytes:
    """Check the bytes are text in ``encoding``; return them as UTF-8 without a BOM."""
    head = data[:65536]
    for magic, what in _MAGIC:
        if data.startswith(magic):
            fix = (
                "give it an .xlsx name and set `sheet` if needed"
                if magic == b"PK\x03\x04"
                else "export the table as CSV (UTF-8)"
            )
            raise _fail(path, f"binary file, looks like {what}, not a CSV text table", fix)
    if _is_utf8(encoding):
        for bom, name in _UTF16_32_BOMS:
            if data.startswith(bom):
                raise _fail(
                    path,
                    f"text is {name.upper()}-encoded (byte-order mark found), not UTF-8",
                    _enc_fix(key, name),
                )
        if b"\x00" in head:
            guess = _guess_encoding(head)
            if guess and guess.startswith(("utf_16", "utf_32")):
                raise _fail(
                    path,
                    f"text looks {guess.replace('_', '-').upper()}-encoded, not UTF-8",
                    _enc_fix(key, guess.replace("_", "-")),
                )
            raise _fail(
                path,
                "binary file (contains NUL bytes), not a CSV text table",
                "export the table as CSV text (UTF-8)",
            )
        body = data[3:] if data.startswith(_UTF8_BOM) else data
        try:
            if not body.isascii():  # ASCII is UTF-8; the check is 10x faster than decoding
                body.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = exc.start
            line = body.count(b"\n", 0, start) + 1
            guess = _guess_encoding(body[max(0, start - 20000) : start + 20000])
            if guess and guess.replace("_", "").lower().startswith(("utf8", "ascii")):
                guess = None  # the sample is mostly ASCII; no useful suggestion
            likely = f"; it is probably {guess}" if guess else ""
            fix_enc = guess or "latin-1"
            raise _fail(
                path,
                f"not valid UTF-8 text (byte 0x{body[start]:02x} on line {line}){likely}",
                _enc_fix(key, fix_enc),
            ) from None
        return body
    # a declared, non-UTF-8 encoding: decode with it and hand UTF-8 on
    if b"\x00" in head and not encoding.lower().replace("_", "").startswith(
        ("utf16", "utf-16", "utf32", "utf-32")
    ):
        raise _fail(
            path,
            "binary file (contains NUL bytes), not a CSV text table",
            "export the table as CSV text or check the declared encoding",
        )
    try:
        text = data.decode(encoding)
    except LookupError:
        raise _fail(
            path,
            f"unknown encoding {encoding!r}",
            _enc_fix(key, "latin-1", "(any Python codec name, e.g. 'cp1252')"),
        ) from None
    except UnicodeDecodeError as exc:
        guess = _guess_encoding(data[max(0, exc.start - 20000) : exc.start + 20000])
        likely = f"; it is probably {guess}" if guess else ""
        raise _fail(
            path,
            f"not valid {encoding} text (byte offset {exc.start}){likely}",
            _enc_fix(key, guess or "utf-8", "(the declared one does not fit)"),
        ) from None
    return text.removeprefix("\ufeff").encode("utf-8")


def _header_names(path: Path, header: str, delimiter: str) -> list[str]:
    fields = next(csv.reader([header], delimiter=delimiter), [])
    names = [f.strip().removeprefix("\ufeff").strip() for f in fields]
    return _clean_names(path, names)


def _clean_names(path: Path, names: list[str]) -> list[str]:
    names = [n if n else f"unnamed_{i + 1}" for i, n in enumerate(names)]
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        seen.setdefault(n, []).append(i + 1)
    dups = {n: pos for n, pos in seen.items() if len(pos) > 1}
    if dups:
        listed = ", ".join(f"{n!r} (columns {', '.join(map(str, p))})" for n, p in dups.items())
        raise _fail(path, f"duplicate column names in the header: {listed}", "rename them")
    if ROW_COLUMN in names:
        raise _fail(
            path,
            f"a column is named {ROW_COLUMN!r}, which mine2magnet reserves for line numbers",
            "rename that column in the file",
        )
    return names


def _blank(data: bytes, start: int = 0) -> bool:
    """``not data[start:].strip()`` without copying the bytes when they are not blank."""
    return not data[start : start + 4096].strip() and not data[start:].strip()


@njit(cache=True, nogil=True)
def _scan_lines(buf):  # pragma: no cover - compiled
    """Number of ``\\n``, whether a line is empty (``\\n\\n`` or ``\\n\\r\\n``) and
    whether every byte is ASCII."""
    n = 0
    blank = False
    prev = -3
    bits = 0
    for i in range(buf.shape[0]):
        c = buf[i]
        bits |= c
        if c == 10:
            if i - prev == 1 or (i - prev == 2 and buf[i - 1] == 13):
                blank = True
            prev = i
            n += 1
    return n, blank, bits < 128


def _line_breaks(data) -> tuple[int, bool, bool]:
    """:func:`_scan_lines` of a bytes-like object (one pass, no copy)."""
    n, blank, ascii_only = _scan_lines(np.frombuffer(data, dtype=np.uint8))
    return int(n), bool(blank), bool(ascii_only)


def _read_csv_fast(
    data, names: list[str], delimiter: str, cut_line_ends: int = 0, ascii_only: bool = False
) -> pd.DataFrame | None:
    """pyarrow parse of bytes-like ``data``; None when records do not map one-to-one onto
    lines (or, with ``ascii_only``, when a byte is not ASCII). Columns are read as
    ``large_string``, the type pandas keeps text in, so ``to_pandas`` does not copy them.
    ``cut_line_ends``: line ends cut off the end of ``data`` (counted as lines).

    A large buffer is scanned for line breaks in a thread while Arrow parses it (both
    release the GIL); the parse is then used only if the scan allows it, so the outcome
    is that of scanning first.
    """
    table = error = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        # data ends with exactly one newline (see _read_csv)
        scan = pool.submit(_line_breaks, data) if len(data) > _BIG else None
        if scan is None:
            n_lines, blank, ascii_text = _line_breaks(data)
            if blank or (ascii_only and not ascii_text):
                return None
        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                parse_options=pacsv.ParseOptions(delimiter=delimiter),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.large_string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
                memory_pool=_memory_pool(),
            )
        except Exception as exc:  # judged below, after the scan, as if parsed second
            error = exc
        if scan is not None:
            n_lines, blank, ascii_text = scan.result()
    if blank or (ascii_only and not ascii_text):
        return None
    if isinstance(error, pa.ArrowInvalid | pa.ArrowTypeError):
        return None
    if error is not None:
        raise error
    if table.num_rows != n_lines + cut_line_ends - 1:
        return None
    frame = table.to_pandas()
    frame[ROW_COLUMN] = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return frame


def _read_csv_exact(path: Path, data: bytes, names: list[str], delimiter: str) -> pd.DataFrame:
    """Python csv parse that tracks the first line of each record and skips blank lines."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter)
    next(reader)  # header, already parsed
    records: list[list[str]] = []
    rows: list[int] = []
    prev_line = 1
    n = len(names)
    try:
        for rec in reader:
            start = prev_line + 1
            prev_line = reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue  # blank line: not a record
            if len(rec) != n:
                raise _fail(
                    path,
                    f"line {start} has {len(rec)} fields but the header has {n}",
                    "quote values containing the delimiter, or fix the delimiter setting",
                )
            records.append(rec)
            rows.append(start)
    except csv.Error as exc:
        raise _fail(
            path, f"CSV syntax error near line {reader.line_num}: {exc}", "fix the quoting there"
        ) from None
    if not records:
        raise _fail(path, "header only, no data rows", "add data rows or remove the source")
    frame = pd.DataFrame(records, columns=names, dtype="str")
    frame[ROW_COLUMN] = np.asarray(rows, dtype=np.int64)
    return frame


def _read_csv(
    path: Path, encoding: str | None, delimiter: str | None, key: str | None, data: bytes
):
    if not data:
        raise _fail(path, "empty file (0 bytes)", "export the table again")
    data = _decode_check(path, data, encoding, key)
    if _blank(data):
        raise _fail(path, "empty file (only blank lines)", "export the table again")
    delim = delimiter or ","
    if len(delim) != 1:
        raise _fail(path, f"delimiter {delim!r} is not one character", "fix `delimiter`")
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")  # classic Mac line ends: same line numbers
    if not data.endswith(b"\n") or data.endswith((b"\r\n", b"\n\n")):
        data = data.rstrip(b"\r\n") + b"\n"  # else already so: no 60 MB copy
    end = data.index(b"\n")
    header = data[:end].decode("utf-8").rstrip("\r")
    if not header.strip():
        raise _fail(path, "line 1 is empty", "put the column names on line 1")
    names = _header_names(path, header, delim)
    if end + 1 >= len(data) or _blank(data, end + 1):
        raise _fail(path, "header only, no data rows", "add data rows or remove the source")
    frame = _read_csv_fast(data, names, delim)
    if frame is None:
        frame = _read_csv_exact(path, data, names, delim)
    return frame


def _map_file(path: Path) -> mmap.mmap | None:
    """The file mapped read-only (no copy, no fresh memory); None when it cannot be."""
    try:
        with open(path, "rb") as f:
            if not os.fstat(f.fileno()).st_size:
                return None
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _read_csv_mapped(
    path: Path, encoding: str | None, delimiter: str | None, mapped: mmap.mmap
) -> pd.DataFrame | None:
    """:func:`_read_csv` on a mapped file, for the common case only, without copying it.

    The case: UTF-8 (declared or by default) ASCII text, no binary signature, a header
    and data, the last line ending in one ``\\n`` or ``\\r\\n``, and lines that map onto
    records (:func:`_read_csv_fast`). Each test is the one :func:`_read_csv` makes on the
    same bytes, so the table is the same (a final ``\\r\\n``, which it rewrites to
    ``\\n``, is left out of the parse instead); anything else returns None and the
    caller reads the file the general way, which also raises the errors.
    """
    size = len(mapped)
    head = mapped[:65536]
    if not _is_utf8(encoding) or any(head.startswith(m) for m, _ in _MAGIC):
        return None
    if any(head.startswith(b) for b, _ in _UTF16_32_BOMS) or b"\x00" in head:
        return None
    start = 3 if head.startswith(_UTF8_BOM) else 0
    delim = delimiter or ","
    if len(delim) != 1 or size - start < 3 or not mapped[start : start + 4096].strip():
        return None
    tail = mapped[-3:]
    if tail[1:] == b"\r\n" and tail[:1] not in (b"\r", b"\n"):
        stop = size - 2  # parsed without the final line end (same records)
    elif tail[2:] == b"\n" and tail[1:2] not in (b"\r", b"\n"):
        stop = size
    else:
        return None  # _read_csv rewrites these line ends
    end = mapped.find(b"\n", start)
    line = mapped[start:end]
    if not line.isascii():
        return None
    header = line.decode("ascii").rstrip("\r")
    if not header.strip() or not mapped[end + 1 : end + 1 + 4096].strip():
        return None
    try:
        names = _header_names(path, header, delim)
    except (DataError, csv.Error):
        return None  # raised again, after the checks that come first, by _read_csv
    # the rest must be ASCII too (else the UTF-8 check needs the bytes): checked in the
    # same pass that counts the lines
    return _read_csv_fast(memoryview(mapped)[start:stop], names, delim, int(stop < size), True)


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.stat().st_size:
        raise _fail(path, "empty file (0 bytes)", "export the workbook again")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise _fail(
            path, f"not a readable .xlsx workbook ({exc})", "save it again as .xlsx or export CSV"
        ) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise _fail(
                path,
                f"no sheet named {sheet!r} (sheets: {', '.join(wb.sheetnames)})",
                "fix `sheet` in project.toml",
            )
        header: list[str] | None = None
        records: list[list[str]] = []
        rows: list[int] = []
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            records.append(cells)
            rows.append(i)
    finally:
        wb.close()
    if header is None:
        raise _fail(path, f"sheet {ws.title!r} is empty", "put the table on that sheet")
    # trailing header cells that are empty in every row are formatting, not columns
    while header and not header[-1]:
        last = len(header) - 1
        if any(len(r) > last and r[last].strip() for r in records):
            break
        header.pop()
    names = _clean_names(path, header)
    n = len(names)
    records = [(r + [""] * n)[:n] for r in records]
    if not records:
        raise _fail(path, "header only, no data rows", "add data rows or remove the source")
    frame = pd.DataFrame(records, columns=names, dtype="str")
    frame[ROW_COLUMN] = np.asarray(rows, dtype=np.int64)
    return frame


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    key: str | None = None,
) -> pd.DataFrame:
    """Read a CSV or Excel table with every value as a string and a ``row`` column.

    Parameters
    ----------
    path : str or Path
        CSV (any suffix) or Excel workbook (``.xlsx``/``.xlsm``) [-].
    sheet : str, optional
        Sheet name for workbooks; default the first sheet [-].
    encoding : str, optional
        Text encoding of a CSV file; default UTF-8 with or without BOM [-].
    delimiter : str, optional
        One-character CSV delimiter; default ``","`` [-].
    key : str, optional
        Project-file key of this source (e.g. ``"data.assays"``), used in error messages.

    Returns
    -------
    pandas.DataFrame
        One ``str`` column per header name (BOM and surrounding whitespace stripped from
        the names, values untouched: ``""`` stays ``""``) and an ``int64`` column ``row``
        with the line number in the source file [-].

    Raises
    ------
    DataError
        For a missing, empty (0 bytes or header only), binary or wrongly encoded file, a
        broken CSV structure, or duplicate column names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("hole_id,easting\\nA,1.5\\n")
    >>> read_table(p).to_dict("records")
    [{'hole_id': 'A', 'easting': '1.5', 'row': 2}]
    """
    frame, _ = _read_table(path, sheet=sheet, encoding=encoding, delimiter=delimiter, key=key)
    return frame


def _read_table(
    path: str | Path,
    *,
    sheet: str | None,
    encoding: str | None,
    delimiter: str | None,
    key: str | None,
    digest: bool = False,
) -> tuple[pd.DataFrame, str | None]:
    """:func:`read_table`, plus the SHA-256 of the bytes of a CSV file when ``digest``.

    The hash is computed from the bytes already read, in a thread while the table is
    parsed (hashlib releases the GIL); None for workbooks or without ``digest``.
    """
    path = Path(path)
    if not path.exists():
        raise _fail(path, "file not found", "fix the path in project.toml (relative to it)")
    if path.is_dir():
        raise _fail(path, "is a directory, not a file", "point to the table file")
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        return _read_excel(path, sheet), None
    if path.suffix.lower() == ".xls":
        raise _fail(path, "old Excel .xls format is not supported", "save it as .xlsx or CSV")
    # the file is mapped, not read: no copy and no fresh memory to fault in; the common
    # case parses straight from the mapping (the mapping closes when unreferenced)
    mapped = _map_file(path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        sha = None
        if digest and mapped is not None:
            sha = pool.submit(lambda: hashlib.sha256(mapped).hexdigest())
        frame = None if mapped is None else _read_csv_mapped(path, encoding, delimiter, mapped)
        if frame is None:
            data = path.read_bytes()
            if digest and sha is None:
                sha = pool.submit(lambda: hashlib.sha256(data).hexdigest())
            frame = _read_csv(path, encoding, delimiter, key, data)
    return frame, None if sha is None else sha.result()


def require_columns(frame: pd.DataFrame, required: Mapping[str, str], *, file: str | Path) -> None:
    """Raise :class:`DataError` unless every mapped column is present.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table from :func:`read_table`.
    required : Mapping[str, str]
        Project-file key (e.g. ``"data.assays.columns.from_m"``) → column name looked for.
    file : str or Path
        File name for the message.
    """
    present = [c for c in frame.columns if c != ROW_COLUMN]
    for key, col in required.items():
        if col in present:
            continue
        hint = ""
        close = [c for c in present if c.lower() == col.lower()] or difflib.get_close_matches(
            col, present, n=1
        )
        if close:
            hint = f"; did you mean {close[0]!r}?"
        elif len(present) == 1 and any(d in present[0] for d in (";", "\t", "|")):
            hint = "; the header looks like one column: check `delimiter`"
        raise DataError(
            f"{file}: column {col!r} (project key '{key}') not found; columns present: "
            f"{', '.join(present)}{hint}; fix the mapping in project.toml or the header"
        )


def mapped_columns(project: Project, key: str) -> dict[str, str]:
    """Project-file key → file column for every column mapped by source ``data.<key>``.

    Parameters
    ----------
    project : Project
        The loaded project.
    key : str
        ``"collars"``, ``"surveys"``, ``"assays"``, ``"lithology"`` or ``"standards"``.
    """
    src = getattr(project.data, key)
    out: dict[str, str] = {}
    if src is None:
        return out
    cols = src.columns
    if isinstance(cols, dict):
        unknown = sorted(set(cols) - set(STANDARD_KEYS))
        if unknown:
            raise ConfigError(
                f"{project.source_file or 'project.toml'}: key 'data.{key}.columns."
                f"{unknown[0]}' is not one of {', '.join(STANDARD_KEYS)}; fix its spelling"
            )
        items = ({k: k for k in STANDARD_KEYS} | cols).items()
    else:
        items = cols.model_dump().items()
    for name, col in items:
        if col is not None:
            out[f"data.{key}.columns.{name}"] = str(col).strip()
    for name in getattr(src, "grades", {}):
        out[f"data.{key}.grades.{name}"] = name.strip()
    return out


def read_source(project: Project, key: str) -> pd.DataFrame:
    """Read ``data.<key>`` of a project and check its mapped columns exist.

    Parameters
    ----------
    project : Project
        The loaded project; paths are resolved with ``project.path``.
    key : str
        ``"collars"``, ``"surveys"``, ``"assays"``, ``"lithology"`` or ``"standards"``.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_table`.
    """
    frame, _ = _read_source(project, key)
    return frame


def _read_source(
    project: Project, key: str, *, digest: bool = False
) -> tuple[pd.DataFrame, str | None]:
    """:func:`read_source`, plus the SHA-256 of a CSV file's bytes when ``digest``."""
    src = getattr(project.data, key)
    if src is None:
        raise ValueError(f"data.{key} is not configured")
    path = project.path(src.file)
    frame, sha = _read_table(
        path,
        sheet=src.sheet,
        encoding=src.encoding,
        delimiter=src.delimiter,
        key=f"data.{key}",
        digest=digest,
    )
    require_columns(frame, mapped_columns(project, key), file=path)
    return frame, sha
