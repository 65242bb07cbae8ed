"""`baro validate` and `baro import` on the corpus of messy and broken exports.

Each folder of tests/inputs/ holds tables and expected.txt (see
tests/inputs/make_inputs.py, which wrote them). Workbooks and SPSS files
are built here by fixtures.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from baro.cli import main

INPUTS = Path(__file__).parent / "inputs"
CASES = sorted(p.name for p in INPUTS.iterdir() if (p / "expected.txt").is_file())


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def expectations(folder: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"exit": [], "edition": [], "args": [], "out": [], "err": []}
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(": ")
        out[key].append(value)
    return out


def run_cli(argv, capsys):
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_corpus_is_large_enough():
    assert len(CASES) >= 15
    assert sum(expectations(INPUTS / c)["exit"] == ["2"] for c in CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case, capsys):
    folder = INPUTS / case
    exp = expectations(folder)
    argv = ["validate", str(folder)]
    if exp["edition"]:
        argv += ["--edition", exp["edition"][0]]
    for a in exp["args"]:
        argv += a.split()
    before = snapshot(folder)
    code, out, err = run_cli(argv, capsys)
    assert code == int(exp["exit"][0]), err
    for fragment in exp["out"]:
        assert fragment in out, f"{fragment!r} not in:\n{out}"
    for fragment in exp["err"]:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    assert "Traceback" not in err
    if code == 0:
        # valid: only warnings on stderr (these small corpora have few cities)
        assert out.rstrip().endswith(": valid")
        assert all(line.startswith("baro validate: warning: ") for line in err.splitlines()), err
    else:
        assert out == ""
    assert snapshot(folder) == before


def test_max_errors_limits_lines(capsys):
    code, _, err = run_cli(["validate", str(INPUTS / "many_errors"), "--max-errors", "3"], capsys)
    lines = err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1 + 3 + 1  # head, three problems, "... and 9 more"
    assert lines[-1].strip() == "... and 9 more problems"


def test_missing_folder(tmp_path, capsys):
    code, out, err = run_cli(["validate", str(tmp_path / "nowhere")], capsys)
    assert code == 2 and "nowhere: folder not found" in err and out == ""


def test_negative_max_errors(capsys):
    code, _, err = run_cli(["validate", str(INPUTS / "many_errors"), "--max-errors", "-1"], capsys)
    assert code == 2 and "--max-errors must be 0 or more" in err


def test_real_process_has_no_traceback():
    env = dict(os.environ, PYTHONWARNINGS="error")
    for case, status in (("unknown_label_typo", 2), ("cp1252_semicolon_crlf", 0)):
        proc = subprocess.run(
            [sys.executable, "-m", "baro", "validate", str(INPUTS / case)],
            capture_output=True, text=True, env=env, timeout=120,
        )
        assert proc.returncode == status, proc.stderr
        assert "Traceback" not in proc.stderr


# ------------------------------------------------------- workbooks, SPSS
PROJECT_ROWS = [
    ["P01", "V01", "Transports", "Réalisé", "Régie", "Concertation", "Oui"],
    ["P02", "V01", "Éducation", "En cours", "Marché public", "Unilatérale", "Non"],
    ["P03", "V02", "Sécurité", "À l'étude", "PPP", "Co-construction", "Oui"],
]
PROJECT_HEADER = ["Identifiant projet", "Ville", "Domaine", "Statut", "Mode de gestion", "Mode de décision", "Citoyens impliqués"]


@pytest.fixture
def xlsx_folder(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Projets"
    ws.append(["Baromètre ville numérique 2016 : export des projets"])
    ws.append([])
    ws.append(["Extrait le 12/03/2016"])
    ws.append(PROJECT_HEADER)
    for r in PROJECT_ROWS:
        ws.append(r)
    ws.append([])  # an empty row inside the table, then one more project
    ws.append(["P04", "V02", "Energie", "Realise", "Regie", "Concertation", 1])
    readme = wb.create_sheet("Lisez-moi")
    readme.append(["Notes"])
    wb.save(tmp_path / "projets.xlsx")
    wbc = openpyxl.Workbook()
    wbc.active.append(["Code ville", "Type", "Population"])
    wbc.active.append(["V01", "Commune", 75000])
    wbc.active.append(["V02", "Métropole", 250000.0])
    wbc.save(tmp_path / "villes.xlsx")
    return tmp_path


def test_xlsx_with_title_rows(xlsx_folder, capsys):
    before = snapshot(xlsx_folder)
    code, out, err = run_cli(["validate", str(xlsx_folder)], capsys)
    assert code == 0, err
    assert "2 cities, 4 projects, 0 objective answers: valid" in out
    assert "row 1 above the header skipped: 'Baromètre ville numérique 2016" in out
    assert "XLSX, sheet 'Projets'" in out and "'Lisez-moi'" in out
    assert "2 population figures binned into bands" in out
    from baro.clean import load_tables

    t = load_tables(xlsx_folder)
    assert t.cities["population_band"].tolist() == ["p50_100k", "p200k_plus"]
    assert t.projects["citizens_involved"].tolist() == [True, False, True, True]
    row = t.log.set_index("table").loc["projects"]
    assert (row.rows_read, row.rows_kept, row.rows_excluded) == (5, 4, 1)
    assert snapshot(xlsx_folder) == before


def test_xlsx_error_gives_sheet_row(xlsx_folder, capsys):
    import openpyxl

    wb = openpyxl.load_workbook(xlsx_folder / "projets.xlsx")
    wb["Projets"]["C6"] = "Trasnports"  # sheet row 6 = second project
    wb.save(xlsx_folder / "projets.xlsx")
    code, _, err = run_cli(["validate", str(xlsx_folder)], capsys)
    assert code == 2
    assert "projets.xlsx, row 6, column 'Domaine': 'Trasnports': unknown domain" in err
    assert "closest: 'Transport'" in err


@pytest.fixture
def sav_folder(tmp_path):
    import pyreadstat

    df = pd.DataFrame(
        {
            "idproj": ["P01", "P02", "P03"],
            "ville": ["V01", "V01", "V02"],
            "q1": [1.0, 2.0, 1.0],
            "q2": [1.0, 1.0, 3.0],
            "q3": [1.0, 2.0, 1.0],
            "q4": [2.0, 2.0, 1.0],
            "q5": [1.0, 0.0, 0.0],
        }
    )
    pyreadstat.write_sav(
        df,
        tmp_path / "projects.sav",
        column_labels=["Identifiant projet", "Ville", "Domaine", "Statut", "Mode de gestion",
                       "Mode de décision", "Citoyens impliqués"],
        variable_value_labels={
            "q1": {1.0: "Transports", 2.0: "Éducation"},
            "q2": {1.0: "Réalisé", 2.0: "En cours", 3.0: "À l'étude"},
            "q3": {1.0: "Régie", 2.0: "Délégation de service public"},
            "q4": {1.0: "Unilatérale", 2.0: "Concertation"},
            "q5": {1.0: "Oui", 0.0: "Non"},
        },
    )
    (tmp_path / "cities.csv").write_text(
        "city_id,kind,population_band\nV01,commune,p50_100k\nV02,commune,p100_200k\n", encoding="utf-8"
    )
    return tmp_path


def test_sav_value_labels(sav_folder):
    from baro.clean import load_tables

    t = load_tables(sav_folder)
    assert t.projects["domain"].tolist() == ["transport", "education", "transport"]
    assert t.projects["status"].tolist() == ["realise", "realise", "a_l_etude"]
    assert t.projects["management_mode"].tolist() == ["regie", "delegation", "regie"]
    assert t.projects["citizens_involved"].tolist() == [True, False, False]
    assert "SPSS .sav" in t.log.set_index("table").loc["projects", "note"]


def test_sav_error_names_case(sav_folder, capsys):
    import pyreadstat

    df, meta = pyreadstat.read_sav(sav_folder / "projects.sav")
    df.loc[1, "q1"] = 7.0  # a code without a value label
    pyreadstat.write_sav(df, sav_folder / "projects.sav", column_labels=meta.column_labels,
                         variable_value_labels=meta.variable_value_labels)
    code, _, err = run_cli(["validate", str(sav_folder)], capsys)
    assert code == 2
    assert "projects.sav, row 2, column 'Domaine': '7': unknown domain" in err


# ---------------------------------------------------------------- import
@pytest.fixture
def root(tmp_path, monkeypatch):
    import shutil

    from baro.paths import data_dir

    r = tmp_path / "root"
    (r / "data" / "editions").mkdir(parents=True)
    shutil.copy(data_dir() / "taxonomy.toml", r / "data" / "taxonomy.toml")
    monkeypatch.setenv("BARO_ROOT", str(r))
    return r


def test_import_writes_canonical_tables(root, capsys):
    from baro import editions
    from baro.clean import load_tables

    src = INPUTS / "cp1252_semicolon_crlf"
    before = snapshot(src)
    code, out, err = run_cli(["import", str(src), "--edition", "2016"], capsys)
    assert code == 0, err
    target = root / "data" / "editions" / "2016"
    assert sorted(p.name for p in target.iterdir()) == ["cities.csv", "edition.toml", "objectives.csv", "projects.csv"]
    assert "imported 3 cities, 6 projects, 6 objective answers" in out
    raw = (target / "projects.csv").read_bytes()
    assert raw.startswith(b"project_id,city_id,domain,status,management_mode,decision_mode,citizens_involved\n")
    assert b"\r" not in raw and b"#" not in raw
    assert b"P01,V01,transport,realise,regie,concertation,true\n" in raw
    meta = tomllib.loads((target / "edition.toml").read_text(encoding="utf-8"))
    assert meta["edition"]["year"] == 2016 and meta["edition"]["simulated"] is False
    assert meta["questionnaire"]["domains"] == ["transport", "education", "loisirs_culture", "securite", "energie"]
    e = editions.load(2016, root=root / "data" / "editions")
    assert e.figures == [] and not e.simulated
    again = load_tables(target, edition=2016)
    original = load_tables(src, edition=2016)
    for table in ("cities", "projects", "objectives"):
        pd.testing.assert_frame_equal(again[table], original[table])
    assert snapshot(src) == before


def test_import_refuses_overwrite_then_force_keeps_toml(root, capsys):
    src = INPUTS / "cp1252_semicolon_crlf"
    assert run_cli(["import", str(src), "--edition", "2016"], capsys)[0] == 0
    target = root / "data" / "editions" / "2016"
    toml = target / "edition.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "# figures entered by hand\n", encoding="utf-8")
    before = snapshot(target)
    code, out, err = run_cli(["import", str(INPUTS / "utf8_bom_tab"), "--edition", "2016"], capsys)
    assert code == 2 and "already exists; add --force" in err
    assert snapshot(target) == before
    code, out, err = run_cli(["import", str(INPUTS / "extra_column_and_comment"), "--edition", "2016", "--force"], capsys)
    assert code == 0, err
    assert toml.read_text(encoding="utf-8").endswith("# figures entered by hand\n")
    assert (target / "projects.csv").read_text(encoding="utf-8").count("\n") == 4
    assert not [p for p in (root / "data" / "editions").iterdir() if p.name.startswith(".")]


def test_import_of_broken_folder_writes_nothing(root, capsys):
    code, out, err = run_cli(["import", str(INPUTS / "unknown_label_typo"), "--edition", "2016"], capsys)
    assert code == 2 and "Trasnport" in err and out == ""
    assert list((root / "data" / "editions").iterdir()) == []


@pytest.fixture
def workbook_folder(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Lisez-moi"
    wb.active.append(["Export du questionnaire"])
    villes = wb.create_sheet("Villes")
    villes.append(["Code ville", "Type de collectivité", "Tranche de population"])
    villes.append(["V01", "Commune", "50 000 à 99 999"])
    villes.append(["V02", "Métropole", "200 000 et plus"])
    projets = wb.create_sheet("Projets 2016")
    projets.append(PROJECT_HEADER)
    for r in PROJECT_ROWS:
        projets.append(r)
    objectifs = wb.create_sheet("OBJECTIFS")
    objectifs.append(["Ville", "Objectif", "Rang"])
    objectifs.append(["V01", "Attractivité", 1])
    wb.save(tmp_path / "export.xlsx")
    return tmp_path


def test_one_workbook_with_a_sheet_per_table(workbook_folder, capsys):
    before = snapshot(workbook_folder)
    code, out, err = run_cli(["validate", str(workbook_folder)], capsys)
    assert code == 0, err
    assert "2 cities, 3 projects, 1 objective answer: valid" in out
    assert "export.xlsx, sheet 'Projets 2016'" in out
    assert snapshot(workbook_folder) == before


def test_one_workbook_error_names_the_sheet(workbook_folder, capsys):
    import openpyxl

    wb = openpyxl.load_workbook(workbook_folder / "export.xlsx")
    wb["Projets 2016"]["C3"] = "Educashion"
    wb.save(workbook_folder / "export.xlsx")
    code, _, err = run_cli(["validate", str(workbook_folder)], capsys)
    assert code == 2
    assert f"{workbook_folder / 'export.xlsx'}, sheet 'Projets 2016', row 3, column 'Domaine': 'Educashion'" in err
    assert "closest: 'Éducation'" in err


def test_file_and_sheet_for_one_table(workbook_folder, capsys):
    (workbook_folder / "projets.csv").write_text(",".join(PROJECT_HEADER) + "\n" + ",".join(PROJECT_ROWS[0]) + "\n")
    from baro.clean import load_tables

    t = load_tables(workbook_folder)  # a file named as the table comes first
    assert t.files["projects"].name == "projets.csv" and len(t.projects) == 1
    assert t.files["cities"].name == "export.xlsx"
