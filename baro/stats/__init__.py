"""Estimates and tests for the barometer's tables (the stats contract).

Every estimate and test takes a :class:`Design` first (R's ``svydesign``:
clusters, strata, weights, finite population; ``post_stratify`` and
``rake`` calibrate it), or a DataFrame with ``cluster=`` as shorthand for
``Design(data, cluster=...)``; a DataFrame with ``cluster=None`` means
independent rows. One linearisation-variance core
(:mod:`baro.stats.design`) gives every design-based figure, equal to R's
survey package.

Result contract
---------------
One name per idea, in every result:

- a category is ``level``; a pair of categories ``level_a`` and
  ``level_b`` (a cell of a two-way table: ``level_a`` the row's level,
  ``level_b`` the column's);
- an estimate is ``estimate`` (a share is an estimate), with ``se``,
  ``ci_low``, ``ci_high`` and ``design_effect`` (the variance under the
  design over that of a simple random sample of the same size; 1 for
  independent rows); two estimates side by side are ``estimate_a`` and
  ``estimate_b``;
- a test carries ``statistic``, ``pvalue``, ``dof`` (a tuple where there
  are two, such as an F test's ``(ndf, ddf)``), ``design_effect`` and
  ``warnings``; further figures have names of their own
  (``chisq_first_order``, ``pvalue_monte_carlo``, ``kendall_w``...);
- ``n`` rows analysed, ``n_clusters`` (None for independent rows),
  ``n_dropped`` rows left out for a missing value (``n_subjects_dropped``
  when the units left out are subjects);
- ``warnings`` is a tuple of :class:`Caveat`: a code and its values, such
  as ``few_clusters(n=6)``; ``str()`` gives English for developers, and
  :func:`baro.text.caveat_text` writes the reader's sentence in the
  report's language.

A test returns a frozen dataclass with a readable repr, ``_repr_html_``
(its figures and warnings as a small table) and ``to_frame()`` (one row).
A table-shaped result is a tidy DataFrame whose columns are a module
constant, in this order (``attrs`` holds n, n_clusters, n_dropped,
warnings...):

- shares: SHARES_COLUMNS = level, count, estimate, se, ci_low, ci_high,
  design_effect
- pairwise_shares: PAIRWISE_COLUMNS = level_a, level_b, difference, se,
  statistic, pvalue, pvalue_adjusted
- totals: TOTALS_COLUMNS = level, count, estimate, se, ci_low, ci_high,
  design_effect
- contrast: CONTRAST_COLUMNS = contrast, estimate, se, ci_low, ci_high,
  statistic, pvalue
- compact_letters: LETTERS_COLUMNS = level, letters
- compare_editions: COMPARE_COLUMNS = level, estimate_a, estimate_b,
  difference, se, ci_low, ci_high, statistic, pvalue, pvalue_adjusted
- GoodnessOfFit.table: GOF_TABLE_COLUMNS = level, observed, expected,
  expected_share
- Association.residuals: RESIDUALS_COLUMNS = level_a, level_b, observed,
  expected, adjusted_residual, pvalue, pvalue_adjusted
- RankAgreement.ranking: RANKING_COLUMNS = level, mean_rank, n_cited,
  rank_position
- CochranQ.pairwise: MCNEMAR_COLUMNS = level_a, level_b, n_both, n_a_only,
  n_b_only, n_neither, statistic, pvalue, exact, pvalue_adjusted
- Correspondence.eigenvalues: EIGENVALUES_COLUMNS = dimension, eigenvalue,
  inertia_share, cumulative_inertia_share
- Correspondence.rows: COORDINATES_COLUMNS = level, dimension, coordinate,
  contribution, cos2, mass
- leading_levels: LEADERS_COLUMNS = level, count, leader, leader_share,
  focus_share, focus_leads, tied
- plan_editions: PLANNING_COLUMNS = level, estimate, intraclass_correlation,
  projects_per_city, design_effect, difference, projects, cities
"""

from baro.stats.ca import COORDINATES_COLUMNS, EIGENVALUES_COLUMNS, Correspondence, correspondence
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
from baro.stats.planning import PLANNING_COLUMNS, cities_needed, plan_editions, projects_needed
from baro.stats.tests import (
    GOF_TABLE_COLUMNS,
    RESIDUALS_COLUMNS,
    Association,
    GoodnessOfFit,
    association,
    goodness_of_fit,
)
from baro.stats.results import CAVEAT_CODES, Caveat
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
    "CAVEAT_CODES",
    "COMPARE_COLUMNS",
    "CONTRAST_COLUMNS",
    "Design",
    "INTERVALS",
    "LONELY_PSU",
    "TOTALS_COLUMNS",
    "COORDINATES_COLUMNS",
    "EIGENVALUES_COLUMNS",
    "GOF_TABLE_COLUMNS",
    "LEADERS_COLUMNS",
    "LETTERS_COLUMNS",
    "MCNEMAR_COLUMNS",
    "PAIRWISE_COLUMNS",
    "PLANNING_COLUMNS",
    "RANKING_COLUMNS",
    "RESIDUALS_COLUMNS",
    "SHARES_COLUMNS",
    "Association",
    "Caveat",
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
    "contrast",
    "correspondence",
    "goodness_of_fit",
    "leading_levels",
    "pairwise_shares",
    "plan_editions",
    "projects_needed",
    "proportion_test",
    "rank_agreement",
    "shares",
    "totals",
]
