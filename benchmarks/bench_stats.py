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

Then a full survey design at 10^6 rows: 50 strata, 35 000 clusters nested
in them, a weight per cluster (``Design(d, cluster=, strata=, weights=)``,
R's ``svydesign(ids = ~city_id, strata = ~stratum, weights = ~w)``).
baro's shares and association are timed on the built design (building it
is timed apart, as R's ``svydesign`` is left out of R's times), beside R's
``svymean`` and ``svychisq``; R's figures are compared with baro's.
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


R_DESIGN_CODE = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = TRUE)
des <- svydesign(ids = ~city_id, strata = ~stratum, weights = ~w, data = d)
best <- function(f, k = 2) min(replicate(k, system.time(f())[["elapsed"]]))
t_mean <- best(function() svymean(~domain, des))
t_chisq <- best(function() svychisq(~domain + citizens_involved, des, statistic = "F"))
m <- svymean(~domain, des)
ch <- svychisq(~domain + citizens_involved, des, statistic = "F")
cat(t_mean, t_chisq, "\n", file = args[2])
cat(sub("^domain", "", names(coef(m))), "\n", file = args[2], append = TRUE)
cat(format(coef(m), digits = 17), "\n", file = args[2], append = TRUE)
cat(format(SE(m), digits = 17), "\n", file = args[2], append = TRUE)
cat(format(c(ch$statistic, ch$parameter, ch$p.value), digits = 17), "\n",
    file = args[2], append = TRUE)
"""
N_STRATA = 50


def make_design_data(n: int = 10**6, seed: int = 2) -> pd.DataFrame:
    """Projects in 35 clusters per 1 000 rows, the clusters in 50 strata,
    each cluster with a weight (log-normal, 5 to 500 or so)."""
    d = make_data(n, seed)
    city = d["city_id"].str.slice(1).astype(np.int64).to_numpy()
    rng = np.random.default_rng(seed + 1)
    g = int(city.max()) + 1
    w_city = np.exp(rng.normal(3.5, 0.8, g))
    return d.assign(stratum=city % N_STRATA, w=w_city[city])


def bench_design(no_r: bool) -> None:
    d = make_design_data()
    print(f"\ndesign: {len(d)} rows, {d['stratum'].nunique()} strata, "
          f"{d['city_id'].nunique()} clusters, weights")
    t_build = best_time(lambda: stats.Design(d, cluster="city_id", strata="stratum", weights="w"), 3)
    des = stats.Design(d, cluster="city_id", strata="stratum", weights="w")
    t_sh = best_time(lambda: stats.shares(des, "domain"), 5)
    t_as = best_time(lambda: stats.association(des, "domain", "citizens_involved"), 5)
    print(f"baro: Design {t_build:.3f} s (once), shares {t_sh:.3f} s, association {t_as:.3f} s")
    if no_r or shutil.which("Rscript") is None:
        print("R not timed" + ("" if no_r else " (Rscript not on the PATH)"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv, res, script = Path(tmp) / "d.csv", Path(tmp) / "r.txt", Path(tmp) / "d.R"
        as_strings(d).to_csv(csv, index=False)
        script.write_text(R_DESIGN_CODE)
        out = subprocess.run(["Rscript", str(script), str(csv), str(res)],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"R failed: {out.stderr.strip()[:300]}")
            return
        lines = res.read_text().splitlines()
    t_mean, t_chisq = (float(x) for x in lines[0].split())
    levels = lines[1].split()
    mean = np.array(lines[2].split(), dtype=float)
    se = np.array(lines[3].split(), dtype=float)
    f_stat, ndf, ddf, pvalue = (float(x) for x in lines[4].split())
    s = stats.shares(des, "domain", levels=levels)
    a = stats.association(des, "domain", "citizens_involved")
    pairs = [*zip(s["estimate"], mean), *zip(s["se"], se), (a.statistic, f_stat),
             (a.dof[0], ndf), (a.dof[1], ddf), (a.pvalue, pvalue)]
    # a p-value below the smallest double is 0 in both
    diff = max(abs(x - y) / abs(y) if y != 0 else abs(x) for x, y in pairs)
    print(f"R survey: svymean {t_mean:.3f} s ({t_mean / t_sh:.1f}x baro's shares), "
          f"svychisq {t_chisq:.3f} s ({t_chisq / t_as:.1f}x baro's association); "
          f"goal 20x; largest relative difference of the figures {diff:.1e}")


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
    if sizes and sizes[-1] == 10**6:
        bench_design(args.no_r)
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
