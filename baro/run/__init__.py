"""``baro run``: execute the report notebooks and export HTML and PDF reports.

Each edition runs ``notebooks/edition_report.ipynb`` into ``OUTPUT/YEAR/``;
``--all`` runs every edition then ``notebooks/trends.ipynb`` into
``OUTPUT/trends/``. A run writes the executed notebook, ``report.html``,
``report.pdf``, ``figures/``, ``tables/`` and ``manifest.json``, atomically.
Jobs whose cache key is unchanged are skipped ("up to date"); the others
run in ``jobs`` worker processes (:mod:`baro.run.worker`).

Deciding what is up to date imports nothing heavy (see
:mod:`baro.run.plan`); the workers import papermill, mistune and
WeasyPrint, and one fork server imports what the kernels import, once
(:mod:`baro.run.forkserver`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from baro import text
from baro.errors import BaroError
from baro.run.plan import (
    Job,
    cache_key,
    code_hashes,
    edition_inputs,
    stale_reason,
    parse_assignments,
    resolve_parameters,
    sha256_file,
)

__all__ = ["RunResult", "RunSummary", "cli_run", "plan_jobs", "run_reports"]

EDITION_NOTEBOOK = "edition_report.ipynb"
TRENDS_NOTEBOOK = "trends.ipynb"


@dataclass(frozen=True)
class RunResult:
    """What happened to one job: status is "ran", "up to date" or "failed"."""

    name: str
    status: str
    seconds: float = 0.0
    message: str = ""
    output: Path | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSummary:
    """Results of a ``baro run``, in job order."""

    results: tuple[RunResult, ...]
    output: Path

    def _names(self, status: str) -> list[str]:
        return [r.name for r in self.results if r.status == status]

    @property
    def ran(self) -> list[str]:
        return self._names("ran")

    @property
    def up_to_date(self) -> list[str]:
        return self._names("up to date")

    @property
    def failed(self) -> list[str]:
        return self._names("failed")

    @property
    def ok(self) -> bool:
        return not self.failed

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
        ran = [f"{r.name} ({r.seconds:.1f} s)" for r in self.results if r.status == "ran"]
        if ran:
            lines.append("  ran:        " + ", ".join(ran))
        if self.up_to_date:
            lines.append("  up to date: " + ", ".join(self.up_to_date))
        if self.failed:
            lines.append("  failed:     " + ", ".join(self.failed))
            for r in self.results:
                if r.status == "failed":
                    lines.extend("    " + line for line in r.message.splitlines())
        lines.append(f"outputs: {self.output}")
        return "\n".join(lines)


def _notebook(notebooks: Mapping[str, str | Path] | None, kind: str) -> Path:
    from baro.paths import notebooks_dir

    if notebooks and kind in notebooks:
        return Path(notebooks[kind]).resolve()
    return notebooks_dir() / (EDITION_NOTEBOOK if kind == "edition" else TRENDS_NOTEBOOK)


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
    from baro.paths import outputs_dir

    available = editions_mod.available(editions_root)
    years = list(dict.fromkeys(int(y) for y in editions))
    if all:
        years = list(dict.fromkeys([*years, *available]))
    if not years:
        listed = ", ".join(map(str, available)) or "none"
        raise BaroError(f"no edition given: name one or more years, or --all (available: {listed})")
    unknown = [y for y in years if y not in available]
    if unknown:
        listed = ", ".join(map(str, available)) or "none"
        raise BaroError(
            f"unknown edition{'s' if len(unknown) > 1 else ''} {', '.join(map(str, unknown))} (available: {listed})"
        )
    if data_dir is not None:
        if len(years) != 1 or all:
            raise BaroError("--data DIR reads the tables of one edition: name exactly one year, without --all")
        data_dir = Path(data_dir).resolve()
        if not data_dir.is_dir():
            raise BaroError(f"--data: no such folder: {data_dir}")

    paths = {"edition": _notebook(notebooks, "edition")}
    if all:
        paths["trends"] = _notebook(notebooks, "trends")
    for path in paths.values():
        if not path.is_file():
            raise BaroError(f"notebook not found: {path}")
    given = parse_assignments(parameters) if not isinstance(parameters, Mapping) else dict(parameters)
    values = resolve_parameters({k: str(v) for k, v in given.items()}, paths)

    out = Path(output_dir).resolve() if output_dir else outputs_dir()
    taxonomy = project_data_dir() / "taxonomy.toml"
    code = code_hashes()
    notebook_hash = {kind: sha256_file(p) for kind, p in paths.items()}
    jobs: list[Job] = []
    loaded = {}
    for year in years:
        edition = editions_mod.load(year, root=editions_root, data_dir=data_dir)
        loaded[year] = edition
        meta = edition.meta.get("edition", {})
        params = {"edition": year, "data_dir": str(data_dir) if data_dir else "", **values["edition"]}
        inputs = edition_inputs(edition.data_path, edition.path, taxonomy)
        jobs.append(Job(
            name=str(year),
            notebook=paths["edition"],
            output=out / str(year),
            parameters=params,
            title=edition.title,
            subtitle=text.t("page.edition_subtitle", params.get("language"), year=year),
            edition=year,
            data_status="SIMULATED" if edition.simulated else "real",
            data_note=text.edition_note(edition, params.get("language")),
            inputs=inputs,
            code=code,
            notebook_hash=notebook_hash["edition"],
            key=cache_key(notebook_hash["edition"], params, inputs, code),
        ))
    if all:
        params = {"editions": list(available), **values["trends"]}
        trend_years = [int(y) for y in params["editions"]]
        missing = [y for y in trend_years if y not in available]
        if missing:
            raise BaroError(f"-p editions: unknown editions {missing} (available: {', '.join(map(str, available))})")
        inputs = {}
        for y in trend_years:
            e = loaded.get(y) or editions_mod.load(y, root=editions_root)
            loaded[y] = e
            inputs.update({f"{y}/{k}": v for k, v in edition_inputs(e.data_path, e.path, taxonomy).items()})
        simulated = [y for y in trend_years if loaded[y].simulated]
        language = params.get("language")
        span = text.t("page.trends_span", language, first=min(trend_years), last=max(trend_years)) if trend_years else ""
        note = text.t("page.trends_note", language, years=", ".join(map(str, simulated))) if simulated else ""
        jobs.append(Job(
            name="trends",
            notebook=paths["trends"],
            output=out / "trends",
            parameters=params,
            title=text.t("page.trends_title", language, span=span),
            subtitle=text.t("page.trends_subtitle", language),
            edition="trends",
            data_status="SIMULATED" if simulated else "real",
            data_note=note,
            inputs=inputs,
            code=code,
            notebook_hash=notebook_hash["trends"],
            key=cache_key(notebook_hash["trends"], params, inputs, code),
        ))
    return jobs


class _Progress:
    """Prints progress lines from several worker threads, one line at a time."""

    def __init__(self, echo: Callable[[str], None]):
        self.echo = echo
        self.lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self.lock:
            self.echo(line)


def _event_line(event: Mapping[str, Any]) -> str | None:
    if event.get("event") != "stage":
        return None
    name, stage = event["job"], event["stage"]
    if event["status"] == "start":
        return f"[{name}] {stage} ..." if stage == "execute" else None
    return f"[{name}] {stage} {event['seconds']:.1f} s"


class _Worker:
    """One worker process, as the dispatcher sees it."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.executing: Job | None = None
        self.released = False  # told to shut its kernel down (nothing left to execute)
        self.exporting: list[Job] = []  # at most export_slots
        self.export_slots = 1  # until the worker tells (see baro.run.worker.main)
        self.alive = True
        self.kernels: set[int] = set()  # pids of the kernels it started

    def send(self, message: dict[str, Any]) -> bool:
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False


class _Pool:
    """Worker processes, each in its own session, given messages through stdin.

    Each worker runs notebooks in its kernel, in job order, and exports
    reports (HTML, PDF) while its kernel runs the next one, one or two at a
    time (its export slots: itself, and its export helper where it has
    one). An executed report goes to a free slot of the worker that exports
    least, not necessarily the one that ran it: the last reports do not
    queue behind other exports while a core has nothing left to do. One
    dispatcher, the caller's thread, decides; a thread per worker reads its
    events.
    """

    def __init__(self, size: int, progress: _Progress):
        self.size = size
        self.progress = progress
        self.workers: list[_Worker] = []
        self.results: dict[str, RunResult] = {}
        self.events: "queue.Queue[tuple[_Worker, dict[str, Any] | None]]" = queue.Queue()
        self.lock = threading.Lock()
        self.notebooks: list[str] = []
        self.env: dict[str, str] | None = None  # the workers' (None: this process's)
        self.forkserver: subprocess.Popen | None = None
        self.fork_dir: str | None = None

    def _start_forkserver(self) -> None:
        """Start the kernels' fork server (:mod:`baro.run.forkserver`), where it can work.

        It imports what the notebooks import while the workers import the
        exporters; each worker's kernel is then forked from it.
        """
        import socket
        import tempfile

        from baro.run import forkserver
        from baro.run.worker import KERNEL_ENV

        argv = forkserver.kernel_argv() if forkserver.enabled() else None
        prefix = forkserver.interpreter(argv) if argv else None
        if not prefix:
            return
        folder = tempfile.mkdtemp(prefix="baro-fork-")
        path = os.path.join(folder, "socket")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            listener.bind(path)
            listener.listen(16)
            self.forkserver = subprocess.Popen(
                [*prefix, "-m", "baro.run.forkserver", str(listener.fileno()), *self.notebooks],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(listener.fileno(),), start_new_session=True,
                env={**os.environ, **KERNEL_ENV},  # a kernel's hash seed is set when its interpreter starts
            )
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            return
        finally:
            listener.close()  # the server's copy only: if it ends, a worker's request fails at once
        self.fork_dir = folder
        self.env = {**os.environ, forkserver.SOCKET_ENV: path}

    def _stop_forkserver(self, grace: float = 5.0, now: bool = False) -> None:
        """End the fork server (it kills any kernel it forked that still runs).

        ``now``: at once (SIGTERM), even while it imports; otherwise when it
        has answered every request (its stdin closes).
        """
        proc, self.forkserver = self.forkserver, None
        if proc is not None:
            if now and proc.poll() is None:
                proc.terminate()
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.fork_dir:
            shutil.rmtree(self.fork_dir, ignore_errors=True)
            self.fork_dir = None

    def _spawn(self) -> _Worker:
        proc = subprocess.Popen(
            [sys.executable, "-m", "baro.run.worker", *self.notebooks],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
            start_new_session=True,  # Ctrl-C reaches it only through this process
            env=self.env,
        )
        worker = _Worker(proc)
        with self.lock:
            self.workers.append(worker)
        threading.Thread(target=self._read, args=(worker,), daemon=True).start()
        return worker

    def _read(self, worker: _Worker) -> None:
        for line in worker.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "kernel":
                with self.lock:
                    worker.kernels.add(int(event["pid"]))
            self.events.put((worker, event))
        self.events.put((worker, None))  # the worker ended

    def start(self, jobs: Sequence[Job]) -> None:
        """Start the workers ``jobs`` will need, before the jobs are sent.

        A worker boots its kernel, which imports what the jobs' notebooks
        import, and imports the exporters, while this process checks the
        input tables. If the check fails, :meth:`stop` ends them.
        """
        self.notebooks = sorted({str(job.notebook) for job in jobs})
        workers = max(1, min(self.size, len(jobs)))
        if workers > 1 and os.environ.get("BARO_KERNEL_REUSE", "1") != "0":
            self._start_forkserver()  # one kernel would gain nothing from it
        for _ in range(workers):
            self._spawn()

    def _record(self, result: RunResult) -> None:
        with self.lock:
            self.results[result.name] = result

    def run(self, jobs: Sequence[Job]) -> dict[str, RunResult]:
        if not self.workers:
            self.start(jobs)
        todo = list(jobs)
        exports: list[tuple[Job, dict[str, Any]]] = []  # executed, waiting for a worker
        by_name = {job.name: job for job in jobs}

        def dispatch() -> None:
            alive = [w for w in self.workers if w.alive]
            if (todo or exports) and not alive:
                alive.append(self._spawn())  # every worker died: another one
            for w in alive:
                if w.executing is None and todo:
                    job = todo.pop(0)
                    w.executing = job
                    if not w.send({"op": "execute", "job": job.to_json()}):
                        w.executing = None
                        self._record(RunResult(job.name, "failed", message=f"{job.name}: the worker process ended"))
                elif w.executing is None and not todo and not w.released:
                    w.released = w.send({"op": "release"})  # its kernel goes while reports export
            while exports:
                # the worker exporting least (one process per export: spread over the cores)
                free = [w for w in alive if len(w.exporting) < w.export_slots]
                if not free:
                    break
                w = min(free, key=lambda w: len(w.exporting))
                job, payload = exports.pop(0)
                w.exporting.append(job)
                if not w.send({"op": "export", "export": payload}):
                    w.exporting.remove(job)
                    shutil.rmtree(payload["tmp"], ignore_errors=True)
                    self._record(RunResult(job.name, "failed", message=f"{job.name}: the worker process ended"))

        def finish(w: _Worker, event: dict[str, Any]) -> None:
            job = by_name.get(event["name"])
            if job is None:
                return
            if w.executing is job:
                w.executing = None
            if job in w.exporting:
                w.exporting.remove(job)
            self._record(RunResult(
                event["name"], event["status"], event.get("seconds", 0.0), event.get("message", ""),
                job.output, event.get("timings", {}),
            ))

        dispatch()
        while len(self.results) < len(jobs):
            try:
                w, event = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if event is None:  # the worker ended: what it held failed
                w.alive = False
                status = w.proc.wait()
                if status != 0:  # killed: its kernel and its export helper may still run
                    from baro.run.forkserver import kill_groups

                    kill_groups(list(w.kernels), pause=0.1)
                    try:
                        os.killpg(w.proc.pid, signal.SIGKILL)  # the helper is in the worker's group
                    except (ProcessLookupError, PermissionError):
                        pass
                for job in (w.executing, *w.exporting):
                    if job is not None and job.name not in self.results:
                        self._record(RunResult(
                            job.name, "failed", message=f"{job.name}: the worker process ended (status {status})"))
                w.executing = None
                w.exporting = []
            elif event.get("event") == "executed":
                job = by_name[event["name"]]
                w.executing = None
                exports.append((job, event["export"]))
            elif event.get("event") == "done":
                finish(w, event)
            elif event.get("event") == "slots":
                w.export_slots = max(1, int(event.get("export", 1)))
            else:
                text = _event_line(event)
                if text:
                    self.progress(text)
            dispatch()
        for w in self.workers:
            if w.alive and w.proc.stdin:
                try:
                    w.proc.stdin.close()
                except OSError:
                    pass
        for w in self.workers:
            w.proc.wait()
        self._stop_forkserver()
        return self.results

    def stop(self, grace: float = 10.0) -> None:
        """Interrupt every worker (they kill their kernels), then make sure all are gone."""
        with self.lock:
            procs = [w.proc for w in self.workers]
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        time.sleep(0.05)  # let the readers see the last events (kernel pids)
        # imported here, not at the top: the fork server runs as ``python -m
        # baro.run.forkserver``, which must not find the module already imported
        from baro.run.forkserver import kill_groups

        with self.lock:
            kernels = [pid for w in self.workers for pid in w.kernels]
        kill_groups(kernels, pause=0.3)
        self._stop_forkserver(now=True)


def _remove_temporaries(jobs: Sequence[Job]) -> None:
    for job in jobs:
        for pattern in (f".{job.name}.tmp-*", f".{job.name}.old-*"):
            for p in job.output.parent.glob(pattern):
                shutil.rmtree(p, ignore_errors=True)
        if job.output.is_dir():
            for p in job.output.glob(".failed.tmp-*"):
                shutil.rmtree(p, ignore_errors=True)


def check_inputs(jobs: Sequence[Job], *, editions_root: str | Path | None = None) -> None:
    """Read and validate every table the jobs will read, before any kernel starts.

    Bad input is the user's to fix, not a report failure: every problem of
    every table (file, row, column, value) is raised at once as an
    :class:`~baro.errors.InputError`, so ``baro run`` exits with status 2
    having written nothing. Each folder is read once.
    """
    from baro.clean import load_tables
    from baro.errors import InputError
    from baro.paths import editions_dir

    root = Path(editions_root) if editions_root else editions_dir()
    seen: set[tuple[int, Path]] = set()
    problems = []
    for job in jobs:
        if "editions" in job.parameters:
            sources = [(int(year), None) for year in job.parameters["editions"]]
        else:
            sources = [(int(job.parameters["edition"]), job.parameters.get("data_dir") or None)]
        for year, folder in sources:
            path = Path(folder) if folder else root / str(year)
            if (year, path) in seen:
                continue
            seen.add((year, path))
            try:
                load_tables(path, edition=year)
            except InputError as exc:
                problems.extend(exc.problems)
    if problems:
        raise InputError(problems)


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

    Parameters
    ----------
    editions : years to run.
    all : every available edition, then the trends report.
    data_dir : read the (single) edition's tables from this folder.
    output_dir : where OUTPUT/NAME/ folders go (default ``outputs/``).
    force : rerun jobs that are up to date.
    jobs : worker processes (default: the number of cores).
    parameters : ``NAME=VALUE`` strings (or a mapping) for the notebooks.
    notebooks : ``{"edition": path, "trends": path}`` to use other notebooks.
    editions_root : folder of editions (default ``data/editions``).
    echo : receives progress lines.

    Returns
    -------
    RunSummary
        Per job: "ran", "up to date" or "failed" (with a message naming
        the notebook, the cell and the error).
    """
    planned = plan_jobs(
        editions, all=all, data_dir=data_dir, output_dir=output_dir,
        parameters=parameters, notebooks=notebooks, editions_root=editions_root,
    )
    out = planned[0].output.parent
    results: dict[str, RunResult] = {}
    todo = []
    for job in planned:
        reason = "forced" if force else stale_reason(job)
        if reason is None:
            results[job.name] = RunResult(job.name, "up to date", output=job.output)
            echo(f"[{job.name}] up to date")
        else:
            echo(f"[{job.name}] to run ({reason})")
            todo.append(job)
    if todo:
        pool = _Pool(jobs or os.cpu_count() or 1, _Progress(echo))
        pool.start(todo)  # the workers boot while the tables are checked
        try:
            check_inputs(todo, editions_root=editions_root)
        except BaseException:  # bad input (or Ctrl-C): nothing was written
            pool.stop()
            raise
        out.mkdir(parents=True, exist_ok=True)
        try:
            results.update(pool.run(todo))
        except BaseException:  # Ctrl-C, or a broken pipe to the terminal: leave nothing behind
            pool.stop()
            _remove_temporaries(todo)
            raise
        # every worker has ended: a temporary folder left now is a worker's
        # that died (its job is reported failed)
        _remove_temporaries(todo)
        for job in todo:
            results.setdefault(job.name, RunResult(job.name, "failed", message=f"{job.name}: not run"))
            r = results[job.name]
            echo(f"[{job.name}] {'done' if r.status == 'ran' else r.status} {r.seconds:.1f} s")
    return RunSummary(tuple(results[j.name] for j in planned), out)


def cli_run(args: Any) -> int:
    """``baro run``: returns 0 when every report ran or was up to date, 1 otherwise."""
    t0 = time.perf_counter()
    summary = run_reports(
        args.editions,
        all=args.all,
        data_dir=args.data,
        output_dir=args.output,
        force=args.force,
        jobs=args.jobs,
        parameters=args.parameter,
        echo=lambda line: print(line, flush=True),
    )
    print(summary.render())
    print(f"total {time.perf_counter() - t0:.1f} s, {dt.datetime.now().strftime('%H:%M:%S')}")
    return 0 if summary.ok else 1
