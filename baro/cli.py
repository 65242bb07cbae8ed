"""The ``baro`` command line.

Parsing only: each subcommand hands its arguments to a function of the
module that does the work, imported when the subcommand runs, so that
``baro --help`` answers without loading pandas or Jupyter.

Errors a user can cause (:class:`baro.errors.BaroError`) print one message
and exit with status 2; Ctrl-C exits with status 130.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from baro import __version__

# subcommand -> (module, function); the function takes the parsed arguments
# and returns an exit status.
HANDLERS = {
    "run": ("baro.run", "cli_run"),
    "simulate": ("baro.simulate", "cli_simulate"),
    "validate": ("baro.clean", "cli_validate"),
    "import": ("baro.clean", "cli_import"),
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
        print(f"baro {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"baro {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
