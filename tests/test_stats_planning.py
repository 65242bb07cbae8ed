"""The planning formula against a Monte-Carlo simulation of clustered editions.

Each simulated edition has ``m`` cities of ``k`` projects; a city's
probability that a project is in the domain is drawn from a beta law of
mean ``p`` and intraclass correlation ``rho`` (so the design effect of the
share is ``1 + (k - 1) rho``), its projects are binomial. Two editions
(share ``p1`` then ``p2``) are compared as baro compares editions: the
difference of shares over the root of the sum of the two linearised
clustered variances, two-sided normal test at 5 %.

At the number of cities the formula gives, the rejection rate must lie
within 3 points of 80 %. With 40,000 draws the Monte-Carlo standard error
of a rate near 80 % is sqrt(0.8 * 0.2 / 40000) = 0.2 point, so the check
decides (a 3-point miss is 15 standard errors away).
"""

import numpy as np
import pandas as pd
import pytest

from baro import stats
from baro.stats import planning

DRAWS = 40_000
CHUNK = 5_000
Z = 1.959963984540054


def _edition(rng, p, rho, m, k, draws):
    """Share and its linearised clustered variance, for ``draws`` editions."""
    a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
    return share_and_variance(rng.binomial(k, rng.beta(a, b, size=(draws, m))), k)


def share_and_variance(y, k):
    """Share and linearised variance from city counts ``y`` (draws x cities)."""
    m = y.shape[1]
    n = m * k
    share = y.sum(axis=1) / n
    z = (y - share[:, None] * k) / n
    var = m / (m - 1) * np.sum(z**2, axis=1)  # z sums to zero in each draw
    return share, var


def rejection_rate(p1, p2, rho, m, k, seed, draws=DRAWS):
    rng = np.random.default_rng(seed)
    rejected = 0
    for start in range(0, draws, CHUNK):
        size = min(CHUNK, draws - start)
        s1, v1 = _edition(rng, p1, rho, m, k, size)
        s2, v2 = _edition(rng, p2, rho, m, k, size)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.abs(s2 - s1) / np.sqrt(v1 + v2)
        rejected += int(np.sum(stat > Z))
    return rejected / draws


def test_the_linearised_variance_of_the_simulation_is_baros():
    """The simulated edition's variance is the one baro.stats.shares computes."""
    rng = np.random.default_rng(1)
    m, k = 12, 7
    y = rng.binomial(k, rng.beta(2, 10, size=m))
    share, var = share_and_variance(y[None, :], k)
    rows = pd.DataFrame(
        {
            "city_id": np.repeat(np.arange(m), k),
            "domain": np.concatenate([[True] * yi + [False] * (k - yi) for yi in y]),
        }
    )
    shown = stats.shares(rows, "domain", cluster="city_id").set_index("level")
    assert shown.loc[True, "estimate" if "estimate" in shown else "share"] == pytest.approx(share[0])
    assert shown.loc[True, "se"] ** 2 == pytest.approx(var[0], rel=1e-10)


# (share, change, projects per city, intraclass correlation): shares and
# design effects like those of the editions (deff 1.5 to 3.1).
CASES = [
    (0.15, 0.05, 20, 0.05),
    (0.15, 0.10, 20, 0.05),
    (0.12, 0.03, 10, 0.06),
    (0.23, 0.05, 40, 0.03),
]


@pytest.mark.parametrize("p1,delta,k,rho", CASES)
def test_power_at_the_computed_number_of_cities_is_80_percent(p1, delta, k, rho):
    deff = 1 + (k - 1) * rho
    m = planning.cities_needed(p1, delta, design_effect=deff, projects_per_city=k)
    power = rejection_rate(p1, p1 + delta, rho, m, k, seed=20260)
    assert abs(power - 0.80) < 0.03, (m, power)


def test_ignoring_the_design_effect_falls_well_short_of_80_percent():
    """The check can fail: the binomial formula gives too few cities."""
    p1, delta, k, rho = 0.15, 0.05, 20, 0.05
    m = planning.cities_needed(p1, delta, design_effect=1.0, projects_per_city=k)
    power = rejection_rate(p1, p1 + delta, rho, m, k, seed=20261)
    assert power < 0.65, (m, power)


def test_cities_needed_grows_as_the_change_shrinks_and_the_design_effect_grows():
    m = planning.cities_needed(0.15, np.array([0.03, 0.05, 0.10]), design_effect=2.0, projects_per_city=20)
    assert m[0] > m[1] > m[2]
    assert planning.cities_needed(0.15, 0.05, design_effect=3.0, projects_per_city=20) > m[1]


def test_plan_editions_reads_the_editions_shares_and_sizes():
    s = {
        2013: pd.DataFrame({"level": ["a", "b"], "estimate": [0.12, 0.3], "design_effect": [2.9, 2.0]}),
        2014: pd.DataFrame({"level": ["a", "b"], "estimate": [0.15, 0.4], "design_effect": [1.5, np.nan]}),
    }
    plan = planning.plan_editions(s, {2013: 20.0, 2014: 6.0}, differences=(0.03, 0.05, 0.10))
    assert list(plan.columns) == list(planning.PLANNING_COLUMNS)
    assert len(plan) == 6
    a = plan[plan["level"] == "a"].set_index("difference")
    assert a.loc[0.05, "intraclass_correlation"] == pytest.approx(((2.9 - 1) / 19 + (1.5 - 1) / 5) / 2)
    assert a.loc[0.05, "design_effect"] == pytest.approx(1 + 12 * 0.1)
    want = planning.cities_needed(0.15, 0.05, design_effect=2.2, projects_per_city=13.0)
    assert a.loc[0.05, "cities"] == want
    b = plan[plan["level"] == "b"].set_index("difference")
    # a level measured in one edition only uses that edition's correlation
    assert b.loc[0.05, "intraclass_correlation"] == pytest.approx((2.0 - 1) / 19)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"difference": 0.0}, "difference"),
        ({"design_effect": -1.0}, "design_effect"),
        ({"power": 1.2}, "power"),
        ({"projects_per_city": 0}, "projects_per_city"),
    ],
)
def test_bad_planning_options_are_named(kwargs, match):
    args = {"share": 0.15, "difference": 0.05, "design_effect": 2.0, "projects_per_city": 20} | kwargs
    with pytest.raises(ValueError, match=match):
        planning.cities_needed(**args)
