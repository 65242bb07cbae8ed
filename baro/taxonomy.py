"""The taxonomy: canonical codes, French and English labels, spellings and crosswalk.

The file is data/taxonomy.toml. Tables store canonical codes; reports show
labels in the report's language (``label`` in French, ``label_en`` in
English; :func:`baro.text.use_language` sets the language, ``language=``
overrides it); ``harmonise`` maps an edition's codes to the categories used to
compare editions (2013's single e-citoyenneté / e-gouvernement category and
the two of 2014 both map to ``e_administration``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from baro.errors import BaroError
from baro.paths import data_dir

#: Variables coded through the taxonomy, in the order reports show them.
VARIABLES = (
    "domain",
    "objective",
    "status",
    "management_mode",
    "decision_mode",
    "kind",
    "population_band",
)


@dataclass(frozen=True)
class Category:
    variable: str
    code: str
    label: str
    synonyms: tuple[str, ...]
    harmonised: str
    editions: tuple[int, ...] | None = None
    note: str = ""
    label_en: str = ""

    def label_in(self, language: str | None = None) -> str:
        """The label in ``language`` (default: the current language of :mod:`baro.text`)."""
        return self.label if _language(language) == "fr" else (self.label_en or self.label)


def _language(language: str | None) -> str:
    from baro.text import get_language

    return get_language(language)


@dataclass(frozen=True)
class Taxonomy:
    path: Path
    categories: dict[str, dict[str, Category]] = field(repr=False)
    harmonised_labels: dict[str, dict[str, str]] = field(repr=False)
    variable_labels: dict[str, str] = field(repr=False)
    harmonised_labels_en: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    variable_labels_en: dict[str, str] = field(default_factory=dict, repr=False)
    variable_headers: dict[str, str] = field(default_factory=dict, repr=False)

    def codes(self, variable: str, edition: int | None = None) -> list[str]:
        """Canonical codes of ``variable`` (those used in ``edition`` if given)."""
        cats = self._variable(variable).values()
        return [
            c.code
            for c in cats
            if edition is None or c.editions is None or edition in c.editions
        ]

    def label(self, variable: str, code: str, language: str | None = None) -> str:
        """Label of a canonical or harmonised code, in the report's language.

        >>> tax = load_taxonomy()
        >>> tax.label("domain", "education"), tax.label("domain", "education", "en")
        ('Éducation', 'Education')
        """
        labels = self.labels(variable, language)
        if code in labels:
            return labels[code]
        raise KeyError(f"unknown {variable} code {code!r}; known: {', '.join(self._variable(variable))}")

    def labels(self, variable: str, language: str | None = None) -> dict[str, str]:
        """Mapping code -> label for canonical and harmonised codes, in the report's language."""
        lang = _language(language)
        out = {c.code: c.label_in(lang) for c in self._variable(variable).values()}
        out.update(self.harmonised_labels.get(variable, {}))
        if lang != "fr":
            out.update(self.harmonised_labels_en.get(variable, {}))
        return out

    def harmonise(self, variable: str, code: str) -> str:
        """Harmonised category of a canonical code (the crosswalk)."""
        return self._variable(variable)[code].harmonised

    def crosswalk(self, variable: str) -> dict[str, str]:
        """Mapping canonical code -> harmonised code."""
        return {c.code: c.harmonised for c in self._variable(variable).values()}

    def header(self, variable: str, language: str | None = None) -> str:
        """Column header of a variable in tables: its ``header`` if set, else its label.

        >>> load_taxonomy().header("kind"), load_taxonomy().header("domain", "en")
        ('Type', 'Domain')
        """
        lang = _language(language)
        key = variable if lang == "fr" else f"{variable}:{lang}"
        return self.variable_headers.get(key) or self.variable_label(variable, lang)

    def variable_label(self, variable: str, language: str | None = None) -> str:
        """Label of a variable (``Domaine``, ``Domain``), in the report's language."""
        if _language(language) != "fr" and variable in self.variable_labels_en:
            return self.variable_labels_en[variable]
        return self.variable_labels.get(variable, variable)

    def _variable(self, variable: str) -> dict[str, Category]:
        try:
            return self.categories[variable]
        except KeyError:
            raise KeyError(
                f"unknown variable {variable!r}; known: {', '.join(self.categories)}"
            ) from None


def read_taxonomy(path: str | Path) -> Taxonomy:
    """Read a taxonomy TOML file (see data/taxonomy.toml for the format)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise BaroError(f"taxonomy file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BaroError(f"{path}: not valid TOML: {exc}") from None
    categories: dict[str, dict[str, Category]] = {}
    for variable in VARIABLES:
        entries = raw.get(variable, {})
        categories[variable] = {
            code: Category(
                variable=variable,
                code=code,
                label=spec["label"],
                synonyms=tuple(spec.get("synonyms", ())),
                harmonised=spec.get("harmonised", code),
                editions=tuple(spec["editions"]) if "editions" in spec else None,
                note=spec.get("note", ""),
                label_en=spec.get("label_en", ""),
            )
            for code, spec in entries.items()
        }
    variable_labels = {k: v.get("label", k) for k, v in raw.get("variables", {}).items()}
    variable_labels_en = {k: v["label_en"] for k, v in raw.get("variables", {}).items() if "label_en" in v}
    headers = {}
    for k, v in raw.get("variables", {}).items():
        if "header" in v:
            headers[k] = v["header"]
        if "header_en" in v:
            headers[f"{k}:en"] = v["header_en"]
    return Taxonomy(path, categories, raw.get("harmonised", {}), variable_labels,
                    raw.get("harmonised_en", {}), variable_labels_en, headers)


@lru_cache(maxsize=None)
def load_taxonomy(path: str | None = None) -> Taxonomy:
    """The project's taxonomy (data/taxonomy.toml), read once."""
    return read_taxonomy(Path(path) if path else data_dir() / "taxonomy.toml")
