"""Cleaning and validation: from the files of a folder to :class:`CleanTables`.

:func:`load_tables` reads each table (:func:`baro.io.read_table`), matches
its columns to the schema, maps its labels to the taxonomy and checks
types, uniqueness and references across tables. Every check runs on
whole columns: a column is held as codes into its distinct values, each
distinct value is stripped, parsed or looked up once, and the result is
broadcast to its rows. A problem names its file, row (as a spreadsheet
shows it), column and value, the closest labels, and the other rows with
the same value ("also rows ...").

Rules
-----
- Column names are matched without regard to case, accents, punctuation
  and spacing; :data:`~baro.clean.schema.COLUMN_SYNONYMS` lists the
  accepted names (French headers included). An unknown extra column is
  noted in the log and left out; a missing column is an error.
- Labels are normalised (:func:`~baro.clean.labels.normalise`) and looked
  up among each code's label and synonyms in the taxonomy. An unknown
  label is an error listing its rows and the closest labels; nothing is
  ever mapped to a default category.
- Identifiers and labels holding a control character (an escape
  sequence, a bell...) are errors; messages show such characters escaped.
- An objectives table may also come in wide form: a city column and
  one rank column per objective, headed by the objective's label.
- Rows that are entirely empty are excluded (reason "empty row"); every
  other row is kept or is an error. In the log, rows_read = rows_kept +
  rows_excluded.
- Tables that are valid but cannot support a chapter of the report (one
  city, one level of a tested variable...) give warnings
  (:func:`table_warnings`), not errors.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from baro import io as _io
from baro.clean.files import Source, scan_folder
from baro.clean.labels import LabelLookup, _normalised, as_categories, normalise, recognise_column
from baro.clean.parse import CONTROL, _population_band, control_character, parse_bool, parse_rank
from baro.clean.schema import (
    CODED,
    COLUMN_SYNONYMS,
    COLUMNS,
    LOG_COLUMNS,
    NOT_CITED,
    ROWS_SHOWN,
    empty_table,
)
from baro.errors import InputError, Problem


# ---------------------------------------------------------------- messages
def _rows_text(rows) -> str:
    shown = ", ".join(str(r) for r in rows[:ROWS_SHOWN])
    more = len(rows) - ROWS_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _also(rows) -> str:
    rows = [int(r) for r in pd.unique(np.asarray(rows))]  # a wide table repeats a row per objective
    if len(rows) <= 1:
        return ""
    return f" (also row{'s' if len(rows) > 2 else ''} {_rows_text(rows[1:])}; {len(rows)} rows in all)"


# ---------------------------------------------------------------- columns
@dataclass
class _Column:
    """One column of kept rows: ``codes`` into ``values``, its distinct stripped strings."""

    codes: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, series: pd.Series, keep: np.ndarray | None = None) -> "_Column":
        """The column of a ``series`` of strings (rows ``keep``), its values stripped."""
        values = series.to_numpy(dtype=object)
        if keep is not None:
            values = values[keep]
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
        distinct = np.asarray(distinct, dtype=object)
        stripped = np.array([v.strip() for v in distinct], dtype=object)
        if len(distinct) and (stripped != distinct).any():
            return cls(codes, stripped).distinct()
        return cls(codes, distinct)

    def distinct(self) -> "_Column":
        """The same column with each value once (stripping may join two)."""
        to, values = pd.factorize(self.values, use_na_sentinel=False)
        if len(values) == len(self.values):
            return self
        return _Column(to[self.codes], np.asarray(values, dtype=object))

    def per_row(self, per_value) -> np.ndarray:
        """``per_value`` (an array over :attr:`values`) broadcast to the rows."""
        return np.asarray(per_value)[self.codes]

    def groups(self, selected) -> list[tuple[int, np.ndarray]]:
        """(value index, row positions) of the rows whose value is ``selected``, by first row.

        ``selected``: a boolean array over :attr:`values`.
        """
        at = np.flatnonzero(np.asarray(selected, dtype=bool)[self.codes])
        if not at.size:
            return []
        codes = self.codes[at]
        order = np.argsort(codes, kind="stable")
        ordered = codes[order]
        bounds = np.flatnonzero(np.diff(ordered)) + 1
        groups = [(int(ordered[b]), at[idx]) for b, idx in zip(np.r_[0, bounds], np.split(order, bounds))]
        groups.sort(key=lambda g: g[1][0])
        return groups


def _any_match(pattern: re.Pattern, values: np.ndarray) -> bool:
    """Whether ``pattern`` may match some value (one search over all the values, joined by line feeds)."""
    return bool(len(values)) and pattern.search("\n".join(values)) is not None


def _mask(values: np.ndarray, test) -> np.ndarray:
    return np.fromiter((bool(test(v)) for v in values), bool, len(values))


# ----------------------------------------------------------------- tables
@dataclass(frozen=True)
class TableWarning:
    """Valid tables that cannot support part of the report: a code and its values.

    Codes: ``one_city`` (n), ``few_cities`` (n, minimum), ``one_level``
    (table, column, level), ``constant_column`` (table, column, level).
    :attr:`message` is the English sentence ``baro validate`` prints;
    baro.text writes the report's sentences from the code and values.
    """

    code: str
    values: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        v = self.values
        if self.code == "one_city":
            return "one city only: tests between cities (clustered tests) cannot be computed"
        if self.code == "few_cities":
            return (
                f"{v['n']} cities, fewer than {v['minimum']}: "
                "clustered estimates and tests rest on very few cities"
            )
        if self.code == "one_level":
            return (
                f"{v['table']}: every row has {v['column']} {v['level']!r} (one level): "
                f"tests on {v['column']} cannot be computed"
            )
        if self.code == "constant_column":
            return f"{v['table']}: column {v['column']} is constant ({v['level']!r})"
        return f"{self.code}: {v}"

    def __str__(self) -> str:
        return self.message


#: Columns whose levels the report tests (one level: the test cannot be computed).
TESTED = {
    "projects": ("domain", "status", "management_mode", "decision_mode", "citizens_involved"),
    "objectives": ("objective",),
}
#: Other columns described in the report (constant: a warning too).
DESCRIBED = {"cities": ("kind", "population_band"), "objectives": ("rank",)}
#: Fewer cities than this: a warning (clustered tests rest on few clusters).
MIN_CITIES = 5


def table_warnings(tables: "CleanTables") -> list[TableWarning]:
    """What valid tables cannot support: one city, few cities, one level, a constant column.

    >>> import pandas as pd
    >>> p = pd.DataFrame({"city_id": ["V01", "V01"], "domain": ["transport"] * 2, "status": ["realise", "en_cours"],
    ...                   "management_mode": ["regie"] * 2, "decision_mode": ["concertation", "unilaterale"],
    ...                   "citizens_involved": [True, False]})
    >>> t = CleanTables(empty_table("cities"), p, empty_table("objectives"), pd.DataFrame())
    >>> [(w.code, w.values.get("column")) for w in table_warnings(t)]
    [('one_city', None), ('one_level', 'domain'), ('one_level', 'management_mode')]
    """
    out = []
    if len(tables.projects):
        n = tables.projects["city_id"].nunique()
        if n == 1:
            out.append(TableWarning("one_city", {"n": 1}))
        elif n < MIN_CITIES:
            out.append(TableWarning("few_cities", {"n": int(n), "minimum": MIN_CITIES}))
    for code, columns in (("one_level", TESTED), ("constant_column", DESCRIBED)):
        for table, cols in columns.items():
            frame = tables[table]
            if len(frame) < 2:
                continue
            for col in cols:
                levels = pd.unique(frame[col].dropna())
                if len(levels) == 1:
                    level = levels[0]
                    level = level.item() if hasattr(level, "item") else level
                    out.append(TableWarning(code, {"table": table, "column": col, "level": level}))
    return out


@dataclass(frozen=True)
class CleanTables:
    """The cleaned tables of one edition and the log of how they were read.

    ``log`` has one row per table: rows read, kept and excluded (with the
    reason) and a note on how the file was read (format, encoding,
    delimiter, comment lines, ignored columns). ``files`` maps each table
    read to its path; ``ignored`` names the other data files of the folder
    (CSV, spreadsheets...), which were not read.
    """

    cities: pd.DataFrame = field(repr=False)
    projects: pd.DataFrame = field(repr=False)
    objectives: pd.DataFrame = field(repr=False)
    log: pd.DataFrame = field(repr=False)
    files: dict = field(default_factory=dict)
    ignored: tuple = ()

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in COLUMNS:
            raise KeyError(f"unknown table {table!r}; known: {', '.join(COLUMNS)}")
        return getattr(self, table)

    def summary(self) -> str:
        """One line: how many cities, projects and objective answers."""
        n_c, n_p, n_o = len(self.cities), len(self.projects), len(self.objectives)
        return (
            f"{n_c} cit{'ies' if n_c != 1 else 'y'}, "
            f"{n_p} project{'s' if n_p != 1 else ''}, "
            f"{n_o} objective answer{'s' if n_o != 1 else ''}"
        )

    @property
    def warnings(self) -> list[TableWarning]:
        """What these (valid) tables cannot support; see :func:`table_warnings`."""
        return table_warnings(self)


@dataclass
class _Read:
    """One table after cleaning: frame, row numbers, header names used."""

    table: str
    source: Source
    frame: pd.DataFrame
    rows: np.ndarray
    headers: dict[str, str]
    log: dict
    #: The identifier columns as codes into their distinct values, for the checks across tables.
    ids: dict[str, _Column] = field(default_factory=dict)


def _shown_path(source: Source) -> str:
    """A table's source for the log: relative to the project when absolute and inside it."""
    path = source.path
    if path.is_absolute():
        from baro.paths import project_root

        try:
            path = path.resolve().relative_to(project_root())
        except ValueError:
            pass
    return str(Source(path, source.sheet))


def _how_read(info: dict) -> list[str]:
    fmt = info.get("format")
    notes = []
    if fmt == "csv":
        delim = _io.DELIMITER_NAMES[info["delimiter"]]
        notes.append(f"CSV, {info['encoding']}, {delim}")
        for c in info.get("comments", []):
            notes.append(f"comment line {textwrap.shorten(c, 90, placeholder=' ...')!r}")
    elif fmt == "xlsx":
        notes.append(f"XLSX, sheet {info['sheet']!r}")
        if info.get("other_sheets"):
            notes.append(f"other sheets ignored: {', '.join(map(repr, info['other_sheets']))}")
        formulas = info.get("formulas", 0)
        if formulas:
            notes.append(
                f"{formulas} cell{'s' if formulas > 1 else ''} with a formula read from "
                f"{'their' if formulas > 1 else 'its'} stored value"
            )
    elif fmt == "sav":
        notes.append("SPSS .sav, value labels applied")
    for row, text in info.get("skipped", []):
        notes.append(f"row {row} above the header skipped: {text[:60]!r}")
    return notes


def _clean_one(table, source: Source, ctx) -> tuple[_Read | None, list[Problem]]:
    lookup, edition = ctx
    path = source.path
    file = str(source)
    try:
        frame, rows = _io.read_table(path, sheet=source.sheet)  # headers: recognise_column
    except InputError as exc:
        # name the sheet too when the table is one sheet of a workbook
        return None, [dataclasses.replace(p, file=file) if p.file == str(path) else p for p in exc.problems]
    rows = np.asarray(rows, dtype=np.int64)
    info = frame.attrs.get("baro", {})
    notes = _how_read(info)
    problems: list[Problem] = []

    # columns
    wanted = COLUMNS[table]
    position: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(frame.columns):
        col = recognise_column(name)
        if col in wanted:
            position[col].append(i)
    wide = _wide_objectives(table, frame, position, lookup)
    columns = {}  # position -> _Column of every row
    for i, name in enumerate(frame.columns):
        col = recognise_column(name)
        if col in wanted or any(i in idx for idx in wide.values()):
            continue
        if name == "":
            columns[i] = _Column.of(frame.iloc[:, i])
            if not (columns[i].values != "").any():
                continue
        shown = f"column {name!r}" if name else f"unnamed column {i + 1}"
        where = " (a column of another table)" if col else ""
        notes.append(f"{shown} ignored{where}")
    for col, idx in position.items():
        if len(idx) > 1:
            names = " and ".join(repr(frame.columns[i]) for i in idx)
            problems.append(Problem(file, f"columns {names} both read as {col}; keep one", column=col))
    for code, idx in wide.items():
        if len(idx) > 1:
            names = " and ".join(repr(frame.columns[i]) for i in idx)
            problems.append(Problem(file, f"columns {names} are both the objective {code!r}; keep one"))
    missing = [c for c in wanted if c not in position and not (wide and c in ("objective", "rank"))]
    if not position and not wide:
        found = ", ".join(repr(c) for c in frame.columns) or "none"
        names = ", ".join(repr(COLUMN_SYNONYMS[c][1]) for c in wanted)
        problems.append(
            Problem(
                file,
                f"no column name recognised in the header row ({found}); is the header row missing? "
                f"Expected columns {', '.join(wanted)} (French: {names})",
                row=info.get("header_row"),
            )
        )
        return None, problems
    for col in missing:
        found = ", ".join(repr(c) for c in frame.columns) or "none"
        accepted = ", ".join(repr(s) for s in COLUMN_SYNONYMS[col][1:5])
        problems.append(
            Problem(
                file,
                f"missing column (accepted names include {accepted}); columns found: {found}",
                column=col,
            )
        )
    problems += info.get("problems", [])
    if problems:
        return None, problems
    if len(frame) == 0:
        return None, [Problem(file, "has a header row but no data rows")]

    for i in range(frame.shape[1]):
        if i not in columns:
            columns[i] = _Column.of(frame.iloc[:, i])
    blank = np.ones(len(frame), dtype=bool)
    for c in columns.values():
        blank &= c.per_row(c.values == "")
    keep = np.flatnonzero(~blank)
    if not keep.size:
        return None, [Problem(file, f"has no data rows: all {len(frame)} rows are empty")]
    kept = {i: _Column(c.codes[keep], c.values) for i, c in columns.items()}
    del columns
    kept_rows = rows[keep]
    if wide:
        return _clean_wide(source, frame, kept, kept_rows, keep, position, wide, notes, ctx)
    headers = {col: frame.columns[position[col][0]] for col in wanted}
    out = {}
    for col in wanted:
        values, col_problems, col_notes = _parse_column(
            col, kept[position[col][0]], kept_rows, file, headers[col], lookup, edition
        )
        out[col] = values
        problems += col_problems
        notes += col_notes
    # a table with bad values is still returned, so that the checks across
    # tables (duplicates, unknown cities) report their problems too
    clean = pd.DataFrame(out)
    log = _log_entry(table, source, frame, keep, notes)
    ids = {c: kept[position[c][0]] for c in ("city_id", "project_id") if c in position}
    return _Read(table, source, clean, kept_rows, headers, log, ids), problems


def _log_entry(table: str, source, frame, keep, notes: list[str]) -> dict:
    """One row of the cleaning log: rows read = kept + excluded (empty rows)."""
    excluded = len(frame) - len(keep)
    return dict(
        table=table,
        file=_shown_path(source),
        rows_read=len(frame),
        rows_kept=len(keep),
        rows_excluded=excluded,
        reason="empty row" if excluded else "",
        note="; ".join(notes),
    )


def _wide_objectives(table, frame, position, lookup) -> dict[str, list[int]]:
    """Objective code -> column positions, for an objectives table in wide form.

    A wide objectives table has a city column and one rank column per
    objective, headed by the objective's label; it has neither an
    objective nor a rank column.
    """
    if table != "objectives" or "city_id" not in position or "objective" in position or "rank" in position:
        return {}
    wide: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(frame.columns):
        code = lookup.code("objective", name) if name.strip() and recognise_column(name) is None else None
        if code:
            wide[code].append(i)
    return dict(wide)


def _clean_wide(source, frame, kept, kept_rows, keep, position, wide, notes, ctx):
    """Clean a wide objectives table into one row per city and objective."""
    lookup, edition = ctx
    file = str(source)
    problems = []
    city_at = position["city_id"][0]
    city_header = frame.columns[city_at]
    columns = sorted((idx[0], code) for code, idx in wide.items())
    k = len(columns)
    # row-major: each kept row gives its k objectives in column order
    city = kept[city_at]
    cities = _Column(np.repeat(city.codes, k), city.values)
    offsets = np.cumsum([0] + [len(kept[j].values) for j, _ in columns[:-1]])
    rank_codes = np.column_stack([kept[j].codes + o for (j, _), o in zip(columns, offsets)]).ravel()
    ranks = _Column(rank_codes, np.concatenate([kept[j].values for j, _ in columns])).distinct()
    long_rows = np.repeat(kept_rows, k)
    rank_headers = np.tile(np.array([frame.columns[j] for j, _ in columns], dtype=object), len(kept_rows))
    objectives = np.tile(np.array([code for _, code in columns], dtype=object), len(kept_rows))
    city_values, probs, _ = _parse_column("city_id", cities, long_rows, file, city_header, lookup, edition)
    # a missing city is reported once per row, not once per objective
    problems += probs
    rank_values, probs, rank_notes = _parse_column(
        "rank", ranks, long_rows, file, rank_headers, lookup, edition
    )
    problems += probs
    if edition is not None:
        allowed = set(lookup.codes("objective", edition))
        for j, code in columns:
            if code not in allowed:
                problems.append(
                    Problem(
                        file,
                        f"objective {code!r} is not a category of edition {edition}",
                        column=frame.columns[j],
                    )
                )
    shown = ", ".join(repr(frame.columns[j]) for j, _ in columns)
    notes = [
        *notes,
        f"wide table: one rank column per objective ({shown}), read as one row per city and objective",
        *rank_notes,
    ]
    cats = lookup.codes("objective", edition)
    clean = pd.DataFrame(
        {
            "city_id": city_values,
            "objective": pd.Categorical(objectives, categories=cats),
            "rank": rank_values,
        }
    )
    log = _log_entry("objectives", source, frame, keep, notes)
    headers = {"city_id": city_header, "objective": "objective", "rank": "rank"}
    return _Read("objectives", source, clean, long_rows, headers, log, {"city_id": cities}), problems


def _control_problems(col, column: _Column, rows, file, header) -> tuple[list[Problem], np.ndarray]:
    """Problems for the values holding a control character, and which values they are."""
    if not _any_match(CONTROL, column.values):
        return [], np.zeros(len(column.values), dtype=bool)
    bad = _mask(column.values, control_character)
    problems = []
    what = "identifier" if col in ("city_id", "project_id") else "label"
    for u, at in column.groups(bad):
        v = column.values[u]
        problems.append(
            Problem(
                file,
                f"the {what} holds the control character {control_character(v)}{_also(rows[at])}; "
                "identifiers and labels must be printable text",
                int(rows[at[0]]),
                header,
                v,
            )
        )
    return problems, bad


def _parse_column(col, column: _Column, rows, file, header, lookup, edition):
    """Parse one column: its values (canonical dtype), its problems and log notes."""
    problems = []
    notes = []
    values = column.values
    empty = values == ""
    if col == "rank":
        dash = _mask(values, lambda v: v in ("-", "–", "—") or (v and _normalised(v) in NOT_CITED))
        parsed = [(None, None) if d else parse_rank(v) for v, d in zip(values, dash)]
        rank = np.array([np.nan if r is None else r for r, _ in parsed], dtype=float)
        why = np.array([w or "" for _, w in parsed], dtype=object)
        for i in np.flatnonzero(column.per_row(why != "")):
            h = header[i] if isinstance(header, np.ndarray) else header
            v = values[column.codes[i]]
            problems.append(
                Problem(
                    file, f"{why[column.codes[i]]}; expected a positive whole number (1 = first) or empty",
                    int(rows[i]), h, v,
                )
            )
        for u, at in column.groups(dash):
            n = len(at)
            notes.append(f"{n} rank{'s' if n > 1 else ''} {values[u]!r} read as not cited")
        out = pd.array(column.per_row(rank), dtype="Int64")
        return out, problems, notes
    missing = np.flatnonzero(column.per_row(empty))
    if missing.size:
        if col in CODED:
            expected = "expected one of " + ", ".join(repr(x) for x in lookup.allowed(col, edition))
        elif col == "citizens_involved":
            expected = "expected a yes/no answer"
        else:
            expected = f"every row needs a {col}"
        problems.append(
            Problem(file, f"missing value{_also(rows[missing])}; {expected}", int(rows[missing[0]]), header, "")
        )
    if col in ("city_id", "project_id"):
        probs, _ = _control_problems(col, column, rows, file, header)
        problems += probs
        return pd.array(column.per_row(values), dtype="str"), problems, notes
    if col == "citizens_involved":
        parsed = [parse_bool(v) for v in values]
        bad = np.array([b is None and bool(v) for b, v in zip(parsed, values)], dtype=bool)
        for u, at in column.groups(bad):
            problems.append(
                Problem(
                    file,
                    f"not a yes/no answer{_also(rows[at])}; "
                    "expected oui/non, yes/no, vrai/faux, true/false, 1/0 or o/n",
                    int(rows[at[0]]),
                    header,
                    values[u],
                )
            )
        return column.per_row(np.array([bool(b) for b in parsed], dtype=bool)), problems, notes
    # coded variables
    probs, control = _control_problems(col, column, rows, file, header)
    problems += probs
    tax = lookup.taxonomy
    cats = lookup.codes(col, edition)
    allowed_codes = set(cats) if edition is not None else None
    index = {c: i for i, c in enumerate(cats)}
    code_of = np.full(len(values), -1, dtype=np.int64)
    unknown = np.zeros(len(values), dtype=bool)
    wrong_edition = np.zeros(len(values), dtype=bool)
    below = np.zeros(len(values), dtype=bool)
    counts = np.zeros(len(values), dtype=bool)
    for u, v in enumerate(values):
        if not v or control[u]:
            continue
        code = lookup.code(col, v)
        if code is None and col == "population_band":
            band, is_count = _population_band(v)
            if band == "":
                below[u] = True
                continue
            if band:
                counts[u] = is_count
                code = band
        if code is None:
            unknown[u] = True
        elif allowed_codes is not None and code not in allowed_codes:
            wrong_edition[u] = True
        else:
            code_of[u] = index.get(code, -1)
    for i in np.flatnonzero(column.per_row(below)):
        why = "population below 50 000, the survey's smallest band"
        problems.append(Problem(file, why, int(rows[i]), header, values[column.codes[i]]))
    allowed = ", ".join(repr(s) for s in lookup.allowed(col, edition))
    for u, at in column.groups(unknown):
        v = values[u]
        near = lookup.closest(col, v)
        hint = f"; closest: {', '.join(repr(s) for s in near)}" if near else ""
        why = f"unknown {col}{_also(rows[at])}{hint}; allowed: {allowed}"
        problems.append(Problem(file, why, int(rows[at[0]]), header, v))
    for u, at in column.groups(wrong_edition):
        v = values[u]
        code = lookup.code(col, v)
        cat = tax.categories[col][code]
        years = ", ".join(map(str, cat.editions or ()))
        problems.append(
            Problem(
                file,
                f"{col} {code!r} is a category of edition(s) {years}, not of {edition}{_also(rows[at])}; "
                f"allowed: {allowed} (if edition {edition} has it, add {edition} to its editions "
                f"in the taxonomy)",
                int(rows[at[0]]),
                header,
                v,
            )
        )
    binned = int(column.per_row(counts).sum())
    if binned:
        notes.append(f"{binned} population figure{'s' if binned > 1 else ''} binned into bands")
    used = lookup.edition_for(col, edition)
    if used != edition:
        notes.append(f"{col}: edition {edition} is newer than the taxonomy's editions; categories of {used} used")
    out = pd.Categorical.from_codes(column.per_row(code_of), categories=cats)
    return out, problems, notes


def _shorten(problem: Problem, width: int = 80) -> Problem:
    """The problem with a long value cut, and a hint when it spans lines."""
    v = problem.value
    if not isinstance(v, str) or (len(v) <= width and "\n" not in v):
        return problem
    message = problem.message
    if "\n" in v or "\r" in v:
        message += "; the value spans several lines: is a quote (\") left open?"
    if len(v) > width:
        v = v[: width - 3] + "..."
    return dataclasses.replace(problem, value=v, message=message)


# ------------------------------------------------------ across the tables
def _key_codes(read: _Read, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row for the values of ``keys``, and whether none is missing."""
    frame = read.frame
    key = np.zeros(len(frame), dtype=np.int64)
    ok = np.ones(len(frame), dtype=bool)
    for k in keys:
        if k in read.ids:  # identifiers: already codes into their distinct values
            column = read.ids[k]
            codes, n = np.where(column.per_row(column.values == ""), -1, column.codes), len(column.values)
        elif isinstance(frame[k].dtype, pd.CategoricalDtype):
            codes, n = np.asarray(frame[k].cat.codes), len(frame[k].cat.categories)
        else:
            codes, uniques = pd.factorize(frame[k])
            n = len(uniques)
        ok &= codes >= 0
        key = key * (n + 1) + (codes + 1)
    return key, ok


def _firsts(key: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the repeated keys (not the first of each), and of each one's first."""
    at = np.flatnonzero(ok)
    dup = pd.Series(key[at]).duplicated(keep="first").to_numpy()
    if not dup.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(key[at], return_index=True, return_inverse=True)
    repeated = at[dup]
    return repeated, at[first[inverse[dup]]]


def _text(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def _duplicates(read: _Read, keys: list[str], what: str) -> list[Problem]:
    key, ok = _key_codes(read, keys)
    repeated, first = _firsts(key, ok)
    problems = []
    cols = [read.frame[k].to_numpy(dtype=object) for k in keys]
    for i, f in zip(repeated, first):
        value = _text(cols[0][i]) if len(keys) == 1 else ", ".join(_text(c[i]) for c in cols)
        problems.append(
            Problem(
                str(read.source),
                f"duplicate {what} (first at row {read.rows[f]})",
                int(read.rows[i]),
                read.headers[keys[-1]],
                value,
            )
        )
    return problems


def _unknown_cities(read: _Read, cities: _Read) -> list[Problem]:
    known = cities.frame["city_id"]
    column = read.ids["city_id"]
    bad = (column.values != "") & ~pd.Index(column.values).isin(known.to_numpy())
    groups = column.groups(bad)
    if not groups:
        return []
    folded = {}
    for k in known:
        folded.setdefault(normalise(k).replace(" ", ""), k)
    problems = []
    for u, at in groups:
        cid = column.values[u]
        rs = read.rows[at]
        near = folded.get(normalise(cid).replace(" ", ""))
        hint = f"; the cities table has {near!r} (identifiers are compared exactly)" if near else ""
        problems.append(
            Problem(
                str(read.source),
                f"city not in the cities table {cities.source.name}{_also(rs)}{hint}",
                int(rs[0]),
                read.headers["city_id"],
                cid,
            )
        )
    return problems


def _note_idle_cities(cities: _Read, projects: _Read) -> None:
    """Note in the cities' log the cities that have no project (not an error)."""
    ids = cities.frame["city_id"]
    column = projects.ids["city_id"]
    used = column.values[np.bincount(column.codes, minlength=len(column.values)) > 0]
    idle = ids[~ids.isin(used)].tolist()
    if not idle:
        return
    shown = ", ".join(idle[:ROWS_SHOWN])
    if len(idle) > ROWS_SHOWN:
        shown += f" and {len(idle) - ROWS_SHOWN} more"
    note = f"{len(idle)} cit{'ies' if len(idle) > 1 else 'y'} without any project: {shown}"
    cities.log["note"] = "; ".join(x for x in (cities.log["note"], note) if x)


def _same_rank(read: _Read) -> list[Problem]:
    f = read.frame
    key, ok = _key_codes(read, ["city_id", "rank"])
    ok &= f["rank"].notna().to_numpy()
    repeated, first = _firsts(key, ok)
    problems = []
    cid, obj, rank = (f[c].to_numpy(dtype=object) for c in ("city_id", "objective", "rank"))
    for i, j in zip(repeated, first):
        problems.append(
            Problem(
                str(read.source),
                f"city {cid[i]!r} gives rank {rank[i]} to two objectives: {_text(obj[j])!r} "
                f"(row {read.rows[j]}) and {_text(obj[i])!r} (row {read.rows[i]})",
                int(read.rows[i]),
                read.headers["rank"],
                str(rank[i]),
            )
        )
    return problems


def load_tables(directory, *, edition: int | None = None, taxonomy=None) -> CleanTables:
    """Read, clean and validate the tables of an edition folder.

    Parameters
    ----------
    directory : str or Path
        Folder holding cities and projects tables, and optionally an
        objectives table, each as .csv, .xlsx or .sav (see
        :func:`~baro.clean.files.scan_folder`; a table may also be a sheet
        of a workbook). The files are only read.
    edition : int, optional
        Edition year: a category that exists only in other editions (the
        taxonomy's ``editions`` key) is then an error. An edition newer
        than all those the taxonomy names takes the categories of the
        latest one, and the log says so.
    taxonomy : baro.taxonomy.Taxonomy, optional
        Default: the project's taxonomy (data/taxonomy.toml).

    Returns
    -------
    CleanTables
        Canonical frames and the cleaning log. The coded columns
        (:data:`~baro.clean.schema.CODED`) are pandas Categorical whose
        categories are the taxonomy's codes in its order (those of
        ``edition`` when given, else all codes; see
        :func:`~baro.clean.labels.as_categories`); ``city_id`` and
        ``project_id`` are strings, ``citizens_involved`` bool, ``rank``
        Int64.

    Raises
    ------
    baro.errors.InputError
        Every problem found in every file, each naming its file, row,
        column and value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "villes.csv").write_text("Code ville;Type;Strate\\nV01;Ville;50 000 à 99 999\\n")
    >>> _ = (d / "projets.csv").write_text(
    ...     "Identifiant projet;Ville;Domaine;Statut;Mode de gestion;Mode de décision;Citoyens impliqués\\n"
    ...     "P1;V01;Transports;Réalisé;Régie;Concertation;oui\\n"
    ...     ";;;;;;\\n")
    >>> t = load_tables(d)
    >>> t.summary()
    '1 city, 1 project, 0 objective answers'
    >>> t.projects.iloc[0, :6].tolist(), t.projects["citizens_involved"].dtype
    (['P1', 'V01', 'transport', 'realise', 'regie', 'concertation'], dtype('bool'))
    >>> t.projects["status"].dtype
    CategoricalDtype(categories=['realise', 'en_cours', 'a_l_etude'], ordered=False, categories_dtype=str)
    >>> t.log[["table", "rows_read", "rows_kept", "rows_excluded", "reason"]]
          table  rows_read  rows_kept  rows_excluded     reason
    0    cities          1          1              0
    1  projects          2          1              1  empty row
    """
    if taxonomy is None:
        from baro.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    sources, ignored = scan_folder(directory)
    ctx = (LabelLookup.of(taxonomy), edition)
    reads: dict[str, _Read] = {}
    problems: list[Problem] = []
    for table, source in sources.items():
        read, probs = _clean_one(table, source, ctx)
        problems += probs
        if read is not None:
            reads[table] = read
    if "cities" in reads:
        problems += _duplicates(reads["cities"], ["city_id"], "city_id")
    if "projects" in reads:
        problems += _duplicates(reads["projects"], ["project_id"], "project_id")
        if "cities" in reads:
            problems += _unknown_cities(reads["projects"], reads["cities"])
            _note_idle_cities(reads["cities"], reads["projects"])
    if "objectives" in reads:
        problems += _duplicates(reads["objectives"], ["city_id", "objective"], "objective for this city")
        problems += _same_rank(reads["objectives"])
        if "cities" in reads:
            problems += _unknown_cities(reads["objectives"], reads["cities"])
    if problems:
        problems = [_shorten(p) for p in problems]
        order = {str(src): i for i, src in enumerate(sources.values())}
        problems.sort(key=lambda p: (order.get(p.file, -1), p.row if p.row is not None else -1))
        raise InputError(problems)
    lookup = ctx[0]
    frames = {
        t: reads[t].frame if t in reads else as_categories(empty_table(t), lookup, edition) for t in COLUMNS
    }
    log = pd.DataFrame([reads[t].log for t in COLUMNS if t in reads], columns=list(LOG_COLUMNS))
    return CleanTables(
        frames["cities"],
        frames["projects"],
        frames["objectives"],
        log,
        {t: reads[t].source.path for t in reads},
        tuple(ignored),
    )

