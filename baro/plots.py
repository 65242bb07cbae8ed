"""Figures in one house style, sized for a column of an A4 page.

Every function takes a result of :mod:`baro.stats` (a tidy DataFrame),
returns a :class:`matplotlib.figure.Figure` and shows nothing: the report
shows it (:meth:`baro.report.Report.show_figure`). Figures are built
outside pyplot, so a notebook never displays them twice.

The style (seaborn's ``whitegrid``, the colour-blind-safe ``colorblind``
palette, French number formatting on the axes) is applied inside each
function; :func:`set_style` applies it globally for interactive work.
Labels are the taxonomy's French labels, escaped nowhere: matplotlib draws
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


def _labels(labels: Mapping[Any, str] | None, variable: str | None) -> Mapping[Any, str]:
    if labels is not None:
        return labels
    if variable is None:
        return {}
    from baro.taxonomy import load_taxonomy

    return load_taxonomy().labels(variable)


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
    return f"IC {text.fmt_level(level)}\u00a0%"


def shares_plot(
    shares: pd.DataFrame,
    labels: Mapping[Any, str] | None = None,
    *,
    variable: str | None = None,
    level: str = "level",
    xlabel: str = "Part des projets",
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
        ax.barh(y, d["estimate"], color=colour, alpha=0.55, height=0.65, label="Part")
        err = np.vstack([d["estimate"] - d["ci_low"], d["ci_high"] - d["estimate"]])
        ax.errorbar(
            d["estimate"], y, xerr=np.clip(err, 0, None), fmt="o", color="black",
            markersize=3.5, elinewidth=1.1, capsize=2.5,
            label=_level_label(confidence_level),
        )
        ax.set_yticks(y, [_text(names.get(v, v)) for v in d[level]])
        ax.invert_yaxis()
        ax.set_xlim(0, max(float(d["ci_high"].max()), float(d["estimate"].max())) * 1.1 or 1)
        _percent_axis(ax.xaxis)
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", frameon=True)
        if title:
            ax.set_title(_text(title))
    return fig


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
        bar = fig.colorbar(mesh, ax=ax, format=FuncFormatter(lambda v, _p: text.fmt_number(v, 0)))
        bar.set_label("Résidu ajusté")
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
    xlabel: str = "Part des projets",
    title: str | None = None,
    confidence_level: float = 0.95,
    legend_title: str = "Édition",
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
        ax.set_xlabel(f"{xlabel} ({_level_label(confidence_level)})")
        ax.grid(axis="y", visible=False)
        ax.legend(title=_text(legend_title), loc="lower right", frameon=True)
        if title:
            ax.set_title(_text(title))
    return fig


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
        ax.set_xlabel("Rang moyen (1 = cité en premier)")
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
    ylabel: str = "Part des projets",
    confidence_level: float = 0.95,
    legend_title: str = "Intervalles",
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
        ax.set_ylabel(f"{ylabel} ({_level_label(confidence_level)})")
        ax.grid(axis="x", visible=False)
        ax.legend(title=_text(legend_title), loc="lower right", frameon=True)
        ax.set_title(_text(names.get(level_code, level_code)))
    return fig
