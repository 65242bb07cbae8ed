"""``baro run``: execute the report notebooks and export HTML and PDF reports.

Each edition runs ``notebooks/edition_report.ipynb`` into ``OUTPUT/YEAR/``;
``--all`` runs every edition, then ``notebooks/trends.ipynb`` into
``OUTPUT/trends/``. Reports whose cache key is unchanged are "up to date"
(:mod:`baro.run.plan`, which imports nothing heavy); the others run in a
``concurrent.futures`` pool of ``jobs`` worker processes, each report in a
fresh kernel of its own, and are written atomically (:mod:`baro.run.job`).

One run at a time writes an output folder: a run holds ``fcntl.flock`` on
``OUTPUT/.baro.lock``. A second run exits with status 2 naming the first
one's pid rather than waiting: a run that waits looks like a hang, and
what it would write is mostly what the first run is writing. Holding the
lock, a run removes any temporary folder it finds: one of its own, or of
a run whose lock is gone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from baro import text
from baro.errors import BaroError
from baro.run.plan import (Job, cache_key, code_hashes, edition_inputs, parse_assignments, resolve_parameters,
                           sha256_file, stale_reason)

__all__ = ["RunResult", "RunSummary", "check_inputs", "cli_run", "plan_jobs", "run_reports"]

LOCK_NAME = ".baro.lock"


@dataclass(frozen=True)
class RunResult:
    """What happened to one job: status is "ran", "up to date" or "failed"."""

    name: str
    status: str
    seconds: float = 0.0
    message: str = ""
    fault: str = ""  # the output folder cannot be written: the run stops


@dataclass(frozen=True)
class RunSummary:
    """Results of a ``baro run``, in job order."""

    results: tuple[RunResult, ...]
    output: Path

    def _names(self, status: str) -> list[str]:
        return [r.name for r in self.results if r.status == status]

    ran = property(lambda self: self._names("ran"))
    up_to_date = property(lambda self: self._names("up to date"))
    failed = property(lambda self: self._names("failed"))
    ok = property(lambda self: not self.failed)

    def render(self) -> str:
        """The summary printed at the end of ``baro run``.

        >>> s = RunSummary((RunResult("2014", "ran", 7.94), RunResult("2013", "up to date"),
        ...                 RunResult("trends", "failed", 1.0, "trends.ipynb, cell 3: ValueError: x")),
        ...                Path("out"))
        >>> print(s.render())
        summary: 1 ran, 1 up to date, 1 failed
          ran:        2014 (7.9 s)
          up to date: 2013
          failed:     trends
            trends.ipynb, cell 3: ValueError: x
        outputs: out
        """
        lines = [f"summary: {len(self.ran)} ran, {len(self.up_to_date)} up to date, {len(self.failed)} failed"]
        if self.ran:
            lines.append("  ran:        " + ", ".join(f"{r.name} ({r.seconds:.1f} s)"
                                                      for r in self.results if r.status == "ran"))
        if self.up_to_date:
            lines.append("  up to date: " + ", ".join(self.up_to_date))
        if self.failed:
            lines.append("  failed:     " + ", ".join(self.failed))
            lines += ["    " + line for r in self.results if r.status == "failed" for line in r.message.splitlines()]
        return "\n".join([*lines, f"outputs: {self.output}"])


def plan_jobs(
    editions: Sequence[int] = (),
    *,
    all: bool = False,
    data_dir: str | Path | None = None,
    output_dir: str | Path | None = None,
    parameters: Mapping[str, str] | Sequence[str] = (),
    notebooks: Mapping[str, str | Path] | None = None,
    editions_root: str | Path | None = None,
) -> list[Job]:
    """The jobs of a run, with their cache keys, in order (editions, then trends).

    ``all`` adds every edition, then the trends report; ``data_dir`` is a
    folder of tables for the one edition named; ``output_dir`` holds the
    OUTPUT/NAME/ folders (default ``outputs/``); ``notebooks`` is
    ``{"edition": path, "trends": path}`` to use other notebooks;
    ``editions_root`` the folder of editions (default ``data/editions``).
    Validates everything before anything runs: edition years, ``--data``,
    and ``parameters`` (``-p NAME=VALUE`` strings or a mapping) against the
    notebooks' parameters cells.

    Raises
    ------
    BaroError
        No edition given, an unknown edition (the message lists the
        available ones), ``data_dir`` with several editions or missing, a
        missing notebook, an unknown parameter or a value of the wrong type.
    """
    from baro import editions as editions_mod
    from baro.paths import data_dir as project_data_dir
    from baro.paths import notebooks_dir, outputs_dir

    available = editions_mod.available(editions_root)
    years = list(dict.fromkeys(int(y) for y in editions))
    if all:
        years = list(dict.fromkeys([*years, *available]))
    listed = ", ".join(map(str, available)) or "none"
    if not years:
        raise BaroError(f"no edition given: name one or more years, or --all (available: {listed})")
    unknown = [y for y in years if y not in available]
    if unknown:
        raise BaroError(f"unknown edition{'s' if len(unknown) > 1 else ''} {', '.join(map(str, unknown))} "
                        f"(available: {listed})")
    if data_dir is not None:
        if len(years) != 1 or all:
            raise BaroError("--data DIR reads the tables of one edition: name exactly one year, without --all")
        data_dir = Path(data_dir).resolve()
        if not data_dir.is_dir():
            raise BaroError(f"--data: no such folder: {data_dir}")

    paths = {kind: Path((notebooks or {}).get(kind) or notebooks_dir() / f"{name}.ipynb").resolve()
             for kind, name in (("edition", "edition_report"), ("trends", "trends")) if all or kind == "edition"}
    for path in paths.values():
        if not path.is_file():
            raise BaroError(f"notebook not found: {path}")
    given = parse_assignments(parameters) if not isinstance(parameters, Mapping) else dict(parameters)
    values = resolve_parameters({k: str(v) for k, v in given.items()}, paths)

    out = Path(output_dir).resolve() if output_dir else outputs_dir()
    taxonomy = project_data_dir() / "taxonomy.toml"
    code = code_hashes()
    notebook_hash = {kind: sha256_file(p) for kind, p in paths.items()}

    def job(name: str, kind: str, params: dict[str, Any], inputs: dict[str, str], **page: Any) -> Job:
        return Job(name=name, notebook=paths[kind], output=out / name, parameters=params, page=page, inputs=inputs,
                   code=code, notebook_hash=notebook_hash[kind], key=cache_key(notebook_hash[kind], params, inputs, code))

    jobs: list[Job] = []
    for year in years:
        edition = editions_mod.load(year, root=editions_root, data_dir=data_dir)
        params = {"edition": year, "data_dir": str(data_dir) if data_dir else "", **values["edition"]}
        language = params.get("language")
        jobs.append(job(str(year), "edition", params, edition_inputs(edition, taxonomy),
                        title=edition.title, subtitle=text.t("page.edition_subtitle", language, year=year),
                        edition=year, data_status="SIMULATED" if edition.simulated else "real",
                        data_note=text.edition_note(edition, language)))
    if all:
        params = {"editions": list(available), **values["trends"]}
        trend_years = [int(y) for y in params["editions"]]
        missing = [y for y in trend_years if y not in available]
        if missing:
            raise BaroError(f"-p editions: unknown editions {missing} (available: {', '.join(map(str, available))})")
        inputs, simulated = {}, []
        for y in trend_years:  # loading an edition reads its edition.toml only
            e = editions_mod.load(y, root=editions_root)
            inputs.update({f"{y}/{k}": v for k, v in edition_inputs(e, taxonomy).items()})
            simulated += [y] if e.simulated else []
        language = params.get("language")
        span = text.t("page.trends_span", language, first=min(trend_years), last=max(trend_years)) if trend_years else ""
        note = text.t("page.trends_note", language, years=", ".join(map(str, simulated))) if simulated else ""
        jobs.append(job("trends", "trends", params, inputs, title=text.t("page.trends_title", language, span=span),
                        subtitle=text.t("page.trends_subtitle", language), edition="trends",
                        data_status="SIMULATED" if simulated else "real", data_note=note))
    return jobs


def check_inputs(jobs: Sequence[Job], *, editions_root: str | Path | None = None) -> None:
    """Read and validate every table the jobs will read, each folder once, before any kernel starts.

    Every problem is raised at once (:func:`baro.clean.check_folders`):
    ``baro run`` exits with status 2 having run nothing. The clean tables
    are kept, and the notebooks read them back.
    """
    from baro.clean import check_folders
    from baro.paths import editions_dir

    root = Path(editions_root) if editions_root else editions_dir()
    check_folders([*((int(y), root / str(y)) for job in jobs for y in job.parameters.get("editions", [])),
                   *((int(job.parameters["edition"]), Path(job.parameters.get("data_dir") or root / job.name))
                     for job in jobs if "edition" in job.parameters)])


@contextlib.contextmanager
def locked_output(out: Path) -> Iterator[None]:
    """Hold the lock of the output folder ``out`` (made if missing, not its parents).

    Temporary folders in ``out`` are removed on entry (a dead run's) and on
    exit (of workers that were ended); on exit the lock file goes, and
    ``out`` too if this run made it and left it empty.

    Raises BaroError, in one line, when ``out`` is a file, its parent is
    missing, it cannot be written (read-only, full), or another run holds
    the lock (naming its pid).
    """
    if out.exists() and not out.is_dir():
        raise BaroError(f"--output {out} is a file, not a folder")
    if not out.parent.is_dir():
        raise BaroError(f"cannot write to {out}: the folder {out.parent} does not exist")
    path, fd, made = out / LOCK_NAME, None, not out.is_dir()

    def remove_temporaries() -> None:
        for p in [*out.glob(".*.tmp-*"), *out.glob(".*.old-*"), *out.glob("*/.failed.tmp-*")]:
            shutil.rmtree(p, ignore_errors=True)

    def release() -> None:
        remove_temporaries()
        with contextlib.suppress(OSError):
            path.unlink()
            if made:
                out.rmdir()
        os.close(fd)

    try:
        out.mkdir(exist_ok=True)
        while fd is None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.pread(fd, 20, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise BaroError(f"another baro run (pid {pid}) is writing {out}: "
                                "let it finish, or choose another --output") from None
            if not (path.exists() and os.stat(path).st_ino == os.fstat(fd).st_ino):
                os.close(fd)  # the run that held it removed it: lock the file in place now
                fd = None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError as exc:
        if fd is not None:
            release()
        raise BaroError(f"cannot write to {out}: {exc.strerror or exc}") from None
    try:
        remove_temporaries()
        yield
    finally:
        release()


def _execute(todo: Sequence[Job], workers: int, echo: Callable[[str], None]) -> dict[str, RunResult]:
    """Run ``todo`` in a pool of ``workers`` processes, printing their progress; on Ctrl-C end them."""
    import multiprocessing

    from baro.run.job import init_worker, run_job

    ctx = multiprocessing.get_context("spawn")  # a worker inherits no thread, lock or import of this process
    lines = ctx.SimpleQueue()  # a worker's put is written before its result: lines come in order
    results: dict[str, RunResult] = {}

    def drain() -> None:
        while not lines.empty():
            echo(lines.get())

    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker, initargs=(lines, os.getpid()))
    try:
        # The workers start during submit, with SIGINT ignored: Ctrl-C is this process's to handle.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pending = {pool.submit(run_job, job): job for job in todo}
        finally:
            signal.signal(signal.SIGINT, previous)
        while pending:
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            drain()
            for future in done:
                job = pending.pop(future)
                try:
                    r = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died (killed, out of memory)
                    r = {"status": "failed", "message": f"{job.name}: the worker process ended ({exc})"}
                if r.get("fault"):  # the folder cannot be written: start no other report
                    pending = {f: j for f, j in pending.items() if not f.cancel()}
                results[job.name] = RunResult(job.name, r["status"], r.get("seconds", 0.0), r.get("message", ""),
                                              r.get("fault", ""))
                echo(f"[{job.name}] {'done' if r['status'] == 'ran' else r['status']} {r.get('seconds', 0.0):.1f} s")
        pool.shutdown()
    except BaseException:  # Ctrl-C, or a broken pipe to the terminal: end every worker
        for worker in multiprocessing.active_children():  # the pool's workers, all started during submit
            worker.terminate()  # SIGTERM: it kills its kernel and writes nothing
        pool.shutdown(cancel_futures=True)
        raise
    finally:
        lines.close()
    return {job.name: results.get(job.name) or RunResult(job.name, "failed", message=f"{job.name}: not run")
            for job in todo}


def run_reports(
    editions: Sequence[int] = (),
    *,
    all: bool = False,
    data_dir: str | Path | None = None,
    output_dir: str | Path | None = None,
    force: bool = False,
    jobs: int | None = None,
    parameters: Mapping[str, str] | Sequence[str] = (),
    notebooks: Mapping[str, str | Path] | None = None,
    editions_root: str | Path | None = None,
    echo: Callable[[str], None] = print,
) -> RunSummary:
    """Run the reports of ``editions`` (and, with ``all``, every edition then trends).

    The jobs are those of :func:`plan_jobs` (same arguments); ``force``
    reruns reports that are up to date; ``jobs`` reports run at a time, at
    least 1 (default: the number of cores); ``echo`` receives progress lines.

    Returns a :class:`RunSummary`: per report "ran", "up to date" or
    "failed" (with a message naming the notebook, the cell and the error).

    Raises BaroError for bad options, parameters or tables (before any
    kernel starts), and for an output folder that is a file, cannot be
    written, or is being written by another run.
    """
    if jobs is not None and jobs < 1:
        raise BaroError(f"-j {jobs}: the number of parallel jobs is at least 1")
    planned = plan_jobs(editions, all=all, data_dir=data_dir, output_dir=output_dir,
                        parameters=parameters, notebooks=notebooks, editions_root=editions_root)
    out = planned[0].output.parent
    results: dict[str, RunResult] = {}
    with locked_output(out):
        todo = []
        for job in planned:
            reason = "forced" if force else stale_reason(job)
            if reason is None:
                results[job.name] = RunResult(job.name, "up to date")
            else:
                todo.append(job)
            echo(f"[{job.name}] " + (f"to run ({reason})" if reason else "up to date"))
        if todo:
            check_inputs(todo, editions_root=editions_root)
            results.update(_execute(todo, min(jobs or os.cpu_count() or 1, len(todo)), echo))
    faults = [r.fault for r in results.values() if r.fault]
    if faults:
        raise BaroError(faults[0])
    return RunSummary(tuple(results[j.name] for j in planned), out)


def cli_run(args: Any) -> int:
    """``baro run``: returns 0 when every report ran or was up to date, 1 otherwise."""
    t0 = time.perf_counter()
    summary = run_reports(args.editions, all=args.all, data_dir=args.data, output_dir=args.output,
                          force=args.force, jobs=args.jobs, parameters=args.parameter,
                          echo=lambda line: print(line, flush=True))
    print(summary.render())
    print(f"total {time.perf_counter() - t0:.1f} s, {dt.datetime.now().strftime('%H:%M:%S')}")
    return 0 if summary.ok else 1
