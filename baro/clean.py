"""Clean and validate an edition's tables; the ``validate`` and ``import`` commands.

:func:`load_tables` reads the cities, projects and objectives tables of a
folder (each as .csv, .xlsx or .sav, under English or French names),
matches their columns to the canonical schema, maps every label to a
canonical code of the taxonomy and validates the result. It either returns
:class:`CleanTables`, with a log of every row's fate, or raises
:class:`baro.errors.InputError` listing every problem found, each with its
file, row (as a spreadsheet shows it), column and value.

Rules
-----
- Column names are matched without regard to case, accents, punctuation
  and spacing; :data:`COLUMN_SYNONYMS` lists the accepted names (French
  headers included). An unknown extra column is noted in the log and
  left out; a missing column is an error.
- Labels are normalised (:func:`normalise`) and looked up among each
  code's label and synonyms in the taxonomy. An unknown label is an
  error listing its rows and the closest labels; nothing is ever mapped
  to a default category.
- An objectives table may also come in wide form: a city column and
  one rank column per objective, headed by the objective's label.
- Rows that are entirely empty are excluded (reason "empty row"); every
  other row is kept or is an error. In the log, rows_read = rows_kept +
  rows_excluded.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import re
import shutil
import sys
import tempfile
import textwrap
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from baro.errors import BaroError, InputError, Problem

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

#: Pandas dtype of each canonical column as read; :func:`load_tables` then makes
#: the :data:`CODED` columns categorical.
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

#: Columns whose values are codes of the taxonomy variable of the same name.
#: :func:`load_tables` returns them as pandas Categorical (see :func:`as_categories`).
CODED = ("kind", "population_band", "domain", "status", "management_mode", "decision_mode", "objective")

#: Accepted header names of each canonical column (compared by :func:`column_key`).
COLUMN_SYNONYMS = {
    "city_id": (
        "city_id", "ville", "code ville", "collectivité", "identifiant ville", "id ville",
        "identifiant de la ville", "code collectivité", "id collectivité",
        "identifiant collectivité", "identifiant de la collectivité", "répondant",
        "id répondant", "code répondant", "city", "city id", "city code",
    ),
    "project_id": (
        "project_id", "identifiant projet", "projet", "id projet", "code projet",
        "identifiant du projet", "numéro projet", "numéro du projet", "n° projet", "no projet",
        "num projet", "project", "project id",
    ),
    "kind": (
        "kind", "type de collectivité", "type", "type collectivité", "nature",
        "nature de la collectivité", "catégorie de collectivité",
    ),
    "population_band": (
        "population_band", "tranche de population", "strate", "population",
        "tranche population", "strate de population", "strate démographique", "taille",
        "nombre d'habitants", "habitants", "population band",
    ),
    "domain": ("domain", "domaine", "domaine du projet", "secteur", "thématique", "thème"),
    "status": (
        "status", "statut", "statut du projet", "état", "état d'avancement", "avancement",
        "état du projet",
    ),
    "management_mode": ("management_mode", "mode de gestion", "gestion", "mode gestion", "management mode"),
    "decision_mode": ("decision_mode", "mode de décision", "décision", "mode décision", "decision mode"),
    "citizens_involved": (
        "citizens_involved", "implication des citoyens", "citoyens impliqués",
        "implication citoyenne", "participation citoyenne", "participation des citoyens",
        "citoyens associés", "citoyens", "citizens involved",
    ),
    "objective": ("objective", "objectif", "objectifs"),
    "rank": ("rank", "rang", "classement", "ordre", "priorité", "rang de l'objectif"),
}

#: Accepted file names (without suffix, compared without case or accents).
TABLE_NAMES = {
    "cities": ("cities", "city", "villes", "ville", "collectivités"),
    "projects": ("projects", "project", "projets", "projet"),
    "objectives": ("objectives", "objective", "objectifs", "objectif"),
}

#: Accepted yes / no answers (after :func:`normalise`).
YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1"})
NO = frozenset({"non", "n", "no", "faux", "false", "0"})

#: Rank cells meaning "not cited" (after :func:`normalise`), read as empty and noted.
NOT_CITED = frozenset({"na", "n a", "nc", "n c", "non cite", "not cited", "sans objet"})

#: Population thresholds of the bands, for exports that give a population.
POPULATION_BANDS = ((200_000, "p200k_plus"), (100_000, "p100_200k"), (50_000, "p50_100k"))

LOG_COLUMNS = ("table", "file", "rows_read", "rows_kept", "rows_excluded", "reason", "note")

ROWS_SHOWN = 5


# ------------------------------------------------------------ normalising
_SEP = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.replace("œ", "oe").replace("æ", "ae").replace("&", " et ")
    t = unicodedata.normalize("NFKD", t.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return _SEP.sub(" ", t).strip()


@functools.lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    """:func:`normalise`, remembered: answers repeat a few spellings over many rows."""
    return normalise(text)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def normalise(text) -> str:
    """The comparison form of a label: no case, accents, punctuation or plural.

    Letters are case-folded and stripped of accents, every run of
    punctuation or spacing becomes one space, "&" reads "et", and a
    final "s" is dropped from words longer than three letters (not from
    "ss"). Applying it twice changes nothing.

    >>> normalise("  Transports / Mobilité ")
    'transport mobilite'
    >>> normalise("À L'ÉTUDE")
    'a l etude'
    >>> normalise("Loisirs & culture")
    'loisir et culture'
    >>> normalise(normalise("Énergies")) == normalise("Énergies") == "energie"
    True
    """
    t = str(text)
    for _ in range(8):
        new = " ".join(_singular(w) for w in _fold(t).split())
        if new == t:
            break
        t = new
    return t


def column_key(name) -> str:
    """Comparison key of a column name: letters and digits only, no accents.

    >>> column_key("Mode de décision") == column_key("mode_de_decision") == "modededecision"
    True
    >>> column_key("N° projet")
    'nprojet'
    """
    return _fold(str(name)).replace(" ", "")


_COLUMN_LOOKUP = {column_key(s): col for col, names in COLUMN_SYNONYMS.items() for s in names}


def recognise_column(name) -> str | None:
    """The canonical column a header names, or None.

    >>> recognise_column("Implication des citoyens"), recognise_column("CODE VILLE")
    ('citizens_involved', 'city_id')
    >>> recognise_column("Commentaire") is None
    True
    """
    return _COLUMN_LOOKUP.get(column_key(name))


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:ROWS_SHOWN])
    more = len(rows) - ROWS_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _also(rows: list[int]) -> str:
    rows = list(dict.fromkeys(rows))  # a wide table repeats a row per objective
    if len(rows) <= 1:
        return ""
    return f" (also row{'s' if len(rows) > 2 else ''} {_rows_text(rows[1:])}; {len(rows)} rows in all)"


# --------------------------------------------------------------- labels
_AMBIGUOUS = object()


class LabelLookup:
    """Normalised label -> canonical code, for every coded variable.

    Built once per taxonomy from each code, its label and its synonyms;
    a spelling that two codes of one variable share is ambiguous and
    never matched.

    >>> from baro.taxonomy import load_taxonomy
    >>> lookup = LabelLookup.of(load_taxonomy())
    >>> lookup.code("domain", "TRANSPORTS"), lookup.code("status", "A l'étude")
    ('transport', 'a_l_etude')
    >>> lookup.code("domain", "Trasnport") is None
    True
    >>> lookup.closest("domain", "Trasnport")
    ['Transport']
    """

    _cache: dict[int, tuple[object, "LabelLookup"]] = {}

    def __init__(self, taxonomy):
        self.taxonomy = taxonomy
        self.exact: dict[str, dict[str, object]] = {}
        self.compact: dict[str, dict[str, object]] = {}
        self.spellings: dict[str, dict[str, str]] = {}
        for variable in CODED:
            exact, compact, spellings = {}, {}, {}
            for cat in taxonomy.categories.get(variable, {}).values():
                for s in (cat.code, cat.label, *cat.synonyms):
                    key = normalise(s)
                    for table, k in ((exact, key), (compact, key.replace(" ", ""))):
                        if table.get(k, cat.code) != cat.code:
                            table[k] = _AMBIGUOUS
                        else:
                            table[k] = cat.code
                    spellings.setdefault(key, cat.label)
            self.exact[variable], self.compact[variable] = exact, compact
            self.spellings[variable] = spellings

    @classmethod
    def of(cls, taxonomy) -> "LabelLookup":
        hit = cls._cache.get(id(taxonomy))
        if hit is None or hit[0] is not taxonomy:
            hit = (taxonomy, cls(taxonomy))
            cls._cache[id(taxonomy)] = hit
        return hit[1]

    def code(self, variable: str, value) -> str | None:
        """The code ``value`` spells, or None when unknown or ambiguous."""
        key = _normalised(str(value))
        code = self.exact[variable].get(key)
        if code is None:
            code = self.compact[variable].get(key.replace(" ", ""))
        return code if isinstance(code, str) else None

    def closest(self, variable: str, value, n: int = 3) -> list[str]:
        """Labels of the codes whose spellings are closest to ``value``."""
        spellings = self.spellings[variable]
        out = []
        for s in difflib.get_close_matches(normalise(value), list(spellings), n=10, cutoff=0.6):
            if spellings[s] not in out:
                out.append(spellings[s])
        return out[:n]

    def edition_for(self, variable: str, edition: int | None) -> int | None:
        """The edition whose categories apply to ``edition``.

        ``edition`` itself, except for an edition newer than every edition
        the taxonomy names for ``variable`` (the next survey, before the
        taxonomy is updated): the latest edition it names.
        """
        if edition is None:
            return None
        known = {y for c in self.taxonomy.categories.get(variable, {}).values() for y in (c.editions or ())}
        if known and edition > max(known):
            return max(known)
        return edition

    def codes(self, variable: str, edition: int | None) -> list[str]:
        """Codes allowed in ``edition`` (see :meth:`edition_for`)."""
        return self.taxonomy.codes(variable, self.edition_for(variable, edition))

    def allowed(self, variable: str, edition: int | None) -> list[str]:
        """Labels of the codes allowed in ``edition``."""
        return [self.taxonomy.label(variable, c) for c in self.codes(variable, edition)]


def parse_bool(value) -> bool | None:
    """True / False for a yes / no answer, None when it is not one.

    >>> [parse_bool(v) for v in ("Oui", "NON", "yes", "Vrai", "false", "1", "0.0", "o", "N", "peut-être")]
    [True, False, True, True, False, True, False, True, False, None]
    """
    s = str(value).strip()
    if re.fullmatch(r"[01](\.0+)?", s):
        return s.startswith("1")
    key = _normalised(s)
    if key in YES:
        return True
    if key in NO:
        return False
    return None


_ORDINAL = re.compile(r"(\d+)\s*(?:er|re|ere|ère|e|eme|ème|è|nd|st|rd|th|°)")


def parse_rank(value) -> tuple[int | None, str | None]:
    """(rank, None) for a positive whole number or empty; (None, why) otherwise.

    >>> parse_rank("2"), parse_rank("2.0"), parse_rank(" 3,0 "), parse_rank("1er"), parse_rank("")
    ((2, None), (2, None), (3, None), (1, None), (None, None))
    >>> parse_rank("2.5")[1], parse_rank("0")[1], parse_rank("deux")[1]
    ('not a whole number', 'not positive', 'not a number')
    """
    s = str(value).strip().replace(",", ".")
    if not s:
        return None, None
    ordinal = _ORDINAL.fullmatch(s.casefold())
    if ordinal:
        s = ordinal.group(1)
    if not re.fullmatch(r"[+-]?\d+(?:\.\d*)?", s):
        return None, "not a number"
    x = float(s)
    if not x.is_integer():
        return None, "not a whole number"
    if x < 1:
        return None, "not positive"
    return int(x), None


def _population_band(value) -> tuple[str | None, bool]:
    """(band, is_a_count) for a population written as a number or a range.

    A single number is a population and is binned ("" when below the
    smallest band); two numbers are a band's bounds and must be one of
    the bands. Anything else, or a "less than", gives (None, False).

    >>> _population_band("153 000"), _population_band("42000")
    (('p100_200k', True), ('', True))
    >>> [_population_band(v) for v in ("100 000 - 199 999", "De 50k à 100k", "200 000 +")]
    [('p100_200k', False), ('p50_100k', False), ('p200k_plus', False)]
    >>> _population_band("moins de 50 000"), _population_band("60 000 - 90 000")
    ((None, False), (None, False))
    """
    t = str(value).casefold().replace("\u00a0", " ").replace("\u202f", " ")
    if re.search(r"moins|less|under|inf[eé]rieur|<", t):
        return None, False
    t = re.sub(r"(?<=\d)[ .'](?=\d{3}\b)", "", t)
    t = re.sub(r"(\d+)\s*k\b", lambda m: str(int(m.group(1)) * 1000), t)
    nums = [int(x) for x in re.findall(r"\d+", t)]
    letters = re.sub(r"[\d\W_]+", " ", t).split()
    if len(nums) == 1 and nums[0] >= 1000:
        n = nums[0]
        plus = bool(re.search(r"plus|more|over|\+|>|au[- ]del|sup[eé]rieur", t))
        if plus:
            return ("p200k_plus", False) if n == 200_000 else (None, False)
        if set(letters) - {"habitant", "habitants", "hab", "h"}:
            return None, False
        for threshold, code in POPULATION_BANDS:
            if n >= threshold:
                return code, True
        return "", True
    if len(nums) == 2:
        lo, hi = nums
        for threshold, code in POPULATION_BANDS[1:]:
            if lo == threshold and hi in (2 * threshold - 1, 2 * threshold):
                return code, False
    return None, False


# ----------------------------------------------------------------- files
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
    from baro.io import SUFFIXES

    directory = Path(directory)
    if not directory.exists():
        raise InputError([Problem(str(directory), "folder not found")])
    if not directory.is_dir():
        raise InputError([Problem(str(directory), "is not a folder (give the folder holding the tables)")])
    found: dict[str, list[Path]] = defaultdict(list)
    loose: dict[str, list[Path]] = defaultdict(list)
    unsupported: dict[str, list[str]] = defaultdict(list)
    others = []
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise InputError([Problem(str(directory), f"cannot be listed: {exc.strerror or exc}")]) from None
    for p in entries:
        if p.name.startswith((".", "~$")) or not p.is_file():
            continue
        key = _name_key(p.stem)
        table = _TABLE_OF_NAME.get(key)
        words = _tables_in(key)
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
        from baro.io import sheet_names

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
    if not sources:
        names = sorted(p.name for p in others)
        seen = ", ".join(names[:10]) if names else "nothing"
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        raise InputError([Problem(str(directory), f"no table files found; {expected}; found: {seen}{more}")])
    problems = []
    for table, srcs in sources.items():
        if len(srcs) > 1:
            names = " and ".join(src.name for src in srcs)
            kind = "files" if all(src.sheet is None for src in srcs) else "sources"
            problems.append(Problem(str(directory), f"two {kind} for the {table} table: {names}; keep one"))
    for table in ("cities", "projects"):
        if table not in sources:
            hint = ""
            if unsupported[table]:
                hint = f" ({', '.join(unsupported[table])}: format not read; save as .csv or .xlsx)"
            problems.append(Problem(str(directory), f"no {table} table{hint}; {expected}"))
    if problems:
        raise InputError(problems)
    return {t: sources[t][0] for t in COLUMNS if t in sources}, ignored


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


# ---------------------------------------------------------------- tables
def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with the canonical columns and dtypes of ``table``.

    >>> empty_table("objectives").dtypes.astype(str).tolist()
    ['str', 'str', 'Int64']
    """
    return pd.DataFrame({c: pd.Series([], dtype=DTYPES[c]) for c in COLUMNS[table]})


def as_categories(frame: pd.DataFrame, lookup: "LabelLookup", edition: int | None = None) -> pd.DataFrame:
    """``frame`` with each coded column as a Categorical of the taxonomy's codes.

    The categories are the codes of the variable in the taxonomy's order:
    those of ``edition`` when it is given (see :meth:`LabelLookup.codes`),
    else all of them. Statistics then work on the integer codes without
    hashing strings, and a report lists levels in the taxonomy's order
    when it asks for them. ``city_id`` and ``project_id`` stay strings:
    they are identifiers, not a closed list of codes. A value that is not
    one of the categories is an error (it would otherwise become missing).

    >>> from baro.taxonomy import load_taxonomy
    >>> f = pd.DataFrame({"city_id": ["V01", "V02"], "status": ["en_cours", "realise"]})
    >>> out = as_categories(f, LabelLookup.of(load_taxonomy()))
    >>> out["status"].cat.categories.tolist(), out["status"].tolist()
    (['realise', 'en_cours', 'a_l_etude'], ['en_cours', 'realise'])
    >>> str(out["city_id"].dtype)
    'str'
    """
    out = frame.copy()
    for col in CODED:
        if col not in out.columns:
            continue
        values = out[col]
        cats = lookup.codes(col, edition)
        coded = pd.Categorical(values, categories=cats)
        lost = values.notna().to_numpy() & (coded.codes < 0)
        if lost.any():
            bad = sorted(set(values[lost].tolist()))
            raise ValueError(
                f"column {col!r} holds values that are not codes of the taxonomy: {bad!r}; codes: {cats!r}"
            )
        out[col] = coded
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


@dataclass
class _Read:
    """One table after cleaning: frame, row numbers, header names used."""

    table: str
    source: Source
    frame: pd.DataFrame
    rows: list[int]
    headers: dict[str, str]
    log: dict


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
        from baro.io import DELIMITER_NAMES

        delim = DELIMITER_NAMES[info["delimiter"]]
        notes.append(f"CSV, {info['encoding']}, {delim}")
        for c in info.get("comments", []):
            notes.append(f"comment line {textwrap.shorten(c, 90, placeholder=' ...')!r}")
    elif fmt == "xlsx":
        notes.append(f"XLSX, sheet {info['sheet']!r}")
        if info.get("other_sheets"):
            notes.append(f"other sheets ignored: {', '.join(map(repr, info['other_sheets']))}")
    elif fmt == "sav":
        notes.append("SPSS .sav, value labels applied")
    for row, text in info.get("skipped", []):
        notes.append(f"row {row} above the header skipped: {text[:60]!r}")
    return notes


def _clean_one(table, source: Source, ctx) -> tuple[_Read | None, list[Problem]]:
    from baro.io import read_table

    lookup, edition = ctx
    path = source.path
    file = str(source)
    try:
        frame, rows = read_table(path, sheet=source.sheet)  # headers: recognise_column
    except InputError as exc:
        # name the sheet too when the table is one sheet of a workbook
        return None, [dataclasses.replace(p, file=file) if p.file == str(path) else p for p in exc.problems]
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
    for i, name in enumerate(frame.columns):
        col = recognise_column(name)
        if col in wanted or any(i in idx for idx in wide.values()):
            continue
        elif name == "" and not frame.iloc[:, i].str.strip().astype(bool).any():
            continue
        else:
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
    if problems:
        return None, problems
    if len(frame) == 0:
        return None, [Problem(file, "has a header row but no data rows")]

    blank = frame.apply(lambda s: s.str.strip() == "").all(axis=1).to_numpy()
    keep = [i for i in range(len(frame)) if not blank[i]]
    if not keep:
        return None, [Problem(file, f"has no data rows: all {len(frame)} rows are empty")]
    if wide:
        return _clean_wide(source, frame, rows, keep, position, wide, notes, ctx)
    kept_rows = [rows[i] for i in keep]
    headers = {col: frame.columns[position[col][0]] for col in wanted}
    out = {}
    for col in wanted:
        column = frame.iloc[:, position[col][0]].tolist()  # cell by cell through .iat is slow
        raw = [column[i].strip() for i in keep]
        values, col_problems, col_notes = _parse_column(
            col, raw, kept_rows, file, headers[col], lookup, edition
        )
        out[col] = values
        problems += col_problems
        notes += col_notes
    # a table with bad values is still returned, so that the checks across
    # tables (duplicates, unknown cities) report their problems too
    clean = pd.DataFrame({c: pd.Series(out[c], dtype=DTYPES[c]) for c in wanted})
    log = _log_entry(table, source, frame, keep, notes)
    return _Read(table, source, clean, kept_rows, headers, log), problems


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


def _clean_wide(source, frame, rows, keep, position, wide, notes, ctx):
    """Clean a wide objectives table into one row per city and objective."""
    lookup, edition = ctx
    file = str(source)
    problems = []
    city_at = position["city_id"][0]
    city_header = frame.columns[city_at]
    cities, objectives, ranks, rank_headers, long_rows = [], [], [], [], []
    columns = sorted((idx[0], code) for code, idx in wide.items())
    values = {j: frame.iloc[:, j].tolist() for j in [city_at, *(j for j, _ in columns)]}
    for i in keep:
        for j, code in columns:
            cities.append(values[city_at][i].strip())
            objectives.append(code)
            ranks.append(values[j][i].strip())
            rank_headers.append(frame.columns[j])
            long_rows.append(rows[i])
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
    clean = pd.DataFrame(
        {
            "city_id": pd.Series(city_values, dtype="str"),
            "objective": pd.Series(objectives, dtype="str"),
            "rank": pd.Series(rank_values, dtype="Int64"),
        }
    )
    log = _log_entry("objectives", source, frame, keep, notes)
    headers = {"city_id": city_header, "objective": "objective", "rank": "rank"}
    return _Read("objectives", source, clean, long_rows, headers, log), problems


def _parse_column(col, raw, rows, file, header, lookup, edition):
    problems = []
    notes = []
    missing = [r for v, r in zip(raw, rows) if v == ""]
    if col == "rank":
        values = []
        not_cited = defaultdict(int)
        for v, r in zip(raw, rows):
            if v in ("-", "–", "—") or (v and _normalised(v) in NOT_CITED):
                not_cited[v] += 1
                values.append(None)
                continue
            rank, why = parse_rank(v)
            if why:
                h = header[len(values)] if isinstance(header, list) else header
                problems.append(
                    Problem(file, f"{why}; expected a positive whole number (1 = first) or empty", r, h, v)
                )
            values.append(rank)
        for v, n in not_cited.items():
            notes.append(f"{n} rank{'s' if n > 1 else ''} {v!r} read as not cited")
        return values, problems, notes
    if missing:
        if col in CODED:
            expected = "expected one of " + ", ".join(repr(x) for x in lookup.allowed(col, edition))
        elif col == "citizens_involved":
            expected = "expected a yes/no answer"
        else:
            expected = f"every row needs a {col}"
        problems.append(Problem(file, f"missing value{_also(missing)}; {expected}", missing[0], header, ""))
    if col in ("city_id", "project_id"):
        return raw, problems, notes
    if col == "citizens_involved":
        bad = defaultdict(list)
        values = []
        for v, r in zip(raw, rows):
            b = parse_bool(v)
            if b is None and v:
                bad[v].append(r)
            values.append(bool(b))
        for v, rs in bad.items():
            problems.append(
                Problem(
                    file,
                    f"not a yes/no answer{_also(rs)}; "
                    "expected oui/non, yes/no, vrai/faux, true/false, 1/0 or o/n",
                    rs[0],
                    header,
                    v,
                )
            )
        return values, problems, notes
    # coded variables
    tax = lookup.taxonomy
    unknown = defaultdict(list)
    wrong_edition = defaultdict(list)
    values = []
    binned = 0
    codes = set(lookup.codes(col, edition)) if edition is not None else set()
    for v, r in zip(raw, rows):
        if not v:
            values.append("")
            continue
        code = lookup.code(col, v)
        if code is None and col == "population_band":
            band, is_count = _population_band(v)
            if band == "":
                why = "population below 50 000, the survey's smallest band"
                problems.append(Problem(file, why, r, header, v))
                values.append("")
                continue
            if band:
                binned += is_count
                code = band
        if code is None:
            unknown[v].append(r)
        elif edition is not None and code not in codes:
            wrong_edition[(v, code)].append(r)
        values.append(code or "")
    allowed = ", ".join(repr(s) for s in lookup.allowed(col, edition))
    for v, rs in unknown.items():
        near = lookup.closest(col, v)
        hint = f"; closest: {', '.join(repr(s) for s in near)}" if near else ""
        why = f"unknown {col}{_also(rs)}{hint}; allowed: {allowed}"
        problems.append(Problem(file, why, rs[0], header, v))
    for (v, code), rs in wrong_edition.items():
        cat = tax.categories[col][code]
        years = ", ".join(map(str, cat.editions or ()))
        problems.append(
            Problem(
                file,
                f"{col} {code!r} is a category of edition(s) {years}, not of {edition}{_also(rs)}; "
                f"allowed: {allowed} (if edition {edition} has it, add {edition} to its editions "
                f"in the taxonomy)",
                rs[0],
                header,
                v,
            )
        )
    if binned:
        notes.append(f"{binned} population figure{'s' if binned > 1 else ''} binned into bands")
    used = lookup.edition_for(col, edition)
    if used != edition:
        notes.append(f"{col}: edition {edition} is newer than the taxonomy's editions; categories of {used} used")
    return values, problems, notes


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


def _duplicates(read: _Read, keys: list[str], what: str) -> list[Problem]:
    problems = []
    first: dict[tuple, int] = {}
    cols = [read.frame[k].tolist() for k in keys]
    for key, row in zip(zip(*cols), read.rows):
        if "" in key:  # a missing value, already reported
            continue
        if key in first:
            value = key[0] if len(key) == 1 else ", ".join(map(str, key))
            problems.append(
                Problem(
                    str(read.source),
                    f"duplicate {what} (first at row {first[key]})",
                    row,
                    read.headers[keys[-1]],
                    value,
                )
            )
        else:
            first[key] = row
    return problems


def _unknown_cities(read: _Read, cities: _Read) -> list[Problem]:
    known = set(cities.frame["city_id"])
    bad = defaultdict(list)
    for cid, row in zip(read.frame["city_id"], read.rows):
        if cid and cid not in known:
            bad[cid].append(row)
    folded = {}
    for k in known:
        folded.setdefault(normalise(k).replace(" ", ""), k)
    problems = []
    for cid, rs in bad.items():
        near = folded.get(normalise(cid).replace(" ", ""))
        hint = f"; the cities table has {near!r} (identifiers are compared exactly)" if near else ""
        problems.append(
            Problem(
                str(read.source),
                f"city not in the cities table {cities.source.name}{_also(rs)}{hint}",
                rs[0],
                read.headers["city_id"],
                cid,
            )
        )
    return problems


def _note_idle_cities(cities: _Read, projects: _Read) -> None:
    """Note in the cities' log the cities that have no project (not an error)."""
    with_projects = set(projects.frame["city_id"])
    idle = [c for c in cities.frame["city_id"] if c not in with_projects]
    if not idle:
        return
    shown = ", ".join(idle[:ROWS_SHOWN])
    if len(idle) > ROWS_SHOWN:
        shown += f" and {len(idle) - ROWS_SHOWN} more"
    note = f"{len(idle)} cit{'ies' if len(idle) > 1 else 'y'} without any project: {shown}"
    cities.log["note"] = "; ".join(x for x in (cities.log["note"], note) if x)


def _same_rank(read: _Read) -> list[Problem]:
    seen: dict[tuple, tuple[int, str]] = {}
    problems = []
    f = read.frame
    for cid, obj, rank, row in zip(f["city_id"], f["objective"], f["rank"], read.rows):
        if rank is None or rank is pd.NA or not cid:
            continue
        key = (cid, rank)
        if key in seen:
            first_row, first_obj = seen[key]
            problems.append(
                Problem(
                    str(read.source),
                    f"city {cid!r} gives rank {rank} to two objectives: {first_obj!r} (row {first_row}) "
                    f"and {obj!r} (row {row})",
                    row,
                    read.headers["rank"],
                    str(rank),
                )
            )
        else:
            seen[key] = (row, obj)
    return problems


def load_tables(directory, *, edition: int | None = None, taxonomy=None) -> CleanTables:
    """Read, clean and validate the tables of an edition folder.

    Parameters
    ----------
    directory : str or Path
        Folder holding cities and projects tables, and optionally an
        objectives table, each as .csv, .xlsx or .sav (see
        :func:`scan_folder`; a table may also be a sheet of a workbook).
        The files are only read.
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
        (:data:`CODED`) are pandas Categorical whose categories are the
        taxonomy's codes in its order (those of ``edition`` when given,
        else all codes; see :func:`as_categories`); ``city_id`` and
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
    frames = {t: as_categories(reads[t].frame if t in reads else empty_table(t), lookup, edition) for t in COLUMNS}
    log = pd.DataFrame([reads[t].log for t in COLUMNS if t in reads], columns=list(LOG_COLUMNS))
    return CleanTables(
        frames["cities"],
        frames["projects"],
        frames["objectives"],
        log,
        {t: reads[t].source.path for t in reads},
        tuple(ignored),
    )


# ------------------------------------------------------------------- CLI
def format_log(log: pd.DataFrame) -> str:
    """The cleaning log as a small aligned text table, notes below it.

    >>> import pandas as pd
    >>> log = pd.DataFrame([["projects", "p.csv", 3, 2, 1, "empty row", "CSV, utf-8, comma"]],
    ...                    columns=list(LOG_COLUMNS))
    >>> print(format_log(log))
    table     file   read  kept  excluded  reason
    projects  p.csv     3     2         1  empty row
    projects: CSV, utf-8, comma
    """
    head = ["table", "file", "read", "kept", "excluded", "reason"]
    body = [
        [r.table, r.file, str(r.rows_read), str(r.rows_kept), str(r.rows_excluded), r.reason]
        for r in log.itertuples()
    ]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    right = {2, 3, 4}
    lines = []
    for rec in [head, *body]:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(rec, widths))]
        lines.append("  ".join(cells).rstrip())
    for r in log.itertuples():
        if r.note:
            lines.append(f"{r.table}: {r.note}")
    return "\n".join(lines)


def _max_errors(args) -> int:
    n = getattr(args, "max_errors", 50)
    if n is None:
        return 50
    if n < 0:
        raise BaroError(f"--max-errors must be 0 or more, not {n}")
    return n


def _load_for_cli(args) -> CleanTables:
    limit = _max_errors(args)
    try:
        return load_tables(args.directory, edition=getattr(args, "edition", None))
    except InputError as exc:
        raise InputError(exc.problems, limit=limit) from None


def cli_validate(args) -> int:
    """``baro validate DIR [--edition YEAR] [--max-errors N]``.

    Prints the cleaning log and "N cities, N projects, N objective
    answers: valid" and returns 0; raises :class:`InputError` (printed by
    :mod:`baro.cli`, exit status 2) when the tables have problems.
    """
    tables = _load_for_cli(args)
    print(format_log(tables.log))
    if tables.ignored:
        print(f"not read (not named as a table): {', '.join(tables.ignored)}")
    print(f"{tables.summary()}: valid")
    return 0


def _toml_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def edition_skeleton(year: int, tables: CleanTables, source: str, taxonomy=None) -> str:
    """Text of an edition.toml for imported (not simulated) tables.

    [questionnaire] lists the domains and objectives seen in the tables,
    in taxonomy order; figures are left for the researcher to enter.

    >>> import pandas as pd
    >>> t = CleanTables(empty_table("cities"), pd.DataFrame({"domain": ["transport"]}),
    ...                 empty_table("objectives"), pd.DataFrame())
    >>> import tomllib
    >>> meta = tomllib.loads(edition_skeleton(2016, t, "export.xlsx"))
    >>> meta["edition"]["simulated"], meta["questionnaire"]["domains"], meta.get("figures", [])
    (False, ['transport'], [])
    """
    if taxonomy is None:
        from baro.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    domains = [c for c in taxonomy.codes("domain") if c in set(tables.projects["domain"])]
    objectives = [c for c in taxonomy.codes("objective") if c in set(tables.objectives["objective"])]
    src = source.replace("\\", "/").replace('"', "'")
    return f'''# Edition {year} of the Baromètre « ville numérique ».
# Tables imported by `baro import` from {src}. Enter the publisher, the
# publication date and the published figures below (see baro/editions.py).

[edition]
year = {year}
title = "Baromètre « ville numérique » {year}"
# publisher = "Syntec Numérique"
# published = {year}-07-01
simulated = false
data_note = "Microdonnées de l'enquête, importées depuis {src}."

[questionnaire]
# Categories seen in the tables; add any that were asked but never chosen.
domains = {_toml_list(domains)}
objectives = {_toml_list(objectives)}

# Published figures: none yet. One [[figures]] table each, for example:
# [[figures]]
# id = "domain_transport_count"
# label = "Projets de transport"
# value = 120
# unit = "count"
# statistic = "count"
# table = "projects"
# where = {{ domain = "transport" }}
# basis = "verbatim"
# source = "Baromètre {year}, p. 12"
'''


def cli_import(args) -> int:
    """``baro import DIR --edition YEAR [--force] [--max-errors N]``.

    Cleans the tables of DIR and writes them as canonical CSV into
    data/editions/YEAR/ with an edition.toml skeleton. An existing edition
    folder is replaced only with ``--force``; its edition.toml and any
    file that is not a table are then kept. The folder is built aside and
    renamed into place, so a failure leaves the previous state intact.
    """
    from baro.io import SUFFIXES, write_canonical
    from baro.paths import editions_dir

    year = args.edition
    tables = _load_for_cli(args)
    root = editions_dir()
    target = root / str(year)
    if target.exists() and not getattr(args, "force", False):
        raise BaroError(f"{target} already exists; add --force to replace its tables")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{year}.import-", dir=root))
    old = None
    kept = []
    try:
        if target.is_dir():
            for p in sorted(target.iterdir()):
                is_table = _TABLE_OF_NAME.get(_name_key(p.stem)) and p.suffix.lower() in SUFFIXES
                if is_table or p.name.startswith("."):
                    continue
                (shutil.copytree if p.is_dir() else shutil.copy2)(p, tmp / p.name)
                kept.append(p.name)
        written = write_canonical(tables, tmp)
        toml = tmp / "edition.toml"
        if not toml.exists():
            source = Path(args.directory).resolve().name or str(args.directory)
            toml.write_text(edition_skeleton(year, tables, source), encoding="utf-8")
            written["edition"] = toml
        if target.exists():
            old = root / f".{year}.replaced-{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not target.exists():
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    print(f"imported {tables.summary()} into {target}")
    for table, path in written.items():
        n = len(tables[table]) if table in COLUMNS else None
        what = f"{n} rows" if n is not None else "skeleton: enter the published figures"
        print(f"  {target / path.name}  ({what})")
    for name in kept:
        print(f"  {target / name}  (kept)")
    if "edition.toml" in kept:
        text = (target / "edition.toml").read_text(encoding="utf-8")
        if re.search(r"(?m)^\s*simulated\s*=\s*true", text):
            print(
                f"note: {target / 'edition.toml'} still says simulated = true; set it to false",
                file=sys.stderr,
            )
    return 0
