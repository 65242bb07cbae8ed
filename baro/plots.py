"""Figures in one house style, sized for a column of an A4 page.

Every function takes a result of :mod:`baro.stats` (a tidy DataFrame),
returns a :class:`matplotlib.figure.Figure` and shows nothing: the report
shows it (:meth:`baro.report.Report.show_figure`). Figures are built
outside pyplot, so a notebook never displays them twice.

The style (seaborn's ``whitegrid``, the colour-blind-safe ``colorblind``
palette, numbers on the axes in the report's language) is applied inside
each function; :func:`set_style` applies it globally for interactive work.
Axis titles and legends come from the catalogue of :mod:`baro.text`, in
the current language (:func:`baro.text.use_language`). Labels are the
taxonomy's labels in that language, escaped nowhere: matplotlib draws
text, it does not interpret markup (``$`` is escaped for mathtext).

Examples
--------
>>> import pandas as pd
>>> sh = pd.DataFrame({"level": ["transport", "education"], "estimate": [0.16, 0.15],
...                    "ci_low": [0.12, 0.11], "ci_high": [0.2, 0.19]})
>>> fig = shares_plot(sh, variable="domain")
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['Transport', 'Éducation']
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

import re

from baro import text

#: Width of a figure, inches: the text width of an A4 page with 2 cm margins.
WIDTH = 6.3

#: Seaborn palette of every figure (colour-blind safe).
PALETTE = "colorblind"

#: Diverging colour map of residual heatmaps (colour-blind safe, centred at 0).
DIVERGING = "vlag"


def house_rc() -> dict[str, Any]:
    """Matplotlib settings of the house style (seaborn whitegrid, paper)."""
    import seaborn as sns

    rc: dict[str, Any] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("paper", font_scale=1.15))
    rc.update(
        {
            "font.family": "DejaVu Sans",
            "figure.dpi": 100,
            "savefig.bbox": "tight",
            "savefig.pad_inches": 0.05,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "svg.hashsalt": "baro",
            "axes.prop_cycle": cycler(color=sns.color_palette(PALETTE)),
        }
    )
    return rc


def set_style() -> None:
    """Apply the house style globally (interactive work in JupyterLab)."""
    import matplotlib as mpl

    mpl.rcParams.update(house_rc())


@contextmanager
def _style():
    import matplotlib as mpl

    with mpl.rc_context(house_rc()):
        yield


def _or_none(fn):
    """``fn``, or None (no figure) when its first argument is a result the data cannot support."""
    import functools

    @functools.wraps(fn)
    def plot(result: Any, *args: Any, **kwargs: Any) -> Figure | None:
        from baro.computable import NotComputable

        if isinstance(result, NotComputable):
            return None
        return fn(result, *args, **kwargs)

    return plot


def _labels(labels: Mapping[Any, str] | None, variable: str | None) -> Mapping[Any, str]:
    if labels is not None:
        return labels
    if variable is None:
        return {}
    from baro.taxonomy import load_taxonomy

    return load_taxonomy().labels(variable)  # in the current language of baro.text


def _text(label: Any) -> str:
    """A label as matplotlib text: ``$`` would start mathtext."""
    return str(label).replace("$", r"\$")


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"{what}: no column(s) {', '.join(map(repr, missing))}; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )


def _percent_text(v: float) -> str:
    pct = 100 * v
    return text.fmt_percent(v, 0 if abs(pct - round(pct)) < 1e-9 else 1)


def _percent_axis(axis) -> None:
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _percent_text(v)))


def _number_axis(axis, digits: int = 0) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: text.fmt_number(v, digits)))


def _new_figure(height: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    return fig, fig.add_subplot()


def _level_label(level: str) -> str:
    return text.t("plot.interval", level=text.fmt_percent(float(level), _level_digits(level)))


def _level_digits(level: float) -> int:
    shown = text.fmt_level(level)
    return len(re.split(r"[,.]", shown)[1]) if re.search(r"[,.]", shown) else 0


@_or_none
def shares_plot(
    shares: pd.DataFrame,
    labels: Mapping[Any, str] | None = None,
    *,
    variable: str | None = None,
    level: str = "level",
    xlabel: str | None = None,
    title: str | None = None,
    confidence_level: float = 0.95,
) -> Figure:
    """Shares with their confidence intervals, largest on top.

    Parameters
    ----------
    shares : DataFrame
        A :func:`baro.stats.shares` table: ``level``, ``estimate``, ``ci_low``,
        ``ci_high``.
    labels : mapping, optional
        Code -> label; default the taxonomy's labels of ``variable``.
    variable : str, optional
        Taxonomy variable of the levels (e.g. ``"domain"``).
    confidence_level : float
        Level of the intervals, for the legend.

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per level, with its interval as an error bar.
    """
    _require(shares, [level, "estimate", "ci_low", "ci_high"], "shares_plot")
    names = _labels(labels, variable)
    d = shares.sort_values("estimate", ascending=False, kind="stable").reset_index(drop=True)
    with _style():
        import seaborn as sns

        fig, ax = _new_figure(0.9 + 0.3 * len(d))
        y = np.arange(len(d))
        colour = sns.color_palette(PALETTE)[0]
        ax.barh(y, d["estimate"], color=colour, alpha=0.55, height=0.65, label=text.t("plot.share"))
        err = np.vstack([d["estimate"] - d["ci_low"], d["ci_high"] - d["estimate"]])
        ax.errorbar(
            d["estimate"], y, xerr=np.clip(err, 0, None), fmt="o", color="black",
            markersize=3.5, elinewidth=1.1, capsize=2.5,
            label=_level_label(confidence_level),
        )
        ax.set_yticks(y, [_text(names.get(v, v)) for v in d[level]])
        ax.invert_yaxis()
        # an interval may be missing (one level: no variance), the estimates are not
        top = np.nanmax([float(d["ci_high"].max()), float(d["estimate"].max())])
        ax.set_xlim(0, top * 1.1 if np.isfinite(top) and top > 0 else 1)
        _percent_axis(ax.xaxis)
        ax.set_xlabel(xlabel if xlabel is not None else text.t("plot.share_of_projects"))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", frameon=True)
        if title:
            ax.set_title(_text(title))
    return fig


@_or_none
def residual_heatmap(
    residuals: pd.DataFrame,
    row_labels: Mapping[Any, str] | None = None,
    col_labels: Mapping[Any, str] | None = None,
    *,
    row: str = "level_a",
    col: str = "level_b",
    value: str = "adjusted_residual",
    row_variable: str | None = None,
    row_order: list | None = None,
    col_order: list | None = None,
    xlabel: str | None = None,
    title: str | None = None,
) -> Figure:
    """Adjusted residuals of an association as an annotated heatmap.

    The colour map diverges from 0 (blue: fewer than expected, red: more)
    and is symmetric, so equal colours mean equal residuals in both
    directions. Rows keep their order of appearance.

    Parameters
    ----------
    residuals : DataFrame
        The residuals table of :func:`baro.stats.association`, one row
        per cell, with columns ``row`` (default ``level_a``), ``col``
        (default ``level_b``) and ``value``.
    row_order, col_order : list, optional
        Order of the rows and columns (default: order of appearance); levels
        left out follow in their order of appearance.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(residuals, [row, col, value], "residual_heatmap")
    rnames = _labels(row_labels, row_variable)
    cnames = dict(col_labels or {})
    rows = list(dict.fromkeys(residuals[row].tolist()))
    cols = list(dict.fromkeys(residuals[col].tolist()))
    for option, order, levels in (("row_order", row_order, rows), ("col_order", col_order, cols)):
        if order is None:
            continue
        order = list(order)
        unknown = [c for c in order if c not in levels]
        if unknown:
            raise ValueError(f"{option} names unknown level(s) {unknown!r}; levels: {levels!r}")
        levels[:] = order + [c for c in levels if c not in order]
    grid = (
        residuals.pivot(index=row, columns=col, values=value)
        .reindex(index=rows, columns=cols)
        .astype(float)
    )
    values = grid.to_numpy()
    bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    bound = max(bound, 2.0)
    annot = np.vectorize(lambda v: "" if np.isnan(v) else text.fmt_number(v, 1))(values)
    with _style():
        import matplotlib as mpl

        fig, ax = _new_figure(1.2 + 0.32 * len(rows))
        cmap = mpl.colormaps[DIVERGING]
        norm = mpl.colors.Normalize(vmin=-bound, vmax=bound)
        mesh = ax.pcolormesh(
            np.ma.masked_invalid(values), cmap=cmap, norm=norm,
            edgecolors="white", linewidth=0.5,
        )
        for (i, j), label in np.ndenumerate(annot):
            if label:
                dark = abs(values[i, j]) > 0.6 * bound
                ax.text(j + 0.5, i + 0.5, label, ha="center", va="center",
                        color="white" if dark else "black", fontsize="small")
        bar = fig.colorbar(mesh, ax=ax, format=FuncFormatter(lambda v, _p: text.fmt_number(v, 0)),
                           ticks=MaxNLocator(integer=True))  # whole ticks: no "2, 2" from rounding
        bar.set_label(text.t("plot.adjusted_residual"))
        ax.set_xlim(0, len(cols))
        ax.set_ylim(len(rows), 0)
        ax.grid(False)
        ax.set_yticks(np.arange(len(rows)) + 0.5, [_text(rnames.get(r, r)) for r in rows])
        ax.set_xticks(np.arange(len(cols)) + 0.5, [_text(cnames.get(c, c)) for c in cols])
        ax.set_ylabel("")
        ax.set_xlabel(_text(xlabel) if xlabel else "")
        if title:
            ax.set_title(_text(title))
    return fig


def comparison_plot(
    shares: Mapping[Any, pd.DataFrame] | pd.DataFrame,
    labels: Mapping[Any, str] | None = None,
    *,
    variable: str | None = None,
    level: str = "level",
    edition: str = "edition",
    xlabel: str | None = None,
    title: str | None = None,
    confidence_level: float = 0.95,
    legend_title: str | None = None,
) -> Figure:
    """Shares of each level by edition, with intervals, side by side.

    Parameters
    ----------
    shares : mapping or DataFrame
        Edition -> :func:`baro.stats.shares` table, or one long table with
        an ``edition`` column (any series: editions, methods...). Levels are
        ordered by their mean share.
    legend_title : str
        Title of the legend of the series.

    Returns
    -------
    matplotlib.figure.Figure
        One point with its interval per level and edition.
    """
    if isinstance(shares, Mapping):
        frames = [f.assign(**{edition: key}) for key, f in shares.items()]
        if not frames:
            raise ValueError("comparison_plot needs at least one edition")
        long = pd.concat(frames, ignore_index=True)
    else:
        long = shares
    _require(long, [edition, level, "estimate", "ci_low", "ci_high"], "comparison_plot")
    names = _labels(labels, variable)
    order = long.groupby(level, sort=False)["estimate"].mean().sort_values(ascending=False).index.tolist()
    eds = list(dict.fromkeys(long[edition].tolist()))
    with _style():
        import seaborn as sns

        colours = sns.color_palette(PALETTE, len(eds))
        fig, ax = _new_figure(1.0 + 0.42 * len(order))
        step = 0.7 / max(len(eds), 1)
        for i, ed in enumerate(eds):
            d = long[long[edition] == ed].set_index(level).reindex(order)
            y = np.arange(len(order)) - 0.35 + step * (i + 0.5)
            ok = d["estimate"].notna().to_numpy()
            err = np.vstack([d["estimate"] - d["ci_low"], d["ci_high"] - d["estimate"]])[:, ok]
            ax.errorbar(
                d["estimate"].to_numpy()[ok], y[ok], xerr=np.clip(err, 0, None), fmt="o",
                color=colours[i], markersize=4, elinewidth=1.2, capsize=2,
                label=_text(ed),
            )
        ax.set_yticks(np.arange(len(order)), [_text(names.get(v, v)) for v in order])
        ax.invert_yaxis()
        ax.set_xlim(0, None)
        _percent_axis(ax.xaxis)
        xlabel = xlabel if xlabel is not None else text.t("plot.share_of_projects")
        ax.set_xlabel(f"{xlabel} ({_level_label(confidence_level)})")
        ax.grid(axis="y", visible=False)
        ax.legend(title=_text(legend_title if legend_title is not None else text.t("plot.edition")),
                  loc="lower right", frameon=True)
        if title:
            ax.set_title(_text(title))
    return fig


@_or_none
def ranking_plot(
    ranking: pd.DataFrame,
    labels: Mapping[Any, str] | None = None,
    *,
    variable: str | None = "objective",
    level: str = "level",
    value: str = "mean_rank",
    n_levels: int | None = None,
    title: str | None = None,
) -> Figure:
    """Mean rank of each objective (1 = cited first), best on top.

    Parameters
    ----------
    ranking : DataFrame
        One row per objective: ``level`` (codes) and ``value`` (mean rank).
    n_levels : int, optional
        Number of objectives that could be ranked: the axis runs from 1 to
        it. Default: the number of rows.

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per objective.
    """
    _require(ranking, [level, value], "ranking_plot")
    names = _labels(labels, variable)
    d = ranking.sort_values(value, kind="stable").reset_index(drop=True)
    top = n_levels or len(d)
    with _style():
        import seaborn as sns

        fig, ax = _new_figure(0.9 + 0.35 * len(d))
        y = np.arange(len(d))
        colour = sns.color_palette(PALETTE)[2]
        ax.barh(y, d[value] - 1, left=1, color=colour, alpha=0.8, height=0.6)
        for yi, v in zip(y, d[value]):
            ax.text(v + 0.04, yi, text.fmt_number(v, 2), va="center", fontsize="small")
        ax.set_yticks(y, [_text(names.get(v, v)) for v in d[level]])
        ax.invert_yaxis()
        ax.set_xlim(1, top + 0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _number_axis(ax.xaxis)
        ax.set_xlabel(text.t("plot.mean_rank"))
        ax.grid(axis="y", visible=False)
        if title:
            ax.set_title(_text(title))
    return fig


def trend_plot(
    shares: Mapping[Any, Mapping[Any, pd.DataFrame]],
    level_code: Any,
    *,
    labels: Mapping[Any, str] | None = None,
    variable: str | None = None,
    level: str = "level",
    ylabel: str | None = None,
    confidence_level: float = 0.95,
    legend_title: str | None = None,
) -> Figure:
    """One level's share by edition, with intervals from several methods.

    Parameters
    ----------
    shares : mapping
        Method label (e.g. "avec grappes") -> edition -> shares table.
    level_code : object
        The level shown (e.g. ``"education"``).

    Returns
    -------
    matplotlib.figure.Figure
        One series of points with intervals per method, editions on x.

    Examples
    --------
    >>> s = {2013: pd.DataFrame({"level": ["education"], "estimate": [0.12], "ci_low": [0.1], "ci_high": [0.14]}),
    ...      2014: pd.DataFrame({"level": ["education"], "estimate": [0.15], "ci_low": [0.12], "ci_high": [0.19]})}
    >>> fig = trend_plot({"avec grappes": s}, "education", variable="domain")
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()], fig.axes[0].get_title(loc="left")
    (['2013', '2014'], 'Éducation')
    """
    names = _labels(labels, variable)
    methods = list(shares)
    if not methods:
        raise ValueError("trend_plot needs at least one series of shares")
    editions = list(dict.fromkeys(e for m in methods for e in shares[m]))
    with _style():
        import seaborn as sns

        colours = sns.color_palette(PALETTE, len(methods))
        fig, ax = _new_figure(3.0)
        step = 0.3 / max(len(methods), 1)
        for i, m in enumerate(methods):
            xs, ys, lo, hi = [], [], [], []
            for j, ed in enumerate(editions):
                frame = shares[m].get(ed)
                if frame is None:
                    continue
                _require(frame, [level, "estimate", "ci_low", "ci_high"], "trend_plot")
                row = frame[frame[level] == level_code]
                if row.empty:
                    continue
                r = row.iloc[0]
                xs.append(j - 0.15 + step * (i + 0.5))
                ys.append(float(r["estimate"]))
                lo.append(max(float(r["estimate"]) - float(r["ci_low"]), 0.0))
                hi.append(max(float(r["ci_high"]) - float(r["estimate"]), 0.0))
            ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o", color=colours[i], markersize=5,
                        elinewidth=1.4, capsize=3, label=_text(m))
        ax.set_xticks(np.arange(len(editions)), [_text(e) for e in editions])
        ax.set_xlim(-0.6, len(editions) - 0.4)
        ax.set_ylim(0, None)
        _percent_axis(ax.yaxis)
        ylabel = ylabel if ylabel is not None else text.t("plot.share_of_projects")
        ax.set_ylabel(f"{ylabel} ({_level_label(confidence_level)})")
        ax.grid(axis="x", visible=False)
        ax.legend(title=_text(legend_title if legend_title is not None else text.t("plot.intervals")),
                  loc="lower right", frameon=True)
        ax.set_title(_text(names.get(level_code, level_code)))
    return fig


def repel_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    point_size: float = 7.0,
    pad: float = 2.0,
    gap: float = 2.0,
    rings: int = 60,
    line_after: float = 12.0,
    near_rings: int = 4,
) -> np.ndarray:
    """Place label boxes near their points so that no two overlap.

    A simple, deterministic placement in display units (pixels): labels are
    placed one after the other, in the order given; each takes the first
    free place among candidates around its point, nearest first (right,
    left, above, below, then the diagonals and finer angles), where free
    means overlapping no label already placed and no point, and inside
    ``bounds``. Within the first ``near_rings`` distances, a place is
    taken only if its line to the point (when it needs one) crosses no
    label and no earlier line crosses its box; beyond them lines may
    cross, so that a label stays near its point. No randomness: a map is
    drawn the same way every time.

    Parameters
    ----------
    anchors : ndarray, shape (n, 2)
        The points (x, y).
    sizes : ndarray, shape (n, 2)
        Width and height of each label.
    bounds : tuple
        ``(x0, y0, x1, y1)``: the boxes stay inside.
    point_size : float
        Side of the square each point occupies.
    pad : float
        Space kept between two boxes, and between a box and a point.
    gap : float
        Distance between a point and its label at the nearest place.
    rings : int
        Distances tried, each a label height further out.
    line_after : float
        A label whose nearest edge is further than this from its point is
        joined to it by a line (see :func:`leader_line`).
    near_rings : int
        Distances within which a place whose line crosses a label is skipped.

    Returns
    -------
    ndarray, shape (n, 2)
        Centres of the label boxes. When no candidate is free (a very
        crowded map), the label takes the candidate overlapping least.

    Examples
    --------
    >>> a = np.array([[10.0, 10.0], [11.0, 10.0], [12.0, 11.0]])
    >>> s = np.array([[40.0, 10.0]] * 3)
    >>> c = repel_labels(a, s, (0, 0, 200, 200))
    >>> bool(overlapping_boxes(c, s, pad=2.0).any())
    False
    """
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    n = len(anchors)
    x0, y0, x1, y1 = bounds
    first = [0, 180, 90, 270, 30, 150, 210, 330, 60, 120, 240, 300]
    angles = np.deg2rad(np.array(first + [a for a in range(0, 360, 15) if a not in first], dtype=float))
    ux, uy = np.cos(angles), np.sin(angles)
    placed_c = np.empty((0, 2))
    placed_h = np.empty((0, 2))
    lines = np.empty((0, 2))  # points along the lines already drawn
    t = np.linspace(0.1, 1.0, 60)
    out = np.empty((n, 2))
    ph = point_size / 2
    for i in range(n):
        hw, hh = sizes[i] / 2
        step = max(2 * hh, 4.0)
        dist = np.arange(rings) * step
        # centre = anchor + direction * (clearance + distance), ring by ring
        cx = anchors[i, 0] + ux[None, :] * (hw + ph + gap + dist[:, None])
        cy = anchors[i, 1] + uy[None, :] * (hh + ph + gap + dist[:, None])
        cand = np.column_stack([cx.reshape(-1), cy.reshape(-1)])
        inside = (
            (cand[:, 0] - hw >= x0) & (cand[:, 0] + hw <= x1)
            & (cand[:, 1] - hh >= y0) & (cand[:, 1] + hh <= y1)
        )
        over_pts = np.clip(hw + ph + pad - np.abs(cand[:, None, 0] - anchors[None, :, 0]), 0, None) * np.clip(
            hh + ph + pad - np.abs(cand[:, None, 1] - anchors[None, :, 1]), 0, None
        )
        cost = over_pts.sum(axis=1)
        if len(placed_c):
            over_lab = np.clip(
                hw + placed_h[None, :, 0] + pad - np.abs(cand[:, None, 0] - placed_c[None, :, 0]), 0, None
            ) * np.clip(hh + placed_h[None, :, 1] + pad - np.abs(cand[:, None, 1] - placed_c[None, :, 1]), 0, None)
            cost = cost + over_lab.sum(axis=1)
        # the line from the point to the nearest edge of the box, if any
        near = np.clip(anchors[i], cand - [hw, hh], cand + [hw, hh])
        needs = np.hypot(*(near - anchors[i]).T) > line_after
        samples = anchors[i] + t[None, :, None] * (near - anchors[i])[:, None, :]
        line_cost = np.zeros(len(cand))
        if len(placed_c):
            crossed = (
                (np.abs(samples[:, :, None, 0] - placed_c[None, None, :, 0]) < placed_h[None, None, :, 0] + pad / 2)
                & (np.abs(samples[:, :, None, 1] - placed_c[None, None, :, 1]) < placed_h[None, None, :, 1] + pad / 2)
            ).sum(axis=(1, 2))
            line_cost += np.where(needs, crossed, 0)
        if len(lines):
            line_cost += (
                (np.abs(lines[None, :, 0] - cand[:, None, 0]) < hw + pad / 2)
                & (np.abs(lines[None, :, 1] - cand[:, None, 1]) < hh + pad / 2)
            ).sum(axis=1)
        cost = np.where(inside, cost, np.inf)
        ring = np.arange(len(cand)) // len(angles)
        # nearest place free of labels, points and lines within a few rings;
        # else the nearest place free of labels and points; else the least bad
        best = np.flatnonzero((cost == 0) & (line_cost == 0) & (ring <= near_rings))
        if not best.size:
            best = np.flatnonzero(cost == 0)
        if best.size:
            k = int(best[0])
        elif np.isfinite(cost).any():
            k = int(np.argmin(cost))
        else:
            k = 0
        out[i] = cand[k]
        placed_c = np.vstack([placed_c, cand[k]])
        placed_h = np.vstack([placed_h, [hw, hh]])
        if needs[k]:
            lines = np.vstack([lines, samples[k]])
    return out


def leader_line(anchor: np.ndarray, centre: np.ndarray, size: np.ndarray, line_after: float = 12.0):
    """The line from a point to the nearest edge of its label, or None when the label is near.

    >>> leader_line(np.array([0.0, 0.0]), np.array([50.0, 0.0]), np.array([20.0, 10.0]))
    array([[ 0.,  0.],
           [40.,  0.]])
    >>> leader_line(np.array([0.0, 0.0]), np.array([15.0, 0.0]), np.array([20.0, 10.0])) is None
    True
    """
    near = np.clip(anchor, centre - size / 2, centre + size / 2)
    if np.hypot(*(near - anchor)) <= line_after:
        return None
    return np.vstack([anchor, near])


def overlapping_boxes(centres: np.ndarray, sizes: np.ndarray, *, pad: float = 0.0) -> np.ndarray:
    """Pairs of boxes (centre, width and height) that overlap: a boolean matrix.

    >>> overlapping_boxes(np.array([[0, 0], [5, 0], [50, 0]]), np.array([[10, 10]] * 3))
    array([[False,  True, False],
           [ True, False, False],
           [False, False, False]])
    """
    centres = np.asarray(centres, dtype=float)
    half = np.asarray(sizes, dtype=float) / 2
    ox = half[:, None, 0] + half[None, :, 0] + pad - np.abs(centres[:, None, 0] - centres[None, :, 0])
    oy = half[:, None, 1] + half[None, :, 1] + pad - np.abs(centres[:, None, 1] - centres[None, :, 1])
    hit = (ox > 1e-9) & (oy > 1e-9)
    np.fill_diagonal(hit, False)
    return hit


def ca_map(
    ca: Any,
    row_labels: Mapping[Any, str] | None = None,
    col_labels: Mapping[Any, str] | None = None,
    *,
    row_variable: str | None = None,
    col_variable: str | None = None,
    axis_titles: tuple[str, str] | None = None,
    legend: tuple[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Map of a correspondence analysis: rows and columns on the first two axes.

    Parameters
    ----------
    ca : :class:`baro.stats.Correspondence`
    row_labels, col_labels : mapping, optional
        Code -> label; default the taxonomy's labels of ``row_variable`` and
        ``col_variable``.
    axis_titles : tuple of str, optional
        Titles of the two axes; default ``"Axe 1 (39,0 % de l’inertie)"``
        and so on, with each axis's share of the total inertia.
    legend : tuple of str
        Names of the row and the column points.

    Returns
    -------
    matplotlib.figure.Figure
        Both axes on one scale (distances are comparable), labels placed by
        :func:`repel_labels` so that none overlaps another or a point; a
        thin line joins a label moved away from its point. A table with
        one axis only gives a map on one line.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    legend = legend if legend is not None else (text.t("plot.ca_rows"), text.t("plot.ca_columns"))
    rows = ca.coordinates("rows")
    cols = ca.coordinates("columns")
    rnames = _labels(row_labels, row_variable)
    cnames = _labels(col_labels, col_variable)
    two = "dim_2" in rows.columns
    shares = ca.eigenvalues.set_index("dimension")["inertia_share"]
    if axis_titles is None:
        axis_titles = tuple(
            text.t("plot.ca_axis", axis=d, share=text.fmt_percent(float(shares[d]), 1)) if d in shares.index else ""
            for d in (1, 2)
        )
    xy_r = np.column_stack([rows["dim_1"], rows["dim_2"] if two else np.zeros(len(rows))])
    xy_c = np.column_stack([cols["dim_1"], cols["dim_2"] if two else np.zeros(len(cols))])
    points = np.vstack([xy_r, xy_c])
    labels = [_text(rnames.get(v, v)) for v in rows["level"]] + [_text(cnames.get(v, v)) for v in cols["level"]]
    with _style():
        import seaborn as sns

        palette = sns.color_palette(PALETTE)
        colours = [palette[0]] * len(xy_r) + [palette[3]] * len(xy_c)
        height = 0.85 * WIDTH if two else 2.6
        fig = Figure(figsize=(WIDTH, height))
        canvas = FigureCanvasAgg(fig)
        # fixed margins (in inches) that hold the tick labels, the axis titles
        # and the legend: the figure is saved without a tight bounding box
        left, right, top, bottom = 0.95 / WIDTH, 0.12 / WIDTH, 0.12 / height, 0.95 / height
        ax = fig.add_axes((left, bottom, 1 - left - right, 1 - top - bottom))
        ax.axhline(0, color="0.6", linewidth=0.8, linestyle="--", zorder=1)
        if two:
            ax.axvline(0, color="0.6", linewidth=0.8, linestyle="--", zorder=1)
        ax.scatter(xy_r[:, 0], xy_r[:, 1], s=28, marker="o", color=palette[0], zorder=3, label=_text(legend[0]))
        ax.scatter(xy_c[:, 0], xy_c[:, 1], s=34, marker="^", color=palette[3], zorder=3, label=_text(legend[1]))
        span_x = float(np.ptp(points[:, 0])) or 1.0
        span_y = float(np.ptp(points[:, 1])) or span_x
        lo_x, hi_x = points[:, 0].min() - 0.3 * span_x, points[:, 0].max() + 0.3 * span_x
        if two:
            lo_y, hi_y = points[:, 1].min() - 0.2 * span_y, points[:, 1].max() + 0.2 * span_y
            # one scale on both axes: widen the range that is shorter for its side
            pos = ax.get_position()
            w, h = pos.width * WIDTH, pos.height * height
            scale = max((hi_x - lo_x) / w, (hi_y - lo_y) / h)
            mid_x, mid_y = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
            ax.set_xlim(mid_x - scale * w / 2, mid_x + scale * w / 2)
            ax.set_ylim(mid_y - scale * h / 2, mid_y + scale * h / 2)
        else:
            ax.set_xlim(lo_x, hi_x)
            ax.set_ylim(-1, 1)
            ax.set_yticks([])
        _number_axis(ax.xaxis, 2)
        _number_axis(ax.yaxis, 2)
        ax.set_xlabel(_text(axis_titles[0]))
        ax.set_ylabel(_text(axis_titles[1]) if two else "")
        fig.legend(loc="lower center", ncols=2, frameon=False, bbox_to_anchor=(0.5, 0.0))
        renderer = canvas.get_renderer()
        texts = [
            ax.text(x, y, lab, ha="center", va="center", fontsize="small", color=c, zorder=4)
            for (x, y), lab, c in zip(points, labels, colours)
        ]
        sizes = np.array([[b.width, b.height] for b in (t.get_window_extent(renderer) for t in texts)])
        anchors = ax.transData.transform(points)
        box = ax.get_window_extent(renderer)
        centres = repel_labels(anchors, sizes, (box.x0 + 2, box.y0 + 2, box.x1 - 2, box.y1 - 2))
        inverse = ax.transData.inverted()
        for t, c, a, size in zip(texts, centres, anchors, sizes):
            t.set_position(inverse.transform(c))
            # a line from the point to the nearest edge of a label moved away
            line = leader_line(a, c, size)
            if line is not None:
                line = inverse.transform(line)
                ax.plot(line[:, 0], line[:, 1], color="0.55", linewidth=0.6, zorder=2)
        ax.grid(True, alpha=0.5)
        if title:
            ax.set_title(_text(title))
    return fig
