"""The population frame and the designs that weight the cities to it.

The barometer's respondents are the cities and intercommunalities that
answered, about a tenth of those over 50,000 inhabitants, large ones more
often than small ones. ``data/population_frame.toml`` counts the units of
that population by population band, each count with its source. Two
weightings exist:

- ``"none"``: the respondents as they are (projects clustered in cities,
  equal weights: R's ``svydesign(ids = ~city_id)``). The figures describe
  the responding cities.
- ``"population"``: each city weighs ``N / n`` (frame total over
  respondents) with the finite population correction of the frame total,
  then the cities are post-stratified by population band to the frame's
  counts; each project carries its city's weight. The figures describe
  the French communes and intercommunalities over 50,000 inhabitants, to
  the extent that, within a band, the cities that answered are like those
  that did not.

Cities are the sampled units: the post-stratification counts cities
(:meth:`baro.stats.Design.post_stratify` with ``count="clusters"``), and a
project table is never weighted to a number of cities by its rows.
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from baro import paths, stats, text
from baro.computable import NotComputable, or_not_computable


__all__ = [
    "WEIGHTINGS",
    "SENSITIVITY_COLUMNS",
    "Frame",
    "load_frame",
    "frame_table",
    "cities_design",
    "projects_design",
    "why_not_weighted",
    "applicable",
    "weighting_sensitivity",
    "sensitivity_sentences",
    "population_sentence",
    "by_kind",
    "frame_labels",
]

WEIGHTINGS = ("none", "population")
SENSITIVITY_COLUMNS = (
    "measure",
    "kind",
    "estimate_a",
    "ci_low_a",
    "ci_high_a",
    "estimate_b",
    "ci_low_b",
    "ci_high_b",
    "statistic_a",
    "statistic_b",
    "pvalue_a",
    "pvalue_b",
    "changed",
)
BAND = "population_band"
CLUSTER = "city_id"


@dataclass(frozen=True)
class Frame:
    """Counts of the population's units per band, with their sources."""

    year: int
    unit: dict[str, str]
    counts: pd.DataFrame  # band, kind, count, basis, source
    note: str = ""

    @property
    def bands(self) -> dict[str, int]:
        """Band -> number of units (all kinds together)."""
        return {str(b): int(c) for b, c in self.counts.groupby("band", sort=False)["count"].sum().items()}

    @property
    def total(self) -> int:
        return int(self.counts["count"].sum())


def load_frame(path: str | Path | None = None) -> Frame:
    """Read ``data/population_frame.toml`` (or ``path``), once per file.

    Every weighting helper defaults to this frame; the file is parsed once
    and the same (frozen) :class:`Frame` returned after.

    Examples
    --------
    >>> f = load_frame()
    >>> f.year, sorted(f.bands)
    (2014, ['p100_200k', 'p200k_plus', 'p50_100k'])
    """
    path = Path(path) if path is not None else paths.data_dir() / "population_frame.toml"
    try:  # keyed on the file's time stamp too: an edited frame is read again
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: the population frame is missing") from None
    return _read_frame(path.resolve(), stamp)


@functools.lru_cache(maxsize=8)
def _read_frame(path: Path, stamp: int) -> Frame:
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: the population frame is missing") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML ({err})") from None
    rows = meta.get("counts", [])
    for i, row in enumerate(rows, 1):
        for key in ("band", "kind", "count", "basis", "source"):
            if key not in row:
                raise ValueError(f"{path}: [[counts]] entry {i} lacks {key!r}")
        if not (isinstance(row["count"], int) and row["count"] > 0):
            raise ValueError(f"{path}: [[counts]] entry {i}: count must be a positive integer")
        if row["basis"] not in ("verbatim", "derived", "assumption"):
            raise ValueError(
                f"{path}: [[counts]] entry {i}: basis {row['basis']!r} is not verbatim, derived "
                "or assumption"
            )
    if not rows:
        raise ValueError(f"{path}: no [[counts]] entries")
    info = meta.get("frame", {})
    counts = pd.DataFrame(rows, columns=["band", "kind", "count", "basis", "source"])
    counts.attrs["source_en"] = [row.get("source_en", row["source"]) for row in rows]
    return Frame(
        year=int(info.get("year", 0)),
        unit={"fr": info.get("unit", ""), "en": info.get("unit_en", "")},
        counts=counts,
        note=info.get("note", ""),
    )


def frame_table(frame: Frame | None = None) -> pd.DataFrame:
    """The frame's counts with their basis and source (for a report table).

    The source is in the report's language (``source_en`` in English when
    the frame file gives one).
    """
    from baro.text import get_language

    frame = frame or load_frame()
    out = frame.counts.copy()
    if get_language() == "en" and "source_en" in out.attrs:
        out["source"] = out.attrs["source_en"]
    return out


def _check_weighting(weighting: str) -> str:
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting={weighting!r} is not one of {WEIGHTINGS}")
    return weighting


def _with_frame(data: pd.DataFrame, frame: Frame) -> pd.DataFrame:
    bands = frame.bands
    if BAND not in data.columns:
        raise KeyError(f"column {BAND!r} is not in the data; it is needed to weight the cities")
    missing = data[BAND].isna()
    if missing.any():
        first = data.loc[missing, CLUSTER].iloc[0] if CLUSTER in data.columns else missing.idxmax()
        raise ValueError(
            f"{int(missing.sum())} row(s) have no {BAND} (first: city {first!r}); every "
            "city needs its band to be weighted"
        )
    unknown = sorted(set(data[BAND].astype(str)) - set(bands))
    if unknown:
        raise ValueError(f"population band(s) {unknown!r} are not in the frame; it has {sorted(bands)!r}")
    return data.assign(**{BAND: data[BAND].astype(str), "frame_total": frame.total})


def _population(frame: Frame, present) -> dict[str, int]:
    return {b: c for b, c in frame.bands.items() if b in set(present)}


#: Why the frame cannot weight a set of responding cities (reasons of a :class:`NotComputable`).
FRAME_REASONS = ("frame_exceeded", "band_exceeded", "band_without_respondent")


def why_not_weighted(cities: pd.DataFrame, frame: Frame | None = None, test: str = "weighting") -> NotComputable | None:
    """Why the frame cannot weight these responding cities, or None when it can.

    Post-stratification gives each city of a band the weight frame count
    over respondents. It cannot be applied when more cities answered than
    the frame counts (``frame_exceeded``, values ``n`` and ``total``; the
    finite population correction would be negative), when a band counts
    more respondents than units (``band_exceeded``: ``band``, ``n``,
    ``total``; a weight below one), or when a band of the frame has no
    respondent (``band_without_respondent``: ``band``; nobody to stand for
    its units). ``cities`` has one row per city (or per project: the
    cities are counted once by ``city_id``) and a population band each.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"city_id": [f"C{i}" for i in range(400)],
    ...                   "population_band": ["p50_100k", "p100_200k", "p200k_plus", "p50_100k"] * 100})
    >>> why_not_weighted(c)
    NotComputable('weighting', 'frame_exceeded', {'n': 400, 'total': 364})
    >>> why_not_weighted(c.head(2))
    NotComputable('weighting', 'band_without_respondent', {'band': 'p200k_plus'})
    """
    frame = frame or load_frame()
    units = cities.drop_duplicates(CLUSTER) if CLUSTER in cities.columns else cities
    n = len(units)
    if n > frame.total:
        return NotComputable(test, "frame_exceeded", {"n": n, "total": frame.total})
    sampled = units[BAND].astype(str).value_counts()
    for band, total in frame.bands.items():
        k = int(sampled.get(band, 0))
        if k == 0:
            return NotComputable(test, "band_without_respondent", {"band": band})
        if k > total:
            return NotComputable(test, "band_exceeded", {"band": band, "n": k, "total": total})
    return None


def applicable(weighting: str, cities: pd.DataFrame, frame: Frame | None = None) -> str:
    """``weighting``, or ``"none"`` when the frame cannot weight these cities
    (:func:`why_not_weighted`; :func:`population_sentence` says why).

    >>> from baro import editions
    >>> applicable("population", editions.load(2014).tables.cities)
    'population'
    """
    _check_weighting(weighting)
    if weighting == "none":
        return weighting
    frame = frame or load_frame()
    return "none" if why_not_weighted(_with_frame(cities, frame), frame) is not None else weighting
    return weighting


def cities_design(cities: pd.DataFrame, weighting: str = "none", frame: Frame | None = None) -> stats.Design:
    """The design of the cities table (one row per city).

    ``"none"``: independent rows, equal weights; ``"population"``:
    post-stratified by band to the frame, with its finite population
    correction (a :class:`NotComputable` when the frame cannot weight these
    cities: :func:`why_not_weighted`).

    Examples
    --------
    >>> from baro import editions
    >>> c = editions.load(2014).tables.cities
    >>> d = cities_design(c, "population")
    >>> round(float(d.weights.sum()))
    364
    """
    _check_weighting(weighting)
    if weighting == "none":
        return stats.Design(cities)
    frame = frame or load_frame()
    data = _with_frame(cities, frame)
    why = why_not_weighted(data, frame, "cities_design")
    if why is not None:
        return why
    design = stats.Design(data, fpc="frame_total")
    return design.post_stratify(BAND, _population(frame, data[BAND]))


@or_not_computable
def projects_design(
    projects: pd.DataFrame,
    cities: pd.DataFrame,
    weighting: str = "none",
    frame: Frame | None = None,
) -> stats.Design:
    """The design of the projects, clustered in their cities.

    ``"none"``: ``Design(projects, cluster="city_id")``. ``"population"``:
    each city post-stratified by band to the frame's number of units, with
    the finite population correction of the frame total; its projects carry
    its weight (the variance removes the bands' means of the city totals).
    A :class:`NotComputable` when the frame cannot weight these cities
    (:func:`why_not_weighted`).

    Examples
    --------
    >>> from baro import editions
    >>> t = editions.load(2014).tables
    >>> d = projects_design(t.projects, t.cities, "population")
    >>> d.n_clusters, d.dof
    (38, 37)
    """
    _check_weighting(weighting)
    if weighting == "none":
        return stats.Design(projects, cluster=CLUSTER)
    frame = frame or load_frame()
    band = cities.set_index(CLUSTER)[BAND]
    data = projects.drop(columns=[BAND], errors="ignore").join(band, on=CLUSTER)
    data = _with_frame(data, frame)
    why = why_not_weighted(data, frame, "projects_design")
    if why is not None:  # a sentence says why, instead of a failed cell
        return why
    design = stats.Design(data, cluster=CLUSTER, fpc="frame_total")
    return design.post_stratify(BAND, _population(frame, data[BAND]), count="clusters")


# ---------------------------------------------------------------- sensitivity
@or_not_computable
def weighting_sensitivity(
    edition: Any,
    *,
    confidence_level: float = 0.95,
    seed: int = 0,
    frame: Frame | None = None,
    labels: dict | None = None,
) -> pd.DataFrame:
    """Key shares and tests of an edition, unweighted (a) and weighted (b).

    Parameters
    ----------
    edition : baro.editions.Edition
        Its tables and questionnaire.
    confidence_level : float
        Level of the intervals; tests are read at ``1 - confidence_level``.
    seed : int
        Seed of the Monte-Carlo p-values (independent rows only).
    frame : Frame, optional
        Default :func:`load_frame`.
    labels : mapping, optional
        Domain code -> label, to name the first domain.

    Returns
    -------
    DataFrame
        Columns :data:`SENSITIVITY_COLUMNS`: measure, kind (``share`` or
        ``test``), estimate / ci_low / ci_high under each weighting (a test
        of a proportion: its share; other tests: NaN), statistic and
        pvalue under each (shares: NaN), and
        ``changed``: for a test (whose statistic is on the scale of its
    weighting: a weighted goodness of fit counts the population, not the
    sample, so compare p-values), whether it is significant under one
        weighting and not the other; for a share, whether the weighted
        estimate falls outside the unweighted interval. ``attrs`` holds
        ``alpha``, ``frame`` and ``top_domain``.
    """
    frame = frame or load_frame()
    t = edition.tables
    projects, cities = t.projects, t.cities
    designs = {w: projects_design(projects, cities, w, frame) for w in WEIGHTINGS}
    if isinstance(designs["population"], NotComputable):  # the chapter says why, in a sentence
        return designs["population"]
    alpha = 1 - confidence_level
    asked = edition.asked("domain")
    unweighted_domains = stats.shares(designs["none"], "domain", confidence_level=confidence_level)
    top = unweighted_domains.loc[unweighted_domains["count"] > 0, "level"].tolist()
    top_domain, top_three = top[0], top[:3]
    label = (labels or {}).get(top_domain, str(top_domain))
    rows = []

    def share_row(key, column, level, **fmt):
        cells = {}
        for suffix, w in (("a", "none"), ("b", "population")):
            s = stats.shares(designs[w], column, confidence_level=confidence_level)
            r = s.loc[s["level"] == level].iloc[0]
            cells.update({f"estimate_{suffix}": r["estimate"], f"ci_low_{suffix}": r["ci_low"],
                          f"ci_high_{suffix}": r["ci_high"], f"statistic_{suffix}": math.nan,
                          f"pvalue_{suffix}": math.nan})
        changed = not (cells["ci_low_a"] <= cells["estimate_b"] <= cells["ci_high_a"])
        rows.append({"key": key, "measure": text.t(f"weighting.measure.{key}", **fmt), "kind": "share", **cells,
                     "changed": changed})

    def test_row(key, run, estimate=None):
        cells = {}
        for suffix, w in (("a", "none"), ("b", "population")):
            res = run(designs[w])
            cells.update({
                f"estimate_{suffix}": res.estimate if estimate else math.nan,
                f"ci_low_{suffix}": res.ci_low if estimate else math.nan,
                f"ci_high_{suffix}": res.ci_high if estimate else math.nan,
                f"statistic_{suffix}": res.statistic,
                f"pvalue_{suffix}": res.pvalue,
            })
        changed = (cells["pvalue_a"] < alpha) != (cells["pvalue_b"] < alpha)
        rows.append({"key": key, "measure": text.t(f"weighting.measure.{key}"), "kind": "test", **cells, "changed": changed})

    share_row("top_domain", "domain", top_domain, label=label)
    share_row("citizens", "citizens_involved", True)
    share_row("regie", "management_mode", "regie")
    test_row("domains_equal", lambda d: stats.goodness_of_fit(d, "domain", levels=asked, seed=seed))
    test_row("top_three_test", lambda d: stats.proportion_test(
        d, "domain", top_three, null=3 / len(asked), confidence_level=confidence_level), estimate=True)
    test_row("unilateral_test", lambda d: stats.proportion_test(
        d, "decision_mode", ["unilaterale"], null=0.5, confidence_level=confidence_level), estimate=True)
    test_row("citizens_test", lambda d: stats.association(d, "domain", "citizens_involved", seed=seed))
    out = pd.DataFrame(rows).set_index("key")
    out.index.name = None
    out = out.reset_index(drop=True)[list(SENSITIVITY_COLUMNS)]
    out.attrs.update(alpha=alpha, frame_total=frame.total, frame_year=frame.year,
                     top_domain=top_domain, keys=[r["key"] for r in rows],
                     n_cities=designs["none"].n_clusters)
    return out


def population_sentence(weighting: str, cities: pd.DataFrame | int, frame: Frame | None = None) -> str:
    """What population the report's figures describe, under ``weighting``
    (in the current language of :mod:`baro.text`).

    ``cities`` is the cities table (or their number). Under
    ``"population"``, when the frame cannot weight these cities
    (:func:`why_not_weighted`), the sentence says why and that the figures
    are unweighted (:func:`applicable`).
    """
    _check_weighting(weighting)
    if weighting == "none":
        return text.t("weighting.population_none")
    frame = frame or load_frame()
    if isinstance(cities, pd.DataFrame):
        why = why_not_weighted(_with_frame(cities, frame), frame)
        if why is not None:
            return f"{text.not_computable_sentence(why)} {text.t('weighting.population_none')}"
        cities = cities[CLUSTER].nunique() if CLUSTER in cities.columns else len(cities)
    return text.t("weighting.population_weighted", cities=text.count(cities, "city"), total=text.fmt_int(frame.total),
                  year=frame.year)


@text.sentence_or_not_computable
def sensitivity_sentences(table: pd.DataFrame) -> str:
    """Which conclusions change when the cities are weighted, in words (the
    current language of :mod:`baro.text`).

    Examples
    --------
    >>> import pandas as pd
    >>> from baro import text
    >>> t = pd.DataFrame({"measure": ["Test X"], "kind": ["test"], "estimate_a": [1.0],
    ...     "ci_low_a": [float("nan")], "ci_high_a": [float("nan")], "estimate_b": [1.0],
    ...     "ci_low_b": [float("nan")], "ci_high_b": [float("nan")], "pvalue_a": [0.01],
    ...     "pvalue_b": [0.2], "changed": [True]})
    >>> t.attrs.update(alpha=0.05)
    >>> with text.use_language("en"):
    ...     print(sensitivity_sentences(t))
    Weighting changes 1 of the 1 test conclusions at the 5% level: Test X is significant unweighted (p = 0.010) but not weighted (p = 0.200).
    """
    alpha = table.attrs.get("alpha", 0.05)
    level = text.fmt_percent(alpha, 0)
    tests = table[table["kind"] == "test"]
    shares = table[table["kind"] == "share"]
    changed = tests[tests["changed"]]
    parts = []
    if changed.empty:
        parts.append(text.t("weighting.none_changed", n=len(tests), level=level))
    else:
        items = [
            text.t(
                "weighting.became_not_significant" if r["pvalue_a"] < alpha else "weighting.became_significant",
                measure=r["measure"], pvalue_a=text.fmt_pvalue(r["pvalue_a"]), pvalue_b=text.fmt_pvalue(r["pvalue_b"]),
            )
            for _, r in changed.iterrows()
        ]
        parts.append(text.t("weighting.some_changed", k=len(changed), n=len(tests), level=level,
                            items=" ; ".join(items) if text.get_language() == "fr" else "; ".join(items)))
    if not shares.empty:
        gap = (shares["estimate_b"] - shares["estimate_a"]).abs()
        r = shares.loc[gap.idxmax()]
        key = "weighting.largest_gap_outside" if r["changed"] else "weighting.largest_gap_inside"
        parts.append(text.t(key, measure=r["measure"], a=text.fmt_percent(r["estimate_a"]),
                            b=text.fmt_percent(r["estimate_b"])))
    return " ".join(parts)


def by_kind(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shares and the tests of :func:`weighting_sensitivity`, apart."""
    shares = table[table["kind"] == "share"].reset_index(drop=True)
    tests = table[table["kind"] == "test"].reset_index(drop=True)
    return shares, tests


def frame_labels(taxonomy=None) -> dict[str, dict]:
    """Labels of the frame table's codes (bands, kinds, bases) in the current language."""
    from baro.taxonomy import load_taxonomy

    tax = taxonomy or load_taxonomy()
    return {
        "band": tax.labels("population_band"),
        "kind": tax.labels("kind"),
        "basis": {b: text.t(f"weighting.basis.{b}") for b in ("verbatim", "derived", "assumption")},
    }
