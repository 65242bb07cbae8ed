"""Tests on one or two categorical columns: goodness of fit, association.

Clustered versions follow R's survey package for
``svydesign(ids = ~cluster, data = d)``: ``svygofchisq`` and
``svychisq`` (Rao-Scott), on the covariance from :mod:`baro.stats.design`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from baro.stats.design import Design, holm
from baro.stats.estimates import _design_label, _few_clusters_warning, _levels_arg, _prepare
from baro.stats.results import Caveat, ResultMixin, small_expected

__all__ = [
    "GOF_TABLE_COLUMNS",
    "RESIDUALS_COLUMNS",
    "GoodnessOfFit",
    "Association",
    "goodness_of_fit",
    "association",
    "expected_too_small",
]

GOF_TABLE_COLUMNS = ("level", "observed", "expected", "expected_share")
RESIDUALS_COLUMNS = (
    "level_a",
    "level_b",
    "observed",
    "expected",
    "adjusted_residual",
    "pvalue",
    "pvalue_adjusted",
)
DEFAULT_RESAMPLES = 9999


def expected_too_small(expected: np.ndarray) -> bool:
    """Cochran's rule, under which :func:`association` warns: any expected
    count below 1, or more than a fifth of them below 5.

    >>> expected_too_small(np.array([[6.0, 7.0], [5.0, 0.9]]))
    True
    >>> expected_too_small(np.array([[6.0, 7.0], [5.0, 4.0], [9.0, 9.0], [8.0, 8.0], [9.0, 9.0]]))
    False
    """
    expected = np.asarray(expected, dtype=float)
    return bool(np.any(expected < 1) or np.mean(expected < 5) > 0.2)


def _check_resampling(seed, n_resamples):
    if not (isinstance(n_resamples, (int, np.integer)) and n_resamples >= 99):
        raise ValueError(f"n_resamples must be an integer >= 99, not {n_resamples!r}")
    if not (isinstance(seed, (int, np.integer)) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")


@dataclass(frozen=True, slots=True, repr=False)
class GoodnessOfFit(ResultMixin):
    """Result of :func:`goodness_of_fit`.

    ``statistic`` is Pearson's X^2 of the observed counts; ``pvalue`` its
    chi-square p-value (clustered: Rao-Scott, referred to ``scale`` times a
    chi-square on ``dof`` degrees of freedom). ``design_effect`` is the
    mean design effect of the Rao-Scott correction, ``scale * dof /
    (n_levels - 1)`` (1 for independent rows). ``table`` holds the
    observed and expected counts per level (:data:`GOF_TABLE_COLUMNS`).
    """

    column: str
    statistic: float
    pvalue: float
    dof: float
    design_effect: float
    scale: float
    n: int
    n_levels: int
    n_clusters: int | None
    n_dropped: int
    method: str
    pvalue_monte_carlo: float
    n_resamples: int
    seed: int
    warnings: tuple[Caveat, ...] = ()
    table: pd.DataFrame = field(default=None, compare=False)

    _frame_exclude = ("table",)


def _expected_shares(expected, levels: list, column: str) -> np.ndarray:
    k = len(levels)
    if expected is None:
        return np.full(k, 1.0 / k)
    if isinstance(expected, Mapping) or isinstance(expected, pd.Series):
        exp = dict(expected.items())
        extra = [lv for lv in exp if lv not in levels]
        if extra:
            raise ValueError(
                f"expected names level(s) {extra!r} that are not among the levels "
                f"of column {column!r}: {levels!r}"
            )
        missing = [lv for lv in levels if lv not in exp]
        if missing:
            raise ValueError(
                f"expected lacks level(s) {missing!r} of column {column!r}"
            )
        values = np.array([exp[lv] for lv in levels], dtype=float)
    else:
        values = np.asarray(expected, dtype=float)
        if values.shape != (k,):
            raise ValueError(
                f"expected has {values.size} value(s) but column {column!r} has "
                f"{k} level(s) {levels!r}; pass a mapping level -> expected"
            )
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"expected values must be finite and positive, not {values.tolist()!r}")
    return values / values.sum()


def goodness_of_fit(
    data: Design | pd.DataFrame,
    column: str,
    *,
    expected: Mapping | Sequence | None = None,
    cluster: str | None = None,
    levels: Sequence | None = None,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> GoodnessOfFit:
    """Are the levels of a column equally frequent (or as ``expected``)?

    Parameters
    ----------
    data : DataFrame
    column : str
    expected : mapping or sequence, optional
        Expected shares or counts (normalised to sum 1), as a mapping
        level -> value, or a sequence in the order of ``levels``. Default:
        equal shares.
    cluster : str, optional
        Cluster column; ``None``: independent rows.
    levels : sequence, optional
        The levels tested (levels never observed count 0). Default: the
        observed levels, or the keys of a mapping ``expected``.
    seed, n_resamples : int
        Seed and size of the Monte-Carlo p-value computed when some
        expected count is below 5.

    Returns
    -------
    GoodnessOfFit

    Notes
    -----
    Unclustered: ``scipy.stats.chisquare``; ``scale = 1``. When some
    expected count is below 5 the result warns and adds
    ``pvalue_monte_carlo``: the share of ``n_resamples`` multinomial samples
    (seeded) whose X^2 is at least the observed one, ``(1 + b) / (1 + B)``.

    Clustered: R's ``svygofchisq``. The statistic is Pearson's X^2 of the
    counts; its distribution is a weighted sum of chi-squares whose weights
    are the eigenvalues of the design covariance of
    ``(O_i - E_i) / sqrt(E_i)`` (delta method on ``svytotal``); the p-value
    uses the Satterthwaite approximation ``scale * chisq(dof)``, as R's
    ``pchisqsum`` does by default. There is no Monte-Carlo p-value for
    clustered counts (``pvalue_monte_carlo`` is NaN) but the warning stays:
    resampling rows under the null ignores that projects of one city are
    alike, and resampling whole cities (a cluster bootstrap) is itself a
    large-sample method, with no better claim than the corrected test when
    cells are small. R's survey offers none either.

    Any :class:`~baro.stats.Design` (weights, strata, finite population,
    calibration): the same, on the estimated population totals
    (``svytotal``) and their design covariance, so that ``statistic`` is on
    the scale of the population, not of the sample; compare p-values across
    weightings. ``table`` keeps the sample's rows: observed counts, and
    expected counts ``n * expected_share``.

    Examples
    --------
    >>> from baro import examples, stats
    >>> d = examples.projects()
    >>> g = stats.goodness_of_fit(d, "decision_mode", cluster="city_id")
    >>> g.n_levels, g.n_clusters, g.pvalue < 0.05
    (3, 12, True)
    >>> g.table[["level", "observed", "expected"]]
                 level  observed  expected
    0  co_construction        15      50.0
    1     concertation        57      50.0
    2      unilaterale        78      50.0
    """
    _check_resampling(seed, n_resamples)
    if levels is None and isinstance(expected, (Mapping, pd.Series)):
        levels = list(expected.keys())
    prep = _prepare(data, [column], cluster, levels=_levels_arg(column, levels))
    lv = prep.uniques[column]
    k = len(lv)
    p0 = _expected_shares(expected, lv, column)
    codes = prep.codes[column]
    counts = np.bincount(codes, minlength=k).astype(float)
    n = prep.n
    exp_counts = n * p0
    warnings = list(_few_clusters_warning(prep.n_clusters))
    if prep.design is None:
        res = sps.chisquare(counts, f_exp=exp_counts)
        statistic, pvalue = float(res.statistic), float(res.pvalue)
        dof: float = k - 1
        scale = 1.0
        method = "Pearson chi-square goodness of fit (independent rows)"
    else:
        obs, vt, _ = prep.design.cell_moments(codes, k, prep.keep, "total")
        e = obs.sum() * p0
        statistic = float(np.sum((obs - e) ** 2 / e))
        jac = (np.eye(k) - p0[:, None]) / np.sqrt(e)[:, None] - (
            (obs - e) * p0 / (2 * e**1.5)
        )[:, None]
        w = jac @ vt @ jac.T
        lam = np.linalg.eigvalsh((w + w.T) / 2)
        tr = lam.mean()
        tr2 = np.mean(lam**2) / tr**2
        scale = float(tr * tr2)
        dof = float(k / tr2)
        pvalue = float(sps.chi2.sf(statistic / scale, dof))
        method = (
            f"design-based chi-square goodness of fit, {_design_label(prep, cluster)} "
            "(svygofchisq, Satterthwaite)"
        )
    mc = math.nan
    if np.any(exp_counts < 5):
        warnings.append(
            small_expected(
                count=int(np.sum(exp_counts < 5)),
                total=k,
                smallest=float(exp_counts.min()),
                monte_carlo=prep.design is None,
            )
        )
        if prep.design is None:
            rng = np.random.default_rng(seed)
            sims = rng.multinomial(n, p0, size=n_resamples)
            x2 = ((sims - exp_counts) ** 2 / exp_counts).sum(axis=1)
            b = int(np.sum(x2 >= statistic * (1 - 1e-12)))
            mc = (1 + b) / (1 + n_resamples)
    table = pd.DataFrame(
        {
            "level": pd.Series(lv, dtype=object),
            "observed": counts.astype(np.int64),
            "expected": exp_counts,
            "expected_share": p0,
        }
    )
    return GoodnessOfFit(
        column=column,
        statistic=statistic,
        pvalue=pvalue,
        dof=dof,
        design_effect=float(scale) * float(dof) / (k - 1),
        scale=scale,
        n=n,
        n_levels=k,
        n_clusters=prep.n_clusters,
        n_dropped=prep.n_dropped,
        method=method,
        pvalue_monte_carlo=mc,
        n_resamples=int(n_resamples),
        seed=int(seed),
        warnings=tuple(warnings),
        table=table,
    )


@dataclass(frozen=True, slots=True, repr=False)
class Association(ResultMixin):
    """Result of :func:`association`.

    The test is ``statistic`` / ``pvalue`` / ``dof``: for independent rows
    Pearson's chi-square, ``dof`` a number; for clustered rows the Rao-Scott
    second-order F, ``dof`` the pair ``(ndf, ddf)``. ``design_effect`` is
    the mean generalised design effect ``mean(diag(Delta))`` (1 for
    independent rows). ``chisq`` is Pearson's X^2 of the table (the
    statistic R's ``svychisq(statistic = "Chisq")`` prints);
    ``chisq_first_order`` is ``chisq / design_effect``, the first-order
    Rao-Scott chi-square (equal to ``chisq`` for independent rows), on
    ``dof_first_order`` degrees of freedom with ``pvalue_first_order``.
    """

    row: str
    col: str
    statistic: float
    pvalue: float
    dof: float | tuple[float, float]
    design_effect: float
    chisq: float
    chisq_first_order: float
    dof_first_order: int
    pvalue_first_order: float
    cramers_v: float
    cramers_v_corrected: float
    n: int
    n_clusters: int | None
    n_dropped: int
    method: str
    pvalue_monte_carlo: float
    n_resamples: int
    seed: int
    warnings: tuple[Caveat, ...] = ()
    residuals: pd.DataFrame = field(default=None, compare=False)

    _frame_exclude = ("residuals",)


def _cramers_v(chi2: float, n: int, r: int, c: int) -> tuple[float, float]:
    """Cramér's V and its bias-corrected form (Bergsma 2013)."""
    k = min(r, c)
    v = math.sqrt(chi2 / (n * (k - 1)))
    if n < 2:
        return v, math.nan
    phi2c = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    cc = c - (c - 1) ** 2 / (n - 1)
    denom = min(rc - 1, cc - 1)
    vc = math.sqrt(phi2c / denom) if denom > 0 else math.nan
    return v, vc


def _interaction_basis(nr: int, nc: int) -> np.ndarray:
    """Interaction contrasts orthogonal to the main effects (R's Cmat).

    Cells are ordered with the row index varying fastest, as R's
    ``expand.grid(rows, cols)``.
    """
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(rows == i).astype(float) for i in range(1, nr)]
        + [(cols == j).astype(float) for j in range(1, nc)]
    )
    x12 = np.column_stack(
        [((rows == i) & (cols == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    coef, *_ = np.linalg.lstsq(x1, x12, rcond=None)
    return x12 - x1 @ coef


def _check_regular(denom, p, rows_i, cols_j, row_levels, col_levels, row, col):
    """Refuse a table whose empty cells leave the Rao-Scott matrix singular.

    The interaction contrasts carry no information on empty cells; when a
    contrast lives on empty cells alone (two levels of ``row`` both empty
    in the same two levels of ``col``, say), ``denom`` is singular and no
    second-order correction exists (R's ``svychisq`` stops with "system is
    computationally singular"). The test is on the eigenvalues of the
    symmetric matrix, so it does not depend on the order or names of the
    levels.
    """
    lam = np.linalg.eigvalsh((denom + denom.T) / 2)
    if lam.size and lam.min() > 1e-9 * max(lam.max(), 0.0):
        return
    empty = [
        f"({row_levels[i]!r}, {col_levels[j]!r})"
        for i, j, pk in sorted(zip(rows_i, cols_j, p), key=lambda t: (str(row_levels[t[0]]), str(col_levels[t[1]])))
        if pk == 0
    ]
    shown = ", ".join(empty[:12]) + (", ..." if len(empty) > 12 else "")
    raise ValueError(
        f"the Rao-Scott test of {row!r} by {col!r} is not defined: {len(empty)} empty "
        f"cell(s) {shown} leave {int(np.sum(lam <= 1e-9 * max(lam.max(), 0.0)))} "
        "interaction contrast(s) without any observation (R's svychisq stops: "
        "system is computationally singular); merge or drop sparse levels"
    )


def association(
    data: Design | pd.DataFrame,
    row: str,
    col: str,
    *,
    cluster: str | None = None,
    levels: Mapping[str, Sequence] | None = None,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> Association:
    """Test of association between two categorical columns.

    Parameters
    ----------
    data : DataFrame
    row, col : str
        The two categorical columns (rows and columns of the table).
    cluster : str, optional
        Cluster column; ``None``: independent rows.
    levels : mapping, optional
        Column -> its levels in a fixed order (levels never observed are
        kept, as empty rows or columns of the table). Default: the levels
        that occur, sorted; a categorical's categories without any row are
        dropped, as R's ``svychisq`` drops them.
    seed, n_resamples : int
        Seed and size of the Monte-Carlo p-value computed when expected
        counts are small.

    Returns
    -------
    Association
        ``statistic``, ``pvalue``, ``dof`` (a pair for the F test),
        ``design_effect``, the first-order chi-square, Cramér's V (plain
        and bias-corrected), sample sizes, ``warnings`` and the
        ``residuals`` table (columns :data:`RESIDUALS_COLUMNS`, one row per
        cell: ``level_a`` the level of ``row``, ``level_b`` that of ``col``).

    Notes
    -----
    Unclustered: ``scipy.stats.chi2_contingency(table, correction=False)``.

    A Design (or clusters): R's ``svychisq(~row + col, design, statistic = "F")``, the
    Rao-Scott second-order correction: with ``Delta`` the design effect
    matrix of the interaction contrasts, ``F = X^2 / tr(Delta)`` on
    ``dof = (ndf, ddf)`` degrees of freedom, ``ndf = tr(Delta)^2 /
    tr(Delta^2)`` and ``ddf = ndf (G - 1)`` (``G`` clusters).
    ``chisq_first_order`` is the first-order Rao-Scott chi-square ``X^2 /
    mean(diag(Delta))`` on ``(r - 1)(c - 1)`` degrees of freedom
    (``design_effect`` is ``mean(diag(Delta))``), with
    ``pvalue_first_order``. R's ``svychisq(statistic = "Chisq")``
    returns the same p-value but prints the unscaled Pearson ``X^2`` (here
    ``chisq``) as its statistic; when rows have missing values R computes
    that ``X^2`` on the table scaled up to all rows of the design, i.e.
    ``chisq * (n + n_dropped) / n`` (every other figure agrees as is).

    With unequal weights the table is R's ``svytable(..., Ntotal = n)``:
    the weighted counts scaled to the ``n`` rows (``observed`` in the
    residuals). When empty cells leave the Rao-Scott matrix singular the
    test is not defined: a ValueError names the empty cells (R stops too);
    the figure never depends on the order or the names of the levels.

    Cramér's V is ``sqrt(X^2 / (n (min(r, c) - 1)))`` on the table (as
    ``scipy.stats.contingency.association``); the corrected V follows
    Bergsma (2013): ``phi2 = max(0, X^2/n - (r-1)(c-1)/(n-1))``,
    ``r~ = r - (r-1)^2/(n-1)``, ``c~ = c - (c-1)^2/(n-1)``,
    ``V~ = sqrt(phi2 / min(r~ - 1, c~ - 1))``. Both describe the table and
    do not depend on the clustering.

    Adjusted residuals: unclustered, Haberman's
    ``(O - E) / sqrt(E (1 - r_i/n) (1 - c_j/n))`` (R's
    ``chisq.test()$stdres``); clustered,
    ``d_ij / se(d_ij)`` with ``d_ij = p_ij - p_i. p_.j`` and its
    linearisation variance ``g' V g`` (``V`` the design covariance of the
    cell shares, ``g`` the gradient of ``d_ij``), which reduces to
    Haberman's form for a simple random sample under independence. Cell
    p-values are two-sided normal, Holm-adjusted over the cells.

    Small expected counts (any below 1, or more than 20 % below 5) give a
    warning and, for independent rows, a Monte-Carlo p-value on tables
    with the observed margins (``chi2_contingency(method=MonteCarloMethod)``,
    seeded). No such p-value exists here for clustered rows; the warning
    stays (see :func:`goodness_of_fit` for why).

    Examples
    --------
    >>> from baro import examples, stats
    >>> d = examples.projects()
    >>> a = stats.association(d, "decision_mode", "citizens_involved", cluster="city_id")
    >>> a.n, a.n_clusters, a.dof_first_order
    (150, 12, 2)
    >>> ndf, ddf = a.dof
    >>> a.pvalue < 0.05, ddf == ndf * 11
    (True, True)
    >>> a.residuals.shape
    (6, 7)
    """
    _check_resampling(seed, n_resamples)
    if row == col:
        raise ValueError(f"row and col are the same column {row!r}")
    if levels is not None:
        if not isinstance(levels, Mapping) or set(levels) - {row, col}:
            raise ValueError(
                f"levels must map {row!r} and/or {col!r} to their levels, not {levels!r}"
            )
        for name, lv in levels.items():
            if isinstance(lv, str):
                raise ValueError(f"levels for column {name!r} must be a list of levels, not a string")
        levels = {k: list(v) for k, v in levels.items()}
    prep = _prepare(data, [row, col], cluster, levels=levels, keep_empty=False)
    nr, nc = len(prep.uniques[row]), len(prep.uniques[col])
    k = nr * nc
    cell = prep.codes[row] + nr * prep.codes[col]
    rows_i = np.tile(np.arange(nr), nc)  # row and column of each cell, rows fastest
    cols_j = np.repeat(np.arange(nc), nr)
    n = prep.n
    counts = np.bincount(cell, minlength=k).astype(float)
    weighted = prep.design is not None and not prep.design.equal_weights
    if prep.design is not None:
        p, v, _ = prep.design.cell_moments(cell, k, prep.keep, "mean")
        if weighted:
            # R's svytable(..., Ntotal = n): the weighted table scaled to n rows
            counts = p * n
    table = counts.reshape(nc, nr).T  # rows x cols
    rsum, csum = table.sum(axis=1), table.sum(axis=0)
    expected = np.outer(rsum, csum) / n
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    dof0 = (nr - 1) * (nc - 1)
    warnings = list(_few_clusters_warning(prep.n_clusters))
    small = expected_too_small(expected)
    mc = math.nan
    if prep.design is None:
        res = sps.chi2_contingency(table, correction=False)
        chi2 = float(res.statistic)
        pvalue = float(res.pvalue)
        statistic, dof = chi2, float(dof0)
        chisq1, pvalue1, mean_delta = chi2, pvalue, 1.0
        method = "Pearson chi-square test of independence (independent rows)"
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = (table - expected) / np.sqrt(
                expected * np.outer(1 - rsum / n, 1 - csum / n)
            )
        adj = adj.T.reshape(-1)  # cell order, rows fastest
        if small:
            mcres = sps.chi2_contingency(
                table,
                correction=False,
                method=sps.MonteCarloMethod(n_resamples=int(n_resamples), rng=seed),
            )
            mc = float(mcres.pvalue)
    else:
        cmat = _interaction_basis(nr, nc)
        inv_p = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
        a = cmat * inv_p[:, None]
        denom = (cmat.T * inv_p) @ cmat / n
        _check_regular(denom, p, rows_i, cols_j, prep.uniques[row], prep.uniques[col], row, col)
        numr = a.T @ v @ a
        delta = np.linalg.solve(denom, numr)
        tr = float(np.trace(delta))
        d0 = tr**2 / float(np.trace(delta @ delta))
        nu = prep.design.dof
        f_stat = chi2 / tr
        ndf, ddf = d0, d0 * nu
        pvalue = float(sps.f.sf(f_stat, ndf, ddf))
        statistic, dof = f_stat, (float(ndf), float(ddf))
        mean_delta = float(np.mean(np.diag(delta)))
        chisq1 = chi2 / mean_delta
        pvalue1 = float(sps.chi2.sf(chisq1, delta.shape[0]))
        method = (
            f"Rao-Scott second-order F test, {_design_label(prep, cluster)} "
            "(svychisq statistic='F')"
        )
        pr = p.reshape(nc, nr).T
        prow, pcol = pr.sum(axis=1), pr.sum(axis=0)
        grad = (
            np.eye(k)
            - (rows_i[:, None] == rows_i[None, :]) * pcol[cols_j][:, None]
            - (cols_j[:, None] == cols_j[None, :]) * prow[rows_i][:, None]
        )
        var = np.einsum("ik,kl,il->i", grad, v, grad)
        dvec = p - prow[rows_i] * pcol[cols_j]
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = np.where(var > 0, dvec / np.sqrt(np.clip(var, 0, None)), np.nan)
    if small:
        warnings.append(
            small_expected(
                count=int(np.sum(expected < 5)),
                total=k,
                smallest=float(expected.min()),
                monte_carlo=prep.design is None,
            )
        )
    v_plain, v_corr = _cramers_v(chi2, n, nr, nc)
    cell_p = 2 * sps.norm.sf(np.abs(adj))
    order = np.lexsort((cols_j, rows_i))  # row-major in the table
    residuals = pd.DataFrame(
        {
            "level_a": pd.Series([prep.uniques[row][i] for i in rows_i[order]], dtype=object),
            "level_b": pd.Series([prep.uniques[col][j] for j in cols_j[order]], dtype=object),
            # counts of rows, as written in the data, unless unequal weights
            # made them R's scaled weighted table
            "observed": counts[order] if weighted else counts[order].astype(np.int64),
            "expected": expected.T.reshape(-1)[order],
            "adjusted_residual": adj[order],
            "pvalue": cell_p[order],
            "pvalue_adjusted": holm(cell_p[order]),
        }
    )
    return Association(
        row=row,
        col=col,
        statistic=float(statistic),
        pvalue=float(pvalue),
        dof=dof,
        design_effect=float(mean_delta),
        chisq=float(chi2),
        chisq_first_order=float(chisq1),
        dof_first_order=int(dof0),
        pvalue_first_order=float(pvalue1),
        cramers_v=float(v_plain),
        cramers_v_corrected=float(v_corr),
        n=n,
        n_clusters=prep.n_clusters,
        n_dropped=prep.n_dropped,
        method=method,
        pvalue_monte_carlo=mc,
        n_resamples=int(n_resamples),
        seed=int(seed),
        warnings=tuple(warnings),
        residuals=residuals,
    )
