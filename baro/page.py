"""Export an executed report notebook to a self-contained HTML page and an A4 PDF.

The HTML has no code: :func:`notebook_body` renders the Markdown cells and
the outputs only (inputs and prompts excluded), and :func:`render_page` wraps them in
``baro/templates/report.html.j2``: the title block from
``nb.metadata["baro"]``, a table of contents built from the chapters (h1)
and sections (h2), and ``report.css`` inlined. Images stay data URIs, so the
page fetches nothing. The PDF is WeasyPrint on that same page, with the
stylesheet's ``@page`` and ``@media print`` rules (A4, running header,
"page N / M", SIMULATED in every footer when the data are simulated).
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from pathlib import Path
from typing import Any, Mapping

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Keys of ``nb.metadata["baro"]`` that the runner writes and the page shows.
METADATA_KEYS = ("title", "subtitle", "edition", "data_status", "data_note", "date", "version", "parameters")

_HEADING = re.compile(r"<h([12])(\s[^>]*)?>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r"""\bid\s*=\s*(["'])(.*?)\1""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_CLEAN_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_ANCHOR = re.compile(r'<a class="anchor-link"[^>]*/>|<a class="anchor-link"[^>]*>.*?</a>', re.DOTALL)
_TABLE = re.compile(
    r'<div class="baro-table-wrap"><table class="baro-table"([^>]*)>(<caption>.*?</caption>)?'
    r"<thead>(.*?)</thead><tbody>(.*?)</tbody></table></div>",
    re.DOTALL,
)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.DOTALL)

#: Tables taller than this many lines (rows, a row of wrapped text counting
#: its lines) may break across pages, header repeated; shorter ones are kept
#: whole.
LONG_TABLE_LINES = 20

#: Width of a table's text in characters of its font (A4 text block, 8.5 pt
#: sans-serif, cell padding left out): the budget that :func:`table_widths`
#: shares between columns.
TABLE_CHARS = 105


def _slug(text: str) -> str:
    """An id for a heading.

    >>> _slug("Égalité des parts !")
    'egalite-des-parts'
    """
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def add_heading_ids(body: str) -> tuple[str, list[dict[str, Any]]]:
    """Give every h1 and h2 a unique id and return the table of contents.

    Returns the body with ids set and a list of chapters, each
    ``{"id", "text", "sections": [{"id", "text"}]}``. A section before the
    first chapter becomes an entry of its own.

    A heading gets a slug of its text; an id it already has (written in
    HTML) is kept when plain ASCII and unique, else replaced by the slug.

    >>> body, toc = add_heading_ids('<h1>Domaines</h1><p>x</p><h2 id="a">Parts</h2>'
    ...                             '<h1 id="Contr%C3%B4les">Contrôles</h1><h1>Domaines</h1>')
    >>> body
    '<h1 id="domaines">Domaines</h1><p>x</p><h2 id="a">Parts</h2><h1 id="controles">Contrôles</h1><h1 id="domaines-2">Domaines</h1>'
    >>> [(c["id"], [s["text"] for s in c["sections"]]) for c in toc]
    [('domaines', ['Parts']), ('controles', []), ('domaines-2', [])]
    """
    body = _ANCHOR.sub("", body)
    seen: set[str] = set(m.group(2) for m in _ID.finditer(body))
    used: set[str] = set()
    toc: list[dict[str, Any]] = []

    def unique(base: str) -> str:
        candidate, n = base, 1
        while candidate in used or (candidate in seen and candidate != base):
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        return candidate

    def replace(m: re.Match[str]) -> str:
        level, attrs, inner = m.group(1), m.group(2) or "", m.group(3)
        text = html_lib.unescape(_TAG.sub("", inner)).strip()
        found = _ID.search(attrs)
        if found and _CLEAN_ID.fullmatch(found.group(2)) and found.group(2) not in used:
            hid = found.group(2)
            used.add(hid)
        else:
            hid = unique(_slug(text))
            attrs = _ID.sub("", attrs).rstrip()
            attrs = f' id="{hid}"' + (f" {attrs.strip()}" if attrs.strip() else "")
        entry = {"id": hid, "text": text}
        if level == "1" or not toc:
            toc.append({**entry, "sections": []})
        else:
            toc[-1]["sections"].append(entry)
        return f"<h{level}{attrs}>{inner}</h{level}>"

    return _HEADING.sub(replace, body), toc


#: Output types a report shows, best first (as nbconvert's HTML export ranks them).
_PRIORITY = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

@functools.cache
def _markdown() -> Any:
    """One Markdown renderer per process: mistune with the extensions of
    JupyterLab's and nbconvert's Markdown; raw HTML passes through."""
    import mistune

    return mistune.create_markdown(escape=False, hard_wrap=False,
                                   plugins=["strikethrough", "table", "url", "task_lists", "def_list"])


def markdown_html(text: str) -> str:
    """HTML of a Markdown text, as a notebook shows it.

    >>> markdown_html("Le transport compte **131** projets.").strip()
    '<p>Le transport compte <strong>131</strong> projets.</p>'
    >>> markdown_html('<div class="baro-note">Brut.</div>').strip()
    '<div class="baro-note">Brut.</div>'
    """
    return _markdown()(text)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_html(output: Mapping[str, Any], language: str = "fr") -> str:
    kind = output.get("output_type")
    if kind == "stream":
        text = html_lib.escape(_ANSI.sub("", _text(output.get("text", ""))), quote=False)
        return f'<div class="output_stream output_{output.get("name", "stdout")}"><pre>{text}</pre></div>'
    if kind == "error":
        text = html_lib.escape(_ANSI.sub("", "\n".join(output.get("traceback", []))), quote=False)
        return f'<div class="output_error"><pre>{text}</pre></div>'
    data = output.get("data", {})
    mime = next((m for m in _PRIORITY if m in data), None)
    if mime is None:
        return ""
    value = _text(data[mime])
    if mime in ("text/html", "image/svg+xml"):
        return value
    if mime in ("image/png", "image/jpeg"):
        from baro.text import t

        return (f'<div class="output_{mime.split("/")[1]}"><img src="data:{mime};base64,{value.strip()}" '
                f'alt="{html_lib.escape(t("page.figure_alt", language), quote=True)}"></div>')
    if mime == "text/markdown":
        return markdown_html(value)
    return f'<div class="output_text"><pre>{html_lib.escape(_ANSI.sub("", value), quote=False)}</pre></div>'


#: Tag of a code cell whose outputs stay out of the exported report.
HIDE_TAG = "hide"


def report_language(nb: Any) -> str:
    """The language of an executed report: its ``language`` parameter (default French)."""
    from baro.text import LANGUAGES

    meta = nb.metadata.get("baro") or {}
    params = meta.get("parameters") or nb.metadata.get("papermill", {}).get("parameters") or {}
    return params.get("language") or LANGUAGES[0]


def cell_shown(cell: Any, language: str) -> bool:
    """Whether the report shows ``cell``: not tagged ``hide``, and not tagged with another language.

    A markdown cell tagged ``fr`` or ``en`` is narrative in that language;
    an untagged cell shows in every language.

    >>> from nbformat.v4 import new_markdown_cell
    >>> en = new_markdown_cell("# Domains", metadata={"tags": ["en"]})
    >>> cell_shown(en, "en"), cell_shown(en, "fr")
    (True, False)
    """
    from baro.text import LANGUAGES

    tags = cell.get("metadata", {}).get("tags", [])
    if HIDE_TAG in tags:
        return False
    return not any(tag in LANGUAGES and tag != language for tag in tags)


def notebook_body(nb: Any, language: str | None = None) -> str:
    """The notebook's narrative and outputs as an HTML fragment: no code, no prompts.

    Cells tagged ``hide``, and markdown cells in another language than the
    report's (see :func:`cell_shown`), are left out. Markdown cells are
    rendered, and each code cell's outputs in the form
    nbconvert's HTML export would choose (HTML first, then images,
    Markdown, text); streams (warnings) stay visible. The fragment has no
    wrapper per cell or output: nothing on the page needs one, and each
    wrapper is a box that WeasyPrint lays out (two hundred of them cost a
    report's PDF a thirteenth of its time).

    >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    >>> nb = new_notebook(cells=[new_markdown_cell("# Panel"), new_code_cell("secret()", outputs=[
    ...     new_output("display_data", data={"text/markdown": "*38* villes", "text/plain": "<Markdown>"}),
    ...     new_output("stream", name="stderr", text="UserWarning: peu de villes\\n")])])
    >>> print(notebook_body(nb))
    <h1>Panel</h1>
    <p><em>38</em> villes</p>
    <div class="output_stream output_stderr"><pre>UserWarning: peu de villes
    </pre></div>
    """
    language = language or report_language(nb)
    parts: list[str] = []
    for cell in nb.cells:
        if not cell_shown(cell, language):
            continue
        if cell.cell_type == "markdown":
            parts.append(markdown_html(_text(cell.source)))
        elif cell.cell_type == "code":
            parts.extend(_output_html(output, language) for output in cell.get("outputs", []))
    return "\n".join(part.strip() for part in parts if part.strip())


def _lengths(rows: list[list[str]], ncol: int) -> list[list[int]]:
    return [[len(cell) for cell in row[:ncol]] for row in rows]


def _table_lines(lengths: list[list[int]], widths: list[float], pad: float = 2.0) -> int:
    """Lines of a table, a row as tall as its longest cell wrapped in its column (widths in characters)."""
    return sum(max([1] + [-(-n // max(1, int(widths[i] - pad))) for i, n in enumerate(row)]) for row in lengths)


def table_widths(head: list[str], rows: list[list[str]], budget: int = TABLE_CHARS) -> list[float]:
    """Column widths in percent, from the length of the texts (a cheap auto layout).

    A column gets at least its longest word (no word is hyphenated or cut).
    When every cell fits on one line, each column gets its longest cell.
    Otherwise the rest of the width goes, a few characters at a time, to
    the column where they save the most lines over the whole table, then
    moves between columns while that saves lines: a column of long
    comments gets the room, not one that is long in a single row. Headers
    count by their longest word only: they may wrap.

    >>> table_widths(["Verdict", "Commentaire"], [["identique", "Taille du panel."]])
    [37.9, 62.1]
    >>> [round(w) for w in table_widths(["a", "b"], [["mot " * 50, "identique"]])]
    [90, 10]
    >>> # one long label against a column of long comments: the comments get the room
    >>> table_widths(["Chiffre", "Note"], [["mot " * 15, "court"]] + [["court", "commentaire " * 12]] * 5)
    [24.2, 75.8]
    """
    pad = 2.0  # a cell's padding, in characters
    ncol = len(head)
    low = [0.0] * ncol
    high = [0.0] * ncol
    for i, title in enumerate(head):  # bold: a fifth wider
        low[i] = high[i] = 1.2 * max((len(w) for w in title.split()), default=0) + pad
    lengths = _lengths(rows, ncol)
    for row, row_lengths in zip(rows, lengths):
        for i, cell in enumerate(row[:ncol]):
            low[i] = max(low[i], max((len(w) for w in cell.split()), default=0) + pad)
            high[i] = max(high[i], row_lengths[i] + pad)
    if sum(high) <= budget:
        widths = high
    elif sum(low) >= budget:
        widths = low
    else:
        widths = list(low)
        extra = budget - sum(low)

        def table_lines(w: list[float]) -> int:
            return _table_lines(lengths, w)

        lines = table_lines(widths)
        while extra >= 1:
            # the widening (of one column, by d characters) that saves the most lines per character
            best: tuple[float, int, int] | None = None
            for i in range(ncol):
                for d in range(1, int(min(extra, high[i] - widths[i])) + 1):
                    trial = list(widths)
                    trial[i] += d
                    saved = lines - table_lines(trial)
                    if saved > 0:
                        if best is None or saved / d > best[0]:
                            best = (saved / d, i, d)
                        break
            if best is None:
                break
            _, i, d = best
            widths[i] += d
            extra -= d
            lines = table_lines(widths)
        # what saves no line by itself goes to the columns that still lack room
        lacking = [max(0.0, h - w) for h, w in zip(high, widths)]
        if extra > 0 and sum(lacking):
            widths = [w + extra * lack / sum(lacking) for w, lack in zip(widths, lacking)]
            lines = table_lines(widths)
        # Widening one column at a time cannot see that a column of long
        # comments should take room from one that is long in a row or two:
        # move width between columns while that saves lines.
        for _ in range(100):
            moved = False
            for step in (32, 16, 8, 4, 2, 1):
                for i in range(ncol):
                    for j in range(ncol):
                        d = min(step, high[i] - widths[i], widths[j] - low[j])
                        if i == j or d <= 0:
                            continue
                        trial = list(widths)
                        trial[i] += d
                        trial[j] -= d
                        if (n := table_lines(trial)) < lines:
                            widths, lines, moved = trial, n, True
            if not moved:
                break
    total = sum(widths) or 1.0
    return [round(100 * w / total, 1) for w in widths]


def size_tables(body: str) -> str:
    """Give each ``table.baro-table`` column widths, and mark long tables.

    Each table gets a ``<colgroup>`` from :func:`table_widths`, so that the
    print stylesheet can lay it out with ``table-layout: fixed`` (one pass
    instead of measuring every cell twice). A table of more than
    :data:`LONG_TABLE_LINES` lines gets ``baro-table-long`` on its wrapper:
    it may break across pages, its header repeated.

    >>> out = size_tables('<div class="baro-table-wrap"><table class="baro-table" id="tab-t">'
    ...                   '<caption>C</caption><thead><tr><th>A</th><th>B</th></tr></thead>'
    ...                   '<tbody><tr><td>xx</td><td>yyyyyy</td></tr></tbody></table></div>')
    >>> print(out)  # doctest: +NORMALIZE_WHITESPACE
    <div class="baro-table-wrap"><table class="baro-table" id="tab-t"><caption>C</caption><colgroup><col style="width: 33.3%"><col style="width: 66.7%"></colgroup><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>xx</td><td>yyyyyy</td></tr></tbody></table></div>
    """

    def text_of(cell: str) -> str:
        return html_lib.unescape(_TAG.sub("", cell)).strip()

    def replace(m: re.Match[str]) -> str:
        attrs, caption, head, rows = m.group(1), m.group(2) or "", m.group(3), m.group(4)
        titles = [text_of(c) for c in _CELL.findall(head)]
        cells = [[text_of(c) for c in _CELL.findall(r)] for r in _ROW.findall(rows)]
        widths = table_widths(titles, cells) if titles else []
        cols = "".join(f'<col style="width: {w}%">' for w in widths)
        lines = _table_lines(_lengths(cells, len(widths)), [w * TABLE_CHARS / 100 for w in widths])
        wrap = "baro-table-wrap baro-table-long" if lines > LONG_TABLE_LINES else "baro-table-wrap"
        return (
            f'<div class="{wrap}"><table class="baro-table"{attrs}>{caption}'
            f"<colgroup>{cols}</colgroup><thead>{head}</thead><tbody>{rows}</tbody></table></div>"
        )

    return _TABLE.sub(replace, body)


def render_page(body: str, meta: Mapping[str, Any]) -> str:
    """Wrap an HTML fragment in the report page (title block, contents, CSS).

    ``meta`` is ``nb.metadata["baro"]`` (see :data:`METADATA_KEYS`).

    Examples
    --------
    >>> meta = {"title": "Édition 2014", "subtitle": "", "edition": 2014,
    ...         "data_status": "SIMULATED", "data_note": "Tables simulées.",
    ...         "date": "2026-01-02", "version": "0.1.0", "parameters": {}}
    >>> page = render_page("<h1>Domaines</h1><p>Texte.</p>", meta)
    >>> "DONNÉES SIMULÉES — SIMULATED DATA" in page, 'href="#domaines"' in page
    (True, True)
    """
    import jinja2

    from baro import text

    missing = [k for k in ("title", "edition", "data_status", "date", "version") if k not in meta]
    if missing:
        raise KeyError(f"notebook metadata 'baro' lacks {', '.join(missing)} (expected keys: {', '.join(METADATA_KEYS)})")
    if meta["data_status"] not in ("SIMULATED", "real"):
        raise ValueError(f"data_status must be 'SIMULATED' or 'real', not {meta['data_status']!r}")
    body, toc = add_heading_ids(body)
    body = size_tables(body)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    template = env.get_template("report.html.j2")
    params = meta.get("parameters") or {}
    language = params.get("language") or text.LANGUAGES[0]
    labels = {key.removeprefix("page."): text.template(key, language) for key in text.catalogue() if key.startswith("page.")}
    try:
        date = text.fmt_date(meta["date"], language=language)
    except (TypeError, ValueError):
        date = meta["date"]
    return template.render(
        language=language,
        labels=labels,
        title=meta["title"],
        subtitle=meta.get("subtitle", ""),
        edition=_edition_label(meta["edition"], params.get("editions"), language),
        simulated=meta["data_status"] == "SIMULATED",
        data_note=meta.get("data_note", ""),
        date=date,
        version=meta["version"],
        toc=toc,
        css=jinja2.utils.markupsafe.Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        body=jinja2.utils.markupsafe.Markup(body),
    )


def _edition_label(edition: int | str, years: list[int] | None, language: str) -> str:
    """The edition as the title block shows it.

    >>> _edition_label("trends", [2013, 2015], "fr"), _edition_label(2014, None, "fr")
    ('comparaison 2013, 2015', '2014')
    """
    from baro import text

    if edition != "trends":
        return str(edition)
    if not years:
        return text.t("page.comparison_all", language)
    return text.t("page.comparison", language, years=", ".join(map(str, years)))


def export_html(nb: Any) -> str:
    """The self-contained report page of an executed notebook.

    ``nb`` is an nbformat notebook whose ``metadata["baro"]`` holds the
    title block (see :data:`METADATA_KEYS`).
    """
    meta = nb.metadata.get("baro")
    if not meta:
        raise KeyError("notebook metadata has no 'baro' entry: the runner writes it before export")
    return render_page(notebook_body(nb), meta)


def export_pdf(page: str, path: str | Path) -> int:
    """Write the report page as an A4 PDF with WeasyPrint; return the page count."""
    import weasyprint

    document = weasyprint.HTML(string=page, base_url=str(TEMPLATES)).render()
    document.write_pdf(str(path))
    return len(document.pages)


def page_text(page: Any) -> str:
    """The text laid out on one page of a rendered WeasyPrint document.

    Used to check what a reader sees on a page without a PDF text
    extractor.
    """
    parts: list[str] = []

    def walk(box: Any) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            parts.append(text)
        for child in getattr(box, "children", []) or []:
            walk(child)

    walk(page._page_box)
    return " ".join(parts)
