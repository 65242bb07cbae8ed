"""Small example data sets bundled with baro, used by the docstrings.

Both are simulated (they are not survey answers): 150 projects from 12
cities, and the objective rankings of the same 12 cities.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["projects", "objectives"]


def projects():
    """150 simulated projects nested in 12 cities.

    Returns
    -------
    DataFrame
        project_id, city_id, domain, decision_mode (str) and
        citizens_involved (bool).

    Examples
    --------
    >>> from baro import examples
    >>> d = examples.projects()
    >>> d.shape, d["city_id"].nunique()
    ((150, 5), 12)
    """
    import pandas as pd

    path = resources.files("baro") / "data" / "example_projects.csv"
    with resources.as_file(path) as p:
        return pd.read_csv(p, dtype={"citizens_involved": bool})


def objectives():
    """Simulated objective rankings of 12 cities (5 objectives each).

    Returns
    -------
    DataFrame
        city_id, objective (str) and rank (``Int64``; missing when the city
        did not cite the objective).

    Examples
    --------
    >>> from baro import examples
    >>> o = examples.objectives()
    >>> o.shape, str(o["rank"].dtype), int(o["rank"].isna().sum())
    ((60, 3), 'Int64', 16)
    """
    import pandas as pd

    path = resources.files("baro") / "data" / "example_objectives.csv"
    with resources.as_file(path) as p:
        return pd.read_csv(p, dtype={"rank": "Int64"})
