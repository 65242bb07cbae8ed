"""Shares of levels, with intervals, pairwise differences and changes.

Every clustered figure here comes from :mod:`baro.stats.design` (the
linearisation variance of R's ``svydesign(ids = ~cluster, data = d)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from baro.stats.design import Design, adjust_pvalues, as_design, prepare
from baro.stats.results import Caveat, ResultMixin, few_clusters

__all__ = [
    "SHARES_COLUMNS",
    "PAIRWISE_COLUMNS",
    "LETTERS_COLUMNS",
    "COMPARE_COLUMNS",
    "FEW_CLUSTERS",
    "TOTALS_COLUMNS",
    "CONTRAST_COLUMNS",
    "INTERVALS",
    "ProportionTest",
    "shares",
    "totals",
    "contrast",
    "proportion_test",
    "pairwise_shares",
    "compact_letters",
    "compare_editions",
]

SHARES_COLUMNS = ("level", "count", "estimate", "se", "ci_low", "ci_high", "design_effect")
PAIRWISE_COLUMNS = (
    "level_a",
    "level_b",
    "difference",
    "se",
    "statistic",
    "pvalue",
    "pvalue_adjusted",
)
LETTERS_COLUMNS = ("level", "letters")
TOTALS_COLUMNS = ("level", "count", "estimate", "se", "ci_low", "ci_high", "design_effect")
CONTRAST_COLUMNS = ("contrast", "estimate", "se", "ci_low", "ci_high", "statistic", "pvalue")
#: Intervals of a share under a design: R's ``svyciprop(method = ...)``.
INTERVALS = ("logit", "beta")
COMPARE_COLUMNS = (
    "level",
    "estimate_a",
    "estimate_b",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "pvalue",
    "pvalue_adjusted",
)
#: Fewer clusters than this and a clustered result carries a warning: the
#: design-based variance rests on too few independent units to be stable.
FEW_CLUSTERS = 10

_ALTERNATIVES = ("two-sided", "less", "greater")


def _check_confidence(confidence_level: float) -> float:
    if not (isinstance(confidence_level, (int, float)) and 0 < confidence_level < 1):
        raise ValueError(
            f"confidence_level must be a number strictly between 0 and 1, "
            f"not {confidence_level!r}"
        )
    return float(confidence_level)


def _few_clusters_warning(n_clusters: int | None) -> tuple[Caveat, ...]:
    if n_clusters is not None and n_clusters < FEW_CLUSTERS:
        return (few_clusters(n_clusters),)
    return ()


def _logit_interval(p, se, tq):
    """svyciprop(method = "logit"): Wald interval on the logit scale."""
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.log(p / (1 - p))
        se_eta = se / (p * (1 - p))
        low = 1 / (1 + np.exp(-(eta - tq * se_eta)))
        high = 1 / (1 + np.exp(-(eta + tq * se_eta)))
    bad = (p <= 0) | (p >= 1) | ~(se > 0)
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    return low, high


def _beta_interval(p, var, n_rows, dof, confidence_level):
    """svyciprop(method = "beta"): Korn and Graubard's interval.

    The effective sample size ``p (1 - p) / var`` is scaled by
    ``(t(n_rows - 1) / t(dof))^2`` (quantiles at ``alpha / 2``), then the
    Clopper-Pearson limits are taken at that size, as R.
    """
    p = np.asarray(p, dtype=float)
    var = np.asarray(var, dtype=float)
    alpha = 1 - confidence_level
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = p * (1 - p) / var
        n_eff = n_eff * (sps.t.ppf(alpha / 2, n_rows - 1) / sps.t.ppf(alpha / 2, dof)) ** 2
        low = sps.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        high = sps.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    low = np.where(p <= 0, 0.0, low)
    high = np.where(p >= 1, 1.0, high)
    bad = ~(var > 0)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def _prepare(data, columns, cluster, **kwargs):
    """Rows and codes of an analysis on a Design or a DataFrame."""
    design = as_design(data, cluster)
    if design is None:
        return prepare(data, columns, None, **kwargs)
    return prepare(design.data, columns, None, design=design, **kwargs)


def _design_label(prep, cluster) -> str:
    d = prep.design
    if d is None:
        return "independent rows"
    if isinstance(cluster, str) and not (d.weight_column or d.strata or d.fpc or d.calibration):
        return f"clustered by {cluster!r}"
    return repr(d)


def _wilson(count, n, confidence_level):
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(
        np.asarray(count, dtype=float), n, alpha=1 - confidence_level, method="wilson"
    )
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def _share_moments(prep, column):
    """Counts, shares and their covariance (multinomial or linearised)."""
    codes = prep.codes[column]
    k = len(prep.uniques[column])
    counts = np.bincount(codes, minlength=k)
    n = prep.n
    if prep.design is None:
        p = counts / n
        vcov = (np.diag(p) - np.outer(p, p)) / n
    else:
        p, vcov, _ = prep.design.cell_moments(codes, k, prep.keep, "mean")
    return counts, p, vcov


def _vcov_frame(vcov, levels):
    index = pd.Index(levels, dtype=object, name="level")
    return pd.DataFrame(vcov, index=index, columns=index)


def _levels_arg(column, levels):
    if levels is None:
        return None
    if isinstance(levels, str):
        raise ValueError(f"levels for column {column!r} must be a list of levels, not a string")
    return {column: list(levels)}


def shares(
    data: Design | pd.DataFrame,
    column: str,
    *,
    cluster: str | None = None,
    confidence_level: float = 0.95,
    levels: Sequence | None = None,
    interval: str = "logit",
) -> pd.DataFrame:
    """Share of each level of a column, with standard error and interval.

    Parameters
    ----------
    data : Design or DataFrame
        A :class:`~baro.stats.Design`, or a DataFrame (then ``cluster`` is
        the shorthand for ``Design(data, cluster=cluster)``).
    column : str
        The categorical column.
    cluster : str, optional
        Cluster column of a DataFrame (e.g. ``"city_id"``). ``None`` with a
        DataFrame: independent rows.
    confidence_level : float
        Level of the intervals.
    levels : sequence, optional
        The levels to report, in this order, including levels never
        observed (count 0). Default: the observed levels (all categories
        of a categorical column) by descending count, ties by level; under
        unequal weights, by descending estimate (the weighted share).
    interval : {'logit', 'beta'}
        Interval under a design: ``svyciprop(method = "logit")`` or the
        Korn-Graubard ``svyciprop(method = "beta")``.

    Returns
    -------
    DataFrame
        Columns :data:`SHARES_COLUMNS`: level, count, estimate (the share),
        se, ci_low, ci_high, design_effect. ``attrs`` holds ``weighted``
        (whether the rows weigh differently: the estimate is then not
        count / n), ``n``,
        ``n_clusters`` (None when unclustered), ``n_dropped`` (rows with a
        missing value), ``dof``, ``confidence_level``, ``method`` and
        ``warnings`` (:class:`~baro.stats.results.Caveat`), and ``vcov``: the
        covariance of the shares (a DataFrame indexed by level in the
        rows' order; :func:`contrast` uses it).

    Notes
    -----
    Unclustered: ``se = sqrt(p (1 - p) / n)``, Wilson interval
    (statsmodels ``proportion_confint(method="wilson")``),
    ``design_effect = 1``.

    Clustered (one-stage cluster sample, clusters with replacement, equal
    weights): ``se`` is R's ``svymean`` standard error for
    ``svydesign(ids = ~cluster, data = d)``; the interval is
    ``svyciprop(method = "logit")``: a Wald interval for the logit of the
    share with a Student t quantile on ``n_clusters - 1`` degrees of
    freedom; it is NaN when the share is 0 or 1. ``design_effect`` is the clustered
    variance over the variance of a simple random sample of the same size
    with replacement, ``p (1 - p) / (n - 1)``, as
    ``svymean(..., deff = "replace")``. (R's ``deff = TRUE`` divides by the
    without-replacement variance, which is zero when the design has no
    weights, and so reports ``Inf``.)

    Any :class:`~baro.stats.Design` (strata, weights, finite population,
    post-stratification, raking): the share is the weighted mean
    (``svymean``), ``se`` its linearisation standard error, the interval
    ``svyciprop`` with ``interval``, on ``dof`` = units minus strata
    (``degf``); ``design_effect`` as above with the weighted share. ``count``
    counts rows. A Design without clusters, strata or weights is R's
    ``svydesign(ids = ~1)``: design-based, unlike a DataFrame with
    ``cluster=None``.

    Examples
    --------
    >>> from baro import examples, stats
    >>> d = examples.projects()
    >>> s = stats.shares(d, "citizens_involved", cluster="city_id")
    >>> s[["level", "count", "estimate"]]
       level  count  estimate
    0  False    108      0.72
    1   True     42      0.28
    >>> s.attrs["n"], s.attrs["n_clusters"], s.attrs["dof"]
    (150, 12, 11)
    >>> bool(s.loc[1, "ci_low"] < 0.28 < s.loc[1, "ci_high"])
    True
    """
    confidence_level = _check_confidence(confidence_level)
    if interval not in INTERVALS:
        raise ValueError(f"interval={interval!r} is not one of {INTERVALS}")
    prep = _prepare(data, [column], cluster, levels=_levels_arg(column, levels))
    counts, p, vcov = _share_moments(prep, column)
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    if prep.design is None:
        low, high = _wilson(counts, prep.n, confidence_level)
        design_effect = np.ones(len(p))
        dof: float = math.inf
        method = "independent rows: binomial se, Wilson interval"
    else:
        dof = prep.design.dof
        if interval == "logit":
            tq = sps.t.ppf(1 - (1 - confidence_level) / 2, dof)
            low, high = _logit_interval(p, se, tq)
        else:
            low, high = _beta_interval(
                p, np.diag(vcov), len(prep.design.data), dof, confidence_level
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            design_effect = np.diag(vcov) / (p * (1 - p) / (prep.n - 1))
        method = (
            f"{_design_label(prep, cluster)}: linearisation se (svymean), "
            f"{interval} interval with t on {dof} df (svyciprop)"
        )
    out = pd.DataFrame(
        {
            "level": pd.Series(prep.uniques[column], dtype=object),
            "count": counts.astype(np.int64),
            "estimate": p,
            "se": se,
            "ci_low": low,
            "ci_high": high,
            "design_effect": design_effect,
        }
    )
    rows = np.arange(len(p))
    weighted = prep.design is not None and not prep.design.equal_weights
    if levels is None:  # the largest first: by the share itself when the rows weigh differently
        rows = np.argsort(-(p if weighted else counts), kind="stable")
        out = out.iloc[rows].reset_index(drop=True)
    out.attrs.update(
        column=column,
        weighted=weighted,
        cluster=cluster if prep.design is None else prep.design.cluster,
        n=prep.n,
        n_clusters=prep.n_clusters,
        n_dropped=prep.n_dropped,
        dof=dof,
        confidence_level=confidence_level,
        method=method,
        warnings=_few_clusters_warning(prep.n_clusters),
        vcov=_vcov_frame(vcov[np.ix_(rows, rows)], out["level"].tolist()),
    )
    return out


@dataclass(frozen=True, slots=True, repr=False)
class ProportionTest(ResultMixin):
    """Share of rows in a set of levels, tested against a null value."""

    column: str
    levels: tuple
    count: int
    n: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    null: float
    statistic: float
    pvalue: float
    dof: float
    design_effect: float
    alternative: str
    confidence_level: float
    n_clusters: int | None
    n_dropped: int
    method: str
    warnings: tuple[Caveat, ...] = ()


def proportion_test(
    data: Design | pd.DataFrame,
    column: str,
    levels: Iterable,
    *,
    null: float,
    cluster: str | None = None,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> ProportionTest:
    """Share of rows whose ``column`` is in ``levels``, tested against ``null``.

    Parameters
    ----------
    data : DataFrame
    column : str
    levels : iterable
        The levels counted together (e.g. the three largest domains). Each
        must occur in the column (a typo is an error, not a zero).
    null : float
        Share under the null hypothesis, strictly between 0 and 1.
    cluster : str, optional
        Cluster column; ``None``: independent rows.
    confidence_level : float
        Level of the (two-sided) interval.
    alternative : {'two-sided', 'less', 'greater'}
        Alternative hypothesis for the test (the interval stays two-sided).

    Returns
    -------
    ProportionTest
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``statistic``,
        ``pvalue``, ``dof``, ``design_effect`` and the sample description.

    Notes
    -----
    Unclustered: ``pvalue`` is the exact binomial test
    (``scipy.stats.binomtest``); ``statistic`` is the score z,
    ``(p - null) / sqrt(null (1 - null) / n)``; ``se = sqrt(p (1 - p) / n)``;
    Wilson interval; ``dof = inf``.

    Clustered: ``statistic = (p - null) / se`` with the linearisation ``se``
    (``svymean``), referred to Student t on ``n_clusters - 2`` degrees of
    freedom: this is R's ``svyttest(I(y - null) ~ 0, design)`` on the
    indicator ``y``, whose one-sample test uses ``degf(design) - 1``. The
    interval is ``svyciprop(method = "logit")`` (t on ``n_clusters - 1``
    degrees of freedom, as :func:`shares`). ``design_effect`` is the
    clustered variance over ``p (1 - p) / (n - 1)``, as in :func:`shares`
    (``svymean(..., deff = "replace")``); 1 for independent rows.

    Examples
    --------
    >>> from baro import examples, stats
    >>> d = examples.projects()
    >>> r = stats.proportion_test(d, "decision_mode", ["unilaterale"], null=0.5,
    ...                           cluster="city_id")
    >>> r.count, r.n, r.dof
    (78, 150, 10)
    >>> round(r.estimate, 3)
    0.52
    """
    confidence_level = _check_confidence(confidence_level)
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative={alternative!r} is not one of {_ALTERNATIVES}")
    if not (isinstance(null, (int, float)) and 0 < null < 1):
        raise ValueError(f"null must be a share strictly between 0 and 1, not {null!r}")
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Iterable):
        levels = [levels]
    chosen = list(dict.fromkeys(levels))
    if not chosen:
        raise ValueError(f"levels for column {column!r} is empty")
    prep = _prepare(data, [column], cluster, min_levels=1)
    observed = prep.uniques[column]
    unknown = [v for v in chosen if v not in observed]
    if unknown:
        raise ValueError(
            f"level(s) {unknown!r} do not occur in column {column!r}; "
            f"observed levels: {observed!r}"
        )
    inside = np.isin(np.arange(len(observed)), [observed.index(v) for v in chosen])
    y = inside[prep.codes[column]].astype(np.intp)
    count = int(y.sum())
    n = prep.n
    p = count / n
    if prep.design is None:
        se = math.sqrt(p * (1 - p) / n)
        low, high = (float(v[0]) for v in _wilson(np.array([count]), n, confidence_level))
        statistic = (p - null) / math.sqrt(null * (1 - null) / n)
        pvalue = float(sps.binomtest(count, n, null, alternative=alternative).pvalue)
        dof: float = math.inf
        design_effect = 1.0
        method = "exact binomial test; Wilson interval"
    else:
        means, vcov, _ = prep.design.cell_moments(y, 2, prep.keep, "mean")
        p = float(means[1])
        se = math.sqrt(max(vcov[1, 1], 0.0))
        srs = p * (1 - p) / (n - 1)
        design_effect = max(vcov[1, 1], 0.0) / srs if srs > 0 else math.nan
        tq = sps.t.ppf(1 - (1 - confidence_level) / 2, prep.design.dof)
        # svyttest's one-sample test uses degf(design) - 1
        dof = prep.design.dof - 1
        low, high = (float(v[0]) for v in _logit_interval([p], [se], tq))
        statistic = (p - null) / se if se > 0 else math.nan
        if alternative == "two-sided":
            pvalue = 2 * sps.t.sf(abs(statistic), dof)
        elif alternative == "greater":
            pvalue = sps.t.sf(statistic, dof)
        else:
            pvalue = sps.t.cdf(statistic, dof)
        pvalue = float(pvalue)
        method = f"design-based t test, {_design_label(prep, cluster)} (svyttest)"
    return ProportionTest(
        column=column,
        levels=tuple(chosen),
        count=count,
        n=n,
        estimate=p,
        se=se,
        ci_low=low,
        ci_high=high,
        null=float(null),
        statistic=float(statistic),
        pvalue=pvalue,
        dof=dof,
        design_effect=float(design_effect),
        alternative=alternative,
        confidence_level=confidence_level,
        n_clusters=prep.n_clusters,
        n_dropped=prep.n_dropped,
        method=method,
        warnings=_few_clusters_warning(prep.n_clusters),
    )


def pairwise_shares(
    data: Design | pd.DataFrame,
    column: str,
    *,
    cluster: str | None = None,
    adjust: str = "holm",
    levels: Sequence | None = None,
) -> pd.DataFrame:
    """Differences between the shares of every pair of levels.

    Parameters
    ----------
    data : DataFrame
    column : str
    cluster : str, optional
        Cluster column; ``None``: independent rows.
    adjust : {'holm', 'bonferroni', 'fdr_bh', 'none'}
        Multiple-comparison adjustment (statsmodels ``multipletests``).
    levels : sequence, optional
        Levels and their order; default as :func:`shares`. Pairs are
        ``(levels[i], levels[j])`` for ``i < j``.

    Returns
    -------
    DataFrame
        Columns :data:`PAIRWISE_COLUMNS`: level_a, level_b, difference
        (share of a minus share of b), se, statistic, pvalue,
        pvalue_adjusted. ``attrs`` as :func:`shares`, plus ``adjust``.

    Notes
    -----
    Both shares come from the same sample, so the variance of the
    difference uses their covariance: unclustered, the multinomial
    ``(p_a + p_b - (p_a - p_b)^2) / n`` and a normal reference; clustered,
    ``svycontrast`` on ``svymean`` (``V_aa + V_bb - 2 V_ab``) and Student t
    on ``n_clusters - 1`` degrees of freedom.

    Examples
    --------
    >>> from baro import examples, stats
    >>> d = examples.projects()
    >>> pw = stats.pairwise_shares(d, "decision_mode", cluster="city_id")
    >>> pw[["level_a", "level_b"]]
            level_a          level_b
    0   unilaterale     concertation
    1   unilaterale  co_construction
    2  concertation  co_construction
    >>> bool((pw["pvalue_adjusted"] >= pw["pvalue"]).all())
    True
    """
    prep = _prepare(data, [column], cluster, levels=_levels_arg(column, levels))
    counts, p, vcov = _share_moments(prep, column)
    k = len(p)
    order = np.arange(k) if levels is not None else np.argsort(-counts, kind="stable")
    ia, ib = np.triu_indices(k, 1)
    a, b = order[ia], order[ib]
    diff = p[a] - p[b]
    var = vcov[a, a] + vcov[b, b] - 2 * vcov[a, b]
    se = np.sqrt(np.clip(var, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, diff / se, np.nan)
    if prep.design is None:
        dof: float = math.inf
        pvalue = 2 * sps.norm.sf(np.abs(stat))
    else:
        dof = prep.design.dof
        pvalue = 2 * sps.t.sf(np.abs(stat), dof)
    uniq = prep.uniques[column]
    out = pd.DataFrame(
        {
            "level_a": pd.Series([uniq[i] for i in a], dtype=object),
            "level_b": pd.Series([uniq[i] for i in b], dtype=object),
            "difference": diff,
            "se": se,
            "statistic": stat,
            "pvalue": pvalue,
            "pvalue_adjusted": adjust_pvalues(pvalue, adjust),
        }
    )
    out.attrs.update(
        column=column,
        cluster=cluster,
        n=prep.n,
        n_clusters=prep.n_clusters,
        n_dropped=prep.n_dropped,
        dof=dof,
        adjust=adjust,
        warnings=_few_clusters_warning(prep.n_clusters),
    )
    return out


def compact_letters(
    pairwise: pd.DataFrame, *, alpha: float = 0.05, order: Sequence | None = None
) -> pd.DataFrame:
    """Compact letter display of pairwise comparisons.

    Levels that share a letter do not differ significantly (adjusted
    p-value >= ``alpha``); the insert-and-absorb algorithm of Piepho (2004).

    Parameters
    ----------
    pairwise : DataFrame
        As returned by :func:`pairwise_shares` (level_a, level_b,
        pvalue_adjusted).
    alpha : float
        Significance level.
    order : sequence, optional
        Order of the levels (letters are given in this order); default the
        order in which levels first appear in ``pairwise``.

    Returns
    -------
    DataFrame
        Columns level, letters.

    Examples
    --------
    >>> import pandas as pd
    >>> pw = pd.DataFrame({"level_a": ["x", "x", "y"], "level_b": ["y", "z", "z"],
    ...                    "pvalue_adjusted": [0.2, 0.01, 0.3]})
    >>> compact_letters(pw)
      level letters
    0     x       a
    1     y      ab
    2     z       b
    """
    for c in ("level_a", "level_b", "pvalue_adjusted"):
        if c not in pairwise.columns:
            raise KeyError(
                f"column {c!r} is not in the pairwise frame; available columns: "
                + ", ".join(map(str, pairwise.columns))
            )
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, not {alpha!r}")
    seen = list(dict.fromkeys(list(pairwise["level_a"]) + list(pairwise["level_b"])))
    if order is None:
        order = seen
    else:
        order = list(order)
        missing = [v for v in seen if v not in order]
        if missing:
            raise ValueError(f"order lacks level(s) {missing!r} found in the pairwise frame")
    pos = {v: i for i, v in enumerate(order)}
    groups: list[set[int]] = [set(range(len(order)))]
    sig = pairwise.loc[pairwise["pvalue_adjusted"] < alpha]
    for la, lb in zip(sig["level_a"], sig["level_b"]):
        i, j = pos[la], pos[lb]
        new: list[set[int]] = []
        for g in groups:
            if i in g and j in g:
                new.extend([g - {i}, g - {j}])
            else:
                new.append(g)
        # absorb: drop groups contained in another
        uniq: list[set[int]] = []
        for g in sorted(new, key=len, reverse=True):
            if g and not any(g <= h for h in uniq):
                uniq.append(g)
        groups = uniq
    groups.sort(key=lambda g: sorted(g))
    letters = {i: "" for i in range(len(order))}
    for n_letter, g in enumerate(groups):
        letter = _letter(n_letter)
        for i in sorted(g):
            letters[i] += letter
    return pd.DataFrame(
        {"level": pd.Series(order, dtype=object), "letters": [letters[i] for i in range(len(order))]}
    )


def _letter(i: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    if i < 26:
        return alphabet[i]
    return alphabet[i // 26 - 1] + alphabet[i % 26]


def compare_editions(
    a: Design | pd.DataFrame,
    b: Design | pd.DataFrame,
    column: str,
    *,
    cluster: str | None = None,
    levels: Sequence | None = None,
    compare: Sequence | None = None,
    confidence_level: float = 0.95,
    adjust: str = "holm",
) -> pd.DataFrame:
    """Change of each level's share from edition ``a`` to edition ``b``.

    Parameters
    ----------
    a, b : Design or DataFrame
        The two editions' designs or tables (e.g. projects), each with
        ``column``.
    column : str
    cluster : str, optional
        Cluster column in both; ``None``: independent rows.
    levels : sequence, optional
        Levels compared, in this order (e.g. the harmonised domains); by
        default every level seen in either edition, by descending combined
        count. A level absent from one edition has share 0 there.
    compare : sequence, optional
        Report only these levels, in this order, and adjust the p-values
        over them alone; the shares stay shares of all rows. Use it to
        leave out a category that only one questionnaire offered (its
        change reflects the questionnaire, not the answers). A level in
        ``compare`` seen in neither edition has share 0 in both.
    confidence_level : float
    adjust : {'holm', 'bonferroni', 'fdr_bh', 'none'}

    Returns
    -------
    DataFrame
        Columns :data:`COMPARE_COLUMNS`: level, estimate_a and estimate_b
        (the level's share in each edition), difference
        (``estimate_b - estimate_a``), se, ci_low, ci_high, statistic,
        pvalue, pvalue_adjusted.

    Notes
    -----
    The editions are treated as independent samples: ``se`` is
    ``sqrt(se_a^2 + se_b^2)`` with each edition's own standard error (the
    clustered ``svymean`` se when ``cluster`` is given, else
    ``sqrt(p (1 - p) / n)``). The statistic ``difference / se`` is referred
    to the standard normal distribution, and the interval is
    ``difference +/- z se``. When the same cities answer both editions the
    samples are not independent and this se is conservative for positive
    correlation.

    Examples
    --------
    >>> from baro import examples, stats
    >>> d = examples.projects()
    >>> first, second = d[d["city_id"] <= "V06"], d[d["city_id"] > "V06"]
    >>> c = stats.compare_editions(first, second, "citizens_involved", cluster="city_id")
    >>> list(c.columns) == list(stats.COMPARE_COLUMNS)
    True
    >>> c["level"].tolist()
    [False, True]
    >>> stats.compare_editions(first, second, "domain", compare=["transport"])["level"].tolist()
    ['transport']
    """
    confidence_level = _check_confidence(confidence_level)
    for name, frame in (("a", a), ("b", b)):
        if not isinstance(frame, (pd.DataFrame, Design)):
            raise TypeError(
                f"{name} must be a Design or a pandas DataFrame, not {type(frame).__name__}"
            )
    if levels is None:
        pa = _prepare(a, [column], cluster, min_levels=1)
        pb = _prepare(b, [column], cluster, min_levels=1)
        tally: dict = {}
        for prep in (pa, pb):
            counts = np.bincount(prep.codes[column], minlength=len(prep.uniques[column]))
            for lv, c in zip(prep.uniques[column], counts):
                tally[lv] = tally.get(lv, 0) + int(c)
        levels = sorted(sorted(tally, key=str), key=lambda v: -tally[v])
    levels = list(levels)
    if compare is not None:
        compare = list(compare)
        if not compare:
            raise ValueError("compare must name at least one level")
        levels += [lv for lv in compare if lv not in levels]
    sa = shares(a, column, cluster=cluster, levels=levels, confidence_level=confidence_level)
    sb = shares(b, column, cluster=cluster, levels=levels, confidence_level=confidence_level)
    diff = sb["estimate"].to_numpy() - sa["estimate"].to_numpy()
    se = np.sqrt(sa["se"].to_numpy() ** 2 + sb["se"].to_numpy() ** 2)
    z = sps.norm.ppf(1 - (1 - confidence_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, diff / se, np.nan)
    pvalue = 2 * sps.norm.sf(np.abs(stat))
    if compare is not None:
        keep = np.array([levels.index(lv) for lv in compare])
        levels, diff, se, stat, pvalue = compare, diff[keep], se[keep], stat[keep], pvalue[keep]
        sa, sb = sa.iloc[keep], sb.iloc[keep]
    out = pd.DataFrame(
        {
            "level": pd.Series(list(levels), dtype=object),
            "estimate_a": sa["estimate"].to_numpy(),
            "estimate_b": sb["estimate"].to_numpy(),
            "difference": diff,
            "se": se,
            "ci_low": diff - z * se,
            "ci_high": diff + z * se,
            "statistic": stat,
            "pvalue": pvalue,
            "pvalue_adjusted": adjust_pvalues(pvalue, adjust),
        }
    )
    out.attrs.update(
        column=column,
        cluster=cluster,
        n_a=sa.attrs["n"],
        n_b=sb.attrs["n"],
        n_clusters_a=sa.attrs["n_clusters"],
        n_clusters_b=sb.attrs["n_clusters"],
        n_dropped_a=sa.attrs["n_dropped"],
        n_dropped_b=sb.attrs["n_dropped"],
        confidence_level=confidence_level,
        adjust=adjust,
        warnings=tuple(sa.attrs["warnings"]) + tuple(sb.attrs["warnings"]),
    )
    return out


def totals(
    data: Design | pd.DataFrame,
    column: str,
    *,
    cluster: str | None = None,
    confidence_level: float = 0.95,
    levels: Sequence | None = None,
) -> pd.DataFrame:
    """Estimated population count of each level (R's ``svytotal``).

    Parameters
    ----------
    data : Design or DataFrame
        As :func:`shares`; a DataFrame counts its rows (weights 1).
    column : str
    cluster : str, optional
        Cluster column of a DataFrame.
    confidence_level : float
    levels : sequence, optional
        Levels and their order; default as :func:`shares`.

    Returns
    -------
    DataFrame
        Columns :data:`TOTALS_COLUMNS`: level, count (rows), estimate (the
        weighted total), se, ci_low, ci_high (``estimate +/- t se`` on the
        design's degrees of freedom; normal for independent rows),
        design_effect: the variance over that of a simple random sample
        with replacement, ``p (1 - p) N^2 / (n - 1)`` with ``N`` the sum of
        the weights and ``p`` the level's weighted share, as
        ``svytotal(..., deff = "replace")`` (1 for independent rows).
        ``attrs`` as :func:`shares`, with ``vcov`` the covariance of the
        totals.

    Examples
    --------
    >>> import pandas as pd
    >>> from baro import stats
    >>> d = pd.DataFrame({"x": ["a", "b", "a", "a"], "w": [10.0, 20.0, 10.0, 5.0]})
    >>> stats.totals(stats.Design(d, weights="w"), "x")[["level", "count", "estimate"]]
      level  count  estimate
    0     a      3      25.0
    1     b      1      20.0
    """
    confidence_level = _check_confidence(confidence_level)
    prep = _prepare(data, [column], cluster, levels=_levels_arg(column, levels))
    codes = prep.codes[column]
    k = len(prep.uniques[column])
    counts = np.bincount(codes, minlength=k)
    if prep.design is None:
        est = counts.astype(float)
        p = counts / prep.n
        vcov = prep.n * (np.diag(p) - np.outer(p, p))
        dof: float = math.inf
        q = sps.norm.ppf(1 - (1 - confidence_level) / 2)
        design_effect = np.ones(k)
    else:
        est, vcov, weighted = prep.design.cell_moments(codes, k, prep.keep, "total")
        dof = prep.design.dof
        q = sps.t.ppf(1 - (1 - confidence_level) / 2, dof)
        big_n = weighted.sum()
        share = est / big_n
        with np.errstate(divide="ignore", invalid="ignore"):
            design_effect = np.diag(vcov) / (share * (1 - share) * big_n**2 / (prep.n - 1))
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    rows = np.arange(k) if levels is not None else np.argsort(-counts, kind="stable")
    out = pd.DataFrame(
        {
            "level": pd.Series([prep.uniques[column][i] for i in rows], dtype=object),
            "count": counts[rows].astype(np.int64),
            "estimate": est[rows],
            "se": se[rows],
            "ci_low": est[rows] - q * se[rows],
            "ci_high": est[rows] + q * se[rows],
            "design_effect": design_effect[rows],
        }
    )
    out.attrs.update(
        column=column,
        n=prep.n,
        n_clusters=prep.n_clusters,
        n_dropped=prep.n_dropped,
        dof=dof,
        confidence_level=confidence_level,
        warnings=_few_clusters_warning(prep.n_clusters),
        vcov=_vcov_frame(vcov[np.ix_(rows, rows)], out["level"].tolist()),
    )
    return out


def contrast(
    estimates: pd.DataFrame,
    contrasts,
    *,
    confidence_level: float | None = None,
) -> pd.DataFrame:
    """Linear combinations of estimates, with their covariance (``svycontrast``).

    Parameters
    ----------
    estimates : DataFrame
        A result of :func:`shares` or :func:`totals`: its ``level`` column,
        its estimates and ``attrs["vcov"]``.
    contrasts : mapping
        Name -> coefficients: a mapping level -> coefficient (levels left
        out count 0) or a sequence with one coefficient per row of
        ``estimates``.
    confidence_level : float, optional
        Level of the intervals; default that of ``estimates``.

    Returns
    -------
    DataFrame
        Columns :data:`CONTRAST_COLUMNS`: contrast, estimate (``c' b``), se
        (``sqrt(c' V c)``), ci_low, ci_high, statistic (``estimate / se``)
        and pvalue (two-sided, Student t on the design's degrees of freedom;
        normal for independent rows). ``attrs["vcov"]`` holds the
        covariance ``C V C'`` of the contrasts.

    Examples
    --------
    >>> from baro import examples, stats
    >>> s = stats.shares(examples.projects(), "decision_mode", cluster="city_id")
    >>> c = stats.contrast(s, {"co-construction vs rest": {"co_construction": 1,
    ...                    "unilaterale": -0.5, "concertation": -0.5}})
    >>> round(float(c.loc[0, "estimate"]), 3)
    -0.35
    """
    if not isinstance(estimates, pd.DataFrame) or "vcov" not in estimates.attrs:
        raise TypeError(
            "estimates must be a result of shares() or totals() (a DataFrame with "
            "attrs['vcov'])"
        )
    if not hasattr(contrasts, "items") or not contrasts:
        raise ValueError("contrasts must be a non-empty mapping name -> coefficients")
    value_col = "estimate"
    levels = estimates["level"].tolist()
    b = estimates[value_col].to_numpy(dtype=float)
    vc = estimates.attrs["vcov"]
    v = vc.loc[levels, levels].to_numpy(dtype=float) if isinstance(vc, pd.DataFrame) else np.asarray(vc)
    rows = []
    for name, coef in contrasts.items():
        if hasattr(coef, "items"):
            unknown = [lv for lv in coef if lv not in levels]
            if unknown:
                raise ValueError(
                    f"contrast {name!r} names level(s) {unknown!r} that are not among "
                    f"the estimates' levels {levels!r}"
                )
            rows.append([float(coef.get(lv, 0.0)) for lv in levels])
        else:
            c = [float(x) for x in coef]
            if len(c) != len(levels):
                raise ValueError(
                    f"contrast {name!r} has {len(c)} coefficient(s) for {len(levels)} "
                    "estimates; give one per row or a mapping level -> coefficient"
                )
            rows.append(c)
    cm = np.array(rows)
    est = cm @ b
    cv = cm @ v @ cm.T
    se = np.sqrt(np.clip(np.diag(cv), 0, None))
    dof = estimates.attrs.get("dof", math.inf)
    level = confidence_level or estimates.attrs.get("confidence_level", 0.95)
    level = _check_confidence(level)
    dist = sps.norm if dof == math.inf else sps.t(dof)
    q = dist.ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, est / se, np.nan)
    names = list(contrasts)
    out = pd.DataFrame(
        {
            "contrast": pd.Series(names, dtype=object),
            "estimate": est,
            "se": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "statistic": stat,
            "pvalue": 2 * dist.sf(np.abs(stat)),
        }
    )
    index = pd.Index(names, dtype=object, name="contrast")
    out.attrs.update(dof=dof, confidence_level=level, vcov=pd.DataFrame(cv, index=index, columns=index))
    return out
