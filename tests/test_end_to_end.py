"""End to end: the real edition report of 2014, run into a temporary folder.

Slow next to the other tests (a real notebook: tens of seconds), so it runs
once and every check reads the same outputs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from baro.paths import notebooks_dir

NOTEBOOK = notebooks_dir() / "edition_report.ipynb"

pytestmark = pytest.mark.skipif(
    not NOTEBOOK.is_file(), reason=f"{NOTEBOOK} is not in this checkout yet"
)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    from baro.run import run_reports

    out = tmp_path_factory.mktemp("outputs")
    summary = run_reports([2014], output_dir=out, force=True, echo=lambda line: None)
    assert summary.ok, summary.render()
    return out / "2014"


def _text(html: str) -> str:
    body = html[html.index("<body"):]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_every_output_is_written(outputs):
    for name in ("report.html", "report.pdf", "2014.ipynb", "manifest.json"):
        assert (outputs / name).is_file(), name
    assert list((outputs / "tables").glob("*.csv")), "no table written"
    assert list((outputs / "figures").glob("*.png")) and list((outputs / "figures").glob("*.svg"))
    manifest = json.loads((outputs / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_status"] == "SIMULATED"
    assert set(manifest["timings"]) == {"execute", "html", "pdf"}


def test_html_says_simulated_shows_the_published_figures_and_no_code(outputs):
    html = (outputs / "report.html").read_text(encoding="utf-8")
    assert "DONNÉES SIMULÉES — SIMULATED DATA" in html
    assert "jp-InputArea" not in html and "In&nbsp;[" not in html
    assert "editions.load(" not in html  # source of the notebook's first cell
    text = _text(html)
    for figure in ("810", "38", "131", "125"):
        assert re.search(rf"(?<![\d,]){figure}(?![\d,])", text), figure


def test_pdf_says_simulated_on_page_one(outputs):
    assert (outputs / "report.pdf").read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(outputs / "report.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "SIMULATED" in text.split("\f")[0]
        for figure in ("810", "38", "131", "125"):
            assert re.search(rf"(?<![\d,]){figure}(?![\d,])", text), figure
    else:  # no PDF text extractor: lay the same page out again and read page 1
        weasyprint = pytest.importorskip("weasyprint")
        from baro.page import page_text

        document = weasyprint.HTML(string=(outputs / "report.html").read_text(encoding="utf-8")).render()
        assert "SIMULATED" in page_text(document.pages[0])
