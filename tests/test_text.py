"""French formatting and sentences: exact strings."""

import re
from types import SimpleNamespace as R

import pandas as pd
import pytest

from baro import text
from baro.stats import CAVEAT_CODES
from baro.stats.results import few_clusters, few_subjects, small_expected

NN = "\u202f"  # narrow no-break space
NB = "\u00a0"  # no-break space


@pytest.mark.parametrize(
    "x, digits, expected",
    [
        (1234.5, 1, f"1{NN}234,5"),
        (1234567.891, 2, f"1{NN}234{NN}567,89"),
        (810, 0, "810"),
        (0.5, 0, "0"),  # round half to even, as Python's format
        (-1234.5, 1, f"\u22121{NN}234,5"),
        (-0.04, 1, "0,0"),  # no negative zero
        (float("nan"), 1, f"n.{NB}d."),
        (None, 1, f"n.{NB}d."),
    ],
)
def test_fmt_number(x, digits, expected):
    assert text.fmt_number(x, digits) == expected


def test_fmt_number_rejects_bad_digits():
    with pytest.raises(ValueError, match="digits"):
        text.fmt_number(1.0, -1)


@pytest.mark.parametrize(
    "share, digits, expected",
    [(0.458, 1, f"45,8{NB}%"), (0.16172, 1, f"16,2{NB}%"), (1.0, 0, f"100{NB}%"), (12.5, 0, f"1{NN}250{NB}%")],
)
def test_fmt_percent(share, digits, expected):
    assert text.fmt_percent(share, digits) == expected


@pytest.mark.parametrize(
    "p, expected",
    [(0.0004, "p < 0,001"), (0.001, "p = 0,001"), (0.032, "p = 0,032"), (0.5, "p = 0,500"), (0.0, "p < 0,001")],
)
def test_fmt_pvalue(p, expected):
    assert text.fmt_pvalue(p) == expected


def test_fmt_pvalue_rejects_out_of_range():
    with pytest.raises(ValueError, match="p-value"):
        text.fmt_pvalue(1.2)


def test_fmt_interval():
    assert text.fmt_interval(0.121, 0.184, percent=True) == f"IC 95{NB}% [12,1{NB}; 18,4]"
    assert text.fmt_interval(1.25, 3.5, 0.99, 2) == f"IC 99{NB}% [1,25{NB}; 3,50]"
    with pytest.raises(ValueError, match="confidence_level"):
        text.fmt_interval(0, 1, 95)


@pytest.mark.parametrize(
    "n, expected", [(0, "0 ville"), (1, "1 ville"), (2, "2 villes"), (1128, f"1{NN}128 villes")]
)
def test_fmt_count_french_plural(n, expected):
    assert text.fmt_count(n, "ville") == expected


def test_fmt_points():
    assert text.fmt_points(0.034) == "+3,4 points"
    assert text.fmt_points(-0.015) == "\u22121,5 point"
    assert text.fmt_points(0.0) == "0,0 point"


def test_share_sentence_escapes_label():
    row = pd.Series({"level": "x", "count": 125, "estimate": 125 / 810, "ci_low": 0.12, "ci_high": 0.19, "design_effect": 2.0})
    got = text.share_sentence(row, "<b>x</b>")
    assert got == (
        f"&lt;b&gt;x&lt;/b&gt;{NB}: 125 projets, soit 15,4{NB}% "
        f"(IC 95{NB}% [12,0{NB}; 19,0], effet de plan 2,00)."
    )
    assert "<b>" not in got


def test_share_sentence_without_deff_and_other_level():
    row = {"count": 1, "estimate": 0.5, "ci_low": 0.1, "ci_high": 0.9}
    got = text.share_sentence(row, "A", noun="ville", confidence_level=0.9)
    assert got == f"A{NB}: 1 ville, soit 50,0{NB}% (IC 90{NB}% [10,0{NB}; 90,0])."


def test_gof_sentence_significant_and_not():
    res = R(statistic=12.0, pvalue=0.0001, dof=8.0, n_clusters=24, pvalue_monte_carlo=float("nan"))
    assert text.gof_sentence(res) == (
        "Les domaines ne sont pas également fréquents "
        "(Rao-Scott pour 24 grappes, χ² = 12,00, ddl = 8, p < 0,001)."
    )
    res = R(statistic=1.0, pvalue=0.8, dof=5, n_clusters=None)
    assert text.gof_sentence(res, subject="les <modes>") == (
        "Rien ne permet de dire que les &lt;modes&gt; ne sont pas également "
        "fréquents (χ² = 1,00, ddl = 5, p = 0,800)."
    )


def test_proportion_test_sentence_lower():
    res = R(estimate=0.40, ci_low=0.35, ci_high=0.45, null=0.5, pvalue=0.002)
    assert text.proportion_test_sentence(res, "la moitié") == (
        f"La part, 40,0{NB}% (IC 95{NB}% [35,0{NB}; 45,0]), est inférieure à "
        f"la moitié (50,0{NB}%, p = 0,002)."
    )


def test_residuals_sentence_keeps_only_positive_significant_cells():
    res = pd.DataFrame(
        {
            "level_a": ["a", "a", "b", "b"],
            "level_b": [True, False, True, False],
            "adjusted_residual": [-4.0, 4.0, 2.5, -2.5],
            "pvalue_adjusted": [0.001, 0.001, 0.03, 0.03],
        }
    )
    got = text.residuals_sentence(res, {"a": "A", "b": "B & C"})
    assert got == (
        "Les citoyens sont plus souvent impliqués qu’en moyenne dans le "
        "domaine B &amp; C (résidu ajusté 2,5, p ajustée = 0,030)."
    )


def test_residuals_sentence_missing_column():
    with pytest.raises(KeyError, match="pvalue_adjusted"):
        text.residuals_sentence(pd.DataFrame({"level_a": [], "level_b": [], "adjusted_residual": []}))


def test_ranking_sentence_orders_by_mean_rank():
    r = pd.DataFrame({"level": ["dd", "qs", "at"], "mean_rank": [4.5, 1.2, 2.0]})
    got = text.ranking_sentence(r, {"dd": "Développement durable", "qs": "Qualité", "at": "Attractivité"})
    assert got == (
        f"Classement par rang moyen (1 = premier){NB}: 1. Qualité (1,20), "
        "2. Attractivité (2,00) et 3. Développement durable (4,50)."
    )


def test_agreement_and_cochran_not_significant():
    assert text.agreement_sentence(R(kendall_w=0.01, statistic=1.5, dof=4, pvalue=0.83, n_subjects=1)) == (
        f"Rien ne montre que les villes s’accordent sur un ordre (W de Kendall = 0,01 sur 1 ville"
        f"{NB}; Friedman, χ² = 1,50, ddl = 4, p = 0,830)."
    )
    assert text.cochran_sentence(R(statistic=2.0, dof=3, pvalue=0.57)) == (
        "Rien ne montre que certains objectifs soient plus souvent cités que d’autres "
        "(Q de Cochran = 2,00, ddl = 3, p = 0,570)."
    )


def test_reconcile_sentence_every_verdict():
    f = pd.DataFrame(
        {"figure": ["a", "b", "c", "d"], "verdict": ["not computable", "inconsistent", "inconsistent", "match"]}
    )
    assert text.reconcile_sentence(f) == (
        f"Sur 4 chiffres publiés, 1 est retrouvé exactement{NB}; 2 sont incohérents avec "
        f"les tables ou avec les autres chiffres publiés (b et c){NB}; 1 ne peut pas être "
        "calculé à partir des tables."
    )


def test_reconcile_sentence_unknown_verdict():
    with pytest.raises(ValueError, match="allowed: match, rounding"):
        text.reconcile_sentence(pd.DataFrame({"verdict": ["maybe"]}))


def test_data_status_sentence_says_simulated():
    e = R(year=2013, simulated=True, meta={"edition": {"data_note": "Calibrées."}})
    got = text.data_status_sentence(e)
    assert "SIMULATED" in got and got.endswith("Calibrées.")


def test_change_answer_sentence_clustering_changes_conclusion():
    row = {"estimate_a": 0.12, "estimate_b": 0.154, "difference": 0.034,
           "ci_low": -0.01, "ci_high": 0.078, "pvalue": 0.13}
    flat = dict(row, ci_low=0.006, ci_high=0.062, pvalue=0.018)
    got = text.change_answer_sentence(row, flat, "l’éducation", (2013, 2014))
    assert got == (
        "**Non, pas de façon démontrable.** La part de l’éducation passe de "
        f"12,0{NB}% en 2013 à 15,4{NB}% en 2014 (+3,4 points, IC 95{NB}% [\u22121,0{NB}; 7,8], "
        "p = 0,130 en tenant compte des grappes). Sans tenir compte des grappes, l’écart "
        f"paraîtrait significatif (IC 95{NB}% [0,6{NB}; 6,2], p = 0,018){NB}: c’est le "
        "regroupement des projets par ville qui change la conclusion."
    )


def test_change_answer_sentence_yes_both():
    row = {"estimate_a": 0.10, "estimate_b": 0.20, "ci_low": 0.05, "ci_high": 0.15, "pvalue": 0.001}
    got = text.change_answer_sentence(row, row, "<x>", (2014, 2015))
    assert got.startswith("**Oui.** La part de &lt;x&gt; passe de 10,0")
    assert got.endswith(f"la conclusion est la même (IC 95{NB}% [5,0{NB}; 15,0], p = 0,001).")


def test_caveats_write_each_warning_in_french_once():
    got = text.caveats(
        R(warnings=(few_clusters(6), few_subjects(8, "cochran_q"))),
        R(warnings=(small_expected(2, 10, 0.4, True), few_clusters(6))),
    )
    assert got == [
        f"Seulement 6 grappes (villes){NB}: la variance du plan de sondage repose sur 5 degrés "
        "de liberté et reste instable.",
        f"Seulement 8 villes{NB}: l’approximation du χ² du Q de Cochran est grossière.",
        f"2 des 10 effectifs attendus sont inférieurs à 5{NB}: l’approximation du χ² est fragile "
        "(voir la p-valeur de Monte-Carlo).",
    ]


def test_caveats_in_english():
    got = text.caveats(R(warnings=(small_expected(1, 10, 0.4, False), few_subjects(1, "friedman"))),
                       language="en")
    assert got == [
        "1 of the 10 expected counts are below 5: the chi-square approximation is fragile.",
        "Only 1 city: the chi-square approximation to Friedman’s statistic is rough.",
    ]


def test_every_warning_code_has_a_sentence_in_every_language():
    # one example of each code the stats can emit (Caveat refuses any other code)
    examples = {
        "few_clusters": few_clusters(2),
        "small_expected": small_expected(3, 12, 0.17, True),
        "few_subjects": few_subjects(4, "friedman"),
    }
    assert set(examples) == set(CAVEAT_CODES)
    for code, warning in examples.items():
        sentences = {lang: text.caveat_text(warning, language=lang) for lang in ("fr", "en")}
        assert sentences["fr"] != sentences["en"], code
        for lang, sentence in sentences.items():
            assert sentence.endswith(".") and "{" not in sentence, (code, lang)
            assert str(warning.asdict().get("n", warning.asdict().get("count"))) in sentence


def test_a_warning_that_is_not_structured_is_refused():
    with pytest.raises(TypeError, match="Caveat"):
        text.caveats(R(warnings=("only 6 clusters",)))
    with pytest.raises(ValueError, match="language must be one of fr, en, got 'de'"):
        text.caveat_text(few_clusters(2), language="de")


def test_concentration_sentence_not_significant():
    res = R(levels=("a",), estimate=0.12, ci_low=0.05, ci_high=0.2, null=0.1, pvalue=0.6)
    assert text.concentration_sentence(res, n_levels=10) == (
        f"Le premier domaine (a) réunit 12,0{NB}% des projets (IC 95{NB}% [5,0{NB}; 20,0]), "
        f"sans différence significative avec les 10,0{NB}% attendus si les 10 domaines étaient "
        "également fréquents (p = 0,600)."
    )


def test_panel_and_log_sentences():
    c = pd.DataFrame({"city_id": ["V01", "V02", "V03"]})
    p = pd.DataFrame({"city_id": ["V01"] * 5 + ["V02"]})
    assert text.panel_sentence(c, p) == (
        "Le panel compte 3 villes et 6 projets, soit 2,0 projets par ville en moyenne "
        "(de 0 à 5 selon la ville)."
    )
    log = pd.DataFrame({"rows_read": [10], "rows_kept": [9], "rows_excluded": [1]})
    assert text.log_sentence(log) == (
        f"Le nettoyage a lu 10 lignes et en a gardé 9{NB}; 1 ligne a été écartée, "
        "chacune avec sa raison dans le journal."
    )


# ------------------------------------------------------------ languages
def test_catalogue_has_every_language_with_the_same_placeholders():
    import string

    for key, entry in text.catalogue().items():
        assert set(entry) - {"typography"} == set(text.LANGUAGES), f"{key}: languages {sorted(entry)}"
        shapes = {lang: (type(v), len(v) if isinstance(v, list) else 1) for lang, v in entry.items() if lang in text.LANGUAGES}
        assert len(set(shapes.values())) == 1, f"{key}: {shapes}"
        if isinstance(entry["fr"], str):
            fields = {
                lang: {f for _, f, _, _ in string.Formatter().parse(v) if f}
                for lang, v in entry.items() if lang in text.LANGUAGES
            }
            assert {f.lower() for f in fields["fr"]} == {f.lower() for f in fields["en"]}, f"{key}: {fields}"


def test_unknown_language_and_sentence_are_refused():
    with pytest.raises(ValueError, match="fr, en"):
        text.use_language("de")
    with pytest.raises(KeyError, match="no sentence"):
        text.t("no.such.sentence")
    assert text.get_language() == "fr"


def test_english_numbers_lists_plurals():
    with text.use_language("en"):
        assert text.fmt_number(-1234.5, 1) == "\u22121,234.5"
        assert text.fmt_percent(0.458) == "45.8%"
        assert text.fmt_interval(0.121, 0.184, percent=True) == "95% CI [12.1, 18.4]"
        assert text.fmt_pvalue(0.0004) == "p < 0.001"
        assert text.count(0, "city") == "0 cities" and text.count(1, "city") == "1 city"
        assert text.join(["a", "b"]) == "a and b"
        assert text.fmt_points(-0.01) == "\u22121.0 points"
    assert text.count(0, "city") == "0 ville"


def test_english_sentences():
    res = R(statistic=96.4, pvalue=0.0002, dof=4.37, n_clusters=38, pvalue_monte_carlo=float("nan"))
    with text.use_language("en"):
        assert text.gof_sentence(res) == (
            "The domains are not equally frequent (Rao-Scott for 38 clusters, χ² = 96.40, df = 4.4, p < 0.001)."
        )
        a = R(statistic=3.2, pvalue=0.001, dof=(7.1, 262.7), n_clusters=38, cramers_v=0.31)
        assert text.association_sentence(a) == (
            "Citizen involvement depends on the domain (Rao-Scott F = 3.20, df = 7.1 and 262.7, p = 0.001; "
            "Cramér's V = 0.31)."
        )
        log = pd.DataFrame({"rows_read": [850], "rows_kept": [849], "rows_excluded": [1]})
        assert text.log_sentence(log) == (
            "Cleaning read 850 rows and kept 849; 1 row was excluded, each with its reason in the log."
        )
        c = pd.DataFrame({"city_id": ["V01", "V02"]})
        p = pd.DataFrame({"city_id": ["V01", "V01", "V01", "V02"]})
        assert text.panel_sentence(c, p) == (
            "The panel has 2 cities and 4 projects, that is 2.0 projects per city on average "
            "(from 1 to 3 depending on the city)."
        )


def test_no_french_left_in_english_catalogue():
    """English templates hold no accented French word nor French typography."""
    for key, entry in text.catalogue().items():
        values = entry["en"] if isinstance(entry["en"], list) else [entry["en"]]
        for v in values:
            assert "\u00a0" not in v and " :" not in v, key
            words = re.findall(r"[A-Za-zÀ-ÿ’']+", v)
            survey = ("Baromètre", "numérique", "Cramér's")  # the survey's published name, Cramér's V
            assert not [w for w in words if re.search(r"[àâçèéêëîïôûùœ]", w) and w not in survey], (key, v)
