"""The result contract written in baro.stats' docstring holds for every result."""

import dataclasses
import re

import pandas as pd
import pytest

from baro import examples, stats
from baro.stats.results import Caveat, few_clusters

#: Names the contract replaced: none may come back as a field or a column.
RETIRED = {"share", "deff", "mean_design_effect", "row_level", "col_level", "item", "item_a",
           "item_b", "f_statistic", "ndf", "ddf", "n_excluded", "n_items", "share_a", "share_b"}


def documented_tables():
    """``function: CONSTANT = col, col, ...`` lines of the package docstring."""
    found = re.findall(
        r"^- ([\w.]+): (\w+_COLUMNS) = (.+(?:\n  .+)*)$", stats.__doc__, flags=re.M
    )
    return {
        where: (const, tuple(c.strip() for c in " ".join(cols.split()).split(",")))
        for where, const, cols in found
    }


@pytest.fixture(scope="module")
def results():
    d = examples.projects()
    few = d[d["city_id"] <= "V04"]
    o = examples.objectives()
    first, second = d[d["city_id"] <= "V06"], d[d["city_id"] > "V06"]
    return {
        "shares": stats.shares(d, "domain", cluster="city_id"),
        "totals": stats.totals(stats.Design(d, cluster="city_id"), "domain"),
        "contrast": stats.contrast(stats.shares(d, "decision_mode", cluster="city_id"),
                                   {"first": [1, -1, 0]}),
        "pairwise_shares": stats.pairwise_shares(d, "decision_mode", cluster="city_id"),
        "compact_letters": stats.compact_letters(stats.pairwise_shares(d, "decision_mode")),
        "compare_editions": stats.compare_editions(first, second, "decision_mode", cluster="city_id"),
        "GoodnessOfFit": stats.goodness_of_fit(few, "domain", cluster="city_id"),
        "Association": stats.association(d, "domain", "citizens_involved", cluster="city_id"),
        "AssociationFlat": stats.association(d, "domain", "citizens_involved", n_resamples=99),
        "ProportionTest": stats.proportion_test(few, "decision_mode", ["unilaterale"], null=0.5,
                                                cluster="city_id"),
        "RankAgreement": stats.rank_agreement(o),
        "CochranQ": stats.cochran_q(o),
        "Correspondence": stats.correspondence(d, "domain", "decision_mode"),
        "leading_levels": stats.leading_levels(d, "domain", "decision_mode", focus="unilaterale"),
        "plan_editions": stats.plan_editions({1: stats.shares(first, "decision_mode", cluster="city_id"),
                                              2: stats.shares(second, "decision_mode", cluster="city_id")},
                                             12.5),
    }


def test_every_documented_table_is_returned_with_its_columns(results):
    tables = documented_tables()
    assert len(tables) == 14
    frames = {
        "shares": results["shares"],
        "totals": results["totals"],
        "contrast": results["contrast"],
        "pairwise_shares": results["pairwise_shares"],
        "compact_letters": results["compact_letters"],
        "compare_editions": results["compare_editions"],
        "GoodnessOfFit.table": results["GoodnessOfFit"].table,
        "Association.residuals": results["Association"].residuals,
        "RankAgreement.ranking": results["RankAgreement"].ranking,
        "CochranQ.pairwise": results["CochranQ"].pairwise,
        "Correspondence.eigenvalues": results["Correspondence"].eigenvalues,
        "Correspondence.rows": results["Correspondence"].rows,
        "leading_levels": results["leading_levels"],
        "plan_editions": results["plan_editions"],
    }
    assert set(tables) == set(frames)
    for where, (const, cols) in tables.items():
        assert getattr(stats, const) == cols, const
        assert tuple(frames[where].columns) == cols, where


def test_tests_carry_the_contract_fields(results):
    for name in ("GoodnessOfFit", "Association", "ProportionTest", "RankAgreement", "CochranQ"):
        r = results[name]
        names = [f.name for f in dataclasses.fields(r)]
        assert {"statistic", "pvalue", "dof", "design_effect", "warnings"} <= set(names), name
        assert not RETIRED & set(names), name
        assert all(isinstance(w, Caveat) for w in r.warnings), name
        frame = r.to_frame()
        assert len(frame) == 1 and "design_effect" in frame.columns
        html = r._repr_html_()
        assert f"<caption>{name}</caption>" in html and "design_effect" in html
        for w in r.warnings:
            assert str(w) in html
    for name in ("shares", "totals", "pairwise_shares", "compare_editions"):
        assert not RETIRED & set(results[name].columns)
        assert all(isinstance(w, Caveat) for w in results[name].attrs["warnings"])


def test_dof_is_a_pair_for_the_f_test_only(results):
    ndf, ddf = results["Association"].dof
    assert ddf == pytest.approx(ndf * (results["Association"].n_clusters - 1))
    assert results["AssociationFlat"].dof == 10.0
    assert results["AssociationFlat"].design_effect == 1.0


def test_design_effect_of_a_proportion_is_that_of_its_share():
    d = examples.projects()
    t = stats.proportion_test(d, "decision_mode", ["unilaterale"], null=0.5, cluster="city_id")
    s = stats.shares(d, "decision_mode", cluster="city_id").set_index("level")
    assert t.design_effect == pytest.approx(s.loc["unilaterale", "design_effect"], rel=1e-12)
    assert stats.proportion_test(d, "decision_mode", ["unilaterale"], null=0.5).design_effect == 1.0


def test_few_clusters_is_structured(results):
    g = results["GoodnessOfFit"]
    assert g.warnings[0] == few_clusters(4)
    assert repr(g.warnings[0]) == "few_clusters(n=4)"
    assert g.warnings[0]["n"] == 4
    assert results["ProportionTest"].warnings == (few_clusters(4),)


def test_caveat_refuses_unknown_codes_and_values():
    with pytest.raises(ValueError, match="unknown warning code 'odd'"):
        Caveat("odd")
    with pytest.raises(ValueError, match="takes values"):
        Caveat("few_clusters", (("m", 2),))


def test_results_display_as_a_table_in_a_notebook(results):
    html = results["RankAgreement"]._repr_html_()
    assert html.count("<tr>") >= 8 and "<details><summary>ranking (5" in html
    assert isinstance(results["RankAgreement"].to_frame(), pd.DataFrame)



def test_totals_carry_a_design_effect():
    # against R: tests/test_design_reference.py; independent rows: 1
    d = examples.projects()
    assert (stats.totals(d, "decision_mode")["design_effect"] == 1).all()
    clustered = stats.totals(d, "decision_mode", cluster="city_id")["design_effect"]
    assert (clustered > 0).all() and (clustered != 1).any()
