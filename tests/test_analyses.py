"""Report sections of the two-way analyses, correspondence maps and planning."""

import re

import pandas as pd
import pytest

from baro import analyses, editions, reconcile, report, stats, text
from baro.report import Report


def _report(tmp_path, language="fr"):
    shown = []
    rep = Report(output_dir=tmp_path, language=language, seed=3, display=shown.append)
    return rep, shown


def _bodies(shown):
    return [getattr(o, "data", "") for o in shown]


@pytest.fixture(autouse=True)
def french_after():
    yield
    text.use_language("fr")


@pytest.fixture(scope="module")
def by_city():
    out = {}
    for year in (2014, 2015):
        t = editions.load(year).tables
        out[year] = analyses.with_cities(t.projects, t.cities)
    return out


@pytest.mark.parametrize("language", ["fr", "en"])
def test_two_way_sections_show_test_heatmap_cells_and_counts(tmp_path, by_city, language):
    rep, shown = _report(tmp_path, language)
    assert analyses.show_two_way(rep, by_city[2014], "kind") is None
    tw = stats.association_merged(by_city[2014], "domain", "kind", cluster="city_id")
    assert tw.computable and tw.merged  # 2014: few intercommunalities and joint answers
    bodies = _bodies(shown)
    assert any('id="fig-domain_by_kind_residuals"' in b for b in bodies)
    assert any('id="tab-domain_by_kind_counts"' in b for b in bodies)
    assert (tmp_path / "tables" / "domain_by_kind_counts.csv").exists()
    counts = pd.read_csv(tmp_path / "tables" / "domain_by_kind_counts.csv")
    assert counts.drop(columns="level").to_numpy().sum() == len(by_city[2014])
    word = "Rao-Scott"
    assert any(word in b for b in bodies)
    merged_word = {"fr": "réunies", "en": "merged"}[language]
    assert any(merged_word in b for b in bodies)


def test_a_two_way_section_the_data_cannot_support_says_so_and_shows_nothing_else(tmp_path, by_city):
    rep, shown = _report(tmp_path)
    analyses.show_two_way(rep, by_city[2015], "kind")  # 2015: communes only
    bodies = _bodies(shown)
    assert len(bodies) == 1 and "pas calculable" in bodies[0] and "Commune" in bodies[0]
    assert not (tmp_path / "figures").exists()


def test_population_bands_merge_only_neighbours(tmp_path, by_city):
    d = by_city[2014]
    # make the middle band rare: it must join a neighbour, never skip one
    rare = d[d["population_band"] != "p100_200k"]
    keep = d[d["population_band"] == "p100_200k"].head(12)
    rep, _ = _report(tmp_path)
    order = rep.taxonomy.codes("population_band")
    tw = stats.association_merged(pd.concat([rare, keep]), "domain", "population_band", cluster="city_id",
                                  order=order, ordered=True)
    assert tw.merged
    for code, members in tw.merged:
        idx = sorted(order.index(m) for m in members)
        assert idx == list(range(idx[0], idx[0] + len(idx)))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_leaders_sentence_names_the_domains_where_the_regie_does_not_lead(tmp_path, language):
    t = editions.load(2014).tables
    rep, shown = _report(tmp_path, language)
    analyses.show_leaders(rep, t.projects)
    leaders = stats.leading_levels(t.projects, "domain", "management_mode", focus="regie")
    behind = leaders[~leaders["focus_leads"]]
    assert list(behind["level"]) == ["developpement_economique"]
    sentence = _bodies(shown)[0]
    assert rep.label("domain", "developpement_economique") in sentence
    assert rep.label("management_mode", "marche") in sentence
    assert text.fmt_percent(behind["leader_share"].iloc[0], 1) in sentence


def test_leaders_sentence_when_the_regie_leads_everywhere():
    lead = stats.leading_levels(
        pd.DataFrame({"domain": list("aabb"), "m": ["regie", "regie", "regie", "x"]}), "domain", "m", focus="regie"
    )
    s = analyses.leaders_sentence(lead, {}, {"regie": "Régie"})
    assert s.startswith("La régie est le premier mode de gestion dans chacun des 2 domaines")
    assert "égalité avec un autre mode dans b" in s


@pytest.mark.parametrize("language", ["fr", "en"])
def test_correspondence_section_reads_the_first_axis_and_says_it_does_not_test(tmp_path, by_city, language):
    rep, shown = _report(tmp_path, language)
    analyses.show_correspondence(rep, by_city[2014], "management_mode")
    ca = stats.correspondence(by_city[2014], "domain", "management_mode")
    bodies = _bodies(shown)
    share = text.fmt_percent(float(ca.eigenvalues["inertia_share"].iloc[0]), 1)
    axis = [b for b in bodies if share in b and "<figure" not in b]
    assert axis, bodies
    # the level contributing most to the first axis is named
    first = ca.rows[ca.rows["dimension"] == 1].sort_values("contribution").iloc[-1]["level"]
    assert rep.label("domain", first) in axis[0]
    assert any({"fr": "ne teste rien", "en": "tests nothing"}[language] in b for b in bodies)
    for name in ("ca_domain_management_mode_inertia", "ca_domain_management_mode_coordinates"):
        assert (tmp_path / "tables" / f"{name}.csv").exists()
    assert (tmp_path / "figures" / "ca_domain_management_mode_map.png").exists()


@pytest.mark.parametrize("language, expected", [
    ("fr", "L’analyse des correspondances n’est pas calculable dans cette édition\xa0: parmi les domaines, une "
           "seule modalité est observée (Transport)."),
    ("en", "The correspondence analysis cannot be computed in this edition: among domains, only one level is "
           "observed (Transport)."),
])
def test_correspondence_not_computable_says_why_in_the_report_language(tmp_path, by_city, language, expected):
    rep, shown = _report(tmp_path, language)
    analyses.show_correspondence(rep, by_city[2014].assign(domain="transport"), "management_mode")
    assert _bodies(shown) == [f'<div class="baro-note">{expected}</div>']
    # the same profile in every domain: no axis, said in words, never the error's English text
    same = pd.DataFrame({"domain": list("aabb"), "management_mode": ["regie", "delegation"] * 2})
    rep2, shown2 = _report(tmp_path / "same", language)
    analyses.show_correspondence(rep2, same, "management_mode")
    body = _bodies(shown2)[0]
    assert {"fr": "chaque modalité a le même profil", "en": "every level has the same profile"}[language] in body
    assert "inertia (" not in body and {"fr": "les domaines", "en": "domains"}[language] in body


def test_cells_sentence_names_at_most_five_cells_and_counts_the_others():
    r = pd.DataFrame({
        "level_a": list("abcdefg"), "level_b": ["x"] * 7,
        "adjusted_residual": [5.0, -4.5, 4.0, 3.9, -3.8, 3.7, 3.6], "pvalue_adjusted": [0.001] * 7,
    })
    s = analyses.cells_sentence(r, {}, {})
    assert "a – x" in s and "e – x" in s and "f – x" not in s
    assert "2 autres cases" in s
    with text.use_language("en"):
        assert "2 other cells" in analyses.cells_sentence(r, {}, {})


@pytest.mark.parametrize("language", ["fr", "en"])
def test_planning_section_table_and_sentence(tmp_path, language):
    loaded = {y: editions.load(y) for y in (2013, 2014, 2015)}
    shares = {y: stats.shares(reconcile.harmonise(e.projects), "domain", cluster="city_id") for y, e in loaded.items()}
    sizes = report.editions_table(loaded).set_index("edition")["projects_per_city"].to_dict()
    rep, shown = _report(tmp_path, language)
    analyses.show_planning(rep, shares, sizes, len(loaded[2015].cities))
    plan = stats.plan_editions(shares, sizes)
    table = pd.read_csv(tmp_path / "tables" / "planning.csv").set_index("level")
    assert list(table.columns) == ["estimate", "design_effect", "cities_3", "cities_5", "cities_10"]
    edu = plan[(plan["level"] == "education")].set_index("difference")
    assert table.loc["education", "cities_5"] == edu.loc[0.05, "cities"]
    want = stats.cities_needed(edu.loc[0.05, "estimate"], 0.05, design_effect=edu.loc[0.05, "design_effect"],
                               projects_per_city=edu.loc[0.05, "projects_per_city"])
    assert edu.loc[0.05, "cities"] == want
    sentence = _bodies(shown)[0]
    assert text.count(int(want), "city") in sentence
    assert rep.label("domain", "education") in sentence
    assert (table["cities_3"] > table["cities_5"]).all() and (table["cities_5"] > table["cities_10"]).all()


def test_planning_methods_state_the_formula_in_both_languages(tmp_path):
    for language, word in (("fr", "Hypothèses"), ("en", "Assumptions")):
        rep, shown = _report(tmp_path / language, language)
        analyses.show_planning_methods(rep)
        body = _bodies(shown)[0]
        assert word in body and "deff" in body and "δ²" in body


@pytest.mark.parametrize("year", [2013, 2014, 2015])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_heatmap_column_labels_do_not_touch(year, language):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from baro.taxonomy import load_taxonomy

    tax = load_taxonomy()
    t = editions.load(year).tables
    with text.use_language(language):
        for variable in ("management_mode", "population_band", "kind"):
            data = analyses.with_cities(t.projects, t.cities)
            tw = stats.association_merged(data, "domain", variable, cluster="city_id", order=tax.codes(variable),
                                          ordered=variable in analyses.ORDERED)
            if not tw.computable:
                continue
            labels = analyses.level_labels(tw, tax.labels(variable, language))
            fig = analyses.two_way_heatmap(tw, tax.labels("domain", language), labels,
                                           analyses._by_frequency(data["domain"]))
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            boxes = [tick.get_window_extent(canvas.get_renderer()) for tick in fig.axes[0].get_xticklabels()]
            for a, b in zip(boxes, boxes[1:]):
                assert a.x1 + 2 < b.x0, (variable, year)
