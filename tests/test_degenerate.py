"""Valid tables that cannot support every test: one city, one domain, every
project with citizens involved, two cities. The report renders; each test
that cannot be computed says so in a sentence."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from baro import report
from baro.computable import NotComputable, reason
from baro.paths import editions_dir, notebooks_dir


def shipped(table: str) -> pd.DataFrame:
    return pd.read_csv(editions_dir() / "2014" / f"{table}.csv", comment="#", dtype=str, keep_default_na=False)


def degenerate(case: str, folder) -> None:
    """Write the shipped 2014 tables (SIMULATED) made degenerate as ``case`` says."""
    c, p, o = shipped("cities"), shipped("projects"), shipped("objectives")
    if case == "one_city":
        c, p, o = c[c.city_id == "V01"], p.assign(city_id="V01"), o[o.city_id == "V01"]
    elif case == "two_cities":
        two = ["V01", "V02"]
        c, o = c[c.city_id.isin(two)], o[o.city_id.isin(two)]
        p = p.assign(city_id=[two[i % 2] for i in range(len(p))])
    elif case == "one_domain":
        p = p.assign(domain="transport")
    elif case == "all_citizens":
        p = p.assign(citizens_involved="true")
    elif case == "beyond_frame":  # 400 responding cities, more than the population frame's 364
        ids = [f"C{i:04d}" for i in range(400)]
        c = pd.concat([c] * 11, ignore_index=True).head(400).assign(city_id=ids)
        p = p.assign(city_id=[ids[i % 400] for i in range(len(p))])
        o = o[o.city_id == "V01"].assign(city_id=ids[0])
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("cities", c), ("projects", p), ("objectives", o)):
        frame.to_csv(folder / f"{name}.csv", index=False)


def test_reason_names_one_city_or_the_variable_with_one_level():
    d = pd.DataFrame({"city_id": ["V01", "V02"], "domain": ["transport", "education"], "citizens_involved": [True] * 2})
    assert reason((d.assign(city_id="V01"), "domain"), {"cluster": "city_id"}) == ("one_city", {"n": 1})
    assert reason((d, "domain", "citizens_involved"), {"cluster": "city_id"}) == (
        "one_level", {"column": "citizens_involved", "level": True})
    assert reason((d, "domain"), {"cluster": "city_id"}) is None


def test_bound_stats_give_a_not_computable_result_and_keep_real_errors():
    p = pd.DataFrame({"city_id": ["V01", "V01", "V02"], "domain": ["transport", "education", "transport"],
                      "citizens_involved": [True, True, True]})
    rep = report.Report(display=lambda obj: None)
    one_city = rep.stats.goodness_of_fit(p.assign(city_id="V01"), "domain", cluster="city_id")
    assert isinstance(one_city, NotComputable) and one_city.reason == "one_city"
    citizens = rep.stats.association(p, "domain", "citizens_involved", cluster="city_id")
    assert citizens.reason == "one_level" and citizens.values == {"column": "citizens_involved", "level": True}
    from baro import text

    assert text.association_sentence(citizens) == "Test non calculable\xa0: une seule modalité observée (Citoyens impliqués)."
    # built on a result not computable: not computable either
    assert isinstance(rep.stats.compact_letters(citizens, order=citizens["level"]), NotComputable)
    # an error that the data's shape does not explain stays an error
    with pytest.raises(ValueError, match="not in the given levels"):
        rep.stats.shares(p, "domain", levels=["transport"], cluster="city_id")


def test_each_result_not_computable_is_said_once():
    shown = []
    rep = report.Report(display=shown.append)
    nc = NotComputable("association", "one_city", {"n": 1})
    from baro import plots, text

    rep.show_figure(plots.residual_heatmap(nc.residuals, row_variable="domain"), "citizens_residuals")
    rep.say(text.association_sentence(nc))
    rep.residuals_table(nc, "citizens_residuals", variable="domain")
    rep.caveats(nc)
    assert [o.data for o in shown] == ['<div class="baro-note">Test non calculable\xa0: une seule ville.</div>']
    rep.say(text.gof_sentence(NotComputable("goodness_of_fit", "one_city", {"n": 1})))
    assert len(shown) == 2


def test_not_computable_sentences_in_both_languages():
    from baro import text

    nc = NotComputable("association", "one_level", {"column": "domain", "level": "securite"})
    with text.use_language("en"):
        assert text.not_computable_sentence(nc) == "Test not computable: one level only (Safety and security)."
        assert text.not_computable_sentence(NotComputable("shares", "one_city")) == "Test not computable: one city only."


def run_report(tmp_path, case: str, **parameters) -> str:
    """Run the edition report on the 2014 tables made degenerate as ``case``
    says; check that no cell failed; return the HTML and Markdown it shows."""
    import papermill as pm

    data = tmp_path / "data"
    degenerate(case, data)
    pm.execute_notebook(
        str(notebooks_dir() / "edition_report.ipynb"), str(tmp_path / "executed.ipynb"),
        parameters={"edition": 2014, "data_dir": str(data), **parameters},
        kernel_name="baro", progress_bar=False, cwd=str(tmp_path),
    )
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    return "".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("data", {}).get("text/markdown", ""))
                   for o in outputs)


@pytest.mark.notebook
@pytest.mark.parametrize(
    "case, language, expected, absent",
    [
        ("one_city", "fr", "Test non calculable\xa0: une seule ville.", None),
        ("one_domain", "fr", "Test non calculable\xa0: une seule modalité observée (Transport).", None),
        ("all_citizens", "en", "Test not computable: one level only (Citizens involved).", None),
        ("two_cities", "fr", None, "Test non calculable"),
    ],
)
def test_the_report_renders_on_degenerate_tables(tmp_path, case, language, expected, absent):
    shown = run_report(tmp_path, case, language=language)
    assert "id=\"tab-reconciliation\"" in shown  # the report went on to its last chapters
    if expected:
        assert expected in shown
    if absent:
        assert absent not in shown


@pytest.mark.notebook
@pytest.mark.parametrize("weighting", ["population", "none"])
def test_the_report_renders_unweighted_beyond_the_population_frame(tmp_path, weighting):
    shown = run_report(tmp_path, "beyond_frame", language="en", weighting=weighting)
    why = "Weighting cannot be applied: 400 responding cities for 364 in the population frame."
    # said in the sensitivity chapter, and under the weighted design where the report says its population
    assert shown.count(why) == (2 if weighting == "population" else 1)
    if weighting == "population":
        assert why + " The figures of this report describe the responding cities, unweighted" in shown
    assert "id=\"tab-domain_shares\"" in shown and "id=\"tab-population_frame\"" in shown
    assert "id=\"tab-weighting_shares\"" not in shown
