"""Objectives: agreement of cities' rankings and citation rates.

Each city ranks the objectives it cites (1 = first) and leaves the others
without a rank. The rule used everywhere in baro (simulation, statistics,
report): an objective a city did not cite takes the mean of the ranks that
city left unused, so a city that ranked 3 of 5 objectives gives each of the
other two rank 4.5. Objectives are ordered by their mean completed rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from baro.stats.design import _check_columns, _check_frame, factorize, holm
from baro.stats.results import Caveat, ResultMixin, few_subjects

__all__ = [
    "RANKING_COLUMNS",
    "MCNEMAR_COLUMNS",
    "RankAgreement",
    "CochranQ",
    "complete_ranks",
    "rank_agreement",
    "cochran_q",
]

RANKING_COLUMNS = ("level", "mean_rank", "n_cited", "rank_position")
MCNEMAR_COLUMNS = (
    "level_a",
    "level_b",
    "n_both",
    "n_a_only",
    "n_b_only",
    "n_neither",
    "statistic",
    "pvalue",
    "exact",
    "pvalue_adjusted",
)
#: McNemar's test is exact (binomial) when the discordant pairs are fewer.
MCNEMAR_EXACT_BELOW = 25

INCOMPLETE_RULE = (
    "an item a subject did not rank takes the mean of the ranks that subject "
    "left unused (3 of 5 ranked: the other two get 4.5)"
)


def _observed(codes: np.ndarray, levels: list) -> tuple[np.ndarray, list]:
    """Codes and levels restricted to the levels some row holds (no missing codes)."""
    present = np.bincount(codes, minlength=len(levels)) > 0
    renumber = np.cumsum(present) - 1
    return renumber[codes], [lv for lv, keep in zip(levels, present) if keep]


def _pivot(data, subject, item, value):
    _check_frame(data)
    _check_columns(data, [subject, item, value])
    d = data[[subject, item, value]]
    key_na = d[subject].isna() | d[item].isna()
    n_dropped = int(key_na.sum())
    d = d.loc[~key_na.to_numpy()]
    if len(d) == 0:
        raise ValueError(
            f"no rows to analyse: columns {subject!r} and {item!r} have no row without missing values"
        )
    dup = d.duplicated([subject, item])
    if dup.any():
        first = d.loc[dup.to_numpy()].iloc[0]
        raise ValueError(
            f"{int(dup.sum())} duplicated ({subject!r}, {item!r}) pair(s), "
            f"e.g. ({first[subject]!r}, {first[item]!r}): one row per subject and item"
        )
    # sorted levels, categorical or not; a categorical's unused categories are
    # dropped: an item no row names (an objective the edition did not offer)
    # has no rank to complete
    s_codes, s_uniq = _observed(*factorize(d[subject], sort=True))
    i_codes, i_uniq = _observed(*factorize(d[item], sort=True))
    if len(i_uniq) < 2:
        raise ValueError(f"column {item!r} has {len(i_uniq)} level(s); at least 2 are needed")
    return d, s_codes, list(s_uniq), i_codes, list(i_uniq), n_dropped


def complete_ranks(ranks: np.ndarray) -> np.ndarray:
    """Fill missing ranks (NaN) with the mean of each subject's unused ranks.

    Parameters
    ----------
    ranks : ndarray, shape (subjects, items)
        Ranks 1..items, NaN where the item was not ranked.

    Returns
    -------
    ndarray
        The completed ranks.

    Examples
    --------
    >>> complete_ranks(np.array([[1, 3, 2, np.nan, np.nan]]))
    array([[1. , 3. , 2. , 4.5, 4.5]])
    """
    r = np.asarray(ranks, dtype=float)
    m = r.shape[1]
    cited = ~np.isnan(r)
    k = cited.sum(axis=1)
    used = np.where(cited, r, 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = (m * (m + 1) / 2 - used) / (m - k)
    return np.where(cited, r, fill[:, None])


@dataclass(frozen=True, slots=True, repr=False)
class RankAgreement(ResultMixin):
    """Result of :func:`rank_agreement`: Friedman's test and Kendall's W.

    The subjects are the units (no clustering): ``design_effect`` is 1.
    """

    statistic: float
    pvalue: float
    dof: int
    design_effect: float
    kendall_w: float
    n_subjects: int
    n_levels: int
    n_subjects_dropped: int
    n_dropped: int
    incomplete_rule: str
    method: str
    warnings: tuple[Caveat, ...] = ()
    ranking: pd.DataFrame = field(default=None, compare=False)

    _frame_exclude = ("ranking",)


def rank_agreement(
    data: pd.DataFrame,
    *,
    subject: str = "city_id",
    item: str = "objective",
    rank: str = "rank",
) -> RankAgreement:
    """Do subjects agree on the ranking of items? Friedman and Kendall's W.

    Parameters
    ----------
    data : DataFrame
        One row per subject and item; ``rank`` is 1 for the first item and
        missing when the subject did not cite the item. A subject with no
        row for an item is treated as not citing it.
    subject, item, rank : str
        Column names.

    Returns
    -------
    RankAgreement
        ``statistic`` (Friedman chi-square, tie-corrected, as
        ``scipy.stats.friedmanchisquare`` on the completed ranks), ``pvalue``,
        ``dof`` (items - 1), ``kendall_w = statistic / (n_subjects
        (n_levels - 1))``, and ``ranking`` (columns
        :data:`RANKING_COLUMNS`: level (the item), mean_rank, n_cited,
        rank_position, best first).

    Notes
    -----
    Incomplete rankings: an item a subject did not rank takes the mean of
    the ranks that subject left unused. Subjects who ranked nothing carry
    no information and are dropped from the test (``n_subjects_dropped``)
    but not from ``n_cited``. Rows with a missing subject or item are
    dropped (``n_dropped``). Ranks must be whole numbers from 1 to the number of
    items, without repeats within a subject.

    Examples
    --------
    >>> from baro import examples, stats
    >>> r = stats.rank_agreement(examples.objectives())
    >>> r.n_subjects, r.n_levels, r.dof
    (12, 5, 4)
    >>> r.ranking["level"].iloc[0]
    'qualite_service'
    >>> 0 <= r.kendall_w <= 1
    True
    """
    d, s_codes, s_uniq, i_codes, i_uniq, n_dropped = _pivot(data, subject, item, rank)
    ns, m = len(s_uniq), len(i_uniq)
    values = pd.to_numeric(d[rank], errors="coerce")
    bad = values.notna() != d[rank].notna()
    if bad.any():
        raise ValueError(
            f"column {rank!r} holds non-numeric value(s): {d[rank][bad.to_numpy()].unique().tolist()!r}"
        )
    vals = values.to_numpy(dtype=float, na_value=np.nan)
    ok = np.isnan(vals) | ((vals >= 1) & (vals <= m) & (vals == np.round(vals)))
    if not ok.all():
        raise ValueError(
            f"column {rank!r} must hold whole ranks from 1 to {m} (the number of "
            f"{item!r} levels); found {sorted(set(vals[~ok].tolist()))!r}"
        )
    r = np.full((ns, m), np.nan)
    r[s_codes, i_codes] = vals
    cited = ~np.isnan(r)
    for srow in range(ns):
        used = r[srow, cited[srow]]
        if len(np.unique(used)) != len(used):
            raise ValueError(
                f"subject {s_uniq[srow]!r} gives the same {rank!r} to two {item!r} levels"
            )
    comp = complete_ranks(r)
    informative = cited.any(axis=1)
    n_subjects_dropped = int((~informative).sum())
    used_rows = comp[informative]
    warnings = []
    if used_rows.shape[0] < 2:
        raise ValueError(
            f"rank_agreement needs at least 2 subjects who ranked an item; found {used_rows.shape[0]}"
        )
    res = sps.friedmanchisquare(*used_rows.T)
    stat, pvalue = float(res.statistic), float(res.pvalue)
    n_used = used_rows.shape[0]
    w = stat / (n_used * (m - 1))
    if n_used < 10:
        warnings.append(few_subjects(n_used, "friedman"))
    mean_rank = comp.mean(axis=0)
    ranking = pd.DataFrame(
        {
            "level": pd.Series(i_uniq, dtype=object),
            "mean_rank": mean_rank,
            "n_cited": cited.sum(axis=0).astype(np.int64),
        }
    )
    ranking["rank_position"] = ranking["mean_rank"].rank(method="min").astype(np.int64)
    ranking = ranking.sort_values(["rank_position", "level"], kind="stable").reset_index(drop=True)
    return RankAgreement(
        statistic=stat,
        pvalue=pvalue,
        dof=m - 1,
        design_effect=1.0,
        kendall_w=float(w),
        n_subjects=n_used,
        n_levels=m,
        n_subjects_dropped=n_subjects_dropped,
        n_dropped=n_dropped,
        incomplete_rule=INCOMPLETE_RULE,
        method="Friedman chi-square on completed ranks (tie-corrected); Kendall's W",
        warnings=tuple(warnings),
        ranking=ranking,
    )


@dataclass(frozen=True, slots=True, repr=False)
class CochranQ(ResultMixin):
    """Result of :func:`cochran_q`: Cochran's Q and pairwise McNemar tests.

    The subjects are the units (no clustering): ``design_effect`` is 1.
    """

    statistic: float
    pvalue: float
    dof: int
    design_effect: float
    n_subjects: int
    n_levels: int
    n_dropped: int
    method: str
    warnings: tuple[Caveat, ...] = ()
    pairwise: pd.DataFrame = field(default=None, compare=False)

    _frame_exclude = ("pairwise",)


def cochran_q(
    data: pd.DataFrame,
    *,
    subject: str = "city_id",
    item: str = "objective",
    cited: str | None = None,
) -> CochranQ:
    """Are all items cited equally often? Cochran's Q with McNemar pairs.

    Parameters
    ----------
    data : DataFrame
        One row per subject and item.
    subject, item : str
        Column names.
    cited : str, optional
        A boolean column (cited or not). Default: ``"rank"`` is not missing.
        A subject with no row for an item counts as not citing it.

    Returns
    -------
    CochranQ
        ``statistic``, ``pvalue``, ``dof`` (statsmodels ``cochrans_q``) and
        ``pairwise`` (columns :data:`MCNEMAR_COLUMNS`): McNemar's test for
        every pair of items (``level_a``, ``level_b``), exact (binomial) when fewer than 25 discordant
        pairs, else the chi-square without continuity correction; p-values
        Holm-adjusted.

    Examples
    --------
    >>> from baro import examples, stats
    >>> q = stats.cochran_q(examples.objectives())
    >>> q.n_subjects, q.n_levels, q.dof
    (12, 5, 4)
    >>> len(q.pairwise)
    10
    """
    from statsmodels.stats.contingency_tables import cochrans_q, mcnemar

    value = cited if cited is not None else "rank"
    d, s_codes, s_uniq, i_codes, i_uniq, n_dropped = _pivot(data, subject, item, value)
    if cited is None:
        flag = d[value].notna().to_numpy()
    else:
        col = d[value]
        if col.isna().any():
            raise ValueError(f"column {cited!r} has {int(col.isna().sum())} missing value(s)")
        allowed = {False, True}  # 0 and 1 too: they equal False and True
        odd = [v for v in pd.unique(col) if v not in allowed]
        if odd:
            raise ValueError(f"column {cited!r} must be boolean (True/False); found {odd!r}")
        flag = col.astype(bool).to_numpy()
    ns, m = len(s_uniq), len(i_uniq)
    x = np.zeros((ns, m), dtype=np.int64)
    x[s_codes, i_codes] = flag.astype(np.int64)
    res = cochrans_q(x)
    warnings = []
    if ns < 10:
        warnings.append(few_subjects(ns, "cochran_q"))
    ia, ib = np.triu_indices(m, 1)
    rows = []
    for a, b in zip(ia, ib):
        xa, xb = x[:, a].astype(bool), x[:, b].astype(bool)
        both, a_only = int(np.sum(xa & xb)), int(np.sum(xa & ~xb))
        b_only, neither = int(np.sum(~xa & xb)), int(np.sum(~xa & ~xb))
        exact = (a_only + b_only) < MCNEMAR_EXACT_BELOW
        if a_only + b_only == 0:
            stat, p = math.nan, 1.0
        else:
            mres = mcnemar([[both, a_only], [b_only, neither]], exact=exact, correction=False)
            stat, p = float(mres.statistic), float(mres.pvalue)
        rows.append((i_uniq[a], i_uniq[b], both, a_only, b_only, neither, stat, p, exact))
    pw = pd.DataFrame(rows, columns=list(MCNEMAR_COLUMNS[:-1]))
    pw["level_a"] = pw["level_a"].astype(object)
    pw["level_b"] = pw["level_b"].astype(object)
    pw["pvalue_adjusted"] = holm(pw["pvalue"].to_numpy())
    return CochranQ(
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        dof=int(res.df),
        design_effect=1.0,
        n_subjects=ns,
        n_levels=m,
        n_dropped=n_dropped,
        method="Cochran's Q on cited / not cited; pairwise McNemar, Holm",
        warnings=tuple(warnings),
        pairwise=pw,
    )
