"""The clean tables of a folder, kept between the check before a run and the report.

``baro run`` checks every table before any notebook starts; the report's
notebook then needs the same tables. :func:`cached_tables` is
:func:`~baro.clean.validate.load_tables` whose result is kept on disk, so
that the tables are read and cleaned once per run, not twice.

An entry is keyed by everything the clean tables depend on: the bytes of
every table file (and their names and sheets), the other files listed as
not read, the edition, the taxonomy file, the source of baro's reading
and cleaning code, and the versions of Python and pandas (which read the
kept frames back). Any change gives a new key, and the tables are read
again. Tables with problems are never kept: their error is raised each
time.

Where: ``$BARO_CACHE_DIR``, else ``$XDG_CACHE_HOME/baro/tables``, else
``~/.cache/baro/tables``; the folder is created readable by its owner
only. One file per data folder and edition, ``<name>.pickle``: a first
line holding the key, then the pickled :class:`CleanTables`. The file is
written under a temporary name and renamed, so a reader never sees half
of it; a file that cannot be read is ignored and rewritten. Pickle is
read only from this folder, which only its owner can write.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from baro.clean.files import scan_folder
from baro.clean.validate import CleanTables, load_tables

#: Changes when the format of an entry changes.
FORMAT = 1

_CODE = ("clean/__init__.py", "clean/schema.py", "clean/labels.py", "clean/parse.py", "clean/files.py",
         "clean/validate.py", "io.py")


def cache_dir() -> Path:
    """The folder of kept tables (see the module's documentation)."""
    env = os.environ.get("BARO_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "baro" / "tables"


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def table_key(directory, *, edition: int | None = None) -> str:
    """The key of the clean tables of ``directory``: a hash of all they depend on."""
    from baro.paths import data_dir

    sources, ignored = scan_folder(directory)
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    import sys

    import pandas as pd

    parts = [f"format {FORMAT}", f"edition {edition}", f"python {sys.version}", f"pandas {pd.__version__}"]
    parts += [f"code {name} {_file_hash(package / name)}" for name in _CODE]
    taxonomy = data_dir() / "taxonomy.toml"
    parts.append(f"taxonomy {_file_hash(taxonomy) if taxonomy.is_file() else None}")
    for table, source in sources.items():
        parts.append(f"table {table} {source.path.resolve()} {source.sheet} {_file_hash(source.path)}")
    parts += [f"ignored {name}" for name in ignored]
    h.update("\n".join(parts).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _entry(directory, edition) -> Path:
    where = hashlib.sha256(f"{Path(directory).resolve()}\n{edition}".encode("utf-8", "surrogateescape"))
    return cache_dir() / f"{where.hexdigest()[:32]}.pickle"


def cached_tables(directory, *, edition: int | None = None) -> CleanTables:
    """:func:`~baro.clean.validate.load_tables` of ``directory``, read from the cache when kept.

    The first call reads, cleans and keeps the tables; a later call on the
    same files (same bytes, same edition, same taxonomy, same code)
    returns the kept tables without reading them again. Problems are
    raised as by ``load_tables``, every time.
    """
    key = table_key(directory, edition=edition)
    entry = _entry(directory, edition)
    kept = _read(entry, key)
    if kept is not None:
        return kept
    tables = load_tables(directory, edition=edition)
    _write(entry, key, tables)
    return tables


def check_folders(folders) -> None:
    """:func:`cached_tables` of each ``(edition, folder)`` pair, once each, before a run.

    Every problem of every table (file, row, column, value) is raised at
    once, as one :class:`~baro.errors.InputError`.
    """
    from baro.errors import InputError

    problems = []
    for edition, folder in sorted(set(folders)):
        try:
            cached_tables(folder, edition=edition)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)


def _read(entry: Path, key: str) -> CleanTables | None:
    try:
        with open(entry, "rb") as fh:
            if fh.readline().rstrip(b"\n") != key.encode():
                return None
            tables = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        return None
    return tables if isinstance(tables, CleanTables) else None


def _write(entry: Path, key: str, tables: CleanTables) -> None:
    """Keep ``tables`` under ``key``; a cache that cannot be written is only a slower next run."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{entry.stem}.", suffix=".tmp", dir=entry.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.encode() + b"\n")
            pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
