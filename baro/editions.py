"""Find and load survey editions.

An edition is a folder ``data/editions/<year>/`` holding ``edition.toml``
(metadata and every published figure) and three tables: ``cities``,
``projects`` and ``objectives`` (CSV, XLSX or SPSS .sav; read through
:func:`baro.clean.load_tables`).

edition.toml
------------
``[edition]``: year, title, publisher, published (date), simulated (bool),
seed (int, for simulated tables), data_note (str).

``[questionnaire]``: the categories asked in that edition, as canonical
codes: domains, objectives (lists); note (why, in a sentence).

``[[figures]]``: one table per published figure, with keys

- ``id``: unique slug, e.g. ``"domain_transport_count"``;
- ``label``: what the figure says, in French as printed;
- ``value``: the published number (or a list of codes for ``top`` /
  ``bottom`` statements);
- ``unit``: ``count``, ``percent``, ``rank``, ``mean``, ``levels`` or
  ``statement`` (a claim without a number, with ``computable = false``);
- ``statistic``: how it is computed from the tables (see
  :mod:`baro.reconcile`): ``count``, ``percent``, ``mean_per_city``,
  ``min_per_city``, ``max_per_city``, ``rank``, ``top``, ``bottom``,
  ``top_rate`` (the levels of ``column`` with the highest share of rows
  matching ``where``), ``cited_count`` / ``cited_percent`` (cities giving a
  rank to objective ``level``, of the cities asked), ``levels`` (the set of
  codes found in ``column``);
- ``table``: ``cities``, ``projects`` or ``objectives``;
- ``where``: column -> code or list of codes, rows counted;
- ``within``: column -> code(s), the denominator of a percent (default all
  rows of ``table``);
- ``column``, ``level``: the variable and level of a rank;
- ``harmonised``: compare on the crosswalk's categories (default false);
- ``ordered``: a ``top`` / ``bottom`` list is compared in order (default
  false: as a set);
- ``approximate``: the source says "about" / "half" (default false), with
  ``tolerance`` (absolute, in the figure's unit) for a ``rounding`` verdict;
- ``decimals``: published precision (default: the decimals printed);
- ``n``: the published denominator of a percent, for the attainability
  (GRIM-style) check;
- ``calibrated``: whether simulated tables reproduce the figure (default
  true; false where sources contradict each other, e.g. 37 vs 38 cities);
- ``basis``: ``verbatim`` (printed) or ``derived`` (arithmetic on printed
  figures); ``source``; ``note``; ``computable`` (default true; false when
  the tables cannot answer, e.g. "Paris is not in the panel").

``[[assumptions]]``: what was never published and the simulation assumes:
``id``, ``text``, and optional ``parameters`` (a table read by
:mod:`baro.simulate`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from baro.errors import BaroError
from baro.paths import editions_dir

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from baro.clean import CleanTables


def available(root: str | Path | None = None) -> list[int]:
    """Years of the editions found under ``root`` (default data/editions).

    >>> available()
    [2013, 2014, 2015]
    """
    root = Path(root) if root else editions_dir()
    if not root.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in root.iterdir()
        if p.is_dir() and p.name.isdigit() and (p / "edition.toml").is_file()
    )


@dataclass(frozen=True)
class Edition:
    """One survey edition: metadata, published figures and tables."""

    year: int
    path: Path
    meta: dict[str, Any] = field(repr=False)
    data_path: Path = field(repr=False)

    @property
    def title(self) -> str:
        return self.meta["edition"]["title"]

    @property
    def simulated(self) -> bool:
        return bool(self.meta["edition"].get("simulated", False))

    @property
    def questionnaire(self) -> dict[str, list[str]]:
        return self.meta.get("questionnaire", {})

    @property
    def figures(self) -> list[dict[str, Any]]:
        return list(self.meta.get("figures", []))

    @property
    def assumptions(self) -> list[dict[str, Any]]:
        return list(self.meta.get("assumptions", []))

    def asked(self, variable: str, *, harmonised: bool = False) -> list[str]:
        """Codes of ``variable`` the edition's questionnaire asked.

        ``variable`` is ``"domain"`` or ``"objective"`` (``[questionnaire]``
        lists ``domains`` and ``objectives``); with ``harmonised``, the
        crosswalk's categories, each once, in questionnaire order.

        >>> load(2013).asked("domain", harmonised=True)[:3]
        ['transport', 'education', 'e_administration']
        """
        key = f"{variable}s"
        if key not in self.questionnaire:
            raise KeyError(
                f"edition {self.year}: [questionnaire] has no {key!r} list; "
                f"it has: {', '.join(self.questionnaire) or 'nothing'}"
            )
        codes = list(self.questionnaire[key])
        if not harmonised:
            return codes
        from baro.taxonomy import load_taxonomy

        crosswalk = load_taxonomy().crosswalk(variable)
        return list(dict.fromkeys(crosswalk[c] for c in codes))

    def figure(self, figure_id: str) -> dict[str, Any]:
        for f in self.figures:
            if f["id"] == figure_id:
                return f
        raise KeyError(f"edition {self.year} has no figure {figure_id!r}")

    @cached_property
    def tables(self) -> "CleanTables":
        """The cleaned tables (validated against the taxonomy).

        Read once per edition object, and once per set of files: the tables
        cleaned when ``baro run`` checked them are kept
        (:func:`baro.clean.cache.cached_tables`) and read back here.
        """
        from baro.clean.cache import cached_tables

        return _asked_only(cached_tables(self.data_path, edition=self.year), self)

    @property
    def cities(self) -> "pd.DataFrame":
        return self.tables.cities

    @property
    def projects(self) -> "pd.DataFrame":
        return self.tables.projects

    @property
    def objectives(self) -> "pd.DataFrame":
        return self.tables.objectives


#: Coded columns whose categories are an edition's ``[questionnaire]`` list.
ASKED_COLUMNS = {("projects", "domain"): "domains", ("objectives", "objective"): "objectives"}


def _asked_only(tables: "CleanTables", edition: "Edition") -> "CleanTables":
    """The tables with the categories the edition asked, and no other.

    The tables' coded columns are categoricals of the taxonomy's codes,
    and every share and test counts each category (as R counts a factor's
    levels): a category the questionnaire did not offer (énergie in 2014)
    would appear as a level with no project and weigh in the tests. A row
    holding such a category is an error.
    """
    import dataclasses

    import pandas as pd

    changed = {}
    for (table, column), key in ASKED_COLUMNS.items():
        frame = tables[table]
        if key not in edition.questionnaire or column not in frame.columns:
            continue
        if not isinstance(frame[column].dtype, pd.CategoricalDtype):
            continue
        asked = set(edition.questionnaire[key])
        extra = sorted(set(frame[column].dropna().unique()) - asked)
        if extra:
            raise BaroError(
                f"edition {edition.year}: table {table!r}, column {column!r} holds "
                f"{', '.join(map(repr, extra))}, which its [questionnaire] {key} list does not "
                f"hold; add it there or correct the table"
            )
        kept = [c for c in frame[column].cat.categories if c in asked]
        if kept != list(frame[column].cat.categories):
            changed[table] = frame.assign(**{column: frame[column].cat.set_categories(kept)})
    return dataclasses.replace(tables, **changed) if changed else tables


def compared_categories(
    a: Edition, b: Edition, variable: str = "domain"
) -> tuple[list[str], dict[str, int]]:
    """Harmonised categories two editions can be compared on.

    A category only one questionnaire listed has a share of zero in the
    other edition by construction: its change says nothing about cities.
    Returns the categories asked in both (in ``a``'s order) and, for the
    others, the edition that asked them.

    >>> common, only_one = compared_categories(load(2013), load(2014))
    >>> "transport" in common, only_one
    (True, {'energie': 2013, 'environnement': 2014})
    """
    asked_a = a.asked(variable, harmonised=True)
    asked_b = b.asked(variable, harmonised=True)
    common = [c for c in asked_a if c in asked_b]
    only_one = {c: a.year for c in asked_a if c not in asked_b}
    only_one.update({c: b.year for c in asked_b if c not in asked_a})
    return common, only_one


def load(year: int, *, root: str | Path | None = None, data_dir: str | Path | None = None) -> Edition:
    """Load edition ``year``.

    ``root`` is the folder of editions (default data/editions); ``data_dir``
    reads the tables from another folder while keeping the edition's
    metadata (``baro run 2014 --data DIR``).

    >>> e = load(2014)
    >>> e.year, e.simulated
    (2014, True)
    """
    root = Path(root) if root else editions_dir()
    path = root / str(year)
    toml = path / "edition.toml"
    if not toml.is_file():
        years = ", ".join(map(str, available(root))) or "none"
        raise BaroError(f"no edition {year} in {root} (available: {years})")
    try:
        with toml.open("rb") as fh:
            meta = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BaroError(f"{toml}: not valid TOML: {exc}") from None
    declared = meta.get("edition", {}).get("year")
    if declared != year:
        raise BaroError(f"{toml}: [edition] year is {declared!r}, expected {year}")
    return Edition(year, path, meta, Path(data_dir) if data_dir else path)
