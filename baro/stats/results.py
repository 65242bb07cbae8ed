"""What every result shares: structured warnings, a repr, HTML and a frame.

A warning is a :class:`Caveat`: a code from :data:`CAVEAT_CODES` and its
values, such as ``few_clusters(n=6)``. ``str()`` gives an English sentence
for developers; :mod:`baro.text` writes the reader's sentence in the
report's language from the code and the values.

Examples
--------
>>> w = few_clusters(6)
>>> w
few_clusters(n=6)
>>> w.code, w["n"]
('few_clusters', 6)
>>> str(w)
'only 6 clusters: the design-based variance has 5 degrees of freedom and is unstable'
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

__all__ = [
    "CAVEAT_CODES",
    "Caveat",
    "ResultMixin",
    "few_clusters",
    "few_subjects",
    "small_expected",
]


def _few_clusters_en(n: int) -> str:
    return (
        f"only {n} clusters: the design-based variance has {n - 1} degrees of "
        "freedom and is unstable"
    )


def _small_expected_en(count: int, total: int, smallest: float, monte_carlo: bool) -> str:
    return (
        f"{count} of {total} expected counts are below 5 (smallest {smallest:.3g}): "
        "the chi-square approximation is unreliable"
        + ("; see pvalue_monte_carlo" if monte_carlo else "")
    )


def _few_subjects_en(n: int, test: str) -> str:
    name = {"friedman": "Friedman's statistic", "cochran_q": "Q"}[test]
    return f"only {n} subjects: the chi-square approximation to {name} is rough"


#: Every warning code a result can carry -> (value names, English sentence
#: for developers). A new code is added here, with its reader's sentence in
#: :data:`baro.text.CAVEAT_SENTENCES` (written from the catalogue's
#: ``caveat.*`` entries, French and English); tests/test_text.py fails a
#: code without a sentence in every language.
CAVEAT_CODES: dict[str, tuple[tuple[str, ...], Callable[..., str]]] = {
    # n clusters (n - 1 degrees of freedom for the design-based variance)
    "few_clusters": (("n",), _few_clusters_en),
    # count of total expected counts below 5, the smallest of them, and
    # whether the result carries a Monte-Carlo p-value
    "small_expected": (("count", "total", "smallest", "monte_carlo"), _small_expected_en),
    # n subjects in a test on subjects (test: "friedman" or "cochran_q")
    "few_subjects": (("n", "test"), _few_subjects_en),
}


@dataclass(frozen=True, slots=True, repr=False)
class Caveat:
    """A warning of a result: a code of :data:`CAVEAT_CODES` and its values.

    ``values`` is a tuple of ``(name, value)`` pairs, in the order of the
    code's value names; ``caveat["name"]`` reads one.
    """

    code: str
    values: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.code not in CAVEAT_CODES:
            raise ValueError(
                f"unknown warning code {self.code!r}; known: {', '.join(sorted(CAVEAT_CODES))}"
            )
        names = tuple(k for k, _ in self.values)
        want = CAVEAT_CODES[self.code][0]
        if names != want:
            raise ValueError(f"warning {self.code!r} takes values {want}, not {names}")

    def __getitem__(self, name: str) -> Any:
        for k, v in self.values:
            if k == name:
                return v
        raise KeyError(f"warning {self.code!r} has no value {name!r}")

    def asdict(self) -> dict[str, Any]:
        """The values as a dict."""
        return dict(self.values)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={_fmt(v)}" for k, v in self.values)
        return f"{self.code}({inner})"

    def __str__(self) -> str:
        return CAVEAT_CODES[self.code][1](**self.asdict())


def few_clusters(n: int) -> Caveat:
    """A design-based variance on fewer than ten clusters."""
    return Caveat("few_clusters", (("n", int(n)),))


def small_expected(count: int, total: int, smallest: float, monte_carlo: bool) -> Caveat:
    """Some expected counts below 5: the chi-square approximation is fragile."""
    return Caveat(
        "small_expected",
        (
            ("count", int(count)),
            ("total", int(total)),
            ("smallest", float(smallest)),
            ("monte_carlo", bool(monte_carlo)),
        ),
    )


def few_subjects(n: int, test: str) -> Caveat:
    """A chi-square approximation on few subjects (``test``: friedman, cochran_q)."""
    if test not in ("friedman", "cochran_q"):
        raise ValueError(f"test must be 'friedman' or 'cochran_q', not {test!r}")
    return Caveat("few_subjects", (("n", int(n)), ("test", test)))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    if isinstance(value, tuple) and value and all(isinstance(v, float) for v in value):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if hasattr(value, "shape") and hasattr(value, "columns"):
        return f"<DataFrame {value.shape[0]} x {value.shape[1]}>"
    return repr(value)


def _is_table(value: object) -> bool:
    return hasattr(value, "shape") and hasattr(value, "columns")


class ResultMixin:
    """Adds a readable repr, ``_repr_html_`` and ``to_frame()`` to a result.

    A result is a frozen dataclass; its fields holding tables are listed in
    ``_frame_exclude`` and left out of the one-row frame.
    """

    __slots__ = ()
    _frame_exclude: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """``Name(field=value, ...)``; one field a line when that is long."""
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "warnings" and not value:
                continue
            shown = _fmt(value)
            if isinstance(value, ResultMixin):  # a result inside a result
                shown = shown.replace("\n", "\n    ")
            parts.append(f"{f.name}={shown}")
        name = type(self).__name__
        line = f"{name}(" + ", ".join(parts) + ")"
        if len(line) <= 88 and "\n" not in line:
            return line
        return f"{name}(\n" + "".join(f"    {p},\n" for p in parts) + ")"

    def to_frame(self):
        """One-row DataFrame of the scalar fields (snake_case columns).

        Warnings are joined in their English developer form with ``"; "``.
        """
        import pandas as pd

        row = {}
        for f in fields(self):  # type: ignore[arg-type]
            if f.name in self._frame_exclude:
                continue
            value = getattr(self, f.name)
            if f.name == "warnings":
                value = "; ".join(str(w) for w in value)
            elif _is_table(value) or isinstance(value, ResultMixin):
                continue  # a table or a result inside a result: see its own field
            row[f.name] = value
        return pd.DataFrame([row])

    def _repr_html_(self) -> str:
        """A small table: one row per figure, then the warnings and the tables."""
        rows = []
        tables = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "warnings":
                continue
            if _is_table(value):
                tables.append(
                    f"<details><summary>{f.name} ({value.shape[0]} \u00d7 {value.shape[1]})"
                    f"</summary>{value._repr_html_()}</details>"
                )
                continue
            if isinstance(value, ResultMixin):  # a result inside a result
                tables.append(
                    f"<details><summary>{f.name} ({type(value).__name__})</summary>"
                    f"{value._repr_html_()}</details>"
                )
                continue
            shown = value if isinstance(value, str) else _fmt(value)
            rows.append(
                f'<tr><th style="text-align:left">{f.name}</th>'
                f'<td style="text-align:left">{html.escape(shown)}</td></tr>'
            )
        name = type(self).__name__
        out = [f"<table><caption>{name}</caption><tbody>{''.join(rows)}</tbody></table>"]
        warnings = getattr(self, "warnings", ())
        if warnings:
            items = "".join(f"<li>{html.escape(str(w))}</li>" for w in warnings)
            out.append(f"<p><strong>warnings</strong></p><ul>{items}</ul>")
        out.extend(tables)
        return "<div>" + "".join(out) + "</div>"
