"""Labels: the comparison form of a label and its lookup in the taxonomy.

:func:`normalise` folds case, accents, punctuation and plurals;
:class:`LabelLookup` maps a normalised label to its canonical code;
:func:`recognise_column` does the same for header names;
:func:`as_categories` turns code columns into Categoricals of the taxonomy.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

import pandas as pd

from baro.clean.schema import CODED, COLUMN_SYNONYMS

# ------------------------------------------------------------ normalising
_SEP = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.replace("œ", "oe").replace("æ", "ae").replace("&", " et ")
    t = unicodedata.normalize("NFKD", t.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return _SEP.sub(" ", t).strip()


@functools.lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    """:func:`normalise`, remembered: answers repeat a few spellings over many rows."""
    return normalise(text)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def normalise(text) -> str:
    """The comparison form of a label: no case, accents, punctuation or plural.

    Letters are case-folded and stripped of accents, every run of
    punctuation or spacing becomes one space, "&" reads "et", and a
    final "s" is dropped from words longer than three letters (not from
    "ss"). Applying it twice changes nothing.

    >>> normalise("  Transports / Mobilité ")
    'transport mobilite'
    >>> normalise("À L'ÉTUDE")
    'a l etude'
    >>> normalise("Loisirs & culture")
    'loisir et culture'
    >>> normalise(normalise("Énergies")) == normalise("Énergies") == "energie"
    True
    """
    t = str(text)
    for _ in range(8):
        new = " ".join(_singular(w) for w in _fold(t).split())
        if new == t:
            break
        t = new
    return t


def column_key(name) -> str:
    """Comparison key of a column name: letters and digits only, no accents.

    >>> column_key("Mode de décision") == column_key("mode_de_decision") == "modededecision"
    True
    >>> column_key("N° projet")
    'nprojet'
    """
    return _fold(str(name)).replace(" ", "")


_COLUMN_LOOKUP = {column_key(s): col for col, names in COLUMN_SYNONYMS.items() for s in names}


def recognise_column(name) -> str | None:
    """The canonical column a header names, or None.

    >>> recognise_column("Implication des citoyens"), recognise_column("CODE VILLE")
    ('citizens_involved', 'city_id')
    >>> recognise_column("Commentaire") is None
    True
    """
    return _COLUMN_LOOKUP.get(column_key(name))


# --------------------------------------------------------------- labels
_AMBIGUOUS = object()


class LabelLookup:
    """Normalised label -> canonical code, for every coded variable.

    Built once per taxonomy from each code, its label and its synonyms;
    a spelling that two codes of one variable share is ambiguous and
    never matched.

    >>> from baro.taxonomy import load_taxonomy
    >>> lookup = LabelLookup.of(load_taxonomy())
    >>> lookup.code("domain", "TRANSPORTS"), lookup.code("status", "A l'étude")
    ('transport', 'a_l_etude')
    >>> lookup.code("domain", "Trasnport") is None
    True
    >>> lookup.closest("domain", "Trasnport")
    ['Transport']
    """

    _cache: dict[int, tuple[object, "LabelLookup"]] = {}

    def __init__(self, taxonomy):
        self.taxonomy = taxonomy
        self.exact: dict[str, dict[str, object]] = {}
        self.compact: dict[str, dict[str, object]] = {}
        self.spellings: dict[str, dict[str, str]] = {}
        for variable in CODED:
            exact, compact, spellings = {}, {}, {}
            for cat in taxonomy.categories.get(variable, {}).values():
                for s in (cat.code, cat.label, *cat.synonyms):
                    key = normalise(s)
                    for table, k in ((exact, key), (compact, key.replace(" ", ""))):
                        if table.get(k, cat.code) != cat.code:
                            table[k] = _AMBIGUOUS
                        else:
                            table[k] = cat.code
                    spellings.setdefault(key, cat.label)
            self.exact[variable], self.compact[variable] = exact, compact
            self.spellings[variable] = spellings

    @classmethod
    def of(cls, taxonomy) -> "LabelLookup":
        hit = cls._cache.get(id(taxonomy))
        if hit is None or hit[0] is not taxonomy:
            hit = (taxonomy, cls(taxonomy))
            cls._cache[id(taxonomy)] = hit
        return hit[1]

    def code(self, variable: str, value) -> str | None:
        """The code ``value`` spells, or None when unknown or ambiguous."""
        key = _normalised(str(value))
        code = self.exact[variable].get(key)
        if code is None:
            code = self.compact[variable].get(key.replace(" ", ""))
        return code if isinstance(code, str) else None

    def closest(self, variable: str, value, n: int = 3) -> list[str]:
        """Labels of the codes whose spellings are closest to ``value``."""
        spellings = self.spellings[variable]
        out = []
        for s in difflib.get_close_matches(normalise(value), list(spellings), n=10, cutoff=0.6):
            if spellings[s] not in out:
                out.append(spellings[s])
        return out[:n]

    def edition_for(self, variable: str, edition: int | None) -> int | None:
        """The edition whose categories apply to ``edition``.

        ``edition`` itself, except for an edition newer than every edition
        the taxonomy names for ``variable`` (the next survey, before the
        taxonomy is updated): the latest edition it names.
        """
        if edition is None:
            return None
        known = {y for c in self.taxonomy.categories.get(variable, {}).values() for y in (c.editions or ())}
        if known and edition > max(known):
            return max(known)
        return edition

    def codes(self, variable: str, edition: int | None) -> list[str]:
        """Codes allowed in ``edition`` (see :meth:`edition_for`)."""
        return self.taxonomy.codes(variable, self.edition_for(variable, edition))

    def allowed(self, variable: str, edition: int | None) -> list[str]:
        """Labels of the codes allowed in ``edition``."""
        return [self.taxonomy.label(variable, c) for c in self.codes(variable, edition)]


def as_categories(frame: pd.DataFrame, lookup: "LabelLookup", edition: int | None = None) -> pd.DataFrame:
    """``frame`` with each coded column as a Categorical of the taxonomy's codes.

    The categories are the codes of the variable in the taxonomy's order:
    those of ``edition`` when it is given (see :meth:`LabelLookup.codes`),
    else all of them. Statistics then work on the integer codes without
    hashing strings, and a report lists levels in the taxonomy's order
    when it asks for them. ``city_id`` and ``project_id`` stay strings:
    they are identifiers, not a closed list of codes. A value that is not
    one of the categories is an error (it would otherwise become missing).

    >>> from baro.taxonomy import load_taxonomy
    >>> f = pd.DataFrame({"city_id": ["V01", "V02"], "status": ["en_cours", "realise"]})
    >>> out = as_categories(f, LabelLookup.of(load_taxonomy()))
    >>> out["status"].cat.categories.tolist(), out["status"].tolist()
    (['realise', 'en_cours', 'a_l_etude'], ['en_cours', 'realise'])
    >>> str(out["city_id"].dtype)
    'str'
    """
    out = frame.copy()
    for col in CODED:
        if col not in out.columns:
            continue
        values = out[col]
        cats = lookup.codes(col, edition)
        coded = pd.Categorical(values, categories=cats)
        lost = values.notna().to_numpy() & (coded.codes < 0)
        if lost.any():
            bad = sorted(set(values[lost].tolist()))
            raise ValueError(
                f"column {col!r} holds values that are not codes of the taxonomy: {bad!r}; codes: {cats!r}"
            )
        out[col] = coded
    return out
