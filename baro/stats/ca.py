"""Correspondence analysis of a two-way table (the FactoMineR ``CA``).

A correspondence analysis describes a table of counts: it places the rows
and the columns on a few axes so that levels whose profiles are alike lie
close together. It tests nothing and ignores how the rows were sampled
(the clustering of projects in cities changes no coordinate); its
inertia is Pearson's X^2 of the table divided by the number of rows.

The computation is the textbook one (Greenacre, *Correspondence Analysis
in Practice*, ch. 4; Husson, Lê and Pagès, *Exploratory Multivariate
Analysis by Example Using R*, ch. 2), a singular value decomposition done
by NumPy:

* ``P = N / n`` the table of proportions, ``r`` and ``c`` its row and
  column masses;
* ``S = D_r^{-1/2} (P - r c') D_c^{-1/2} = U Sigma V'``;
* the eigenvalues are ``Sigma^2`` (they sum to the total inertia ``X^2 / n``);
* row principal coordinates ``F = D_r^{-1/2} U Sigma``, column ones
  ``G = D_c^{-1/2} V Sigma`` (FactoMineR's ``row$coord`` and ``col$coord``);
* a level's contribution to an axis is ``mass * coordinate^2 / eigenvalue``
  (in percent, as FactoMineR), its quality (``cos2``) is
  ``coordinate^2 / squared distance to the centre``.

The sign of an axis is arbitrary (FactoMineR and this module may differ);
here it is fixed so that the row with the largest absolute coordinate on
that axis is on the positive side, which makes the map reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from baro.stats.design import prepare
from baro.stats.results import ResultMixin

__all__ = [
    "EIGENVALUES_COLUMNS",
    "COORDINATES_COLUMNS",
    "Correspondence",
    "correspondence",
]

#: Columns of :attr:`Correspondence.eigenvalues`.
EIGENVALUES_COLUMNS = ("dimension", "eigenvalue", "inertia_share", "cumulative_inertia_share")

#: Columns of :attr:`Correspondence.rows` and :attr:`Correspondence.columns`:
#: one row per level and dimension (``contribution`` in percent of the axis,
#: ``cos2`` the share of the level's inertia shown by the axis).
COORDINATES_COLUMNS = ("level", "dimension", "coordinate", "contribution", "cos2", "mass")

_TOL = 1e-12


@dataclass(frozen=True, slots=True, repr=False)
class Correspondence(ResultMixin):
    """Result of :func:`correspondence`.

    ``total_inertia`` is ``chisq / n``; ``eigenvalues`` lists every axis
    (``inertia_share`` of the total inertia); ``rows`` and ``columns`` hold the
    principal coordinates of the first ``n_components`` axes, tidy (columns
    :data:`COORDINATES_COLUMNS`). Use :meth:`coordinates` for a wide table.
    """

    row: str
    col: str
    n: int
    n_dropped: int
    chisq: float
    total_inertia: float
    n_components: int
    warnings: tuple = ()
    eigenvalues: pd.DataFrame = field(default=None, compare=False)
    rows: pd.DataFrame = field(default=None, compare=False)
    columns: pd.DataFrame = field(default=None, compare=False)

    _frame_exclude = ("eigenvalues", "rows", "columns")

    def coordinates(self, which: str = "rows") -> pd.DataFrame:
        """Wide table: ``level``, ``mass``, then ``dim_1``, ``dim_2``...

        >>> from baro import examples
        >>> ca = correspondence(examples.projects(), "domain", "decision_mode")
        >>> list(ca.coordinates("columns").columns)
        ['level', 'mass', 'dim_1', 'dim_2']
        """
        if which not in ("rows", "columns"):
            raise ValueError(f"which must be 'rows' or 'columns', not {which!r}")
        long = self.rows if which == "rows" else self.columns
        wide = long.pivot(index="level", columns="dimension", values="coordinate")
        wide.columns = [f"dim_{d}" for d in wide.columns]
        order = list(dict.fromkeys(long["level"]))
        mass = long.drop_duplicates("level").set_index("level")["mass"]
        out = wide.reindex(order)
        out.insert(0, "mass", mass.reindex(order))
        return out.rename_axis("level").reset_index()


def _tidy(levels, coords, contrib, cos2, mass) -> pd.DataFrame:
    k, d = coords.shape
    return pd.DataFrame(
        {
            "level": pd.Series([lv for lv in levels for _ in range(d)], dtype=object),
            "dimension": np.tile(np.arange(1, d + 1), k),
            "coordinate": coords.reshape(-1),
            "contribution": contrib.reshape(-1),
            "cos2": cos2.reshape(-1),
            "mass": np.repeat(mass, d),
        },
        columns=list(COORDINATES_COLUMNS),
    )


def correspondence(
    data: pd.DataFrame,
    row: str,
    col: str,
    *,
    n_components: int | None = None,
) -> Correspondence:
    """Correspondence analysis of the table ``row`` x ``col`` of ``data``.

    Parameters
    ----------
    data : DataFrame
        One row per observation (a project).
    row, col : str
        The two categorical columns. Rows with a missing value in either
        are left out (counted in ``n_dropped``); levels are sorted, or in
        category order for an ordered categorical.
    n_components : int, optional
        Axes kept in ``rows`` and ``columns`` (default every axis,
        ``min(r, c) - 1``; fewer when the table has fewer non-null axes).

    Returns
    -------
    Correspondence

    Notes
    -----
    Equal to FactoMineR's ``CA(table, graph = FALSE)`` up to the sign of
    each axis (tests/reference/ca_reference.R).

    Examples
    --------
    >>> from baro import examples
    >>> ca = correspondence(examples.projects(), "domain", "decision_mode")
    >>> ca.n, ca.n_components
    (150, 2)
    >>> round(float(ca.eigenvalues["inertia_share"].sum()), 6)
    1.0
    >>> abs(ca.total_inertia - ca.chisq / ca.n) < 1e-12
    True
    """
    if row == col:
        raise ValueError(f"row and col are the same column {row!r}")
    prep = prepare(data, [row, col], keep_empty=False)  # a category without rows has no profile
    rl, cl = prep.uniques[row], prep.uniques[col]
    nr, nc = len(rl), len(cl)
    counts = np.bincount(prep.codes[row] * nc + prep.codes[col], minlength=nr * nc)
    table = counts.reshape(nr, nc).astype(float)
    n = float(table.sum())
    p = table / n
    r, c = p.sum(axis=1), p.sum(axis=0)
    expected = np.outer(r, c)
    s = (p - expected) / np.sqrt(expected)
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    eig = sigma**2
    total = float(eig.sum())
    chisq = total * n
    n_axes = int(np.sum(eig > _TOL * max(total, 1.0)))
    n_axes = min(n_axes, min(nr, nc) - 1)
    if n_axes == 0:
        raise ValueError(
            f"the table {row!r} x {col!r} has no inertia (every row has the same "
            "profile): there is no axis to show"
        )
    if n_components is None:
        n_components = n_axes
    if not (isinstance(n_components, (int, np.integer)) and n_components >= 1):
        raise ValueError(f"n_components must be a positive integer, not {n_components!r}")
    d = min(int(n_components), n_axes)
    u, v, sig = u[:, :d], vt[:d].T, sigma[:d]
    f = u * sig / np.sqrt(r)[:, None]
    g = v * sig / np.sqrt(c)[:, None]
    flip = np.sign(f[np.argmax(np.abs(f), axis=0), np.arange(d)])
    flip[flip == 0] = 1.0
    f, g = f * flip, g * flip
    eig_d = eig[:d]
    row_contrib = 100 * r[:, None] * f**2 / eig_d
    col_contrib = 100 * c[:, None] * g**2 / eig_d
    with np.errstate(invalid="ignore", divide="ignore"):
        row_d2 = (((p / r[:, None]) - c) ** 2 / c).sum(axis=1)
        col_d2 = (((p / c[None, :]) - r[:, None]) ** 2 / r[:, None]).sum(axis=0)
        row_cos2 = f**2 / row_d2[:, None]
        col_cos2 = g**2 / col_d2[:, None]
    eig_all = eig[:n_axes]
    eigen = pd.DataFrame(
        {
            "dimension": np.arange(1, n_axes + 1),
            "eigenvalue": eig_all,
            "inertia_share": eig_all / total,
            "cumulative_inertia_share": np.cumsum(eig_all) / total,
        },
        columns=list(EIGENVALUES_COLUMNS),
    )
    return Correspondence(
        row=row,
        col=col,
        n=int(n),
        n_dropped=prep.n_dropped,
        chisq=float(chisq),
        total_inertia=total,
        n_components=d,
        eigenvalues=eigen,
        rows=_tidy(rl, f, row_contrib, row_cos2, r),
        columns=_tidy(cl, g, col_contrib, col_cos2, c),
    )
