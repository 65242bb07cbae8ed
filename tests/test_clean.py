"""baro.clean: column and label matching, validation, the cleaning log."""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baro.clean import (
    CODED,
    COLUMN_SYNONYMS,
    COLUMNS,
    LOG_COLUMNS,
    LabelLookup,
    column_key,
    load_tables,
    normalise,
    parse_bool,
    parse_rank,
    recognise_column,
)
from baro.errors import InputError
from baro.taxonomy import load_taxonomy

TAX = load_taxonomy()
LOOKUP = LabelLookup.of(TAX)


def write(folder: Path, name: str, rows, delimiter=",", encoding="utf-8", eol="\n") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator=eol).writerows(rows)
    p = folder / name
    p.write_bytes(buf.getvalue().encode(encoding))
    return p


CITIES = [["city_id", "kind", "population_band"], ["V01", "commune", "p50_100k"], ["V02", "conjoint", "p200k_plus"]]
PROJECTS = [
    list(COLUMNS["projects"]),
    ["P1", "V01", "transport", "realise", "regie", "concertation", "true"],
    ["P2", "V02", "education", "en_cours", "ppp", "unilaterale", "false"],
]


def messages(exc_info) -> list[str]:
    return [str(p) for p in exc_info.value.problems]


# ------------------------------------------------------------ normalising
@given(st.text(max_size=40))
def test_normalise_is_idempotent(s):
    once = normalise(s)
    assert normalise(once) == once


@given(st.text(max_size=40))
def test_column_key_is_idempotent(s):
    assert column_key(column_key(s)) == column_key(s)


def synonyms():
    for variable in CODED:
        for cat in TAX.categories[variable].values():
            for s in (cat.code, cat.label, *cat.synonyms):
                yield variable, cat.code, s


def test_every_taxonomy_spelling_maps_to_its_code():
    wrong = [(v, s, LOOKUP.code(v, s), c) for v, c, s in synonyms() if LOOKUP.code(v, s) != c]
    assert wrong == []


def test_taxonomy_has_no_ambiguous_spelling():
    from baro.clean.labels import _AMBIGUOUS

    ambiguous = [(v, k) for v in CODED for k, c in LOOKUP.exact[v].items() if c is _AMBIGUOUS]
    assert ambiguous == []


def strip_accents(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def pluralise(s: str) -> str:
    return " ".join(w + "s" if len(w) >= 3 and w[-1:].isalpha() and not w.lower().endswith("s") else w for w in s.split(" "))


VARIANTS = [str.upper, str.lower, str.title, strip_accents, pluralise,
            lambda s: f"  {s}  ", lambda s: s.replace(" ", "  "), lambda s: s.replace(" ", "-")]
ALL_SYNONYMS = list(synonyms())


@given(st.sampled_from(ALL_SYNONYMS), st.lists(st.sampled_from(VARIANTS), max_size=4))
def test_every_synonym_variant_maps_to_its_code(entry, variants):
    variable, code, spelling = entry
    for f in variants:
        spelling = f(spelling)
    assert LOOKUP.code(variable, spelling) == code


def test_column_synonyms_are_recognised_and_unambiguous():
    seen = {}
    for col, names in COLUMN_SYNONYMS.items():
        for n in names:
            assert seen.setdefault(column_key(n), col) == col, n
            assert recognise_column(n.upper()) == col
            assert recognise_column(strip_accents(n).replace(" ", "_")) == col
    for cols in COLUMNS.values():
        for c in cols:
            assert recognise_column(c) == c


def test_issue_headers_are_recognised():
    assert {h: recognise_column(h) for h in (
        "Domaine", "Statut", "Ville", "Collectivité", "Code ville", "Identifiant projet", "Mode de gestion",
        "Mode de décision", "Implication des citoyens", "Citoyens impliqués", "Objectif", "Rang",
        "Type de collectivité", "Tranche de population")} == {
        "Domaine": "domain", "Statut": "status", "Ville": "city_id", "Collectivité": "city_id",
        "Code ville": "city_id", "Identifiant projet": "project_id", "Mode de gestion": "management_mode",
        "Mode de décision": "decision_mode", "Implication des citoyens": "citizens_involved",
        "Citoyens impliqués": "citizens_involved", "Objectif": "objective", "Rang": "rank",
        "Type de collectivité": "kind", "Tranche de population": "population_band"}


@pytest.mark.parametrize("value", ["oui", "OUI", "yes", "Vrai", "TRUE", "1", "1.0", "o", "O", "y"])
def test_yes(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["non", "Non", "no", "FAUX", "false", "0", "0.0", "n", "N"])
def test_no(value):
    assert parse_bool(value) is False


@pytest.mark.parametrize("value", ["", "peut-être", "2", "ouii", "nan"])
def test_not_yes_no(value):
    assert parse_bool(value) is None


@pytest.mark.parametrize(
    "value, expected",
    [("1", (1, None)), ("2.0", (2, None)), ("3,0", (3, None)), (" 4 ", (4, None)), ("", (None, None)),
     ("2.5", (None, "not a whole number")), ("0", (None, "not positive")), ("-1", (None, "not positive")),
     ("deux", (None, "not a number")), ("nan", (None, "not a number")), ("inf", (None, "not a number")),
     ("1e3", (None, "not a number")), ("1_0", (None, "not a number")), ("2e", (2, None)), ("3ème", (3, None))],
)
def test_parse_rank(value, expected):
    assert parse_rank(value) == expected


# ---------------------------------------------------------------- tables
def test_canonical_schema_and_log(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", PROJECTS)
    t = load_tables(tmp_path)
    assert t.cities.dtypes.astype(str).tolist() == ["str", "category", "category"]
    assert t.projects.dtypes.astype(str).tolist() == ["str"] * 2 + ["category"] * 4 + ["bool"]
    assert list(t.objectives.columns) == ["city_id", "objective", "rank"] and len(t.objectives) == 0
    assert t.objectives["rank"].dtype == "Int64"
    assert list(t.log.columns) == list(LOG_COLUMNS)
    assert (t.log.rows_read == t.log.rows_kept + t.log.rows_excluded).all()
    assert t.summary() == "2 cities, 2 projects, 0 objective answers"
    assert set(t.files) == {"cities", "projects"}
    with pytest.raises(KeyError, match="unknown table 'towns'; known: cities, projects, objectives"):
        t["towns"]


OBJECTIVES = [["city_id", "objective", "rank"], ["V01", "exemplarite", "1"], ["V01", "attractivite", ""],
              ["V02", "attractivite", "1"]]


@pytest.mark.parametrize("edition", [None, 2013, 2014])
def test_coded_columns_are_categoricals_in_taxonomy_order(tmp_path, edition):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", PROJECTS)
    write(tmp_path, "objectives.csv", OBJECTIVES)
    t = load_tables(tmp_path, edition=edition)
    for table in COLUMNS:
        frame = t[table]
        for col in COLUMNS[table]:
            dtype = frame[col].dtype
            if col in CODED:
                assert isinstance(dtype, pd.CategoricalDtype) and not dtype.ordered, (table, col)
                assert dtype.categories.tolist() == TAX.codes(col, edition), (table, col)
            elif col in ("city_id", "project_id"):
                assert str(dtype) == "str", (table, col)
    assert t.projects["domain"].tolist() == ["transport", "education"]
    assert t.objectives["objective"].tolist() == ["exemplarite", "attractivite", "attractivite"]
    domains = t.projects["domain"].cat.categories
    assert ("e_citoyennete_gouvernement" in domains) == (edition in (None, 2013))
    assert ("e_citoyennete" in domains) == (edition in (None, 2014))


def test_unobserved_category_is_a_level_as_a_factor_in_r(tmp_path):
    from baro import stats

    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", PROJECTS)
    t = load_tables(tmp_path, edition=2014)
    plain = t.projects.astype({c: "str" for c in CODED if c in t.projects.columns})
    for cluster in (None, "city_id"):
        # the categorical keeps the category nobody chose, with count 0
        s = stats.shares(t.projects, "status", cluster=cluster)
        assert s["level"].tolist() == ["en_cours", "realise", "a_l_etude"]
        assert s["count"].tolist() == [1, 1, 0]
        # plain strings know only the observed levels, unless asked
        p = stats.shares(plain, "status", cluster=cluster)
        assert p["level"].tolist() == ["en_cours", "realise"]
        asked = stats.shares(plain, "status", cluster=cluster, levels=TAX.codes("status"))
        assert asked["level"].tolist() == ["realise", "en_cours", "a_l_etude"]
        assert asked["count"].tolist() == [1, 1, 0]
    g = stats.goodness_of_fit(t.projects.astype({"domain": "str"}), "domain")
    assert g.table["level"].tolist() == ["education", "transport"]


def test_problems_from_every_file_are_collected(tmp_path):
    write(tmp_path, "cities.csv", [*CITIES, ["V03", "hameau", "p50_100k"]])
    write(tmp_path, "projects.csv", [*PROJECTS, ["P3", "V01", "transport", "fini?", "regie", "concertation", "oui"]])
    write(tmp_path, "objectives.csv", [["city_id", "objective", "rank"], ["V01", "attractivité", "1"],
                                       ["V01", "Attractivite", "2"], ["V04", "exemplarite", ""]])
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    msgs = messages(e)
    assert any(m.startswith(f"{tmp_path / 'cities.csv'}, row 4, column 'kind': 'hameau': unknown kind") for m in msgs)
    assert any(m.startswith(f"{tmp_path / 'projects.csv'}, row 4, column 'status': 'fini?': unknown status") for m in msgs)
    assert f"{tmp_path / 'objectives.csv'}, row 3, column 'objective': 'V01, attractivite': duplicate objective for this city (first at row 2)" in msgs
    assert any(m.startswith(f"{tmp_path / 'objectives.csv'}, row 4, column 'city_id': 'V04': city not in the cities table") for m in msgs)
    assert len(msgs) == 4


def test_unknown_label_lists_rows_and_count(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    rows = [PROJECTS[0]] + [[f"P{i}", "V01", "Trasnport" if i % 2 else "transport", "realise", "regie",
                             "concertation", "oui"] for i in range(20)]
    write(tmp_path, "projects.csv", rows)
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    (msg,) = messages(e)
    assert "row 3, column 'domain': 'Trasnport': unknown domain (also rows 5, 7, 9, 11, 13 and 4 more; 10 rows in all)" in msg
    assert "closest: 'Transport'" in msg


def test_nothing_maps_to_autre(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", [*PROJECTS, ["P3", "V01", "autre", "realise", "regie", "concertation", "oui"]])
    with pytest.raises(InputError, match="'autre': unknown domain"):
        load_tables(tmp_path)


def test_edition_restricts_categories(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", [*PROJECTS, ["P3", "V01", "E-citoyenneté / e-gouvernement", "realise",
                                                 "regie", "concertation", "oui"]])
    assert load_tables(tmp_path, edition=2013).projects["domain"].iloc[-1] == "e_citoyennete_gouvernement"
    with pytest.raises(InputError, match="is a category of edition.s. 2013, not of 2014"):
        load_tables(tmp_path, edition=2014)


def test_two_columns_for_one_field(tmp_path):
    write(tmp_path, "cities.csv", [["Ville", "Code ville", "kind", "population_band"], ["V01", "V01", "commune", "p50_100k"]])
    write(tmp_path, "projects.csv", PROJECTS[:2])
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    assert messages(e) == [f"{tmp_path / 'cities.csv'}, column 'city_id': columns 'Ville' and 'Code ville' both read as city_id; keep one"]


def test_only_empty_rows(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", [PROJECTS[0], [""] * 7, [" "] * 7])
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    assert messages(e) == [f"{tmp_path / 'projects.csv'}: has no data rows: all 2 rows are empty"]


def test_population_below_bands(tmp_path):
    write(tmp_path, "cities.csv", [CITIES[0], ["V01", "commune", "42 000"], ["V02", "commune", "120 000"]])
    write(tmp_path, "projects.csv", PROJECTS)
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    assert messages(e) == [f"{tmp_path / 'cities.csv'}, row 2, column 'population_band': '42 000': population below 50 000, the survey's smallest band"]


@pytest.mark.parametrize("year", [2013, 2014, 2015])
def test_repository_editions_load(year):
    from baro import editions

    if year not in editions.available():
        pytest.skip("edition not present")
    path = editions.load(year).path
    if not (path / "projects.csv").exists():
        pytest.skip("edition has no tables yet")
    t = load_tables(path, edition=year)
    assert (t.log.rows_read == t.log.rows_kept + t.log.rows_excluded).all()
    assert set(t.projects["city_id"]) <= set(t.cities["city_id"])
    assert t.projects["project_id"].is_unique


# ------------------------------------------------- property: no row lost
SPELLINGS = {v: [(c.code, [c.code, c.label, *c.synonyms]) for c in TAX.categories[v].values()
                 if c.editions is None or 2014 in c.editions] for v in CODED}
YES_NO = {True: ["oui", "Oui", "YES", "vrai", "true", "1", "o"], False: ["non", "NON", "no", "faux", "False", "0", "n"]}


@st.composite
def spelled(draw, variable):
    code, spellings = draw(st.sampled_from(SPELLINGS[variable]))
    s = draw(st.sampled_from(spellings))
    for f in draw(st.lists(st.sampled_from(VARIANTS), max_size=2)):
        s = f(s)
    return code, s


@st.composite
def messy_projects(draw):
    n = draw(st.integers(1, 12))
    header = [draw(st.sampled_from(COLUMN_SYNONYMS[c])) for c in COLUMNS["projects"]]
    header = [draw(st.sampled_from([str, str.upper, str.title]))(h) for h in header]
    rows, expected = [header], []
    for i in range(n):
        while draw(st.booleans()) and draw(st.booleans()):
            rows.append(draw(st.sampled_from([[""] * 7, [" "] * 7, []])))
        rec, codes = [f"P{i}", draw(st.sampled_from(["V01", "V02"]))], {}
        for col in ("domain", "status", "management_mode", "decision_mode"):
            codes[col], text = draw(spelled(col))
            rec.append(text)
        answer = draw(st.booleans())
        rec.append(draw(st.sampled_from(YES_NO[answer])))
        rows.append(rec)
        expected.append((codes, answer))
    dialect = (draw(st.sampled_from([",", ";", "\t"])), draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])),
               draw(st.sampled_from(["\n", "\r\n"])))
    return rows, expected, dialect


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_projects())
def test_no_row_is_lost_on_messy_tables(case):
    rows, expected, (delimiter, encoding, eol) = case
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        write(d, "villes.csv", CITIES)
        write(d, "projets.csv", rows, delimiter, encoding, eol)
        before = (d / "projets.csv").read_bytes()
        t = load_tables(d)
        log = t.log.set_index("table").loc["projects"]
        n_blank = sum(1 for r in rows[1:] if not any(c.strip() for c in r))
        assert log.rows_read == len(rows) - 1
        assert log.rows_read == log.rows_kept + log.rows_excluded
        assert (log.rows_kept, log.rows_excluded) == (len(expected), n_blank)
        assert log.reason == ("empty row" if n_blank else "")
        for col in ("domain", "status", "management_mode", "decision_mode"):
            assert t.projects[col].tolist() == [codes[col] for codes, _ in expected]
        assert t.projects["citizens_involved"].tolist() == [a for _, a in expected]
        assert (d / "projets.csv").read_bytes() == before


CELLS = st.one_of(
    st.sampled_from(["", " ", "V01", "V02", "P1", "transport", "Réalisé", "oui", "2.5", "1", '"', ";", ",", "\t",
                     "\n", "\r\n", "#", "é", "Ã©", "\x00", "Domaine", "Ville", "Rang"]),
    st.text(max_size=6),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CELLS, max_size=60), st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1"]),
       st.sampled_from(["projets.csv", "projets.xlsx", "projets.sav"]))
def test_garbage_gives_an_input_error_or_tables_never_a_crash(cells, encoding, name):
    text = "".join(cells)
    data = text.encode(encoding, errors="replace")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        write(d, "villes.csv", CITIES)
        (d / name).write_bytes(data)
        try:
            t = load_tables(d)
        except InputError as exc:
            assert exc.problems and all(str(p) for p in exc.problems)
        else:
            assert (t.log.rows_read == t.log.rows_kept + t.log.rows_excluded).all()
        assert (d / name).read_bytes() == data


def test_not_cited_markers_are_empty_ranks_and_noted(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", PROJECTS)
    write(tmp_path, "objectives.csv", [["city_id", "objective", "rank"], ["V01", "attractivite", "1"],
                                       ["V01", "exemplarite", "NA"], ["V01", "bonne_gestion", "-"],
                                       ["V02", "exemplarite", "Non cité"], ["V02", "attractivite", ""],
                                       ["V02", "bonne_gestion", "?"]])
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    assert messages(e) == [f"{tmp_path / 'objectives.csv'}, row 7, column 'rank': '?': not a number; "
                           "expected a positive whole number (1 = first) or empty"]
    write(tmp_path, "objectives.csv", [["city_id", "objective", "rank"], ["V01", "attractivite", "1"],
                                       ["V01", "exemplarite", "NA"], ["V01", "bonne_gestion", "-"],
                                       ["V02", "exemplarite", "Non cité"], ["V02", "attractivite", ""]])
    t = load_tables(tmp_path)
    assert t.objectives["rank"].tolist() == [1, pd.NA, pd.NA, pd.NA, pd.NA]
    note = t.log.set_index("table").loc["objectives", "note"]
    assert "1 rank 'NA' read as not cited" in note and "1 rank 'Non cité' read as not cited" in note
    assert "''" not in note


def test_wide_objectives_become_one_row_per_city_and_objective(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", PROJECTS)
    write(tmp_path, "objectives.csv", [["Ville", "Attractivité", "Exemplarité", "Commentaire"],
                                       ["V01", "2", "1", "x"], ["", "", "", ""], ["V02", "", "1.0", ""]])
    t = load_tables(tmp_path)
    assert t.objectives.to_dict("list") == {
        "city_id": ["V01", "V01", "V02", "V02"],
        "objective": ["attractivite", "exemplarite", "attractivite", "exemplarite"],
        "rank": [2, 1, None, 1],
    }
    log = t.log.set_index("table").loc["objectives"]
    assert (log.rows_read, log.rows_kept, log.rows_excluded) == (3, 2, 1)
    assert "column 'Commentaire' ignored" in log.note


def test_wide_objectives_errors_name_the_objective_column(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", PROJECTS)
    write(tmp_path, "objectives.csv", [["Ville", "Attractivité", "Exemplarité", "Bonne gestion"],
                                       ["V01", "2,5", "1", "1"], ["V03", "1", "", ""]])
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    f = tmp_path / "objectives.csv"
    assert messages(e) == [
        f"{f}, row 2, column 'Attractivité': '2,5': not a whole number; expected a positive whole number (1 = first) or empty",
        f"{f}, row 2, column 'rank': '1': city 'V01' gives rank 1 to two objectives: 'exemplarite' (row 2) and 'bonne_gestion' (row 2)",
        f"{f}, row 3, column 'Ville': 'V03': city not in the cities table cities.csv",
    ]


def test_table_in_a_format_not_read_is_named(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    (tmp_path / "projets.ods").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    assert messages(e)[0].startswith(f"{tmp_path}: no projects table (projets.ods: format not read; save as .csv or .xlsx)")


def test_loosely_named_files_and_files_not_read(tmp_path, capsys):
    from baro.cli import main

    write(tmp_path, "villes_2016.csv", CITIES)
    write(tmp_path, "projets.csv", PROJECTS)
    write(tmp_path, "projets_ancien.csv", PROJECTS)
    write(tmp_path, "objectifs par ville.csv", [["city_id", "objective", "rank"], ["V01", "attractivite", "1"]])
    t = load_tables(tmp_path)
    assert {k: p.name for k, p in t.files.items()} == {"cities": "villes_2016.csv", "projects": "projets.csv"}
    assert t.ignored == ("objectifs par ville.csv", "projets_ancien.csv")
    assert main(["validate", str(tmp_path)]) == 0
    assert "not read (not named as a table): objectifs par ville.csv, projets_ancien.csv" in capsys.readouterr().out
    write(tmp_path, "villes_copie.csv", CITIES)
    with pytest.raises(InputError, match="two files for the cities table: villes_2016.csv and villes_copie.csv"):
        load_tables(tmp_path)


def test_unclosed_quote_is_pointed_at(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    (tmp_path / "projects.csv").write_text(
        ",".join(PROJECTS[0]) + "\n" + 'P1,V01,"transport,realise,regie,concertation,oui\n'
        + "P2,V02,education,en_cours,ppp,unilaterale,non\n" * 30, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    msgs = messages(e)
    domain = [m for m in msgs if "column 'domain'" in m]
    assert len(domain) == 1 and "row 2" in domain[0] and "left open?" in domain[0]
    assert "...'" in domain[0] and len(domain[0]) < 1000


def test_cities_without_projects_are_noted(tmp_path):
    write(tmp_path, "cities.csv", [*CITIES, ["V03", "commune", "p50_100k"]])
    write(tmp_path, "projects.csv", PROJECTS)
    t = load_tables(tmp_path)
    assert len(t.cities) == 3
    assert t.log.set_index("table").loc["cities", "note"] == "CSV, utf-8, comma; 1 city without any project: V03"


def test_file_without_header_row(tmp_path):
    write(tmp_path, "cities.csv", CITIES[1:])
    write(tmp_path, "projects.csv", PROJECTS)
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    assert messages(e) == [
        f"{tmp_path / 'cities.csv'}, row 1: no column name recognised in the header row ('V01', 'commune', "
        "'p50_100k'); is the header row missing? Expected columns city_id, kind, population_band "
        "(French: 'ville', 'type de collectivité', 'tranche de population')"
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_projects(), st.integers(0, 3))
def test_no_row_is_lost_in_workbooks(case, title_rows):
    import openpyxl

    rows, expected, _ = case
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        write(d, "villes.csv", CITIES)
        wb = openpyxl.Workbook()
        for i in range(title_rows):
            wb.active.append([f"Titre {i}"] if i % 2 == 0 else [])
        for r in rows:
            wb.active.append([c if c.strip() else None for c in r])
        wb.save(d / "projets.xlsx")
        t = load_tables(d)
        log = t.log.set_index("table").loc["projects"]
        body = rows[1:]
        while body and not any(c.strip() for c in body[-1]):
            body.pop()  # empty rows ending a sheet are not rows of the table
        n_blank = sum(1 for r in body if not any(c.strip() for c in r))
        assert (log.rows_read, log.rows_kept, log.rows_excluded) == (len(body), len(expected), n_blank)
        assert t.projects["domain"].tolist() == [codes["domain"] for codes, _ in expected]


def test_next_edition_uses_the_latest_categories_and_says_so(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", [*PROJECTS, ["P3", "V01", "E-citoyenneté", "realise", "regie", "concertation", "oui"]])
    latest = max(y for c in TAX.categories["domain"].values() for y in (c.editions or ()))
    t = load_tables(tmp_path, edition=latest + 1)
    assert t.projects["domain"].iloc[-1] == "e_citoyennete"
    note = t.log.set_index("table").loc["projects", "note"]
    assert f"domain: edition {latest + 1} is newer than the taxonomy's editions; categories of {latest} used" in note
    write(tmp_path, "projects.csv", [*PROJECTS, ["P3", "V01", "E-citoyenneté / e-gouvernement", "realise", "regie",
                                                 "concertation", "oui"]])
    with pytest.raises(InputError, match=f"not of {latest + 1}"):
        load_tables(tmp_path, edition=latest + 1)


def test_city_id_differing_in_case_gets_a_hint(tmp_path):
    write(tmp_path, "cities.csv", CITIES)
    write(tmp_path, "projects.csv", [*PROJECTS, ["P3", "v-01", "transport", "realise", "regie", "concertation", "oui"]])
    with pytest.raises(InputError) as e:
        load_tables(tmp_path)
    assert messages(e) == [
        f"{tmp_path / 'projects.csv'}, row 4, column 'city_id': 'v-01': city not in the cities table cities.csv; "
        "the cities table has 'V01' (identifiers are compared exactly)"
    ]
