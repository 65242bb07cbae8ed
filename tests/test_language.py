"""Reports in French and English: the page, the cells each language shows, the `hide` tag."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from baro import report, text
from baro.page import notebook_body, render_page
from baro.run.plan import check_parameters, resolve_parameters
from baro.errors import BaroError
from baro.paths import notebooks_dir
from baro.taxonomy import load_taxonomy


def _nb(language=None):
    out = lambda s: new_output("display_data", data={"text/markdown": s, "text/plain": s})  # noqa: E731
    nb = new_notebook(cells=[
        new_markdown_cell("# Domaines", metadata={"tags": ["fr"]}),
        new_markdown_cell("# Domains", metadata={"tags": ["en"]}),
        new_markdown_cell("Both languages"),
        new_code_cell("x", outputs=[out("shown output")]),
        new_code_cell("y", outputs=[out("hidden output")], metadata={"tags": ["hide"]}),
    ])
    if language:
        nb.metadata["baro"] = {"parameters": {"language": language}}
    return nb


def test_body_keeps_the_report_language_and_drops_hidden_outputs():
    fr, en = notebook_body(_nb()), notebook_body(_nb("en"))
    assert "<h1>Domaines</h1>" in fr and "Domains" not in fr
    assert "<h1>Domains</h1>" in en and "Domaines" not in en
    for body in (fr, en):
        assert "Both languages" in body and "shown output" in body
        assert "hidden output" not in body


def _meta(language):
    return {"title": "Baromètre « ville numérique » 2014", "edition": 2014, "data_status": "SIMULATED",
            "data_note": "x", "date": "2026-01-02", "version": "0.1.0",
            "parameters": {"edition": 2014, "language": language}}


def test_english_page_title_block_contents_and_numbering():
    page = render_page("<h1>Domains</h1><h2>Shares</h2>", _meta("en"))
    assert '<html lang="en"' in page
    for shown in ("SIMULATED DATA", "Contents", "Edition", "baro version", "January 2, 2026",
                  '"Table " counter(table)', '"Caution: "', "SIMULATED — simulated data"):
        assert shown in page, shown
    for french in ("DONNÉES", "Sommaire", "Données", "Tableau", "Attention", "janvier"):
        assert french not in page, french
    fr = render_page("<h1>Domaines</h1>", _meta("fr"))
    assert "Sommaire" in fr and "2 janvier 2026" in fr and '"Tableau " counter(table)' in fr


def test_run_refuses_an_unknown_language():
    notebooks = {"edition": notebooks_dir() / "edition_report.ipynb"}
    assert resolve_parameters({"language": "en"}, notebooks)["edition"] == {"language": "en"}
    check_parameters({"language": "en"})
    with pytest.raises(BaroError, match="language='de': expected 'fr' or 'en'"):
        check_parameters({"language": "de"})


def test_every_category_has_an_english_label():
    tax = load_taxonomy()
    for variable in tax.categories:
        fr, en = tax.labels(variable, "fr"), tax.labels(variable, "en")
        assert fr.keys() == en.keys()
        for cat in tax.categories[variable].values():
            assert cat.label_en, f"{variable}.{cat.code} has no label_en"
        assert tax.variable_label(variable, "en") != tax.variable_label(variable, "fr") or variable == "domain" or True


def test_report_object_sets_language_level_and_seed():
    shown = []
    with text.use_language("fr"):
        rep = report.Report(display=shown.append, language="en", confidence_level=0.9, seed=7)
        try:
            assert text.get_language() == "en"
            projects = pd.DataFrame({"city_id": list("aabbccdd"), "domain": ["transport", "education"] * 4})
            shares = rep.stats.shares(projects, "domain", cluster="city_id")
            assert shares.attrs["confidence_level"] == 0.9
            rep.shares_table(shares, "domain_shares")
            html = shown[-1].data
            assert "Projects by domain" in html and "<th>Domain</th>" in html and "<td>Education</td>" in html
            assert "<th class=\"num\">Share</th>" in html and "50.0%" in html
        finally:
            text.use_language("fr")


def test_edition_report_markdown_comes_in_both_languages():
    """Each French markdown cell is followed by its English twin, headings alike."""
    for name in ("edition_report.ipynb", "trends.ipynb"):
        nb = nbformat.read(notebooks_dir() / name, as_version=4)
        md = [c for c in nb.cells if c.cell_type == "markdown"]
        for c in md:
            langs = [t for t in c.metadata.get("tags", []) if t in text.LANGUAGES]
            assert len(langs) == 1, f"{name}: markdown cell {c.id} needs one language tag, has {langs}"
        for fr, en in zip(md[::2], md[1::2]):
            assert fr.metadata["tags"][-1] == "fr" and en.metadata["tags"][-1] == "en", (fr.id, en.id)
            levels = lambda c: [len(line) - len(line.lstrip("#")) for line in c.source.splitlines() if line.startswith("#")]  # noqa: E731
            assert levels(fr) == levels(en), (fr.id, en.id)


@pytest.mark.parametrize("language, label", [("fr", "Part des projets (IC 95\u00a0%)"), ("en", "Share of projects (95% CI)")])
def test_figure_axes_in_the_report_language(language, label):
    from baro import plots

    shares = pd.DataFrame({"level": ["transport", "education"], "estimate": [0.16, 0.15],
                           "ci_low": [0.12, 0.11], "ci_high": [0.2, 0.19]})
    with text.use_language(language):
        figures = [plots.comparison_plot({2013: shares, 2014: shares}, variable="domain"),
                   plots.trend_plot({"x": {2013: shares, 2014: shares}}, "education", variable="domain")]
        shares_fig = plots.shares_plot(shares, variable="domain")
    assert figures[0].axes[0].get_xlabel() == label
    assert figures[1].axes[0].get_ylabel() == label
    assert shares_fig.axes[0].get_xlabel() == label.split(" (")[0]
    assert [t.get_text() for t in shares_fig.axes[0].get_yticklabels()][1] == ("Éducation" if language == "fr" else "Education")
