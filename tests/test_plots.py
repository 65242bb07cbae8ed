"""House-style figures: a Figure with the expected bars, labels and order."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from baro import plots, text


def shares_frame():
    return pd.DataFrame(
        {
            "level": ["education", "transport", "securite"],
            "count": [125, 131, 20],
            "estimate": [0.154, 0.162, 0.025],
            "ci_low": [0.12, 0.13, 0.01],
            "ci_high": [0.19, 0.20, 0.04],
        }
    )


def ticklabels(axis):
    return [t.get_text() for t in axis.get_ticklabels()]


def test_shares_plot_sorted_with_taxonomy_labels():
    fig = plots.shares_plot(shares_frame(), variable="domain")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert ticklabels(ax.yaxis) == ["Transport", "Éducation", "Sécurité"]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([0.025, 0.154, 0.162])
    # French percent ticks
    fig.canvas.draw()
    assert any("\xa0%" in t for t in ticklabels(ax.xaxis))
    assert fig.get_figwidth() == pytest.approx(plots.WIDTH)


def test_shares_plot_missing_column():
    with pytest.raises(KeyError, match="ci_high"):
        plots.shares_plot(shares_frame().drop(columns="ci_high"))


def test_plots_do_not_change_global_style():
    before = dict(matplotlib.rcParams)
    plots.shares_plot(shares_frame(), variable="domain")
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]
    assert matplotlib.rcParams["font.size"] == before["font.size"]


def test_residual_heatmap_annotated_and_centred():
    res = pd.DataFrame(
        {
            "level_a": ["transport", "transport", "education", "education"],
            "level_b": [True, False, True, False],
            "adjusted_residual": [2.5, -2.5, -1.25, 1.25],
        }
    )
    fig = plots.residual_heatmap(res, row_variable="domain", col_labels={True: "impliqués", False: "non"})
    ax = fig.axes[0]
    assert ticklabels(ax.yaxis) == ["Transport", "Éducation"]
    assert ticklabels(ax.xaxis) == ["impliqués", "non"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["2,5", "\u22122,5", "\u22121,2", "1,2"])
    mesh = ax.collections[0]
    lo, hi = mesh.get_clim()
    assert lo == -hi


def test_comparison_plot_one_series_per_edition():
    a = shares_frame()
    b = shares_frame().assign(estimate=[0.12, 0.15, 0.03])
    fig = plots.comparison_plot({2013: a, 2014: b}, variable="domain")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2013", "2014"]
    assert len(ax.containers) == 2  # one errorbar container per edition
    assert ticklabels(ax.yaxis) == ["Transport", "Éducation", "Sécurité"]


def test_comparison_plot_level_missing_in_one_edition():
    a = shares_frame()
    b = shares_frame().iloc[:2]
    fig = plots.comparison_plot({2013: a, 2014: b}, variable="domain")
    lines = fig.axes[0].containers
    assert len(lines[0].lines[0].get_xdata()) == 3 and len(lines[1].lines[0].get_xdata()) == 2


def test_ranking_plot_best_first():
    r = pd.DataFrame({"level": ["attractivite", "qualite_service", "developpement_durable"],
                      "mean_rank": [2.1, 1.4, 4.6]})
    fig = plots.ranking_plot(r, n_levels=5)
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert ticklabels(ax.yaxis) == ["Qualité de service aux administrés", "Attractivité", "Développement durable"]
    assert [t.get_text() for t in ax.texts] == ["1,40", "2,10", "4,60"]
    assert ax.get_xlim()[1] == pytest.approx(5.3)


def test_dollar_in_label_is_literal():
    fig = plots.shares_plot(shares_frame(), labels={"transport": "a $b$"})
    fig.canvas.draw()
    assert "a \\$b\\$" in ticklabels(fig.axes[0].yaxis)


def test_set_style_applies_palette():
    with matplotlib.rc_context():
        plots.set_style()
        assert matplotlib.rcParams["axes.grid"]
        colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert len(colours) == 10 and np.ndim(colours[0]) == 1


def test_residual_heatmap_column_order():
    res = pd.DataFrame({"level_a": ["a", "a"], "level_b": [False, True], "adjusted_residual": [-1.0, 1.0]})
    fig = plots.residual_heatmap(res, col_order=[True, False], col_labels={True: "oui", False: "non"})
    assert ticklabels(fig.axes[0].xaxis) == ["oui", "non"]
    with pytest.raises(ValueError, match="col_order"):
        plots.residual_heatmap(res, col_order=["x"])


def test_residual_heatmap_row_order_keeps_values_with_their_rows():
    res = pd.DataFrame({
        "level_a": ["a", "b", "c"], "level_b": [True] * 3, "adjusted_residual": [1.0, 2.0, 3.0],
    })
    fig = plots.residual_heatmap(res, row_order=["c", "a"])
    ax = fig.axes[0]
    assert ticklabels(ax.yaxis) == ["c", "a", "b"]
    by_row = {round(t.get_position()[1] - 0.5): t.get_text() for t in ax.texts}
    assert by_row == {0: "3,0", 1: "1,0", 2: "2,0"}


def test_percent_ticks_are_not_misleading():
    fig = plots.shares_plot(shares_frame(), variable="domain")
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    labels = ticklabels(fig.axes[0].xaxis)
    for value, label in zip(ticks, labels):
        shown = float(label.replace("\xa0%", "").replace(",", ".").replace("\u2212", "-"))
        assert shown == pytest.approx(100 * value, abs=1e-6)


# ------------------------------------------------------------ correspondence map
def _label_boxes(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    return [t.get_window_extent(renderer) for t in ax.texts], ax


@pytest.mark.parametrize("year,col", [(2013, "management_mode"), (2014, "management_mode"), (2014, "population_band"),
                                      (2015, "population_band")])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_ca_map_labels_overlap_neither_each_other_nor_the_axes_edge(year, col, language):
    from baro import editions, stats

    t = editions.load(year).tables
    data = t.projects.merge(t.cities, on="city_id")
    ca = stats.correspondence(data, "domain", col)
    with text.use_language(language):
        fig = plots.ca_map(ca, row_variable="domain", col_variable=col)
        boxes, ax = _label_boxes(fig)
    assert len(boxes) == ca.rows["level"].nunique() + ca.columns["level"].nunique()
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)
    frame = ax.get_window_extent()
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    # the figure is saved without a tight box: axis titles and ticks lie inside it
    fig_box, drawn = fig.bbox, ax.get_tightbbox()
    assert ax.get_ylabel() and ax.get_xlabel()
    assert fig_box.x0 <= drawn.x0 and drawn.x1 <= fig_box.x1 and fig_box.y0 <= drawn.y0 and drawn.y1 <= fig_box.y1
    shares = ca.eigenvalues["inertia_share"]
    assert text.fmt_percent(float(shares[0]), 1, language=language) in ax.get_xlabel()
    assert text.fmt_percent(float(shares[1]), 1, language=language) in ax.get_ylabel()


def test_ca_map_has_one_scale_on_both_axes():
    from baro import examples, stats

    fig = plots.ca_map(stats.correspondence(examples.projects(), "domain", "decision_mode"))
    ax = fig.axes[0]
    pos = ax.get_position()
    w, h = fig.get_size_inches()
    per_inch_x = (ax.get_xlim()[1] - ax.get_xlim()[0]) / (pos.width * w)
    per_inch_y = (ax.get_ylim()[1] - ax.get_ylim()[0]) / (pos.height * h)
    assert per_inch_x == pytest.approx(per_inch_y)


def test_repel_labels_is_deterministic_and_separates_crowded_labels():
    rng = np.random.default_rng(4)
    anchors = rng.normal(300, 30, size=(20, 2))
    sizes = np.column_stack([rng.uniform(40, 140, 20), np.full(20, 12.0)])
    a = plots.repel_labels(anchors, sizes, (0, 0, 640, 480))
    b = plots.repel_labels(anchors, sizes, (0, 0, 640, 480))
    np.testing.assert_array_equal(a, b)
    assert not plots.overlapping_boxes(a, sizes, pad=1.9).any()


def test_repel_labels_prefers_a_near_place_whose_line_crosses_no_label():
    # point 0's label sits to its right; point 1 lies just below point 0, and
    # its first places (right, left, above) are taken or cross label 0
    anchors = np.array([[100.0, 100.0], [100.0, 90.0]])
    sizes = np.array([[60.0, 10.0], [60.0, 10.0]])
    c = plots.repel_labels(anchors, sizes, (0, 0, 400, 400))
    line = plots.leader_line(anchors[1], c[1], sizes[1])
    if line is not None:
        pts = line[0] + np.linspace(0.1, 1, 50)[:, None] * (line[1] - line[0])
        half = sizes[0] / 2
        assert not np.any(np.all(np.abs(pts - c[0]) < half, axis=1))
    assert not plots.overlapping_boxes(c, sizes, pad=1.9).any()
