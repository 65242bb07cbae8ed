"""Write the corpus of messy and broken exports under tests/inputs/.

Each case is a folder holding the tables as a person might send them and
expected.txt: the exit status of `baro validate` and fragments its
output must contain (lines "exit: N", "edition: YEAR", "out: ...",
"err: ..."). The files are written byte by byte here, so that encodings,
byte order marks and line ends are exactly what each case says.

Run from the repository root: python tests/inputs/make_inputs.py
Workbooks and SPSS files are built by fixtures in tests/test_validate_cli.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent

CITIES_FR = [
    ["Code ville", "Type de collectivité", "Tranche de population"],
    ["V01", "Commune", "50 000 à 99 999"],
    ["V02", "Intercommunalité", "100 000 à 199 999"],
    ["V03", "Réponse conjointe", "200 000 et plus"],
]
PROJECTS_FR = [
    ["Identifiant projet", "Ville", "Domaine", "Statut", "Mode de gestion", "Mode de décision", "Citoyens impliqués"],
    ["P01", "V01", "Transports", "Réalisé", "Régie", "Concertation", "oui"],
    ["P02", "V01", "Éducation", "En cours", "Marché public", "Unilatérale", "non"],
    ["P03", "V02", "TRANSPORT", "à l'étude", "DSP", "co-construction", "Oui"],
    ["P04", "V02", "Sécurité", "réalisé", "régie", "unilatérale", "NON"],
    ["P05", "V03", "Energies", "En cours", "PPP", "concertation", "1"],
    ["P06", "V03", "Loisirs et culture", "Réalisé", "SEM", "Concertation", "0"],
]
OBJECTIVES_FR = [
    ["Ville", "Objectif", "Rang"],
    ["V01", "Qualité de service", "1"],
    ["V01", "Attractivité", "2"],
    ["V01", "Bonne gestion", ""],
    ["V02", "Attractivité", "1"],
    ["V02", "Développement durable", "2.0"],
    ["V03", "Exemplarité", "1"],
]
CITIES = [
    ["city_id", "kind", "population_band"],
    ["V01", "commune", "p50_100k"],
    ["V02", "intercommunalite", "p100_200k"],
]
PROJECTS = [
    ["project_id", "city_id", "domain", "status", "management_mode", "decision_mode", "citizens_involved"],
    ["P1", "V01", "transport", "realise", "regie", "concertation", "true"],
    ["P2", "V01", "education", "en_cours", "marche", "unilaterale", "false"],
    ["P3", "V02", "securite", "a_l_etude", "ppp", "co_construction", "false"],
]
OBJECTIVES = [
    ["city_id", "objective", "rank"],
    ["V01", "attractivite", "1"],
    ["V01", "exemplarite", "2"],
    ["V02", "attractivite", "1"],
]


def text(rows, sep=",", eol="\n") -> str:
    return "".join(sep.join(r) + eol for r in rows)


def case(name: str, expected: str, **files: bytes | str) -> None:
    d = HERE / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for fname, content in files.items():
        fname = fname.replace("__", ".")
        data = content.encode("utf-8") if isinstance(content, str) else content
        (d / fname).write_bytes(data)
    (d / "expected.txt").write_text(expected.strip() + "\n", encoding="utf-8")


def edit(rows, row, col, value):
    out = [list(r) for r in rows]
    out[row][col] = value
    return out


def main() -> None:
    # ------------------------------------------------------- messy but valid
    case(
        "cp1252_semicolon_crlf",
        "exit: 0\nout: 3 cities, 6 projects, 6 objective answers: valid\nout: CSV, cp1252, semicolon",
        villes__csv=text(CITIES_FR, ";", "\r\n").encode("cp1252"),
        projets__csv=text(PROJECTS_FR, ";", "\r\n").encode("cp1252"),
        objectifs__csv=text(OBJECTIVES_FR, ";", "\r\n").encode("cp1252"),
    )
    case(
        "utf8_bom_tab",
        "exit: 0\nout: 3 cities, 6 projects, 6 objective answers: valid\nout: CSV, utf-8-sig, tab",
        Villes__TSV=b"\xef\xbb\xbf" + text(CITIES_FR, "\t").encode("utf-8"),
        PROJETS__csv=b"\xef\xbb\xbf" + text(PROJECTS_FR, "\t").encode("utf-8"),
        objectifs__txt=b"\xef\xbb\xbf" + text(OBJECTIVES_FR, "\t").encode("utf-8"),
    )
    headers_other_case = [["CODE VILLE", "type de collectivite", "Tranche-De-Population"]] + CITIES_FR[1:]
    projects_variants = [
        ["identifiant_projet", "VILLE", "domaine", "STATUT", "mode de gestion", "Mode de decision", "Implication des citoyens"],
        ["P01", "V01", " transports ", "REALISE", "régie", "concertation", "Vrai"],
        ["P02", "V01", "Transports/Mobilité", "en cours", "Régie", "concertation", "faux"],
        ["P03", "V02", "éducation", "En Cours", "Délégation", "Co-Construction", "o"],
        ["P04", "V02", "Santé/Social", "A l'etude", "marché / prestataire", "Unilaterale", "n"],
    ]
    case(
        "french_headers_variants",
        "exit: 0\nout: 3 cities, 4 projects, 0 objective answers: valid",
        cities__csv=text(headers_other_case),
        projects__csv=text([[f'"{c}"' if "/" in c else c for c in r] for r in projects_variants]),
    )
    with_blanks = PROJECTS_FR[:3] + [[""] * 7] + PROJECTS_FR[3:] + [[""] * 7]
    case(
        "empty_rows_excluded",
        "exit: 0\nout: 3 cities, 6 projects, 0 objective answers: valid\nout: 8     6         2  empty row",
        villes__csv=text(CITIES_FR),
        projets__csv=text(with_blanks, ";"),
    )
    case(
        "extra_column_and_comment",
        "exit: 0\nout: 2 cities, 3 projects, 3 objective answers: valid\n"
        "out: column 'Commentaire' ignored\nout: comment line '# SIMULATED",
        cities__csv="# SIMULATED for a test\n" + text(CITIES),
        projects__csv=text([r + [c] for r, c in zip(PROJECTS, ["Commentaire", "à revoir", "", ""])]),
        objectives__csv=text(OBJECTIVES),
    )
    wide = [
        ["Collectivité", "Qualité de service", "Attractivité", "Bonne gestion", "Développement durable", "Exemplarité"],
        ["V01", "1", "2", "", "3", ""],
        ["", "", "", "", "", ""],
        ["V02", "", "1", "2", "", "NA"],
        ["V03", "1", "", "", "", ""],
    ]
    case(
        "wide_objectives",
        "exit: 0\nout: 3 cities, 6 projects, 15 objective answers: valid\n"
        "out: 4     3         1  empty row\nout: wide table: one rank column per objective",
        villes__csv=text(CITIES_FR),
        projets__csv=text(PROJECTS_FR),
        objectifs__csv=text(wide, ";"),
    )
    # ------------------------------------------------------------- broken
    case(
        "unknown_label_typo",
        "exit: 2\nerr: projets.csv, row 4, column 'Domaine': 'Trasnport': unknown domain\n"
        "err: closest: 'Transport'\nerr: (also row 6; 2 rows in all)",
        villes__csv=text(CITIES_FR),
        projets__csv=text(edit(edit(PROJECTS_FR, 3, 2, "Trasnport"), 5, 2, "Trasnport")),
    )
    case(
        "missing_column",
        "exit: 2\nerr: projects.csv, column 'status': missing column\n"
        "err: columns found: 'project_id', 'city_id', 'domain', 'management_mode'",
        cities__csv=text(CITIES),
        projects__csv=text([r[:3] + r[4:] for r in PROJECTS]),
    )
    case(
        "empty_file",
        "exit: 2\nerr: projects.csv: is empty: no header row and no data rows",
        cities__csv=text(CITIES),
        projects__csv=b"",
    )
    case(
        "header_only",
        "exit: 2\nerr: projects.csv: has a header row but no data rows",
        cities__csv=text(CITIES),
        projects__csv=text(PROJECTS[:1], eol="\r\n"),
    )
    case(
        "duplicate_project_id",
        "exit: 2\nerr: projects.csv, row 4, column 'project_id': 'P2': duplicate project_id (first at row 3)",
        cities__csv=text(CITIES),
        projects__csv=text(edit(PROJECTS, 3, 0, "P2")),
    )
    case(
        "unknown_city",
        "exit: 2\nerr: projects.csv, row 4, column 'city_id': 'V09': city not in the cities table cities.csv",
        cities__csv=text(CITIES),
        projects__csv=text(edit(PROJECTS, 3, 1, "V09")),
    )
    bad_ranks = OBJECTIVES + [["V02", "exemplarite", "0"], ["V02", "bonne_gestion", "2.5"], ["V02", "qualite_service", "deux"]]
    case(
        "rank_zero_fraction_word",
        "exit: 2\nerr: objectives.csv, row 5, column 'rank': '0': not positive\n"
        "err: objectives.csv, row 6, column 'rank': '2.5': not a whole number\n"
        "err: objectives.csv, row 7, column 'rank': 'deux': not a number\nerr: 3 problems in the input",
        cities__csv=text(CITIES),
        projects__csv=text(PROJECTS),
        objectives__csv=text(bad_ranks),
    )
    case(
        "same_rank_twice",
        "exit: 2\nerr: objectives.csv, row 3, column 'rank': '1': city 'V01' gives rank 1 to two objectives: 'attractivite' (row 2) and 'exemplarite' (row 3)",
        cities__csv=text(CITIES),
        projects__csv=text(PROJECTS),
        objectives__csv=text(edit(OBJECTIVES, 2, 2, "1")),
    )
    case(
        "two_files_one_table",
        "exit: 2\nerr: two files for the cities table: cities.csv and villes.csv; keep one",
        cities__csv=text(CITIES),
        villes__csv=text(CITIES),
        projects__csv=text(PROJECTS),
    )
    case(
        "binary_file",
        "exit: 2\nerr: projects.csv: is a binary file, not a text table: NUL byte at byte offset 0 (line 1)",
        cities__csv=text(CITIES),
        projects__csv=b"\x00\x01\x02\x00\xfe\xff" * 20,
    )
    case(
        "png_named_csv",
        "exit: 2\nerr: projects.csv: is a PNG image, not a table",
        cities__csv=text(CITIES),
        projects__csv=b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    )
    case(
        "not_cp1252",
        "exit: 2\nerr: projects.csv: is neither UTF-8 nor cp1252 / latin-1 text: byte 0x81 at byte offset",
        cities__csv=text(CITIES),
        projects__csv=text(PROJECTS).encode("ascii") + b"P4,V02,\x81nergie,realise,regie,concertation,true\n",
    )
    case(
        "no_tables",
        "exit: 2\nerr: no table files found\nerr: found: expected.txt, notes.txt, survey.pdf",
        notes__txt="nothing here\n",
        survey__pdf=b"%PDF-1.4\n",
    )
    case(
        "no_projects_table",
        "exit: 2\nerr: no projects table",
        cities__csv=text(CITIES),
    )
    case(
        "edition_only_category",
        "edition: 2013\nexit: 2\n"
        "err: projects.csv, row 2, column 'domain': 'E-citoyenneté': domain 'e_citoyennete' is a category of edition(s) 2014, 2015, not of 2013",
        cities__csv=text(CITIES),
        projects__csv=text(edit(PROJECTS, 1, 2, "E-citoyenneté")),
    )
    case(
        "bad_yes_no_and_missing",
        "exit: 2\nerr: projects.csv, row 2, column 'citizens_involved': 'peut-être': not a yes/no answer\n"
        "err: projects.csv, row 3, column 'status': '': missing value",
        cities__csv=text(CITIES),
        projects__csv=text(edit(edit(PROJECTS, 1, 6, "peut-être"), 2, 3, "")),
    )
    case(
        "unquoted_delimiter",
        "exit: 2\nerr: projects.csv, row 3: row has 8 fields but the header has 7",
        cities__csv=text(CITIES),
        projects__csv=text(edit(PROJECTS, 2, 4, "Marché;Marché public"), ";"),
    )
    many = [PROJECTS[0]] + [[f"P{i}", "V01", f"domaine{i}", "realise", "regie", "concertation", "true"] for i in range(12)]
    case(
        "many_errors",
        "exit: 2\nargs: --max-errors 3\nerr: 12 problems in the input\nerr: ... and 9 more problems",
        cities__csv=text(CITIES),
        projects__csv=text(many),
    )


if __name__ == "__main__":
    main()
