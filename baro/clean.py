"""Clean and validate an edition's tables.

:func:`load_tables` reads the cities, projects and objectives tables of a
folder into the canonical schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from baro.errors import InputError, Problem

#: Canonical columns of each table, in order.
COLUMNS = {
    "cities": ("city_id", "kind", "population_band"),
    "projects": (
        "project_id",
        "city_id",
        "domain",
        "status",
        "management_mode",
        "decision_mode",
        "citizens_involved",
    ),
    "objectives": ("city_id", "objective", "rank"),
}

#: Pandas dtype of each canonical column.
DTYPES = {
    "city_id": "str",
    "project_id": "str",
    "kind": "str",
    "population_band": "str",
    "domain": "str",
    "status": "str",
    "management_mode": "str",
    "decision_mode": "str",
    "objective": "str",
    "citizens_involved": "bool",
    "rank": "Int64",
}

LOG_COLUMNS = ("table", "file", "rows_read", "rows_kept", "rows_excluded", "reason")


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with the canonical columns and dtypes of ``table``.

    >>> empty_table("objectives").dtypes.astype(str).tolist()
    ['str', 'str', 'Int64']
    """
    cols = COLUMNS[table]
    return pd.DataFrame({c: pd.Series([], dtype=DTYPES[c]) for c in cols})


@dataclass(frozen=True)
class CleanTables:
    """The cleaned tables of one edition and the log of how they were read."""

    cities: pd.DataFrame = field(repr=False)
    projects: pd.DataFrame = field(repr=False)
    objectives: pd.DataFrame = field(repr=False)
    log: pd.DataFrame = field(repr=False)
    files: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: how many cities, projects and objective answers."""
        n_obj = int(self.objectives["rank"].notna().sum())
        return (
            f"{len(self.cities)} cit{'ies' if len(self.cities) != 1 else 'y'}, "
            f"{len(self.projects)} project{'s' if len(self.projects) != 1 else ''}, "
            f"{n_obj} objective answer{'s' if n_obj != 1 else ''}"
        )


def _read_canonical_csv(path: Path, table: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment=None, skiprows=_comment_lines(path))
    out = {}
    for col in COLUMNS[table]:
        s = df[col]
        if DTYPES[col] == "bool":
            out[col] = s.str.lower().map({"true": True, "false": False}).astype(bool)
        elif DTYPES[col] == "Int64":
            out[col] = pd.to_numeric(s.replace("", None)).astype("Int64")
        else:
            out[col] = s.astype("str")
    return pd.DataFrame(out)


def _comment_lines(path: Path) -> int:
    n = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                n += 1
            else:
                break
    return n


def load_tables(directory, *, edition=None, taxonomy=None) -> CleanTables:
    """Read the tables of ``directory`` into the canonical schema."""
    directory = Path(directory)
    frames = {}
    files = {}
    log = []
    problems = []
    for table in COLUMNS:
        path = directory / f"{table}.csv"
        if not path.is_file():
            if table == "objectives":
                frames[table] = empty_table(table)
                continue
            problems.append(Problem(str(path), "file not found"))
            continue
        frames[table] = _read_canonical_csv(path, table)
        files[table] = path
        n = len(frames[table])
        log.append((table, str(path), n, n, 0, ""))
    if problems:
        raise InputError(problems)
    return CleanTables(
        frames["cities"],
        frames["projects"],
        frames["objectives"],
        pd.DataFrame(log, columns=list(LOG_COLUMNS)),
        files,
    )
