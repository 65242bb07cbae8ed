"""Time clustered shares and association from 10^3 to 10^6 rows.

Run with ``python benchmarks/bench_stats.py [--max-rows N] [--no-r]``.
The data have 11 domains crossed with citizens involved yes / no and 35
clusters per 1 000 rows (35 000 clusters at 10^6 rows). They are built as
:func:`baro.clean.load_tables` returns an edition's projects: ``domain`` a
categorical of the taxonomy's codes (those of 2014), ``citizens_involved``
bool, ``city_id`` strings. The same data with plain string columns (as read
from a CSV file, before cleaning) are timed for comparison. Each time is
the best of several runs; the growth columns give each time over the time
at ten times fewer rows (about 10 when time grows linearly). The column
"city_id s" is the part of it spent factorising the string ``city_id``
(``pd.factorize``: hashing, the one step whose cost per row grows with the
number of distinct clusters). When ``Rscript`` is on the PATH, R's
``svymean`` and ``svychisq`` are timed on the same data (written to a
temporary CSV) and the ratio R / baro is printed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from baro import stats
from baro.stats.design import factorize
from baro.taxonomy import load_taxonomy

EDITION = 2014
DOMAINS = load_taxonomy().codes("domain", EDITION)
#: Targets at 10^6 rows, loader's columns (seconds).
TARGETS = {"shares": 0.15, "association": 0.4}

R_CODE = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = TRUE)
des <- suppressWarnings(svydesign(ids = ~city_id, data = d))
best <- function(f, k = 3) min(replicate(k, system.time(f())[["elapsed"]]))
t_mean <- best(function() svymean(~domain, des))
t_chisq <- best(function() svychisq(~domain + citizens_involved, des, statistic = "F"))
cat(t_mean, t_chisq, "\n")
"""


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """Simulated projects as the loader returns them: city_id (str),
    domain (categorical of the taxonomy's codes), citizens_involved (bool)."""
    rng = np.random.default_rng(seed)
    g = max(8, round(n * 35 / 1000))
    w = np.array([18, 16, 12, 11, 10, 9, 8, 7, 5, 3, 1.0])
    city = rng.integers(0, g, n)
    dom = rng.choice(len(DOMAINS), n, p=w / w.sum())
    cit = rng.random(n) < 0.3 + 0.02 * (dom % 5)
    return pd.DataFrame(
        {
            "city_id": pd.Series(np.char.add("V", city.astype(str)), dtype="str"),
            "domain": pd.Categorical.from_codes(dom, categories=DOMAINS),
            "citizens_involved": cit,
        }
    )


def as_strings(d: pd.DataFrame) -> pd.DataFrame:
    """The same data with plain string columns (domain codes, yes / no)."""
    return d.assign(
        domain=d["domain"].astype("str"),
        citizens_involved=pd.Series(np.where(d["citizens_involved"], "yes", "no"), dtype="str"),
    )


def best_time(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def time_both(d: pd.DataFrame, repeat: int) -> tuple[float, float]:
    stats.shares(d, "domain", cluster="city_id")  # warm up
    t_sh = best_time(lambda: stats.shares(d, "domain", cluster="city_id"), repeat)
    t_as = best_time(
        lambda: stats.association(d, "domain", "citizens_involved", cluster="city_id"),
        repeat,
    )
    return t_sh, t_as


def time_r(csv: Path) -> tuple[float, float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_CODE)
        out = subprocess.run(
            [rscript, str(script), str(csv)], capture_output=True, text=True, check=False
        )
    if out.returncode != 0:
        print(f"R failed: {out.stderr.strip()[:300]}")
        return None
    t_mean, t_chisq = (float(x) for x in out.stdout.split())
    return t_mean, t_chisq


def _growth(t: float, prev: float | None) -> str:
    return f"{t / prev:7.1f}" if prev else f"{'':>7}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-rows", type=int, default=10**6)
    parser.add_argument("--no-r", action="store_true", help="do not time R")
    args = parser.parse_args(argv)
    sizes = [n for n in (10**3, 10**4, 10**5, 10**6) if n <= args.max_rows]
    print(f"clustered by city_id; domain: {len(DOMAINS)} codes of {EDITION}, citizens_involved: yes / no")
    print("loader: columns as load_tables returns them (domain categorical, citizens_involved bool, "
          "city_id str); strings: domain and citizens_involved plain str columns")
    head = f"{'shares s':>9} {'growth':>7} {'assoc s':>9} {'growth':>7}"
    city = f"{'city_id s':>9} {'growth':>7}"
    print(f"{'':>18} | {'loader':^53} | {'strings':^35}")
    print(f"{'rows':>9} {'clusters':>8} | {head} {city} | {head}")
    prev: dict[str, tuple[float, float] | None] = {"loader": None, "strings": None}
    last = None
    prev_city = None
    for n in sizes:
        d = make_data(n)
        repeat = 7 if n < 10**6 else 5
        cells = []
        t_city = best_time(lambda: factorize(d["city_id"], sort=False), repeat)
        for form, data in (("loader", d), ("strings", as_strings(d))):
            t_sh, t_as = time_both(data, repeat)
            p = prev[form]
            cells.append(
                f"{t_sh:9.4f} {_growth(t_sh, p and p[0])} {t_as:9.4f} {_growth(t_as, p and p[1])}"
            )
            prev[form] = (t_sh, t_as)
        cells[0] += f" {t_city:9.4f} {_growth(t_city, prev_city)}"
        prev_city = t_city
        print(f"{n:>9} {d['city_id'].nunique():>8} | {cells[0]} | {cells[1]}")
        last = d
    t_sh, t_as = prev["loader"] or (float("nan"), float("nan"))
    met = t_sh < TARGETS["shares"] and t_as < TARGETS["association"]
    print(f"targets at 10^6 rows, loader's columns: shares < {TARGETS['shares']} s, "
          f"association < {TARGETS['association']} s; growth ~10 per step"
          + (f" (at {sizes[-1]} rows: {'met' if met else 'NOT met'})" if sizes else ""))
    if args.no_r or last is None:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench.csv"
        as_strings(last).to_csv(csv, index=False)
        r = time_r(csv)
    if r is None:
        print("R was not found (Rscript not on the PATH): no comparison with svymean / svychisq")
        return 0
    t_mean, t_chisq = r
    print(f"R survey on {len(last)} rows: svymean {t_mean:.3f} s ({t_mean / t_sh:.1f}x baro's shares), "
          f"svychisq {t_chisq:.3f} s ({t_chisq / t_as:.1f}x baro's association)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
