"""Benchmark of ``baro run``: a full forced run against its floor, then a cached rerun.

    python benchmarks/bench_run.py [-j N] [--rounds R]

1. full: ``baro run --all --force -j N`` into a temporary folder (every
   edition and the trends report: execute, HTML, PDF).
2. floor: as many bare notebooks as there were reports, each a parameters
   cell and one cell that imports what a report's kernel imports (the
   report notebooks' import statements, and matplotlib.pyplot and seaborn,
   which baro.plots imports to draw), run by papermill in N processes. No
   report can be faster than this: it is the cost of starting kernels and
   importing the libraries.
3. ratio full / floor (target: 1.5 or less). Steps 1 and 2 run side by
   side, R rounds (default 5), every other round the floor first. On a
   shared machine the load changes from minute to minute: the two runs of
   a round see the same load, two rounds may not. The ratio is therefore
   the median of the rounds' ratios, each printed; the best full run
   against the best floor (two different moments) is printed too.
4. cached: ``baro run --all`` again, with nothing changed (target: well
   under a second).
5. start-up: ``import baro`` and ``baro --help`` against a bare
   interpreter, best of 10 each (target: under 0.3 s beyond it).

Without notebooks/trends.ipynb the editions alone are run and compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from baro.paths import notebooks_dir  # noqa: E402
from baro.run.worker import kernel_imports  # noqa: E402  (what a report's kernel imports)


def bare_notebook(imports: list[str], path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell("seed: int = 12345  # unused", metadata={"tags": ["parameters"]}),
            new_code_cell("\n".join(imports)),
        ],
        metadata={"kernelspec": {"name": "baro", "display_name": "Python (baro)", "language": "python"}},
    )
    nbformat.write(nb, str(path))


def _quiet() -> None:
    """A floor process's kernels log to its stderr (ipykernel's start-up warnings): not to the terminal."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)


def _execute(args: tuple[str, str]) -> float:
    import papermill

    t0 = time.perf_counter()
    papermill.execute_notebook(args[0], args[1], kernel_name="baro", progress_bar=False, log_output=False)
    return time.perf_counter() - t0


def floor(count: int, jobs: int, imports: list[str], folder: Path, tries: int = 3) -> float:
    """Seconds papermill takes to run ``count`` bare notebooks in ``jobs`` processes.

    Kernels launched side by side by separate processes now and then never
    answer (papermill's own issue 776: "Kernel didn't respond in 60
    seconds"); such a floor is measured again, and says so, up to ``tries``
    times in all.
    """
    source = folder / "bare.ipynb"
    bare_notebook(imports, source)
    for _ in range(tries):
        t0 = time.perf_counter()
        try:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_quiet) as pool:
                list(pool.map(_execute, [(str(source), str(folder / f"bare-{i}.ipynb")) for i in range(count)]))
            return time.perf_counter() - t0
        except RuntimeError as exc:
            print(f"floor failed ({exc}); measured again", flush=True)
    sys.exit(f"the floor failed {tries} times")


def baro_run(args: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "baro", "run", *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"baro run {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def startup(repeat: int = 10) -> dict[str, float]:
    """Best seconds of a bare interpreter, ``import baro`` and ``baro --help``, each in a fresh process."""
    commands = {
        "bare interpreter": [sys.executable, "-c", "pass"],
        "import baro": [sys.executable, "-c", "import baro"],
        "baro --help": [sys.executable, "-m", "baro", "--help"],
    }
    best = {}
    for name, command in commands.items():
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
            times.append(time.perf_counter() - t0)
        best[name] = min(times)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of a full run and a floor measured side by side; the ratio is the "
                             "median of the rounds' ratios (the machine is shared: a round's two runs "
                             "see the same load, two rounds may not)")
    args = parser.parse_args()

    from baro import editions

    years = [str(y) for y in editions.available()]
    notebooks = [notebooks_dir() / "edition_report.ipynb"]
    target = ["--all"]
    if (notebooks_dir() / "trends.ipynb").is_file():
        notebooks.append(notebooks_dir() / "trends.ipynb")
    else:
        target = years
        print("notebooks/trends.ipynb is missing: the editions alone are compared")
    count = len(years) + (len(notebooks) - 1)
    imports = kernel_imports(notebooks).splitlines()

    fulls: list[float] = []
    bares: list[float] = []
    with tempfile.TemporaryDirectory(prefix="baro-bench-") as tmp:
        folder = Path(tmp)
        for i in range(args.rounds):  # full and floor side by side, round after round
            out = folder / f"outputs-{i}"
            if i % 2:  # every other round the floor goes first: neither gains from its place
                bares.append(floor(count, args.jobs, imports, folder))
            seconds, round_log = baro_run([*target, "--force", "-j", str(args.jobs), "--output", str(out)])
            if not fulls or seconds < min(fulls):
                log = round_log
            fulls.append(seconds)
            if not i % 2:
                bares.append(floor(count, args.jobs, imports, folder))
            print(f"round {i + 1}: full {fulls[-1]:6.2f} s, floor {bares[-1]:6.2f} s, "
                  f"ratio {fulls[-1] / bares[-1]:.2f}", flush=True)
        cached, cached_log = baro_run([*target, "-j", str(args.jobs), "--output", str(out)])
    stages = [line for line in log.splitlines() if line.startswith("[") and not line.endswith("...")]
    full, bare = min(fulls), min(bares)

    print(f"reports: {count} ({', '.join(target)}), {args.jobs} parallel jobs, {os.cpu_count()} cores")
    print("stages of the fastest full run:")
    for line in stages:
        print(f"  {line}")
    print(f"floor imports: {'; '.join(imports)}")
    print(f"full forced run  {full:7.2f} s  (best of {args.rounds}; median {statistics.median(fulls):.2f})")
    print(f"floor            {bare:7.2f} s  (best of {args.rounds}; median {statistics.median(bares):.2f}; "
          f"{count} bare notebooks, papermill, {args.jobs} processes)")
    ratios = [f / b for f, b in zip(fulls, bares)]
    print(f"ratio            {statistics.median(ratios):7.2f}    (median of the rounds' ratios; target <= 1.5)")
    print(f"ratio per round  {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"best against best {full / bare:6.2f}")
    print(f"cached rerun     {cached:7.2f} s  (target < 1 s)")
    start = startup()
    bare_start = start.pop("bare interpreter")
    print(f"start-up         {', '.join(f'{k} {v:.2f} s' for k, v in start.items())}; bare interpreter "
          f"{bare_start:.2f} s (target: under 0.3 s beyond it)")
    reran = [line for line in cached_log.splitlines() if "to run (" in line]
    if reran:  # files changed between the two runs (someone edited baro or the data)
        print("  the cached rerun found changes:\n  " + "\n  ".join(reran))
    execute = [float(line.split()[-2]) for line in stages if "] execute " in line]
    export = [float(line.split()[-2]) for line in stages if "] html " in line or "] pdf " in line]
    print(f"process-seconds: execute {sum(execute):.1f}, html+pdf {sum(export):.1f}; "
          f"floor {bare * args.jobs:.1f} at most")
    # The libraries are imported once per run (by the fork server, whose
    # kernels the workers use; not counted in the stages); a worker runs a
    # report's notebook while it exports the previous ones: stages overlap,
    # and their seconds include waiting for a core. The floor pays a kernel
    # and the imports per report.
    print(f"ratio bound if html+pdf cost nothing: {sum(execute) / args.jobs / bare:.2f} "
          "(kernel start and imports not counted: once per run)")


if __name__ == "__main__":
    main()
