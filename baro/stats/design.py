"""The linearisation variance core shared by every design-based figure.

:class:`Design` is R's ``svydesign(ids, strata, weights, fpc, nest)``. Each
estimate is a smooth function of weighted totals, and its variance is R's
Taylor linearisation (``svyrecvar``):

* a share (weighted mean of an indicator) :math:`\\hat p = \\sum_i w_i y_i / W`
  has row influence :math:`w_i (y_i - \\hat p) / W`; a total
  :math:`\\sum_i w_i y_i` has influence :math:`w_i y_i`;
* a calibrated design (:meth:`Design.post_stratify`, :meth:`Design.rake`)
  first removes the post-stratum means from the influences;
* influences are summed within sampling units (:math:`z_{hi}`), centred
  within strata, and
  :math:`V = \\sum_h (1 - n_h/N_h) \\frac{n_h}{n_h - 1} \\sum_i z_{hi} z_{hi}^\\top`;
  the design degrees of freedom are units minus strata.

Without calibration all work is on integer codes: one ``np.bincount`` over
``unit x cell`` gives the ``G x K`` matrix of unit totals from which every
variance follows, with no rows-by-levels matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Design",
    "LONELY_PSU",
    "Prepared",
    "as_design",
    "prepare",
]


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
    keep: np.ndarray | None = None
    design: "Design | None" = None


def factorize(series: pd.Series, sort: bool = True) -> tuple[np.ndarray, list]:
    """Integer codes of a column (``-1`` for missing) and its levels.

    Levels are sorted when ``sort``, else in order of first appearance.
    Any column but a categorical goes through ``pd.factorize``; numeric
    codes come back as written: a column of whole numbers read as floats
    because it has missing values gives the levels ``1, 2``, not
    ``1.0, 2.0``.

    A categorical column (as :func:`baro.clean.load_tables` returns the
    coded columns) keeps all its categories, observed or not, as R keeps
    the levels of a factor; with ``sort`` they are put in order, so that a
    column gives its levels in the same order whether it is categorical or
    not. An ordered categorical keeps the order of its categories; without
    ``sort`` any categorical does.

    Examples
    --------
    >>> factorize(pd.Series(["b", None, "a", "b"]))
    (array([ 1, -1,  0,  1]), ['a', 'b'])
    >>> c = pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["c", "b", "a"]))
    >>> factorize(c)
    (array([ 1, -1,  0,  1]), ['a', 'b', 'c'])
    >>> factorize(c, sort=False)
    (array([ 1, -1,  2,  1]), ['c', 'b', 'a'])
    >>> factorize(pd.Series([2, None, 1]))
    (array([ 1, -1,  0]), [1, 2])
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _categorical_codes(series, sort and not series.cat.ordered)
    codes, levels = _factorize_values(series.to_numpy(), sort)
    if series.dtype.kind == "f" and levels:
        whole = np.asarray(levels, dtype=float)
        if np.all(np.isfinite(whole)) and np.all(whole == np.round(whole)):
            levels = [int(v) for v in whole]
    return codes, levels


def observed_levels(series: pd.Series) -> list:
    """The levels of :func:`factorize` that some row holds (a categorical's
    unused categories left out).

    >>> observed_levels(pd.Series(pd.Categorical(["b"], categories=["a", "b"])))
    ['b']
    """
    codes, levels = factorize(series)
    present = np.bincount(codes[codes >= 0], minlength=len(levels)) > 0
    return [lv for lv, keep in zip(levels, present) if keep]


def _categorical_codes(series: pd.Series, sort: bool) -> tuple[np.ndarray, list]:
    codes = np.asarray(series.cat.codes, dtype=np.intp)
    levels = series.cat.categories.tolist()
    if not sort:
        return codes, levels
    try:
        order = sorted(range(len(levels)), key=levels.__getitem__)
    except TypeError:  # levels of mixed types that cannot be ordered
        return codes, levels
    if order == list(range(len(levels))):
        return codes, levels
    # old code -> new code, and -1 (missing) stays -1 through the last slot
    lut = np.full(len(levels) + 1, -1, dtype=np.intp)
    lut[np.array(order, dtype=np.intp)] = np.arange(len(levels))
    return lut[codes], [levels[i] for i in order]


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
    keep_empty: bool = True,
    design: "Design | None" = None,
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
    keep_empty : bool
        Keep the categories of a categorical column that no kept row has
        (R keeps a factor's levels); ``False`` drops them, as R's
        ``svychisq`` does. Other columns never have empty levels.
    design : Design, optional
        The design the rows belong to (then ``cluster`` is not given):
        ``keep`` marks its rows kept.

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
        categorical = isinstance(data[c].dtype, pd.CategoricalDtype)
        if mask is not None:
            code = code[mask]
        if (mask is not None or categorical) and not (categorical and keep_empty):
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
            # a categorical's unused categories need not be among the levels
            used = np.bincount(code, minlength=len(found)) > 0
            unknown = [v for v, u in zip(found, used) if u and v not in lookup]
            if unknown:
                raise ValueError(
                    f"column {c!r} holds values not in the given levels: "
                    f"{unknown!r}; allowed: {lv!r}"
                )
            remap = np.array([lookup.get(v, -1) for v in found], dtype=np.intp)
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
    if design is not None:
        cluster_codes = design.psu if mask is None else design.psu[mask]
        n_clusters = design.n_clusters
    return Prepared(
        codes, uniques, cluster_codes, n_clusters, kept, n_total - kept, mask, design
    )


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


# --------------------------------------------------------------------------
# Survey designs: strata, clusters, weights, finite population, calibration

#: How a stratum holding a single PSU enters the variance, as R's
#: ``options(survey.lonely.psu = ...)``.
LONELY_PSU = ("fail", "remove", "adjust", "average")
#: R's ``rake()`` defaults: at most 10 sweeps, stop when no margin's
#: weighted count moved by ``epsilon`` (absolute) in a sweep.
RAKE_MAXIT = 10
RAKE_EPSILON = 1.0


def _design_column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in data.columns:
        available = ", ".join(map(str, data.columns))
        raise KeyError(f"{role} column {name!r} is not in the data; available columns: {available}")
    col = data[name]
    if col.isna().any():
        first = int(np.flatnonzero(col.isna().to_numpy())[0])
        raise ValueError(
            f"{role} column {name!r} has {int(col.isna().sum())} missing value(s) "
            f"(first at row {first}); every row needs one"
        )
    return col


def _numeric(data: pd.DataFrame, name: str, role: str) -> np.ndarray:
    col = _design_column(data, name, role)
    try:
        values = col.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{role} column {name!r} must be numeric, not {col.dtype}") from None
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{role} column {name!r} must be finite and non-negative; row {first} "
            f"holds {values[first]!r}"
        )
    return values


class Design:
    """A survey design, as R's ``svydesign``.

    Parameters
    ----------
    data : DataFrame
        One row per observation.
    cluster : str, optional
        Primary sampling units (R's ``ids``). ``None``: every row is its own
        unit (R's ``ids = ~1``).
    strata : str, optional
        Sampling strata; the units of each stratum are drawn separately.
    weights : str, optional
        Sampling weights (inverse inclusion probabilities). ``None``: taken
        from ``fpc`` (population over sample units in the stratum) when it
        is given, else equal weights 1.
    fpc : str, optional
        Finite population correction: the population number of units
        (clusters, or rows without clusters) in the row's stratum, as R.
        Values all at most 1 are read as sampling fractions instead.
        ``None``: units drawn with replacement (no correction).
    nest : bool
        Cluster labels repeat across strata and name different clusters
        (R's ``nest = TRUE``). Without it, a cluster found in two strata is
        an error.
    lonely_psu : {'fail', 'remove', 'adjust', 'average'}
        A stratum with a single unit has no variance of its own. As R's
        ``survey.lonely.psu``: ``'fail'`` (the default, as R) raises a
        ValueError naming the strata; ``'remove'`` lets them add nothing;
        ``'adjust'`` centres their unit on the mean of all units instead of
        its stratum's; ``'average'`` gives them the average variance of the
        other strata.

    Notes
    -----
    Every variance is R's Taylor linearisation (``svyrecvar``) for the first
    stage: the influence of each row is summed within units, centred within
    strata and ``V = sum_h (1 - n_h/N_h) n_h/(n_h - 1) sum_i z_hi z_hi'``.
    The design degrees of freedom are the number of units minus the number
    of strata (R's ``degf``). Several stages of clusters are read as their
    first stage (R's ``ids = ~first`` with the final weights), which is R's
    variance whenever no ``fpc`` is given for the later stages.

    :meth:`post_stratify` and :meth:`rake` return calibrated designs; the
    variance then removes the post-stratum means from the influence first,
    as R's ``postStratify`` and ``rake``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"city": ["a", "a", "b", "c", "c", "d"],
    ...                   "band": ["s", "s", "s", "l", "l", "l"],
    ...                   "x": ["y", "n", "y", "n", "n", "y"]})
    >>> des = Design(d, cluster="city")
    >>> des.n_clusters, des.dof
    (4, 3)
    >>> ps = des.post_stratify("band", {"s": 30, "l": 10})
    >>> float(ps.weights.sum())
    40.0
    """

    def __init__(
        self,
        data: pd.DataFrame,
        cluster: str | None = None,
        strata: str | None = None,
        weights: str | None = None,
        fpc: str | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
    ) -> None:
        data = _check_frame(data)
        if len(data) == 0:
            raise ValueError("a design needs at least one row")
        if lonely_psu not in LONELY_PSU:
            raise ValueError(f"lonely_psu={lonely_psu!r} is not one of {LONELY_PSU}")
        self.data = data
        self.cluster = cluster
        self.strata = strata
        self.fpc = fpc
        self.nest = bool(nest)
        self.lonely_psu = lonely_psu
        self.weight_column = weights
        n = len(data)
        if strata is not None:
            scodes, slevels = factorize(_design_column(data, strata, "strata"), sort=False)
        else:
            scodes, slevels = np.zeros(n, dtype=np.intp), [None]
        if cluster is not None:
            ccol = _design_column(data, cluster, "cluster")
            if strata is not None and nest:
                key = pd.MultiIndex.from_arrays([data[strata].to_numpy(), ccol.to_numpy()])
                psu, _ = _factorize_values(key, sort=False)
            else:
                psu, _ = factorize(ccol, sort=False)
        else:
            psu = np.arange(n, dtype=np.intp)
        n_psu = int(psu.max()) + 1
        psu_stratum = np.full(n_psu, -1, dtype=np.intp)
        psu_stratum[psu] = scodes
        if strata is not None and cluster is not None and not nest:
            clash = psu_stratum[psu] != scodes
            if clash.any():
                i = int(np.flatnonzero(clash)[0])
                raise ValueError(
                    f"cluster {data[cluster].iloc[i]!r} of column {cluster!r} is in more than "
                    f"one stratum of {strata!r} (row {i}); clusters must be nested in "
                    "strata: pass nest=True if equal labels in different strata are "
                    "different clusters"
                )
        n_strata = len(slevels)
        n_h = np.bincount(psu_stratum, minlength=n_strata)
        # finite population: N_h per stratum
        if fpc is not None:
            fvals = _numeric(data, fpc, "fpc")
            pop = np.full(n_strata, np.nan)
            pop[scodes] = fvals
            if np.any(pop[scodes] != fvals):
                i = int(np.flatnonzero(pop[scodes] != fvals)[0])
                raise ValueError(
                    f"fpc column {fpc!r} varies within stratum {slevels[scodes[i]]!r} "
                    f"(row {i}); it holds the stratum's population count"
                )
            if np.all(fvals <= 1):
                if np.any(fvals <= 0):
                    raise ValueError(f"fpc column {fpc!r} holds a sampling fraction of 0")
                pop = n_h / pop
            elif np.any(fvals < 1):
                raise ValueError(
                    f"fpc column {fpc!r} mixes population counts (>= 1) and sampling "
                    "fractions (< 1)"
                )
            if np.any(pop < n_h - 1e-9):
                h = int(np.flatnonzero(pop < n_h - 1e-9)[0])
                raise ValueError(
                    f"fpc column {fpc!r}: stratum {slevels[h]!r} has {int(n_h[h])} sampled "
                    f"unit(s) but a population of {pop[h]:g}"
                )
            self.population = pop
        else:
            self.population = None
        if weights is not None:
            w = _numeric(data, weights, "weights")
        elif self.population is not None:
            w = (self.population / n_h)[scodes]
        else:
            w = np.ones(n)
        self.weights = w
        self.psu = psu
        self.psu_stratum = psu_stratum
        self.n_clusters = n_psu
        self.n_strata = n_strata
        self.strata_levels = slevels
        self.n_per_stratum = n_h
        self.dof = n_psu - n_strata
        self.calibration: tuple = ()
        if strata is None and n_psu < 2:
            what = f"cluster column {cluster!r} has" if cluster is not None else "the data have"
            raise ValueError(
                f"{what} {n_psu} {'cluster' if cluster is not None else 'row'}(s); "
                "a design-based variance needs at least 2"
            )
        lonely = np.flatnonzero(n_h == 1)
        if lonely.size and lonely_psu == "fail":
            names = ", ".join(repr(slevels[h]) for h in lonely[:5])
            raise ValueError(
                f"{lonely.size} stratum(s) of {strata!r} hold a single sampling unit "
                f"({names}{', ...' if lonely.size > 5 else ''}): its variance cannot be "
                "estimated; choose lonely_psu='adjust', 'remove' or 'average' (as R's "
                "survey.lonely.psu)"
            )
        if n_psu - (lonely.size if lonely_psu in ("remove", "average") else 0) < 2 and n_strata == 1:
            raise ValueError(
                f"the design has {n_psu} sampling unit(s); a variance needs at least 2"
            )

    # -- description -----------------------------------------------------
    def __repr__(self) -> str:
        parts = [f"{len(self.data)} rows", f"{self.n_clusters} units"]
        if self.strata is not None:
            parts.append(f"{self.n_strata} strata of {self.strata!r}")
        if self.cluster is not None:
            parts.append(f"clusters {self.cluster!r}")
        if self.weight_column is not None:
            parts.append(f"weights {self.weight_column!r}")
        if self.fpc is not None:
            parts.append(f"fpc {self.fpc!r}")
        for step in self.calibration:
            parts.append(step[0] + " " + ", ".join(map(repr, step[1])))
        return "Design(" + ", ".join(parts) + ")"

    @property
    def equal_weights(self) -> bool:
        """Whether every row weighs the same (then counts are the table)."""
        w = self.weights
        return bool(np.all(w == w[0]))

    def assign(self, **columns) -> "Design":
        """The same design over data with these columns added or replaced
        (``DataFrame.assign``): analysed columns only; the clusters, strata,
        weights and calibration stay those of this design.

        >>> import pandas as pd
        >>> d = Design(pd.DataFrame({"g": [1, 1, 2], "x": ["a", "b", "a"]}), cluster="g")
        >>> d.assign(y=["u", "v", "v"]).data.columns.tolist()
        ['g', 'x', 'y']
        """
        fixed = {self.cluster, self.strata, self.weight_column, self.fpc} - {None}
        clash = sorted(fixed & set(columns))
        if clash:
            raise ValueError(f"column(s) {clash!r} define the design and cannot be replaced")
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        new.data = self.data.assign(**columns)
        if len(new.data) != len(self.data):
            raise ValueError("assign must keep the design's rows")
        return new

    def _copy(self, weights: np.ndarray, step: tuple) -> "Design":
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        new.weights = weights
        new.calibration = self.calibration + (step,)
        return new

    # -- calibration -------------------------------------------------------
    def _levels_of(self, column: str) -> tuple[np.ndarray, list]:
        codes, levels = factorize(_design_column(self.data, column, "post-stratum"))
        return codes, levels

    def _population_vector(self, column: str, levels: list, population) -> np.ndarray:
        if not hasattr(population, "items"):
            raise TypeError(
                f"population for column {column!r} must be a mapping level -> count, "
                f"not {type(population).__name__}"
            )
        pop = dict(population.items())
        missing = [lv for lv in levels if lv not in pop]
        if missing:
            raise ValueError(
                f"population for column {column!r} lacks level(s) {missing!r} found in "
                "the sample"
            )
        extra = [lv for lv in pop if lv not in levels and pop[lv] != 0]
        if extra:
            raise ValueError(
                f"population for column {column!r} has level(s) {extra!r} that no row of "
                "the sample has: a post-stratum without a sampled unit cannot be weighted"
            )
        values = np.array([pop[lv] for lv in levels], dtype=float)
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ValueError(
                f"population counts for column {column!r} must be positive, not "
                f"{values.tolist()!r}"
            )
        return values

    def post_stratify(self, column: str, population, *, count: str = "rows") -> "Design":
        """The design post-stratified on ``column`` (R's ``postStratify``).

        Parameters
        ----------
        column : str
            The post-stratum of each row.
        population : mapping
            Level -> population count. Every level of the sample must have
            one; a level absent from the sample is an error unless its
            count is 0.
        count : {'rows', 'clusters'}
            What the population counts count. ``'rows'`` (R's
            ``postStratify``): the weights of the rows of each post-stratum
            are scaled to sum to its count. ``'clusters'``: the counts are
            numbers of clusters; ``column`` and the weights must be constant
            within each cluster, and each cluster's weight is scaled so that
            the clusters of a post-stratum sum to its count (R's
            ``postStratify`` on the design of the clusters, the weights then
            carried to their rows). Its variance removes the post-stratum
            means of the cluster totals: a share is then R's ``svyratio`` of
            two cluster totals on the post-stratified design of the clusters.

        Returns
        -------
        Design
        """
        if count not in ("rows", "clusters"):
            raise ValueError(f"count={count!r} is not one of ('rows', 'clusters')")
        codes, levels = self._levels_of(column)
        target = self._population_vector(column, levels, population)
        k = len(levels)
        w = self.weights
        if count == "rows":
            size = np.ones(len(w))
        else:
            if self.cluster is None:
                raise ValueError("count='clusters' needs a design with clusters")
            first = np.full(self.n_clusters, -1, dtype=np.intp)
            first[self.psu[::-1]] = np.arange(len(w))[::-1]
            for name, values in ((column, codes), ("weights", w)):
                if np.any(values[first[self.psu]] != values):
                    i = int(np.flatnonzero(values[first[self.psu]] != values)[0])
                    raise ValueError(
                        f"{name} must be constant within each cluster of {self.cluster!r} "
                        f"to post-stratify clusters; row {i} differs from its cluster's "
                        "first row"
                    )
            rows_per = np.bincount(self.psu, minlength=self.n_clusters)
            size = 1.0 / rows_per[self.psu]
        have = np.bincount(codes, weights=w * size, minlength=k)
        if np.any(have <= 0):
            empty = [levels[i] for i in np.flatnonzero(have <= 0)]
            raise ValueError(f"post-strata {empty!r} of column {column!r} have no weight")
        g = target / have
        new_w = w * g[codes]
        return self._copy(new_w, ("post_stratify", (column,), codes, new_w * size))

    def rake(
        self,
        margins,
        *,
        max_iter: int = RAKE_MAXIT,
        epsilon: float = RAKE_EPSILON,
    ) -> "Design":
        """The design raked to several margins (R's ``rake``).

        Parameters
        ----------
        margins : mapping
            Column -> mapping level -> population count of rows.
        max_iter : int
            Most sweeps over the margins (R's ``maxit``, 10).
        epsilon : float
            Stop when no weighted count of any margin moved by this much in
            a sweep (R's ``epsilon``, 1; below 1 it is a fraction of the sum
            of the weights).

        Returns
        -------
        Design
            Post-stratified on each margin in turn until the margins agree;
            its variance applies the margins' projections ten times, as R.
            A rake that did not converge, or whose margins contradict each
            other (different totals), raises ValueError.
        """
        if not hasattr(margins, "items") or not margins:
            raise ValueError("margins must be a non-empty mapping column -> population")
        margins = dict(margins.items())
        info = []
        for column, population in margins.items():
            codes, levels = self._levels_of(column)
            info.append((column, codes, len(levels), self._population_vector(column, levels, population)))
        eps = epsilon * self.weights.sum() if epsilon < 1 else epsilon
        w = self.weights

        def tables(w):
            return [np.bincount(c, weights=w, minlength=k) for _, c, k, _ in info]

        old = tables(w)
        steps = []
        converged = False
        for _ in range(max_iter):
            steps = []
            for _, codes, k, target in info:
                have = np.bincount(codes, weights=w, minlength=k)
                w = w * (target / have)[codes]
                steps.append((codes, w))
            new = tables(w)
            delta = max(float(np.max(np.abs(a - b))) for a, b in zip(new, old))
            if delta < eps:
                converged = True
                break
            old = new
        if not converged:
            raise ValueError(
                f"raking on {list(margins)!r} did not converge in {max_iter} sweeps; "
                "raise max_iter or check that the margins agree on the total"
            )
        # R's rule stops when the weights stop moving, which they also do
        # when the margins contradict each other: check that each is met
        for (column, _, _, target), table in zip(info, tables(w)):
            gap = float(np.max(np.abs(table - target)))
            if gap > max(eps, 1e-9 * target.sum()):
                totals = {c: float(t.sum()) for c, _, _, t in info}
                raise ValueError(
                    f"raking cannot meet the margin of {column!r} (off by {gap:g}): the "
                    f"margins' totals differ ({totals!r})"
                )
        return self._copy(w, ("rake", tuple(margins), tuple(steps)))

    # -- variance ------------------------------------------------------------
    def _calibrate(self, x: np.ndarray) -> np.ndarray:
        """Remove the calibration's post-stratum means from row influences."""
        for step in self.calibration:
            if step[0] == "post_stratify":
                _, _, codes, psw = step
                k = int(codes.max()) + 1
                sums = np.stack(
                    [np.bincount(codes, weights=x[:, j], minlength=k) for j in range(x.shape[1])],
                    axis=1,
                )
                mean = sums / np.bincount(codes, weights=psw, minlength=k)[:, None]
                x = x - psw[:, None] * mean[codes]
            else:
                _, _, margins = step
                for _ in range(10):  # R's svyrecvar iterates the projections ten times
                    for codes, psw in margins:
                        k = int(codes.max()) + 1
                        n_k = np.bincount(codes, minlength=k)
                        y = x / psw[:, None]
                        sums = np.stack(
                            [np.bincount(codes, weights=y[:, j], minlength=k) for j in range(x.shape[1])],
                            axis=1,
                        )
                        x = x - psw[:, None] * (sums / n_k[:, None])[codes]
        return x

    def psu_totals(self, x: np.ndarray) -> np.ndarray:
        """Sum row influences (n x K) within sampling units: G x K."""
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if self.cluster is None:
            return x
        return np.stack(
            [np.bincount(self.psu, weights=x[:, j], minlength=self.n_clusters) for j in range(x.shape[1])],
            axis=1,
        )

    def vcov_psu(self, z: np.ndarray) -> np.ndarray:
        """Covariance from unit totals of the influence (``G x K``).

        Stratified, with replacement unless ``fpc`` is given; R's
        ``onestage``/``onestrat`` including the lonely-unit options.
        """
        h = self.psu_stratum
        n_h = self.n_per_stratum.astype(float)
        k = self.n_strata
        sums = np.stack([np.bincount(h, weights=z[:, j], minlength=k) for j in range(z.shape[1])], axis=1)
        means = sums / n_h[:, None]
        zc = z - means[h]
        if self.population is None:
            f = np.ones(k)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.where(np.isinf(self.population), 1.0, (self.population - n_h) / self.population)
        scale = np.where(n_h > 1, f * n_h / np.maximum(n_h - 1, 1), f)
        lonely = n_h == 1
        if lonely.any():
            if self.lonely_psu == "adjust":
                rows = lonely[h]
                zc[rows] = z[rows] - z.sum(axis=0) / self.n_clusters
            elif self.lonely_psu == "average":
                scale = np.where(lonely, 0.0, scale)
        zs = zc * np.sqrt(scale[h])[:, None]
        v = zs.T @ zs
        if lonely.any() and self.lonely_psu == "average":
            v = v * k / (k - int(lonely.sum()))
        return v

    def vcov_rows(self, x: np.ndarray) -> np.ndarray:
        """Covariance of estimates whose row influences are ``x`` (n x K)."""
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if self.calibration:
            x = self._calibrate(x)
        return self.vcov_psu(self.psu_totals(x))

    # -- the estimates every share and test uses -----------------------------
    def cell_moments(
        self, cells: np.ndarray, k: int, keep: np.ndarray | None, kind: str = "mean"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted means (or totals) of cell indicators and their covariance.

        ``cells`` holds the cell (0..k-1) of each kept row, ``keep`` the
        kept rows (``None``: all). Rows not kept weigh nothing but their
        units stay in the design (R's ``na.rm = TRUE``).

        Returns ``(estimate, vcov, weighted_counts)``.
        """
        w = self.weights if keep is None else self.weights[keep]
        counts = np.bincount(cells, weights=w, minlength=k)
        total_w = counts.sum()
        if kind == "mean":
            est = counts / total_w
        else:
            est = counts
        if not self.calibration:
            psu = self.psu if keep is None else self.psu[keep]
            idx = psu.astype(np.int64) * k + cells
            t = np.bincount(idx, weights=w, minlength=self.n_clusters * k).reshape(self.n_clusters, k)
            if kind == "mean":
                z = (t - np.outer(t.sum(axis=1), est)) / total_w
            else:
                z = t
            return est, self.vcov_psu(z), counts
        n = len(self.weights)
        x = np.zeros((n, k))
        rows = np.arange(n) if keep is None else np.flatnonzero(keep)
        x[rows, cells] = 1.0
        if kind == "mean":
            x[rows] -= est
            x[rows] *= (w / total_w)[:, None]
        else:
            x[rows] *= w[:, None]
        return est, self.vcov_rows(x), counts


def as_design(data, cluster: str | None = None) -> "Design | None":
    """The design of ``data``: itself, or the shorthand ``cluster=``.

    A DataFrame with ``cluster=None`` gives ``None``: independent rows,
    analysed with the classical (binomial, Pearson) methods.
    """
    if isinstance(data, Design):
        if cluster is not None:
            raise ValueError(
                "cluster= is the shorthand for a DataFrame; a Design already names its "
                f"clusters ({data.cluster!r})"
            )
        return data
    _check_frame(data)
    if cluster is None:
        return None
    return Design(data, cluster=cluster)
