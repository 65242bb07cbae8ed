"""baro run: parameters, outputs, manifest, cache, failures, Ctrl-C, determinism.

The runs use the small notebooks of tests/notebooks/ (same parameters and
HTML contract as the report notebooks, a few seconds each) in a temporary
project: BARO_ROOT points at a folder with two tiny editions.
"""

from __future__ import annotations

import ast
import hashlib
import re
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from baro.errors import BaroError
from baro.run import plan_jobs, run_reports
from baro.run.plan import Parameter, coerce, notebook_parameters

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE / "notebooks"
REPO = HERE.parent
CITIES = (
    "# SIMULATED test table\n"
    "city_id,kind,population_band\n"
    "V01,commune,p50_100k\nV02,commune,p100_200k\nV03,intercommunalite,p200k_plus\n"
)
PROJECTS = (
    "# SIMULATED test table\n"
    "project_id,city_id,domain,status,management_mode,decision_mode,citizens_involved\n"
    "P1,V01,transport,realise,regie,unilaterale,false\n"
    "P2,V02,education,en_cours,marche,concertation,true\n"
    "P3,V03,transport,a_l_etude,regie,co_construction,false\n"
)


def _edition_toml(year: int) -> str:
    return (
        "[edition]\n"
        f"year = {year}\n"
        f'title = "Baromètre ville numérique {year}"\n'
        "simulated = true\n"
        'data_note = "Tables simulées pour les tests."\n'
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project root with editions 2013 and 2014 and the test notebooks."""
    root = tmp_path_factory.mktemp("project")
    for year in (2013, 2014):
        folder = root / "data" / "editions" / str(year)
        folder.mkdir(parents=True)
        (folder / "edition.toml").write_text(_edition_toml(year), encoding="utf-8")
        (folder / "cities.csv").write_text(CITIES, encoding="utf-8")
        (folder / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    shutil.copy(REPO / "data" / "taxonomy.toml", root / "data" / "taxonomy.toml")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BARO_ROOT", str(root))
        yield root


@pytest.fixture(scope="module")
def first_run(project):
    """Every edition and trends, two workers: the outputs most tests read."""
    out = project / "out"
    lines: list[str] = []
    summary = run_reports(all=True, output_dir=out, jobs=2, echo=lines.append)
    return summary, out, lines


def _cli(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "baro", *args], capture_output=True, text=True, timeout=timeout,
        env=env or os.environ.copy(),
    )


# ---------------------------------------------------------------- parameters


def test_parameters_agree_with_papermill():
    papermill = pytest.importorskip("papermill")
    for name in ("edition_report.ipynb", "trends.ipynb"):
        ours = notebook_parameters(NOTEBOOKS / name)
        theirs = papermill.inspect_notebook(str(NOTEBOOKS / name))
        assert list(ours) == list(theirs)
        for key, p in ours.items():
            assert p.type == theirs[key]["inferred_type_name"]
            assert p.default == ast.literal_eval(theirs[key]["default"])
            assert p.help == theirs[key]["help"]


@pytest.mark.parametrize(
    ("param", "text", "expected"),
    [
        (Parameter("seed", "int", 1), "7", 7),
        (Parameter("confidence_level", "float", 0.95), "0.9", 0.9),
        (Parameter("fail", "bool", False), "true", True),
        (Parameter("fail", "bool", False), "0", False),
        (Parameter("data_dir", "str", ""), "a b", "a b"),
        (Parameter("editions", "list", [2013]), "[2013, 2014]", [2013, 2014]),
        (Parameter("editions", "list", [2013]), "2014", [2014]),
    ],
)
def test_coerce(param, text, expected):
    value = coerce(param, text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("param", "text"),
    [(Parameter("seed", "int", 1), "1.5"), (Parameter("seed", "int", 1), "abc"),
     (Parameter("fail", "bool", False), "maybe"), (Parameter("confidence_level", "float", 0.9), "x")],
)
def test_coerce_rejects(param, text):
    with pytest.raises(ValueError, match=param.type):
        coerce(param, text)


def test_unknown_parameter_lists_the_valid_ones(project):
    with pytest.raises(BaroError) as info:
        plan_jobs([2014], parameters=["sed=1"])
    message = str(info.value)
    assert "unknown parameter 'sed'" in message
    assert "seed: int = 12345  (seed of the Monte-Carlo p-values)" in message
    assert "confidence_level: float = 0.95" in message


def test_wrong_type_is_an_error_before_any_run(project, tmp_path):
    with pytest.raises(BaroError, match=r"parameter 'confidence_level': 'high' is not of type float"):
        run_reports([2014], output_dir=tmp_path, parameters=["confidence_level=high"])
    assert list(tmp_path.iterdir()) == []


def test_managed_parameter_points_to_its_option(project):
    with pytest.raises(BaroError, match=r"'data_dir' is set by baro run \(use --data DIR\)"):
        plan_jobs([2014], parameters=["data_dir=/tmp"])


def test_unknown_edition_lists_the_available_ones(project):
    with pytest.raises(BaroError, match=r"unknown edition 1999 \(available: 2013, 2014\)"):
        plan_jobs([1999])
    with pytest.raises(BaroError, match="no edition given"):
        plan_jobs([])


def test_data_dir_needs_exactly_one_edition(project, tmp_path):
    with pytest.raises(BaroError, match="one edition"):
        plan_jobs([2013, 2014], data_dir=tmp_path)
    with pytest.raises(BaroError, match="no such folder"):
        plan_jobs([2014], data_dir=tmp_path / "missing")


def test_cli_reports_a_parameter_error_with_status_2(project):
    done = _cli("run", "2014", "-p", "nope=1", "--output", str(project / "cli-out"))
    assert done.returncode == 2
    assert "unknown parameter 'nope'" in done.stderr and "valid parameters" in done.stderr
    assert not (project / "cli-out").exists()


# ---------------------------------------------------------------- cache keys


def test_cache_key_covers_notebook_parameters_data_and_code(project):
    base = plan_jobs([2014])[0].key
    assert plan_jobs([2014])[0].key == base
    assert plan_jobs([2014], parameters=["seed=1"])[0].key != base
    table = project / "data" / "editions" / "2014" / "cities.csv"
    original = table.read_bytes()
    try:
        table.write_bytes(original + b"V04,commune,p50_100k\n")
        assert plan_jobs([2014])[0].key != base
    finally:
        table.write_bytes(original)
    notebook = project / "notebooks" / "edition_report.ipynb"
    text = notebook.read_text(encoding="utf-8")
    try:
        notebook.write_text(text.replace("Petit échantillon", "Petit  échantillon"), encoding="utf-8")
        assert plan_jobs([2014])[0].key != base
    finally:
        notebook.write_text(text, encoding="utf-8")
    # trends depends on the inputs of every edition
    trends = plan_jobs(all=True)[-1]
    assert trends.name == "trends"
    assert {k.split("/")[0] for k in trends.inputs} == {"2013", "2014"}


# ---------------------------------------------------------------- a full run


def test_run_writes_every_output(first_run):
    summary, out, lines = first_run
    assert summary.ok, summary.render()
    assert summary.ran == ["2013", "2014", "trends"]
    for name in ("2013", "2014"):
        folder = out / name
        for f in ("report.html", "report.pdf", f"{name}.ipynb", "manifest.json",
                  "figures/kinds.png", "figures/kinds.svg", "tables/kinds.csv"):
            assert (folder / f).is_file(), f"{name}/{f} missing"
    assert (out / "trends" / "trends.ipynb").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert "[2014] execute ..." in lines
    assert any(line.startswith("[2014] pdf ") and line.endswith(" s") for line in lines)


def test_manifest(first_run, project):
    _, out, _ = first_run
    manifest = json.loads((out / "2014" / "manifest.json").read_text(encoding="utf-8"))
    for key in ("parameters", "inputs", "versions", "git_commit", "start", "end", "timings",
                "data_status", "cache_key"):
        assert key in manifest
    assert manifest["data_status"] == "SIMULATED"
    assert manifest["parameters"]["edition"] == 2014
    assert manifest["parameters"]["output_dir"] == str(out / "2014")
    assert set(manifest["timings"]) == {"execute", "html", "pdf"}
    assert set(manifest["versions"]) >= {
        "baro", "python", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn",
        "papermill", "mistune", "weasyprint"}
    cities = project / "data" / "editions" / "2014" / "cities.csv"
    assert manifest["inputs"]["data/cities.csv"] == hashlib.sha256(cities.read_bytes()).hexdigest()
    assert manifest["git_commit"] == "unknown"  # the temporary project is not a git checkout
    assert manifest["start"] <= manifest["end"]


def test_executed_notebook_carries_the_title_metadata(first_run):
    _, out, _ = first_run
    nb = json.loads((out / "2014" / "2014.ipynb").read_text(encoding="utf-8"))
    meta = nb["metadata"]["baro"]
    assert meta["title"] == "Baromètre ville numérique 2014"
    assert meta["edition"] == 2014 and meta["data_status"] == "SIMULATED"
    assert set(meta) >= {"subtitle", "data_note", "date", "version", "parameters"}


def test_html_has_no_code_and_says_simulated(first_run):
    _, out, _ = first_run
    page = (out / "2014" / "report.html").read_text(encoding="utf-8")
    for code in ("jp-InputArea", "input_prompt", "In&nbsp;[", "matplotlib.use", "display(HTML", "time.sleep"):
        assert code not in page
    assert "DONNÉES SIMULÉES — SIMULATED DATA" in page
    assert "Baromètre ville numérique 2014" in page
    assert 'href="#panel"' in page and 'id="panel"' in page
    assert 'href="#controles"' in page and 'id="controles"' in page
    assert 'id="tab-kinds"' in page and 'id="fig-kinds"' in page
    # self-contained: nothing fetched
    for external in ('src="http', "href='http", 'href="http', "<link ", "@import"):
        assert external not in page


def test_pdf_says_simulated_on_page_one(first_run):
    weasyprint = pytest.importorskip("weasyprint")
    from baro.run.export import page_text

    _, out, _ = first_run
    pdf = (out / "2014" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    page = (out / "2014" / "report.html").read_text(encoding="utf-8")
    document = weasyprint.HTML(string=page).render()
    manifest = json.loads((out / "2014" / "manifest.json").read_text(encoding="utf-8"))
    assert len(document.pages) == manifest["pdf_pages"] >= 2
    assert "DONNÉES SIMULÉES" in page_text(document.pages[0])
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out / "2014" / "report.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "SIMULATED" in text


# ---------------------------------------------------------------- cache


def test_unchanged_rerun_is_up_to_date_and_imports_nothing_heavy(first_run):
    _, out, _ = first_run
    # Bring the outputs up to date first: the cache key covers baro's own
    # sources, which may have changed since the first run.
    run_reports(all=True, output_dir=out, echo=lambda s: None)
    before = (out / "2014" / "report.pdf").stat().st_mtime_ns
    summary = run_reports(all=True, output_dir=out, echo=lambda s: None)
    assert summary.up_to_date == ["2013", "2014", "trends"]
    assert (out / "2014" / "report.pdf").stat().st_mtime_ns == before
    # the command line too, from a fresh interpreter: hashing the inputs
    # needs none of the libraries that running a report needs
    printed, heavy = _heavy_imports(_cli_code("run", "--all", "--output", str(out)))
    assert "[2014] up to date" in printed and "3 up to date" in printed
    assert heavy == []


def test_stale_reason_names_what_changed(first_run, project):
    from baro.run.plan import stale_reason

    _, out, _ = first_run
    job = plan_jobs([2014], output_dir=out, parameters=["seed=3"])[0]
    assert stale_reason(job) == "changed: parameters"
    job = plan_jobs([2014], output_dir=project / "elsewhere")[0]
    assert stale_reason(job) == "no previous report"


def test_force_reruns_and_tables_are_byte_identical(first_run):
    _, out, _ = first_run
    tables = {p.name: p.read_bytes() for p in (out / "2014" / "tables").glob("*.csv")}
    svg = (out / "2014" / "figures" / "kinds.svg").read_bytes()
    key = json.loads((out / "2014" / "manifest.json").read_text())["cache_key"]
    summary = run_reports([2014], output_dir=out, force=True, echo=lambda s: None)
    assert summary.ran == ["2014"]
    assert tables and {p.name: p.read_bytes() for p in (out / "2014" / "tables").glob("*.csv")} == tables
    assert (out / "2014" / "figures" / "kinds.svg").read_bytes() == svg
    assert json.loads((out / "2014" / "manifest.json").read_text())["cache_key"] == key


def _report_bytes(folder: Path) -> dict[str, object]:
    """What a report shows: pages, tables, figures, and each cell's outputs and number."""
    import nbformat

    out: dict[str, object] = {p.relative_to(folder).as_posix(): p.read_bytes()
                              for p in folder.rglob("*") if p.suffix in (".csv", ".png", ".svg", ".html", ".pdf")}
    nb = nbformat.read(next(folder.glob("*.ipynb")), as_version=4)
    out["cells"] = [(c.get("execution_count"), c.get("outputs")) for c in nb.cells if c.cell_type == "code"]
    return out


FORK = pytest.mark.skipif(
    not (hasattr(os, "fork") and hasattr(socket, "SOCK_SEQPACKET")),
    reason="kernels and export helpers are forked on Linux-like systems only")


@FORK
def test_reused_and_forked_kernels_give_the_outputs_of_a_fresh_one(first_run, project, tmp_path, monkeypatch):
    # one worker runs 2013, 2014 then trends in one kernel; two workers run
    # them in kernels forked by the fork server; compare with a kernel per report
    warm = run_reports(all=True, output_dir=tmp_path / "warm", jobs=1, force=True, echo=lambda s: None)
    forked = run_reports(all=True, output_dir=tmp_path / "forked", jobs=2, force=True, echo=lambda s: None)
    monkeypatch.setenv("BARO_KERNEL_REUSE", "0")
    cold = run_reports(all=True, output_dir=tmp_path / "cold", jobs=1, force=True, echo=lambda s: None)
    assert warm.ok and forked.ok and cold.ok

    def manifest(kind: str, name: str) -> dict:
        return json.loads((tmp_path / kind / name / "manifest.json").read_text())
    names = ("2013", "2014", "trends")
    assert [manifest("warm", n)["kernel_report"] for n in names] == [1, 2, 3]
    assert [manifest("cold", n)["kernel_report"] for n in names] == [1, 1, 1]
    assert not any(manifest(kind, n)["kernel_forked"] for kind in ("warm", "cold") for n in names)
    assert all(manifest("forked", n)["kernel_forked"] for n in names)
    for kind in ("warm", "forked"):
        for name in names:
            a, b = _report_bytes(tmp_path / kind / name), _report_bytes(tmp_path / "cold" / name)
            assert a.keys() == b.keys() and len(a) >= 3
            for key in a:
                assert a[key] == b[key], f"{name}: {key} differs between a {kind} and a fresh kernel"


@FORK
def test_fork_server_refuses_another_interpreter_and_the_worker_launches_its_kernel(project, tmp_path, monkeypatch):
    from baro.run import forkserver
    from baro.run.worker import WarmKernel

    path = str(tmp_path / "socket")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(4)
    server = subprocess.Popen(
        [sys.executable, "-m", "baro.run.forkserver", str(listener.fileno())],
        stdin=subprocess.PIPE, pass_fds=(listener.fileno(),), start_new_session=True,
    )
    listener.close()
    try:
        with open(os.devnull, "wb") as null:
            with pytest.raises(OSError, match="not this server's interpreter"):
                forkserver.request_kernel(path, ["/elsewhere/python", "-m", "ipykernel_launcher", "-f", "c.json"],
                                          str(tmp_path), dict(os.environ), [null.fileno(), null.fileno()])
    finally:
        server.stdin.close()
        assert server.wait(30) == 0
    # no server listens there any more: the kernel is launched the usual way, and works
    monkeypatch.setenv(forkserver.SOCKET_ENV, path)
    kernel = WarmKernel(tmp_path, lambda event: None)
    try:
        assert not kernel.forked
        kernel.prime([])
        assert kernel.km.provisioner.process.poll() is None
    finally:
        kernel.close()


# ---------------------------------------------------------------- failures


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file() and "failed" not in p.parts}


def _kernels() -> set[int]:
    """Kernels (launched or forked) and kernel fork servers running on this machine."""
    return {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _is_kernel(int(p.name))}


def _is_kernel(pid: int) -> bool:
    # a forked kernel keeps its server's command line
    command = _cmdline(pid)
    return "ipykernel" in command or "baro.run.forkserver" in command


def test_broken_data_is_refused_before_any_report_runs_and_keeps_the_previous_report(first_run, tmp_path):
    # the workers boot their kernels while the tables are checked: a refusal
    # must stop them, leaving no kernel behind
    _, out, _ = first_run
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "cities.csv").write_text(CITIES.replace("intercommunalite", "hameau"), encoding="utf-8")
    (broken / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    before = _snapshot(out / "2014")
    kernels = _kernels() if Path("/proc").is_dir() else set()
    done = _cli("run", "2014", "--output", str(out), "--data", str(broken), "-j", "1")
    assert done.returncode == 2
    assert "cities.csv, row 5, column 'kind': 'hameau': unknown kind" in done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    assert _snapshot(out / "2014") == before
    assert not (out / "2014" / "failed").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    if Path("/proc").is_dir():
        assert _still_running(_kernels() - kernels, _is_kernel) == []


def test_failing_cell_keeps_the_failed_notebook_and_the_previous_report(first_run):
    _, out, _ = first_run
    before = _snapshot(out / "2014")
    done = _cli("run", "2014", "--output", str(out), "--force", "-p", "fail=true", "-j", "1")
    assert done.returncode == 1
    assert "edition_report.ipynb, cell 8 (`if fail:`): ValueError: failure requested by the parameter fail" in done.stdout
    assert "summary: 0 ran, 0 up to date, 1 failed" in done.stdout
    assert _snapshot(out / "2014") == before
    failed = out / "2014" / "failed"
    kept = json.loads((failed / "2014.ipynb").read_text(encoding="utf-8"))
    assert any(o.get("ename") == "ValueError" for c in kept["cells"] for o in c.get("outputs", []))
    assert "cell 8" in (failed / "error.txt").read_text(encoding="utf-8")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_failed_run_without_previous_report_leaves_only_failed(project, tmp_path):
    out = tmp_path / "out"
    summary = run_reports([2014], output_dir=out, parameters=["fail=true"], echo=lambda s: None)
    assert summary.failed == ["2014"] and not summary.ok
    assert "cell 8 (`if fail:`): ValueError: failure requested by the parameter fail" in summary.results[0].message
    assert sorted(p.name for p in out.iterdir()) == ["2014"]
    assert sorted(p.name for p in (out / "2014").iterdir()) == ["failed"]


# ---------------------------------------------------------------- Ctrl-C


def _parent(pid: int) -> int:
    """The parent of process ``pid`` (0 if it is gone)."""
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            children.setdefault(_parent(int(entry.name)), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _still_running(pids: set[int], test, within: float = 10.0) -> list[int]:
    """The processes of ``pids`` for which ``test(pid)`` still holds after ``within`` seconds.

    A killed process may take a moment to leave the process table (a zombie
    has no command line); a busy machine makes that moment longer.
    """
    deadline = time.monotonic() + within
    while True:
        running = [p for p in pids if Path(f"/proc/{p}").exists() and test(p)]
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.1)


def _run_all_in_background(out: Path, sleep: float) -> subprocess.Popen:
    """``baro run --all -j 2``, each report's last cell waiting ``sleep`` seconds."""
    return subprocess.Popen(
        [sys.executable, "-m", "baro", "run", "--all", "-j", "2", "--output", str(out), "-p", f"sleep={sleep}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the kernel processes")
def test_ctrl_c_leaves_no_kernel_and_no_partial_output(project, tmp_path):
    out = tmp_path / "out"
    # two workers busy with the editions, trends waiting: none may start after Ctrl-C
    proc = _run_all_in_background(out, sleep=60)
    kernels: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(kernels) < 2:
        time.sleep(0.2)
        processes = {p for p in _descendants(proc.pid) if _is_kernel(p)}
        servers = {p for p in processes if "baro.run.forkserver" in _cmdline(p)}
        # kernels: launched by a worker, or forked by the server (its children)
        kernels = (processes - servers) | {p for s in servers for p in _descendants(s)}
    assert len(kernels) == 2, "the two kernels did not start"
    time.sleep(2.0)  # let the kernel reach the sleeping cell
    everything = kernels | {p for p in _descendants(proc.pid) if _is_kernel(p)}
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert _still_running(everything, _is_kernel) == []
    assert not out.exists() or [p.name for p in out.iterdir()] == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_a_killed_worker_fails_its_report_and_takes_its_kernel_and_helper_along(project, tmp_path):
    out = tmp_path / "out"
    proc = _run_all_in_background(out, sleep=4)
    lines = []
    for line in proc.stdout:  # both workers have started executing
        lines.append(line)
        if sum(" execute ..." in seen for seen in lines) == 2:
            break
    # the workers are children of baro run (their export helpers, their children, look the same)
    workers = [p for p in _descendants(proc.pid) if "baro.run.worker" in _cmdline(p) and _parent(p) == proc.pid]
    victim = sorted(workers)[0]  # it runs 2013 or 2014
    doomed = {victim} | _descendants(victim)  # its export helper (and a kernel it launched)
    os.kill(victim, signal.SIGKILL)
    rest, err = proc.communicate(timeout=120)
    text = "".join(lines) + rest
    assert proc.returncode == 1, text + err
    assert "Traceback" not in err
    assert re.search(r"\b(2013|2014): the worker process ended \(status -9\)", text), text
    assert "summary: 2 ran, 0 up to date, 1 failed" in text
    assert _still_running(doomed, _cmdline) == []
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


# ---------------------------------------------------------------- import cost


#: What a light command must not import (each costs tenths of a second or more).
HEAVY = ("pandas", "scipy", "seaborn", "matplotlib", "papermill", "nbconvert", "mistune", "weasyprint",
         "numpy", "jupyter_client", "nbformat")


def _heavy_imports(code: str) -> tuple[str, list[str]]:
    """Run ``code`` in a fresh interpreter; return what it printed and the heavy modules it imported.

    Speed itself is measured by benchmarks/bench_run.py, not here: what a
    command imports is what makes it slow, and that does not depend on how
    busy the machine is.
    """
    code += f"\nimport sys; print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    printed, _, heavy = done.stdout.rpartition("HEAVY:")
    return printed, [m for m in heavy.strip().split(",") if m]


def _cli_code(*args: str) -> str:
    return f"from baro.cli import main\ntry:\n    main({list(args)!r})\nexcept SystemExit as e:\n    assert not e.code, e.code"


def test_import_baro_is_light():
    modules = "baro, baro.cli, baro.paths, baro.errors, baro.editions, baro.taxonomy, baro.run, baro.run.plan"
    assert _heavy_imports(f"import {modules}")[1] == []


def test_help_imports_no_heavy_library():
    for args in (("--help",), ("run", "--help")):
        printed, heavy = _heavy_imports(_cli_code(*args))
        assert "usage: baro" in printed and heavy == []
    assert "--force" in printed  # the run command's own help


# ---------------------------------------------------------------- worker processes


@FORK
def test_a_worker_exports_two_reports_at_once_with_its_helper(first_run, tmp_path):
    # two executed reports sent back to back: the worker exports the first,
    # its helper (a fork of it) the second; both land in place
    _, out, _ = first_run
    jobs = plan_jobs([2013, 2014], output_dir=tmp_path / "out")
    payloads = []
    for job in jobs:
        tmp = tmp_path / "out" / f".{job.name}.tmp-test"
        shutil.copytree(out / job.name, tmp, ignore=shutil.ignore_patterns("report.*", "manifest.json"))
        payloads.append({"job": job.to_json(), "tmp": str(tmp), "start": "2026-01-01T00:00:00+00:00",
                         "started": time.time(), "timings": {"execute": 0.0}, "kernel_report": 1})
    # a fork server that is not there: the worker takes the forking path, and
    # launches its kernel itself
    env = {**os.environ, "BARO_FORKSERVER": str(tmp_path / "no-server")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "baro.run.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env=env, start_new_session=True,
    )
    events = []
    try:
        for payload in payloads:
            worker.stdin.write(json.dumps({"op": "export", "export": payload}) + "\n")
        worker.stdin.flush()
        for line in worker.stdout:
            events.append(json.loads(line))
            if sum(e["event"] == "done" for e in events) == 2:
                break
        worker.stdin.close()
        assert worker.wait(60) == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert {"event": "slots", "export": 2} in events
    done = {e["name"]: e for e in events if e["event"] == "done"}
    assert {n: e["status"] for n, e in done.items()} == {"2013": "ran", "2014": "ran"}
    assert sorted(e["exporter"] for e in done.values()) == ["helper", "worker"]
    for job in jobs:
        assert (job.output / "report.pdf").read_bytes().startswith(b"%PDF")
        assert (job.output / "manifest.json").is_file()
    assert not list((tmp_path / "out").glob(".*"))


@pytest.mark.skipif(not Path("/proc/self/autogroup").is_file(), reason="no autogroup scheduling here")
def test_a_worker_lowers_the_priority_of_its_own_session_only():
    # Some systems list /proc/self/autogroup without letting a process read
    # it (containers that emulate /proc): the child says so and the test skips.
    code = (
        "from baro.run.worker import _lower_session_priority as lower, session_niceness as read\n"
        "before = read()\n"
        "if before is None: print('unreadable'); raise SystemExit\n"
        "print(lower(5), read() - before)\n"
    )

    def run(**options):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, **options)
        assert done.returncode == 0, done.stderr
        if done.stdout.split() == ["unreadable"]:
            pytest.skip("this system does not let a process read its session's priority")
        return done.stdout.split()

    assert run() == ["False", "0"]  # not a session leader: the caller's session is left alone
    own = run(start_new_session=True)
    if own[0] == "False":
        pytest.skip("this system does not let a process make its session nicer")
    assert own == ["True", "5"]
