"""One report, in a worker process of ``baro run``: execute in a fresh kernel, export, swap in
(:func:`run_job`); the worker ends, killing its kernel and writing nothing, when ``baro run``
ends it or dies (:func:`init_worker`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import shutil
import secrets
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from baro.provenance import git_commit, versions
from baro.run.plan import Job

#: Environment of the kernels, so that what they write is reproducible.
KERNEL_ENV = {
    "SOURCE_DATE_EPOCH": "0",  # matplotlib: no creation date in SVG and PDF files
    "PYTHONHASHSEED": "0",
}

#: Errors of a folder that cannot be written (the run stops, in one line).
WRITE_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM}

_LINES: Any = None  # queue of progress lines to baro run (set by init_worker)


def _say(line: str) -> None:
    if _LINES is not None:
        _LINES.put(line)


def _end(signum: int, frame: Any) -> None:
    """Ended by baro run (Ctrl-C) or by its death: kill the kernel, write nothing, go.

    A kernel is a session of its own (jupyter_client starts it so): its
    whole process group goes. ``baro run`` removes the temporary folder.
    """
    import psutil

    for pid in (child.pid for child in psutil.Process().children()):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    os._exit(128 + signum)


def init_worker(lines: Any, parent: int) -> None:
    """Initialise a worker process of ``baro run`` (pid ``parent``), its progress lines going to ``lines``.

    SIGTERM ends it at once (:func:`_end`). On Linux the kernel sends it
    SIGTERM when ``parent`` dies (``PR_SET_PDEATHSIG``), so a killed
    ``baro run`` leaves no worker writing. SIGINT is ignored (inherited
    from ``baro run``, which handles Ctrl-C for all).
    """
    global _LINES
    _LINES = lines
    signal.signal(signal.SIGTERM, _end)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # died before the line above
        os._exit(1)
    os.environ.update(KERNEL_ENV)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def failed_cell(job: Job, nb: Any, index: int | None = None) -> str:
    """``"NOTEBOOK, cell N (`first line`)"``: the cell ``index`` of the executed
    ``nb``, or the last cell that started (the one running when the kernel
    died). Cells count as in the notebook file (papermill's injected
    parameters cell is left out)."""
    cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    if index is None:
        started = [i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("start_time")]
        if not started:
            return job.notebook.name
        index = started[-1]
    source = cells[index].source if index < len(cells) else ""
    injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.metadata.get("tags", [])]
    number = index - 1 if injected and index > injected[0] else index
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return f"{job.notebook.name}, cell {number} (`{first}`)"


def swap_in(tmp: Path, target: Path) -> None:
    """Replace ``target`` with ``tmp`` by renames; SIGTERM waits until both are done."""
    old = target.parent / f".{target.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        if target.exists():
            target.rename(old)
        tmp.rename(target)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    shutil.rmtree(old, ignore_errors=True)


def _mkdtemp(prefix: str, folder: Path) -> Path:
    """A new temporary folder with the permissions of an ordinary one (tempfile.mkdtemp makes it 0700)."""
    path = folder / f"{prefix}{secrets.token_hex(4)}"
    path.mkdir()
    return path


def keep_failed(job: Job, tmp: Path, message: str, log: Any = None) -> str:
    """Write ``OUTPUT/NAME/failed/`` afresh (executed notebook, error.txt, the
    kernel's own messages in kernel.log); say where."""
    try:
        job.output.mkdir(exist_ok=True)
        staging = _mkdtemp(".failed.tmp-", job.output)
        executed = tmp / job.executed_name
        if executed.is_file():
            shutil.copy2(executed, staging / job.executed_name)
        (staging / "error.txt").write_text(message + "\n", encoding="utf-8")
        if log is not None:
            log.seek(0)
            (staging / "kernel.log").write_bytes(log.read())
        swap_in(staging, job.output / "failed")
    except OSError as exc:
        return f"{message}\n  (failed/ not written: {exc})"
    return f"{message}\n  executed notebook kept in {job.output / 'failed'}"


def run_job(job: Job) -> dict[str, Any]:
    """Execute, export and swap in one job; return its summary.

    The notebook runs with ``papermill.execute_notebook`` in a fresh kernel,
    into a temporary folder ``OUTPUT/.NAME.tmp-XXXX`` beside the target;
    ``report.html``, ``report.pdf`` and ``manifest.json`` are written there,
    then the folder is renamed into place. A failure leaves the previous
    report untouched and writes ``OUTPUT/NAME/failed/`` afresh, naming the
    cell that failed (or was running when the kernel died).

    The summary has ``status`` ("ran" or "failed"), ``seconds`` and
    ``message``; ``fault`` names an output folder that cannot be written
    (read-only, full), which stops the run. Progress lines ("[2014] execute
    ...", "[2014] html 0.4 s") go to ``baro run``.
    """
    import nbformat
    import papermill

    from baro.paths import project_root
    from baro.page import export_html, export_pdf

    started, start = time.time(), _now()
    timings: dict[str, float] = {}

    def summary(status: str, message: str = "", **extra: Any) -> dict[str, Any]:
        return {"status": status, "seconds": time.time() - started, "message": message, **extra}

    def stage(name: str, fn: Any) -> Any:
        if name == "execute":
            _say(f"[{job.name}] execute ...")
        t0 = time.perf_counter()
        result = fn()
        timings[name] = time.perf_counter() - t0
        _say(f"[{job.name}] {name} {timings[name]:.1f} s")
        return result

    tmp, shown = None, {**job.parameters, "output_dir": str(job.output)}  # the parameters a reader sees
    log = tempfile.TemporaryFile()
    try:
        tmp = _mkdtemp(f".{job.name}.tmp-", job.output.parent)
        executed = tmp / job.executed_name
        stderr = os.dup(2)
        os.dup2(log.fileno(), 2)  # the kernel's own messages (not the notebook's) go to the log
        try:
            nb = stage("execute", lambda: papermill.execute_notebook(
                str(job.notebook), str(executed), parameters={**job.parameters, "output_dir": str(tmp)},
                kernel_name="baro", cwd=str(job.notebook.parent), progress_bar=False,
                extra_arguments=["--HistoryManager.hist_file=:memory:"],  # kernels side by side: no shared file
            ))
        except Exception as exc:  # noqa: BLE001 - a cell raised, or the kernel died
            if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
                raise
            ran = nbformat.read(executed, as_version=4) if executed.is_file() else None
            where = failed_cell(job, ran, getattr(exc, "cell_index", None)) if ran else job.notebook.name
            if "NoSuchKernel" in type(exc).__name__:
                where += " (the Jupyter kernel 'baro' is installed by `make env`)"
            ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
            return summary("failed", keep_failed(job, tmp, f"{where}: {ename}: {evalue}", log))
        finally:
            os.dup2(stderr, 2)
            os.close(stderr)
        packages = versions()
        nb.metadata["baro"] = {**job.page, "date": dt.date.today().isoformat(), "version": packages["baro"],
                               "parameters": shown}
        nbformat.write(nb, str(executed))
        page = stage("html", lambda: export_html(nb))
        (tmp / "report.html").write_text(page, encoding="utf-8")
        pages = stage("pdf", lambda: export_pdf(page, tmp / "report.pdf"))
        manifest = {
            "name": job.name, "notebook": str(job.notebook), "edition": job.page["edition"],
            "data_status": job.page["data_status"], "parameters": shown,
            "cache_key": job.key, "notebook_sha256": job.notebook_hash,
            "inputs": job.inputs, "code": job.code, "versions": packages,
            "git_commit": git_commit(project_root()), "start": start, "end": _now(),
            "timings": {k: round(v, 3) for k, v in timings.items()}, "pdf_pages": pages,
            "outputs": sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
        swap_in(tmp, job.output)
        return summary("ran")
    except OSError as exc:
        if exc.errno in WRITE_ERRNOS:
            return summary("failed", f"{job.name}: {exc}", fault=f"cannot write to {job.output.parent}: {exc}")
        return summary("failed", f"{job.notebook.name}: {type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - reported, not hidden (an export that failed)
        return summary("failed", keep_failed(job, tmp, f"{job.notebook.name}: {type(exc).__name__}: {exc}"))
    finally:
        log.close()
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
