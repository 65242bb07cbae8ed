"""Two-way tables the data can support: merged levels, or not computable.

:func:`association_merged` runs :func:`baro.stats.association` after
merging the levels of the column variable whose expected counts are too
small for the chi-square approximation (a population band with few
cities, a rare management mode). A table that cannot be tested at all
(one level left, one city) gives a result that says so instead of an
error, so a report always renders.

:func:`leading_levels` says, within each row level, which column level is
the most frequent (is the régie the first management mode in every
domain?).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from baro.stats.design import Design, observed_levels
from baro.stats.results import ResultMixin
from baro.stats.tests import DEFAULT_RESAMPLES, Association, association, expected_too_small

__all__ = [
    "LEADERS_COLUMNS",
    "MERGE_SEPARATOR",
    "TwoWay",
    "association_merged",
    "leading_levels",
]

#: Joins the codes of merged levels: ``"p100_200k+p200k_plus"``.
MERGE_SEPARATOR = "+"

#: Columns of :func:`leading_levels`.
LEADERS_COLUMNS = ("level", "count", "leader", "leader_share", "focus_share", "focus_leads", "tied")


@dataclass(frozen=True, slots=True, repr=False)
class TwoWay(ResultMixin):
    """Result of :func:`association_merged`.

    ``test`` is the :class:`~baro.stats.Association` on the merged table, or
    ``None`` when ``computable`` is false (``reason`` then says why:
    ``"one_level"`` when fewer than two levels of a column are observed,
    else the error the test raised). ``merged`` lists each merged level:
    ``(code, members)``, the code joining the members' codes with
    :data:`MERGE_SEPARATOR`; ``col_levels`` the column's levels as tested,
    in order.
    """

    row: str
    col: str
    computable: bool
    reason: str
    merged: tuple[tuple[str, tuple], ...]
    col_levels: tuple
    test: Association | None = None
    warnings: tuple = ()

    _frame_exclude = ("test", "merged", "col_levels")

    @property
    def recode(self) -> dict:
        """Original column level -> level as tested."""
        out = {}
        for code, members in self.merged:
            for m in members:
                out[m] = code
        return out


def _levels_in_order(series: pd.Series, order: Sequence | None) -> list:
    found = observed_levels(series)
    if order is None:
        return found
    order = list(order)
    return [lv for lv in order if lv in found] + [lv for lv in found if lv not in order]


def association_merged(
    data: pd.DataFrame,
    row: str,
    col: str,
    *,
    cluster: str | None = None,
    order: Sequence | None = None,
    ordered: bool = False,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> TwoWay:
    """Association of ``row`` and ``col``, merging sparse levels of ``col``.

    Parameters
    ----------
    data : Design or DataFrame
        A :class:`~baro.stats.Design` (the test is then on the design:
        weights, strata, calibration), or a DataFrame with ``cluster``.
        Levels are merged on the sample's counts either way (they decide
        whether the approximation holds).
    row, col : str
        ``row`` is kept as is (the domains); the levels of ``col`` are
        merged while the expected counts are too small
        (:func:`~baro.stats.tests.expected_too_small`).
    cluster : str, optional
        Cluster column (cities).
    order : sequence, optional
        Order of the levels of ``col`` (levels not named follow).
    ordered : bool
        ``col`` is ordinal (population bands): a level is merged with its
        smaller neighbour only. Otherwise with the next smallest level.
    seed, n_resamples : int
        Passed to :func:`baro.stats.association`.

    Returns
    -------
    TwoWay

    Notes
    -----
    While the table breaks Cochran's rule
    (:func:`~baro.stats.tests.expected_too_small`) and ``col`` has more than
    two levels, the level of ``col`` with the fewest rows is merged (with
    its smaller neighbour if ``ordered``, else with the next smallest
    level). When two levels remain and counts are still small, the test is
    run and keeps the association's warning. Merging changes the question
    slightly (a coarser table), which the report says; it is decided on
    the margins only, never on the association.

    Examples
    --------
    >>> from baro import examples
    >>> d = examples.projects()
    >>> t = association_merged(d, "domain", "decision_mode", cluster="city_id")
    >>> t.computable, t.col_levels
    (True, ('co_construction+concertation', 'unilaterale'))
    >>> t.merged
    (('co_construction+concertation', ('co_construction', 'concertation')),)
    >>> one = association_merged(d.assign(x="a"), "domain", "x", cluster="city_id")
    >>> one.computable, one.reason, one.test is None
    (False, 'one_level', True)
    """
    design = data if isinstance(data, Design) else None
    if design is not None:
        if cluster is not None:
            raise ValueError(
                "cluster= is the shorthand for a DataFrame; a Design already names its "
                f"clusters ({design.cluster!r})"
            )
        data = design.data
    for c in (row, col) + ((cluster,) if cluster else ()):
        if c not in data.columns:
            raise KeyError(
                f"column {c!r} is not in the data; available columns: {', '.join(map(str, data.columns))}"
            )
    keep = data[row].notna() & data[col].notna()
    groups = [[lv] for lv in _levels_in_order(data.loc[keep, col], order)]
    rows_found = observed_levels(data.loc[keep, row])
    if len(groups) < 2 or len(rows_found) < 2:
        return TwoWay(row, col, False, "one_level", (), tuple(g[0] for g in groups))
    counts = pd.crosstab(data.loc[keep, row].astype(object), data.loc[keep, col].astype(object))
    counts = counts.reindex(columns=[g[0] for g in groups], fill_value=0).to_numpy(float)
    cols = [counts[:, i] for i in range(counts.shape[1])]
    while len(groups) > 2:
        table = np.column_stack(cols)
        n = table.sum()
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
        if not expected_too_small(expected):
            break
        totals = table.sum(axis=0)
        j = int(np.argmin(totals))
        if ordered:
            if j == 0:
                other = 1
            elif j == len(groups) - 1:
                other = j - 1
            else:
                other = j - 1 if totals[j - 1] <= totals[j + 1] else j + 1
        else:
            rest = [i for i in np.argsort(totals, kind="stable") if i != j]
            other = int(rest[0])
        keep_at, drop = min(j, other), max(j, other)
        groups[keep_at] = groups[keep_at] + groups[drop]
        cols[keep_at] = cols[keep_at] + cols[drop]
        del groups[drop], cols[drop]
    codes = [MERGE_SEPARATOR.join(map(str, g)) for g in groups]
    merged = tuple((code, tuple(g)) for code, g in zip(codes, groups) if len(g) > 1)
    mapping = {m: code for code, g in zip(codes, groups) for m in g}
    if design is not None:
        # rows with a missing value stay in the design (association drops them)
        recoded = design.assign(**{col: data[col].astype(object).map(mapping)})
    else:
        recoded = data.loc[keep].copy()
        recoded[col] = recoded[col].astype(object).map(mapping)
    try:
        test = association(recoded, row, col, cluster=cluster, seed=seed, n_resamples=n_resamples)
    except ValueError as err:
        return TwoWay(row, col, False, str(err), merged, tuple(codes))
    return TwoWay(row, col, True, "", merged, tuple(codes), test, tuple(test.warnings))


def leading_levels(
    data: pd.DataFrame,
    row: str,
    col: str,
    *,
    focus: object,
    row_order: Sequence | None = None,
) -> pd.DataFrame:
    """Within each level of ``row``, the most frequent level of ``col``.

    Parameters
    ----------
    data : DataFrame
    row, col : str
        E.g. ``"domain"`` and ``"management_mode"``.
    focus : object
        The level of ``col`` the question is about (``"regie"``).
    row_order : sequence, optional
        Order of the rows (default sorted).

    Returns
    -------
    DataFrame
        Columns :data:`LEADERS_COLUMNS`: ``count`` the rows of the level,
        ``leader`` the most frequent level of ``col`` (``focus`` when it
        ties for first), ``leader_share`` and ``focus_share`` their shares
        within the row level, ``focus_leads`` whether ``focus`` is first
        (alone or tied), ``tied`` whether another level is as frequent as
        the leader. Shares describe the table: no test.

    Examples
    --------
    >>> d = pd.DataFrame({"domain": list("aaabbb"), "mode": ["r", "r", "m", "m", "m", "r"]})
    >>> leading_levels(d, "domain", "mode", focus="r")
      level  count leader  leader_share  focus_share  focus_leads   tied
    0     a      3      r      0.666667     0.666667         True  False
    1     b      3      m      0.666667     0.333333        False  False
    """
    for c in (row, col):
        if c not in data.columns:
            raise KeyError(
                f"column {c!r} is not in the data; available columns: {', '.join(map(str, data.columns))}"
            )
    table = pd.crosstab(data[row].astype(object), data[col].astype(object))
    if focus not in table.columns:
        table[focus] = 0
    levels = _levels_in_order(data[row].dropna(), row_order)
    table = table.reindex(levels)
    rows = []
    for lv, counts in table.iterrows():
        total = int(counts.sum())
        top = counts.max()
        leader = focus if counts[focus] == top else counts.idxmax()
        rows.append(
            {
                "level": lv,
                "count": total,
                "leader": leader,
                "leader_share": top / total if total else np.nan,
                "focus_share": counts[focus] / total if total else np.nan,
                "focus_leads": bool(counts[focus] == top and total > 0),
                "tied": bool(total > 0 and int((counts == top).sum()) > 1),
            }
        )
    return pd.DataFrame(rows, columns=list(LEADERS_COLUMNS))
