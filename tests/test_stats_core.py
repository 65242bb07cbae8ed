"""baro.stats without clustering against SciPy / statsmodels, and input checks."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats as sps
from statsmodels.stats.contingency_tables import cochrans_q, mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.proportion import proportion_confint

from baro import examples, stats
from baro.stats import design


@pytest.fixture(scope="module")
def projects():
    return examples.projects()


@pytest.fixture(scope="module")
def objectives():
    return examples.objectives()


# ---------------------------------------------------------------- shares
def test_shares_unclustered_match_statsmodels_wilson(projects):
    s = stats.shares(projects, "domain", confidence_level=0.9)
    counts = projects["domain"].value_counts()
    n = len(projects)
    want = counts.loc[s["level"]].to_numpy()
    assert_allclose(s["count"], want)
    p = want / n
    assert_allclose(s["estimate"], p)
    assert_allclose(s["se"], np.sqrt(p * (1 - p) / n))
    low, high = proportion_confint(want, n, alpha=0.1, method="wilson")
    assert_allclose(s["ci_low"], low, rtol=1e-12)
    assert_allclose(s["ci_high"], high, rtol=1e-12)
    assert (s["design_effect"] == 1).all()
    assert tuple(s.columns) == stats.SHARES_COLUMNS


def test_shares_order_and_zero_levels():
    d = pd.DataFrame({"x": ["b", "a", "c", "c", "a"]})
    assert stats.shares(d, "x")["level"].tolist() == ["a", "c", "b"]
    s = stats.shares(d, "x", levels=["c", "z", "a", "b"])
    assert s["level"].tolist() == ["c", "z", "a", "b"]
    assert s["count"].tolist() == [2, 0, 2, 1]
    with pytest.raises(ValueError, match="'x'.*not in the given levels"):
        stats.shares(d, "x", levels=["a", "b"])


def test_shares_with_one_row_per_cluster_is_the_with_replacement_variance():
    # svydesign(ids = ~1): V = p (1 - p) / (n - 1), i.e. deff = 1 exactly
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"x": rng.choice(list("abc"), 200), "g": np.arange(200)})
    s = stats.shares(d, "x", cluster="g")
    p = s["estimate"].to_numpy()
    assert_allclose(s["se"], np.sqrt(p * (1 - p) / 199), rtol=1e-12)
    assert_allclose(s["design_effect"], 1.0, rtol=1e-12)
    tq = sps.t.ppf(0.975, 199)
    eta = np.log(p / (1 - p))
    half = tq * s["se"] / (p * (1 - p))
    assert_allclose(s["ci_low"], 1 / (1 + np.exp(-(eta - half))), rtol=1e-12)


def test_shares_report_dropped_rows(projects):
    d = projects.copy()
    d.loc[:9, "domain"] = None
    s = stats.shares(d, "domain", cluster="city_id")
    assert s.attrs["n_dropped"] == 10 and s.attrs["n"] == 140
    assert s["count"].sum() == 140


# ---------------------------------------------------------- proportion test
def test_proportion_test_unclustered_is_the_exact_binomial_test(projects):
    top3 = ["transport", "education", "sante_social"]
    r = stats.proportion_test(projects, "domain", top3, null=3 / 11, alternative="greater")
    k = int(projects["domain"].isin(top3).sum())
    assert r.count == k and r.n == 150
    want = sps.binomtest(k, 150, 3 / 11, alternative="greater")
    assert_allclose(r.pvalue, want.pvalue, rtol=1e-12)
    low, high = proportion_confint(k, 150, alpha=0.05, method="wilson")
    assert_allclose([r.ci_low, r.ci_high], [low, high], rtol=1e-12)
    with pytest.raises(ValueError, match="do not occur in column 'domain'"):
        stats.proportion_test(projects, "domain", ["transprot"], null=0.5)


# -------------------------------------------------------- goodness of fit
def test_goodness_of_fit_unclustered_matches_scipy(projects):
    g = stats.goodness_of_fit(projects, "decision_mode")
    counts = projects["decision_mode"].value_counts().sort_index().to_numpy()
    want = sps.chisquare(counts)
    assert_allclose([g.statistic, g.pvalue], [want.statistic, want.pvalue], rtol=1e-12)
    assert g.dof == 2 and g.scale == 1
    exp = {"unilaterale": 2, "concertation": 2, "co_construction": 1}
    g2 = stats.goodness_of_fit(projects, "decision_mode", expected=exp)
    order = g2.table["level"].tolist()
    f_exp = np.array([exp[k] for k in order]) / 5 * 150
    obs = projects["decision_mode"].value_counts().loc[order].to_numpy()
    assert_allclose(g2.statistic, sps.chisquare(obs, f_exp).statistic, rtol=1e-12)
    assert math.isnan(g.pvalue_monte_carlo) and not g.warnings
    with pytest.raises(ValueError, match="'typo'.*column 'decision_mode'"):
        stats.goodness_of_fit(projects, "decision_mode", expected={**exp, "typo": 1},
                              levels=list(exp))
    with pytest.raises(ValueError, match="expected has 2 value"):
        stats.goodness_of_fit(projects, "decision_mode", expected=[1, 2])
    with pytest.raises(ValueError, match="must be a list of levels, not a string"):
        stats.goodness_of_fit(projects, "decision_mode", levels="unilaterale")
    assert tuple(g.table.columns) == stats.tests.GOF_TABLE_COLUMNS


def _exact_multinomial_pvalue(counts, p):
    n, k = int(sum(counts)), len(counts)
    e = n * np.asarray(p)
    x2_obs = np.sum((np.asarray(counts) - e) ** 2 / e)
    total = 0.0
    for c in itertools.product(range(n + 1), repeat=k - 1):
        if sum(c) > n:
            continue
        full = np.array([*c, n - sum(c)])
        if np.sum((full - e) ** 2 / e) >= x2_obs - 1e-9:
            total += sps.multinomial.pmf(full, n, p)
    return total


def test_goodness_of_fit_small_counts_warn_and_give_a_seeded_monte_carlo_pvalue():
    d = pd.DataFrame({"x": list("aaaaabbc")})
    g = stats.goodness_of_fit(d, "x", seed=7)
    assert [w.code for w in g.warnings] == ["small_expected"] and g.warnings[0]["monte_carlo"]
    exact = _exact_multinomial_pvalue([5, 2, 1], [1 / 3] * 3)
    assert abs(g.pvalue_monte_carlo - exact) < 0.02
    assert stats.goodness_of_fit(d, "x", seed=7).pvalue_monte_carlo == g.pvalue_monte_carlo


# ------------------------------------------------------------ association
def test_association_unclustered_matches_scipy(projects):
    a = stats.association(projects, "decision_mode", "citizens_involved")
    table = pd.crosstab(projects["decision_mode"], projects["citizens_involved"])
    want = sps.chi2_contingency(table.to_numpy(), correction=False)
    assert_allclose([a.statistic, a.pvalue], [want.statistic, want.pvalue], rtol=1e-12)
    assert a.dof == want.dof and a.design_effect == 1.0
    assert_allclose(
        a.cramers_v, sps.contingency.association(table.to_numpy(), method="cramer"), rtol=1e-12
    )
    r = a.residuals
    assert tuple(r.columns) == stats.RESIDUALS_COLUMNS
    got = r.set_index(["level_a", "level_b"])
    for i, j in itertools.product(table.index, table.columns):
        assert got.loc[(i, j), "observed"] == table.loc[i, j]
    exp = want.expected_freq[table.index.get_loc("unilaterale"), table.columns.get_loc(True)]
    assert_allclose(got.loc[("unilaterale", True), "expected"], exp, rtol=1e-12)
    holm = multipletests(r["pvalue"], method="holm")[1]
    assert_allclose(r["pvalue_adjusted"], holm, rtol=1e-12)


def test_cramers_v_bias_correction_worked_example():
    # Table [[12, 8], [8, 12]]: n = 40, X^2 = 4 * 2^2 / 10 = 1.6, phi^2 = 0.04.
    # Bergsma (2013): phi~^2 = 0.04 - 1/39; r~ = c~ = 2 - 1/39;
    # V~ = sqrt(phi~^2 / (r~ - 1)) = sqrt((0.04 - 1/39) / (38/39)) = sqrt(0.56/38).
    d = pd.DataFrame(
        {"r": ["a"] * 20 + ["b"] * 20, "c": ["x"] * 12 + ["y"] * 8 + ["x"] * 8 + ["y"] * 12}
    )
    a = stats.association(d, "r", "c")
    assert_allclose(a.chisq, 1.6, rtol=1e-12)
    assert_allclose(a.cramers_v, 0.2, rtol=1e-12)
    assert_allclose(a.cramers_v_corrected, math.sqrt(0.56 / 38), rtol=1e-12)
    # a perfect association stays 1 after correction; none is clipped at 0
    perfect = pd.DataFrame({"r": ["a"] * 10 + ["b"] * 10, "c": ["x"] * 10 + ["y"] * 10})
    assert_allclose(stats.association(perfect, "r", "c").cramers_v_corrected, 1.0)
    none = pd.DataFrame({"r": list("aabb") * 5, "c": list("xyxy") * 5})
    assert stats.association(none, "r", "c").cramers_v_corrected == 0.0


def test_association_small_counts_give_monte_carlo_pvalue(projects):
    a = stats.association(projects, "domain", "citizens_involved", seed=11, n_resamples=999)
    table = pd.crosstab(projects["domain"], projects["citizens_involved"]).to_numpy()
    expected = sps.contingency.expected_freq(table)
    assert a.warnings == (
        stats.results.small_expected(
            count=int((expected < 5).sum()), total=table.size, smallest=expected.min(), monte_carlo=True
        ),
    )
    want = sps.chi2_contingency(
        table, correction=False, method=sps.MonteCarloMethod(n_resamples=999, rng=11)
    )
    assert_allclose(a.pvalue_monte_carlo, want.pvalue)
    c = stats.association(projects, "domain", "citizens_involved", cluster="city_id")
    assert "small_expected" in [w.code for w in c.warnings] and math.isnan(c.pvalue_monte_carlo)
    assert not [w for w in c.warnings if w.code == "small_expected"][0]["monte_carlo"]


def test_clustered_adjusted_residuals_reduce_to_haberman_without_clustering():
    # one row per cluster: the linearised variance of p_ij - p_i p_j is close to
    # Haberman's under independence (exactly so as n grows)
    rng = np.random.default_rng(5)
    n = 20000
    d = pd.DataFrame(
        {"r": rng.choice(list("abc"), n), "c": rng.choice(list("xy"), n), "g": np.arange(n)}
    )
    plain = stats.association(d, "r", "c").residuals["adjusted_residual"]
    clus = stats.association(d, "r", "c", cluster="g").residuals["adjusted_residual"]
    assert_allclose(clus, plain, atol=0.02)


def test_residuals_observed_are_the_counts_of_rows_unless_weighted(projects):
    # equal weights: whole counts, as pandas crosstab counts them; unequal
    # weights: R's svytable scaled to n, which need not be whole
    a = stats.association(projects, "domain", "citizens_involved", cluster="city_id")
    want = pd.crosstab(projects["domain"], projects["citizens_involved"]).stack()
    got = a.residuals.set_index(["level_a", "level_b"])["observed"]
    assert got.dtype == np.int64
    assert (got == want.reindex(got.index)).all()
    w = projects.assign(w=np.where(projects.groupby("city_id").ngroup() % 2 == 0, 1.0, 3.0))
    weighted = stats.Design(w, cluster="city_id", weights="w")
    obs = stats.association(weighted, "domain", "citizens_involved").residuals["observed"]
    assert obs.dtype == float and abs(obs.sum() - len(w)) < 1e-9


# ---------------------------------------------------------------- pairwise
def test_pairwise_unclustered_multinomial_se_and_holm(projects):
    pw = stats.pairwise_shares(projects, "decision_mode")
    n = len(projects)
    share = projects["decision_mode"].value_counts(normalize=True)
    for _, row in pw.iterrows():
        pa, pb = share[row["level_a"]], share[row["level_b"]]
        assert_allclose(row["difference"], pa - pb, rtol=1e-12)
        assert_allclose(row["se"], math.sqrt((pa + pb - (pa - pb) ** 2) / n), rtol=1e-12)
    assert_allclose(pw["pvalue"], 2 * sps.norm.sf(np.abs(pw["statistic"])), rtol=1e-12)
    assert_allclose(pw["pvalue_adjusted"], multipletests(pw["pvalue"], method="holm")[1])
    assert tuple(pw.columns) == stats.PAIRWISE_COLUMNS


@settings(max_examples=15, deadline=None)  # statsmodels collects garbage per call
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30),
    st.sampled_from(["holm", "bonferroni", "fdr_bh"]),
)
def test_adjust_pvalues_equal_statsmodels(p, method):
    got = design.adjust_pvalues(np.array(p), method)
    assert_allclose(got, multipletests(p, method=method)[1], rtol=1e-12, atol=1e-15)


def test_compact_letters():
    pw = pd.DataFrame(
        {
            "level_a": ["a", "a", "a", "b", "b", "c"],
            "level_b": ["b", "c", "d", "c", "d", "d"],
            "pvalue_adjusted": [0.5, 0.01, 0.001, 0.2, 0.03, 0.4],
        }
    )
    got = dict(zip(*stats.compact_letters(pw).to_dict("list").values()))
    assert got == {"a": "a", "b": "ab", "c": "bc", "d": "c"}
    for la, lb, p in pw.itertuples(index=False):
        shares_letter = bool(set(got[la]) & set(got[lb]))
        assert shares_letter == (p >= 0.05)


# -------------------------------------------------------- compare editions
def test_compare_editions_unclustered_matches_statsmodels_wald(projects):
    a, b = projects.iloc[:70], projects.iloc[70:]
    c = stats.compare_editions(a, b, "citizens_involved")
    row = c.loc[c["level"].map(lambda v: v is True)].iloc[0]
    ka, kb = int(a["citizens_involved"].sum()), int(b["citizens_involved"].sum())
    want = sm_proportion.test_proportions_2indep(kb, len(b), ka, len(a), method="wald", compare="diff")
    assert_allclose([row["statistic"], row["pvalue"]], [want.statistic, want.pvalue], rtol=1e-10)
    assert tuple(c.columns) == stats.COMPARE_COLUMNS
    half = row["ci_high"] - row["difference"]
    assert_allclose(half, sps.norm.ppf(0.975) * row["se"])


def test_compare_editions_level_missing_in_one_edition():
    a = pd.DataFrame({"x": list("aab")})
    b = pd.DataFrame({"x": list("abcc")})
    c = stats.compare_editions(a, b, "x")
    assert c["level"].tolist() == ["a", "b", "c"]  # combined counts 3, 2, 2
    assert c.set_index("level").loc["c", "estimate_a"] == 0


def test_compare_editions_compare_keeps_shares_and_adjusts_over_the_subset(projects):
    a, b = projects.iloc[:70], projects.iloc[70:]
    full = stats.compare_editions(a, b, "domain", cluster="city_id", adjust="none").set_index("level")
    subset = ["education", "transport"]
    c = stats.compare_editions(a, b, "domain", cluster="city_id", compare=subset)
    assert c["level"].tolist() == subset
    for col in ("estimate_a", "estimate_b", "difference", "se", "pvalue"):
        assert_allclose(c[col].to_numpy(), full.loc[subset, col].to_numpy(), rtol=1e-12)
    want = multipletests(full.loc[subset, "pvalue"].to_numpy(), method="holm")[1]
    assert_allclose(c["pvalue_adjusted"].to_numpy(), want, rtol=1e-12)


def test_compare_editions_compare_level_seen_nowhere_has_zero_shares():
    a = pd.DataFrame({"x": list("aab")})
    b = pd.DataFrame({"x": list("abb")})
    c = stats.compare_editions(a, b, "x", compare=["z", "a"]).set_index("level")
    assert c.loc["z", "estimate_a"] == 0 and c.loc["z", "estimate_b"] == 0
    with pytest.raises(ValueError, match="compare"):
        stats.compare_editions(a, b, "x", compare=[])


# ------------------------------------------------------------- objectives
def test_incomplete_ranks_take_the_mean_of_unused_ranks():
    d = pd.DataFrame(
        {
            "city_id": ["V1"] * 5,
            "objective": list("abcde"),
            "rank": pd.array([1, 3, 2, None, None], dtype="Int64"),
        }
    )
    d2 = pd.concat([d, d.assign(city_id="V2", rank=pd.array([2, 1, None, None, 3], dtype="Int64"))])
    r = stats.rank_agreement(d2)
    got = r.ranking.set_index("level")["mean_rank"]
    assert_allclose(got.loc[["a", "b", "c", "d", "e"]], [1.5, 2, 3.25, 4.5, 3.75])
    assert "4.5" in r.incomplete_rule


def test_rank_agreement_matches_scipy_friedman_and_kendall_w(objectives):
    r = stats.rank_agreement(objectives)
    wide = objectives.pivot(index="city_id", columns="objective", values="rank")
    ranks = wide.to_numpy(dtype=float, na_value=np.nan)
    m = ranks.shape[1]
    for row in ranks:  # the rule, written out
        missing = np.isnan(row)
        unused = sorted(set(range(1, m + 1)) - set(row[~missing].astype(int)))
        row[missing] = np.mean(unused) if unused else np.nan
    want = sps.friedmanchisquare(*ranks.T)
    assert_allclose([r.statistic, r.pvalue], [want.statistic, want.pvalue], rtol=1e-12)
    assert_allclose(r.kendall_w, want.statistic / (ranks.shape[0] * (m - 1)))
    assert tuple(r.ranking.columns) == stats.RANKING_COLUMNS
    assert r.ranking["mean_rank"].is_monotonic_increasing


def test_kendall_w_textbook_formula_on_complete_rankings():
    # 4 judges rank 3 items, no ties: W = 12 S / (m^2 (n^3 - n))
    ranks = np.array([[1, 2, 3], [1, 3, 2], [2, 1, 3], [1, 2, 3]])
    d = pd.DataFrame(
        [(f"J{j}", f"i{i}", int(ranks[j, i])) for j in range(4) for i in range(3)],
        columns=["city_id", "objective", "rank"],
    )
    rj = ranks.sum(axis=0)
    s_dev = np.sum((rj - rj.mean()) ** 2)
    assert_allclose(stats.rank_agreement(d).kendall_w, 12 * s_dev / (16 * (27 - 3)))


def test_cochran_q_and_mcnemar_match_statsmodels(objectives):
    q = stats.cochran_q(objectives)
    wide = objectives.assign(c=objectives["rank"].notna().astype(int)).pivot(
        index="city_id", columns="objective", values="c"
    )
    want = cochrans_q(wide.to_numpy())
    assert_allclose([q.statistic, q.pvalue], [want.statistic, want.pvalue], rtol=1e-12)
    assert q.dof == want.df
    pw = q.pairwise
    assert tuple(pw.columns) == stats.MCNEMAR_COLUMNS
    first = pw.iloc[0]
    xa, xb = wide[first["level_a"]].to_numpy(), wide[first["level_b"]].to_numpy()
    tab = [[np.sum(xa & xb), np.sum(xa & (1 - xb))], [np.sum((1 - xa) & xb), np.sum((1 - xa) & (1 - xb))]]
    assert_allclose(first["pvalue"], mcnemar(tab, exact=True).pvalue)
    assert_allclose(pw["pvalue_adjusted"], multipletests(pw["pvalue"], method="holm")[1])


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "call",
    [
        lambda d: stats.shares(d, "nope"),
        lambda d: stats.shares(d, "domain", cluster="nope"),
        lambda d: stats.goodness_of_fit(d, "nope"),
        lambda d: stats.pairwise_shares(d, "nope"),
        lambda d: stats.association(d, "domain", "nope"),
        lambda d: stats.proportion_test(d, "nope", ["x"], null=0.5),
        lambda d: stats.compare_editions(d, d, "nope"),
    ],
)
def test_missing_column_is_a_keyerror_naming_it(projects, call):
    with pytest.raises(KeyError, match="'nope'.*available columns: project_id"):
        call(projects)


def test_bad_input_errors_name_the_column(projects):
    one = projects.assign(domain="transport")
    with pytest.raises(ValueError, match="column 'domain' has 1 level"):
        stats.shares(one, "domain")
    with pytest.raises(ValueError, match="column 'domain' has 1 level"):
        stats.association(one, "domain", "decision_mode", cluster="city_id")
    with pytest.raises(ValueError, match="no rows to analyse.*'domain'"):
        stats.shares(projects.iloc[:0], "domain")
    with pytest.raises(ValueError, match="no rows to analyse.*'domain'"):
        stats.goodness_of_fit(projects.assign(domain=None), "domain")
    holes = projects.copy()
    holes.loc[3, "city_id"] = None
    with pytest.raises(ValueError, match="cluster column 'city_id' has 1 missing"):
        stats.shares(holes, "domain", cluster="city_id")
    with pytest.raises(ValueError, match="confidence_level"):
        stats.shares(projects, "domain", confidence_level=95)
    with pytest.raises(ValueError, match="adjust='tukey'"):
        stats.pairwise_shares(projects, "domain", adjust="tukey")
    with pytest.raises(ValueError, match="alternative"):
        stats.proportion_test(projects, "domain", ["transport"], null=0.5, alternative="bigger")
    with pytest.raises(ValueError, match="column 'rank' must hold whole ranks from 1 to 5"):
        stats.rank_agreement(examples.objectives().assign(rank=9))


def test_dropped_rows_are_counted_everywhere(projects):
    d = projects.astype({"citizens_involved": object})
    d.loc[[1, 2, 3], "citizens_involved"] = None
    a = stats.association(d, "domain", "citizens_involved", cluster="city_id")
    assert a.n_dropped == 3 and a.n == 147
    g = stats.goodness_of_fit(d, "citizens_involved", cluster="city_id")
    assert g.n_dropped == 3


# ------------------------------------------------------------ results
def test_results_are_frozen_with_repr_and_one_row_frames(projects, objectives):
    results = [
        stats.association(projects, "decision_mode", "citizens_involved", cluster="city_id"),
        stats.goodness_of_fit(projects, "domain", cluster="city_id"),
        stats.proportion_test(projects, "decision_mode", ["unilaterale"], null=0.5),
        stats.rank_agreement(objectives),
        stats.cochran_q(objectives),
    ]
    for r in results:
        with pytest.raises(dataclasses.FrozenInstanceError):
            r.pvalue = 0.0
        assert repr(r).startswith(type(r).__name__ + "(") and "pvalue=" in repr(r)
        frame = r.to_frame()
        assert len(frame) == 1 and "pvalue" in frame.columns and "statistic" in frame.columns
        assert all(c == c.lower() and c.isidentifier() for c in frame.columns)


# ------------------------------------------------------------ factorize
LEVELS = ["a", "b", "cc", "", "é"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([*LEVELS, None]), min_size=1, max_size=200),
       st.sampled_from(["str", "object", "category", "ordered"]), st.booleans())
def test_factorize_equals_pandas(values, kind, sort):
    plain = pd.Series(np.array(values, dtype=object), dtype="str")
    if kind in ("category", "ordered"):
        # categories in an order of their own, one never observed
        cats = [*reversed(LEVELS), "zz"]
        arr = pd.Series(pd.Categorical(values, categories=cats, ordered=kind == "ordered"))
    else:
        arr = pd.Series(np.array(values, dtype=object), dtype=kind)
    got = design.factorize(arr, sort=sort)
    if kind in ("category", "ordered"):
        # every category, observed or not, as R keeps a factor's levels:
        # sorted for an unordered categorical with sort, else in their order
        uniq = sorted(cats) if kind == "category" and sort else cats
        codes = [uniq.index(v) if v is not None else -1 for v in values]
        assert got[0].tolist() == codes and got[1] == uniq
        return
    codes, uniq = pd.factorize(arr, sort=sort)
    assert got[0].tolist() == codes.tolist() and got[1] == list(uniq)


def test_factorize_categorical_keeps_every_category():
    arr = pd.Series(pd.Categorical(["b", "c", None, "b"], categories=["c", "a", "b"]))
    codes, uniq = design.factorize(arr)
    assert codes.tolist() == [1, 2, -1, 1] and uniq == ["a", "b", "c"]
    codes, uniq = design.factorize(arr, sort=False)
    assert codes.tolist() == [2, 0, -1, 2] and uniq == ["c", "a", "b"]


def test_numeric_codes_come_back_as_written():
    d = pd.DataFrame({"x": [1, 2, None, 2], "g": [1, 1, 2, 2]})
    assert d["x"].dtype.kind == "f"
    s = stats.shares(d, "x")
    assert sorted(s["level"].tolist()) == [1, 2]
    assert all(type(v) is int for v in s["level"])
    # the levels given as the codes select the same rows as the data's floats
    assert stats.shares(d, "x", levels=[1, 2])["count"].tolist() == [1, 2]


def test_objectives_ignore_an_item_no_row_names():
    # a categorical of the taxonomy's codes keeps an objective the edition did
    # not offer; it has no row, so it takes no part in the ranks or the pairs
    o = examples.objectives()
    cats = sorted(o["objective"].unique()) + ["not_offered"]
    c = o.assign(objective=pd.Categorical(o["objective"], categories=cats))
    plain, coded = stats.rank_agreement(o), stats.rank_agreement(c)
    assert coded.n_levels == plain.n_levels and coded.statistic == plain.statistic
    pd.testing.assert_frame_equal(coded.ranking.astype({"level": str}), plain.ranking.astype({"level": str}))
    assert len(stats.cochran_q(c).pairwise) == len(stats.cochran_q(o).pairwise)
