"""Read survey exports as they arrive, write canonical tables.

:func:`read_table` reads one table file into a frame of strings, whatever
its format: CSV (encoding UTF-8, UTF-8 with BOM, UTF-16 with BOM or
cp1252 / latin-1; delimiter comma, semicolon or tab; any line ends), XLSX
(the header row is found under title rows; one sheet of a workbook on
request) or SPSS .sav (value labels applied). Nothing is interpreted here: every cell is a string, an empty
cell is ``""``; :mod:`baro.clean` maps the strings to the taxonomy.

Row numbers are those a person sees when opening the file: in a CSV the
record number counted from the top of the file (the header is row 1 when
nothing precedes it), in an XLSX the sheet row, in a .sav the case number.
Every row below the header is returned, empty ones included, except the
empty rows that end an XLSX sheet (a formatted but empty range).

:func:`write_canonical` writes cleaned tables in the canonical format
(UTF-8, comma, LF, header row, booleans ``true`` / ``false``), byte for
byte the same for the same tables.
"""

from __future__ import annotations

import csv
import io as _io
import itertools
import math
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from baro.clean.labels import recognise_column
from baro.clean.schema import COLUMNS
from baro.errors import InputError, Problem

#: File name suffixes read as tables.
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".sav")

#: Delimiters tried on CSV files, in order of preference on a tie.
DELIMITERS = (",", ";", "\t")
#: How messages name each delimiter.
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

#: Rows searched for a header under title rows (XLSX and CSV).
HEADER_SEARCH_ROWS = 30

_UTF8_MULTIBYTE = re.compile(
    rb"(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})+"
)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003)
_SAV_MAGIC = (b"$FL2", b"$FL3")
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"SQLite format 3": "an SQLite database",
}


def _fail(path, message: str, row: int | None = None) -> InputError:
    return InputError([Problem(str(path), message, row=row)])


def _default_recognise(name: str) -> bool:
    return recognise_column(name) is not None


def read_table(
    path: str | Path,
    *,
    recognise: Callable[[str], bool] | None = None,
    sheet: str | None = None,
) -> tuple[pd.DataFrame, list[int]]:
    """Read one table file into a frame of strings and its row numbers.

    Parameters
    ----------
    path : str or Path
        A .csv (.tsv, .txt), .xlsx or .sav file. The format is recognised
        from the content, so a workbook saved under a .csv name is still
        read as a workbook.
    recognise : callable, optional
        ``recognise(header) -> bool``: whether a header cell names a known
        column (default :func:`baro.clean.recognise_column`). The header
        row is the first of the first rows with at least two recognised
        cells (else the first non-empty row); in a .sav, a variable whose
        name is not recognised but whose label is takes its label.
    sheet : str, optional
        The sheet of a workbook to read (default: the first sheet whose
        header is recognised, else the first sheet holding cells).

    Returns
    -------
    frame : DataFrame
        One column per header cell (names as written, stripped), every
        cell a string, ``""`` when empty. ``frame.attrs["baro"]`` says how
        the file was read (format, encoding, delimiter, sheet, header row,
        comment lines, rows skipped above the header).
    rows : list of int
        The row number of each frame row, as a spreadsheet shows it.

    Raises
    ------
    baro.errors.InputError
        The file is missing, empty, binary, not decodable or unreadable;
        the message names the file (and the byte offset and line where
        decoding failed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> p = folder / "projets.csv"
    >>> _ = p.write_bytes("Ville;Domaine\\r\\nV01;Éducation\\r\\n".encode("cp1252"))
    >>> frame, rows = read_table(p)
    >>> frame
      Ville    Domaine
    0   V01  Éducation
    >>> rows
    [2]
    >>> info = frame.attrs["baro"]
    >>> info["encoding"], info["delimiter"]
    ('cp1252', ';')
    """
    path = Path(path)
    recognise = recognise or _default_recognise
    if sheet is not None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ValueError(f"sheet={sheet!r} applies to .xlsx workbooks only, not to {path.name}")
    if not path.exists():
        raise _fail(path, "file not found")
    if path.is_dir():
        raise _fail(path, "is a folder, not a table file")
    if not path.is_file():
        raise _fail(path, "is not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data or data.isspace():
        raise _fail(path, "is empty: no header row and no data rows")
    head = data[:16]
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(path, recognise, sheet)
    if data.startswith(_SAV_MAGIC):
        return _read_sav(path, recognise)
    if data.startswith(_OLE_MAGIC):
        raise _fail(
            path, "is an Excel 97-2003 .xls workbook, which baro does not read; save it as .xlsx or CSV"
        )
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise _fail(path, f"is {what}, not a table (expected CSV, XLSX or SPSS .sav)")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise _fail(path, "is named .xlsx but is not an Excel workbook (no zip container)")
    if path.suffix.lower() == ".sav":
        raise _fail(path, "is named .sav but is not an SPSS data file (no $FL2 header)")
    return _read_csv(path, data, recognise)


# ------------------------------------------------------------------- CSV
def decode(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode a text file's bytes; return the text and the encoding used.

    Strict UTF-8 first (a UTF-8 or UTF-16 byte order mark decides), then
    cp1252, which also reads every printable latin-1 text. NUL bytes or
    bytes that no candidate decodes are an error naming the byte offset
    and the line.

    >>> decode("Sécurité".encode("utf-8"))
    ('Sécurité', 'utf-8')
    >>> decode("Sécurité".encode("cp1252"))
    ('Sécurité', 'cp1252')
    >>> decode(b"\\xef\\xbb\\xbfa,b")
    ('a,b', 'utf-8-sig')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            line = data.count(b"\n", 0, nul) + 1
            sample = data[:2000]
            hint = ""
            odd, even = sample[1::2], sample[0::2]
            if odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even):
                hint = "; it looks like UTF-16 text without a byte order mark: save it as UTF-8 CSV"
            raise _fail(
                path, f"is a binary file, not a text table: NUL byte at byte offset {nul} (line {line}){hint}"
            )
        candidates = ["utf-8", "cp1252"]
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            bad = exc.start
        good = _UTF8_MULTIBYTE.search(data)
        if good is not None:
            line = data.count(b"\n", 0, bad) + 1
            good_line = data.count(b"\n", 0, good.start()) + 1
            raise _fail(
                path,
                f"mixes encodings: byte 0x{data[bad:bad + 1].hex()} at byte offset {bad} "
                f"(line {line}) is not "
                f"UTF-8, but line {good_line} holds UTF-8 accented letters "
                f"({good.group().decode('utf-8')!r}); save the file again in one encoding",
            )
        candidates = ["cp1252"]
    first_error = None
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    offset = first_error.start
    line = data.count(b"\n", 0, offset) + 1
    byte = data[offset : offset + 1].hex()
    raise _fail(
        path,
        f"is neither UTF-8 nor cp1252 / latin-1 text: byte 0x{byte} at byte offset {offset} (line {line})",
    )


def _records(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter, strict=False))


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter of CSV ``lines`` (header first): comma, semicolon or tab.

    The delimiter that splits the header into the most fields, with the
    data lines splitting into as many, wins; ties go to the order of
    :data:`DELIMITERS`.

    >>> sniff_delimiter(["Ville;Domaine, thème;Statut", "V01;Transport;Réalisé"])
    ';'
    >>> sniff_delimiter(["a\\tb", "1\\t2"])
    '\\t'
    """
    best, best_score = DELIMITERS[0], None
    sample = "\n".join(lines[:50])
    for i, delim in enumerate(DELIMITERS):
        recs = [r for r in _records(sample, delim) if r]
        if not recs:
            continue
        # the most common width, so that a title line above the header
        # does not decide
        widths = [len(r) for r in recs]
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        consistent = widths.count(width) / len(recs)
        score = (width > 1, consistent if width > 1 else 0, width, -i)
        if best_score is None or score > best_score:
            best, best_score = delim, score
    return best


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")

#: Rows per chunk when pandas reads a CSV file (bounds the memory of the strings).
CHUNK_ROWS = 50_000


def _lines(text: str, pos: int = 0):
    """The lines of ``text`` from ``pos``, each with its line end."""
    for m in _LINE.finditer(text, pos):
        if not m.group():
            return
        yield m.group()


def _read_csv(path: Path, data: bytes, recognise) -> tuple[pd.DataFrame, list[int]]:
    text, encoding = decode(data, path)
    # leading comment lines, then an optional "sep=;" line (written by Excel)
    pos, comments, delimiter, lead = 0, [], None, 0
    while pos < len(text):
        m = _LINE.match(text, pos)
        line = m.group().rstrip("\r\n")
        if line.startswith("#"):
            comments.append(line)
        elif re.fullmatch(r"sep=[,;\t]\s*", line, flags=re.IGNORECASE) and delimiter is None:
            delimiter = line[4]
        else:
            break
        lead += 1
        pos = m.end()
    sample = []
    for line in _lines(text, pos):
        if line.strip():
            sample.append(line.rstrip("\r\n"))
            if len(sample) == 50:
                break
    if not sample:
        raise _fail(path, "has no header row (only comment lines)")
    delimiter = delimiter or sniff_delimiter(sample)
    read = _read_csv_fast(path, data, text, pos, encoding, delimiter, lead, recognise)
    if read is None:
        # the exact reader, record by record: rows whose fields do not fit
        # the header are named one by one
        try:
            records = _records(text[pos:], delimiter)
        except csv.Error as exc:
            raise _fail(path, f"is not a readable CSV file: {exc}") from None
        # the spreadsheet row of records[i] is lead + i + 1
        row_numbers = [lead + i + 1 for i in range(len(records))]
        read = _frame(path, records, row_numbers, recognise, delimiter)
    frame, rows = read
    frame.attrs["baro"].update(
        format="csv", encoding=encoding, delimiter=delimiter, comments=comments
    )
    return frame, rows


def _read_csv_fast(path, data, text, pos, encoding, delimiter, lead, recognise):
    """:func:`_frame` of the CSV records, read by pandas' C parser; None to use the exact reader.

    The header is found among the first records read by the csv module
    (as the exact reader does); pandas then reads every record, in
    chunks, each column kept as codes into its distinct strings. None when
    a record does not fit: more fields than the header, a row separated by
    another delimiter, or a record pandas cannot parse. The exact reader
    then reads the file and names those rows.
    """
    head = list(
        itertools.islice(
            csv.reader(_lines(text, pos), delimiter=delimiter, strict=False), HEADER_SEARCH_ROWS + 1
        )
    )
    h = find_header(head, recognise)
    if h >= len(head):
        return None
    header = [str(c).strip() for c in head[h]]
    n_fields = max(len(r) for r in head)
    if encoding in ("utf-8", "utf-8-sig", "cp1252"):
        source = _io.BytesIO(data)
        source.seek(len(text[:pos].encode(encoding)))  # utf-8-sig: the byte order mark too
        pd_encoding = "cp1252" if encoding == "cp1252" else "utf-8"
    else:
        source, pd_encoding = _io.StringIO(text[pos:], newline=""), None
    parts: list[list[np.ndarray]] = [[] for _ in range(n_fields)]
    try:
        reader = pd.read_csv(
            source, sep=delimiter, header=None, names=range(n_fields), dtype=object,
            na_filter=False, skip_blank_lines=False, quotechar='"', doublequote=True,
            engine="c", encoding=pd_encoding, chunksize=CHUNK_ROWS,
        )
        for chunk in reader:
            for j in range(n_fields):
                parts[j].append(chunk[j].to_numpy(dtype=object))
    except (pd.errors.ParserError, UnicodeDecodeError):
        return None
    columns = [np.concatenate(p) if p else np.zeros(0, dtype=object) for p in parts]
    del parts
    n = len(columns[0])
    if n <= h:
        return None
    columns = [c[h + 1 :] for c in columns]
    # a trailing run of empty header cells over empty columns is not a column
    width = len(header)
    while width and not header[width - 1] and _blank(columns[width - 1]).all():
        width -= 1
    header = header[:width]
    if not all(_blank(columns[j]).all() for j in range(width, n_fields)):
        return None  # a row with more fields than the header
    # only a file holding another delimiter can hold a row pasted with it
    others = [d for d in DELIMITERS if d != delimiter and d.encode() in data]
    if width > 1 and others:
        short = _blank(columns[width - 1])
        for j in range(width - 1):
            distinct = pd.unique(columns[j])
            pasted = [c for c in distinct if any(d in c for d in others)]
            if pasted and (pd.Series(columns[j]).isin(pasted).to_numpy() & short).any():
                return None  # perhaps a row pasted with another delimiter
    frame = pd.DataFrame({j: pd.array(columns[j], dtype="str") for j in range(width)})
    frame.columns = header
    frame.attrs["baro"] = {
        "header_row": lead + h + 1,
        "skipped": [
            (lead + i + 1, " ".join(str(c).strip() for c in head[i] if str(c).strip()))
            for i in range(h)
            if not _is_blank(head[i])
        ],
    }
    return frame, list(range(lead + h + 2, lead + n + 1))


def _blank(values: np.ndarray) -> np.ndarray:
    """Whether each cell is empty or spacing only (each distinct value stripped once)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.fromiter((not str(c).strip() for c in distinct), bool, len(distinct))[codes]


# ------------------------------------------------------------------ shared
def _is_blank(record) -> bool:
    return all(not str(c).strip() for c in record)


def _names_columns(record, recognise: Callable[[str], bool]) -> bool:
    """Whether ``record`` has at least two recognised cells (a header)."""
    return sum(1 for c in record if str(c).strip() and recognise(str(c).strip())) >= 2


def find_header(records: list[list[str]], recognise: Callable[[str], bool]) -> int:
    """Index of the header among ``records``.

    The first of the first :data:`HEADER_SEARCH_ROWS` records with at
    least two recognised cells, else the first non-empty record.

    >>> find_header([["Baromètre 2016"], [], ["Ville", "Domaine"]], lambda s: s in {"Ville", "Domaine"})
    2
    >>> find_header([[], ["x", "y"]], lambda s: False)
    1
    """
    for i, rec in enumerate(records[:HEADER_SEARCH_ROWS]):
        if _names_columns(rec, recognise):
            return i
    for i, rec in enumerate(records):
        if not _is_blank(rec):
            return i
    return len(records)


def _other_delimiter(record: list[str], delimiter: str, width: int) -> str | None:
    """The delimiter, other than the file's, that splits a short CSV ``record`` into ``width`` fields or more.

    A row pasted from a file with another delimiter reads as one or two
    fields; its cells would otherwise come out empty, one message each.

    >>> _other_delimiter(["V03;Transport;Réalisé"], ",", 3)
    ';'
    >>> _other_delimiter(["V03", "Transport"], ",", 3) is None  # trailing cells left out
    True
    """
    line = delimiter.join(record)
    for other in DELIMITERS:
        if other != delimiter and other in line and len(_records(line, other)[0]) >= width:
            return other
    return None


def _frame(path, records, row_numbers, recognise, delimiter: str | None = None) -> tuple[pd.DataFrame, list[int]]:
    """Turn raw records (lists of strings) into the frame and row numbers.

    ``delimiter``: the CSV file's, to tell a row separated by another one.
    """
    h = find_header(records, recognise)
    if h >= len(records):
        raise _fail(path, "has no header row (every row is empty)")
    skipped = [
        (row_numbers[i], " ".join(str(c).strip() for c in records[i] if str(c).strip()))
        for i in range(h)
        if not _is_blank(records[i])
    ]
    header = [str(c).strip() for c in records[h]]
    data = records[h + 1 :]
    rows = row_numbers[h + 1 :]
    # a trailing run of empty header cells over empty columns is not a column
    width = len(header)
    while width and not header[width - 1] and all(
        len(r) < width or not str(r[width - 1]).strip() for r in data
    ):
        width -= 1
    header = header[:width]
    problems = []
    out = []
    for rec, row in zip(data, rows):
        rec = [str(c) for c in rec]
        extra = [c for c in rec[width:] if c.strip()]
        if extra:
            used = len(rec)
            while used and not rec[used - 1].strip():
                used -= 1
            problems.append(
                Problem(
                    str(path),
                    f"row has {used} fields but the header has {width}; "
                    "does a value hold an unquoted delimiter?",
                    row=row,
                )
            )
        elif delimiter is not None and len(rec) < width and (other := _other_delimiter(rec, delimiter, width)):
            problems.append(
                Problem(
                    str(path),
                    f"row has {len(rec)} field{'s' if len(rec) > 1 else ''} but the header has {width}: "
                    f"its separator is the {DELIMITER_NAMES[other]}, the file's the {DELIMITER_NAMES[delimiter]}",
                    row=row,
                )
            )
        out.append(rec[:width] + [""] * (width - len(rec)))
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(out, columns=header, dtype="str")
    frame.attrs["baro"] = {
        "header_row": row_numbers[h],
        "skipped": skipped,
    }
    return frame, list(rows)


# ------------------------------------------------------------------ XLSX
def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def sheet_names(path: str | Path) -> list[str]:
    """Names of the worksheets of an .xlsx workbook ([] when it cannot be read)."""
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return [ws.title for ws in wb.worksheets]
        finally:
            wb.close()
    except Exception:  # an unreadable workbook is reported when it is read
        return []


def _read_xlsx(path: Path, recognise, sheet: str | None = None) -> tuple[pd.DataFrame, list[int]]:
    try:
        import openpyxl

        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it drops; only values are read
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # any reader failure is a property of the file
        raise _fail(path, f"is not a readable Excel .xlsx workbook: {exc}") from None
    sheets = wb.worksheets
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise _fail(path, f"has no sheet {sheet!r}; sheets: {', '.join(map(repr, wb.sheetnames))}")
        sheets = [wb[sheet]]
    candidates = []
    for ws in sheets:
        records = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        while records and _is_blank(records[-1]):
            records.pop()
        if not records:
            continue
        h = find_header(records, recognise)
        matched = h < len(records) and _names_columns(records[h], recognise)
        candidates.append((matched, ws.title, records))
    if not candidates:
        where = f"sheet {sheet!r} holds no cell" if sheet is not None else "no sheet holds any cell"
        raise _fail(path, f"is empty: {where}")
    chosen = next((c for c in candidates if c[0]), candidates[0])
    _, title, records = chosen
    frame, rows = _frame(path, records, list(range(1, len(records) + 1)), recognise)
    others = [c[1] for c in candidates if c[1] != title]
    formulas = _formulas(path, wb[title], frame)
    frame.attrs["baro"].update(format="xlsx", sheet=title, other_sheets=others, formulas=formulas)
    return frame, rows


_FORMULA = re.compile(rb"<f[ >]")


def _formulas(path: Path, values, frame: pd.DataFrame) -> int:
    """How many cells of the table hold a formula with a stored value.

    A formula cell holds its formula and, when the workbook was saved by a
    spreadsheet program, the value last computed. Workbooks written by a
    script (openpyxl among them) often store no value: such a cell is an
    error naming the sheet, the cell and the formula, since reading it as
    empty would change the figures without a word.
    """
    import openpyxl

    with zipfile.ZipFile(path) as z:  # most workbooks hold no formula: then one reading is enough
        if not any(_FORMULA.search(z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/")):
            return 0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        wb = openpyxl.load_workbook(path, read_only=False, data_only=False)
    sheet = wb[values.title]
    header_row = frame.attrs["baro"]["header_row"]
    problems, stored = [], 0
    for line in sheet.iter_rows(min_row=header_row):
        for cell in line:
            if cell.data_type != "f":
                continue
            formula = getattr(cell.value, "text", cell.value)
            if values.cell(row=cell.row, column=cell.column).value is not None:
                stored += 1
                continue
            j = cell.column - 1
            problems.append(
                Problem(
                    str(path),
                    f"cell {values.title}!{cell.coordinate} holds the formula {str(formula)!r} without a "
                    "stored value; open the workbook in a spreadsheet program and save it, so that "
                    "the values are stored",
                    row=cell.row,
                    column=frame.columns[j] if j < len(frame.columns) and frame.columns[j] else None,
                )
            )
    if problems:
        raise InputError(problems)
    return stored


# ------------------------------------------------------------------- SAV
def _read_sav(path: Path, recognise) -> tuple[pd.DataFrame, list[int]]:
    try:
        import pyreadstat

        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as exc:  # any reader failure is a property of the file
        raise _fail(path, f"is not a readable SPSS .sav file: {exc}") from None
    labels = dict(zip(meta.column_names, meta.column_labels or []))
    header = []
    for name in df.columns:
        label = labels.get(name)
        if not recognise(name) and label and recognise(label.strip()):
            header.append(label.strip())
        else:
            header.append(name)
    cols = {}
    for i, name in enumerate(df.columns):
        s = df[name]
        cols[i] = [_sav_text(v) for v in s.tolist()]
    records = [header] + [[cols[i][r] for i in range(len(header))] for r in range(len(df))]
    # case numbers: the first case is 1, as SPSS shows it
    frame, rows = _frame(path, records, list(range(0, len(records))), lambda s: True)
    frame.attrs["baro"].update(format="sav", header_row=None)
    return frame, rows


def _sav_text(value) -> str:
    try:  # None, NaN, NaT
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return _cell_text(value.item() if hasattr(value, "item") else value).strip()


# ----------------------------------------------------------------- write
def format_canonical(frame: pd.DataFrame, columns, *, header_comment: str | None = None) -> bytes:
    """The bytes of one canonical CSV table.

    UTF-8, comma, LF line ends, a header row, booleans ``true`` /
    ``false``, missing values empty; ``header_comment`` (one line) is
    written first, prefixed with ``"# "`` unless it starts with ``#``.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"city_id": ["V01", "V02"], "rank": pd.array([1, None], dtype="Int64")})
    >>> format_canonical(f, ["city_id", "rank"], header_comment="SIMULATED").decode()
    '# SIMULATED\\ncity_id,rank\\nV01,1\\nV02,\\n'
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        has = ", ".join(map(str, frame.columns))
        raise KeyError(f"table lacks column(s) {', '.join(missing)}; has: {has}")
    buf = _io.StringIO(newline="")
    if header_comment is not None:
        if "\n" in header_comment or "\r" in header_comment:
            raise ValueError("header_comment must be one line")
        buf.write(header_comment if header_comment.startswith("#") else f"# {header_comment}")
        buf.write("\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    values = [frame[c].tolist() for c in columns]
    for rec in zip(*values):
        writer.writerow([_canonical_text(v) for v in rec])
    return buf.getvalue().encode("utf-8")


def _canonical_text(value) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if bool(value) else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if hasattr(value, "item"):
        return _canonical_text(value.item())
    return str(value)


def write_canonical(
    tables, folder: str | Path, *, header_comment: str | None = None
) -> dict[str, Path]:
    """Write cities, projects and objectives as canonical CSV files.

    Parameters
    ----------
    tables : CleanTables or mapping
        Anything with ``cities``, ``projects`` and ``objectives`` frames
        (attributes or keys) in the canonical schema.
    folder : str or Path
        Created if needed. Each file is written to a temporary name and
        then renamed, so a reader never sees half a file.
    header_comment : str, optional
        One line written first in every file, e.g. ``"SIMULATED: ..."``.

    Returns
    -------
    dict
        table -> path written. An empty objectives table is not written
        (a folder without objectives.csv means no objectives).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from baro.clean import empty_table
    >>> cities = pd.DataFrame({"city_id": ["V01"], "kind": ["commune"], "population_band": ["p50_100k"]})
    >>> projects = pd.DataFrame({"project_id": ["P001"], "city_id": ["V01"], "domain": ["transport"],
    ...     "status": ["realise"], "management_mode": ["regie"], "decision_mode": ["concertation"],
    ...     "citizens_involved": [True]})
    >>> out = write_canonical({"cities": cities, "projects": projects,
    ...                        "objectives": empty_table("objectives")}, tempfile.mkdtemp())
    >>> sorted(out)
    ['cities', 'projects']
    >>> print(out["projects"].read_text(), end="")
    project_id,city_id,domain,status,management_mode,decision_mode,citizens_involved
    P001,V01,transport,realise,regie,concertation,true
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, columns in COLUMNS.items():
        frame = tables[table] if isinstance(tables, Mapping) else getattr(tables, table)
        if table == "objectives" and len(frame) == 0:
            continue
        payload = format_canonical(frame, list(columns), header_comment=header_comment)
        target = folder / f"{table}.csv"
        fd, tmp = tempfile.mkstemp(prefix=f".{table}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written[table] = target
    return written
