"""Provenance chapter: software, input file hashes, parameters, runs and what changed.

Pure functions over the store's ``runs`` table (columns ``run_id``, ``stage``,
``software_version``, ``input_hashes``, ``params_json``, …) and the project file as a
JSON-able dict (``Project.model_dump(mode="json")``). "Parameters changed since the
previous run" compares, per stage, the latest run with the one before it, by dotted key
(:func:`mine2magnet.pipeline.changed_keys`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from mine2magnet.pipeline import changed_keys
from mine2magnet.report.document import Section, Table, Text

__all__ = [
    "flatten",
    "input_file_table",
    "parameter_changes",
    "provenance_section",
    "run_table",
    "stale_parameters",
    "to_toml",
]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# ------------------------------------------------------------------------ flatten / TOML
def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``{"a.b.c": value}``; lists and scalars are leaves.

    >>> flatten({"a": {"b": 1, "c": [1, 2]}, "d": None})
    {'a.b': 1, 'a.c': [1, 2], 'd': None}
    """
    if isinstance(d, Mapping):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Mapping):
        items = [f"{_key(str(k))} = {_scalar(x)}" for k, x in v.items() if x is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_scalar(x) for x in v if x is not None) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list | tuple) and bool(v) and all(isinstance(x, Mapping) for x in v)


def _emit(d: Mapping[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    unset = [k for k, v in d.items() if v is None]
    for k, v in d.items():
        if v is None or isinstance(v, Mapping) or _is_table_array(v):
            continue
        lines.append(f"{_key(str(k))} = {_scalar(v)}")
    for k in unset:
        lines.append(f"# {_key(str(k))} is not set")
    for k, v in d.items():
        sub = (*path, _key(str(k)))
        if isinstance(v, Mapping):
            lines.append("")
            lines.append(f"[{'.'.join(sub)}]")
            _emit(v, sub, lines)
        elif _is_table_array(v):
            for item in v:
                lines.append("")
                lines.append(f"[[{'.'.join(sub)}]]")
                _emit(item, sub, lines)


def to_toml(d: Mapping[str, Any]) -> str:
    """A JSON-able nested dict as TOML text (``tomllib`` reads it back).

    None values have no TOML form: they are left out and listed as ``# key is not set``.
    Lists of dicts become arrays of tables; dicts inside lists become inline tables.

    >>> print(to_toml({"project": {"name": "X", "seed": 1}, "domains": [{"code": "HG"}]}))
    <BLANKLINE>
    [project]
    name = "X"
    seed = 1
    <BLANKLINE>
    [[domains]]
    code = "HG"
    <BLANKLINE>
    """
    lines: list[str] = []
    _emit(d, (), lines)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ runs
def _runs_sorted(runs: pd.DataFrame) -> pd.DataFrame:
    if runs is None or runs.empty:
        return pd.DataFrame(columns=["run_id", "stage", "params_json", "input_hashes"])
    return runs.sort_values("run_id", kind="stable")


def _loads(text: Any) -> dict[str, Any]:
    if not isinstance(text, str) or not text:
        return {}
    try:
        out = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return out if isinstance(out, dict) else {}


def _show(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parameter_changes(runs: pd.DataFrame) -> pd.DataFrame:
    """Per stage, the parameters that differ between its latest and previous run.

    Parameters
    ----------
    runs : pandas.DataFrame
        The store's ``runs`` table: ``run_id``, ``stage``, ``params_json``.

    Returns
    -------
    pandas.DataFrame
        One row per (stage, dotted key) changed: ``stage``, ``previous_run``,
        ``latest_run``, ``parameter``, ``previous``, ``latest`` (values as text). Stages
        with one run or no change have no rows (see :func:`run_table` for the status).
    """
    cols = ["stage", "previous_run", "latest_run", "parameter", "previous", "latest"]
    rows: list[dict[str, Any]] = []
    r = _runs_sorted(runs)
    for stage, group in r.groupby("stage", sort=False):
        if len(group) < 2:
            continue
        prev, last = group.iloc[-2], group.iloc[-1]
        new = _loads(last["params_json"])
        keys = changed_keys(prev["params_json"], new)
        a, b = flatten(_loads(prev["params_json"])), flatten(new)
        for k in keys:
            rows.append(
                {
                    "stage": stage,
                    "previous_run": int(prev["run_id"]),
                    "latest_run": int(last["run_id"]),
                    "parameter": k,
                    "previous": _show(a.get(k)) if k in a else "(absent)",
                    "latest": _show(b.get(k)) if k in b else "(absent)",
                }
            )
    return pd.DataFrame(rows, columns=cols)


def run_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The latest run of each stage with its run id, time, version and change status.

    ``parameters`` says ``first run``, ``unchanged since run N`` or ``k changed since
    run N`` (N the previous run of the stage).
    """
    cols = [
        "stage",
        "run_id",
        "runs_of_stage",
        "finished_utc",
        "software_version",
        "params_hash",
        "cache_key",
        "parameters",
    ]
    r = _runs_sorted(runs)
    rows = []
    for stage, group in r.groupby("stage", sort=False):
        last = group.iloc[-1]
        if len(group) < 2:
            status = "first run"
        else:
            prev = group.iloc[-2]
            n = len(changed_keys(prev["params_json"], _loads(last["params_json"])))
            pid = int(prev["run_id"])
            status = f"unchanged since run {pid}" if n == 0 else f"{n} changed since run {pid}"
        rows.append(
            {
                "stage": stage,
                "run_id": int(last["run_id"]),
                "runs_of_stage": len(group),
                "finished_utc": str(last.get("finished_utc", "")),
                "software_version": str(last.get("software_version", "")),
                "params_hash": str(last.get("params_hash", "")),
                "cache_key": str(last.get("cache_key", ""))[:16],
                "parameters": status,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def stale_parameters(runs: pd.DataFrame, project_dump: Mapping[str, Any]) -> pd.DataFrame:
    """Parameters of the project file that differ from those of the stored latest runs.

    Compares each stage's latest ``params_json`` with the same dotted keys of the current
    project file (top-level sections present in both). Rows mean the stored results were
    computed with other parameters than the file now says: re-run the pipeline.
    """
    cols = ["stage", "run_id", "parameter", "stored", "project_file"]
    rows = []
    r = _runs_sorted(runs)
    for stage, group in r.groupby("stage", sort=False):
        last = group.iloc[-1]
        stored = _loads(last["params_json"])
        shared = {k: project_dump[k] for k in stored if k in project_dump}
        stored_shared = {k: stored[k] for k in shared}
        if not shared:
            continue
        a, b = flatten(stored_shared), flatten(shared)
        for k in changed_keys(json.dumps(stored_shared), shared):
            rows.append(
                {
                    "stage": stage,
                    "run_id": int(last["run_id"]),
                    "parameter": k,
                    "stored": _show(a.get(k)) if k in a else "(absent)",
                    "project_file": _show(b.get(k)) if k in b else "(absent)",
                }
            )
    return pd.DataFrame(rows, columns=cols)


def _file_of(project_dump: Mapping[str, Any], key: str) -> str:
    node: Any = project_dump
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return ""
        node = node[part]
    if isinstance(node, Mapping) and isinstance(node.get("file"), str):
        return node["file"]
    return ""


def input_file_table(
    input_hashes: Mapping[str, str], runs: pd.DataFrame, project_dump: Mapping[str, Any]
) -> pd.DataFrame:
    """Input files with their SHA-256 now and as recorded by the latest run that read them.

    ``input_hashes`` maps keys such as ``data.assays`` to the file's current SHA-256 (or
    ``"missing"``); the file name is looked up at the same key of the project file.
    """
    recorded: dict[str, tuple[str, int, str]] = {}
    for _, run in _runs_sorted(runs).iterrows():
        for k, h in _loads(run.get("input_hashes")).items():
            if not str(k).startswith("stage."):
                recorded[k] = (str(h), int(run["run_id"]), str(run["stage"]))
    rows = []
    for key in sorted(set(input_hashes) | set(recorded)):
        now = input_hashes.get(key, "")
        then, run_id, stage = recorded.get(key, ("", 0, ""))
        if not now:
            status = "not hashed now"
        elif now == "missing":
            status = "file missing"
        elif not then:
            status = "not read by any stored run"
        elif then == now:
            status = "unchanged"
        else:
            status = "CHANGED since the run: re-run the pipeline"
        rows.append(
            {
                "input": key,
                "file": _file_of(project_dump, key),
                "sha256": now or "—",
                "recorded_by": f"{stage} run {run_id}" if then else "—",
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=["input", "file", "sha256", "recorded_by", "status"])


# ------------------------------------------------------------------------ the section
def provenance_section(
    project_dump: Mapping[str, Any],
    runs: pd.DataFrame,
    input_hashes: Mapping[str, str],
    *,
    software_version: str,
    section_id: str = "provenance",
) -> Section:
    """The provenance chapter: software, inputs, runs, changed and stale parameters, TOML."""
    runs_df = runs if runs is not None else pd.DataFrame()
    run_tab = run_table(runs_df)
    changes = parameter_changes(runs_df)
    stale = stale_parameters(runs_df, project_dump)
    files = input_file_table(input_hashes, runs_df, project_dump)
    versions = sorted({str(v) for v in run_tab["software_version"]} - {""})

    software = [
        f"Report written by mine2magnet {software_version}.",
        (
            "Stored results were computed by mine2magnet " + ", ".join(versions) + "."
            if versions
            else "The project store records no stage runs."
        ),
    ]
    if versions and versions != [software_version]:
        software.append(
            "The software version differs from the one that computed the stored results; "
            "re-run the pipeline to reproduce them with this version."
        )

    changed_children: list[Text | Table] = []
    if run_tab.empty:
        changed_children.append(Text(("No stage has run yet.",), "note"))
    else:
        changed_children.append(
            Text(
                (
                    "For each stage, the parameters of its latest run compared with the run "
                    "before it, by dotted key of the project file.",
                ),
            )
        )
        if changes.empty:
            changed_children.append(
                Text(("No parameter changed since the previous run of any stage.",), "note")
            )
        else:
            changed_children.append(
                Table(
                    "tab-parameter-changes",
                    "Parameters changed since the previous run",
                    changes,
                    caption="Values as JSON; (absent) = key not in that run's parameters.",
                )
            )

    stale_blocks: list[Text | Table] = []
    if stale.empty:
        stale_blocks.append(
            Text(("The project file matches the parameters of every stored run.",), "note")
        )
    else:
        stale_blocks.append(
            Text(
                (
                    f"{len(stale)} parameter(s) of the project file differ from those of the "
                    "stored results: this report shows results computed with the stored "
                    "values. Re-run the pipeline to update them.",
                ),
                "warning",
            )
        )
        stale_blocks.append(
            Table("tab-stale-parameters", "Project file differs from stored runs", stale)
        )

    return Section(
        section_id,
        "Provenance",
        (
            Text(
                (
                    "Everything needed to reproduce this report: the software version, the "
                    "SHA-256 of every input file, the stage runs in the project store and "
                    "the parameters of the project file.",
                ),
            ),
        ),
        children=(
            Section(f"{section_id}-software", "Software", (Text(tuple(software)),)),
            Section(
                f"{section_id}-inputs",
                "Input files",
                (
                    Table(
                        "tab-input-files",
                        "Input files and SHA-256 hashes",
                        files,
                        caption="sha256 of the file now; recorded_by = the latest stage run "
                        "that read it with the same hash (status says if it changed).",
                    ),
                )
                if not files.empty
                else (Text(("No input files are recorded.",), "note"),),
            ),
            Section(
                f"{section_id}-runs",
                "Stage runs",
                (Table("tab-runs", "Latest run of each stage", run_tab),)
                if not run_tab.empty
                else (Text(("No stage has run yet.",), "note"),),
            ),
            Section(
                f"{section_id}-changes",
                "Parameters changed since the previous run",
                tuple(changed_children),
            ),
            Section(
                f"{section_id}-stale", "Project file against stored results", tuple(stale_blocks)
            ),
            Section(
                f"{section_id}-parameters",
                "Parameters (project file as TOML)",
                (Text((to_toml(project_dump),), "code"),),
            ),
        ),
    )
