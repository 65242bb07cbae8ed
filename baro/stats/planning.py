"""Planning the next edition: how many cities to detect a change of share.

Two editions are compared as :func:`baro.stats.compare_editions` compares
them: the difference of a level's share between two independent samples
of cities, its standard error the root of the sum of the two clustered
variances, and a two-sided normal (Wald) test.

With ``m`` cities per edition, ``k`` projects per city and the design
effect ``deff`` of the share (the clustered variance over the binomial
one), the variance of a share ``p`` is ``deff p (1 - p) / (m k)``. To
detect a change from ``p1`` to ``p2 = p1 + delta`` with power ``1 - beta``
at a two-sided level ``alpha``, each edition needs

    n = (z_{1 - alpha/2} + z_{1 - beta})^2 deff (p1 (1 - p1) + p2 (1 - p2)) / delta^2

projects, that is ``m = ceil(n / k)`` cities (Donner and Klar, *Design
and Analysis of Cluster Randomization Trials*, 2000, ch. 5; the usual
unpooled two-proportion formula inflated by the design effect).

Assumptions (stated in the trends report's methods chapter):

* both editions draw the same number of cities, independently (if the
  same cities answer again, the editions are positively correlated and
  the figure is prudent);
* the next edition has the mean projects per city ``k`` of the past
  editions, and the intraclass correlation ``rho`` measured in them: each
  edition's design effect gives ``rho = (deff - 1) / (k_e - 1)`` (the
  relation ``deff = 1 + (k - 1) rho`` of equal cluster sizes), the mean
  ``rho`` over the editions gives the planned ``deff = 1 + (k - 1) rho``;
* the change goes towards one half (``p2 = p1 + delta`` when ``p1 < 1/2``),
  where the variance is larger: the prudent direction;
* the normal approximation holds: enough cities for the clustered
  variance to be well estimated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["PLANNING_COLUMNS", "projects_needed", "cities_needed", "plan_editions"]

#: Columns of :func:`plan_editions`: one row per level and difference.
PLANNING_COLUMNS = (
    "level",
    "estimate",
    "intraclass_correlation",
    "projects_per_city",
    "design_effect",
    "difference",
    "projects",
    "cities",
)


def _check_level(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating)) and 0 < value < 1):
        raise ValueError(f"{name} must be a number between 0 and 1, not {value!r}")
    return float(value)


def projects_needed(
    share,
    difference,
    *,
    design_effect=1.0,
    power: float = 0.8,
    alpha: float = 0.05,
):
    """Projects per edition to detect a change of ``difference`` in a share.

    Parameters
    ----------
    share : float or array
        The share in the first edition, ``p1``.
    difference : float or array
        The change to detect, ``|p2 - p1|`` (a share: 0.05 for 5 points).
        It goes towards one half (the prudent direction).
    design_effect : float or array
        Clustered variance over binomial variance of the share.
    power, alpha : float
        Power and two-sided level of the test.

    Returns
    -------
    float or ndarray
        Projects per edition (not rounded).

    Examples
    --------
    >>> round(float(projects_needed(0.5, 0.1)), 1)   # binomial: 7.849 * 0.49 / 0.01
    384.6
    >>> round(float(projects_needed(0.5, 0.1, design_effect=2.0)), 1)
    769.3
    """
    power = _check_level("power", power)
    alpha = _check_level("alpha", alpha)
    p1 = np.asarray(share, dtype=float)
    delta = np.asarray(difference, dtype=float)
    deff = np.asarray(design_effect, dtype=float)
    if np.any((p1 < 0) | (p1 > 1)):
        raise ValueError(f"share must lie between 0 and 1, not {share!r}")
    if np.any(delta <= 0) or np.any(delta >= 1):
        raise ValueError(f"difference must lie strictly between 0 and 1, not {difference!r}")
    if np.any(~(deff > 0)):
        raise ValueError(f"design_effect must be positive, not {design_effect!r}")
    p2 = np.where(p1 < 0.5, p1 + delta, p1 - delta)
    if np.any((p2 < 0) | (p2 > 1)):
        raise ValueError(f"share {share!r} moved by {difference!r} leaves [0, 1]")
    z = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)
    n = z**2 * deff * (p1 * (1 - p1) + p2 * (1 - p2)) / delta**2
    return n if n.ndim else float(n)


def cities_needed(
    share,
    difference,
    *,
    design_effect=1.0,
    projects_per_city,
    power: float = 0.8,
    alpha: float = 0.05,
):
    """Cities per edition: :func:`projects_needed` over the projects per city, rounded up.

    Examples
    --------
    >>> cities_needed(0.5, 0.1, design_effect=2.0, projects_per_city=20)
    39
    """
    k = np.asarray(projects_per_city, dtype=float)
    if np.any(~(k > 0)):
        raise ValueError(f"projects_per_city must be positive, not {projects_per_city!r}")
    n = projects_needed(share, difference, design_effect=design_effect, power=power, alpha=alpha)
    m = np.ceil(np.asarray(n) / k - 1e-9).astype(np.int64)
    return m if m.ndim else int(m)


def plan_editions(
    shares: Mapping[object, pd.DataFrame],
    projects_per_city: Mapping[object, float] | float,
    *,
    differences: Sequence[float] = (0.03, 0.05, 0.10),
    levels: Sequence | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    design_effect_column: str = "design_effect",
) -> pd.DataFrame:
    """Cities the next edition needs per level and change to detect.

    Parameters
    ----------
    shares : mapping
        Edition -> :func:`baro.stats.shares` table (clustered: with a
        design effect column), in chronological order.
    projects_per_city : mapping or float
        Edition -> projects per city, or one figure.
    differences : sequence of float
        Changes to detect (shares: 0.05 is 5 points).
    levels : sequence, optional
        Levels planned for (default: those of the last edition).

    Returns
    -------
    DataFrame
        Columns :data:`PLANNING_COLUMNS`, one row per level and difference:
        ``estimate`` the level's share in the last edition;
        ``intraclass_correlation`` the mean over the editions (where the
        level was offered) of ``(deff_e - 1) / (k_e - 1)``;
        ``projects_per_city`` the mean of the editions' ``k_e``;
        ``design_effect`` the planned ``1 + (k - 1) rho``; ``projects``
        and ``cities`` per edition.

    Examples
    --------
    >>> s = {2013: pd.DataFrame({"level": ["a"], "estimate": [0.12], "design_effect": [2.9]}),
    ...      2014: pd.DataFrame({"level": ["a"], "estimate": [0.15], "design_effect": [1.5]})}
    >>> plan = plan_editions(s, {2013: 20.0, 2014: 6.0}, differences=[0.05])
    >>> plan[["level", "intraclass_correlation", "projects_per_city", "design_effect", "cities"]]
      level  intraclass_correlation  projects_per_city  design_effect  cities
    0     a                     0.1               13.0            2.2     153
    """
    if not shares:
        raise ValueError("plan_editions needs the shares of at least one edition")
    editions = list(shares)
    for ed, frame in shares.items():
        missing = [c for c in ("level", "estimate", design_effect_column) if c not in frame.columns]
        if missing:
            raise KeyError(f"shares of edition {ed!r} lack column(s) {missing!r}")
    last = shares[editions[-1]].set_index("level")
    if levels is None:
        levels = last.index.tolist()
    if isinstance(projects_per_city, Mapping):
        per_city = pd.Series({ed: float(projects_per_city[ed]) for ed in editions})
    else:
        per_city = pd.Series({ed: float(projects_per_city) for ed in editions})
    if np.any(~(per_city > 1)):
        raise ValueError(f"projects_per_city must exceed 1, not {projects_per_city!r}")
    deffs = pd.concat(
        [f.set_index("level")[design_effect_column].rename(ed) for ed, f in shares.items()], axis=1
    ).reindex(list(levels))
    rho = ((deffs - 1) / (per_city[deffs.columns] - 1)).mean(axis=1, skipna=True)
    k = float(per_city.mean())
    deff = 1 + (k - 1) * rho
    p1 = last["estimate"].reindex(list(levels))
    rows = []
    for lv in levels:
        for delta in differences:
            ok = bool(np.isfinite(deff[lv]) and deff[lv] > 0 and 0 < p1[lv] < 1)
            n = (
                projects_needed(p1[lv], delta, design_effect=deff[lv], power=power, alpha=alpha)
                if ok else np.nan
            )
            rows.append(
                {
                    "level": lv,
                    "estimate": float(p1[lv]),
                    "intraclass_correlation": float(rho[lv]),
                    "projects_per_city": k,
                    "design_effect": float(deff[lv]),
                    "difference": float(delta),
                    "projects": n,
                    "cities": int(np.ceil(n / k - 1e-9)) if ok else pd.NA,
                }
            )
    out = pd.DataFrame(rows, columns=list(PLANNING_COLUMNS))
    out["cities"] = out["cities"].astype("Int64")
    return out
