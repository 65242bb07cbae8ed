"""Report display helpers: the HTML contract, escaping and files written."""

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from baro import report
from baro.stats.results import few_clusters, small_expected


def make_report(tmp_path=None):
    shown = []
    rep = report.Report(output_dir=tmp_path or "", display=shown.append)
    return rep, shown


def small_frame():
    return pd.DataFrame(
        {
            "level": ["transport", "<b>x</b>"],
            "count": [131, 7],
            "estimate": [131 / 810, 7 / 810],
            "pvalue": [0.0001, 0.25],
            "flag": [True, False],
        }
    )


def test_table_html_contract_and_formats():
    rep, shown = make_report()
    rep.show_table(
        small_frame(), "shares", "Parts des domaines",
        columns={"level": "Domaine", "count": "Projets", "estimate": "Part", "pvalue": "p", "flag": "Cité"},
        formats={"estimate": "percent", "pvalue": "pvalue"},
        labels={"level": {"transport": "Transport"}},
    )
    body = shown[0].data
    assert body.startswith('<div class="baro-table-wrap"><table class="baro-table" id="tab-shares">')
    assert "<caption>Parts des domaines</caption>" in body
    assert '<th class="num">Projets</th>' in body and "<th>Domaine</th>" in body
    assert '<td class="num">16,2\xa0%</td>' in body
    assert '<td class="num">&lt; 0,001</td>' in body
    assert '<td class="num">0,250</td>' in body
    assert "<td>oui</td>" in body and "<td>non</td>" in body
    assert "<td>Transport</td>" in body
    # a label holding markup shows as text
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body
    assert body.count("<tr>") == 3


def test_table_pvalue_cell_escaped():
    rep, shown = make_report()
    rep.show_table(pd.DataFrame({"pvalue": [1e-5]}), "p", "P", formats={"pvalue": "pvalue"})
    assert '<td class="num">&lt; 0,001</td>' in shown[0].data


def test_caption_and_header_escaped():
    rep, shown = make_report()
    rep.show_table(pd.DataFrame({"a": [1]}), "t", "<i>cap</i>", columns={"a": "<u>A</u>"})
    assert "<caption>&lt;i&gt;cap&lt;/i&gt;</caption>" in shown[0].data
    assert "&lt;u&gt;A&lt;/u&gt;" in shown[0].data


def test_missing_value_shown_as_dash():
    rep, shown = make_report()
    rep.show_table(pd.DataFrame({"x": [np.nan, 1.5]}), "t", "T")
    assert '<td class="num">\u2014</td>' in shown[0].data
    assert '<td class="num">1,50</td>' in shown[0].data


def test_csv_unformatted_and_byte_identical(tmp_path):
    frame = small_frame()
    rep1, _ = make_report(tmp_path / "a")
    rep2, _ = make_report(tmp_path / "b")
    for rep in (rep1, rep2):
        rep.show_table(frame, "shares", "P", formats={"estimate": "percent"})
    a = (tmp_path / "a" / "tables" / "shares.csv").read_bytes()
    b = (tmp_path / "b" / "tables" / "shares.csv").read_bytes()
    assert a == b
    assert b"\r\n" not in a
    back = pd.read_csv(tmp_path / "a" / "tables" / "shares.csv")
    assert back["estimate"].tolist() == frame["estimate"].tolist()  # full precision
    assert back["level"].tolist() == ["transport", "<b>x</b>"]  # codes, not labels


def test_no_output_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rep, _ = make_report()
    rep.show_table(small_frame(), "t", "T")
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    rep.show_figure(fig, "f", "F")
    assert list(tmp_path.iterdir()) == [] and rep.written == []


def test_duplicate_and_bad_names():
    rep, _ = make_report()
    rep.show_table(pd.DataFrame({"a": [1]}), "t", "T")
    with pytest.raises(ValueError, match="already used"):
        rep.show_table(pd.DataFrame({"a": [1]}), "t", "T")
    with pytest.raises(ValueError, match="name"):
        rep.show_table(pd.DataFrame({"a": [1]}), "Bad Name", "T")


def test_unknown_column_and_format():
    rep, _ = make_report()
    with pytest.raises(KeyError, match="'nope'"):
        rep.show_table(pd.DataFrame({"a": [1]}), "t1", "T", columns={"nope": "N"})
    with pytest.raises(ValueError, match="allowed"):
        rep.show_table(pd.DataFrame({"a": [1.0]}), "t2", "T", formats={"a": "euros"})


def test_figure_contract_and_deterministic_files(tmp_path):
    pngs = []
    for sub in ("a", "b"):
        rep, shown = make_report(tmp_path / sub)
        fig = Figure(figsize=(4, 3))
        fig.add_subplot().bar(["a", "b"], [1, 2])
        rep.show_figure(fig, "bars", 'Parts "<x>"')
        pngs.append(shown[0].data)
    body = pngs[0]
    assert re.match(
        r'<figure class="baro-figure" id="fig-bars"><img src="data:image/png;base64,[A-Za-z0-9+/=]+" '
        r'alt="Parts &quot;&lt;x&gt;&quot;"><figcaption>Parts "&lt;x&gt;"</figcaption></figure>$',
        body,
    )
    svg_a = (tmp_path / "a" / "figures" / "bars.svg").read_bytes()
    svg_b = (tmp_path / "b" / "figures" / "bars.svg").read_bytes()
    assert svg_a == svg_b and b"<dc:date>" not in svg_a
    png = (tmp_path / "a" / "figures" / "bars.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_callouts_and_say():
    rep, shown = make_report()
    rep.note("Une note.")
    rep.warning("**Attention.** Peu de villes.")
    rep.say("Une *phrase*.")
    assert shown[0].data == '<div class="baro-note">Une note.</div>'
    assert shown[1].data == '<div class="baro-warning"><strong>Attention.</strong> Peu de villes.</div>'
    assert type(shown[2]).__name__ == "Markdown" and shown[2].data == "Une *phrase*."


def test_auto_format_for_mixed_columns():
    rep, shown = make_report()
    frame = pd.DataFrame({"published": pd.Series([47, 45.80246913580247, "transport"], dtype=object)})
    rep.show_table(frame, "mixed", "M")
    body = shown[0].data
    assert "<td>47</td>" in body and "<td>45,8</td>" in body and "<td>transport</td>" in body


def test_caveats_callout_only_when_warned():
    from types import SimpleNamespace as R

    rep, shown = make_report()
    rep.caveats(R(warnings=()))
    assert shown == []
    rep.caveats(R(warnings=(small_expected(3, 9, 1.5, False),)), R(warnings=(few_clusters(4),)))
    # the exported report heads the callout with "Attention :" itself
    assert shown[0].data.startswith('<div class="baro-warning">3 des 9')
    assert "Seulement 4 grappes" in shown[0].data


def test_clustering_table_against_hand_values():
    from types import SimpleNamespace as R

    assoc = R(statistic=3.0, pvalue=0.01, design_effect=2.5, n_clusters=38)
    flat = R(statistic=40.0, pvalue=1e-6, design_effect=1.0)
    gof = R(statistic=100.0, pvalue=0.02, design_effect=1.0, n_clusters=38)
    t = report.clustering_table({"assoc": (assoc, flat), "gof": (gof, R(statistic=100.0, pvalue=1e-12))})
    assert list(t.columns) == list(report.CLUSTERING_COLUMNS)
    assert t["design_effect"].tolist() == pytest.approx([2.5, 1.0])
    assert t["pvalue_unclustered"].tolist() == [1e-6, 1e-12]
    assert t["statistic_clustered"].tolist() == [3.0, 100.0]


def test_empty_note_shows_nothing():
    rep, shown = make_report()
    rep.note("")
    assert shown == []
