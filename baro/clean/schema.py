"""The canonical schema: tables, columns, their types and accepted names.

Declarative and dependency-free: what each table holds
(:data:`COLUMNS`, :data:`DTYPES`), which columns are codes of the
taxonomy (:data:`CODED`), which header names and file names are accepted
(:data:`COLUMN_SYNONYMS`, :data:`TABLE_NAMES`), and the accepted spellings
of yes / no and "not cited".
"""

from __future__ import annotations

import pandas as pd

#: Canonical columns of each table, in order.
COLUMNS = {
    "cities": ("city_id", "kind", "population_band"),
    "projects": (
        "project_id",
        "city_id",
        "domain",
        "status",
        "management_mode",
        "decision_mode",
        "citizens_involved",
    ),
    "objectives": ("city_id", "objective", "rank"),
}

#: Pandas dtype of each canonical column as read; :func:`load_tables` then makes
#: the :data:`CODED` columns categorical.
DTYPES = {
    "city_id": "str",
    "project_id": "str",
    "kind": "str",
    "population_band": "str",
    "domain": "str",
    "status": "str",
    "management_mode": "str",
    "decision_mode": "str",
    "objective": "str",
    "citizens_involved": "bool",
    "rank": "Int64",
}

#: Columns whose values are codes of the taxonomy variable of the same name.
#: :func:`load_tables` returns them as pandas Categorical (see :func:`as_categories`).
CODED = ("kind", "population_band", "domain", "status", "management_mode", "decision_mode", "objective")

#: Accepted header names of each canonical column (compared by :func:`column_key`).
COLUMN_SYNONYMS = {
    "city_id": (
        "city_id", "ville", "code ville", "collectivité", "identifiant ville", "id ville",
        "identifiant de la ville", "code collectivité", "id collectivité",
        "identifiant collectivité", "identifiant de la collectivité", "répondant",
        "id répondant", "code répondant", "city", "city id", "city code",
    ),
    "project_id": (
        "project_id", "identifiant projet", "projet", "id projet", "code projet",
        "identifiant du projet", "numéro projet", "numéro du projet", "n° projet", "no projet",
        "num projet", "project", "project id",
    ),
    "kind": (
        "kind", "type de collectivité", "type", "type collectivité", "nature",
        "nature de la collectivité", "catégorie de collectivité",
    ),
    "population_band": (
        "population_band", "tranche de population", "strate", "population",
        "tranche population", "strate de population", "strate démographique", "taille",
        "nombre d'habitants", "habitants", "population band",
    ),
    "domain": ("domain", "domaine", "domaine du projet", "secteur", "thématique", "thème"),
    "status": (
        "status", "statut", "statut du projet", "état", "état d'avancement", "avancement",
        "état du projet",
    ),
    "management_mode": ("management_mode", "mode de gestion", "gestion", "mode gestion", "management mode"),
    "decision_mode": ("decision_mode", "mode de décision", "décision", "mode décision", "decision mode"),
    "citizens_involved": (
        "citizens_involved", "implication des citoyens", "citoyens impliqués",
        "implication citoyenne", "participation citoyenne", "participation des citoyens",
        "citoyens associés", "citoyens", "citizens involved",
    ),
    "objective": ("objective", "objectif", "objectifs"),
    "rank": ("rank", "rang", "classement", "ordre", "priorité", "rang de l'objectif"),
}

#: Accepted file names (without suffix, compared without case or accents).
TABLE_NAMES = {
    "cities": ("cities", "city", "villes", "ville", "collectivités"),
    "projects": ("projects", "project", "projets", "projet"),
    "objectives": ("objectives", "objective", "objectifs", "objectif"),
}

#: Accepted yes / no answers (after :func:`normalise`).
YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1"})
NO = frozenset({"non", "n", "no", "faux", "false", "0"})

#: Rank cells meaning "not cited" (after :func:`normalise`), read as empty and noted.
NOT_CITED = frozenset({"na", "n a", "nc", "n c", "non cite", "not cited", "sans objet"})

#: Population thresholds of the bands, for exports that give a population.
POPULATION_BANDS = ((200_000, "p200k_plus"), (100_000, "p100_200k"), (50_000, "p50_100k"))

LOG_COLUMNS = ("table", "file", "rows_read", "rows_kept", "rows_excluded", "reason", "note")

#: Rows named in a message before "and N more".
ROWS_SHOWN = 5




def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with the canonical columns and dtypes of ``table``.

    >>> empty_table("objectives").dtypes.astype(str).tolist()
    ['str', 'str', 'Int64']
    """
    return pd.DataFrame({c: pd.Series([], dtype=DTYPES[c]) for c in COLUMNS[table]})
