"""Clean and validate an edition's tables.

:func:`load_tables` reads the cities, projects and objectives tables of a
folder (each as .csv, .xlsx or .sav, under English or French names),
matches their columns to the canonical schema, maps every label to a
canonical code of the taxonomy and validates the result. It either returns
:class:`CleanTables`, with a log of every row's fate, or raises
:class:`baro.errors.InputError` listing every problem found, each with its
file, row (as a spreadsheet shows it), column and value.

One module per job:

- :mod:`~baro.clean.schema`: tables, columns, dtypes, accepted names;
- :mod:`~baro.clean.labels`: normalising labels, looking them up in the taxonomy;
- :mod:`~baro.clean.parse`: value parsers (yes / no, rank, population, control characters);
- :mod:`~baro.clean.files`: finding each table's file in a folder;
- :mod:`~baro.clean.validate`: cleaning, the checks and their messages, the log;
- :mod:`~baro.clean.cache`: the clean tables kept between the check and the report.

The schema is declared in plain Python rather than with a schema library
(pandera was considered): the messages name a spreadsheet row, the closest
label and the other rows of the same value, and the checks run once per
distinct value, which a generic schema's per-row failure cases do not give.

Names of :mod:`~baro.clean.files`, :mod:`~baro.clean.validate` and
:mod:`~baro.clean.cache` are imported on first use, so that
:mod:`baro.io`, which uses the schema and labels, can be imported first.
"""

from __future__ import annotations

import importlib

from baro.clean.labels import LabelLookup, as_categories, column_key, normalise, recognise_column
from baro.clean.parse import control_character, parse_bool, parse_rank
from baro.clean.schema import (
    CODED,
    COLUMN_SYNONYMS,
    COLUMNS,
    DTYPES,
    LOG_COLUMNS,
    NO,
    NOT_CITED,
    POPULATION_BANDS,
    TABLE_NAMES,
    YES,
    empty_table,
)

_LATER = {
    "Source": "files",
    "scan_folder": "files",
    "find_table_files": "files",
    "DATA_SUFFIXES": "files",
    "CleanTables": "validate",
    "TableWarning": "validate",
    "load_tables": "validate",
    "table_warnings": "validate",
    "cached_tables": "cache",
    "check_folders": "cache",
    "cache_dir": "cache",
}

__all__ = [
    "CODED", "COLUMNS", "COLUMN_SYNONYMS", "DTYPES", "LOG_COLUMNS", "NO", "NOT_CITED",
    "POPULATION_BANDS", "TABLE_NAMES", "YES", "LabelLookup", "as_categories", "column_key",
    "control_character", "empty_table", "normalise", "parse_bool", "parse_rank",
    "recognise_column", *_LATER,
]


def __getattr__(name: str):
    if name in _LATER:
        return getattr(importlib.import_module(f"baro.clean.{_LATER[name]}"), name)
    raise AttributeError(f"module 'baro.clean' has no attribute {name!r}")
