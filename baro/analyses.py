"""Report sections for the questions a reader asks after the domains' shares.

Each ``show_*`` function computes with :mod:`baro.stats`, then shows its
sentences, figures and tables through a :class:`baro.report.Report`, in
the report's language, and returns nothing (a notebook shows no stray
value), so that a notebook chapter is one call:

- :func:`show_two_way`: domains by population band, by kind of authority,
  or by management mode: the Rao-Scott test (cities as clusters) on a
  table whose sparse levels are merged, the residual heatmap, the cells
  that stand out; a test the data cannot support is said to be so;
- :func:`show_leaders`: whether the régie is the first management mode
  in every domain;
- :func:`show_correspondence`: the correspondence analysis map, the
  sentence that reads its first axis, and the reminder that a map
  describes and does not test;
- :func:`show_planning` and :func:`show_planning_methods` (trends report):
  cities the next edition needs to detect a change of share.

The ``*_sentence`` functions return the Markdown sentences; they take the
results and the labels, and follow :mod:`baro.text`'s current language.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from baro import plots, stats, text

__all__ = [
    "ORDERED",
    "with_cities",
    "two_way_sentence",
    "merged_sentence",
    "cells_sentence",
    "leaders_sentence",
    "ca_axis_sentence",
    "ca_not_computable_sentence",
    "planning_sentence",
    "two_way_heatmap",
    "show_two_way",
    "show_leaders",
    "show_correspondence",
    "show_planning",
    "show_planning_methods",
]

#: Variables whose levels are ordered (merged with a neighbour only).
ORDERED = ("population_band",)

ALPHA = text.ALPHA


def with_cities(
    projects: pd.DataFrame,
    cities: pd.DataFrame,
    columns: Sequence[str] = ("kind", "population_band"),
    *,
    cluster: str = "city_id",
) -> pd.DataFrame:
    """Projects with the columns of their city (kind, population band).

    >>> p = pd.DataFrame({"city_id": ["V1", "V1", "V2"], "domain": ["a", "b", "a"]})
    >>> c = pd.DataFrame({"city_id": ["V1", "V2"], "kind": ["commune", "commune"],
    ...                   "population_band": ["p50_100k", "p200k_plus"]})
    >>> with_cities(p, c)["population_band"].tolist()
    ['p50_100k', 'p50_100k', 'p200k_plus']
    """
    missing = [c for c in (cluster, *columns) if c not in cities.columns]
    if missing:
        raise KeyError(f"the cities table lacks column(s) {missing!r}")
    extra = cities[[cluster, *columns]].drop_duplicates(cluster)
    return projects.drop(columns=[c for c in columns if c in projects.columns]).merge(
        extra, on=cluster, how="left", validate="many_to_one"
    )


# ------------------------------------------------------------------ labels
def _quote(label: str) -> str:
    return text.t("two_way.quote", label=label)


def level_labels(tw: stats.TwoWay, labels: Mapping[Any, str]) -> dict[Any, str]:
    """Labels of the levels as tested: a merged level joins its members' labels."""
    out = {lv: labels.get(lv, str(lv)) for lv in tw.col_levels}
    for code, members in tw.merged:
        out[code] = " + ".join(labels.get(m, str(m)) for m in members)
    return out


def _by_frequency(series: pd.Series) -> list:
    """Levels present, most frequent first (ties in order of the levels).

    >>> _by_frequency(pd.Series(pd.Categorical(["b", "a", "b"], categories=["a", "b", "c"])))
    ['b', 'a']
    """
    counts = series.value_counts(sort=False)
    counts = counts[counts > 0]
    return counts.sort_values(ascending=False, kind="stable").index.tolist()


# --------------------------------------------------------------- sentences
def _p_adjusted(p: float) -> str:
    rest = text.fmt_pvalue(p)
    return text.t("two_way.p_adjusted", rest=rest[1:].strip())


def two_way_sentence(
    tw: stats.TwoWay, variable: str, labels: Mapping[Any, str] | None = None, *, alpha: float = ALPHA
) -> str:
    """The test of domains by ``variable`` as a sentence, or why there is none.

    Examples
    --------
    >>> from baro import examples
    >>> d = examples.projects().assign(kind="commune")
    >>> two_way_sentence(stats.association_merged(d, "domain", "kind", cluster="city_id"), "kind")
    'Le test de la répartition des projets entre domaines selon le type de collectivité n’est pas calculable dans cette édition\\xa0: une seule modalité y est observée (commune). Le chapitre ne montre donc ni test ni résidus.'
    """
    by = text.t(f"two_way.by.{variable}")
    if not tw.computable:
        if tw.reason == "one_level":
            labels = labels or {}
            levels = [text.escape(labels.get(v, v)) for v in tw.col_levels]
            why = text.t("two_way.why.one_level", levels=text.join(levels))
        else:
            why = text.t("two_way.why.other", reason=text.escape(tw.reason))
        return text.t("two_way.not_computable", by=by, why=why)
    res = tw.test
    v = text.fmt_number(res.cramers_v, 2)
    if res.n_clusters is not None:
        ndf, ddf = res.dof
        detail = text.t(
            "two_way.stats", f=text.fmt_number(res.statistic, 2), ndf=text.fmt_number(ndf, 1),
            ddf=text.fmt_number(ddf, 1), p=text.fmt_pvalue(res.pvalue), v=v,
        )
    else:
        detail = text.t(
            "two_way.stats_unclustered", chi2=text.fmt_number(res.statistic, 2),
            dof=text.fmt_number(res.dof, 0), p=text.fmt_pvalue(res.pvalue), v=v,
        )
    key = "two_way.significant" if res.pvalue < alpha else "two_way.not_significant"
    return text.t(key, by=by, stats=detail)


def merged_sentence(tw: stats.TwoWay, labels: Mapping[Any, str]) -> str:
    """Which levels were merged for the test ("" when none)."""
    parts = [
        text.t("two_way.merged", levels=text.join([_quote(text.escape(labels.get(m, m))) for m in members]))
        for _code, members in tw.merged
    ]
    return " ".join(parts)


def cells_sentence(
    residuals: pd.DataFrame,
    row_labels: Mapping[Any, str],
    col_labels: Mapping[Any, str],
    *,
    alpha: float = ALPHA,
    max_items: int = 5,
) -> str:
    """Name the cells whose adjusted residual stands out after Holm's adjustment.

    The cells are named from the largest residual (in absolute value)
    down, at most ``max_items``; when none stands out, the largest gap is
    named and said to be compatible with chance.

    Examples
    --------
    >>> r = pd.DataFrame({"level_a": ["a", "a", "b", "b"], "level_b": ["x", "y", "x", "y"],
    ...                   "adjusted_residual": [3.2, -3.2, -0.4, 0.4],
    ...                   "pvalue_adjusted": [0.004, 0.004, 1.0, 1.0]})
    >>> cells_sentence(r, {"a": "Transport"}, {"x": "Petites", "y": "Grandes"})
    'Cases qui se distinguent après ajustement de Holm\\xa0: Transport – Petites, plus de projets qu’attendu (résidu ajusté 3,2, p ajustée = 0,004) et Transport – Grandes, moins de projets qu’attendu (résidu ajusté −3,2, p ajustée = 0,004).'
    """
    frame = residuals.dropna(subset=["adjusted_residual"])
    if frame.empty:
        return ""
    order = frame["adjusted_residual"].abs().sort_values(ascending=False, kind="stable").index
    frame = frame.loc[order]

    def names(r):
        return (text.escape(row_labels.get(r["level_a"], r["level_a"])),
                text.escape(col_labels.get(r["level_b"], r["level_b"])))

    sel = frame[frame["pvalue_adjusted"] < alpha]
    if sel.empty:
        top = frame.iloc[0]
        row, col = names(top)
        return text.t("two_way.cells_none", row=row, col=col, r=text.fmt_number(top["adjusted_residual"], 1))
    items = []
    for _, r in sel.head(max_items).iterrows():
        row, col = names(r)
        key = "two_way.cell.more" if r["adjusted_residual"] > 0 else "two_way.cell.fewer"
        items.append(text.t(key, row=row, col=col, r=text.fmt_number(r["adjusted_residual"], 1),
                            p=_p_adjusted(r["pvalue_adjusted"])))
    if len(sel) > max_items:
        items.append(text.t("two_way.cells_others", others=text.count(len(sel) - max_items, "other_cell")))
    return text.t("two_way.cells", items=text.join(items))


def leaders_sentence(
    leaders: pd.DataFrame,
    row_labels: Mapping[Any, str],
    col_labels: Mapping[Any, str],
    *,
    focus: str = "regie",
) -> str:
    """Whether ``focus`` (the régie) is the first mode in every domain, naming those where not.

    Examples
    --------
    >>> lead = stats.leading_levels(
    ...     pd.DataFrame({"domain": list("aaabbb"), "mode": ["regie", "regie", "marche", "marche", "marche", "regie"]}),
    ...     "domain", "mode", focus="regie")
    >>> leaders_sentence(lead, {"a": "Transport", "b": "Énergie"}, {"regie": "Régie", "marche": "Marché"})
    'La régie est le premier mode de gestion dans 1 domaine sur 2, mais pas dans Énergie (Marché\\xa0: 66,7\\xa0% des projets, contre 33,3\\xa0% pour la régie).'
    """
    focus_label = text.escape(col_labels.get(focus, focus)).lower()
    n = len(leaders)
    lead = leaders[leaders["focus_leads"]]
    behind = leaders[~leaders["focus_leads"]]
    ties = lead[lead["tied"]]
    ties_text = (
        text.t("leaders.ties", items=text.join([text.escape(row_labels.get(v, v)) for v in ties["level"]]))
        if len(ties) else ""
    )
    items = [
        text.t(
            "leaders.item", domain=text.escape(row_labels.get(r["level"], r["level"])),
            leader=text.escape(col_labels.get(r["leader"], r["leader"])),
            leader_share=text.fmt_percent(r["leader_share"], 1), focus_share=text.fmt_percent(r["focus_share"], 1),
            focus=focus_label,
        )
        for _, r in behind.iterrows()
    ]
    if behind.empty:
        return text.t(f"leaders.{focus}.all", n=n, ties=ties_text, focus=focus_label)
    if lead.empty:
        return text.t(f"leaders.{focus}.none", items=text.join(items), focus=focus_label)
    return text.t(f"leaders.{focus}.some", k=text.count(len(lead), "domain"), n=n, ties=ties_text,
                  items=text.join(items), focus=focus_label)


def ca_axis_sentence(
    ca: stats.Correspondence,
    row_labels: Mapping[Any, str],
    col_labels: Mapping[Any, str],
    *,
    row_variable: str = "domain",
    col_variable: str,
) -> str:
    """Read the first axis: the levels contributing more than average, by side.

    Examples
    --------
    >>> from baro import examples
    >>> ca = stats.correspondence(examples.projects(), "domain", "decision_mode")
    >>> s = ca_axis_sentence(ca, {}, {}, col_variable="kind")
    >>> s.startswith("Le premier axe résume 80,6")
    True
    """
    share = text.fmt_percent(float(ca.eigenvalues["inertia_share"].iloc[0]), 1)

    def side(long: pd.DataFrame, labels, variable) -> str:
        axis = long[long["dimension"] == 1]
        mean = 100.0 / len(axis)
        strong = axis[axis["contribution"] > mean].sort_values("coordinate", ascending=False, kind="stable")
        pos = [text.escape(labels.get(v, v)) for v in strong.loc[strong["coordinate"] > 0, "level"]]
        neg = [text.escape(labels.get(v, v)) for v in strong.loc[strong["coordinate"] < 0, "level"][::-1]]
        noun = text.t(f"ca.noun.{variable}")
        if pos and neg:
            return text.t("ca.side", noun=noun, pos=text.join(pos), neg=text.join(neg))
        return text.t("ca.side_others", noun=noun, pos=text.join(pos or neg))

    return text.t("ca.axis1", share=share, rows=side(ca.rows, row_labels, row_variable),
                  cols=side(ca.columns, col_labels, col_variable))


def planning_sentence(
    plan: pd.DataFrame,
    level: str,
    label: str,
    *,
    cities_last: int,
    power: float,
    alpha: float,
) -> str:
    """Cities needed for ``level`` at each difference of ``plan`` (three of them).

    ``plan`` is :func:`baro.stats.plan_editions`; the sentence names the
    middle difference first, then the smallest and the largest.
    """
    rows = plan[plan["level"] == level].sort_values("difference")
    if len(rows) != 3:
        raise ValueError(f"planning_sentence needs three differences for {level!r}, got {len(rows)}")
    low, mid, high = (rows.iloc[i] for i in range(3))

    def pts(d):
        return text.t("planning.points", n=text.fmt_number(100 * d, 0))

    def cities(r):
        return text.count(int(r["cities"]), "city")

    return text.t(
        "planning.sentence", label=text.escape(label), share=text.fmt_percent(mid["estimate"], 1),
        d_low=pts(low["difference"]), d_mid=pts(mid["difference"]), d_high=pts(high["difference"]),
        m_low=cities(low), m_mid=cities(mid), m_high=cities(high),
        power=text.fmt_percent(power, 0), alpha=text.fmt_percent(alpha, 0),
        last=text.count(int(cities_last), "city"), k=text.fmt_number(mid["projects_per_city"], 1),
        deff=text.fmt_number(mid["design_effect"], 2),
    )


# ----------------------------------------------------------------- figures
def two_way_heatmap(
    tw: stats.TwoWay, row_labels: Mapping[Any, str], col_labels: Mapping[Any, str], row_order: Sequence
) -> Any:
    """The residual heatmap of a computable :class:`~baro.stats.TwoWay`.

    Column labels are wrapped, then set smaller, until no two touch
    (measured on the drawn figure): the first of a few fixed steps that
    fits is used, so the figure is the same every time.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plots.residual_heatmap(tw.test.residuals, row_labels=row_labels, col_labels=col_labels,
                                 row_order=list(row_order), col_order=list(tw.col_levels))
    ax = fig.axes[0]
    canvas = FigureCanvasAgg(fig)
    ticks = ax.get_xticks()
    names = [str(col_labels.get(c, c)) for c in tw.col_levels]
    for width, size in ((18, "medium"), (14, "medium"), (12, "small"), (11, "x-small"), (9, "xx-small")):
        ax.set_xticks(ticks, ["\n".join(textwrap.wrap(n, width, break_long_words=False)) or n for n in names])
        for tick in ax.get_xticklabels():
            tick.set_fontsize(size)
        canvas.draw()
        renderer = canvas.get_renderer()
        boxes = [tick.get_window_extent(renderer) for tick in ax.get_xticklabels()]
        if all(left.x1 + 4 < right.x0 for left, right in zip(boxes, boxes[1:])):
            break
    return fig


# -------------------------------------------------------- report sections
def show_two_way(
    rep: Any,
    data: pd.DataFrame,
    variable: str,
    *,
    row: str = "domain",
    cluster: str = "city_id",
    name: str | None = None,
) -> None:
    """Test, heatmap, cells and counts of ``row`` by ``variable``, in a report.

    Levels of ``variable`` with too few expected projects are merged
    (neighbours for :data:`ORDERED` variables); a test that cannot be
    computed is said to be so, and nothing else is shown.
    """
    name = name or f"{row}_by_{variable}"
    order = rep.taxonomy.codes(variable) if hasattr(rep.taxonomy, "codes") else None
    tw = stats.association_merged(
        data, row, variable, cluster=cluster, order=order, ordered=variable in ORDERED,
        seed=rep.seed if rep.seed is not None else 0,
    )
    labels = rep.labels(variable)
    rep.say(two_way_sentence(tw, variable, labels))
    if not tw.computable:
        return
    rep.note(merged_sentence(tw, labels))
    rep.caveats(tw.test)
    tested = level_labels(tw, labels)
    row_labels = rep.labels(row)
    by = text.t(f"two_way.by.{variable}")
    row_order = _by_frequency(data[row])
    fig = two_way_heatmap(tw, row_labels, tested, row_order)
    rep.show_figure(fig, f"{name}_residuals", text.t("caption.two_way.heatmap", by=by))
    rep.say(cells_sentence(tw.test.residuals, row_labels, tested))
    counts = (
        tw.test.residuals.pivot(index="level_a", columns="level_b", values="observed")
        .reindex(index=row_order, columns=list(tw.col_levels), fill_value=0)
        .astype("int64")
        .rename_axis(index="level", columns=None)
        .reset_index()
    )
    counts.columns = [str(c) for c in counts.columns]
    headers = {"level": rep.taxonomy.header(row, rep.language)}
    headers.update({str(c): tested[c] for c in tw.col_levels})
    rep.show_table(counts, f"{name}_counts", text.t("caption.two_way.counts", by=by), columns=headers,
                   labels={"level": row_labels})


def show_leaders(
    rep: Any,
    data: pd.DataFrame,
    *,
    row: str = "domain",
    col: str = "management_mode",
    focus: str = "regie",
    name: str = "management_leaders",
) -> None:
    """Say whether ``focus`` leads in every level of ``row``; show the first mode of each."""
    row_order = _by_frequency(data[row])
    leaders = stats.leading_levels(data, row, col, focus=focus, row_order=row_order)
    row_labels, col_labels = rep.labels(row), rep.labels(col)
    rep.say(leaders_sentence(leaders, row_labels, col_labels, focus=focus))
    rep.show_table(
        leaders, name, text.t("caption.leaders"),
        columns={"level": rep.taxonomy.header(row, rep.language), "count": text.t("col.count.project"),
                 "leader": text.t("col.leaders.leader"), "leader_share": text.t("col.leaders.leader_share"),
                 "focus_share": text.t("col.leaders.focus_share")},
        formats={"leader_share": "percent", "focus_share": "percent"},
        labels={"level": row_labels, "leader": col_labels},
    )
    rep.note(text.t("leaders.note"))


def ca_not_computable_sentence(data: pd.DataFrame, row: str, variable: str) -> str:
    """Why the correspondence analysis of ``row`` x ``variable`` cannot be
    computed, in the report's language: one level observed in a column, or
    no inertia (every row has the same profile).

    >>> import pandas as pd
    >>> d = pd.DataFrame({"domain": ["transport"] * 2, "management_mode": ["regie", "delegation"]})
    >>> ca_not_computable_sentence(d, "domain", "management_mode")
    'L’analyse des correspondances n’est pas calculable dans cette édition\xa0: parmi les domaines, une seule modalité est observée (Transport).'
    """
    for column in (row, variable):
        levels = pd.unique(data[column].dropna())
        if len(levels) < 2:
            level = levels[0] if len(levels) else None
            level = level.item() if hasattr(level, "item") else level
            name = text.escape(text._level_name({"column": column, "level": level})) if level is not None else "—"
            why = text.t("ca.why.one_level", noun=text.t(f"ca.noun.{column}"), level=name)
            break
    else:
        why = text.t("ca.why.no_inertia", noun=text.t(f"ca.noun.{row}"))
    return text.t("ca.not_computable", why=why)


def show_correspondence(
    rep: Any,
    data: pd.DataFrame,
    variable: str,
    *,
    row: str = "domain",
    name: str | None = None,
) -> None:
    """The correspondence map of ``row`` x ``variable``, its first axis read, its tables."""
    name = name or f"ca_{row}_{variable}"
    try:
        ca = stats.correspondence(data, row, variable, n_components=2)
    except ValueError:
        rep.note(ca_not_computable_sentence(data, row, variable))
        return
    row_labels, col_labels = rep.labels(row), rep.labels(variable)
    noun = text.t(f"ca.legend.{variable}").lower()
    rep.show_figure(
        plots.ca_map(ca, row_labels, col_labels,
                     legend=(text.t(f"ca.legend.{row}"), text.t(f"ca.legend.{variable}"))),
        f"{name}_map", text.t("caption.ca.map", noun=noun),
    )
    rep.say(ca_axis_sentence(ca, row_labels, col_labels, row_variable=row, col_variable=variable))
    if ca.n_components < 2:
        rep.note(text.t("ca.one_axis"))
    rep.note(text.t("ca.describes"))
    rep.show_table(
        ca.eigenvalues, f"{name}_inertia", text.t("caption.ca.eigenvalues", noun=noun),
        columns={c: text.t(f"col.ca.{c}") for c in ca.eigenvalues.columns},
        formats={"eigenvalue": "number4", "inertia_share": "percent", "cumulative_inertia_share": "percent"},
    )
    coords = _coordinates_table(ca, rep, row, variable)
    dims = [d for d in (1, 2) if f"dim_{d}" in coords.columns]
    headers = {"variable": text.t("col.ca.variable"), "level_label": text.t("col.ca.level"),
               "mass": text.t("col.ca.mass")}
    headers.update({f"dim_{d}": text.t("col.ca.coordinate", n=d) for d in dims})
    headers.update({f"contribution_{d}": text.t("col.ca.contribution", n=d) for d in dims})
    rep.show_table(
        coords, f"{name}_coordinates", text.t("caption.ca.coordinates", noun=noun), columns=headers,
        formats={"mass": "percent", **{f"dim_{d}": "number3" for d in dims},
                 **{f"contribution_{d}": "number1" for d in dims}},
    )


def _coordinates_table(ca: stats.Correspondence, rep: Any, row: str, variable: str) -> pd.DataFrame:
    parts = []
    for which, var in (("rows", row), ("columns", variable)):
        long = getattr(ca, which)
        wide = ca.coordinates(which)
        contrib = long.pivot(index="level", columns="dimension", values="contribution")
        contrib.columns = [f"contribution_{d}" for d in contrib.columns]
        wide = wide.merge(contrib.reset_index(), on="level")
        labels = rep.labels(var)
        wide.insert(0, "variable", rep.taxonomy.header(var, rep.language))
        wide.insert(2, "level_label", [labels.get(v, v) for v in wide["level"]])
        parts.append(wide)
    return pd.concat(parts, ignore_index=True)


def show_planning(
    rep: Any,
    shares: Mapping[Any, pd.DataFrame],
    projects_per_city: Mapping[Any, float],
    cities_last: int,
    *,
    level: str = "education",
    differences: Sequence[float] = (0.03, 0.05, 0.10),
    power: float = 0.8,
    alpha: float = 0.05,
    name: str = "planning",
) -> None:
    """Cities the next edition needs, per harmonised domain: a table and a sentence for ``level``."""
    plan = stats.plan_editions(shares, projects_per_city, differences=differences, power=power, alpha=alpha)
    labels = rep.labels("domain")
    rep.say(planning_sentence(plan, level, labels.get(level, level), cities_last=cities_last,
                              power=power, alpha=alpha))
    wide = plan.pivot(index="level", columns="difference", values="cities")
    wide.columns = [f"cities_{round(100 * d)}" for d in wide.columns]
    first = plan.drop_duplicates("level").set_index("level")[["estimate", "design_effect"]]
    table = first.join(wide).reindex(plan["level"].drop_duplicates()).sort_values(
        "estimate", ascending=False, kind="stable").rename_axis("level").reset_index()
    headers = {"level": rep.taxonomy.header("domain", rep.language),
               "estimate": text.t("col.planning.share"),
               "design_effect": text.t("col.planning.design_effect")}
    for d in differences:
        headers[f"cities_{round(100 * d)}"] = text.t(
            "col.planning.cities", points=text.t("planning.points", n=text.fmt_number(100 * d, 0)))
    rep.show_table(
        table, name, text.t("caption.planning", power=text.fmt_percent(power, 0), alpha=text.fmt_percent(alpha, 0)),
        columns=headers, formats={"estimate": "percent", "design_effect": "number2"}, labels={"level": labels},
    )


def show_planning_methods(rep: Any, *, power: float = 0.8, alpha: float = 0.05) -> None:
    """The planning formula and its assumptions, for the methods chapter."""
    rep.say(text.t("planning.methods", power=text.fmt_percent(power, 0), alpha=text.fmt_percent(alpha, 0)))
