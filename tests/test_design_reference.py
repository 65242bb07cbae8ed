"""baro.stats.Design against R's survey package on R's own data sets.

tests/reference/design_reference.R exported survey's api and nhanes data
to CSV and wrote R's figures to design_reference.json: svymean, svytotal,
svyciprop (logit and beta), svycontrast, svygofchisq, svychisq (F and
Chisq) on stratified, clustered, weighted, finite-population,
post-stratified and raked designs, and the lonely-PSU options. R is not
needed to run these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from baro import stats

REF = Path(__file__).parent / "reference"
FIGURES = json.loads((REF / "design_reference.json").read_text())
RTOL = 1e-8
# svyciprop(method = "logit") comes from svyglm, which stops at glm's
# convergence tolerance: its limits agree to about 3e-9.
RTOL_LOGIT = 1e-8
POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}
DESIGNS = [name for name in FIGURES if name not in ("meta", "sparse", "clusters_poststratified")]


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"{name}.csv", keep_default_na=False, na_values=[""])


def lonely_data() -> pd.DataFrame:
    d = load("apistrat")
    first_h = d.loc[d["stype"] == "H", "snum"].min()
    return d[(d["stype"] != "H") | (d["snum"] == first_h)].reset_index(drop=True)


def make(name: str) -> stats.Design:
    if name == "apistrat":
        return stats.Design(load("apistrat"), strata="stype", weights="pw", fpc="fpc")
    if name == "apiclus1":
        return stats.Design(load("apiclus1"), cluster="dnum", weights="pw", fpc="fpc")
    if name == "apiclus1_poststratified":
        return make("apiclus1").post_stratify("stype", POP_TYPES)
    if name == "apiclus1_raked":
        return make("apiclus1").rake({"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    if name == "apiclus2":
        return stats.Design(load("apiclus2"), cluster="dnum", weights="pw")
    if name == "nhanes":
        return stats.Design(load("nhanes"), cluster="SDMVPSU", strata="SDMVSTRA",
                            weights="WTMEC2YR", nest=True)
    option = name.split("_", 1)[1]
    return stats.Design(lonely_data(), strata="stype", weights="pw", fpc="fpc", lonely_psu=option)


def rtol_for(name: str) -> float:
    # R's rake stops at an absolute tolerance of 1 on the weighted counts,
    # so a raked design is only defined to about 1e-3 of its weights; baro
    # makes R's sweeps with R's stopping rule and its ten projections in the
    # variance, and so agrees with R to 1e-8 there too
    return RTOL


def close(got, want, rtol, what=""):
    """Relative agreement; figures that are zero in exact arithmetic (the
    variance of a calibrated margin or of the strata) agree to 1e-10 of the
    largest figure, or 1e-14."""
    got = np.asarray(got, dtype=float).ravel()
    want = np.asarray(want, dtype=float).ravel()
    scale = np.max(np.abs(want)) if want.size else 0.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-10 * scale + 1e-14, err_msg=what)


def aslist(x):
    return x if isinstance(x, list) else [x]


def levels_of(design, var, ref):
    """R's levels are strings; the data's may be numeric codes."""
    want = [str(v) for v in aslist(ref["level"])]
    got = stats.shares(design, var)["level"].tolist()
    by_str = {str(v): v for v in got}
    assert sorted(by_str) == sorted(want)
    return [by_str[v] for v in want]


CASES = [(name, var) for name in DESIGNS for var, r in FIGURES[name].items()
         if isinstance(r, dict) and "mean" in r]


def degenerate(r) -> bool:
    """A stratum or calibration variable: its shares have no variance (R's
    figures are rounding noise), so only the estimates can be compared."""
    return max(aslist(r["se"])) < 1e-9
PAIR_CASES = [(name, key) for name in DESIGNS for key, r in FIGURES[name].items()
              if isinstance(r, dict) and "f" in r]


@pytest.fixture(scope="module")
def designs():
    return {name: make(name) for name in DESIGNS}


@pytest.mark.parametrize("name", DESIGNS)
def test_design_matches_svydesign(designs, name):
    des, ref = designs[name], FIGURES[name]
    assert des.dof == ref["degf"]
    close(des.weights.sum(), ref["weights_sum"], rtol_for(name))
    assert len(des.data) == ref["n"]


@pytest.mark.parametrize("name,var", CASES)
def test_shares_and_totals_match_svymean_svytotal_svyciprop(designs, name, var):
    des, r = designs[name], FIGURES[name][var]
    lv = levels_of(des, var, r)
    tol = rtol_for(name)
    s = stats.shares(des, var, levels=lv)
    close(s["estimate"], r["mean"], tol, "svymean")
    if degenerate(r):
        assert s["se"].max() < 1e-9
        close(stats.totals(des, var, levels=lv)["estimate"], r["total"], tol, "svytotal")
        return
    close(s["se"], r["se"], tol, "svymean se")
    close(s.attrs["vcov"].to_numpy().T, r["vcov"], tol, "vcov(svymean)")
    close(s["design_effect"], r["deff_replace"], max(tol, 1e-8), "deff")
    close(s["ci_low"], r["logit_low"], max(tol, RTOL_LOGIT), "logit")
    close(s["ci_high"], r["logit_high"], max(tol, RTOL_LOGIT), "logit")
    b = stats.shares(des, var, levels=lv, interval="beta")
    close(b["ci_low"], r["beta_low"], tol, "beta")
    close(b["ci_high"], r["beta_high"], tol, "beta")
    b90 = stats.shares(des, var, levels=lv, interval="beta", confidence_level=0.9)
    close(b90["ci_low"], r["beta90_low"], tol, "beta 90%")
    close(b90["ci_high"], r["beta90_high"], tol, "beta 90%")
    if name == "lonely_adjust":
        # survey 4.1 centred a lonely unit's total on zero; later versions
        # (and baro) on the mean of all units: only means agree (their
        # influences sum to zero, so both centres coincide)
        return
    t = stats.totals(des, var, levels=lv)
    close(t["estimate"], r["total"], tol, "svytotal")
    close(t["se"], r["total_se"], tol, "svytotal se")
    close(t.attrs["vcov"].to_numpy().T, r["total_vcov"], tol, "vcov(svytotal)")


@pytest.mark.parametrize("name,var", CASES)
def test_contrast_matches_svycontrast(designs, name, var):
    des, r = designs[name], FIGURES[name][var]
    if degenerate(r):
        pytest.skip("no variance: contrasts' se are rounding noise")
    lv = levels_of(des, var, r)
    s = stats.shares(des, var, levels=lv)
    weights = [aslist(w) for w in r["contrast"]["weights"]]
    c = stats.contrast(s, {f"c{i}": w for i, w in enumerate(weights)})
    tol = rtol_for(name)
    close(c["estimate"], r["contrast"]["estimate"], tol, "svycontrast")
    close(c["se"], r["contrast"]["se"], tol, "svycontrast se")
    close(c.attrs["vcov"].to_numpy().T, r["contrast"]["vcov"], tol, "vcov(svycontrast)")
    # the pairwise differences are the same contrasts
    pw = stats.pairwise_shares(des, var, levels=lv)
    k = len(lv)
    close(pw["se"], np.ravel(r["contrast"]["se"])[: k * (k - 1) // 2], tol, "pairwise")


@pytest.mark.parametrize("name,var", CASES)
@pytest.mark.parametrize("which", ["gof_equal", "gof_unequal"])
def test_goodness_of_fit_matches_svygofchisq(designs, name, var, which):
    des, r = designs[name], FIGURES[name][var]
    if name == "lonely_adjust":
        pytest.skip("svygofchisq uses svytotal, whose lonely-unit centre changed after survey 4.1")
    if degenerate(r):
        pytest.skip("no variance: the chi-square's scale is rounding noise")
    lv = levels_of(des, var, r)
    expected = None if which == "gof_equal" else aslist(r[which]["p"])
    g = stats.goodness_of_fit(des, var, levels=lv, expected=expected)
    want = r[which]
    close([g.statistic, g.scale, g.dof, g.pvalue],
          [want["statistic"], want["scale"], want["df"], want["pvalue"]], rtol_for(name))


@pytest.mark.parametrize("name,key", PAIR_CASES)
def test_association_matches_svychisq(designs, name, key):
    des, r = designs[name], FIGURES[name][key]
    a = stats.association(des, r["row"], r["col"])
    tol = rtol_for(name)
    close([a.statistic, *a.dof, a.pvalue], [r["f"], r["ndf"], r["ddf"], r["f_pvalue"]], tol)
    # Chisq: R prints X^2 of the weighted table scaled to all rows
    close(a.chisq * (a.n + a.n_dropped) / a.n, r["chisq"], tol)
    close(a.pvalue_first_order, r["chisq_pvalue"], tol)
    assert a.dof_first_order == r["chisq_df"]


def sparse_design(keep) -> stats.Design:
    d = load("apiclus2")
    return stats.Design(d[keep(d)].reset_index(drop=True), cluster="dnum", weights="pw")


def test_one_empty_cell_gives_rs_figure():
    r = FIGURES["sparse"]["one_empty"]
    des = sparse_design(lambda d: ~((d["stype"] == "H") & (d["meals_band"] == "75-100")))
    a = stats.association(des, "meals_band", "stype")
    close([a.statistic, *a.dof, a.pvalue], [r["f"], r["ndf"], r["ddf"], r["f_pvalue"]], RTOL)


def test_singular_table_is_refused_naming_the_empty_cells():
    assert "singular" in FIGURES["sparse"]["singular"]["message"]
    des = sparse_design(lambda d: (d["stype"] == "E") | d["meals_band"].isin(["0-25", "25-50"]))
    with pytest.raises(ValueError) as e:
        stats.association(des, "meals_band", "stype")
    msg = str(e.value)
    assert "4 empty cell(s)" in msg
    for cell in ("('50-75', 'H')", "('50-75', 'M')", "('75-100', 'H')", "('75-100', 'M')"):
        assert cell in msg


def test_lonely_unit_fails_by_default_naming_the_stratum():
    with pytest.raises(ValueError, match=r"single sampling unit \('H'\).*lonely_psu="):
        stats.Design(lonely_data(), strata="stype", weights="pw", fpc="fpc")


def test_post_stratified_clusters_match_postStratify_on_the_clusters():
    """count="clusters": R's postStratify on the design of the districts,
    the share of a level among schools as svyratio of district totals."""
    r = FIGURES["clusters_poststratified"]
    d = load("apiclus2")
    d["dband"] = np.where(d["dnum"] < 400, "low", "high")
    des = stats.Design(d, cluster="dnum", weights="pw").post_stratify(
        "dband", r["population"], count="clusters")
    per_district = pd.Series(des.weights).groupby(d["dnum"]).first()
    close(per_district.sum(), r["weights_sum"], RTOL)
    s = stats.shares(des, "stype", levels=r["level"])
    close(s["estimate"], r["mean"], RTOL, "svyratio")
    close(s["se"], r["se"], RTOL, "svyratio se")


TOTALS_DEFF = json.loads((REF / "totals_deff.json").read_text())
TOTALS_CASES = [(name, var) for name in TOTALS_DEFF if name != "meta" for var in TOTALS_DEFF[name]]


@pytest.mark.parametrize("name,var", TOTALS_CASES)
def test_totals_design_effect_matches_svytotal_deff(designs, name, var):
    # tests/reference/totals_deff.R: deff(svytotal(..., deff = "replace"))
    r = TOTALS_DEFF[name][var]
    t = stats.totals(designs[name], var, levels=levels_of(designs[name], var, r))
    close(t["estimate"], r["total"], RTOL, "svytotal")
    if name == "lonely_adjust":
        return  # survey 4.1's centre of a lonely unit (see above)
    close(t["design_effect"], r["deff_replace"], RTOL, "deff(svytotal)")
