"""Finding the tables of an edition folder.

:func:`scan_folder` names the file (or workbook sheet) of each table; it
reads no table.
"""

from __future__ import annotations

import os
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from baro.clean.labels import _SEP
from baro.clean.schema import COLUMNS, TABLE_NAMES
from baro.errors import InputError, Problem
from baro.io import SUFFIXES, sheet_names

def _name_key(name: str) -> str:
    t = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in t if not unicodedata.combining(ch))


_TABLE_OF_NAME = {_name_key(n): table for table, names in TABLE_NAMES.items() for n in names}


def _tables_in(key: str) -> set[str]:
    """The tables whose name is a word of the name key ``key`` ("projets_2016" -> projects)."""
    return {_TABLE_OF_NAME[w] for w in _SEP.split(key) if w in _TABLE_OF_NAME}


#: Suffixes of data files that a folder may hold besides its tables; those
#: not read are listed by :func:`scan_folder`.
DATA_SUFFIXES = (
    ".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".sav", ".dta", ".json", ".parquet",
)


@dataclass(frozen=True)
class Source:
    """Where a table is read from: a file, or one sheet of a workbook."""

    path: Path
    sheet: str | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.sheet is None else f"{self.path.name}, sheet {self.sheet!r}"

    def __str__(self) -> str:
        return str(self.path) if self.sheet is None else f"{self.path}, sheet {self.sheet!r}"


def scan_folder(directory) -> tuple[dict[str, Source], list[str]]:
    """The file of each table in ``directory`` and the data files not read.

    A table file is named cities, projects or objectives (or villes,
    projets, objectifs), without regard to case or accents, with a suffix
    among :data:`baro.io.SUFFIXES`. A table without such a file may come
    from a file whose name holds its name and no other table's
    ("projets_2016.csv"), else from a sheet so named in a workbook of the
    folder (one export.xlsx with sheets Villes, Projets, Objectifs). Two
    sources for one table, a missing folder or a folder without cities or
    projects are errors.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ("Villes.CSV", "projets_2016.xlsx", "objectifs par ville.csv", "notes.txt", "edition.toml"):
    ...     _ = (d / n).write_text("x")
    >>> sources, ignored = scan_folder(d)
    >>> {t: src.name for t, src in sources.items()}, ignored
    ({'cities': 'Villes.CSV', 'projects': 'projets_2016.xlsx'}, ['notes.txt', 'objectifs par ville.csv'])
    """
    directory = Path(directory)
    if not directory.exists():
        raise InputError([Problem(str(directory), "folder not found")])
    if not directory.is_dir():
        raise InputError([Problem(str(directory), "is not a folder (give the folder holding the tables)")])
    found: dict[str, list[Path]] = defaultdict(list)
    loose: dict[str, list[Path]] = defaultdict(list)
    unsupported: dict[str, list[str]] = defaultdict(list)
    others = []
    refused: dict[str, list[Problem]] = defaultdict(list)
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise InputError([Problem(str(directory), f"cannot be listed: {exc.strerror or exc}")]) from None
    inside = directory.resolve()
    for p in entries:
        if p.name.startswith((".", "~$")):
            continue
        key = _name_key(p.stem)
        table = _TABLE_OF_NAME.get(key)
        words = _tables_in(key)
        named = table if table else (next(iter(words)) if len(words) == 1 else None)
        if named and p.suffix.lower() in SUFFIXES and (why := _not_readable(p, inside)):
            refused[named].append(Problem(str(p), why))
            continue
        if not p.is_file():
            continue
        if table and p.suffix.lower() in SUFFIXES:
            found[table].append(p)
        elif len(words) == 1 and p.suffix.lower() in SUFFIXES:
            loose[words.pop()].append(p)
        else:
            others.append(p)
            if table:
                unsupported[table].append(p.name)
    for table, paths in loose.items():
        if table in found:
            others += paths
        else:
            found[table] = paths
    sources: dict[str, list[Source]] = {t: [Source(p) for p in ps] for t, ps in found.items()}
    if any(t not in sources for t in COLUMNS):
        in_sheets: dict[str, list[Source]] = defaultdict(list)
        for p in others:
            if p.suffix.lower() not in (".xlsx", ".xlsm"):
                continue
            for sheet in sheet_names(p):
                key = _name_key(sheet.strip())
                table = _TABLE_OF_NAME.get(key)
                if table is None:
                    words = _tables_in(key)
                    table = words.pop() if len(words) == 1 else None
                if table and table not in sources:
                    in_sheets[table].append(Source(p, sheet))
        sources.update(in_sheets)
        used = {src.path for srcs in in_sheets.values() for src in srcs}
        others = [p for p in others if p not in used]
    ignored = sorted(p.name for p in others if p.suffix.lower() in DATA_SUFFIXES)
    expected = (
        "expected cities, projects and (optionally) objectives as .csv, .xlsx or .sav "
        "(French names villes, projets, objectifs accepted)"
    )
    if not sources and not refused:
        names = sorted(p.name for p in others)
        seen = ", ".join(names[:10]) if names else "nothing"
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        raise InputError([Problem(str(directory), f"no table files found; {expected}; found: {seen}{more}")])
    problems = [p for probs in refused.values() for p in probs]
    for table, srcs in sources.items():
        if len(srcs) > 1:
            names = " and ".join(src.name for src in srcs)
            kind = "files" if all(src.sheet is None for src in srcs) else "sources"
            problems.append(Problem(str(directory), f"two {kind} for the {table} table: {names}; keep one"))
    for table in ("cities", "projects"):
        if table not in sources and table not in refused:
            hint = ""
            if unsupported[table]:
                hint = f" ({', '.join(unsupported[table])}: format not read; save as .csv or .xlsx)"
            problems.append(Problem(str(directory), f"no {table} table{hint}; {expected}"))
    if problems:
        raise InputError(problems)
    return {t: sources[t][0] for t in COLUMNS if t in sources}, ignored


def _not_readable(path: Path, inside: Path) -> str | None:
    """Why the entry ``path``, named as a table, cannot be read as one (None when it can).

    A folder is not a table; a symbolic link is followed only when it stays
    inside the data folder ``inside`` (resolved), so that a table never
    comes from elsewhere without a word.
    """
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(inside):
            return (
                f"is a symbolic link to {target}, outside the data folder; "
                "copy the file into the folder to read it"
            )
        if not target.exists():
            return f"is a symbolic link to {target}, which does not exist"
    if path.is_dir():
        return "is a folder, not a table file; the table must be a .csv, .xlsx or .sav file"
    return None


def find_table_files(directory) -> dict[str, Path]:
    """The file of each table in ``directory`` (table -> path); see :func:`scan_folder`.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ("Villes.CSV", "projets.xlsx", "notes.txt"):
    ...     _ = (d / n).write_text("x")
    >>> {t: p.name for t, p in find_table_files(d).items()}
    {'cities': 'Villes.CSV', 'projects': 'projets.xlsx'}
    """
    return {t: src.path for t, src in scan_folder(directory)[0].items()}
