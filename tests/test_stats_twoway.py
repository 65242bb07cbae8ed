"""Two-way tests that merge sparse levels or say they cannot be computed."""

import numpy as np
import pandas as pd
import pytest

from baro import stats
from baro.stats.twoway import LEADERS_COLUMNS, association_merged, leading_levels


def _projects(cells: dict, n_cities: int = 30, seed: int = 0) -> pd.DataFrame:
    """Rows with the given (row, col) counts, spread over cities at random."""
    rng = np.random.default_rng(seed)
    rows = [(r, c) for (r, c), k in cells.items() for _ in range(k)]
    d = pd.DataFrame(rows, columns=["domain", "band"])
    d["city_id"] = rng.integers(0, n_cities, size=len(d))
    return d


def test_a_table_with_large_counts_is_tested_as_is():
    d = _projects({(r, c): 20 for r in "abc" for c in ("small", "mid", "large")})
    t = association_merged(d, "domain", "band", cluster="city_id", order=["small", "mid", "large"], ordered=True)
    assert t.computable and t.merged == ()
    assert t.col_levels == ("small", "mid", "large")
    direct = stats.association(d, "domain", "band", cluster="city_id")
    assert t.test.pvalue == pytest.approx(direct.pvalue)


def test_an_ordered_sparse_level_joins_its_smaller_neighbour():
    cells = {}
    for r in "abcd":
        cells[(r, "small")] = 30
        cells[(r, "mid")] = 2
        cells[(r, "large")] = 12
        cells[(r, "huge")] = 40
    d = _projects(cells)
    t = association_merged(d, "domain", "band", cluster="city_id", order=["small", "mid", "large", "huge"], ordered=True)
    assert t.merged == (("mid+large", ("mid", "large")),)
    assert t.col_levels == ("small", "mid+large", "huge")
    assert t.recode["mid"] == "mid+large"
    assert set(t.test.residuals["level_b"]) == {"small", "mid+large", "huge"}
    assert t.test.n == len(d)


def test_a_nominal_sparse_level_joins_the_next_smallest():
    cells = {}
    for r in "abcd":
        cells[(r, "x")] = 40
        cells[(r, "y")] = 3
        cells[(r, "z")] = 30
        cells[(r, "w")] = 4
    d = _projects(cells)
    t = association_merged(d, "domain", "band", cluster="city_id")
    assert t.merged == (("w+y", ("w", "y")),) or t.merged == (("y+w", ("y", "w")),)
    assert len(t.col_levels) == 3


def test_two_sparse_levels_left_are_tested_with_the_warning():
    d = _projects({("a", "x"): 40, ("a", "y"): 1, ("b", "x"): 40, ("b", "y"): 1})
    t = association_merged(d, "domain", "band", cluster="city_id")
    assert t.computable and t.merged == ()
    assert len(t.warnings) >= 1


def test_one_level_is_not_computable_and_does_not_raise():
    d = _projects({("a", "x"): 10, ("b", "x"): 10})
    t = association_merged(d, "domain", "band", cluster="city_id")
    assert (t.computable, t.reason, t.test) == (False, "one_level", None)


def test_a_test_the_design_cannot_support_is_not_computable():
    d = _projects({("a", "x"): 10, ("b", "y"): 10, ("a", "y"): 10, ("b", "x"): 10}, n_cities=1)
    t = association_merged(d, "domain", "band", cluster="city_id")
    assert not t.computable and "cluster" in t.reason


def test_leading_levels_names_the_first_level_and_ties():
    d = pd.DataFrame(
        {
            "domain": ["a"] * 5 + ["b"] * 5 + ["c"] * 4,
            "mode": ["r", "r", "r", "m", "x"] + ["m", "m", "m", "r", "x"] + ["r", "r", "m", "m"],
        }
    )
    t = leading_levels(d, "domain", "mode", focus="r").set_index("level")
    assert list(t.reset_index().columns) == list(LEADERS_COLUMNS)
    assert t.loc["a", "focus_leads"] and not t.loc["a", "tied"]
    assert t.loc["b", "leader"] == "m" and not t.loc["b", "focus_leads"]
    assert t.loc["b", "focus_share"] == pytest.approx(0.2)
    assert t.loc["c", "focus_leads"] and t.loc["c", "tied"] and t.loc["c", "leader"] == "r"
