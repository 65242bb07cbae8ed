"""Export an executed report notebook to a self-contained HTML page and an A4 PDF.

The HTML has no code: nbconvert's ``basic`` template renders the outputs
only (inputs and prompts excluded), and :func:`render_page` wraps them in
``baro/templates/report.html.j2``: the title block from
``nb.metadata["baro"]``, a table of contents built from the chapters (h1)
and sections (h2), and ``report.css`` inlined. Images stay data URIs, so the
page fetches nothing. The PDF is WeasyPrint on that same page, with the
stylesheet's ``@page`` and ``@media print`` rules (A4, running header,
"page N / M", SIMULATED in every footer when the data are simulated).
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any, Mapping

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: Keys of ``nb.metadata["baro"]`` that the runner writes and the page shows.
METADATA_KEYS = ("title", "subtitle", "edition", "data_status", "data_note", "date", "version", "parameters")

_HEADING = re.compile(r"<h([12])(\s[^>]*)?>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r"""\bid\s*=\s*(["'])(.*?)\1""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_CLEAN_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_ANCHOR = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.DOTALL)


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

    Ids that are not plain ASCII (nbconvert percent-encodes accented
    letters) are replaced by a slug of the heading's text.

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


def notebook_body(nb: Any) -> str:
    """The notebook's outputs as an HTML fragment: no code, no prompts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


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

    missing = [k for k in ("title", "edition", "data_status", "date", "version") if k not in meta]
    if missing:
        raise KeyError(f"notebook metadata 'baro' lacks {', '.join(missing)} (expected keys: {', '.join(METADATA_KEYS)})")
    if meta["data_status"] not in ("SIMULATED", "real"):
        raise ValueError(f"data_status must be 'SIMULATED' or 'real', not {meta['data_status']!r}")
    body, toc = add_heading_ids(body)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    template = env.get_template("report.html.j2")
    return template.render(
        title=meta["title"],
        subtitle=meta.get("subtitle", ""),
        edition=_edition_label(meta),
        simulated=meta["data_status"] == "SIMULATED",
        data_note=meta.get("data_note", ""),
        date=meta["date"],
        version=meta["version"],
        toc=toc,
        css=jinja2.utils.markupsafe.Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        body=jinja2.utils.markupsafe.Markup(body),
    )


def _edition_label(meta: Mapping[str, Any]) -> str:
    """The edition as the title block shows it.

    >>> _edition_label({"edition": "trends", "parameters": {"editions": [2013, 2015]}})
    'comparaison 2013, 2015'
    >>> _edition_label({"edition": 2014})
    '2014'
    """
    edition = meta["edition"]
    if edition == "trends":
        years = (meta.get("parameters") or {}).get("editions") or []
        return "comparaison " + ", ".join(map(str, years)) if years else "comparaison des éditions"
    return str(edition)


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
