"""Run report jobs: execute the notebook, export HTML and PDF, swap the outputs in.

:func:`execute_job` runs one :class:`~baro.run.plan.Job`'s notebook into a
temporary folder and :func:`export_job` turns that into the report files
(:func:`run_job` does both). Run as ``python -m baro.run.worker``, this
module is a worker process of ``baro run`` (see :func:`main`): it reads
messages as JSON lines on stdin and answers with JSON events on the stdout
it had at start (its own prints go to stderr), so one process imports
papermill and WeasyPrint once for several jobs, and runs their
notebooks in one kernel (:class:`WarmKernel`, reset between reports; set
``BARO_KERNEL_REUSE=0`` for a fresh kernel per report). A report exports
while the next one's notebook runs, in the same worker or another.

Outputs are atomic: everything is written into ``OUTPUT/.NAME.tmp-XXXX``
beside the target and renamed into place only when every stage succeeded.
A failed execution keeps its executed notebook in ``OUTPUT/NAME/failed/``
and leaves the previous report files untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from baro.run import forkserver
from baro.run.export import load_weasyprint
from baro.run.plan import VERSIONED_PACKAGES, Job

Event = Callable[[dict[str, Any]], None]

#: pids of the kernels this process started (killed if it is interrupted).
KERNELS: set[int] = set()

#: Environment given to kernels so that what they write is reproducible.
KERNEL_ENV = {
    "SOURCE_DATE_EPOCH": "0",  # matplotlib: no creation date in SVG and PDF files
    "PYTHONHASHSEED": "0",
}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    import platform
    from importlib import metadata

    import baro

    out = {"baro": baro.__version__, "python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def git_commit(root: Path) -> str:
    """The commit checked out in ``root`` (with ``-dirty`` when files changed), or "unknown"."""
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit or "unknown"


async def _wait_for_ready(kc: Any, timeout: float | None = None) -> None:
    """Wait until ``kc`` (a kernel client) is connected to its kernel on the shell and IOPub channels.

    jupyter_client's ``wait_for_ready`` ends by reading IOPub until nothing
    comes for 0.2 s, to drop messages a client might take for its own: that
    is 0.2 s of waiting for every notebook a warm kernel runs. nbclient and
    :meth:`WarmKernel._run` read only the messages of their own requests, so
    here the IOPub channel is drained without waiting for silence.
    """
    from queue import Empty

    from jupyter_core.utils import ensure_async

    timeout = 60.0 if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        msg_id = kc.kernel_info()
        try:
            reply = await ensure_async(kc._async_recv_reply(msg_id, timeout=1))
        except TimeoutError:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:  # something on IOPub: the channel is subscribed
                await ensure_async(kc.iopub_channel.get_msg(timeout=0.05))
            except Empty:
                pass
            else:
                kc._handle_kernel_info_reply(reply)
                break
        if not await ensure_async(kc._async_is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
    while True:
        try:
            await ensure_async(kc.iopub_channel.get_msg(timeout=0))
        except Empty:
            break


def _client_classes() -> tuple[type, type]:
    """Kernel clients (asynchronous, blocking) whose ``wait_for_ready`` is :func:`_wait_for_ready`."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_core.utils import run_sync

    class QuickAsyncClient(AsyncKernelClient):
        wait_for_ready = _wait_for_ready

    class QuickBlockingClient(BlockingKernelClient):
        wait_for_ready = run_sync(_wait_for_ready)

    return QuickAsyncClient, QuickBlockingClient


def _kernel_manager_class(emit: Event, log: Any) -> type:
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import List, Type

    quick_async, _ = _client_classes()

    class TrackedKernelManager(AsyncKernelManager):
        """A kernel manager that records its kernel's pid (to kill it on Ctrl-C).

        The kernel's own stdout and stderr (not the notebook's outputs) go to
        ``log``, kept with a failed notebook. The clients it hands out are
        kept until :meth:`close_clients`.
        """

        clients = List()
        client_factory = Type(quick_async)

        def client(self, **kw: Any) -> Any:
            kc = super().client(**kw)
            self.clients.append(kc)
            return kc

        def close_clients(self) -> None:
            """Close the connections of the clients handed out (the kernel keeps running)."""
            while self.clients:
                self.clients.pop().stop_channels()

        async def start_kernel(self, **kw: Any) -> None:
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            await super().start_kernel(**kw)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            # recorded as soon as the process exists: an interrupt that
            # comes while the kernel boots must find it
            await super()._async_launch_kernel(kernel_cmd, **kw)
            pid = getattr(self.provisioner, "pid", None)
            if pid:
                KERNELS.add(pid)
                emit({"event": "kernel", "pid": pid})

        async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            pid = getattr(self.provisioner, "pid", None)
            await super().shutdown_kernel(now=now, restart=restart)
            KERNELS.discard(pid)

    return TrackedKernelManager


def _register_engine() -> str:
    """A papermill engine that writes the executed notebook once, not after every cell.

    papermill's default engine rewrites the whole notebook (images
    included) when each cell starts and ends; papermill itself still writes
    it once at the end, with the error cell when a cell failed. Given a
    running kernel (``km=``, a manager of :func:`_kernel_manager_class`),
    the engine executes in it and closes its own connection to it
    afterwards, leaving the kernel running: nbclient opens a client on a
    kernel manager it was given but closes it only when it owns the manager,
    and neither papermill nor nbclient hands that client back, so the
    manager keeps the clients it gives out.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class WriteOnceEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, output_path: Any = None, **kwargs: Any) -> Any:
            return super().execute_notebook(nb, kernel_name, output_path=None, **kwargs)

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            km = kwargs.get("km")
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                if km is not None:
                    km.close_clients()

    papermill_engines.register("baro", WriteOnceEngine)
    return "baro"


#: Defines, in a warm kernel, the reset run before each report (silently,
#: outside the history), in a module: resetting the namespace keeps it.
_RESET = (
    "import sys, types\n"
    "_m = types.ModuleType('_baro_warm')\n"
    "exec({source!r}, _m.__dict__)\n"
    "sys.modules['_baro_warm'] = _m\n"
    "del sys, types, _m\n"
)


def notebook_imports(notebook: Path) -> str:
    """The import statements of a notebook's code cells, one per line."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    lines: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                line = ast.unparse(node)
                if line not in lines:
                    lines.append(line)
    return "\n".join(lines)


def kernel_imports(notebooks: "list[Path] | tuple[Path, ...]") -> str:
    """What a report's kernel imports: its notebooks' import statements, then
    matplotlib.pyplot and seaborn (which :mod:`baro.plots` imports to draw)."""
    lines: list[str] = []
    for notebook in notebooks:
        lines += [line for line in notebook_imports(notebook).splitlines() if line not in lines]
    return "\n".join([*lines, "import matplotlib.pyplot, seaborn"])


class WarmKernel:
    """One kernel that runs the reports of a worker one after the other.

    Starting a kernel and importing pandas, SciPy, statsmodels and
    matplotlib costs more than most of a report. A worker therefore keeps
    its kernel and, before each report, resets it to what a fresh kernel
    would be once the report's import cell has run: the import statements
    are run first (silently), then the namespace, the history (the next cell
    is numbered 1), matplotlib's figures and settings, the warning filters
    and registries, the caches of baro's functions and the working folder
    are put back as they were after those imports. A kernel whose imports
    print anything (a warning a cold run would show) is not used; a kernel
    is dropped after a failed report.
    """

    def __init__(self, cwd: Path, emit: Event):
        """Start the kernel (its process boots while the caller goes on; see :meth:`ready`)."""
        from jupyter_core.utils import run_sync

        self.cwd = cwd
        self.log = tempfile.TemporaryFile(mode="w+b", prefix="baro-kernel-")
        self.km = _kernel_manager_class(emit, self.log)(kernel_name="baro")
        if os.environ.get(forkserver.SOCKET_ENV):
            import uuid

            # forked by baro run's fork server, which has imported what the reports import
            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = forkserver.provisioner_class()(
                kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec, parent=self.km,
            )
        self.kc = None
        self.reports = 0  # reports run in this kernel so far
        os.environ.update(KERNEL_ENV)
        run_sync(self.km.start_kernel)(
            cwd=str(cwd), extra_arguments=["--HistoryManager.hist_file=:memory:"],
        )
        #: whether the fork server started it (or, as usual, this process)
        self.forked = isinstance(getattr(self.km.provisioner, "process", None), forkserver.ForkedProcess)
        self.kc = _client_classes()[1]()
        self.kc.load_connection_info(self.km.get_connection_info())
        self.kc.start_channels()
        self._ready = False

    def ready(self) -> None:
        """Wait for the kernel and define the reset in it."""
        if not self._ready:
            self.kc.wait_for_ready(timeout=60)
            source = (Path(__file__).with_name("_kernel_reset.py")).read_text(encoding="utf-8")
            self._run(_RESET.format(source=source), "define the reset")
            self._ready = True

    def _run(self, code: str, what: str) -> None:
        printed: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] in ("stream", "error", "display_data", "execute_result"):
                printed.append(str(msg["content"])[:300])

        reply = self.kc.execute_interactive(code, silent=False, store_history=False, timeout=300, output_hook=hook)
        if reply["content"]["status"] != "ok" or printed:
            raise RuntimeError(f"warm kernel: {what}: {reply['content'].get('evalue', '')} {' '.join(printed)}")

    def prime(self, notebooks: list[Path]) -> None:
        """Import what ``notebooks`` import, ahead of their jobs (raises if that prints)."""
        self.ready()
        self._reset(self.cwd, kernel_imports(notebooks))

    def prepare(self, notebook: Path) -> None:
        """Reset the kernel for ``notebook`` (raises if it cannot be made clean)."""
        self.ready()
        self._reset(notebook.parent, kernel_imports([notebook]))
        self.reports += 1

    def _reset(self, cwd: Path, imports: str) -> None:
        self._run(f"__import__('_baro_warm').reset({str(cwd)!r}, {imports!r})", "reset")

    def close(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a kernel that is already gone
            pass
        self.log.close()


def kill_kernels() -> None:
    """Kill the kernels this process started (each is its own process group)."""
    pids = list(KERNELS)
    forkserver.kill_groups(pids)
    KERNELS.difference_update(pids)


def _failure_message(job: Job, exc: Exception, executed: Any | None) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    index = getattr(exc, "cell_index", None)
    if index is None:
        return f"{job.notebook.name}: {ename}: {evalue}"
    source = getattr(exc, "source", "") or ""
    # papermill adds one cell (the injected parameters) after the parameters
    # cell: count cells as they are in the notebook file.
    if executed is not None:
        cells = [c for c in executed.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
        injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.metadata.get("tags", [])]
        if injected and index > injected[0]:
            index -= 1
    first = next((line for line in source.splitlines() if line.strip()), "")
    return f"{job.notebook.name}, cell {index} (`{first.strip()}`): {ename}: {evalue}"


def _swap_in(tmp: Path, target: Path) -> None:
    """Replace ``target`` with ``tmp`` by renames (the old folder is deleted last)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _open_up(folder: Path) -> None:
    """Give a folder made by mkdtemp (mode 0700) the permissions of an ordinary one."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)


def _keep_failed(job: Job, tmp: Path, message: str, kernel_log: Any = None) -> Path:
    failed = job.output / "failed"
    job.output.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".failed.tmp-", dir=job.output))
    _open_up(staging)
    executed = tmp / job.executed_name
    if executed.is_file():
        shutil.copy2(executed, staging / job.executed_name)
    (staging / "error.txt").write_text(message + "\n", encoding="utf-8")
    if kernel_log is not None:
        kernel_log.flush()
        kernel_log.seek(0)
        (staging / "kernel.log").write_bytes(kernel_log.read())
    _swap_in(staging, failed)
    return failed


def execute_job(job: Job, emit: Event = lambda e: None, kernel: WarmKernel | None = None) -> dict[str, Any]:
    """Execute ``job``'s notebook into a temporary folder beside its output.

    ``kernel``: a :class:`WarmKernel` prepared for the job's notebook, or
    None to start a kernel for this job alone.

    Returns ``{"name", "status": "executed", "export": payload}``, where the
    payload (plain JSON) is what :func:`export_job` needs, in this process
    or another; or the summary of a failed job (see :func:`run_job`). A
    failed execution keeps its notebook in ``OUTPUT/NAME/failed/``. A
    KeyboardInterrupt kills the kernel, removes the temporary folder and
    propagates.
    """
    import nbformat
    import papermill

    started, start = time.time(), _now()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{job.name}.tmp-", dir=job.output.parent))
    _open_up(tmp)
    kernel_log = kernel.log if kernel is not None else tempfile.TemporaryFile(mode="w+b", prefix="baro-kernel-")
    engine_kwargs: dict[str, Any] = {"km": kernel.km} if kernel is not None else {}
    executed_path = tmp / job.executed_name
    parameters = {**job.parameters, "output_dir": str(tmp)}
    os.environ.update(KERNEL_ENV)
    done = False
    try:
        emit({"event": "stage", "job": job.name, "stage": "execute", "status": "start"})
        t0 = time.perf_counter()
        try:
            nb = papermill.execute_notebook(
                str(job.notebook), str(executed_path),
                parameters=parameters,
                kernel_name="baro",
                engine_name=_register_engine(),
                cwd=str(job.notebook.parent),
                progress_bar=False,
                log_output=False,
                kernel_manager_class=_kernel_manager_class(emit, kernel_log),
                **engine_kwargs,
            )
        except papermill.PapermillExecutionError as exc:
            executed = nbformat.read(executed_path, as_version=4) if executed_path.is_file() else None
            message = _failure_message(job, exc, executed)
            failed = _keep_failed(job, tmp, message, kernel_log)
            return _summary(job, "failed", started, f"{message}\n  executed notebook kept in {failed}", {})
        seconds = time.perf_counter() - t0
        emit({"event": "stage", "job": job.name, "stage": "execute", "status": "end", "seconds": seconds})
        nb.metadata["baro"] = {
            "title": job.title,
            "subtitle": job.subtitle,
            "edition": job.edition,
            "data_status": job.data_status,
            "data_note": job.data_note,
            "date": dt.date.today().isoformat(),
            "version": _versions()["baro"],
            "parameters": {**job.parameters, "output_dir": str(job.output)},
        }
        nbformat.write(nb, str(executed_path))
        done = True
        return {"name": job.name, "status": "executed", "export": {
            "job": job.to_json(),
            "tmp": str(tmp),
            "start": start,
            "started": started,
            "timings": {"execute": seconds},
            # the n-th report of its kernel (1: a kernel started for it or a reused one's first)
            "kernel_report": kernel.reports if kernel is not None else 1,
            "kernel_forked": bool(kernel is not None and kernel.forked),
        }}
    except KeyboardInterrupt:
        kill_kernels()
        raise
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        return _unexpected(job, exc, tmp, started, {}, kernel_log)
    finally:
        if kernel is None:
            kernel_log.close()
        if not done and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def export_job(payload: dict[str, Any], emit: Event = lambda e: None) -> dict[str, Any]:
    """Export an executed job (HTML, PDF, manifest) and swap its outputs in.

    ``payload`` is what :func:`execute_job` returned under ``"export"``.
    Returns the job's summary (see :func:`run_job`). The temporary folder
    is gone afterwards, renamed into place or removed.
    """
    import nbformat

    from baro.paths import project_root
    from baro.run.export import export_html, export_pdf

    job = Job.from_json(payload["job"])
    tmp = Path(payload["tmp"])
    started = payload["started"]
    timings: dict[str, float] = dict(payload["timings"])

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        emit({"event": "stage", "job": job.name, "stage": name, "status": "start"})
        t0 = time.perf_counter()
        result = fn()
        timings[name] = time.perf_counter() - t0
        emit({"event": "stage", "job": job.name, "stage": name, "status": "end", "seconds": timings[name]})
        return result

    try:
        nb = nbformat.read(tmp / job.executed_name, as_version=4)
        page = stage("html", lambda: export_html(nb))
        (tmp / "report.html").write_text(page, encoding="utf-8")
        pages = stage("pdf", lambda: export_pdf(page, tmp / "report.pdf"))
        versions = _versions()
        manifest = {
            "name": job.name,
            "notebook": str(job.notebook),
            "edition": job.edition,
            "data_status": job.data_status,
            "parameters": {**job.parameters, "output_dir": str(job.output)},
            "cache_key": job.key,
            "notebook_sha256": job.notebook_hash,
            "inputs": job.inputs,
            "code": job.code,
            "versions": versions,
            "git_commit": git_commit(project_root()),
            "start": payload["start"],
            "end": _now(),
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "pdf_pages": pages,
            "kernel_report": payload["kernel_report"],
            "kernel_forked": payload.get("kernel_forked", False),
            "outputs": sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap_in(tmp, job.output)
        return _summary(job, "ran", started, "", timings)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        return _unexpected(job, exc, tmp, started, timings)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def run_job(job: Job, emit: Event = lambda e: None, kernel: WarmKernel | None = None) -> dict[str, Any]:
    """Execute ``job`` and write its outputs (:func:`execute_job`, then :func:`export_job`).

    ``emit`` receives progress events ``{"event": "stage", "job", "stage",
    "status": "start" | "end", "seconds"}``. The summary has ``name``,
    ``status`` ("ran" or "failed"), ``seconds``, ``message`` and
    ``timings``.
    """
    result = execute_job(job, emit, kernel)
    if result["status"] != "executed":
        return result
    return export_job(result["export"], emit)


def _summary(job: Job, status: str, started: float, message: str, timings: dict[str, float]) -> dict[str, Any]:
    return {"name": job.name, "status": status, "seconds": time.time() - started,
            "message": message, "timings": timings}


def _unexpected(job: Job, exc: Exception, tmp: Path, started: float, timings: dict[str, float],
                kernel_log: Any = None) -> dict[str, Any]:
    """The summary of a job stopped by an error outside the notebook (kept in failed/)."""
    import traceback

    if (tmp / job.executed_name).is_file():
        _keep_failed(job, tmp, traceback.format_exc(), kernel_log)
    message = f"{job.notebook.name}: {type(exc).__name__}: {exc}"
    if type(exc).__name__ == "NoSuchKernel":
        message += " (the Jupyter kernel 'baro' is installed by `make env`)"
    return _summary(job, "failed", started, message, timings)


#: What a worker imports before its first job, to run notebooks and to export
#: them: module names, or functions that import (WeasyPrint has its own).
WORKER_MODULES: tuple[str | Callable[[], Any], ...] = ("papermill", "mistune", load_weasyprint, "baro.run.export")


def _preload(modules: tuple[str | Callable[[], Any], ...]) -> None:
    """Import ``modules`` (a failure is reported by the stage that needs them), then freeze the heap.

    One thread imports: importing from two threads at once can meet a
    half-initialised module.

    WeasyPrint makes about a million short-lived cyclic objects per report:
    every full collection would traverse the modules just imported again.
    Frozen, they are skipped (a sixth of a PDF's time).
    """
    import gc
    import importlib

    gc.disable()  # what imports make lives on: collecting during them is wasted
    try:
        for name in modules:
            try:
                name() if callable(name) else importlib.import_module(name)
            except Exception:  # noqa: BLE001
                pass
    finally:
        gc.enable()
    gc.collect()
    gc.freeze()


#: Niceness of a worker's session (see :func:`_lower_session_priority`):
#: the kernels run the notebooks first, the workers export with what is left.
WORKER_NICENESS = 10

#: Niceness added to the threads that export: exporting waits for nothing,
#: while the last report cannot export before every notebook has run, so
#: the kernels get the cores first and the exports fill what is left. Where
#: the CPU is shared between sessions first (autogroup), this counts within
#: the worker's session only (against the thread that drives its kernel),
#: and WORKER_NICENESS does the rest.
EXPORT_NICENESS = 10


def _lower_priority(niceness: int) -> None:
    """Make the calling thread nicer (Linux schedules threads one by one); elsewhere, nothing."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + niceness)
    except (AttributeError, OSError):
        pass


def session_niceness() -> int | None:
    """The niceness of this process's session under autogroup scheduling; None where it cannot be read."""
    try:
        with open("/proc/self/autogroup", encoding="ascii") as f:
            return int(f.read().rsplit("nice", 1)[1])
    except (OSError, ValueError, IndexError):
        return None


def _lower_session_priority(niceness: int) -> bool:
    """Make this process's session nicer, where the scheduler shares the CPU between sessions first.

    With Linux's autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled),
    each session gets its share of the CPU and a thread's niceness counts
    only against the threads of its own session: a worker exporting in its
    own session would take as much as a kernel running a notebook, however
    nice its export threads. A worker is a session of its own (``baro run``
    starts it so), so it can lower its session alone; never anyone else's.
    Returns whether it did.
    """
    if os.getsid(0) != os.getpid() or (current := session_niceness()) is None:
        return False
    try:
        with open("/proc/self/autogroup", "w", encoding="ascii") as f:
            f.write(str(min(19, current + niceness)))
        return True
    except OSError:
        return False


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _exit_at_once(signum: int, frame: Any) -> None:
    """Interrupted while starting (imports, kernel start): nothing is written yet.

    A KeyboardInterrupt raised in the middle of an import can surface in a
    callback of the import machinery, which Python reports on stderr as an
    ignored exception with its traceback: the user, who refused bad input
    or pressed Ctrl-C, would see it. Kill the kernel, leave quietly.
    """
    kill_kernels()
    os._exit(130)


class ExportHelper:
    """A child of the worker that exports reports too: a second export slot.

    An export is one thread of Python (WeasyPrint), so one process exports
    one report at a time. At the end of a run the last reports would wait
    for the exports before them while a core has nothing to do; with a
    helper, each worker exports two at once. The helper is forked once the
    worker has imported WeasyPrint and before any thread exists (so
    nothing of it is copied half-done), and costs no import. It reads
    export payloads as JSON lines on a pipe and writes the events of
    :func:`export_job` back on another, which the worker forwards; it ends
    when the worker closes its pipe (or dies), or on SIGINT / SIGTERM, which
    reach it with its worker's process group.
    """

    def __init__(self, emit: Event, channel: Any):
        to_child, from_parent = os.pipe()[::-1]
        from_child, to_parent = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper
            code = 1
            try:
                os.close(to_child)
                os.close(from_child)
                channel.close()  # the worker's events are the worker's to write
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.close(null)
                code = self._serve(from_parent, to_parent)
            finally:
                os._exit(code)
        os.close(from_parent)
        os.close(to_parent)
        self.pid = pid
        self.busy = False
        self._send = os.fdopen(to_child, "w", buffering=1, encoding="utf-8")
        self._emit = emit
        threading.Thread(target=self._forward, args=(from_child,), daemon=True).start()

    @staticmethod
    def _serve(read_fd: int, write_fd: int) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _raise_interrupt)  # an interrupted export removes its folder
        _lower_priority(EXPORT_NICENESS)  # as the worker's export threads
        out = os.fdopen(write_fd, "w", buffering=1, encoding="utf-8")

        def emit(event: dict[str, Any]) -> None:
            out.write(json.dumps(event) + "\n")
            out.flush()

        try:
            for line in os.fdopen(read_fd, encoding="utf-8"):
                if line.strip():
                    emit({"event": "done", **export_job(json.loads(line), emit), "exporter": "helper"})
        except KeyboardInterrupt:
            return 130
        return 0

    def _forward(self, read_fd: int) -> None:
        for line in os.fdopen(read_fd, encoding="utf-8"):
            event = json.loads(line)
            if event.get("event") == "done":
                self.busy = False
            self._emit(event)

    def export(self, payload: dict[str, Any]) -> bool:
        """Hand ``payload`` to the helper (False if it is gone)."""
        try:
            self.busy = True
            self._send.write(json.dumps(payload) + "\n")
            self._send.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            self.busy = False
            return False

    def close(self) -> None:
        """Let the helper finish its export and end; wait for it."""
        try:
            self._send.close()
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def main(argv: list[str] | None = None) -> int:
    """Worker loop: one JSON message per stdin line, JSON events on the original stdout.

    ``python -m baro.run.worker [NOTEBOOK...]``. Messages are ``{"op":
    "execute", "job": ...}``, answered by an ``executed`` event that
    carries the export payload (or ``done`` if the notebook failed), and
    ``{"op": "export", "export": payload}``, answered by ``done``;
    ``{"op": "release"}`` shuts the kernel down (no report is left to run:
    it goes while reports still export). One job executes at a time; a
    worker first tells how many export at once (``{"event": "slots",
    "export": N}``: 2 with an :class:`ExportHelper`). The worker starts a
    kernel, which imports what the NOTEBOOKs import while it waits for its
    first job.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    notebooks = [Path(a) for a in args]
    # jsonschema (through nbformat) imports the optional rfc3987_syntax, which
    # builds a grammar at import: about a second per worker, for a URI format
    # check that notebook validation never uses. Mark it absent; jsonschema
    # then skips that check.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # stray prints of libraries and kernels must not reach the channel
    sys.stdout = sys.stderr
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_at_once)  # until the worker has started (see below)
    lock = threading.Lock()

    def emit(event: dict[str, Any]) -> None:
        with lock:
            channel.write(json.dumps(event) + "\n")
            channel.flush()

    _lower_session_priority(WORKER_NICENESS)  # the kernels (sessions of their own) come first
    reuse = os.environ.get("BARO_KERNEL_REUSE", "1") != "0"
    warm: list[WarmKernel] = []  # the kernel kept for the next report, if any
    kernel_lock = threading.Lock()  # one report executes at a time
    export_lock = threading.Lock()  # one report exports at a time

    def start() -> None:
        try:
            warm.append(WarmKernel(Path.cwd(), emit))
        except Exception:  # noqa: BLE001 - the job then starts its own kernel, and reports
            pass

    def drop() -> None:
        if warm:
            warm.pop().close()

    def prime() -> None:
        # holds kernel_lock (taken for it by the main thread): a job waits
        try:
            warm[0].prime(notebooks)
        except Exception:  # noqa: BLE001 - not clean: the jobs run in kernels of their own
            drop()
        finally:
            kernel_lock.release()

    def execute(job: Job) -> None:
        with kernel_lock:
            kernel = None
            if reuse and not warm:
                start()
            if warm:
                try:
                    warm[0].prepare(job.notebook)
                    kernel = warm[0]
                except Exception:  # noqa: BLE001 - not clean: this job runs in a kernel of its own
                    drop()
            result = execute_job(job, emit, kernel)
            if kernel is not None and result["status"] != "executed":
                drop()  # state left by a failed report is not worth resetting
        emit({"event": "executed", **result} if result["status"] == "executed" else {"event": "done", **result})

    helpers: list[ExportHelper] = []
    exporting = threading.Event()  # this process exports a report

    def release() -> None:
        with kernel_lock:
            drop()

    def export(payload: dict[str, Any]) -> None:
        _lower_priority(EXPORT_NICENESS)
        with export_lock:
            result = export_job(payload, emit)
            exporting.clear()  # before "done": the next export may come at once
        emit({"event": "done", **result, "exporter": "worker"})

    threads: list[threading.Thread] = []
    try:
        if reuse and os.environ.get(forkserver.SOCKET_ENV):
            # The fork server imports what the kernel needs (this process
            # gives way to it: its session is nicer). This process imports
            # what executing and exporting need, forks its export helper
            # while it has no thread, then asks the server for its kernel.
            _preload(WORKER_MODULES + ("jupyter_client.blocking", "ast", "uuid"))
            if hasattr(os, "fork") and threading.active_count() == 1:
                try:
                    helpers.append(ExportHelper(emit, channel))
                except OSError:
                    pass
            start()
            if warm and notebooks:
                kernel_lock.acquire()
                threading.Thread(target=prime, daemon=True).start()
        else:
            if reuse:
                start()  # the kernel boots while this process imports papermill and WeasyPrint
                if warm and notebooks:
                    kernel_lock.acquire()
                    threading.Thread(target=prime, daemon=True).start()
            _preload(WORKER_MODULES)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _raise_interrupt)  # from now on jobs clean up after themselves
        emit({"event": "slots", "export": 1 + len(helpers)})
        for line in sys.stdin:
            if not line.strip():
                continue
            message = json.loads(line)
            if message.get("op") == "release":  # no report left to execute: the kernel goes now
                thread = threading.Thread(target=release, daemon=True)
                thread.start()
                threads.append(thread)
                continue
            if message.get("op") == "export":
                if exporting.is_set() and helpers and not helpers[0].busy and helpers[0].export(message["export"]):
                    continue  # this process is exporting: its helper takes this one
                exporting.set()
                target, arg = export, message["export"]
            else:
                target, arg = execute, Job.from_json(message["job"])
            thread = threading.Thread(target=target, args=(arg,), daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
        for helper in helpers:
            helper.close()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM from baro run, at any stage
        kill_kernels()
        warm.clear()
        return 130
    finally:
        drop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    try:
        code = main()
    except KeyboardInterrupt:  # before main's own handler was in place
        kill_kernels()
        code = 130
    # Everything is written and the kernel is gone: skip tearing down the
    # modules of papermill and WeasyPrint, which the end of a run waits for.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
