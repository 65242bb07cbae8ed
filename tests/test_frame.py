"""The population frame and the weighted designs of the reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from baro import editions, frame, stats


@pytest.fixture(autouse=True)
def french_after():
    """A report in English sets the language: the next tests find French again."""
    from baro import text

    yield
    text.use_language("fr")


@pytest.fixture(scope="module")
def tables():
    return editions.load(2014).tables


def test_every_count_has_a_source_and_a_basis():
    f = frame.load_frame()
    assert f.year == 2014 and f.total == sum(f.bands.values())
    assert set(f.bands) == {"p50_100k", "p100_200k", "p200k_plus"}
    assert f.counts["source"].str.len().min() > 20
    assert set(f.counts["basis"]) <= {"verbatim", "derived", "assumption"}


def test_population_weights_cities_to_the_frame_and_carries_them_to_projects(tables):
    f = frame.load_frame()
    d = frame.projects_design(tables.projects, tables.cities, "population", f)
    per_city = pd.Series(d.weights, index=d.data["city_id"]).groupby(level=0).agg(["min", "max"])
    assert (per_city["min"] == per_city["max"]).all()  # one weight per city
    band = tables.cities.set_index("city_id")["population_band"].astype(str)
    sums = per_city["min"].groupby(band.reindex(per_city.index)).sum()
    assert_allclose(sums[list(f.bands)], list(f.bands.values()))
    assert d.dof == tables.cities["city_id"].nunique() - 1
    # the city design gives the same weights
    c = frame.cities_design(tables.cities, "population", f)
    assert_allclose(c.weights.sum(), f.total)


def test_no_weighting_is_the_clustered_design_of_before(tables):
    d = frame.projects_design(tables.projects, tables.cities, "none")
    a = stats.shares(d, "domain")
    b = stats.shares(tables.projects, "domain", cluster="city_id")
    pd.testing.assert_frame_equal(a, b)


def test_the_finite_population_shrinks_the_weighted_variance(tables):
    f = frame.load_frame()
    proj = tables.projects.merge(tables.cities[["city_id", "population_band"]], on="city_id")
    proj = proj.assign(population_band=proj["population_band"].astype(str), N=f.total)
    with_fpc = stats.Design(proj, cluster="city_id", fpc="N")
    no_fpc = stats.Design(proj, cluster="city_id", weights=None)
    n = proj["city_id"].nunique()
    a = stats.shares(with_fpc, "decision_mode")
    b = stats.shares(no_fpc, "decision_mode")
    assert_allclose(a["se"] ** 2, b["se"] ** 2 * (1 - n / f.total))


def test_bad_weighting_and_unknown_band_are_refused(tables):
    with pytest.raises(ValueError, match="weighting='equal'"):
        frame.projects_design(tables.projects, tables.cities, "equal")
    cities = tables.cities.assign(population_band=tables.cities["population_band"].astype(str))
    cities.loc[0, "population_band"] = "p1m_plus"
    with pytest.raises(ValueError, match="p1m_plus"):
        frame.projects_design(tables.projects, cities, "population")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_sensitivity_table_and_sentences(language):
    from baro import text

    with text.use_language(language):
        _check_sensitivity(language)


def _check_sensitivity(language):
    ed = editions.load(2014)
    t = frame.weighting_sensitivity(ed)
    assert tuple(t.columns) == frame.SENSITIVITY_COLUMNS
    assert set(t["kind"]) == {"share", "test"}
    tests = t[t["kind"] == "test"]
    alpha = t.attrs["alpha"]
    assert (tests["changed"] == ((tests["pvalue_a"] < alpha) != (tests["pvalue_b"] < alpha))).all()
    sentence = frame.sensitivity_sentences(t)
    assert ("pondération" in sentence) == (language == "fr")
    assert ("Weighting" in sentence) == (language == "en")
    # a changed conclusion is named
    flipped = t.copy()
    flipped.loc[flipped.index[-1], ["pvalue_b", "changed"]] = [0.5, True]
    flipped.attrs.update(t.attrs)
    words = frame.sensitivity_sentences(flipped)
    assert flipped.loc[flipped.index[-1], "measure"] in words
    shares = t[t["kind"] == "share"]
    assert np.isfinite(shares["estimate_b"]).all() and shares["statistic_b"].isna().all()
    # a test's statistic is a statistic, not an estimate
    assert np.isfinite(tests[["statistic_a", "statistic_b"]]).all().all()
    assert tests["estimate_a"].isna().sum() == 2  # equal shares and association


def test_population_sentence_says_which_population():
    from baro import text

    with text.use_language("en"):
        assert "responding cities" in frame.population_sentence("none", 38)
        s = frame.population_sentence("population", 38)
    assert "38 cities" in s and str(frame.load_frame().total) in s


def _many_cities(tables, n):
    """The 2014 tables (SIMULATED) with their projects spread over ``n`` cities, bands in turn."""
    bands = ["p50_100k", "p100_200k", "p200k_plus"]
    ids = [f"C{i:04d}" for i in range(n)]
    cities = pd.DataFrame({"city_id": ids, "kind": "commune", "population_band": [bands[i % 3] for i in range(n)]})
    projects = tables.projects.assign(city_id=[ids[i % n] for i in range(len(tables.projects))])
    return cities, projects


def test_a_sample_beyond_the_frame_is_not_weighted_and_says_why(tables):
    from baro import text
    from baro.computable import NotComputable

    cities, projects = _many_cities(tables, 400)  # more respondents than the frame's 364 units
    d = frame.projects_design(projects, cities, "population")
    assert isinstance(d, NotComputable) and d.reason == "frame_exceeded"
    assert d.values == {"n": 400, "total": 364}
    assert isinstance(frame.cities_design(cities, "population"), NotComputable)
    assert frame.applicable("population", cities) == "none"
    assert frame.applicable("population", tables.cities) == "population"
    assert frame.applicable("none", cities) == "none"
    fr = "La pondération n’est pas applicable\xa0: 400 villes répondantes pour 364 dans le cadre de population."
    assert frame.sensitivity_sentences(d) == fr
    s = frame.population_sentence("population", cities)
    assert s.startswith(fr) and s.endswith(text.t("weighting.population_none"))
    with text.use_language("en"):
        assert frame.population_sentence("population", cities).startswith(
            "Weighting cannot be applied: 400 responding cities for 364 in the population frame.")
    # the unweighted design of the report is there
    assert frame.projects_design(projects, cities, frame.applicable("population", cities)).n_clusters == 400


def test_a_band_without_respondent_or_beyond_its_count_is_not_weighted(tables):
    from baro import text

    cities = tables.cities.assign(population_band=tables.cities["population_band"].astype(str))
    none_large = cities[cities["population_band"] != "p200k_plus"]
    projects = tables.projects[tables.projects["city_id"].isin(none_large["city_id"])]
    d = frame.projects_design(projects, none_large, "population")
    assert d.reason == "band_without_respondent" and d.values == {"band": "p200k_plus"}
    with text.use_language("en"):
        assert text.not_computable_sentence(d) == (
            "Weighting cannot be applied: no city answered in the band “200,000 inhabitants or more” "
            "of the population frame.")
    many, projects = _many_cities(tables, 180)  # 60 respondents of 200,000 and more, of 56 in the frame
    d = frame.projects_design(projects, many, "population")
    assert d.reason == "band_exceeded" and d.values == {"band": "p200k_plus", "n": 60, "total": 56}
    from baro.taxonomy import load_taxonomy

    label = load_taxonomy().label("population_band", "p200k_plus", "fr")
    assert text.not_computable_sentence(d) == (
        "La pondération n’est pas applicable\xa0: 60 villes répondantes dans la tranche "
        f"«\xa0{label}\xa0» pour 56 dans le cadre de population.")


def test_the_sensitivity_chapter_says_why_the_frame_cannot_weight(tables):
    import types

    from baro import text
    from baro.computable import NotComputable

    cities, projects = _many_cities(tables, 400)
    ed = editions.load(2014)
    big = types.SimpleNamespace(tables=types.SimpleNamespace(projects=projects, cities=cities), asked=ed.asked)
    t = frame.weighting_sensitivity(big)
    assert isinstance(t, NotComputable) and t.reason == "frame_exceeded"
    with text.use_language("en"):
        assert frame.sensitivity_sentences(t) == (
            "Weighting cannot be applied: 400 responding cities for 364 in the population frame.")
    shares, tests = frame.by_kind(t)
    assert isinstance(shares, NotComputable) and isinstance(tests, NotComputable)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_weighted_share_sentence_keeps_the_sample_count_apart_from_the_weighted_share(tables, language):
    from baro import report, text

    shown = []
    rep = report.Report(language=language, display=shown.append)
    weighted = stats.shares(frame.projects_design(tables.projects, tables.cities, "population"), "management_mode")
    plain = stats.shares(frame.projects_design(tables.projects, tables.cities, "none"), "management_mode")
    assert weighted.attrs["weighted"] is True and plain.attrs["weighted"] is False
    regie = weighted[weighted["level"] == "regie"].index[0]
    n, share = int(weighted.loc[regie, "count"]), float(weighted.loc[regie, "estimate"])
    assert abs(share - n / len(tables.projects)) > 0.005  # the weighted share is not count / n
    rep.say_share(weighted, regie)
    rep.say_share(plain, int(plain[plain["level"] == "regie"].index[0]))
    said = [o.data for o in shown]
    pct = text.fmt_percent(share)
    words = {"fr": (f"{n} projets dans l’échantillon\xa0; part pondérée {pct}", "soit"),
             "en": (f"{n} projects in the sample; weighted share {pct}", "that is")}[language]
    assert words[0] in said[0] and words[1] not in said[0]
    assert f"{n} {'projets' if language == 'fr' else 'projects'}, {words[1]} {text.fmt_percent(n / len(tables.projects))}" in said[1]


def test_weighted_shares_come_largest_first_by_the_weighted_estimate():
    # three cities weighted 1, 1 and 10: "b" has fewer rows but the largest weighted share
    d = pd.DataFrame({"city_id": ["A"] * 3 + ["B"] * 3 + ["C"], "x": ["a"] * 3 + ["a", "a", "c"] + ["b"],
                      "w": [1.0] * 6 + [10.0]})
    s = stats.shares(stats.Design(d, cluster="city_id", weights="w"), "x")
    assert s["level"].tolist() == ["b", "a", "c"] and s["count"].tolist() == [1, 5, 1]
    assert s["estimate"].is_monotonic_decreasing
    vcov = s.attrs["vcov"]
    assert vcov.index.tolist() == ["b", "a", "c"]
    unweighted = stats.shares(stats.Design(d, cluster="city_id"), "x")
    assert unweighted["level"].tolist() == ["a", "b", "c"] and not unweighted.attrs["weighted"]
