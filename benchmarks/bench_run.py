"""Benchmark of ``baro run``: a full forced run beside papermill's own command, then a cached rerun.

    python benchmarks/bench_run.py [-j N] [--rounds R]

1. full: ``baro run --all --force -j N`` into a temporary folder (every
   edition and the trends report: execute, HTML, PDF, manifest).
2. papermill: papermill's command line executing the same notebooks with
   the same parameters, N at a time (no export).
3. ratio full / papermill (goal: 1.1 or less). Steps 1 and 2 run one after
   the other, R rounds (default 5), every other round papermill first: on a
   shared machine the load changes from minute to minute, and the two runs
   of a round see about the same load. The ratio is the median of the
   rounds' ratios; each is printed.
4. cached: ``baro run --all`` again, nothing changed (goal: under 1 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def papermill_commands(years: list[int], folder: Path) -> list[list[str]]:
    """papermill's command line for each report that ``baro run --all`` writes."""
    from baro.paths import notebooks_dir

    base = [sys.executable, "-m", "papermill", "-k", "baro", "--no-progress-bar"]
    edition = str(notebooks_dir() / "edition_report.ipynb")
    commands = [[*base, edition, str(folder / f"{y}.ipynb"), "-p", "edition", str(y)] for y in years]
    trends = notebooks_dir() / "trends.ipynb"
    if trends.is_file():
        commands.append([*base, str(trends), str(folder / "trends.ipynb")])
    return commands


def papermill_run(commands: list[list[str]], jobs: int) -> float:
    from baro.paths import notebooks_dir

    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda c: timed(c, cwd=notebooks_dir()), commands))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from baro import editions

    years = editions.available()
    fulls: list[float] = []
    papers: list[float] = []
    baro = [sys.executable, "-m", "baro", "run", "--all", "-j", str(args.jobs)]
    with tempfile.TemporaryDirectory(prefix="baro-bench-") as tmp:
        folder = Path(tmp)
        commands = papermill_commands(years, folder)
        out = folder / "outputs"
        for i in range(args.rounds):
            if i % 2:
                papers.append(papermill_run(commands, args.jobs))
            seconds, log = timed([*baro, "--force", "--output", str(out)])
            fulls.append(seconds)
            if not i % 2:
                papers.append(papermill_run(commands, args.jobs))
            print(f"round {i + 1}: baro run {fulls[-1]:6.2f} s, papermill {papers[-1]:6.2f} s, "
                  f"ratio {fulls[-1] / papers[-1]:.2f}", flush=True)
        cached, cached_log = timed([*baro, "--output", str(out)])
    ratios = [f / p for f, p in zip(fulls, papers)]
    print(f"reports: {len(commands)}, {args.jobs} at a time, {os.cpu_count()} cores")
    print("stages of the last full run:")
    print("\n".join(f"  {line}" for line in log.splitlines() if line.startswith("[") and "..." not in line))
    print(f"baro run --all --force  median {statistics.median(fulls):6.2f} s  (best {min(fulls):.2f})")
    print(f"papermill command line  median {statistics.median(papers):6.2f} s  (best {min(papers):.2f})")
    print(f"ratio                   median {statistics.median(ratios):6.2f}    "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}; goal <= 1.1)")
    print(f"cached rerun            {cached:13.2f} s  (goal < 1 s)")
    if "to run (" in cached_log:
        print("  the cached rerun found changes:\n  " + cached_log)


if __name__ == "__main__":
    main()
