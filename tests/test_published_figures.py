"""Every verbatim figure holds exactly in the shipped (SIMULATED) tables.

Computed here with plain pandas, independently of baro.reconcile.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from baro import editions


def half_up(x: float, decimals: int = 0) -> Decimal:
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def mean_rank_order(objectives: pd.DataFrame) -> list[str]:
    """Objectives by mean rank; a non-cited objective takes the mean unused rank."""
    wide = objectives.pivot(index="city_id", columns="objective", values="rank")
    m = wide.shape[1]
    rows = []
    for _, r in wide.iterrows():
        used = {int(v) for v in r.dropna()}
        free = [k for k in range(1, m + 1) if k not in used]
        fill = sum(free) / len(free) if free else None
        rows.append([float(v) if pd.notna(v) else fill for v in r])
    means = pd.DataFrame(rows, columns=wide.columns).mean()
    assert means.is_unique, "ties in the objective ranking"
    return list(means.sort_values().index)


@pytest.fixture(scope="module")
def e2013():
    return editions.load(2013)


@pytest.fixture(scope="module")
def e2014():
    return editions.load(2014)


@pytest.fixture(scope="module")
def e2015():
    return editions.load(2015)


# ------------------------------------------------------------------ 2014
def test_2014_panel_and_total(e2014):
    assert len(e2014.cities) == 38
    assert e2014.cities["city_id"].is_unique
    assert len(e2014.projects) == 810
    assert set(e2014.projects["city_id"]) == set(e2014.cities["city_id"])


def test_2014_domains(e2014):
    counts = e2014.projects["domain"].value_counts()
    counts = counts[counts > 0]  # a categorical also lists its categories without a project
    assert counts["transport"] == 131
    assert counts["education"] == 125
    assert counts["e_citoyennete"] == 115
    assert counts[["transport", "education", "e_citoyennete"]].sum() == 371
    assert half_up(100 * 131 / len(e2014.projects), 1) == Decimal("16.2")
    assert half_up(100 * counts["education"] / len(e2014.projects), 1) == Decimal("15.4")
    ordered = list(counts.sort_values(ascending=False).index)
    assert ordered[:3] == ["transport", "education", "e_citoyennete"]
    assert counts.is_unique  # no ties: "2nd" and "the three smallest" are well defined
    assert set(ordered[-3:]) == {"sante_social", "securite", "environnement"}
    assert "energie" not in counts.index
    # the top three stand out: every other domain below the third
    assert counts.drop(["transport", "education", "e_citoyennete"]).max() < 115


def test_2014_transport_per_city(e2014):
    per_city = (
        e2014.projects[e2014.projects["domain"] == "transport"]
        .groupby("city_id").size()
        .reindex(e2014.cities["city_id"], fill_value=0)
    )
    assert per_city.min() == 1
    assert per_city.max() == 17


def test_2014_education_per_city(e2014):
    edu = e2014.projects[e2014.projects["domain"] == "education"]
    cities_with = edu["city_id"].nunique()
    assert cities_with == 28
    # "4,5 projets par ville" holds over the cities that have an education project
    assert half_up(len(edu) / cities_with, 1) == Decimal("4.5")


def test_2014_objectives(e2014):
    order = mean_rank_order(e2014.objectives)
    assert order == [
        "qualite_service", "attractivite", "bonne_gestion", "exemplarite", "developpement_durable",
    ]
    assert e2014.objectives.groupby("city_id").size().eq(5).all()


def test_2014_governance(e2014):
    p = e2014.projects
    modes = p["management_mode"].value_counts()
    assert modes.index[0] == "regie" and modes.iloc[0] > modes.iloc[1]
    assert half_up(100 * modes["regie"] / len(p)) == 44
    assert (p["decision_mode"] == "unilaterale").sum() == 405
    rate = p.groupby("domain")["citizens_involved"].mean().sort_values(ascending=False)
    assert set(rate.index[:3]) == {"e_citoyennete", "e_gouvernement", "loisirs_culture"}
    assert rate.iloc[2] > rate.iloc[3]


# ------------------------------------------------------------------ 2013
def test_2013_panel(e2013):
    c = e2013.cities
    assert len(c) == 24
    assert c["kind"].value_counts().to_dict() == {"commune": 13, "conjoint": 6, "intercommunalite": 5}
    assert c["population_band"].isin(["p100_200k", "p200k_plus"]).sum() == 14


def test_2013_domain_shares(e2013):
    p = e2013.projects
    n = len(p)
    assert 24 * 46.5 <= n < 24 * 47.5
    assert half_up(n / 24) == 47
    printed = {
        "loisirs_culture": 16, "transport": 15, "e_citoyennete_gouvernement": 15,
        "education": 12, "batiment_urbanisme": 11, "energie": 9, "sante_social": 8,
        "securite": 7, "developpement_economique": 7,
    }
    counts = p["domain"].value_counts()
    counts = counts[counts > 0]  # a categorical also lists its categories without a project
    assert set(counts.index) == set(printed)
    for domain, share in printed.items():
        assert half_up(100 * counts[domain] / n) == share, domain
    ordered = list(counts.sort_values(ascending=False).index)
    assert ordered.index("education") == 3  # 4th
    assert p["status"].isin(["realise", "en_cours", "a_l_etude"]).all()
    assert p["status"].nunique() == 3


def test_2013_objectives(e2013):
    assert mean_rank_order(e2013.objectives) == [
        "qualite_service", "bonne_gestion", "attractivite", "developpement_durable",
    ]


# ------------------------------------------------------------------ 2015
def test_2015_panel_and_total(e2015):
    assert len(e2015.cities) == 47
    assert (e2015.cities["kind"] == "commune").all()
    assert 490 <= len(e2015.projects) <= 500


def test_2015_objectives(e2015):
    o = e2015.objectives
    cited = o[o["rank"].notna()].groupby("objective").size()
    asked = o.groupby("objective").size()
    assert (asked == 47).all()
    assert cited["attractivite"] == 43 and half_up(100 * 43 / 47) == 91
    assert cited["bonne_gestion"] == 26 and half_up(100 * 26 / 47) == 55
    assert cited["qualite_service"] == 39  # nearest attainable to 82 %
    assert cited.idxmin() == "developpement_durable"
    order = mean_rank_order(o)
    assert order[:2] == ["attractivite", "qualite_service"]
    assert order[-1] == "developpement_durable"
    assert o[o["rank"].notna()].groupby("city_id").size().reindex(e2015.cities["city_id"]).notna().all()


def test_2015_domains(e2015):
    harmonised = e2015.projects["domain"].astype("str").replace(
        {"e_citoyennete": "e_administration", "e_gouvernement": "e_administration"}
    )
    counts = harmonised.value_counts()
    assert counts.is_unique
    assert list(counts.index[:3]) == ["transport", "e_administration", "education"]


# ------------------------------------------------------------------ all
@pytest.mark.parametrize("year", [2013, 2014, 2015])
def test_anonymised_and_complete(year):
    e = editions.load(year)
    ids = e.cities["city_id"]
    assert list(ids) == [f"V{i:02d}" for i in range(1, len(ids) + 1)]
    assert e.projects["project_id"].is_unique
    assert e.projects["city_id"].value_counts().min() >= 1
    assert set(e.projects["city_id"]) == set(ids)
    assert not e.projects.isna().any().any()
    # one row per city and objective asked
    assert len(e.objectives) == len(ids) * len(e.questionnaire["objectives"])
    # ranks within a city are 1..m without gaps or repeats
    for _, r in e.objectives.dropna(subset=["rank"]).groupby("city_id")["rank"]:
        assert sorted(r.astype(int)) == list(range(1, len(r) + 1))
