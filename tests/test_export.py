"""Export of an executed notebook: the page (no code, title block, contents) and the A4 PDF."""

from __future__ import annotations

import base64
import shutil
import subprocess
import zlib
import struct

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from baro.page import TEMPLATES, add_heading_ids, export_html, export_pdf, page_text, render_page


def _png(width: int = 40, height: int = 20) -> bytes:
    """A small grey PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


FIGURE = (
    '<figure class="baro-figure" id="fig-demo"><img src="data:image/png;base64,{data}" alt="Parts">'
    "<figcaption>Parts des domaines</figcaption></figure>"
)
TABLE = (
    '<div class="baro-table-wrap"><table class="baro-table" id="tab-demo"><caption>Projets par domaine</caption>'
    '<thead><tr><th>Domaine</th><th class="num">Projets</th></tr></thead>'
    '<tbody><tr><td>Transport</td><td class="num">131</td></tr><tr><td>Éducation</td><td class="num">125</td></tr>'
    "</tbody></table></div>"
)


def _meta(status: str = "SIMULATED") -> dict:
    return {
        "title": "Baromètre ville numérique 2014",
        "subtitle": "Rapport d'analyse de l'édition 2014",
        "edition": 2014,
        "data_status": status,
        "data_note": "Tables simulées à partir des chiffres publiés.",
        "date": "2026-01-02",
        "version": "0.1.0",
        "parameters": {"edition": 2014},
    }


def _notebook(status: str = "SIMULATED") -> nbformat.NotebookNode:
    html = FIGURE.format(data=base64.b64encode(_png()).decode()) + TABLE
    cells = [
        new_code_cell("edition = 2014  # SECRET_PARAMETER_SOURCE", metadata={"tags": ["parameters"]}),
        new_markdown_cell("# Domaines\n\nLes domaines des projets."),
        new_code_cell(
            "display(HTML(secret_figure_source))",
            outputs=[new_output("display_data", data={"text/html": html, "text/plain": "<HTML>"})],
        ),
        new_markdown_cell("## Égalité des parts"),
        new_code_cell(
            "display(Markdown(text.sentence()))",
            outputs=[new_output("display_data", data={"text/markdown": "Le transport compte **131** projets.",
                                                      "text/plain": "<Markdown>"})],
        ),
        new_code_cell(
            "warn_secret()",
            outputs=[new_output("stream", name="stderr", text="UserWarning: petit échantillon\n")],
        ),
        new_markdown_cell("# Gouvernance\n\n<div class=\"baro-warning\">Peu de villes.</div>"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["baro"] = _meta(status)
    return nb


@pytest.fixture(scope="module")
def page() -> str:
    return export_html(_notebook())


def test_page_has_no_code(page):
    for source in ("SECRET_PARAMETER_SOURCE", "secret_figure_source", "text.sentence()", "warn_secret",
                   "jp-InputArea", "input_area", "In&nbsp;["):
        assert source not in page


def test_page_shows_outputs_and_callouts(page):
    assert 'id="fig-demo"' in page and "data:image/png;base64," in page
    assert 'id="tab-demo"' in page and '<td class="num">131</td>' in page
    assert "Le transport compte <strong>131</strong> projets." in page
    assert "UserWarning: petit échantillon" in page  # a warning stays visible
    assert '<div class="baro-warning">Peu de villes.</div>' in page


def test_title_block_and_contents(page):
    assert "DONNÉES SIMULÉES — SIMULATED DATA" in page
    assert "Tables simulées à partir des chiffres publiés." in page
    for text in ("Baromètre ville numérique 2014", "2 janvier 2026", "0.1.0"):  # the date in the language
        assert text in page
    toc = page[page.index('<nav class="baro-toc"'):page.index("</nav>")]
    # headings get ids from their text, without accents
    assert toc.index('"#domaines"') < toc.index('"#egalite-des-parts"') < toc.index('"#gouvernance"')
    body = page[page.index("<main"):]
    for hid in ("domaines", "egalite-des-parts", "gouvernance"):
        assert body.count(f'id="{hid}"') == 1


def test_page_is_self_contained(page):
    assert "<style>" in page and "@page" in page  # stylesheet inlined
    for external in ('src="http', 'href="http', "<link ", "@import", "<script"):
        assert external not in page


def test_real_data_page_does_not_say_simulated():
    real = export_html(_notebook("real"))
    assert "SIMULATED" not in real and "SIMULÉES" not in real
    assert "Tables simulées à partir" in real  # the data note is still shown


def test_render_page_checks_its_metadata():
    meta = _meta()
    del meta["date"]
    with pytest.raises(KeyError, match="date"):
        render_page("<p>x</p>", meta)
    with pytest.raises(ValueError, match="'SIMULATED' or 'real'"):
        render_page("<p>x</p>", {**_meta(), "data_status": "simulated"})
    nb = _notebook()
    del nb.metadata["baro"]
    with pytest.raises(KeyError, match="'baro'"):
        export_html(nb)


def test_heading_before_any_chapter_and_duplicate_ids():
    body, toc = add_heading_ids('<h2>Avant</h2><h1 id="x">A</h1><h1 id="x">B</h1>')
    assert [c["id"] for c in toc] == ["avant", "x", "b"]
    assert body.count('id="x"') == 1


def test_stylesheet_honours_the_contract(page):
    css = page  # report.css, and the words of the page set by the template in the report's language
    for rule in ("size: A4", "counter(page)", "counter(pages)", "target-counter(attr(href), page)",
                 "string(report-title)", '"Figure " counter(figure)', '"Tableau " counter(table)',
                 "td.num", "break-inside: avoid", "break-after: avoid", "max-width: 100%"):
        assert rule in css, rule


@pytest.fixture(scope="module")
def document(page):
    weasyprint = pytest.importorskip("weasyprint")
    return weasyprint.HTML(string=page).render()


def test_pdf_pages_say_simulated(document, page, tmp_path):
    first = page_text(document.pages[0])
    assert "DONNÉES SIMULÉES — SIMULATED DATA" in first
    n = len(document.pages)
    assert n >= 3  # title page, then one page per chapter
    for i, p in enumerate(document.pages, start=1):
        text = page_text(p)
        assert "SIMULATED — données simulées" in text  # footer of every page
        assert f"page {i} / {n}" in text
    path = tmp_path / "report.pdf"
    assert export_pdf(page, path) == n
    assert path.read_bytes().startswith(b"%PDF")


def test_pdf_contents_carry_page_numbers(document):
    first = page_text(document.pages[0])
    chapters = [i for i, p in enumerate(document.pages, start=1) if "Gouvernance" in page_text(p)]
    # the chapter "Gouvernance" starts on its own page, which the contents give
    assert chapters[-1] > 1 and str(chapters[-1]) in first


def test_pdf_real_data_footer_is_plain():
    weasyprint = pytest.importorskip("weasyprint")
    document = weasyprint.HTML(string=export_html(_notebook("real"))).render()
    assert all("SIMULATED" not in page_text(p) for p in document.pages)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_page_renders_in_a_browser(page, tmp_path):
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1000,1400",
         html.as_uri()],
        capture_output=True, timeout=60,
    )
    if not shot.is_file():
        pytest.skip(f"chromium could not take a screenshot: {done.stderr[-300:]!r}")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a rendered page, not a blank one
