"""baro.stats against R's survey package (figures in tests/reference/).

tests/reference/survey_reference.R made the data sets and the figures in
survey_reference.json with ``svydesign(ids = ~city_id, data = d)``; R is
not needed to run these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from baro import stats

REF = Path(__file__).parent / "reference"
FIGURES = json.loads((REF / "survey_reference.json").read_text())
DATASETS = ["few_clusters", "many_clusters", "rare_level", "example", "with_missing"]
VARIABLES = ["domain", "decision_mode", "citizens_involved"]
PAIRS = [
    ("domain", "citizens_involved"),
    ("domain", "decision_mode"),
    ("decision_mode", "citizens_involved"),
]
RTOL = 1e-6
# svyciprop's intervals come from svyglm, which stops at glm's default
# convergence tolerance: they agree to about 2e-7 here (to 1e-14 with
# glm.control(epsilon = 1e-14)).


def load(name: str) -> pd.DataFrame:
    if name == "example":
        root = Path(__file__).parent.parent / "baro" / "data"
        d = pd.read_csv(root / "example_projects.csv")
        d["citizens_involved"] = np.where(d["citizens_involved"], "yes", "no")
        return d
    return pd.read_csv(REF / f"{name}.csv")


def aslist(x):
    return x if isinstance(x, list) else [x]


@pytest.fixture(scope="module", params=DATASETS)
def case(request):
    return request.param, load(request.param), FIGURES[request.param]


def test_reference_data_have_the_intended_shapes():
    few = load("few_clusters")
    many = load("many_clusters")
    rare = load("rare_level")
    assert few["city_id"].nunique() == 8
    assert many["city_id"].nunique() == 200
    assert (rare["domain"] == "securite").sum() == 3
    holes = load("with_missing")
    assert holes["domain"].isna().sum() == 10 and holes["decision_mode"].isna().sum() == 2
    # every project of V01 lacks a domain: the city stays in the design
    assert stats.shares(holes, "domain", cluster="city_id").attrs["n_clusters"] == 12


@pytest.mark.parametrize("var", VARIABLES)
def test_shares_match_svymean_and_svyciprop(case, var):
    _, d, ref = case
    r = ref[var]
    s = stats.shares(d, var, cluster="city_id", levels=r["level"])
    assert s["level"].tolist() == aslist(r["level"])
    assert_allclose(s["estimate"], r["mean"], rtol=RTOL)
    assert_allclose(s["se"], r["se"], rtol=RTOL)
    assert_allclose(s["design_effect"], r["deff_replace"], rtol=RTOL)
    assert_allclose(s["ci_low"], r["ci_low"], rtol=RTOL)
    assert_allclose(s["ci_high"], r["ci_high"], rtol=RTOL)
    s90 = stats.shares(d, var, cluster="city_id", levels=r["level"], confidence_level=0.9)
    assert_allclose(s90["ci_low"], r["ci90_low"], rtol=RTOL)
    assert_allclose(s90["ci_high"], r["ci90_high"], rtol=RTOL)
    assert s.attrs["n"] + s.attrs["n_dropped"] == ref["n"]
    assert s.attrs["n_clusters"] == ref["n_clusters"]
    assert s.attrs["dof"] == ref["degf"]


@pytest.mark.parametrize("var", VARIABLES)
def test_pairwise_shares_match_svycontrast(case, var):
    _, d, ref = case
    r = ref[var]
    c = {k: aslist(v) for k, v in r["contrast"].items()}
    pw = stats.pairwise_shares(d, var, cluster="city_id", levels=r["level"])
    assert pw["level_a"].tolist() == c["level_a"]
    assert pw["level_b"].tolist() == c["level_b"]
    assert_allclose(pw["difference"], c["difference"], rtol=RTOL, atol=1e-15)
    assert_allclose(pw["se"], np.ravel(c["se"]), rtol=RTOL)


@pytest.mark.parametrize("var", VARIABLES)
@pytest.mark.parametrize("which", ["gof_equal", "gof_unequal"])
def test_goodness_of_fit_matches_svygofchisq(case, var, which):
    _, d, ref = case
    r = ref[var]
    expected = None if which == "gof_equal" else aslist(r[which]["p"])
    g = stats.goodness_of_fit(
        d, var, cluster="city_id", levels=aslist(r["level"]), expected=expected
    )
    want = r[which]
    assert_allclose(
        [g.statistic, g.scale, g.dof, g.pvalue],
        [want["statistic"], want["scale"], want["df"], want["pvalue"]],
        rtol=RTOL,
    )


@pytest.mark.parametrize("row,col", PAIRS)
def test_association_matches_svychisq(case, row, col):
    _, d, ref = case
    r = ref[f"{row}_x_{col}"]
    a = stats.association(d, row, col, cluster="city_id")
    ndf, ddf = a.dof
    assert_allclose(
        [a.statistic, ndf, ddf, a.pvalue],
        [r["f"], r["ndf"], r["ddf"], r["f_pvalue"]],
        rtol=RTOL,
    )
    # svychisq(statistic = "Chisq"): unscaled X^2 printed, first-order p-value;
    # R scales the table to all rows of the design, missing values included
    assert_allclose(a.chisq * (a.n + a.n_dropped) / a.n, r["chisq"], rtol=RTOL)
    assert_allclose(a.pvalue_first_order, r["chisq_pvalue"], rtol=RTOL)
    assert a.dof_first_order == r["chisq_df"]
    assert_allclose(a.chisq_first_order * a.design_effect, a.chisq, rtol=1e-12)


def test_proportion_test_matches_svyttest(case):
    _, d, ref = case
    r = ref["ttest_unilaterale_half"]
    t = stats.proportion_test(d, "decision_mode", ["unilaterale"], null=0.5, cluster="city_id")
    assert t.dof == r["df"]
    assert_allclose([t.statistic, t.pvalue], [r["statistic"], r["pvalue"]], rtol=RTOL)
    # the design effect of the share, as svymean(..., deff = "replace")
    m = ref["decision_mode"]
    assert_allclose(t.design_effect, m["deff_replace"][aslist(m["level"]).index("unilaterale")], rtol=RTOL)


def test_unclustered_adjusted_residuals_match_chisq_test_stdres(case):
    _, d, ref = case
    r = ref["stdres_decision_mode_x_citizens_involved"]
    a = stats.association(d, "decision_mode", "citizens_involved")
    # the fixture names the cell by R's row and column levels
    want = pd.DataFrame(r).set_index(["row_level", "col_level"])["stdres"]
    got = a.residuals.set_index(["level_a", "level_b"])["adjusted_residual"]
    assert_allclose(got.loc[want.index], want, rtol=RTOL)
