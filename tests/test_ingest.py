"""Awkward exports: the fast reader against the exact one, formulas, control
characters, folders and links where a table is expected, degenerate tables,
running out of memory."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

import baro.io
from baro.cli import main
from baro.clean import load_tables

INPUTS = Path(__file__).parent / "inputs"

CITIES = "city_id,kind,population_band\n{rows}"
PROJECTS = "project_id,city_id,domain,status,management_mode,decision_mode,citizens_involved\n{rows}"


def run_cli(argv, capsys):
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def folder_with(tmp_path, cities: list[str], projects: list[str]) -> Path:
    (tmp_path / "cities.csv").write_text(CITIES.format(rows="".join(r + "\n" for r in cities)), encoding="utf-8")
    (tmp_path / "projects.csv").write_text(
        PROJECTS.format(rows="".join(r + "\n" for r in projects)), encoding="utf-8"
    )
    return tmp_path


CITY_ROWS = [
    f"V0{i},{kind},{band}"
    for i, kind, band in zip(range(1, 7), ["commune", "intercommunalite"] * 3, ["p50_100k", "p100_200k"] * 3)
]
PROJECT_ROWS = [
    "P1,V01,transport,realise,regie,concertation,true",
    "P2,V02,education,en_cours,mixte,unilaterale,false",
    "P3,V03,securite,a_l_etude,regie,co_construction,true",
    "P4,V04,transport,realise,mixte,concertation,false",
    "P5,V05,education,en_cours,regie,unilaterale,true",
    "P6,V06,securite,realise,mixte,concertation,false",
]


# ------------------------------------------------- fast reader, exact reader
TEXTS = [
    'Ville,Domaine\nV01,"Loisirs\net culture"\n\nV02,Transport\n',
    "# SIMULATED\nsep=;\nVille;Domaine;Statut;;\nV01;Transport\nV02;Énergie;En cours;;\n",
    "Export du 12/03/2016;;\n;;\nVille;Domaine;Statut\nV01;Transport;Réalisé\n",
    'Ville,Domaine\r"V0""1",  Transport  \rV02,"a ""quoted"" label"\r',
    "Ville\tDomaine\r\nV01\t\r\n\t\r\n  \t  \r\nV02\tTransport",
    'Ville,Domaine,Statut\nV01,Transport,"Réalisé, en partie"\nV02;Transport;Réalisé\n',
    "Ville,Domaine\nV01,Transport,,\nV02,Transport,x\n",
    'Ville,Domaine\nV01,"open quote\nV02,Transport\n',
]


@pytest.mark.parametrize("i", range(len(TEXTS)))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_fast_reader_reads_what_the_exact_reader_reads(tmp_path, monkeypatch, i, encoding):
    p = tmp_path / "projets.csv"
    p.write_bytes(TEXTS[i].encode(encoding))

    def read():
        try:
            frame, rows = baro.io.read_table(p)
        except baro.errors.InputError as exc:
            return [str(q) for q in exc.problems]
        return frame.to_numpy().tolist(), list(frame.columns), rows, frame.attrs["baro"]

    fast = read()
    monkeypatch.setattr(baro.io, "_read_csv_fast", lambda *a, **k: None)
    assert fast == read()


def test_corpus_csv_files_read_the_same_by_both_readers(monkeypatch):
    files = sorted(p for p in INPUTS.glob("*/*.csv"))
    assert len(files) > 30

    def read(p):
        try:
            frame, rows = baro.io.read_table(p)
        except baro.errors.InputError as exc:
            return [str(q) for q in exc.problems]
        return frame.to_numpy().tolist(), list(frame.columns), rows, frame.attrs["baro"]

    fast = [read(p) for p in files]
    monkeypatch.setattr(baro.io, "_read_csv_fast", lambda *a, **k: None)
    assert fast == [read(p) for p in files]


# ---------------------------------------------------------------- formulas
def formula_workbook(path: Path, stored: str | None) -> None:
    """projets.xlsx whose cell G3 holds a formula; with ``stored``, the value a spreadsheet program would store."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Projets"
    ws.append(["Identifiant projet", "Ville", "Domaine", "Statut", "Mode de gestion", "Mode de décision",
               "Citoyens impliqués"])
    ws.append(["P01", "V01", "Transports", "Réalisé", "Régie", "Concertation", "oui"])
    ws.append(["P02", "V01", "Éducation", "En cours", "Régie", "Concertation", '=IF(B2="V01","oui","non")'])
    wb.save(path)
    if stored is None:
        return
    # openpyxl stores no value for a formula: write one as a spreadsheet program does
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml, n = re.subn(
        rb'<c r="G3"><f>(.*?)</f><v\s*/>', b'<c r="G3" t="str"><f>\\1</f><v>' + stored.encode() + b"</v>",
        parts[sheet],
    )
    assert n == 1
    parts[sheet] = xml
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_formula_without_stored_value_names_sheet_cell_and_formula(tmp_path, capsys):
    formula_workbook(tmp_path / "projets.xlsx", None)
    (tmp_path / "villes.csv").write_text("city_id,kind,population_band\nV01,commune,p50_100k\n")
    code, out, err = run_cli(["validate", str(tmp_path)], capsys)
    assert code == 2 and out == ""
    assert (
        "projets.xlsx, row 3, column 'Citoyens impliqués': cell Projets!G3 holds the formula "
        "'=IF(B2=\"V01\",\"oui\",\"non\")' without a stored value; open the workbook in a spreadsheet "
        "program and save it" in err
    )


def test_formula_with_stored_value_is_read_and_logged(tmp_path, capsys):
    formula_workbook(tmp_path / "projets.xlsx", "non")
    (tmp_path / "villes.csv").write_text("city_id,kind,population_band\nV01,commune,p50_100k\n")
    t = load_tables(tmp_path)
    assert t.projects["citizens_involved"].tolist() == [True, False]
    assert "1 cell with a formula read from its stored value" in t.log.set_index("table").loc["projects", "note"]


# ------------------------------------------------------ control characters
def test_escape_sequence_in_a_city_id_is_an_error_shown_escaped(tmp_path, capsys):
    folder = folder_with(
        tmp_path,
        ["V01\x1b[31m,commune,p50_100k", "V02\x1b]0;owned\x07,commune,p50_100k"],
        ["P1,V01\x1b[31m,transport,realise,regie,concertation,true"],
    )
    code, out, err = run_cli(["validate", str(folder)], capsys)
    assert code == 2 and out == ""
    assert "\x1b" not in err and "\x07" not in err
    assert (
        "cities.csv, row 2, column 'city_id': 'V01\\x1b[31m': the identifier holds the control character "
        "\\x1b; identifiers and labels must be printable text" in err
    )
    assert "cities.csv, row 3, column 'city_id': 'V02\\x1b]0;owned\\x07'" in err
    assert "projects.csv, row 2, column 'city_id': 'V01\\x1b[31m'" in err


def test_control_character_in_a_label_is_an_error_naming_its_rows(tmp_path, capsys):
    folder = folder_with(
        tmp_path,
        CITY_ROWS,
        [r.replace("transport", "Transport\x07") for r in PROJECT_ROWS],
    )
    code, _, err = run_cli(["validate", str(folder)], capsys)
    assert code == 2
    assert (
        "projects.csv, row 2, column 'domain': 'Transport\\x07': the label holds the control character "
        "\\x07 (also row 5; 2 rows in all)" in err
    )


def test_tab_and_newline_inside_quoted_cells_keep_their_reading(tmp_path):
    rows = list(PROJECT_ROWS)
    rows[0] = 'P1,V01,"Loisirs\net\tculture",realise,regie,concertation,true'
    t = load_tables(folder_with(tmp_path, CITY_ROWS, rows))
    assert t.projects["domain"].tolist()[0] == "loisirs_culture"


def test_nothing_printed_holds_a_control_character(tmp_path, capsys):
    folder = folder_with(tmp_path, CITY_ROWS, PROJECT_ROWS)
    (folder / "notes\x1b[2J.csv").write_text("x")
    code, out, err = run_cli(["validate", str(folder)], capsys)
    assert code == 0, err
    assert "notes\\x1b[2J.csv" in out and "\x1b" not in out + err


# ------------------------------------------------------ folders and links
def test_a_folder_named_as_a_table_is_named_a_folder(tmp_path, capsys):
    folder = folder_with(tmp_path, CITY_ROWS, PROJECT_ROWS)
    (folder / "projects.csv").unlink()
    (folder / "projects.csv").mkdir()
    code, _, err = run_cli(["validate", str(folder)], capsys)
    assert code == 2
    assert "projects.csv: is a folder, not a table file" in err
    assert "no projects table" not in err


def test_a_link_leaving_the_data_folder_is_refused_in_one_line(tmp_path, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    folder_with(outside, CITY_ROWS, PROJECT_ROWS)
    data = tmp_path / "data"
    data.mkdir()
    (data / "cities.csv").symlink_to(outside / "cities.csv")
    (data / "projects.csv").write_text((outside / "projects.csv").read_text())
    code, _, err = run_cli(["validate", str(data)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].endswith("1 problem in the input:") and len(lines) == 2
    assert f"cities.csv: is a symbolic link to {outside / 'cities.csv'}, outside the data folder" in lines[1]


def test_a_link_inside_the_data_folder_is_read(tmp_path):
    folder = folder_with(tmp_path, CITY_ROWS, PROJECT_ROWS)
    (folder / "cities.csv").rename(folder / "villes-2016-export.txt")
    (folder / "cities.csv").symlink_to(folder / "villes-2016-export.txt")
    assert len(load_tables(folder).cities) == 6


# --------------------------------------------------------- degenerate tables
@pytest.mark.parametrize(
    "case, expected",
    [
        ("one_city", ["one city only"]),
        ("two_cities", ["2 cities, fewer than 5"]),
        ("one_domain", ["every row has domain 'transport' (one level)"]),
        ("all_citizens", ["every row has citizens_involved True (one level)"]),
    ],
)
def test_degenerate_tables_are_valid_with_a_warning(tmp_path, capsys, case, expected):
    rows = list(PROJECT_ROWS)
    if case == "one_city":
        rows = [re.sub(r",V0\d,", ",V01,", r) for r in rows]
    elif case == "two_cities":
        rows = [re.sub(r",V0[3-6],", ",V02,", r) for r in rows]
    elif case == "one_domain":
        rows = [re.sub(r"education|securite", "transport", r) for r in rows]
    elif case == "all_citizens":
        rows = [r.replace("false", "true") for r in rows]
    code, out, err = run_cli(["validate", str(folder_with(tmp_path, CITY_ROWS, rows))], capsys)
    assert code == 0 and out.rstrip().endswith(": valid")
    warnings = [line for line in err.splitlines() if line.startswith("baro validate: warning: ")]
    assert len(warnings) == len(err.splitlines()) == len(expected)
    for w, e in zip(warnings, expected):
        assert e in w


def test_regular_tables_give_no_warning(tmp_path):
    assert load_tables(folder_with(tmp_path, CITY_ROWS, PROJECT_ROWS)).warnings == []


# ---------------------------------------------------------------- memory
def test_running_out_of_memory_is_one_line(tmp_path, capsys, monkeypatch):
    import baro.clean.validate

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(baro.clean.validate, "load_tables", exhausted)
    code, out, err = run_cli(["validate", str(folder_with(tmp_path, CITY_ROWS, PROJECT_ROWS))], capsys)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and err.startswith("baro validate: error: out of memory")


# ------------------------------------------------------------------ cache
def test_kept_tables_are_read_back_and_a_change_reads_again(tmp_path, monkeypatch):
    import pandas as pd

    import baro.clean.cache as cache
    import baro.clean.validate

    monkeypatch.setenv("BARO_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data").mkdir()
    folder = folder_with(tmp_path / "data", CITY_ROWS, PROJECT_ROWS)
    calls = []
    real = baro.clean.validate.load_tables
    monkeypatch.setattr(cache, "load_tables", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = cache.cached_tables(folder, edition=2014)
    second = cache.cached_tables(folder, edition=2014)
    assert len(calls) == 1
    for table in ("cities", "projects", "objectives"):
        pd.testing.assert_frame_equal(first[table], second[table])
    pd.testing.assert_frame_equal(first.log, second.log)
    assert first.files == second.files
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0  # only its owner reads and writes it
    # another edition, then changed bytes: read again; one entry per folder and edition
    cache.cached_tables(folder, edition=2015)
    assert len(calls) == 2
    with (folder / "projects.csv").open("a") as fh:
        fh.write("P7,V01,transport,realise,regie,concertation,true\n")
    assert len(cache.cached_tables(folder, edition=2014).projects) == 7
    assert len(calls) == 3
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2


def test_tables_with_problems_are_never_kept(tmp_path, monkeypatch):
    import baro.clean.cache as cache
    from baro.errors import InputError

    monkeypatch.setenv("BARO_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data").mkdir()
    folder = folder_with(tmp_path / "data", CITY_ROWS, [r.replace("transport", "Trasnport") for r in PROJECT_ROWS])
    for _ in range(2):
        with pytest.raises(InputError, match="unknown domain"):
            cache.cached_tables(folder)
    assert not list((tmp_path / "cache").glob("*.pickle"))


def test_an_unreadable_entry_is_read_again(tmp_path, monkeypatch):
    import baro.clean.cache as cache

    monkeypatch.setenv("BARO_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "data").mkdir()
    folder = folder_with(tmp_path / "data", CITY_ROWS, PROJECT_ROWS)
    cache.cached_tables(folder)
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])  # cut short
    assert len(cache.cached_tables(folder).projects) == 6


def test_an_edition_reads_the_tables_its_run_checked(tmp_path, monkeypatch):
    import baro.clean.cache as cache
    from baro import editions
    from baro.paths import editions_dir

    monkeypatch.setenv("BARO_CACHE_DIR", str(tmp_path / "cache"))
    checked = cache.cached_tables(editions_dir() / "2014", edition=2014)  # what `baro run` does first

    def read_again(*args, **kwargs):
        raise AssertionError("the tables were read a second time")

    monkeypatch.setattr(cache, "load_tables", read_again)
    tables = editions.load(2014).tables
    assert tables.summary() == checked.summary()


def test_the_cleaning_log_shown_in_the_report_holds_no_control_character(tmp_path):
    folder = folder_with(tmp_path, CITY_ROWS, PROJECT_ROWS)
    text = (folder / "projects.csv").read_text()
    (folder / "projects.csv").write_text("# export \x1b[31mrouge\x1b[0m\n" + text.replace(
        "citizens_involved\n", "citizens_involved,Note\x07\n", 1))
    log = load_tables(folder).log
    notes = " ".join(log["note"])
    assert "\\x1b[31m" in notes and "Note\\x07" in notes
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", notes + " ".join(log["file"]))
