"""Results the data cannot support, and why.

A test needs at least two cities to take the city as a cluster, and at
least two observed levels of each variable it crosses. An edition with one
city, one domain, or every project with citizens involved is valid data
(``baro validate`` warns), but such a test cannot be computed: its place in
the report is a sentence ("Test non calculable : une seule ville"), not a
failed cell.

:func:`reason` says why a call of :mod:`baro.stats` that failed could not
be computed, from the data alone (None when the data are not the cause:
the error then stands). :class:`NotComputable` stands for the result in the
report: like NaN, what is computed from it is not computable either, so a
chapter's later lines (a table, a figure, a sentence) each turn into
nothing or into its sentence (see :class:`baro.report.Report`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

#: The cluster column of the report's tests, checked when a call names none.
CLUSTER = "city_id"

#: Variables the report's tests cross, checked when a call names no column.
TESTED = ("domain", "status", "management_mode", "decision_mode", "citizens_involved")


@dataclass(frozen=True, eq=False, repr=False)
class NotComputable:
    """The result of ``test``, which the data cannot support.

    ``reason`` is ``"one_city"`` (``values``: n) or ``"one_level"``
    (``values``: column, level, label). Attribute and item access, calls
    and comparisons give the object itself, so that expressions built on a
    result that could not be computed (``shares["level"].head(3)``) stay
    not computable.

    >>> nc = NotComputable("shares", "one_city", {"n": 1})
    >>> nc["level"].head(3) is nc, nc.computable, nc.warnings, list(nc), "x" in nc.index
    (True, False, (), [], False)
    """

    test: str
    reason: str
    values: dict = field(default_factory=dict)
    computable = False
    warnings: tuple = ()

    def __repr__(self) -> str:
        return f"NotComputable({self.test!r}, {self.reason!r}, {self.values!r})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> "NotComputable":
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> "NotComputable":
        return self

    def __iter__(self):  # no values: a loop over it does nothing (and never runs on)
        return iter(())

    def __contains__(self, item: Any) -> bool:
        return False

    def __gt__(self, other: Any) -> "NotComputable":
        return self

    __lt__ = __ge__ = __le__ = __gt__


def blocked(args: tuple, kwargs: dict) -> NotComputable | None:
    """The first argument that is not computable, if any."""
    return next((a for a in (*args, *kwargs.values()) if isinstance(a, NotComputable)), None)


def reason_of(result: NotComputable) -> tuple[str, dict]:
    """The reason and values of a result not computable, for a result built on it."""
    return result.reason, dict(result.values)


def reason(args: tuple, kwargs: dict) -> tuple[str, dict] | None:
    """Why a call of a :mod:`baro.stats` function on these arguments cannot be computed.

    The data is the first argument (a DataFrame, or a Design's data); the
    variables are the string arguments and keyword values naming its
    columns; the cluster is ``cluster=`` (or the city column when the
    call names none and the data has one). None when every variable has
    two levels or more and there are two clusters or more.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"city_id": ["V01", "V01"], "domain": ["transport", "education"],
    ...                   "citizens_involved": [True, True]})
    >>> reason((d, "domain"), {"cluster": "city_id"})
    ('one_city', {'n': 1})
    >>> reason((d.assign(city_id=["V01", "V02"]), "domain", "citizens_involved"), {})
    ('one_level', {'column': 'citizens_involved', 'level': True})
    """
    import pandas as pd

    data = args[0] if args else kwargs.get("data")
    if not isinstance(data, pd.DataFrame):  # a Design's data, an Edition's projects
        data = getattr(data, "data", None) if hasattr(data, "psu") else getattr(data, "projects", None)
    if not isinstance(data, pd.DataFrame):
        return None
    cluster = kwargs.get("cluster", CLUSTER if CLUSTER in data.columns else None)
    if isinstance(cluster, str) and cluster in data.columns:
        n = int(data[cluster].nunique())
        if n < 2:
            return "one_city", {"n": n}
    names = [a for a in (*args[1:], *kwargs.values()) if isinstance(a, str) and a in data.columns]
    names = names or [c for c in TESTED if c in data.columns]
    for column in dict.fromkeys(names):
        if column == cluster:
            continue
        levels = pd.unique(data[column].dropna())
        if len(levels) < 2:
            level = levels[0] if len(levels) else None
            level = level.item() if hasattr(level, "item") else level
            return "one_level", {"column": column, "level": level}
    return None


def or_not_computable(fn):
    """``fn``, whose failure that the data's shape explains (:func:`reason`) gives a :class:`NotComputable`.

    A call on a result not computable is not computable either; any other
    error is raised as it is.

    >>> import pandas as pd
    >>> @or_not_computable
    ... def mean_per_city(data, column):
    ...     if data["city_id"].nunique() < 2:
    ...         raise ValueError("needs two cities")
    ...     return data.groupby("city_id")[column].mean()
    >>> mean_per_city(pd.DataFrame({"city_id": ["V01"], "x": [1.0]}), "x")
    NotComputable('mean_per_city', 'one_city', {'n': 1})
    """

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        source = blocked(args, kwargs)
        if source is not None:
            return NotComputable(fn.__name__, *reason_of(source))
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError):  # TypeError: a not computable part met inside
            why = reason(args, kwargs)
            if why is None:  # not the data's shape: a real error
                raise
            return NotComputable(fn.__name__, *why)

    return call
