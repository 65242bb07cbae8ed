"""The linearisation variance core shared by every clustered figure.

baro treats projects as a one-stage cluster sample: cities (clusters) drawn
with replacement, equal weights. This is the design R's survey package
builds with ``svydesign(ids = ~city_id, data = d)``, and the functions here
reproduce its Taylor-linearisation variance (``svyrecvar``):

* a share (mean of an indicator) is a ratio :math:`\\hat p = \\sum_i y_i / n`;
  its influence on cluster :math:`g` is
  :math:`z_g = (Y_g - \\hat p\\, m_g) / n`, where :math:`Y_g` is the cluster
  total of the indicator and :math:`m_g` the cluster size;
* a total :math:`\\hat T = \\sum_i y_i` has influence :math:`z_g = Y_g`;
* the covariance of the estimates is
  :math:`\\frac{G}{G-1} \\sum_g (z_g - \\bar z)(z_g - \\bar z)^\\top` over the
  :math:`G` clusters, and the design degrees of freedom are :math:`G - 1`.

All work is on integer codes: the data are factorised once, then one
``np.bincount`` over ``cluster x cell`` gives the ``G x K`` matrix of
cluster totals from which every variance follows. No loop over rows and
no rows-by-levels matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Prepared", "prepare", "cluster_totals", "mean_vcov", "total_vcov"]


def _check_frame(data: object) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    return data


def _check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        available = ", ".join(map(str, data.columns))
        raise KeyError(
            f"column {missing[0]!r} is not in the data; available columns: {available}"
        )


@dataclass(frozen=True, slots=True)
class Prepared:
    """Rows kept for an analysis, as integer codes.

    ``codes[c]`` holds the codes of column ``c`` (``-1`` never occurs: rows
    with missing values are removed first), ``uniques[c]`` the level of each
    code. ``cluster_codes`` is ``None`` when rows are independent.
    """

    codes: dict[str, np.ndarray]
    uniques: dict[str, list]
    cluster_codes: np.ndarray | None
    n_clusters: int | None
    n: int
    n_dropped: int


def factorize(series: pd.Series, sort: bool = True) -> tuple[np.ndarray, list]:
    """Integer codes of a column (``-1`` for missing) and its levels.

    Levels are sorted when ``sort``, else in order of first appearance.
    Any column but a categorical goes through ``pd.factorize``.

    A categorical column (as :func:`baro.clean.load_tables` returns the
    coded columns) uses its own codes, without hashing a value: only the
    categories that occur are levels, and with ``sort`` they are put in
    order by permuting these few categories, so that a column gives the
    same levels, in the same order, whether it is categorical or not.
    An ordered categorical keeps the order of its categories; without
    ``sort`` any categorical does.

    Examples
    --------
    >>> factorize(pd.Series(["b", None, "a", "b"]))
    (array([ 1, -1,  0,  1]), ['a', 'b'])
    >>> c = pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["c", "b", "a"]))
    >>> factorize(c)
    (array([ 1, -1,  0,  1]), ['a', 'b'])
    >>> factorize(c, sort=False)
    (array([ 0, -1,  1,  0]), ['b', 'a'])
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _categorical_codes(series, sort and not series.cat.ordered)
    return _factorize_values(series.to_numpy(), sort)


def _categorical_codes(series: pd.Series, sort: bool) -> tuple[np.ndarray, list]:
    codes = np.asarray(series.cat.codes, dtype=np.intp)
    cats = series.cat.categories.tolist()
    present = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(cats)))
    levels = [cats[i] for i in present]
    if sort:
        try:
            order = sorted(range(len(levels)), key=levels.__getitem__)
        except TypeError:  # levels of mixed types that cannot be ordered
            order = list(range(len(levels)))
        present = present[order]
        levels = [levels[i] for i in order]
    if len(present) == len(cats) and np.array_equal(present, np.arange(len(cats))):
        return codes, levels
    # old code -> new code, and -1 (missing) stays -1 through the last slot
    lut = np.full(len(cats) + 1, -1, dtype=np.intp)
    lut[present] = np.arange(len(present))
    return lut[codes], levels


def _factorize_values(values, sort: bool = True) -> tuple[np.ndarray, list]:
    try:
        codes, uniques = pd.factorize(values, sort=sort)
    except TypeError:  # levels of mixed types that cannot be ordered
        codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.intp), uniques.tolist()


def prepare(
    data: pd.DataFrame,
    columns: Sequence[str],
    cluster: str | None = None,
    levels: dict[str, Sequence] | None = None,
    min_levels: int = 2,
) -> Prepared:
    """Check and factorise the columns an analysis uses.

    Parameters
    ----------
    data : DataFrame
    columns : sequence of str
        The analysed columns. Rows with a missing value in any of them are
        dropped and counted in ``n_dropped``.
    cluster : str, optional
        The cluster column; it may not hold missing values. Every cluster
        of ``data`` counts in ``n_clusters``, including one whose rows are
        all dropped (R's ``svymean(..., na.rm = TRUE)`` does the same).
    levels : dict, optional
        Column -> levels in a fixed order. Values outside these levels raise
        ``ValueError`` (nothing is dropped silently).
    min_levels : int
        Fewest distinct levels each column must have (after ``levels``).

    Returns
    -------
    Prepared

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": ["a", "b", None, "a"], "g": [1, 1, 2, 2]})
    >>> p = prepare(d, ["x"], cluster="g")
    >>> p.codes["x"], p.uniques["x"], p.n, p.n_dropped, p.n_clusters
    (array([0, 1, 0]), ['a', 'b'], 3, 1, 2)
    """
    data = _check_frame(data)
    columns = list(columns)
    _check_columns(data, columns + ([cluster] if cluster is not None else []))
    levels = dict(levels or {})
    n_total = len(data)
    raw = {c: factorize(data[c]) for c in columns}
    cluster_codes = None
    n_clusters = None
    if cluster is not None:
        cluster_codes, cuniq = factorize(data[cluster], sort=False)
        if cluster_codes.size and cluster_codes.min() < 0:
            bad = int(np.sum(cluster_codes < 0))
            raise ValueError(
                f"cluster column {cluster!r} has {bad} missing value(s); "
                "every row must belong to a cluster"
            )
    mask = None
    for c in columns:
        code = raw[c][0]
        if code.size and code.min() < 0:
            mask = code >= 0 if mask is None else (mask & (code >= 0))
    kept = n_total if mask is None else int(mask.sum())
    if kept == 0:
        raise ValueError(
            f"no rows to analyse: column(s) {', '.join(map(repr, columns))} "
            f"have {n_total} row(s), none without missing values"
        )
    codes: dict[str, np.ndarray] = {}
    uniques: dict[str, list] = {}
    for c in columns:
        code, found = raw[c]
        if mask is not None:
            code = code[mask]
            present = np.bincount(code, minlength=len(found)) > 0
            if not present.all():
                remap = np.cumsum(present) - 1
                code = remap[code]
                found = [v for v, keep in zip(found, present) if keep]
        if c in levels:
            lv = list(levels[c])
            if len(set(lv)) != len(lv):
                raise ValueError(f"levels for column {c!r} repeat a value: {lv!r}")
            lookup = {v: i for i, v in enumerate(lv)}
            unknown = [v for v in found if v not in lookup]
            if unknown:
                raise ValueError(
                    f"column {c!r} holds values not in the given levels: "
                    f"{unknown!r}; allowed: {lv!r}"
                )
            remap = np.array([lookup[v] for v in found], dtype=np.intp)
            code = remap[code]
            found = lv
        codes[c] = code
        uniques[c] = found
        if len(found) < min_levels:
            raise ValueError(
                f"column {c!r} has {len(found)} level(s) "
                f"({found!r}); at least {min_levels} are needed"
            )
    if cluster is not None:
        # Clusters whose rows were all dropped stay in the design (with zero
        # totals), as in R's survey package with na.rm = TRUE: the design's
        # clusters and degrees of freedom do not depend on missing values.
        n_clusters = len(cuniq)
        if mask is not None:
            cluster_codes = cluster_codes[mask]
        if n_clusters < 2:
            raise ValueError(
                f"cluster column {cluster!r} has {n_clusters} cluster(s); "
                "a clustered variance needs at least 2"
            )
    return Prepared(codes, uniques, cluster_codes, n_clusters, kept, n_total - kept)


def cluster_totals(
    cluster_codes: np.ndarray, n_clusters: int, cell_codes: np.ndarray, n_cells: int
) -> np.ndarray:
    """Count rows of each cell in each cluster: a ``G x K`` float matrix.

    Examples
    --------
    >>> cluster_totals(np.array([0, 0, 1]), 2, np.array([1, 0, 1]), 2)
    array([[1., 1.],
           [0., 1.]])
    """
    idx = cluster_codes.astype(np.int64) * n_cells + cell_codes
    counts = np.bincount(idx, minlength=n_clusters * n_cells)
    return counts.reshape(n_clusters, n_cells).astype(float)


def _with_replacement(z: np.ndarray) -> np.ndarray:
    g = z.shape[0]
    z = z - z.mean(axis=0)
    return (z.T @ z) * (g / (g - 1))


def mean_vcov(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means of cell indicators and their linearised covariance.

    Parameters
    ----------
    totals : ndarray, shape (G, K)
        Cluster totals of the K cell indicators; the cells partition the
        rows, so a cluster's size is the sum of its row.

    Returns
    -------
    mean : ndarray, shape (K,)
    vcov : ndarray, shape (K, K)
        As ``vcov(svymean(...))`` for ``svydesign(ids = ~cluster)``.

    Examples
    --------
    >>> t = np.array([[3., 1.], [1., 3.], [2., 2.]])
    >>> m, v = mean_vcov(t)
    >>> m
    array([0.5, 0.5])
    >>> float(v[0, 0])
    0.0208333...
    """
    sizes = totals.sum(axis=1)
    n = sizes.sum()
    mean = totals.sum(axis=0) / n
    z = (totals - np.outer(sizes, mean)) / n
    return mean, _with_replacement(z)


def total_vcov(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Totals and their covariance, as ``svytotal`` with equal weights.

    Examples
    --------
    >>> t = np.array([[3., 1.], [1., 3.], [2., 2.]])
    >>> tot, v = total_vcov(t)
    >>> tot
    array([6., 6.])
    >>> v
    array([[ 3., -3.],
           [-3.,  3.]])
    """
    return totals.sum(axis=0), _with_replacement(totals)


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (as statsmodels ``multipletests``); NaN kept.

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03, np.nan]))
    array([0.03, 0.06, 0.06,  nan])
    """
    return adjust_pvalues(pvalues, "holm")


def adjust_pvalues(pvalues: np.ndarray, method: str) -> np.ndarray:
    """Adjust p-values for multiple comparisons; NaN values are left out.

    ``method`` is ``"holm"``, ``"bonferroni"``, ``"fdr_bh"`` (Benjamini-
    Hochberg) or ``"none"``; the results equal statsmodels
    ``multipletests(pvalues, method=method)[1]`` (computed here directly:
    no import, no garbage collection on every call).

    Examples
    --------
    >>> adjust_pvalues(np.array([0.01, 0.02]), "bonferroni")
    array([0.02, 0.04])
    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03]), "fdr_bh")
    array([0.03, 0.04, 0.04])
    """
    allowed = ("holm", "bonferroni", "fdr_bh", "none")
    if method not in allowed:
        raise ValueError(f"adjust={method!r} is not one of {allowed}")
    p = np.asarray(pvalues, dtype=float)
    out = p.copy()
    if method == "none":
        return out
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method == "bonferroni":
        adj = np.minimum(1.0, q * m)
    elif method == "holm":
        order = np.argsort(q, kind="stable")
        step = np.maximum.accumulate((m - np.arange(m)) * q[order])
        adj = np.empty(m)
        adj[order] = np.minimum(1.0, step)
    else:
        order = np.argsort(q, kind="stable")[::-1]
        step = np.minimum.accumulate(q[order] * m / np.arange(m, 0, -1))
        adj = np.empty(m)
        adj[order] = np.minimum(1.0, step)
    out[ok] = adj
    return out
