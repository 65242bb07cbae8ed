"""Estimates and tests for the barometer's tables (the stats contract).

Every clustered figure uses one linearisation-variance core
(:mod:`baro.stats.design`), which reproduces R's survey package for
``svydesign(ids = ~city_id, data = d)``: clusters drawn with replacement,
equal weights. ``cluster=None`` means independent rows.
"""

from baro.stats.ca import Correspondence, correspondence
from baro.stats.estimates import (
    COMPARE_COLUMNS,
    LETTERS_COLUMNS,
    PAIRWISE_COLUMNS,
    SHARES_COLUMNS,
    ProportionTest,
    compact_letters,
    compare_editions,
    pairwise_shares,
    proportion_test,
    shares,
)
from baro.stats.planning import PLANNING_COLUMNS, cities_needed, plan_editions, projects_needed
from baro.stats.tests import (
    RESIDUALS_COLUMNS,
    Association,
    GoodnessOfFit,
    association,
    goodness_of_fit,
)
from baro.stats.twoway import LEADERS_COLUMNS, TwoWay, association_merged, leading_levels
from baro.stats.objectives import (
    MCNEMAR_COLUMNS,
    RANKING_COLUMNS,
    CochranQ,
    RankAgreement,
    cochran_q,
    rank_agreement,
)

__all__ = [
    "COMPARE_COLUMNS",
    "LEADERS_COLUMNS",
    "LETTERS_COLUMNS",
    "MCNEMAR_COLUMNS",
    "PAIRWISE_COLUMNS",
    "PLANNING_COLUMNS",
    "RANKING_COLUMNS",
    "RESIDUALS_COLUMNS",
    "SHARES_COLUMNS",
    "Association",
    "CochranQ",
    "Correspondence",
    "GoodnessOfFit",
    "ProportionTest",
    "RankAgreement",
    "TwoWay",
    "association",
    "association_merged",
    "cities_needed",
    "cochran_q",
    "compact_letters",
    "compare_editions",
    "correspondence",
    "goodness_of_fit",
    "leading_levels",
    "pairwise_shares",
    "plan_editions",
    "projects_needed",
    "proportion_test",
    "rank_agreement",
    "shares",
]
