"""baro.io: reading exports as they arrive, writing canonical tables."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from baro.errors import InputError
from baro.io import decode, format_canonical, read_table, sniff_delimiter, write_canonical

HEADER = ["Ville", "Domaine", "Statut"]
ROWS = [["V01", "Éducation", "Réalisé"], ["V02", "Sécurité, sûreté", "À l'étude"], ["V03", "Énergie", "En cours"]]


def csv_bytes(rows, delimiter=",", encoding="utf-8", eol="\n") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator=eol).writerows(rows)
    return buf.getvalue().encode(encoding)


def problems_of(exc_info) -> list[str]:
    return [str(p) for p in exc_info.value.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_csv_dialects_agree_with_pandas(tmp_path, encoding, delimiter, eol):
    if encoding == "latin-1":
        rows = [[c.replace("’", "'") for c in r] for r in ROWS]
    else:
        rows = ROWS
    p = tmp_path / "projets.csv"
    p.write_bytes(csv_bytes([HEADER, *rows], delimiter, encoding, eol))
    frame, row_numbers = read_table(p)
    # peer: pandas told the true encoding and delimiter
    peer = pd.read_csv(p, sep=delimiter, encoding=encoding, dtype=str, keep_default_na=False)
    assert list(frame.columns) == HEADER
    assert frame.to_numpy().tolist() == peer.to_numpy().tolist() == rows
    assert row_numbers == [2, 3, 4]
    info = frame.attrs["baro"]
    assert info["delimiter"] == delimiter
    expected_encoding = {"latin-1": "cp1252"}.get(encoding, encoding)
    assert info["encoding"] == expected_encoding


def test_row_numbers_count_comments_blank_lines_and_quoted_newlines(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('# SIMULATED\nVille,Domaine\nV01,"Loisirs\net culture"\n\nV02,Transport\n', encoding="utf-8")
    frame, rows = read_table(p)
    # a spreadsheet shows: 1 comment, 2 header, 3 V01 (one cell on two lines), 4 empty, 5 V02
    assert rows == [3, 4, 5]
    assert frame["Domaine"].tolist() == ["Loisirs\net culture", "", "Transport"]
    assert frame.attrs["baro"]["comments"] == ["# SIMULATED"]


def test_csv_header_found_under_title_rows(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Export du 12/03/2016;;\n;;\nVille;Domaine;Statut\nV01;Transport;Réalisé\n", encoding="utf-8")
    frame, rows = read_table(p)
    assert list(frame.columns) == HEADER and rows == [4]
    assert frame.attrs["baro"]["skipped"] == [(1, "Export du 12/03/2016")]


def test_short_rows_padded_trailing_empty_columns_dropped(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Ville;Domaine;Statut;;\nV01;Transport\nV02;Énergie;En cours;;\n", encoding="utf-8")
    frame, _ = read_table(p)
    assert list(frame.columns) == HEADER
    assert frame.to_numpy().tolist() == [["V01", "Transport", ""], ["V02", "Énergie", "En cours"]]


def test_too_many_fields_is_an_error_per_row(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Ville;Domaine;Statut\nV01;Marché;public;Réalisé\nV02;Transport;En cours\nV03;a;b;c\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_table(p)
    assert problems_of(e) == [
        f"{p}, row 2: row has 4 fields but the header has 3; does a value hold an unquoted delimiter?",
        f"{p}, row 4: row has 4 fields but the header has 3; does a value hold an unquoted delimiter?",
    ]


def test_decode_error_names_offset_and_line(tmp_path):
    p = tmp_path / "t.csv"
    data = b"Ville,Domaine\nV01,Transport\nV02,\x81nergie\n"
    p.write_bytes(data)
    with pytest.raises(InputError) as e:
        read_table(p)
    offset = data.index(b"\x81")
    assert problems_of(e) == [
        f"{p}: is neither UTF-8 nor cp1252 / latin-1 text: byte 0x81 at byte offset {offset} (line 3)"
    ]


def test_utf8_preferred_when_valid():
    # "Ã©" in cp1252 is the UTF-8 encoding of "é": strict UTF-8 must win
    assert decode("é".encode("utf-8")) == ("é", "utf-8")


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "is empty: no header row and no data rows"),
        (b"  \r\n\n", "is empty: no header row and no data rows"),
        (b"# only a comment\n", "has no header row (only comment lines)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "Excel 97-2003 .xls workbook"),
        (b"%PDF-1.7\n...", "is a PDF document, not a table"),
        (b"a,b\n\x00\x00", "NUL byte at byte offset 4 (line 2)"),
        (b"PK\x03\x04garbage", "is not a readable Excel .xlsx workbook"),
        (b"$FL2garbage", "is not a readable SPSS .sav file"),
    ],
)
def test_unreadable_files_give_one_clear_message(tmp_path, content, fragment):
    p = tmp_path / "t.csv"
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        read_table(p)
    (msg,) = problems_of(e)
    assert msg.startswith(str(p)) and fragment in msg
    assert p.read_bytes() == content


def test_misnamed_text_files(tmp_path):
    for name, fragment in (("t.xlsx", "named .xlsx but is not an Excel workbook"), ("t.sav", "named .sav but is not an SPSS")):
        p = tmp_path / name
        p.write_text("Ville,Domaine\nV01,Transport\n")
        with pytest.raises(InputError) as e:
            read_table(p)
        assert fragment in problems_of(e)[0]


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as e:
        read_table(tmp_path / "nope.csv")
    assert problems_of(e) == [f"{tmp_path / 'nope.csv'}: file not found"]


def test_xlsx_cells_and_sheet_rows(tmp_path):
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Titre"
    ws.append([])
    ws.append(["Ville", "Objectif", "Rang", "Date"])
    ws.append(["V01", "Attractivité", 2.0, datetime.date(2016, 3, 1)])
    ws.append(["V01", "Exemplarité", 2.5, None])
    ws.append([None, None, None, None])
    ws.append([7, True, None, None])
    ws["A40"].font = openpyxl.styles.Font(bold=True)  # formatted, empty: not a row
    wb.save(tmp_path / "t.xlsx")
    frame, rows = read_table(tmp_path / "t.xlsx")
    assert rows == [4, 5, 6, 7]
    assert frame.to_numpy().tolist() == [
        ["V01", "Attractivité", "2", "2016-03-01T00:00:00"],
        ["V01", "Exemplarité", "2.5", ""],
        ["", "", "", ""],
        ["7", "true", "", ""],
    ]
    assert frame.attrs["baro"]["header_row"] == 3


def test_sniff_delimiter_prefers_consistent_split():
    lines = ["Ville;Domaine, secteur;Statut", "V01;Transport;Réalisé", "V02;Loisirs, culture;En cours"]
    assert sniff_delimiter(lines) == ";"
    assert sniff_delimiter(["Ville,Domaine", "V01,Transport"]) == ","


# ----------------------------------------------------------------- write
def frames():
    cities = pd.DataFrame({"city_id": ["V01", "V02"], "kind": ["commune", "conjoint"],
                           "population_band": ["p50_100k", "p200k_plus"]})
    projects = pd.DataFrame({
        "project_id": ["P1", "P2"], "city_id": ["V01", "V02"], "domain": ["transport", "loisirs_culture"],
        "status": ["realise", "a_l_etude"], "management_mode": ["regie", "ppp"],
        "decision_mode": ["concertation", "unilaterale"], "citizens_involved": [True, False],
    })
    objectives = pd.DataFrame({"city_id": ["V01", "V01"], "objective": ["attractivite", "exemplarite"],
                               "rank": pd.array([1, None], dtype="Int64")})
    return {"cities": cities, "projects": projects, "objectives": objectives}


def test_write_canonical_format_and_round_trip(tmp_path):
    from baro.clean import CODED, load_tables

    out = write_canonical(frames(), tmp_path / "a", header_comment="SIMULATED: test")
    b = write_canonical(frames(), tmp_path / "b", header_comment="SIMULATED: test")
    for t in ("cities", "projects", "objectives"):
        assert out[t].read_bytes() == b[t].read_bytes()
    text = out["objectives"].read_bytes()
    assert text == b"# SIMULATED: test\ncity_id,objective,rank\nV01,attractivite,1\nV01,exemplarite,\n"
    assert b"P2,V02,loisirs_culture,a_l_etude,ppp,unilaterale,false\n" in out["projects"].read_bytes()
    back = load_tables(tmp_path / "a")
    for t, f in frames().items():
        coded = {c: "str" for c in CODED if c in f.columns}  # read back as categoricals
        pd.testing.assert_frame_equal(back[t].astype(coded), f, check_dtype=False)
    assert back.objectives["rank"].dtype == "Int64"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["cities.csv", "objectives.csv", "projects.csv"]


def test_format_canonical_input_errors():
    f = frames()["cities"]
    with pytest.raises(KeyError, match="lacks column.*population"):
        format_canonical(f.drop(columns="population_band"), ["city_id", "population_band"])
    with pytest.raises(ValueError, match="one line"):
        format_canonical(f, ["city_id"], header_comment="a\nb")


def test_format_canonical_quotes_only_when_needed():
    f = pd.DataFrame({"a": ["x,y", 'say "hi"', "plain"]})
    assert format_canonical(f, ["a"]) == b'a\n"x,y"\n"say ""hi"""\nplain\n'


def test_mixed_encodings_are_refused_not_garbled(tmp_path):
    p = tmp_path / "t.csv"
    data = "Ville;Domaine\nV01;Sécurité\n".encode("utf-8") + "V02;Éducation\n".encode("cp1252")
    p.write_bytes(data)
    with pytest.raises(InputError) as e:
        read_table(p)
    offset = data.index(b"\xc9")
    assert problems_of(e) == [
        f"{p}: mixes encodings: byte 0xc9 at byte offset {offset} (line 3) is not UTF-8, but line 2 holds "
        "UTF-8 accented letters ('é'); save the file again in one encoding"
    ]


def test_utf16_without_bom_gets_a_hint(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("Ville\tDomaine\nV01\tTransport\n".encode("utf-16-le"))
    with pytest.raises(InputError, match="looks like UTF-16 text without a byte order mark"):
        read_table(p)


def test_title_line_does_not_mislead_delimiter(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Export, baromètre 2016\nVille;Domaine;Statut\nV01;Transport;Réalisé\nV02;Énergie;En cours\n",
                 encoding="utf-8")
    frame, rows = read_table(p)
    assert frame.attrs["baro"]["delimiter"] == ";" and list(frame.columns) == HEADER and rows == [3, 4]


def test_excel_sep_line_and_unicode_line_separators(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("sep=;\r\nVille;Domaine\r\nV01;Loisirs\u2028culture\x0c\r\nV02;Transport, mobilité\r\n", encoding="utf-8",
                 newline="")
    frame, rows = read_table(p)
    assert frame.attrs["baro"]["delimiter"] == ";"
    assert frame.to_numpy().tolist() == [["V01", "Loisirs\u2028culture\x0c"], ["V02", "Transport, mobilité"]]
    assert rows == [3, 4]


def test_a_row_with_another_delimiter_is_one_problem_naming_both(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Ville,Domaine,Statut\nV01,Transport,Réalisé\nV02;Énergie;En cours\nV03,Sécurité\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_table(p)
    # row 4 only leaves its last cell out: read as usual, not reported here
    assert problems_of(e) == [
        f"{p}, row 3: row has 1 field but the header has 3: its separator is the semicolon, the file's the comma",
    ]
