"""Estimates and tests for the barometer's tables (the stats contract).

Every estimate and test takes a :class:`Design` first (R's ``svydesign``:
clusters, strata, weights, finite population; ``post_stratify`` and
``rake`` calibrate it), or a DataFrame with ``cluster=`` as shorthand for
``Design(data, cluster=...)``; a DataFrame with ``cluster=None`` means
independent rows. One linearisation-variance core
(:mod:`baro.stats.design`) gives every design-based figure, equal to R's
survey package.
"""

from baro.stats.design import LONELY_PSU, Design
from baro.stats.estimates import (
    COMPARE_COLUMNS,
    CONTRAST_COLUMNS,
    INTERVALS,
    TOTALS_COLUMNS,
    LETTERS_COLUMNS,
    PAIRWISE_COLUMNS,
    SHARES_COLUMNS,
    ProportionTest,
    compact_letters,
    compare_editions,
    contrast,
    pairwise_shares,
    proportion_test,
    shares,
    totals,
)
from baro.stats.tests import (
    RESIDUALS_COLUMNS,
    Association,
    GoodnessOfFit,
    association,
    goodness_of_fit,
)
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
    "CONTRAST_COLUMNS",
    "Design",
    "INTERVALS",
    "LONELY_PSU",
    "TOTALS_COLUMNS",
    "LETTERS_COLUMNS",
    "MCNEMAR_COLUMNS",
    "PAIRWISE_COLUMNS",
    "RANKING_COLUMNS",
    "RESIDUALS_COLUMNS",
    "SHARES_COLUMNS",
    "Association",
    "CochranQ",
    "GoodnessOfFit",
    "ProportionTest",
    "RankAgreement",
    "association",
    "cochran_q",
    "compact_letters",
    "compare_editions",
    "contrast",
    "goodness_of_fit",
    "pairwise_shares",
    "proportion_test",
    "rank_agreement",
    "shares",
    "totals",
]
