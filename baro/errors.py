"""Errors that baro reports to a person, without a traceback.

Every error a user can cause (a bad file, an unknown label, an unknown
parameter) is a :class:`BaroError`. The command line prints its message and
exits with status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str, keep: str = "") -> str:
    r"""``text`` with every control character escaped (``\x1b``), except those in ``keep``.

    Data may hold terminal escape sequences; printed raw they would
    recolour or retitle the terminal.

    >>> escape_controls("V01\x1b[31m"), escape_controls("a\nb", keep="\n")
    ('V01\\x1b[31m', 'a\nb')
    """
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else f"\\x{ord(m.group()):02x}", text)


class BaroError(Exception):
    """An error caused by input or options, reported without a traceback."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One problem in one place of an input file.

    ``row`` is the row number a spreadsheet shows (the header is row 1);
    ``None`` when the problem concerns the whole file or column.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f": {self.value!r}"
        return escape_controls(f"{where}{value}: {self.message}")


class InputError(BaroError):
    """One or more problems in input files; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem], *, limit: int = 20):
        self.problems = list(problems)
        self.limit = limit
        super().__init__(self.render())

    def render(self) -> str:
        shown = [str(p) for p in self.problems[: self.limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem{'s' if more > 1 else ''}")
        head = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} in the input:"
        return "\n".join([head, *("  " + s for s in shown)])
