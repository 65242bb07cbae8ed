"""The taxonomy: canonical codes, French labels, spellings and crosswalk.

The file is data/taxonomy.toml. Tables store canonical codes; reports show
labels; ``harmonise`` maps an edition's codes to the categories used to
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


@dataclass(frozen=True)
class Taxonomy:
    path: Path
    categories: dict[str, dict[str, Category]] = field(repr=False)
    harmonised_labels: dict[str, dict[str, str]] = field(repr=False)
    variable_labels: dict[str, str] = field(repr=False)

    def codes(self, variable: str, edition: int | None = None) -> list[str]:
        """Canonical codes of ``variable`` (those used in ``edition`` if given)."""
        cats = self._variable(variable).values()
        return [
            c.code
            for c in cats
            if edition is None or c.editions is None or edition in c.editions
        ]

    def label(self, variable: str, code: str) -> str:
        """French label of a canonical or harmonised code."""
        cats = self._variable(variable)
        if code in cats:
            return cats[code].label
        harm = self.harmonised_labels.get(variable, {})
        if code in harm:
            return harm[code]
        raise KeyError(f"unknown {variable} code {code!r}; known: {', '.join(cats)}")

    def labels(self, variable: str) -> dict[str, str]:
        """Mapping code -> label for canonical and harmonised codes."""
        out = {c.code: c.label for c in self._variable(variable).values()}
        out.update(self.harmonised_labels.get(variable, {}))
        return out

    def harmonise(self, variable: str, code: str) -> str:
        """Harmonised category of a canonical code (the crosswalk)."""
        return self._variable(variable)[code].harmonised

    def crosswalk(self, variable: str) -> dict[str, str]:
        """Mapping canonical code -> harmonised code."""
        return {c.code: c.harmonised for c in self._variable(variable).values()}

    def variable_label(self, variable: str) -> str:
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
            )
            for code, spec in entries.items()
        }
    variable_labels = {k: v.get("label", k) for k, v in raw.get("variables", {}).items()}
    return Taxonomy(path, categories, raw.get("harmonised", {}), variable_labels)


@lru_cache(maxsize=None)
def load_taxonomy(path: str | None = None) -> Taxonomy:
    """The project's taxonomy (data/taxonomy.toml), read once."""
    return read_taxonomy(Path(path) if path else data_dir() / "taxonomy.toml")
