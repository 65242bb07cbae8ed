"""Editions as data: the registry, edition.toml fields, the taxonomy."""

from __future__ import annotations

import tomllib

import pytest

from baro import editions
from baro.errors import BaroError
from baro.reconcile import STATISTICS
from baro.taxonomy import load_taxonomy

YEARS = (2013, 2014, 2015)
UNITS = {"count", "percent", "rank", "mean", "levels", "statement"}
TABLES = {"cities", "projects", "objectives"}
CODED = ("kind", "population_band", "domain", "status", "management_mode", "decision_mode")


@pytest.fixture(scope="module", params=YEARS)
def edition(request):
    return editions.load(request.param)


def test_available_lists_the_three_editions():
    assert editions.available() == list(YEARS)


def test_load_reads_metadata(edition):
    assert edition.meta["edition"]["year"] == edition.year
    assert edition.simulated is True
    assert isinstance(edition.meta["edition"]["seed"], int)
    assert "simul" in edition.meta["edition"]["data_note"].lower()
    assert edition.path.name == str(edition.year)


def test_unknown_edition_is_a_user_error():
    with pytest.raises(BaroError, match="available: 2013, 2014, 2015"):
        editions.load(1999)


def test_every_figure_has_the_documented_fields(edition):
    ids = [f["id"] for f in edition.figures]
    assert len(ids) == len(set(ids)), "figure ids must be unique"
    for f in edition.figures:
        where = f"{edition.year}/{f['id']}"
        assert "value" in f, where
        assert f["unit"] in UNITS, where
        assert f["basis"] in {"verbatim", "derived"}, where
        assert f["source"].strip(), where
        assert f["note"].strip(), where
        assert f["label"].strip(), where
        if f.get("computable", True):
            assert f["statistic"] in STATISTICS, where
            assert f["table"] in TABLES, where
            if f["statistic"] in ("rank", "top", "bottom", "top_rate", "levels"):
                assert "column" in f, where
        else:
            assert "statistic" not in f, where
        if f.get("approximate", False):
            assert f["tolerance"] > 0, where
        if f["unit"] == "levels":
            assert isinstance(f["value"], list) and f["value"], where
        elif f["unit"] == "statement":
            assert isinstance(f["value"], str) and not f.get("computable", True), where
        else:
            assert isinstance(f["value"], (int, float)), where


def test_every_assumption_has_id_and_text(edition):
    ids = [a["id"] for a in edition.assumptions]
    assert len(ids) == len(set(ids))
    for a in edition.assumptions:
        assert len(a["text"]) > 20, a["id"]


def test_codes_in_figures_exist_in_the_taxonomy(edition):
    tax = load_taxonomy()
    for f in edition.figures:
        for col, val in (f.get("where") or {}).items():
            if col in CODED:
                for code in val if isinstance(val, list) else [val]:
                    assert code in tax.codes(col), (f["id"], code)
        if "level" in f:
            variable = f.get("column", "objective")
            assert f["level"] in tax.codes(variable), f["id"]
        if f["unit"] == "levels":
            variable = f["column"]
            known = set(tax.labels(variable)) if f.get("harmonised") else set(tax.codes(variable))
            assert set(f["value"]) <= known, f["id"]


def test_questionnaires():
    tax = load_taxonomy()
    q = {y: editions.load(y).questionnaire for y in YEARS}
    for y in YEARS:
        assert set(q[y]["domains"]) <= set(tax.codes("domain", y)), y
        assert set(q[y]["objectives"]) <= set(tax.codes("objective")), y
        assert q[y]["note"].strip()
    # 2013: nine domains, one e-citoyenneté / e-gouvernement category, no environnement
    assert len(q[2013]["domains"]) == 9
    assert "e_citoyennete_gouvernement" in q[2013]["domains"]
    assert "environnement" not in q[2013]["domains"]
    assert "energie" in q[2013]["domains"]
    assert len(q[2013]["objectives"]) == 4
    # 2014: ten domains with the split; énergie not asked; five objectives
    assert len(q[2014]["domains"]) == 10
    assert {"e_citoyennete", "e_gouvernement", "environnement"} <= set(q[2014]["domains"])
    assert "energie" not in q[2014]["domains"]
    assert len(q[2014]["objectives"]) == 5
    # 2015 reuses the 2014 questionnaire
    assert q[2015]["domains"] == q[2014]["domains"]
    assert q[2015]["objectives"] == q[2014]["objectives"]


def test_disagreeing_sources_are_kept():
    vals14 = {f["value"] for f in editions.load(2014).figures if f.get("table") == "cities"
              and f.get("statistic") == "count" and not f.get("where")}
    vals13 = {f["value"] for f in editions.load(2013).figures if f.get("table") == "cities"
              and f.get("statistic") == "count" and not f.get("where")}
    assert vals14 == {38, 37}
    assert vals13 == {24, 25, 22}


def test_each_edition_records_its_published_numbers():
    """Spot-check that the facts file's figures are recorded, edition by edition."""
    def values(year):
        return [f["value"] for f in editions.load(year).figures]

    v14 = values(2014)
    for x in (38, 37, 810, 371, 47, 45.8, 131, 16.2, 1, 17, 125, 15.4, 4.5, 115, 14.2, 44, 50):
        assert x in v14, x
    v13 = values(2013)
    for x in (24, 25, 22, 5, 13, 6, 14, 47, 16, 15, 12, 11, 9, 8, 7, 4):
        assert x in v13, x
    v15 = values(2015)
    for x in (47, 500, 91, 82, 55):
        assert x in v15, x
    # the nine 2013 domain shares sum to 100
    shares = [f["value"] for f in editions.load(2013).figures
              if f["unit"] == "percent" and f["id"].startswith("domain_")]
    assert len(shares) == 9 and sum(shares) == 100


def test_edition_toml_is_plain_toml():
    for y in YEARS:
        with (editions.load(y).path / "edition.toml").open("rb") as fh:
            raw = tomllib.load(fh)
        assert raw["edition"]["simulated"] is True


def test_taxonomy_loads_and_covers_the_tables(edition):
    tax = load_taxonomy()
    for variable in ("domain", "objective", "status", "management_mode", "decision_mode"):
        assert tax.codes(variable)
    for col in ("kind", "population_band"):
        assert set(edition.cities[col]) <= set(tax.codes(col)), col
    for col in ("domain", "status", "management_mode", "decision_mode"):
        assert set(edition.projects[col]) <= set(tax.codes(col, edition.year)), col
    assert set(edition.projects["domain"]) <= set(edition.questionnaire["domains"])
    assert set(edition.objectives["objective"]) == set(edition.questionnaire["objectives"])
    # every harmonised code has a label
    for code in tax.crosswalk("domain").values():
        assert tax.label("domain", code)


def test_tables_have_the_categories_the_edition_asked():
    # a category of the taxonomy the questionnaire did not offer (énergie in
    # 2014) is no level of the tables: no share of 0 %, no weight in a test
    for y in YEARS:
        e = editions.load(y)
        assert list(e.projects["domain"].cat.categories) == [
            c for c in load_taxonomy().codes("domain", y) if c in e.questionnaire["domains"]
        ]
        assert set(e.objectives["objective"].cat.categories) == set(e.questionnaire["objectives"])
    assert "energie" not in editions.load(2014).projects["domain"].cat.categories


def test_a_table_holding_a_category_not_asked_is_an_error():
    import dataclasses

    e = editions.load(2014)
    meta = {**e.meta, "questionnaire": {**e.questionnaire, "domains": ["transport", "education"]}}
    with pytest.raises(BaroError, match=r"edition 2014: table 'projects', column 'domain' holds .*'securite'"):
        dataclasses.replace(e, meta=meta).tables
