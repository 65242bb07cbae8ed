"""The ``baro`` command line.

Parsing only: each subcommand hands its arguments to a function of the
module that does the work, imported when the subcommand runs, so that
``baro --help`` answers without loading pandas or Jupyter.

Errors a user can cause (:class:`baro.errors.BaroError`) print one message
and exit with status 2; running out of memory prints one line and exits
with status 3; Ctrl-C exits with status 130. Messages never print a
control character raw (see :func:`baro.errors.escape_controls`).

The ``validate`` and ``import`` commands are here too, over
:func:`baro.clean.load_tables`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from baro import __version__
from baro.errors import escape_controls

# subcommand -> (module, function); the function takes the parsed arguments
# and returns an exit status.
HANDLERS = {
    "run": ("baro.run", "cli_run"),
    "simulate": ("baro.simulate", "cli_simulate"),
    "validate": ("baro.cli", "cli_validate"),
    "import": ("baro.cli", "cli_import"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baro",
        description="Reports for the Baromètre ville numérique survey editions.",
    )
    parser.add_argument("--version", action="version", version=f"baro {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run edition reports (HTML, PDF, tables, figures) into outputs/",
        description="Execute the report notebook of each edition and export it.",
    )
    run.add_argument("editions", nargs="*", type=int, metavar="YEAR", help="edition years")
    run.add_argument("--all", action="store_true", help="every edition, then the trends report")
    run.add_argument("--data", metavar="DIR", help="read the edition's tables from DIR")
    run.add_argument("--output", metavar="DIR", help="output folder (default: outputs/)")
    run.add_argument("--force", action="store_true", help="rerun even when up to date")
    run.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
        help="editions run in parallel (default: number of cores)",
    )
    run.add_argument(
        "-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
        help="set a notebook parameter (repeatable), e.g. -p confidence_level=0.9",
    )

    sim = sub.add_parser(
        "simulate",
        help="write the SIMULATED tables of an edition",
        description="Write seeded, calibrated SIMULATED tables into data/editions/YEAR/.",
    )
    sim.add_argument("year", type=int, metavar="YEAR")
    sim.add_argument("--seed", type=int, help="random seed (default: the edition's seed)")
    sim.add_argument("--output", metavar="DIR", help="folder to write to (default: the edition folder)")
    sim.add_argument("--force", action="store_true", help="overwrite existing tables")

    val = sub.add_parser(
        "validate",
        help="check an edition folder of tables and print the cleaning log",
        description="Read cities, projects and objectives from DIR, clean and validate them.",
    )
    val.add_argument("directory", metavar="DIR")
    val.add_argument("--edition", type=int, metavar="YEAR", help="edition year (for its categories)")
    val.add_argument("--max-errors", type=int, default=50, metavar="N", help="errors shown (default 50)")

    imp = sub.add_parser(
        "import",
        help="clean an export folder into data/editions/YEAR/",
        description="Clean the tables in DIR and write them as edition YEAR.",
    )
    imp.add_argument("directory", metavar="DIR")
    imp.add_argument("--edition", type=int, required=True, metavar="YEAR")
    imp.add_argument("--force", action="store_true", help="overwrite an existing edition")
    imp.add_argument("--max-errors", type=int, default=50, metavar="N", help="errors shown (default 50)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    module_name, func_name = HANDLERS[args.command]
    from baro.errors import BaroError

    try:
        handler = getattr(importlib.import_module(module_name), func_name)
        return int(handler(args) or 0)
    except BaroError as exc:
        print(f"baro {args.command}: error: {escape_controls(str(exc), keep=chr(10))}", file=sys.stderr)
        return exc.exit_code
    except MemoryError:
        print(
            f"baro {args.command}: error: out of memory; the tables are too large for the memory "
            "this process may use (free memory, or raise the limit)",
            file=sys.stderr,
        )
        return 3
    except KeyboardInterrupt:
        print(f"baro {args.command}: interrupted", file=sys.stderr)
        return 130


# ------------------------------------------------------ validate, import
def format_log(log: pd.DataFrame) -> str:
    """The cleaning log as a small aligned text table, notes below it.

    >>> import pandas as pd
    >>> from baro.clean import LOG_COLUMNS
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
    from baro.errors import BaroError

    n = getattr(args, "max_errors", 50)
    if n is None:
        return 50
    if n < 0:
        raise BaroError(f"--max-errors must be 0 or more, not {n}")
    return n


def _load_for_cli(args):
    from baro.clean import load_tables
    from baro.errors import InputError

    limit = _max_errors(args)
    try:
        return load_tables(args.directory, edition=getattr(args, "edition", None))
    except InputError as exc:
        raise InputError(exc.problems, limit=limit) from None


def cli_validate(args) -> int:
    """``baro validate DIR [--edition YEAR] [--max-errors N]``.

    Prints the cleaning log and "N cities, N projects, N objective
    answers: valid" and returns 0; warns on stderr about what valid tables
    cannot support (one city, one level of a tested variable...; see
    :func:`baro.clean.table_warnings`); raises :class:`InputError`
    (printed by :func:`main`, exit status 2) when the tables have problems.
    """
    tables = _load_for_cli(args)
    print(escape_controls(format_log(tables.log), keep="\n"))
    if tables.ignored:
        print(escape_controls(f"not read (not named as a table): {', '.join(tables.ignored)}"))
    for warning in tables.warnings:
        print(f"baro validate: warning: {warning.message}", file=sys.stderr)
    print(f"{tables.summary()}: valid")
    return 0


def _toml_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def edition_skeleton(year: int, tables, source: str, taxonomy=None) -> str:
    """Text of an edition.toml for imported (not simulated) tables.

    [questionnaire] lists the domains and objectives seen in the tables,
    in taxonomy order; figures are left for the researcher to enter.

    >>> import pandas as pd
    >>> from baro.clean import CleanTables, empty_table
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
    from baro.clean.files import _TABLE_OF_NAME, _name_key
    from baro.clean.schema import COLUMNS
    from baro.errors import BaroError
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
