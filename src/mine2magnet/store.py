"""The project store: one DuckDB file per project.

Tables are named ``<stage>__<name>`` (e.g. ``drillholes__assays``). Every stage run is
recorded in ``runs`` with its timestamp, software version, input file hashes and parameter
hash; the pair (stage, cache key) decides whether a re-run can reuse stored results.

Writes are transactional: all tables of a stage and its ``runs`` row are committed
together, so a crash mid-run leaves the previous results intact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from mine2magnet import __version__

__all__ = ["RunRecord", "Store", "cache_key", "file_sha256"]

_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id BIGINT,
    stage VARCHAR,
    cache_key VARCHAR,
    started_utc TIMESTAMP,
    finished_utc TIMESTAMP,
    software_version VARCHAR,
    input_hashes VARCHAR,   -- JSON object: file or upstream result -> sha256
    params_hash VARCHAR,
    params_json VARCHAR,
    tables VARCHAR          -- JSON list of table names written by this run
)
"""


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def cache_key(stage: str, input_hashes: Mapping[str, str], params_hash: str) -> str:
    """Cache key of a stage run: hash of stage, software version, inputs and parameters."""
    blob = json.dumps(
        {
            "stage": stage,
            "v": __version__,
            "in": dict(sorted(input_hashes.items())),
            "p": params_hash,
        },
        sort_keys=True,
    ).encode()
    return hashlib.sha256(blob).hexdigest()


@dataclass(frozen=True)
class RunRecord:
    """Provenance of one stage run."""

    stage: str
    cache_key: str
    input_hashes: Mapping[str, str]
    params_hash: str
    params_json: str
    started_utc: datetime


class Store:
    """A DuckDB project store. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path))
        self.con.execute(_RUNS_DDL)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # ---------------------------------------------------------------- tables
    @staticmethod
    def table_name(stage: str, name: str) -> str:
        return f"{stage}__{name}"

    def has_table(self, name: str) -> bool:
        q = "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"
        return self.con.execute(q, [name]).fetchone()[0] > 0

    def read(self, stage: str, name: str) -> pd.DataFrame:
        """Read table ``<stage>__<name>`` as a DataFrame."""
        return self.con.execute(f'SELECT * FROM "{self.table_name(stage, name)}"').df()

    def tables(self) -> list[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name"
        ).fetchall()
        return [r[0] for r in rows]

    # ---------------------------------------------------------------- runs
    def find_run(self, stage: str, key: str) -> dict | None:
        """The latest run of ``stage`` if its cache key is ``key`` and its tables exist.

        Only the latest run counts: a stage's tables are overwritten by each run, so an
        older run with the same key no longer owns the stored tables.
        """
        row = self.con.execute(
            "SELECT run_id, tables, cache_key FROM runs WHERE stage = ? "
            "ORDER BY run_id DESC LIMIT 1",
            [stage],
        ).fetchone()
        if row is None or row[2] != key:
            return None
        tables = json.loads(row[1])
        if not all(self.has_table(t) for t in tables):
            return None
        return {"run_id": row[0], "tables": tables}

    def last_run(self, stage: str) -> dict | None:
        """The latest run of ``stage`` (any key), as a dict, or None."""
        df = self.con.execute(
            "SELECT * FROM runs WHERE stage = ? ORDER BY run_id DESC LIMIT 1", [stage]
        ).df()
        return None if df.empty else df.iloc[0].to_dict()

    def runs(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM runs ORDER BY run_id").df()

    def write_stage(
        self,
        record: RunRecord,
        tables: Mapping[str, pd.DataFrame],
        *,
        _fail_after: int | None = None,
    ) -> int:
        """Write all ``tables`` of one stage run and its ``runs`` row in one transaction.

        ``_fail_after`` is for tests: raise after writing that many tables, to prove that
        nothing is committed.
        """
        names = [self.table_name(record.stage, n) for n in tables]
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for i, (name, df) in enumerate(zip(names, tables.values(), strict=True)):
                if _fail_after is not None and i >= _fail_after:
                    raise RuntimeError("simulated crash during store write")
                con.register("_m2m_tmp", df)
                con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _m2m_tmp')
                con.unregister("_m2m_tmp")
            run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    record.stage,
                    record.cache_key,
                    record.started_utc,
                    datetime.now(UTC).replace(tzinfo=None),
                    __version__,
                    json.dumps(dict(record.input_hashes), sort_keys=True),
                    record.params_hash,
                    record.params_json,
                    json.dumps(names),
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return int(run_id)
