"""Value parsers: yes / no answers, ranks, populations, control characters.

Each takes one cell's text and returns its value or says why it is not
one; :mod:`baro.clean.validate` calls them once per distinct value of a
column, not once per row.
"""

from __future__ import annotations

import re

from baro.clean.labels import _normalised
from baro.clean.schema import NO, POPULATION_BANDS, YES

#: Control characters that an identifier or a label may not hold: C0 and
#: C1 controls and DEL, except tab, line feed and carriage return (a
#: quoted cell may hold those; labels fold them into spaces).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(value: str) -> str | None:
    r"""The first control character of ``value``, escaped (``\x1b``), or None.

    >>> control_character("V01\x1b[31m"), control_character("Loisirs\net culture")
    ('\\x1b', None)
    """
    m = CONTROL.search(value)
    return None if m is None else f"\\x{ord(m.group()):02x}"


def parse_bool(value) -> bool | None:
    """True / False for a yes / no answer, None when it is not one.

    >>> [parse_bool(v) for v in ("Oui", "NON", "yes", "Vrai", "false", "1", "0.0", "o", "N", "peut-être")]
    [True, False, True, True, False, True, False, True, False, None]
    """
    s = str(value).strip()
    if re.fullmatch(r"[01](\.0+)?", s):
        return s.startswith("1")
    key = _normalised(s)
    if key in YES:
        return True
    if key in NO:
        return False
    return None


_ORDINAL = re.compile(r"(\d+)\s*(?:er|re|ere|ère|e|eme|ème|è|nd|st|rd|th|°)")


def parse_rank(value) -> tuple[int | None, str | None]:
    """(rank, None) for a positive whole number or empty; (None, why) otherwise.

    >>> parse_rank("2"), parse_rank("2.0"), parse_rank(" 3,0 "), parse_rank("1er"), parse_rank("")
    ((2, None), (2, None), (3, None), (1, None), (None, None))
    >>> parse_rank("2.5")[1], parse_rank("0")[1], parse_rank("deux")[1]
    ('not a whole number', 'not positive', 'not a number')
    """
    s = str(value).strip().replace(",", ".")
    if not s:
        return None, None
    ordinal = _ORDINAL.fullmatch(s.casefold())
    if ordinal:
        s = ordinal.group(1)
    if not re.fullmatch(r"[+-]?\d+(?:\.\d*)?", s):
        return None, "not a number"
    x = float(s)
    if not x.is_integer():
        return None, "not a whole number"
    if x < 1:
        return None, "not positive"
    return int(x), None


def _population_band(value) -> tuple[str | None, bool]:
    """(band, is_a_count) for a population written as a number or a range.

    A single number is a population and is binned ("" when below the
    smallest band); two numbers are a band's bounds and must be one of
    the bands. Anything else, or a "less than", gives (None, False).

    >>> _population_band("153 000"), _population_band("42000")
    (('p100_200k', True), ('', True))
    >>> [_population_band(v) for v in ("100 000 - 199 999", "De 50k à 100k", "200 000 +")]
    [('p100_200k', False), ('p50_100k', False), ('p200k_plus', False)]
    >>> _population_band("moins de 50 000"), _population_band("60 000 - 90 000")
    ((None, False), (None, False))
    """
    t = str(value).casefold().replace("\u00a0", " ").replace("\u202f", " ")
    if re.search(r"moins|less|under|inf[eé]rieur|<", t):
        return None, False
    t = re.sub(r"(?<=\d)[ .'](?=\d{3}\b)", "", t)
    t = re.sub(r"(\d+)\s*k\b", lambda m: str(int(m.group(1)) * 1000), t)
    nums = [int(x) for x in re.findall(r"\d+", t)]
    letters = re.sub(r"[\d\W_]+", " ", t).split()
    if len(nums) == 1 and nums[0] >= 1000:
        n = nums[0]
        plus = bool(re.search(r"plus|more|over|\+|>|au[- ]del|sup[eé]rieur", t))
        if plus:
            return ("p200k_plus", False) if n == 200_000 else (None, False)
        if set(letters) - {"habitant", "habitants", "hab", "h"}:
            return None, False
        for threshold, code in POPULATION_BANDS:
            if n >= threshold:
                return code, True
        return "", True
    if len(nums) == 2:
        lo, hi = nums
        for threshold, code in POPULATION_BANDS[1:]:
            if lo == threshold and hi in (2 * threshold - 1, 2 * threshold):
                return code, False
    return None, False

