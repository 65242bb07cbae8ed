"""baro.stats.Design: behaviour that R's figures do not cover."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from baro import examples, stats


def test_shorthand_equals_the_design():
    d = examples.projects()
    a = stats.shares(d, "domain", cluster="city_id")
    b = stats.shares(stats.Design(d, cluster="city_id"), "domain")
    pd.testing.assert_frame_equal(a, b, check_like=False)
    with pytest.raises(ValueError, match="shorthand"):
        stats.shares(stats.Design(d, cluster="city_id"), "domain", cluster="city_id")


def test_post_stratifying_clusters_equals_rows_when_one_row_per_cluster():
    rng = np.random.default_rng(1)
    cities = pd.DataFrame({
        "city_id": [f"C{i}" for i in range(40)],
        "band": rng.choice(["a", "b", "c"], 40),
        "x": rng.choice(["y", "n"], 40),
        "N": 120,
    })
    pop = {"a": 50, "b": 40, "c": 30}
    rows = stats.Design(cities, cluster="city_id", fpc="N").post_stratify("band", pop)
    clus = stats.Design(cities, cluster="city_id", fpc="N").post_stratify("band", pop, count="clusters")
    assert_allclose(rows.weights, clus.weights)
    a, b = stats.shares(rows, "x"), stats.shares(clus, "x")
    assert_allclose(a["se"], b["se"], rtol=1e-12)
    # weights of clusters carried to their projects: the clusters of a band
    # sum to its count whatever their number of rows
    projects = cities.loc[cities.index.repeat(rng.integers(1, 6, 40))].reset_index(drop=True)
    pj = stats.Design(projects, cluster="city_id", fpc="N").post_stratify("band", pop, count="clusters")
    per_city = pd.Series(pj.weights).groupby(projects["city_id"]).first()
    assert_allclose(per_city.groupby(cities.set_index("city_id")["band"]).sum()[list(pop)], list(pop.values()))


def test_post_stratify_refuses_unknown_or_missing_strata():
    d = pd.DataFrame({"g": ["a", "b", "a"], "x": [1, 2, 1]})
    des = stats.Design(d)
    with pytest.raises(ValueError, match="lacks level"):
        des.post_stratify("g", {"a": 10})
    with pytest.raises(ValueError, match="no row of the sample"):
        des.post_stratify("g", {"a": 10, "b": 5, "c": 3})


def test_nest_and_clusters_across_strata():
    d = pd.DataFrame({"s": [1, 1, 2, 2], "c": [1, 2, 1, 2], "x": ["a", "b", "a", "a"]})
    with pytest.raises(ValueError, match="nest=True"):
        stats.Design(d, cluster="c", strata="s")
    des = stats.Design(d, cluster="c", strata="s", nest=True)
    assert des.n_clusters == 4 and des.dof == 2


def test_fpc_larger_sample_than_population_is_refused():
    d = pd.DataFrame({"c": [1, 2, 3], "N": [2, 2, 2], "x": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="population of 2"):
        stats.Design(d, cluster="c", fpc="N")


def test_fpc_shrinks_the_variance_by_the_sampling_fraction():
    d = examples.projects()
    n_cities = d["city_id"].nunique()
    plain = stats.shares(d, "decision_mode", cluster="city_id")
    finite = stats.shares(stats.Design(d.assign(N=3 * n_cities), cluster="city_id", fpc="N"),
                          "decision_mode")
    assert_allclose(finite["estimate"], plain["estimate"])
    assert_allclose(finite["se"] ** 2, plain["se"] ** 2 * (1 - 1 / 3))


def test_categorical_categories_kept_and_association_levels():
    d = examples.projects()
    cats = ["unilaterale", "concertation", "co_construction", "jamais"]
    d = d.assign(decision_mode=pd.Categorical(d["decision_mode"], categories=cats))
    s = stats.shares(d, "decision_mode", cluster="city_id")
    assert set(s["level"]) == set(cats)
    assert int(s.loc[s["level"] == "jamais", "count"].iloc[0]) == 0
    # association drops the empty category, as svychisq
    a = stats.association(d, "decision_mode", "citizens_involved", cluster="city_id")
    assert a.dof_first_order == 2
    b = stats.association(d, "decision_mode", "citizens_involved", cluster="city_id",
                          levels={"decision_mode": cats[:3][::-1]})
    assert_allclose(a.statistic, b.statistic, rtol=1e-12)
    assert b.residuals["level_a"].iloc[0] == "co_construction"
    with pytest.raises(ValueError, match="not in the given levels"):
        stats.association(d, "decision_mode", "citizens_involved", cluster="city_id",
                          levels={"decision_mode": cats[:2]})


def sparse_table(seed, n_clusters=25):
    """Row levels pinned to one column each (even seeds: one such row, whose
    empty cells leave the test defined; odd seeds: six, which make it
    singular), the other rows spread over the columns."""
    rng = np.random.default_rng(seed)
    pinned = 1 if seed % 2 == 0 else 6
    rows = []
    for g in range(n_clusters):
        for _ in range(rng.integers(2, 8)):
            r = int(rng.integers(0, 9))
            c = r % 3 if r < pinned else int(rng.integers(0, 3))
            rows.append((f"G{g}", f"r{r}", f"c{c}"))
    return pd.DataFrame(rows, columns=["g", "row", "col"])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.permutations(range(9)), st.permutations(range(3)), st.booleans())
def test_rao_scott_does_not_depend_on_level_order_or_names(seed, prow, pcol, transpose):
    d = sparse_table(seed % 8)
    renamed = d.assign(
        row=d["row"].map({f"r{i}": f"z{prow[i]}" for i in range(9)}),
        col=d["col"].map({f"c{j}": f"k{pcol[j]}" for j in range(3)}),
    )
    first = ("row", "col") if not transpose else ("col", "row")

    def run(frame, pair):
        try:
            a = stats.association(frame, *pair, cluster="g")
        except ValueError as e:
            assert "empty cell(s)" in str(e)
            return "refused"
        return (a.statistic, a.dof[0], a.pvalue)

    want = run(d, ("row", "col"))
    got = run(renamed, first)
    if want == "refused":
        assert got == "refused"
    else:
        assert got != "refused"
        assert_allclose(got, want, rtol=1e-8)


def test_rake_meets_every_margin_and_says_when_it_cannot():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"a": rng.choice(["x", "y"], 300), "b": rng.choice(["u", "v", "w"], 300)})
    margins = {"a": {"x": 600, "y": 400}, "b": {"u": 300, "v": 300, "w": 400}}
    r = stats.Design(d).rake(margins, epsilon=1e-6)
    for col, pop in margins.items():
        got = pd.Series(r.weights).groupby(d[col]).sum()
        assert_allclose(got[list(pop)], list(pop.values()), atol=1e-5)
    # margins that disagree on the total cannot all be met
    with pytest.raises(ValueError, match="cannot meet the margin of 'a'"):
        stats.Design(d).rake({"a": {"x": 600, "y": 400}, "b": {"u": 30, "v": 30, "w": 40}}, epsilon=1e-9)


def test_merged_two_way_test_takes_a_design():
    d = examples.projects()
    plain = stats.association_merged(d, "domain", "decision_mode", cluster="city_id")
    des = stats.association_merged(stats.Design(d, cluster="city_id"), "domain", "decision_mode")
    assert plain.col_levels == des.col_levels and plain.merged == des.merged
    assert_allclose([des.test.statistic, des.test.pvalue], [plain.test.statistic, plain.test.pvalue], rtol=1e-12)
    # weighted: the same merging (sample counts), a test on the weights
    w = d.assign(w=d["city_id"].map({c: 1.0 + i % 3 for i, c in enumerate(sorted(d["city_id"].unique()))}))
    wt = stats.association_merged(stats.Design(w, cluster="city_id", weights="w"), "domain", "decision_mode")
    assert wt.col_levels == plain.col_levels and wt.test.statistic != plain.test.statistic
