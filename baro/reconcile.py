"""Published figures against the tables.

Each figure an edition published is recorded in its ``edition.toml`` (see
:mod:`baro.editions`) with the statistic that recomputes it from the tables.
:func:`reconcile` recomputes every figure and gives a verdict:

``match``
    the computed value, rounded half-up to the published precision (the
    number of decimals printed, or the figure's ``decimals``), equals the
    published value; for levels, the same set (or the same sequence when
    the figure is ``ordered``); for ranks, the same rank.
``rounding``
    not equal at the published precision, but the figure is approximate or
    coarser than its precision ("près de 500", "la moitié": ``approximate =
    true``) and the computed value lies within its ``tolerance`` (absolute,
    in the figure's unit) of the published value.
``inconsistent``
    neither: the tables, or the other published figures they reproduce,
    contradict the figure. A percentage whose ``n`` (the published
    denominator) admits no whole count is also flagged in the note.
``not computable``
    the tables cannot answer (``computable = false``: Paris is not in the
    panel, the questionnaire was reused, a stated limit).

Percentages with a published ``n`` are also checked for attainability
(:func:`grim`): is there a whole count ``k`` of ``n`` whose percentage rounds
to the printed one? The answer goes into the note.

Objectives are ranked by mean rank over cities; an objective a city did
not cite takes the mean of the ranks that city left unused
(:func:`mean_ranks`).
"""

from __future__ import annotations

import numbers
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

import numpy as np
import pandas as pd

from baro.errors import BaroError
from baro.text import fmt_number, get_language, t


def _in_language(entry: Any, key: str) -> str:
    """``entry[key]`` in the report's language: ``KEY_en`` in English when given, else ``KEY``."""
    lang = get_language()
    if lang != "fr" and entry.get(f"{key}_{lang}"):
        return entry[f"{key}_{lang}"]
    return entry.get(key, "")

#: Verdicts of :func:`reconcile`, in the order reports list them.
VERDICTS = ("match", "rounding", "inconsistent", "not computable")

#: Columns of the DataFrame returned by :func:`reconcile`.
COLUMNS = ("figure", "published", "computed", "verdict", "source", "note", "id", "basis")

#: Statistics a figure may name (see :mod:`baro.editions`).
STATISTICS = (
    "count",
    "percent",
    "mean_per_city",
    "min_per_city",
    "max_per_city",
    "rank",
    "top",
    "bottom",
    "top_rate",
    "cited_count",
    "cited_percent",
    "levels",
)

_TABLES = ("cities", "projects", "objectives")


# ----------------------------------------------------------------- utilities
def round_half_up(value: float, decimals: int = 0) -> float:
    """Round ``value`` half away from zero at ``decimals`` decimals.

    Python's :func:`round` rounds half to even (``round(0.5) == 0``); printed
    figures round half up. The value is read through its shortest repr, so
    that ``16.25`` is treated as the decimal it prints as.

    >>> round_half_up(45.8024691, 1), round_half_up(0.5), round_half_up(2.5)
    (45.8, 1.0, 3.0)
    >>> round_half_up(82.5), round_half_up(-1.5)
    (83.0, -2.0)
    """
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def grim(percent: float, n: int, *, decimals: int = 0) -> list[int]:
    """Whole counts ``k`` of ``n`` whose percentage rounds to ``percent``.

    The counts ``k`` in ``0..n`` with ``round(100 * k / n, decimals) ==
    percent``, rounding half up. An empty list means the printed percentage
    is attainable by no whole count of ``n`` (a GRIM-style check).

    Parameters
    ----------
    percent : float
        The printed percentage, e.g. ``82`` or ``16.2``.
    n : int
        The denominator (number of cities, of projects), at least 1.
    decimals : int, default 0
        Decimals printed.

    Examples
    --------
    >>> grim(91, 47), grim(55, 47)
    ([43], [26])
    >>> grim(82, 47)  # 38/47 = 80.9 %, 39/47 = 83.0 %
    []
    >>> grim(16.2, 810, decimals=1)
    [131]
    >>> grim(47, 810)
    [377, 378, 379, 380, 381, 382, 383, 384]
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number of at least 1, got {n!r}")
    if decimals < 0 or int(decimals) != decimals:
        raise ValueError(f"decimals must be a whole number >= 0, got {decimals!r}")
    n = int(n)
    target = round_half_up(percent, decimals)
    return [
        k
        for k in range(n + 1)
        if round_half_up(float(Decimal(100 * k) / Decimal(n)), decimals) == target
    ]


def harmonise(projects: pd.DataFrame, taxonomy=None, *, column: str = "domain") -> pd.DataFrame:
    """``projects`` with ``column`` mapped to the crosswalk's categories.

    A copy; the codes 2013 printed as one category and the two of 2014
    (e-citoyenneté, e-gouvernement) both become ``e_administration``.

    >>> import pandas as pd
    >>> p = pd.DataFrame({"domain": ["e_citoyennete", "e_gouvernement", "transport"]})
    >>> harmonise(p)["domain"].tolist()
    ['e_administration', 'e_administration', 'transport']
    """
    from baro.taxonomy import load_taxonomy

    tax = taxonomy if taxonomy is not None else load_taxonomy()
    if column not in projects.columns:
        raise KeyError(f"projects have no column {column!r}; columns: {', '.join(projects.columns)}")
    walk = tax.crosswalk(column)
    unknown = sorted(set(projects[column].dropna()) - set(walk))
    if unknown:
        raise ValueError(
            f"unknown {column} code(s) {', '.join(map(repr, unknown))}; known: {', '.join(walk)}"
        )
    out = projects.copy()
    out[column] = out[column].map(walk).astype("str")
    return out


def mean_ranks(objectives: pd.DataFrame, *, levels=None) -> pd.Series:
    """Mean rank of each objective over cities, missing ranks imputed.

    An objective a city did not cite takes the mean of the ranks that city
    left unused: a city that ranked 3 of 5 objectives gives each of the
    other two rank (4 + 5) / 2 = 4.5. Sorted from best (lowest) to worst.

    Parameters
    ----------
    objectives : DataFrame
        Columns ``city_id``, ``objective``, ``rank`` (nullable integers);
        one row per city and objective asked.
    levels : list of str, optional
        Objectives to rank (default: those in the table).

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"city_id": ["V1"] * 3 + ["V2"] * 3,
    ...                   "objective": ["a", "b", "c"] * 2,
    ...                   "rank": pd.array([1, None, None, 2, 1, None], dtype="Int64")})
    >>> mean_ranks(o).to_dict()  # V1 leaves ranks 2, 3 unused: b and c get 2.5
    {'a': 1.5, 'b': 1.75, 'c': 2.75}
    """
    for col in ("city_id", "objective", "rank"):
        if col not in objectives.columns:
            raise KeyError(f"objectives have no column {col!r}")
    objectives = objectives.assign(objective=_values(objectives["objective"]))
    wide = objectives.pivot(index="city_id", columns="objective", values="rank")
    if levels is not None:
        missing = [lv for lv in levels if lv not in wide.columns]
        if missing:
            raise KeyError(f"objective(s) {', '.join(missing)} not in the objectives table")
        wide = wide[list(levels)]
    from baro.stats.objectives import complete_ranks

    ranks = wide.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    filled = pd.DataFrame(complete_ranks(ranks), index=wide.index, columns=wide.columns)
    return filled.mean().sort_values(kind="stable")


def _values(column: pd.Series) -> pd.Series:
    """A categorical column as plain values: counts and pivots then list
    only the levels that occur, ties in the same order as for strings."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype(column.cat.categories.dtype)
    return column


def _levels_by_frequency(projects: pd.DataFrame, column: str, levels) -> pd.Series:
    counts = _values(projects[column]).value_counts()
    if levels is not None:
        counts = counts.reindex(list(dict.fromkeys([*levels, *counts.index])), fill_value=0)
    return counts.sort_values(ascending=False, kind="stable")


def _mask(frame: pd.DataFrame, where: Mapping[str, Any] | None, figure_id: str) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, val in (where or {}).items():
        if col not in frame.columns:
            raise KeyError(
                f"figure {figure_id!r}: no column {col!r}; columns: {', '.join(frame.columns)}"
            )
        vals = val if isinstance(val, list) else [val]
        mask &= frame[col].isin(vals)
    return mask


def _tables_of(tables) -> dict[str, pd.DataFrame]:
    if isinstance(tables, Mapping):
        return {t: tables[t] for t in _TABLES if t in tables}
    if isinstance(tables, tuple) and not hasattr(tables, "cities"):
        return dict(zip(_TABLES, tables))
    return {t: getattr(tables, t) for t in _TABLES}


# ---------------------------------------------------------------- compute
def compute(figure: Mapping[str, Any], tables, *, questionnaire=None, taxonomy=None) -> Any:
    """Recompute one published figure from the tables.

    ``figure`` is one ``[[figures]]`` entry of an edition.toml; ``tables``
    has ``cities``, ``projects`` and ``objectives`` (attributes or keys).
    Returns a number (unrounded), an int rank, or a list of level codes.

    >>> import pandas as pd
    >>> t = {"cities": pd.DataFrame({"city_id": ["V1", "V2"]}),
    ...      "projects": pd.DataFrame({"city_id": ["V1", "V1", "V2"],
    ...                                "domain": ["transport", "education", "transport"]}),
    ...      "objectives": None}
    >>> compute({"id": "x", "statistic": "percent", "table": "projects",
    ...          "where": {"domain": "transport"}}, t)
    66.66666666666667
    >>> compute({"id": "y", "statistic": "max_per_city", "table": "projects",
    ...          "where": {"domain": "education"}}, t)
    1
    """
    fid = figure.get("id", "?")
    stat = figure.get("statistic")
    if stat not in STATISTICS:
        raise ValueError(f"figure {fid!r}: unknown statistic {stat!r}; allowed: {', '.join(STATISTICS)}")
    frames = _tables_of(tables)
    table = figure.get("table")
    if table not in _TABLES:
        raise ValueError(f"figure {fid!r}: unknown table {table!r}; allowed: {', '.join(_TABLES)}")
    frame = frames[table]
    questionnaire = questionnaire or {}
    if figure.get("harmonised", False) and table == "projects":
        frame = harmonise(frame, taxonomy)
    where = figure.get("where")

    if stat == "count":
        return int(_mask(frame, where, fid).sum())
    if stat == "percent":
        within = _mask(frame, figure.get("within"), fid)
        hit = _mask(frame, where, fid) & within
        if not within.any():
            raise ValueError(f"figure {fid!r}: no row in the denominator")
        return 100 * int(hit.sum()) / int(within.sum())
    if stat in ("mean_per_city", "min_per_city", "max_per_city"):
        cities = frames["cities"]["city_id"]
        per_city = (
            frame.loc[_mask(frame, where, fid), "city_id"]
            .value_counts()
            .reindex(cities, fill_value=0)
        )
        if stat == "mean_per_city":
            return int(per_city.sum()) / len(cities)
        return int(per_city.min() if stat == "min_per_city" else per_city.max())
    if stat in ("cited_count", "cited_percent"):
        level = figure["level"]
        rows = frame[frame["objective"] == level]
        if rows.empty:
            raise ValueError(f"figure {fid!r}: objective {level!r} was not asked")
        k = int(rows["rank"].notna().sum())
        return k if stat == "cited_count" else 100 * k / len(rows)
    if stat == "levels":
        col = figure["column"]
        return sorted(set(frame[col].dropna()))

    scores = _scores(figure, frames, frame, questionnaire, taxonomy)
    order = list(scores.index)
    if stat == "rank":
        level = figure["level"]
        if level not in order:
            raise ValueError(f"figure {fid!r}: level {level!r} not found in {figure['column']!r}")
        return order.index(level) + 1
    k = len(figure["value"])
    if stat in ("top", "top_rate"):
        return order[:k]
    return order[-k:][::-1]  # bottom: smallest first


def _scores(figure, frames, frame, questionnaire, taxonomy) -> pd.Series:
    """Levels of ``figure['column']`` with their score, best first.

    Counts for projects and cities, share of rows matching ``where`` for
    ``top_rate``, minus the mean rank for objectives. Ties keep the order
    of the questionnaire (then of first appearance); :func:`reconcile`
    says in the note when a tie decides the answer.
    """
    fid = figure.get("id", "?")
    stat = figure["statistic"]
    column = figure.get("column")
    if column is None:
        raise ValueError(f"figure {fid!r}: statistic {stat!r} needs a column")
    if column not in frame.columns:
        raise KeyError(f"figure {fid!r}: no column {column!r}; columns: {', '.join(frame.columns)}")
    if figure["table"] == "objectives":
        return -mean_ranks(frame)
    if stat == "top_rate":
        rate = _mask(frame, figure.get("where"), fid).groupby(frame[column], sort=False).mean()
        return rate.sort_values(ascending=False, kind="stable").astype(float)
    asked = None
    if column == "domain" and questionnaire.get("domains"):
        asked = questionnaire["domains"]
        if figure.get("harmonised", False):
            from baro.taxonomy import load_taxonomy

            walk = (taxonomy or load_taxonomy()).crosswalk("domain")
            asked = list(dict.fromkeys(walk[c] for c in asked))
    return _levels_by_frequency(frame, column, asked).astype(float)


def _tie_note(figure, frames, questionnaire, taxonomy) -> str | None:
    stat = figure.get("statistic")
    if stat not in ("rank", "top", "bottom", "top_rate"):
        return None
    frame = frames[figure["table"]]
    if figure.get("harmonised", False) and figure["table"] == "projects":
        frame = harmonise(frame, taxonomy)
    scores = _scores(figure, frames, frame, questionnaire or {}, taxonomy)
    values = scores.to_numpy()
    if stat == "rank":
        pos = list(scores.index).index(figure["level"])
        tied = [lv for lv, v in scores.items() if v == values[pos] and lv != figure["level"]]
    else:
        k = len(figure["value"])
        if k >= len(values):
            return None
        i, j = (k - 1, k) if stat != "bottom" else (len(values) - k, len(values) - k - 1)
        tied = [scores.index[j]] if values[i] == values[j] else []
    if not tied:
        return None
    from baro.taxonomy import load_taxonomy

    try:
        labels = (taxonomy or load_taxonomy()).labels(figure["column"])
    except KeyError:
        labels = {}
    names = ", ".join(labels.get(x, x) for x in tied)
    return t("reconcile.note.tie", names=names)


# -------------------------------------------------------------- reconcile
def _decimals(value: Any) -> int:
    if isinstance(value, bool) or isinstance(value, int):
        return 0
    text = repr(float(value))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _verdict(figure: Mapping[str, Any], published: Any, computed: Any) -> str:
    if isinstance(published, list):
        if figure.get("ordered", False) or figure.get("statistic") in ("rank",):
            same = list(published) == list(computed)
        else:
            same = set(published) == set(computed)
        return "match" if same else "inconsistent"
    decimals = int(figure.get("decimals", _decimals(published)))
    if round_half_up(computed, decimals) == round_half_up(published, decimals):
        return "match"
    tol = figure.get("tolerance")
    if figure.get("approximate", False) and tol is not None and abs(computed - published) <= tol:
        return "rounding"
    return "inconsistent"


def _notes(figure, published, computed, verdict, frames) -> list[str]:
    notes = []
    stat = figure.get("statistic")
    if (
        figure.get("unit") == "percent"
        and figure.get("n") is not None
        and not isinstance(published, list)
    ):
        n = int(figure["n"])
        decimals = int(figure.get("decimals", _decimals(published)))
        ks = grim(published, n, decimals=decimals)
        pub = fmt_number(published, decimals)
        if not ks:
            below = max((k for k in range(n + 1) if 100 * k / n < published), default=None)
            parts = []
            for k in (below, None if below is None else below + 1):
                if k is not None and k <= n:
                    parts.append(t("reconcile.note.grim_part", k=k, pct=fmt_number(100 * k / n, 1)))
            notes.append(t("reconcile.note.grim_none", pub=pub, n=n, parts=t("reconcile.note.separator").join(parts)))
        elif len(ks) == 1:
            notes.append(t("reconcile.note.grim_one", pub=pub, n=n, k=ks[0]))
        else:
            notes.append(t("reconcile.note.grim_range", pub=pub, n=n, low=ks[0], high=ks[-1]))
        if verdict == "inconsistent" and stat in ("percent", "cited_percent"):
            frame = frames[figure["table"]]
            if stat == "percent":
                k = int((_mask(frame, figure.get("where"), figure.get("id", "?")) & _mask(frame, figure.get("within"), "?")).sum())
            else:
                rows = frame[frame["objective"] == figure["level"]]
                k = int(rows["rank"].notna().sum())
            notes.append(t("reconcile.note.tables_have", k=k, pct=fmt_number(computed, 1)))
    if stat == "mean_per_city" and verdict == "inconsistent" and figure.get("where"):
        frame = frames[figure["table"]]
        hit = frame.loc[_mask(frame, figure.get("where"), figure.get("id", "?"))]
        total = len(hit)
        n_cities = len(frames["cities"])
        active = int(hit["city_id"].nunique())
        implied = total / published
        notes.append(t(
            "reconcile.note.mean_per_city", total=total, n_cities=n_cities, computed=fmt_number(computed, 1),
            published=fmt_number(published, _decimals(published)), implied_n=f"{round_half_up(implied):.0f}",
            implied=fmt_number(implied, 1), active=active, per_active=fmt_number(total / active if active else 0, 2),
        ))
    if verdict == "rounding":
        diff = abs(computed - published)
        notes.append(t(
            "reconcile.note.rounding", computed=fmt_number(computed, _decimals(computed)),
            diff=fmt_number(diff, _decimals(diff)), tolerance=fmt_number(figure["tolerance"], _decimals(figure["tolerance"])),
        ))
    if stat == "count" and figure.get("table") == "cities" and verdict == "inconsistent":
        notes.append(t("reconcile.note.cities", computed=computed))
    return notes


def _show(value: Any, taxonomy, figure) -> Any:
    if isinstance(value, list):
        variable = figure.get("column", "domain")
        labels = {}
        try:
            labels = taxonomy.labels(variable)
        except KeyError:
            pass
        return ", ".join(labels.get(v, v) for v in value)
    return value


def reconcile(edition, *, tables=None) -> pd.DataFrame:
    """Published figures of ``edition`` against figures computed from tables.

    Parameters
    ----------
    edition : int or baro.editions.Edition
        A year (loaded with :func:`baro.editions.load`) or an edition.
    tables : optional
        Tables to check (``cities``, ``projects``, ``objectives`` as
        attributes, keys or a 3-tuple); default the edition's own tables.

    Returns
    -------
    DataFrame
        One row per published figure, columns :data:`COLUMNS`: ``figure``
        (what the source says), ``published``, ``computed`` (unrounded;
        levels as labels joined by commas), ``verdict`` (one of
        :data:`VERDICTS`), ``source``, ``note`` (a plain sentence), ``id``,
        ``basis`` (verbatim or derived).

    Examples
    --------
    >>> r = reconcile(2014).set_index("id")
    >>> r.loc["domains_top_three_percent", ["published", "verdict"]].tolist()
    [47, 'inconsistent']
    >>> r.loc["projects_total", "verdict"]
    'match'
    """
    from baro import editions
    from baro.taxonomy import load_taxonomy

    if isinstance(edition, numbers.Integral) and not isinstance(edition, bool):
        ed = editions.load(int(edition))
    elif isinstance(edition, editions.Edition):
        ed = edition
    else:
        raise TypeError(f"edition must be a year or a baro.editions.Edition, got {edition!r}")
    taxonomy = load_taxonomy()
    frames = _tables_of(tables if tables is not None else ed.tables)
    rows = []
    for fig in ed.figures:
        fid = fig.get("id", "?")
        published = fig.get("value")
        base_note = _in_language(fig, "note")
        table = fig.get("table")
        if not fig.get("computable", True):
            computed, verdict, extra = None, "not computable", []
        elif table in frames and frames[table].empty:
            computed, verdict = None, "not computable"
            extra = [f"La table {table} de l’édition est vide ou absente."]
        else:
            try:
                computed = compute(fig, frames, questionnaire=ed.questionnaire, taxonomy=taxonomy)
            except (KeyError, ValueError) as exc:
                raise BaroError(f"edition {ed.year}, figure {fid!r}: {exc}") from None
            verdict = _verdict(fig, published, computed)
            extra = _notes(fig, published, computed, verdict, frames)
            tie = _tie_note(fig, frames, ed.questionnaire, taxonomy)
            if tie:
                extra.append(tie)
        note = " ".join(x for x in [base_note, *extra] if x)
        rows.append(
            {
                "figure": fig.get("label", fid),
                "published": _show(published, taxonomy, fig),
                "computed": _show(computed, taxonomy, fig) if computed is not None else None,
                "verdict": verdict,
                "source": fig.get("source", ""),
                "note": note,
                "id": fid,
                "basis": fig.get("basis", ""),
            }
        )
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in ("published", "computed"):
        out[col] = out[col].astype(object)
    return out
