"""Sentences with numbers for the reports, in French (default) or English.

Rounding is presentation and happens here, nowhere else. Numbers, lists
and plurals follow the report's language through babel (CLDR data):
French gives a decimal comma, a narrow no-break space (U+202F) between
groups of thousands and a no-break space (U+00A0) before ``%``; English
gives ``1,234.5`` and ``45.8%``. baro adds what babel leaves out: the
minus sign U+2212, and in French a no-break space before ``:``, ``;``,
``!``, ``?``, ``»`` and after ``«``. Every label that comes from data is
HTML-escaped before it goes into a sentence, so a label holding markup
shows as text.

The language
------------
One language is current at a time, French unless set. A report sets it
once, after its parameters cell::

    text.use_language(language)          # "fr" or "en"

and every function here, :mod:`baro.report`, :mod:`baro.plots` and the
taxonomy's labels follow it. ``with text.use_language("en"): ...``
switches for a block only. Functions also take ``language=`` where one
call needs another language.

Adding a sentence
-----------------
Sentences live in one catalogue, ``baro/data/sentences.toml``, one entry
per id with its French and English template::

    [panel]
    fr = "Le panel compte {cities} et {projects}, ..."
    en = "The panel has {cities} and {projects}, ..."

``t("panel", cities=count(38, "city"), projects=...)`` fills it in the
current language (``{Name}`` gives the value of ``name`` capitalised).
Format the values first: :func:`fmt_number`, :func:`fmt_percent`,
:func:`fmt_pvalue`, :func:`fmt_interval`, :func:`count` (a number and its
noun, plural by the language's rules), :func:`join` (a list), and
:func:`escape` for any label from data. A sentence builder is then a few
lines: pick the template ids from the result, format, call :func:`t`.
Write both languages; a test fails a catalogue entry that lacks one.
For a sentence used once, a notebook can also call
``rep.say(text.t("my.id", ...))`` directly.

The ``*_sentence`` builders take the results of :mod:`baro.stats` and
:mod:`baro.reconcile` (or any object with the same attributes) and return
one Markdown string, ready for ``IPython.display.Markdown``.

Examples
--------
>>> fmt_number(1234.5, 1)
'1\\u202f234,5'
>>> fmt_percent(0.458, 1)
'45,8\\xa0%'
>>> fmt_pvalue(0.0004)
'p < 0,001'
>>> with use_language("en"):
...     fmt_number(1234.5, 1), fmt_percent(0.458, 1), count(1, "city"), count(2, "city")
('1,234.5', '45.8%', '1 city', '2 cities')
"""

from __future__ import annotations

import html
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

NNBSP = "\u202f"  # narrow no-break space: thousands separator (French)
NBSP = "\u00a0"  # no-break space: before %, :, ; in French
MINUS = "\u2212"  # minus sign

#: Languages of the reports; the first is the default.
LANGUAGES = ("fr", "en")

#: The catalogue of sentences (see the module docstring).
CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "sentences.toml"

#: Text shown for a missing value (NaN, None), in French.
MISSING = "n.\u00a0d."

#: Significance level used by the sentences to say "differs" / "does not".
ALPHA = 0.05

_current = [LANGUAGES[0]]


# ---------------------------------------------------------------- language
class use_language:
    """Make ``language`` the current language of the reports.

    Called as a statement it switches for good; used in a ``with`` block it
    switches back at the end of the block.

    >>> get_language()
    'fr'
    >>> with use_language("en"):
    ...     get_language()
    'en'
    >>> get_language()
    'fr'
    """

    def __init__(self, language: str):
        self.previous = _current[0]
        _current[0] = check_language(language)

    def __enter__(self) -> "use_language":
        return self

    def __exit__(self, *exc: Any) -> None:
        _current[0] = self.previous


def check_language(language: Any) -> str:
    """``language`` if baro writes it, else ValueError naming the allowed ones.

    >>> check_language("de")
    Traceback (most recent call last):
    ...
    ValueError: language must be one of fr, en, got 'de'
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def get_language(language: str | None = None) -> str:
    """``language`` if given (checked), else the current language."""
    return _current[0] if language is None else check_language(language)


@lru_cache(maxsize=None)
def catalogue(path: str | None = None) -> dict[str, dict[str, Any]]:
    """The sentence catalogue: id -> {language: template}, read once.

    Nested TOML tables give dotted ids (``[gof.significant]`` is
    ``"gof.significant"``). An entry with ``typography = false`` keeps its
    French spaces as written (see :func:`french_typography`).
    """
    with open(path or CATALOGUE_PATH, "rb") as fh:
        raw = tomllib.load(fh)
    out: dict[str, dict[str, Any]] = {}

    def walk(prefix: str, table: Mapping[str, Any]) -> None:
        if any(k in table for k in LANGUAGES):
            out[prefix] = {k: v for k, v in table.items() if k in LANGUAGES}
            if table.get("typography") is False:  # spaces kept as written
                out[prefix]["typography"] = False
        for k, v in table.items():
            if isinstance(v, Mapping):
                walk(f"{prefix}.{k}" if prefix else k, v)

    walk("", raw)
    return out


_FR_BEFORE = re.compile(r" ([:;!?»])")
_FR_AFTER = re.compile(r"« ")


def french_typography(template: str) -> str:
    """Spaces before ``: ; ! ? »`` and after ``«`` made no-break (babel does numbers only).

    >>> french_typography("Attention : « oui » ; non ?")
    'Attention\\xa0: «\\xa0oui\\xa0»\\xa0; non\\xa0?'
    """
    return _FR_AFTER.sub("«" + NBSP, _FR_BEFORE.sub(NBSP + r"\1", template))


def template(key: str, language: str | None = None) -> Any:
    """The raw catalogue entry of ``key`` in ``language`` (a string or a list)."""
    lang = get_language(language)
    try:
        entry = catalogue()[key]
    except KeyError:
        raise KeyError(f"no sentence {key!r} in {CATALOGUE_PATH.name}") from None
    if lang not in entry:
        raise KeyError(f"sentence {key!r} has no {lang!r} text in {CATALOGUE_PATH.name}")
    value = entry[lang]
    if lang == "fr" and entry.get("typography", True):
        value = [french_typography(v) for v in value] if isinstance(value, list) else french_typography(value)
    return value


def t(key: str, /, language: str | None = None, **values: Any) -> str:
    """The sentence ``key`` of the catalogue in the current language, filled with ``values``.

    ``{Name}`` in a template gives ``values["name"]`` with a capital letter.

    >>> t("missing_table", what="des objectifs")
    'Cette édition n’a pas de table des objectifs\\xa0: les analyses de ce chapitre ne sont pas calculées.'
    >>> t("missing_table", language="en", what=t("missing_table.objectives", language="en"))
    'This edition has no table of objectives: the analyses of this chapter are not computed.'
    """
    text = template(key, language)
    if not isinstance(text, str):
        raise TypeError(f"sentence {key!r} is a list of forms; use count() or form()")
    values = {**{capitalise(k): capitalise(str(v)) for k, v in values.items()}, **values}
    return text.format(**values)


def form(key: str, n: float, language: str | None = None) -> str:
    """The form of a ``[one, other]`` catalogue entry that goes with ``n``.

    >>> form("noun.city", 1), form("noun.city", 0), form("noun.city", 2)
    ('ville', 'ville', 'villes')
    >>> form("noun.city", 0, "en")
    'cities'
    """
    one, other = template(key, language)
    return one if _plural_category(n, language) == "one" else other


def count(n: int | float, noun: str, language: str | None = None) -> str:
    """A count and its noun (an id under ``noun.`` in the catalogue).

    >>> count(810, "project"), count(1, "city"), count(1128, "project")
    ('810 projets', '1 ville', '1\\u202f128 projets')
    """
    return f"{fmt_int(n, language=language)} {form('noun.' + noun, n, language)}"


@lru_cache(maxsize=None)
def _locale(language: str) -> Any:
    from babel import Locale

    return Locale.parse(language)


def _plural_category(n: float, language: str | None = None) -> str:
    """CLDR plural category of ``n`` ("one", "other", ...) in the language."""
    if not isinstance(n, Decimal):
        n = abs(float(n))
        n = int(n) if n == int(n) else n
    return _locale(get_language(language)).plural_form(abs(n))


# ----------------------------------------------------------------- numbers
def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return False
    except OverflowError:  # pragma: no cover - huge ints are not missing
        return False


def _missing(language: str | None = None) -> str:
    return t("fmt.missing", language)


def _pattern(base: str, digits: int) -> str:
    """A babel number pattern with exactly ``digits`` decimals."""
    return re.sub(r"0(?=[^0#]*$)", "0" + ("." + "0" * digits if digits else ""), base, count=1)


def fmt_number(x: float | int | None, digits: int = 0, *, language: str | None = None) -> str:
    """Format ``x`` with ``digits`` decimals in the report's language.

    The value is rounded as Python's ``format`` rounds it, then written
    with babel (decimal mark and group separator of the language).

    Parameters
    ----------
    x : float or int or None
        The number; NaN or None gives the "missing" text.
    digits : int, default 0
        Number of decimals (must be >= 0).
    language : str, optional
        Default: the current language.

    Examples
    --------
    >>> fmt_number(1234.5, 1)
    '1\\u202f234,5'
    >>> fmt_number(810)
    '810'
    >>> fmt_number(-0.25, 2)
    '−0,25'
    >>> fmt_number(float("nan"))
    'n.\\xa0d.'
    >>> fmt_number(-1234.5, 1, language="en")
    '−1,234.5'
    """
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be an integer >= 0, got {digits!r}")
    lang = get_language(language)
    if _is_missing(x):
        return _missing(lang)
    x = float(x)
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "\u221e"
    from babel.numbers import format_decimal

    rounded = Decimal(f"{abs(x):.{digits}f}")
    body = format_decimal(rounded, format=_pattern("#,##0", digits), locale=lang)
    if rounded == 0:
        x = 0.0  # no "−0,0"
    return (MINUS if x < 0 else "") + body


def fmt_int(n: int | float, *, language: str | None = None) -> str:
    """Format a count (an integer) with the language's thousands separators.

    >>> fmt_int(1128)
    '1\\u202f128'
    """
    if _is_missing(n):
        return _missing(language)
    if float(n) != int(float(n)):
        raise ValueError(f"fmt_int needs a whole number, got {n!r}")
    return fmt_number(int(float(n)), 0, language=language)


def _percent_sign(number: str, language: str | None = None) -> str:
    """Place the percent sign as the language's percent pattern (babel) does."""
    pattern = _locale(get_language(language)).percent_formats[None]
    return f"{pattern.prefix[0]}{number}{pattern.suffix[0]}"


def fmt_percent(share: float | None, digits: int = 1, *, language: str | None = None) -> str:
    """Format a share (0 to 1) as a percentage in the report's language.

    >>> fmt_percent(0.458, 1)
    '45,8\\xa0%'
    >>> fmt_percent(1, 0)
    '100\\xa0%'
    >>> fmt_percent(0.458, language="en")
    '45.8%'
    """
    if _is_missing(share):
        return _missing(language)
    return _percent_sign(fmt_number(100 * float(share), digits, language=language), language)


def fmt_level(confidence_level: float, *, language: str | None = None) -> str:
    """The level of an interval as percent text, without the sign.

    >>> fmt_level(0.95), fmt_level(0.9), fmt_level(0.995)
    ('95', '90', '99,5')
    """
    if _is_missing(confidence_level) or not 0 < float(confidence_level) < 1:
        raise ValueError(
            f"confidence_level must be strictly between 0 and 1, got {confidence_level!r}"
        )
    pct = 100 * float(confidence_level)
    digits = 0
    while digits < 6 and abs(round(pct, digits) - pct) > 1e-9:
        digits += 1
    return fmt_number(pct, digits, language=language)


def fmt_pvalue(p: float | None, digits: int = 3, *, language: str | None = None) -> str:
    """Format a p-value: ``p < 0,001`` below the last decimal shown.

    >>> fmt_pvalue(0.032)
    'p = 0,032'
    >>> fmt_pvalue(1e-9)
    'p < 0,001'
    >>> fmt_pvalue(0.4567)
    'p = 0,457'
    >>> fmt_pvalue(1.0)
    'p = 1,000'
    >>> fmt_pvalue(0.4567, language="en")
    'p = 0.457'
    """
    if _is_missing(p):
        return f"p = {_missing(language)}"
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"a p-value lies in [0, 1], got {p!r}")
    floor = 10.0 ** (-digits)
    if p < floor:
        return f"p < {fmt_number(floor, digits, language=language)}"
    return f"p = {fmt_number(p, digits, language=language)}"


def fmt_interval(
    low: float,
    high: float,
    confidence_level: float = 0.95,
    digits: int = 1,
    *,
    percent: bool = False,
    language: str | None = None,
) -> str:
    """Format a confidence interval: ``IC 95 % [a ; b]``, in English ``95% CI [a, b]``.

    With ``percent=True`` the bounds are shares (0 to 1) shown in percent.

    >>> fmt_interval(0.121, 0.184, percent=True)
    'IC 95\\xa0% [12,1\\xa0; 18,4]'
    >>> fmt_interval(-1.5, 2.25, 0.9, 2)
    'IC 90\\xa0% [−1,50\\xa0; 2,25]'
    >>> fmt_interval(0.121, 0.184, percent=True, language="en")
    '95% CI [12.1, 18.4]'
    """
    scale = 100.0 if percent else 1.0
    lo = _missing(language) if _is_missing(low) else fmt_number(scale * float(low), digits, language=language)
    hi = _missing(language) if _is_missing(high) else fmt_number(scale * float(high), digits, language=language)
    level = _percent_sign(fmt_level(confidence_level, language=language), language)
    return t("fmt.interval", language, level=level, low=lo, high=hi)


def plural(n: float, singular: str, plural_form: str | None = None, *, language: str | None = None) -> str:
    """The form of a noun after ``n``, by the language's plural rules (babel).

    In French the singular goes with ``|n| < 2``; in English with 1 only.

    >>> plural(1, "projet"), plural(0, "ville"), plural(2, "ville")
    ('projet', 'ville', 'villes')
    >>> plural(3, "cheval", "chevaux")
    'chevaux'
    >>> plural(0, "city", "cities", language="en")
    'cities'
    """
    if _plural_category(n, language) == "one":
        return singular
    return plural_form if plural_form is not None else singular + "s"


def fmt_count(n: int, singular: str, plural_form: str | None = None, *, language: str | None = None) -> str:
    """A count and a noun given as words: ``810 projets``, ``1 ville``, ``0 ville``.

    Nouns of the catalogue: :func:`count`.

    >>> fmt_count(810, "projet")
    '810 projets'
    >>> fmt_count(1, "ville")
    '1 ville'
    >>> fmt_count(1128, "projet")
    '1\\u202f128 projets'
    """
    return f"{fmt_int(n, language=language)} {plural(n, singular, plural_form, language=language)}"


def fmt_points(difference: float, digits: int = 1, *, language: str | None = None) -> str:
    """A difference of two shares in percentage points, with its sign.

    >>> fmt_points(0.032)
    '+3,2 points'
    >>> fmt_points(-0.01)
    '−1,0 point'
    >>> fmt_points(0.032, language="en")
    '+3.2 points'
    """
    if _is_missing(difference):
        return _missing(language)
    value = 100 * float(difference)
    shown = round(abs(value), digits)
    sign = "+" if value > 0 and shown > 0 else ""
    # "1.0 points" in English: the plural rule sees the decimals shown
    return f"{sign}{fmt_number(value, digits, language=language)} {form('noun.point', Decimal(f'{shown:.{digits}f}'), language)}"


def fmt_date(value: Any, *, language: str | None = None) -> str:
    """A date (``datetime.date`` or ISO text) written out in the language.

    >>> fmt_date("2026-01-02"), fmt_date("2026-01-02", language="en")
    ('2 janvier 2026', 'January 2, 2026')
    """
    import datetime as dt

    from babel.dates import format_date

    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value, "long", locale=get_language(language))


def escape(label: Any) -> str:
    """HTML-escape a label that comes from data.

    Quotes are kept (the text goes into Markdown or element content);
    attributes use ``html.escape(label, quote=True)``.

    >>> escape("<b>x</b> & l'étude")
    "&lt;b&gt;x&lt;/b&gt; &amp; l'étude"
    """
    return html.escape(str(label), quote=False)


def join(items: Iterable[str], *, language: str | None = None) -> str:
    """Join items as the language does (babel): ``a, b et c``, ``a, b, and c``.

    >>> join(["a", "b", "c"]), join(["a", "b", "c"], language="en")
    ('a, b et c', 'a, b, and c')
    >>> join(["a"]), join([])
    ('a', '')
    """
    from babel.lists import format_list

    items = list(items)
    if not items:
        return ""
    return format_list(items, locale=get_language(language))


def capitalise(text: str) -> str:
    """Upper-case the first letter only.

    >>> capitalise("éducation et transport")
    'Éducation et transport'
    """
    return text[:1].upper() + text[1:]


# ----------------------------------------------------------- result access
def _get(obj: Any, *names: str, default: Any = None) -> Any:
    """First present attribute or key among ``names`` (results or rows)."""
    is_row = hasattr(obj, "index") and hasattr(obj, "to_dict") and not isinstance(obj, type)
    for name in names:
        if isinstance(obj, Mapping):
            if name in obj:
                return obj[name]
        elif is_row:  # a pandas Series: a table row
            if name in obj.index:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return default


def _need(obj: Any, *names: str) -> Any:
    value = _get(obj, *names, default=KeyError)
    if value is KeyError:
        raise KeyError(
            f"{type(obj).__name__} has none of the fields {', '.join(names)}"
        )
    return value


def _need_columns(frame: Any, columns: Iterable[str], what: str) -> None:
    """Raise KeyError naming the first of ``columns`` that ``frame`` lacks, and the columns it has."""
    for c in columns:
        if c not in frame.columns:
            raise KeyError(f"{what} has no column {c!r}; columns: {', '.join(map(str, frame.columns))}")


def _label(labels: Mapping[str, str] | None, code: Any) -> str:
    """Escaped label of ``code`` (the code itself when no label is known)."""
    if labels is not None and code in labels:
        return escape(labels[code])
    return escape(code)


def _signif(p: float, alpha: float) -> bool:
    return not _is_missing(p) and float(p) < alpha


def _fmt_dof(dof: Any) -> str:
    d = float(dof)
    return fmt_number(d, 0 if d == int(d) else 1)


def _adjusted(p: float) -> str:
    """``p ajustée = 0,004`` (an adjusted p-value, in the language)."""
    return fmt_pvalue(p).replace("p ", t("fmt.adjusted_p") + " ", 1)


def _noun_forms(noun: str, plural_form: str | None = None) -> tuple[str, str]:
    """Singular and plural of a catalogue noun (``domain``) or of a word given as such."""
    if plural_form is None and f"noun.{noun}" in catalogue():
        return tuple(template(f"noun.{noun}"))  # type: ignore[return-value]
    return noun, plural_form if plural_form is not None else noun + "s"


def _clustered(result: Any) -> bool:
    return _get(result, "n_clusters", default=None) is not None


def _stat_text(result: Any, symbol: str) -> str:
    """``F = 4,21, ddl = 8,3 et 307,1, p < 0,001`` from a test result.

    ``dof`` is a number, or a pair (an F test's numerator and denominator
    degrees of freedom).
    """
    parts = []
    stat = _get(result, "statistic")
    if stat is not None and not _is_missing(stat):
        parts.append(f"{symbol} = {fmt_number(stat, 2)}")
    dof = _get(result, "dof")
    if isinstance(dof, tuple):
        parts.append(t("fmt.dof", dof=join(_fmt_dof(d) for d in dof)))
    elif dof is not None and not _is_missing(dof) and not math.isinf(float(dof)):
        parts.append(t("fmt.dof", dof=_fmt_dof(dof)))
    parts.append(fmt_pvalue(_need(result, "pvalue")))
    mc = _get(result, "pvalue_monte_carlo")
    if mc is not None and not _is_missing(mc):
        parts.append(t("fmt.monte_carlo", p=fmt_pvalue(mc)))
    return ", ".join(parts)


# --------------------------------------------------------------- sentences
class NotComputableSentence(str):
    """The sentence of a result the data cannot support; ``source`` is that result.

    :meth:`baro.report.Report.say` says each such result once, however many
    lines of a chapter turn into its sentence.
    """

    source: Any = None


def not_computable_sentence(result: Any) -> NotComputableSentence:
    """Say that a test cannot be computed, and why (one city, one level), or
    that the population frame cannot weight the cities (see
    :func:`baro.frame.why_not_weighted`).

    ``result`` is a :class:`baro.computable.NotComputable`; with the reason
    ``one_level``, its ``values["label"]`` (else ``values["level"]``) names
    the only level.

    Examples
    --------
    >>> from baro.computable import NotComputable
    >>> not_computable_sentence(NotComputable("goodness_of_fit", "one_city", {"n": 1}))
    'Test non calculable\xa0: une seule ville.'
    >>> not_computable_sentence(NotComputable("association", "one_level", {"level": True, "label": "Citoyens impliqués"}), )
    'Test non calculable\xa0: une seule modalité observée (Citoyens impliqués).'
    >>> not_computable_sentence(NotComputable("weighting", "frame_exceeded", {"n": 35000, "total": 364}))
    'La pondération n’est pas applicable\xa0: 35\u202f000 villes répondantes pour 364 dans le cadre de population.'
    """
    values = dict(result.values)
    if result.reason == "one_level":
        sentence = t("not_computable.one_level", level=escape(values.get("label") or _level_name(values)))
    elif result.reason in ("frame_exceeded", "band_exceeded", "band_without_respondent"):  # baro.frame
        band = values.get("band")
        sentence = t(
            f"not_computable.{result.reason}",
            n=fmt_int(values.get("n", 0)), total=fmt_int(values.get("total", 0)),
            band=escape(_level_name({"column": "population_band", "level": band})) if band else "",
        )
    else:
        sentence = t("not_computable.one_city")
    out = NotComputableSentence(sentence)
    out.source = result
    return out


def _level_name(values: Mapping[str, Any]) -> str:
    """The label of the only level of a column, in the current language."""
    level, column = values.get("level"), values.get("column")
    if isinstance(level, bool):
        return t("plot.citizens_involved" if level else "plot.citizens_not_involved")
    try:
        from baro.taxonomy import load_taxonomy

        return load_taxonomy().label(column, level, get_language())
    except (KeyError, ValueError, TypeError):
        return str(level)


def sentence_or_not_computable(fn):
    """``fn``, or :func:`not_computable_sentence` when its first argument is not computable.

    (:func:`baro.computable.or_not_computable` turns a failed computation into
    a :class:`~baro.computable.NotComputable`; this turns one into its sentence.)"""
    import functools

    @functools.wraps(fn)
    def sentence(result: Any, *args: Any, **kwargs: Any) -> str:
        from baro.computable import NotComputable

        if isinstance(result, NotComputable):
            return not_computable_sentence(result)
        return fn(result, *args, **kwargs)

    return sentence


@sentence_or_not_computable
def share_sentence(
    row: Any,
    label: str,
    *,
    noun: str = "project",
    noun_plural: str | None = None,
    confidence_level: float | None = None,
    digits: int = 1,
    weighted: bool = False,
) -> str:
    """One level of a ``shares`` table as a sentence.

    Parameters
    ----------
    row : pandas.Series or mapping
        A row of :func:`baro.stats.shares`: count, estimate, ci_low, ci_high
        and, when clustered, design_effect.
    label : str
        The level's label (escaped here).
    noun : str
        What is counted: a noun of the catalogue (``project``, ``city``),
        or a singular word whose plural is ``noun_plural``.
    confidence_level : float, optional
        Level of the interval; default ``row.confidence_level`` or 0.95.
    weighted : bool
        Whether the share is weighted (the table's ``attrs["weighted"]``):
        the count is then the sample's and the share is not count / n, so
        the sentence keeps them apart.

    Examples
    --------
    >>> row = {"count": 131, "estimate": 0.1617, "ci_low": 0.13, "ci_high": 0.2, "design_effect": 1.84}
    >>> share_sentence(row, "Transport")
    'Transport\\xa0: 131 projets, soit 16,2\\xa0% (IC 95\\xa0% [13,0\\xa0; 20,0], effet de plan 1,84).'
    >>> share_sentence(row, "Transport", weighted=True)
    'Transport\\xa0: 131 projets dans l’échantillon\\xa0; part pondérée 16,2\\xa0% (IC 95\\xa0% [13,0\\xa0; 20,0], effet de plan 1,84).'
    """
    level = confidence_level or _get(row, "confidence_level", default=0.95)
    n = _need(row, "count")
    share = _need(row, "estimate")
    what = fmt_count(n, noun, noun_plural) if noun_plural or f"noun.{noun}" not in catalogue() else count(n, noun)
    text = t("share_weighted" if weighted else "share", label=escape(label), count=what, share=fmt_percent(share, digits))
    extra = []
    low, high = _get(row, "ci_low"), _get(row, "ci_high")
    if low is not None and high is not None:
        extra.append(fmt_interval(low, high, level, digits, percent=True))
    deff = _get(row, "design_effect")
    if deff is not None and not _is_missing(deff):
        extra.append(t("fmt.design_effect", value=fmt_number(deff, 2)))
    if extra:
        text += f" ({', '.join(extra)})"
    return text + "."


@sentence_or_not_computable
def gof_sentence(
    result: Any,
    *,
    subject: str | None = None,
    alpha: float = ALPHA,
) -> str:
    """The test of equal shares (goodness of fit) as a sentence.

    ``result`` is a :class:`baro.stats.GoodnessOfFit`: ``statistic``
    (Pearson's X²), ``dof``, ``pvalue``, ``n_clusters`` (None when rows are
    independent) and ``pvalue_monte_carlo``.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> res = R(statistic=96.4, pvalue=0.0002, dof=4.37, n_clusters=38, pvalue_monte_carlo=float("nan"))
    >>> gof_sentence(res)
    'Les domaines ne sont pas également fréquents (Rao-Scott pour 38 grappes, χ² = 96,40, ddl = 4,4, p < 0,001).'
    >>> res = R(statistic=3.1, pvalue=0.54, dof=4, n_clusters=None, pvalue_monte_carlo=0.55)
    >>> gof_sentence(res, subject="les modes")
    'Rien ne permet de dire que les modes ne sont pas également fréquents (χ² = 3,10, ddl = 4, p = 0,540, Monte-Carlo\\xa0: p = 0,550).'
    """
    stats = _stat_text(result, "χ²")
    if _clustered(result):
        stats = t("gof.clustered", clusters=count(result.n_clusters, "cluster")) + stats
    subject = escape(subject) if subject is not None else t("gof.subject")
    key = "gof.significant" if _signif(_need(result, "pvalue"), alpha) else "gof.not_significant"
    return t(key, subject=subject, stats=stats)


@sentence_or_not_computable
def proportion_test_sentence(
    result: Any,
    null_label: str,
    *,
    subject: str | None = None,
    confidence_level: float | None = None,
    alpha: float = ALPHA,
) -> str:
    """A proportion set against a reference value (e.g. "la moitié").

    ``result`` is a :class:`baro.stats.ProportionTest`: ``estimate``,
    ``ci_low``, ``ci_high``, ``null``, ``pvalue`` (and
    ``confidence_level``).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> res = R(estimate=0.483, ci_low=0.41, ci_high=0.557, null=0.5, pvalue=0.64)
    >>> proportion_test_sentence(res, "la moitié", subject="La part des décisions unilatérales")
    'La part des décisions unilatérales, 48,3\\xa0% (IC 95\\xa0% [41,0\\xa0; 55,7]), ne diffère pas significativement de la moitié (50,0\\xa0%, p = 0,640).'
    >>> res = R(estimate=0.458, ci_low=0.4, ci_high=0.52, null=0.273, pvalue=1e-6)
    >>> proportion_test_sentence(res, "trois domaines sur onze")
    'La part, 45,8\\xa0% (IC 95\\xa0% [40,0\\xa0; 52,0]), est supérieure à trois domaines sur onze (27,3\\xa0%, p < 0,001).'
    """
    est = _need(result, "estimate")
    low, high = _need(result, "ci_low"), _need(result, "ci_high")
    level = confidence_level or _get(result, "confidence_level", default=0.95)
    null = _need(result, "null")
    p = _need(result, "pvalue")
    interval = fmt_interval(low, high, level, 1, percent=True)
    ref = f"{escape(null_label)} ({fmt_percent(null, 1)}, {fmt_pvalue(p)})"
    subject = subject if subject is not None else t("proportion.subject")
    head = t("proportion.head", subject=subject, estimate=fmt_percent(est, 1), interval=interval)
    if not _signif(p, alpha):
        return head + t("proportion.not_significant", ref=ref)
    return head + t("proportion.higher" if float(est) > float(null) else "proportion.lower", ref=ref)


@sentence_or_not_computable
def association_sentence(
    result: Any,
    *,
    row_name: str | None = None,
    col_name: str | None = None,
    alpha: float = ALPHA,
) -> str:
    """A test of association (independence) as a sentence.

    ``result`` is a :class:`baro.stats.Association`: clustered, the
    Rao-Scott F (``statistic``, ``dof`` the pair ``(ndf, ddf)``); else
    Pearson's χ².

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> res = R(statistic=3.2, pvalue=0.001, dof=(7.1, 262.7), n_clusters=38, cramers_v=0.31)
    >>> association_sentence(res)
    'L’implication des citoyens dépend du domaine (F de Rao-Scott = 3,20, ddl = 7,1 et 262,7, p = 0,001\\xa0; V de Cramér = 0,31).'
    >>> association_sentence(R(statistic=2.0, pvalue=0.3, dof=3, n_clusters=None, cramers_v=0.05))
    'Rien ne montre que l’implication des citoyens dépende du domaine (χ² = 2,00, ddl = 3, p = 0,300\\xa0; V de Cramér = 0,05).'
    """
    symbol = t("association.rao_scott") if _clustered(result) else "χ²"
    stats = _stat_text(result, symbol)
    v = _get(result, "cramers_v")
    if v is not None and not _is_missing(v):
        stats = t("association.cramer", stats=stats, v=fmt_number(v, 2))
    row = t("association.row") if row_name is None else (
        _de(row_name) if get_language() == "fr" else "on " + escape(row_name))
    col = t("association.col") if col_name is None else escape(col_name)
    key = "association.significant" if _signif(_need(result, "pvalue"), alpha) else "association.not_significant"
    return t(key, col=col, row=row, stats=stats)


def _de(noun_phrase: str) -> str:
    """French ``de`` + article: ``du domaine``, ``des villes``, ``de l’objectif``."""
    text = escape(noun_phrase)
    if text.startswith("le "):
        return "du " + text[3:]
    if text.startswith("les "):
        return "des " + text[4:]
    return "de " + text


@sentence_or_not_computable
def residuals_sentence(
    residuals: Any,
    labels: Mapping[str, str] | None = None,
    *,
    row: str = "level_a",
    col: str = "level_b",
    level: Any = True,
    alpha: float = ALPHA,
    what: str | None = None,
    where: str = "domain",
    where_plural: str | None = None,
) -> str:
    """Name the rows over-represented in column ``level`` (adjusted p).

    ``residuals`` is the residuals table of an association: one row per
    cell with the row and column levels, ``adjusted_residual`` and
    ``pvalue_adjusted``.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({
    ...     "level_a": ["a", "a", "b", "b", "c", "c"],
    ...     "level_b": [True, False, True, False, True, False],
    ...     "adjusted_residual": [3.1, -3.1, -0.5, 0.5, 2.7, -2.7],
    ...     "pvalue_adjusted": [0.004, 0.004, 1.0, 1.0, 0.02, 0.02]})
    >>> residuals_sentence(res, {"a": "E-citoyenneté", "c": "<i>Loisirs</i>"})
    'Les citoyens sont plus souvent impliqués qu’en moyenne dans les domaines E-citoyenneté (résidu ajusté 3,1, p ajustée = 0,004) et &lt;i&gt;Loisirs&lt;/i&gt; (résidu ajusté 2,7, p ajustée = 0,020).'
    >>> residuals_sentence(res.iloc[:2])
    'Les citoyens sont plus souvent impliqués qu’en moyenne dans le domaine a (résidu ajusté 3,1, p ajustée = 0,004).'
    >>> residuals_sentence(res.assign(pvalue_adjusted=0.5))
    'Aucun domaine ne se distingue après ajustement des p-valeurs (Holm)\\xa0: les écarts observés restent compatibles avec le hasard.'
    """
    frame = residuals
    _need_columns(frame, (row, col, "adjusted_residual", "pvalue_adjusted"), "residuals table")
    sel = frame[(frame[col] == level) & (frame["adjusted_residual"] > 0)]
    sel = sel[sel["pvalue_adjusted"] < alpha].sort_values("adjusted_residual", ascending=False)
    one, other = _noun_forms(where, where_plural)
    if sel.empty:
        return t("residuals.none", where=escape(one))
    items = [
        t("residuals.item", label=_label(labels, r[row]), residual=fmt_number(r["adjusted_residual"], 1),
          p=_adjusted(r["pvalue_adjusted"]))
        for _, r in sel.iterrows()
    ]
    what = what if what is not None else t("residuals.what")
    if len(items) == 1:
        return t("residuals.one", what=what, where=escape(one), items=items[0])
    return t("residuals.many", what=what, where=escape(other), items=join(items))


@sentence_or_not_computable
def ranking_sentence(
    ranking: Any,
    labels: Mapping[str, str] | None = None,
    *,
    level: str = "level",
    value: str = "mean_rank",
) -> str:
    """The order of the objectives by mean rank, as a sentence.

    ``ranking`` is a DataFrame with one row per objective, a ``level``
    column of codes and a ``value`` column of mean ranks (1 = first).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"level": ["b", "a", "c"], "mean_rank": [2.25, 1.5, 2.25]})
    >>> ranking_sentence(r, {"a": "Qualité de service", "b": "Attractivité", "c": "Bonne gestion"})
    'Classement par rang moyen (1 = premier)\\xa0: 1. Qualité de service (1,50), 2. Attractivité (2,25, ex aequo) et 2. Bonne gestion (2,25, ex aequo).'
    """
    _need_columns(ranking, (level, value), "ranking")
    r = ranking.sort_values([value, level], kind="stable").reset_index(drop=True)
    ranks = r[value].rank(method="min").astype(int)
    counts = r[value].value_counts()
    items = []
    for i, row in r.iterrows():
        tie = ", " + t("fmt.tie") if counts[row[value]] > 1 else ""
        items.append(
            f"{ranks[i]}. {_label(labels, row[level])} ({fmt_number(row[value], 2)}{tie})"
        )
    return t("ranking", items=join(items))


@sentence_or_not_computable
def agreement_sentence(result: Any, *, alpha: float = ALPHA) -> str:
    """Kendall's W with Friedman's test, as a sentence.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> agreement_sentence(R(kendall_w=0.31, statistic=47.1, dof=4, pvalue=1e-8, n_subjects=38))
    'Les villes s’accordent sur cet ordre au-delà du hasard (W de Kendall = 0,31 sur 38 villes\\xa0; Friedman, χ² = 47,10, ddl = 4, p < 0,001).'
    """
    w = _need(result, "kendall_w")
    n = _get(result, "n_subjects", "n")
    who = t("agreement.who", cities=count(n, "city")) if n is not None else ""
    stats = t("agreement.stats", w=fmt_number(w, 2), who=who, stats=_stat_text(result, "χ²"))
    key = "agreement.significant" if _signif(_need(result, "pvalue"), alpha) else "agreement.not_significant"
    return t(key, stats=stats)


@sentence_or_not_computable
def cochran_sentence(result: Any, *, alpha: float = ALPHA) -> str:
    """Cochran's Q on cited / not cited, as a sentence.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> cochran_sentence(R(statistic=21.5, dof=4, pvalue=0.0003))
    'Les objectifs ne sont pas cités aussi souvent les uns que les autres (Q de Cochran = 21,50, ddl = 4, p < 0,001).'
    """
    stats = _stat_text(result, t("cochran.symbol"))
    key = "cochran.significant" if _signif(_need(result, "pvalue"), alpha) else "cochran.not_significant"
    return t(key, stats=stats)


#: Verdicts of :func:`baro.reconcile.reconcile`, in the order reports give them.
VERDICTS = ("match", "rounding", "inconsistent", "not computable")



def verdict_labels(language: str | None = None) -> dict[str, str]:
    """Labels of the reconciliation verdicts in the language.

    >>> verdict_labels()["not computable"], verdict_labels("en")["match"]
    ('non calculable', 'match')
    """
    return {v: t("verdict_label." + v.replace(" ", "_"), language) for v in VERDICTS}


#: French labels of the reconciliation verdicts (any language: :func:`verdict_labels`).
VERDICT_LABELS = verdict_labels("fr")


def verdict_label(verdict: str) -> str:
    """Label of a reconciliation verdict in the current language.

    >>> verdict_label("rounding")
    'arrondi'
    """
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}; allowed: {', '.join(VERDICTS)}")
    return verdict_labels()[verdict]


def reconcile_details(frame: Any, verdict: str = "inconsistent") -> str:
    """A Markdown list of the figures with ``verdict`` and their notes.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"figure": ["47 %", "810"], "verdict": ["inconsistent", "match"],
    ...                   "note": ["371 / 810 = 45,8 %, pas <47 %>.", ""]})
    >>> print(reconcile_details(f))
    - **47 %**\xa0: 371 / 810 = 45,8 %, pas &lt;47 %&gt;.
    """
    for c in ("figure", "verdict", "note"):
        if c not in frame.columns:
            raise KeyError(f"reconciliation table has no column {c!r}")
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}; allowed: {', '.join(VERDICTS)}")
    sub = frame[frame["verdict"] == verdict]
    if sub.empty:
        return t("reconcile.none_with_verdict", verdict=verdict_label(verdict))
    return "\n".join(
        t("reconcile.detail", figure=escape(r["figure"]), note=escape(r["note"])) for _, r in sub.iterrows()
    )


def reconcile_sentence(frame: Any, *, name_inconsistent: bool = True) -> str:
    """One sentence per verdict kind of a reconciliation table.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"figure": ["a", "b", "<c>", "d"],
    ...                   "verdict": ["match", "match", "inconsistent", "rounding"]})
    >>> reconcile_sentence(f)
    'Sur 4 chiffres publiés, 2 sont retrouvés exactement\\xa0; 1 ne diffère que par l’arrondi\\xa0; 1 est incohérent avec les tables ou avec les autres chiffres publiés (&lt;c&gt;).'
    """
    if "verdict" not in frame.columns:
        raise KeyError("reconciliation table has no column 'verdict'")
    unknown = sorted(set(frame["verdict"]) - set(VERDICTS))
    if unknown:
        raise ValueError(
            f"unknown verdict(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(VERDICTS)}"
        )
    parts = []
    for verdict in VERDICTS:
        sub = frame[frame["verdict"] == verdict]
        n = len(sub)
        if n == 0:
            continue
        text = f"{fmt_int(n)} {form('verdict.' + verdict.replace(' ', '_'), n)}"
        if verdict == "inconsistent" and name_inconsistent and "figure" in frame.columns:
            text += f" ({join(escape(x) for x in sub['figure'])})"
        parts.append(text)
    total = len(frame)
    head = t("reconcile.head", total=count(total, "published_figure"))
    if not parts:
        return t("reconcile.nothing")
    return head + (f"{NBSP}; " if get_language() == "fr" else "; ").join(parts) + "."


def data_status_sentence(edition: Any) -> str:
    """Say whether the tables of ``edition`` are simulated or real.

    ``edition`` is a :class:`baro.editions.Edition` (or any object with
    ``year``, ``simulated`` and ``meta["edition"]["data_note"]``).

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> e = E(year=2014, simulated=True, meta={"edition": {"data_note": "Tables <calibrées>."}})
    >>> data_status_sentence(e)
    '**Données simulées (SIMULATED).** Les tables de l’édition 2014 ne sont pas les réponses des villes\\xa0: elles sont simulées. Tables &lt;calibrées&gt;.'
    >>> data_status_sentence(E(year=2015, simulated=False, meta={"edition": {}}))
    'Les tables de l’édition 2015 sont les réponses des villes.'
    """
    data_note = edition_note(edition)
    year = escape(_need(edition, "year"))
    if _need(edition, "simulated"):
        text = t("status.simulated_head") + t("status.simulated_one", year=year)
        return text + (f" {escape(data_note)}" if data_note else "")
    return t("status.real_one", year=year)


def edition_note(edition: Any, language: str | None = None) -> str:
    """The edition's ``data_note`` in the language (``data_note_en`` in English; "" if none).

    >>> from types import SimpleNamespace as E
    >>> e = E(meta={"edition": {"data_note": "Tables simulées.", "data_note_en": "Simulated tables."}})
    >>> edition_note(e), edition_note(e, "en")
    ('Tables simulées.', 'Simulated tables.')
    """
    note = _get(_get(edition, "meta", default={}), "edition", default={}) or {}
    if not isinstance(note, Mapping):
        return ""
    lang = get_language(language)
    key = "data_note" if lang == LANGUAGES[0] else f"data_note_{lang}"
    return str(note.get(key, ""))


# ------------------------------------------------------------- more builders
def _few_clusters(w: Any) -> str:
    n = int(w["n"])
    return t("caveat.few_clusters", clusters=count(n, "cluster"), degrees=count(n - 1, "degree"))


def _small_expected(w: Any) -> str:
    head = t("caveat.small_expected", small=fmt_int(w["count"]), total=fmt_int(w["total"]))
    return head + (t("caveat.see_monte_carlo") if w["monte_carlo"] else ".")


def _few_subjects(w: Any) -> str:
    of = {"cochran_q": "caveat.of_q", "friedman": "caveat.of_friedman"}[w["test"]]
    return t("caveat.few_subjects", cities=count(int(w["n"]), "city"), what=t(of))


#: Warning code -> its sentence (in the current language, from the
#: catalogue); every code of :data:`baro.stats.CAVEAT_CODES` has one, in
#: every language (a test checks it).
CAVEAT_SENTENCES: dict[str, Any] = {
    "few_clusters": _few_clusters,
    "small_expected": _small_expected,
    "few_subjects": _few_subjects,
}


def caveat_text(warning: Any, language: str | None = None) -> str:
    """The reader's sentence of a warning of :mod:`baro.stats`, in the report's language.

    ``warning`` is a :class:`baro.stats.Caveat` (a code and its values).

    >>> from baro.stats.results import few_clusters
    >>> caveat_text(few_clusters(6))
    'Seulement 6 grappes (villes)\xa0: la variance du plan de sondage repose sur 5 degrés de liberté et reste instable.'
    >>> caveat_text(few_clusters(6), "en")
    'Only 6 clusters (cities): the design-based variance rests on 5 degrees of freedom and is unstable.'
    """
    lang = get_language(language)
    code = getattr(warning, "code", None)
    if code is None:
        raise TypeError(
            f"a warning must be a baro.stats.Caveat (a code and its values), "
            f"not {type(warning).__name__} {warning!r}"
        )
    if code not in CAVEAT_SENTENCES:
        raise KeyError(f"warning code {code!r} has no sentence in language {lang!r}")
    with use_language(lang):
        return CAVEAT_SENTENCES[code](warning)


def caveats(*results: Any, language: str | None = None) -> list[str]:
    """Sentences of the warnings of every result (``warnings`` field or ``attrs``), deduplicated.

    >>> from types import SimpleNamespace as R
    >>> from baro.stats.results import small_expected
    >>> caveats(R(warnings=(small_expected(3, 10, 1.2, False),)), R(warnings=()))
    ['3 des 10 effectifs attendus sont inférieurs à 5\xa0: l’approximation du χ² est fragile.']
    """
    out: list[str] = []
    for r in results:
        found = _get(r, "warnings", default=None)
        if found is None and hasattr(r, "attrs"):
            found = r.attrs.get("warnings", ())
        for w in found or ():
            sentence = caveat_text(w, language)
            if sentence not in out:
                out.append(sentence)
    return out


@sentence_or_not_computable
def concentration_sentence(
    result: Any,
    labels: Mapping[str, str] | None = None,
    *,
    n_levels: int,
    noun: str = "domain",
    what: str | None = None,
    alpha: float = ALPHA,
) -> str:
    """The share of the top levels against their share if all were equal.

    ``result`` is a :class:`baro.stats.ProportionTest` of the top levels
    (``levels``) against ``null = len(levels) / n_levels``.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> res = R(levels=("transport", "education", "e_citoyennete"), estimate=371 / 810,
    ...         ci_low=0.41, ci_high=0.51, null=0.3, pvalue=1e-7, confidence_level=0.95)
    >>> concentration_sentence(res, {"transport": "Transport", "education": "Éducation"}, n_levels=10)
    'Les 3 premiers domaines (Transport, Éducation et e_citoyennete) réunissent 45,8\\xa0% des projets (IC 95\\xa0% [41,0\\xa0; 51,0]), plus que les 30,0\\xa0% attendus si les 10 domaines étaient également fréquents (p < 0,001).'
    """
    levels = list(_need(result, "levels"))
    est, null, p = _need(result, "estimate"), _need(result, "null"), _need(result, "pvalue")
    level = _get(result, "confidence_level", default=0.95)
    names = join(_label(labels, v) for v in levels)
    interval = fmt_interval(_need(result, "ci_low"), _need(result, "ci_high"), level, 1, percent=True)
    one, other = _noun_forms(noun)
    if len(levels) == 1:
        who = t("concentration.first_one", noun=one, names=names)
    else:
        who = t("concentration.first_many", n=fmt_int(len(levels)), nouns=other, names=names)
    what = escape(what) if what is not None else t("concentration.what")
    head = t("concentration.head", who=who, estimate=fmt_percent(est, 1), what=what, interval=interval)
    ref = t("concentration.ref", null=fmt_percent(null, 1), n=fmt_int(n_levels),
            nouns=one if _plural_category(n_levels) == "one" else other, p=fmt_pvalue(p))
    if not _signif(p, alpha):
        return head + t("concentration.not_significant", ref=ref)
    return head + t("concentration.more" if float(est) > float(null) else "concentration.less", ref=ref)


@sentence_or_not_computable
def pairwise_sentence(
    pairwise: Any,
    *,
    noun: str = "domain",
    alpha: float = ALPHA,
    pvalue: str = "pvalue_adjusted",
    method: str = "Holm",
) -> str:
    """How many pairs differ after adjustment.

    Examples
    --------
    >>> import pandas as pd
    >>> pw = pd.DataFrame({"pvalue_adjusted": [0.001, 0.2, 0.04]})
    >>> pairwise_sentence(pw)
    'Sur 3 paires de domaines, 2 diffèrent significativement après correction de Holm (p ajustée < 0,05)\\xa0; les domaines qui partagent une lettre ne diffèrent pas significativement.'
    """
    _need_columns(pairwise, (pvalue,), "pairwise table")
    n = len(pairwise)
    k = int((pairwise[pvalue] < alpha).sum())
    return t("pairwise", pairs=count(n, "pair"), nouns=_noun_forms(noun)[1], k=fmt_int(k),
             verb=form("pairwise.verb", k), method=escape(method), alpha=fmt_number(alpha, 2))


def panel_sentence(cities: Any, projects: Any, *, cluster: str = "city_id") -> str:
    """Size of the panel: cities, projects, projects per city.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"city_id": ["V01", "V02"]})
    >>> p = pd.DataFrame({"city_id": ["V01", "V01", "V01", "V02"]})
    >>> panel_sentence(c, p)
    'Le panel compte 2 villes et 4 projets, soit 2,0 projets par ville en moyenne (de 1 à 3 selon la ville).'
    """
    per = projects.groupby(cluster).size().reindex(cities[cluster], fill_value=0)
    n_c, n_p = len(cities), len(projects)
    mean = n_p / n_c if n_c else float("nan")
    return t("panel", cities=count(n_c, "city"), projects=count(n_p, "project"), mean=fmt_number(mean, 1),
             per=form("noun.project", mean), low=fmt_int(per.min()), high=fmt_int(per.max()))


def log_sentence(log: Any) -> str:
    """What cleaning kept and excluded, from ``CleanTables.log``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"table": ["cities", "projects"], "rows_read": [38, 812],
    ...                     "rows_kept": [38, 810], "rows_excluded": [0, 2]})
    >>> log_sentence(log)
    'Le nettoyage a lu 850 lignes et en a gardé 848\\xa0; 2 lignes ont été écartées, chacune avec sa raison dans le journal.'
    >>> log_sentence(log.assign(rows_excluded=0, rows_kept=log["rows_read"]))
    'Le nettoyage a lu 850 lignes et les a toutes gardées.'
    """
    read, kept, out = (int(log[c].sum()) for c in ("rows_read", "rows_kept", "rows_excluded"))
    if out == 0:
        return t("log.all_kept", read=count(read, "line"))
    return t("log.some_excluded", read=count(read, "line"), kept=fmt_int(kept), excluded=count(out, "line"),
             verb=form("log.verb", out))


def change_answer_sentence(
    clustered: Any,
    unclustered: Any,
    label: str,
    editions: tuple[Any, Any],
    *,
    alpha: float = ALPHA,
    confidence_level: float | None = None,
) -> str:
    """A plain answer to "did this share rise between two editions?".

    ``clustered`` and ``unclustered`` are the rows of the level in
    :func:`baro.stats.compare_editions` run with and without clusters.

    Examples
    --------
    >>> row = {"estimate_a": 0.12, "estimate_b": 0.154, "difference": 0.034,
    ...        "ci_low": -0.01, "ci_high": 0.078, "pvalue": 0.13}
    >>> flat = dict(row, ci_low=0.006, ci_high=0.062, pvalue=0.018)
    >>> s = change_answer_sentence(row, flat, "l’éducation", (2013, 2014))
    >>> s.startswith("**Non, pas de façon démontrable.**"), "paraîtrait significatif" in s
    (True, True)
    """
    d = _get(clustered, "difference")
    a, b = _need(clustered, "estimate_a"), _need(clustered, "estimate_b")
    if d is None or _is_missing(d):
        d = float(b) - float(a)
    level = confidence_level or _get(clustered, "confidence_level", default=0.95)
    pc, pu = _need(clustered, "pvalue"), _need(unclustered, "pvalue")
    rose = float(d) > 0
    sig_c, sig_u = _signif(pc, alpha), _signif(pu, alpha)
    if sig_c and rose:
        head = t("change.yes")
    elif sig_c:
        head = t("change.fell")
    else:
        head = t("change.no")
    ea, eb = (escape(e) for e in editions)
    body = t(
        "change.body", label=escape(label), a=fmt_percent(a, 1), ea=ea, b=fmt_percent(b, 1), eb=eb,
        points=fmt_points(d), p=fmt_pvalue(pc),
        interval=fmt_interval(_need(clustered, "ci_low"), _need(clustered, "ci_high"), level, 1, percent=True),
    )
    flat = (
        f"({fmt_interval(_need(unclustered, 'ci_low'), _need(unclustered, 'ci_high'), level, 1, percent=True)}, "
        f"{fmt_pvalue(pu)})"
    )
    if sig_u and not sig_c:
        tail = t("change.flat_would_be", flat=flat)
    elif sig_u == sig_c:
        tail = t("change.flat_same", flat=flat)
    else:
        tail = t("change.flat_not", flat=flat)
    return head + body + tail


def deff_sentence(table: Any, *, column: str = "design_effect") -> str:
    """Range of the design effects of the main tests.

    Examples
    --------
    >>> import pandas as pd
    >>> deff_sentence(pd.DataFrame({"design_effect": [1.8, 3.25, float("nan")]}))
    'Les effets de plan des tests principaux vont de 1,80 à 3,25\\xa0: tenir compte du regroupement des projets par ville élargit les intervalles et relève les p-valeurs en conséquence.'
    """
    values = table[column].dropna()
    if values.empty:
        return t("deff.none")
    lo, hi = float(values.min()), float(values.max())
    end = t("deff.wider") if hi > 1 else t("deff.little")
    return t("deff.range", low=fmt_number(lo, 2), high=fmt_number(hi, 2), end=end)


def editions_status_sentence(editions: Iterable[Any]) -> str:
    """Data status of several editions in one sentence.

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> editions_status_sentence([E(year=2013, simulated=True), E(year=2014, simulated=True)])
    '**Données simulées (SIMULATED).** Les tables des éditions 2013 et 2014 ne sont pas les réponses des villes\\xa0: elles sont simulées, calibrées sur les chiffres publiés.'
    >>> editions_status_sentence([E(year=2013, simulated=False), E(year=2014, simulated=True)])
    '**Données simulées (SIMULATED).** Les tables de l’édition 2014 sont simulées, calibrées sur les chiffres publiés\\xa0; celles de l’édition 2013 sont les réponses des villes.'
    """
    eds = list(editions)
    sim = [escape(_need(e, "year")) for e in eds if _need(e, "simulated")]
    real = [escape(_need(e, "year")) for e in eds if not _need(e, "simulated")]

    def which(years: list[str]) -> str:
        return t("status.which_one", years=years[0]) if len(years) == 1 else t("status.which_many", years=join(years))

    if not sim:
        return t("status.real_many", which=which(real))
    head = t("status.simulated_head")
    if not real:
        return head + t("status.simulated_all", which=which(sim))
    return head + t("status.simulated_some", sim=which(sim), real=which(real))


def changes_sentence(
    changes: Any,
    labels: Mapping[str, str] | None = None,
    *,
    editions: tuple[Any, Any],
    alpha: float = ALPHA,
    pvalue: str = "pvalue_adjusted",
) -> str:
    """The significant changes of a :func:`baro.stats.compare_editions` table.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"level": ["a", "b", "c"], "difference": [0.05, -0.03, 0.01],
    ...                   "pvalue_adjusted": [0.01, 0.04, 0.8]})
    >>> changes_sentence(c, {"a": "Transport"}, editions=(2013, 2014))
    'De 2013 à 2014, après correction de Holm, 2 parts sur 3 changent significativement\\xa0: Transport (+5,0 points, p ajustée = 0,010) et b (−3,0 points, p ajustée = 0,040).'
    >>> changes_sentence(c.assign(pvalue_adjusted=1.0), editions=(2014, 2015))
    'De 2014 à 2015, après correction de Holm, aucune des 3 parts ne change significativement.'
    """
    _need_columns(changes, ("level", "difference", pvalue), "comparison table")
    ea, eb = (escape(e) for e in editions)
    sig = changes[changes[pvalue] < alpha].sort_values(pvalue, kind="stable")
    n = len(changes)
    head = t("changes.head", ea=ea, eb=eb)
    if sig.empty:
        return head + t("changes.none", n=fmt_int(n))
    items = [
        t("changes.item", label=_label(labels, r["level"]), points=fmt_points(r["difference"]), p=_adjusted(r[pvalue]))
        for _, r in sig.iterrows()
    ]
    k = len(items)
    return head + t("changes.some", k=fmt_int(k), shares=form("noun.share", k), n=fmt_int(n),
                    verb=form("changes.verb", k), items=join(items))


def zero_share_sentence(
    changes: Any,
    labels: Mapping[str, str] | None = None,
    *,
    editions: tuple[Any, Any],
) -> str:
    """Name the levels with no row in one of two editions ("" when none).

    Such a change often reflects the list of categories an edition asked,
    not the answers.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"level": ["energie", "transport", "env"], "estimate_a": [0.09, 0.15, 0.0],
    ...                   "estimate_b": [0.0, 0.16, 0.035]})
    >>> zero_share_sentence(c, {"energie": "Énergie"}, editions=(2013, 2014))
    'Aucun projet dans l’une des deux éditions\\xa0: Énergie (en 2014) et env (en 2013). Si la catégorie ne figurait pas dans la liste de cette édition, l’écart tient au questionnaire et non aux réponses des villes.'
    >>> zero_share_sentence(c.iloc[[1]], editions=(2013, 2014))
    ''
    """
    _need_columns(changes, ("level", "estimate_a", "estimate_b"), "comparison table")
    items = []
    for _, r in changes.iterrows():
        zero = [e for e, s in zip(editions, (r["estimate_a"], r["estimate_b"])) if float(s) == 0]
        if len(zero) == 1:
            items.append(t("zero_share.item", label=_label(labels, r["level"]), year=escape(zero[0])))
    if not items:
        return ""
    return t("zero_share", items=join(items))


def not_compared_sentence(
    only_one: Mapping[str, Any],
    labels: Mapping[str, str] | None = None,
) -> str:
    """Name the categories left out of a comparison ("" when none).

    ``only_one`` maps each category listed by one questionnaire only to
    the edition that listed it (:func:`baro.editions.compared_categories`).

    Examples
    --------
    >>> not_compared_sentence({"energie": 2013, "environnement": 2014}, {"energie": "Énergie"})
    'Non comparés, car une seule des deux éditions les proposait\xa0: Énergie (proposé en 2013 seulement) et environnement (proposé en 2014 seulement).'
    >>> not_compared_sentence({})
    ''
    """
    if not only_one:
        return ""
    items = [t("not_compared.item", label=_label(labels, level), year=escape(year)) for level, year in only_one.items()]
    return t("not_compared", items=join(items))


def missing_table_sentence(what: str | None = None) -> str:
    """Say that a chapter has no data because the edition lacks a table.

    Examples
    --------
    >>> missing_table_sentence("des objectifs")
    'Cette édition n’a pas de table des objectifs\xa0: les analyses de ce chapitre ne sont pas calculées.'
    """
    what = escape(what) if what is not None else t("missing_table.objectives")
    return t("missing_table", what=what)
