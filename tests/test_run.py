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
    from baro.page import page_text

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


# ---------------------------------------------------------------- failures


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file() and "failed" not in p.parts}


def _is_kernel(pid: int) -> bool:
    return "ipykernel" in _cmdline(pid)


def test_broken_data_is_refused_before_any_report_runs_and_keeps_the_previous_report(first_run, tmp_path):
    _, out, _ = first_run
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "cities.csv").write_text(CITIES.replace("intercommunalite", "hameau"), encoding="utf-8")
    (broken / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    before = _snapshot(out / "2014")
    done = _cli("run", "2014", "--output", str(out), "--data", str(broken), "-j", "1")
    assert done.returncode == 2
    assert "cities.csv, row 5, column 'kind': 'hameau': unknown kind" in done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    assert _snapshot(out / "2014") == before
    assert not (out / "2014" / "failed").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


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


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_all_in_background(out: Path, sleep: float) -> subprocess.Popen:
    """``baro run --all -j 2``, each report's last cell waiting ``sleep`` seconds.

    Ctrl-C reaches it whatever the test suite inherited: a suite started in
    the background by a shell ignores SIGINT, and so would its children.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "baro", "run", "--all", "-j", "2", "--output", str(out), "-p", f"sleep={sleep}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint,
    )


PROC = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the processes a run started")


def _wait_for_lines(proc: subprocess.Popen, text: str, count: int) -> list[str]:
    """Read ``proc``'s stdout until ``count`` lines contain ``text``."""
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if sum(text in seen for seen in lines) == count:
            return lines
    raise AssertionError("the run ended first:\n" + "".join(lines) + proc.stderr.read())


def _kernels_of(pid: int, count: int) -> set[int]:
    """The kernels under process ``pid`` once there are ``count`` (each runs a notebook's cell)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        kernels = {p for p in _descendants(pid) if _is_kernel(p)}
        if len(kernels) >= count:
            return kernels
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} kernels started")


@PROC
def test_ctrl_c_leaves_no_kernel_and_no_partial_output(project, tmp_path):
    out = tmp_path / "out"
    # two workers busy with the editions, trends waiting: none may start after Ctrl-C
    proc = _run_all_in_background(out, sleep=60)
    _wait_for_lines(proc, " execute ...", 2)
    workers = {p for p in _descendants(proc.pid) if _parent(p) == proc.pid and "spawn_main" in _cmdline(p)}
    kernels = _kernels_of(proc.pid, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert _still_running(kernels | workers, _cmdline) == []
    assert not out.exists()  # made by the run, and left empty


@PROC
def test_a_killed_run_takes_its_workers_and_kernels_along_and_they_write_nothing(project, tmp_path):
    out = tmp_path / "out"
    proc = _run_all_in_background(out, sleep=60)
    _wait_for_lines(proc, " execute ...", 2)
    workers = {p for p in _descendants(proc.pid) if _parent(p) == proc.pid and "spawn_main" in _cmdline(p)}
    kernels = _kernels_of(proc.pid, 2)
    assert len(workers) == 2
    proc.kill()
    proc.communicate(timeout=60)
    assert _still_running(workers | kernels, _cmdline) == []
    # nothing written: only the temporary folders of the two reports that were executing
    left = sorted(p.name for p in out.iterdir())
    assert len(left) == 3 and left[-1] == ".baro.lock", left
    assert all(re.fullmatch(r"\.201[34]\.tmp-\w+", name) for name in left[:-1]), left
    # the next run removes them: their run's lock is gone
    done = _cli("run", "2013", "--output", str(out), "-j", "1")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["2013"]


@PROC
def test_a_killed_worker_fails_the_run_and_leaves_nothing_behind(project, tmp_path):
    # the pool cannot go on without it: the reports not done fail, saying so
    out = tmp_path / "out"
    proc = _run_all_in_background(out, sleep=60)
    _wait_for_lines(proc, " execute ...", 2)
    workers = {p for p in _descendants(proc.pid) if _parent(p) == proc.pid and "spawn_main" in _cmdline(p)}
    kernels = _kernels_of(proc.pid, 2)
    os.kill(min(workers), signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert "summary: 0 ran, 0 up to date, 3 failed" in stdout
    assert "the worker process ended" in stdout
    assert _still_running(workers | kernels, _cmdline) == []
    assert not out.exists() or not [p for p in out.iterdir() if p.name.startswith(".")]


def _edited_notebook(tmp_path: Path, after: int, source: str) -> Path:
    """The test edition notebook with a code cell ``source`` inserted after cell ``after``."""
    nb = json.loads((NOTEBOOKS / "edition_report.ipynb").read_text(encoding="utf-8"))
    cell = {"cell_type": "code", "id": "inserted", "metadata": {}, "source": source,
            "outputs": [], "execution_count": None}
    nb["cells"].insert(after + 1, cell)
    path = tmp_path / "edition_report.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_a_report_does_not_see_what_the_report_before_it_set(project, tmp_path):
    # -j 1: one worker runs 2013 then 2014; each in a kernel of its own
    notebook = _edited_notebook(tmp_path, 1, (
        "import json, numpy, pandas\n"
        "seen = {'precision': pandas.get_option('display.precision'), 'global': 'LEFT_BY_2013' in globals(),\n"
        "        'random': float(numpy.random.random())}\n"
        "pathlib.Path(output_dir, 'seen.json').write_text(json.dumps(seen))\n"
        "pandas.set_option('display.precision', 2)\n"
        "LEFT_BY_2013 = True\n"
        "numpy.random.seed(0)\n"
    ))
    out = tmp_path / "out"
    summary = run_reports([2013, 2014], output_dir=out, jobs=1, notebooks={"edition": notebook},
                          echo=lambda s: None)
    assert summary.ran == ["2013", "2014"], summary.render()
    first, second = (json.loads((out / y / "seen.json").read_text()) for y in ("2013", "2014"))
    import numpy

    assert second["precision"] == first["precision"] == 6
    assert second["global"] is first["global"] is False
    assert second["random"] != numpy.random.RandomState(0).random_sample()


def test_a_kernel_that_dies_names_its_cell_and_failed_is_written_afresh(project, tmp_path):
    notebook = _edited_notebook(tmp_path, 5, "import os\nos._exit(1)")
    out = tmp_path / "out"
    (out / "2014" / "failed").mkdir(parents=True)
    (out / "2014" / "failed" / "error.txt").write_text("an older failure\n")
    (out / "2014" / "failed" / "stale.txt").write_text("left by an older run\n")
    summary = run_reports([2014], output_dir=out, notebooks={"edition": notebook}, echo=lambda s: None)
    assert summary.failed == ["2014"]
    message = summary.results[0].message
    assert "edition_report.ipynb, cell 6 (`import os`): DeadKernelError" in message, message
    failed = out / "2014" / "failed"
    assert sorted(p.name for p in failed.iterdir()) == ["2014.ipynb", "error.txt", "kernel.log"]
    assert "cell 6 (`import os`)" in (failed / "error.txt").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["2014"]


# ---------------------------------------------------------------- options and output folders


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_one_is_refused(project, tmp_path, jobs):
    done = _cli("run", "2014", "-j", jobs, "--output", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"baro run: error: -j {jobs}: the number of parallel jobs is at least 1"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("assignment", "expected"), [
    ("confidence_level=2", "confidence_level=2.0: expected a number strictly between 0 and 1"),
    ("confidence_level=1", "confidence_level=1.0: expected a number strictly between 0 and 1"),
    ("confidence_level=nan", "confidence_level=nan: expected a finite number"),
    ("sleep=inf", "sleep=inf: expected a finite number"),
    ("seed=-1", "seed=-1: expected an integer, 0 or more"),
])
def test_parameter_ranges_are_checked_before_any_kernel_starts(project, tmp_path, assignment, expected):
    done = _cli("run", "--all", "-p", assignment, "--output", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"baro run: error: parameter {expected}"]
    assert not (tmp_path / "out").exists()


def test_parameter_checks_cover_language_and_weighting():
    from baro.run.plan import PARAMETER_CHECKS

    test, _ = PARAMETER_CHECKS["language"]
    assert test("fr") and test("en") and not test("de")
    test, _ = PARAMETER_CHECKS["weighting"]
    assert test("none") and test("population") and not test("raking")


def test_an_output_path_that_is_a_file_is_refused(project, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("not a folder\n")
    done = _cli("run", "2014", "--output", str(path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"baro run: error: --output {path} is a file, not a folder"]
    assert path.read_text() == "not a folder\n"


def test_an_output_folder_whose_parent_is_missing_is_refused(project, tmp_path):
    out = tmp_path / "missing" / "out"
    done = _cli("run", "2014", "--output", str(out))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"baro run: error: cannot write to {out}: the folder {out.parent} does not exist"]
    assert not out.parent.exists()


def test_a_second_run_on_a_locked_folder_exits_2_naming_the_first(first_run):
    import fcntl

    _, out, _ = first_run
    before = _snapshot(out / "2014")
    with open(out / ".baro.lock", "w") as lock:  # as a run holding the folder does
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        done = _cli("run", "2014", "--force", "--output", str(out))
        (out / ".baro.lock").unlink()
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"baro run: error: another baro run (pid {os.getpid()}) is writing {out}: "
        "let it finish, or choose another --output"]
    assert _snapshot(out / "2014") == before


def test_two_runs_at_once_on_one_folder_leave_every_report_whole(project, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "baro", "run", "--all", "--force", "-j", "2", "--output", str(out)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    for code, stdout, stderr in results:
        # each ran (one after the other) or was refused, saying by whom
        assert code == 0 or (code == 2 and "another baro run (pid" in stderr), stdout + stderr
    assert 0 in [code for code, _, _ in results]
    for name in ("2013", "2014", "trends"):
        files = {p.name for p in (out / name).iterdir()}
        assert {"report.html", "report.pdf", "manifest.json", f"{name}.ipynb"} <= files, (name, files)
        assert json.loads((out / name / "manifest.json").read_text())["name"] == name
    assert sorted(p.name for p in out.iterdir()) == ["2013", "2014", "trends"]


# Read-only and full folders: a file system of its own, mounted in a mount
# namespace of the test's own (root, Linux); without root, a folder without
# write permission stands for a read-only one.
UNSHARE = shutil.which("unshare")


def _in_private_tmpfs(script: str, folder: Path, size: str = "16m") -> subprocess.CompletedProcess:
    """Run the shell ``script`` with a tmpfs of ``size`` mounted on ``folder``, seen by it alone."""
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [UNSHARE, "-m", "sh", "-c", f"mount -t tmpfs -o size={size} tmpfs '{folder}' && {script}"],
        capture_output=True, text=True, timeout=300,
    )


def _can_mount(tmp_path: Path) -> bool:
    return bool(UNSHARE) and os.geteuid() == 0 and _in_private_tmpfs("true", tmp_path / "probe").returncode == 0


def _baro(*args: str) -> str:
    return " ".join([sys.executable, "-m", "baro", *args])


def test_a_read_only_output_folder_gives_one_line_and_keeps_the_report(project, tmp_path):
    mnt = tmp_path / "mnt"
    out = mnt / "out"
    if _can_mount(tmp_path):
        # a good report, then the file system goes read-only, then a forced run
        done = _in_private_tmpfs(
            f"{_baro('run', '2014', '-j', '1', '--output', str(out))} >/dev/null && "
            f"mount -o remount,ro '{mnt}' && "
            f"{{ {_baro('run', '2014', '--force', '--output', str(out))}; echo \"status $?\"; }} && "
            f"cp -r '{out}' '{tmp_path / 'copy'}'", mnt)
        assert done.returncode == 0, done.stderr
        after = tmp_path / "copy"
    elif os.geteuid() != 0:
        assert _cli("run", "2014", "-j", "1", "--output", str(out)).returncode == 0
        out.chmod(0o555)
        try:
            forced = _cli("run", "2014", "--force", "--output", str(out))
        finally:
            out.chmod(0o755)
        done = subprocess.CompletedProcess([], 0, forced.stdout + f"status {forced.returncode}\n", forced.stderr)
        after = out
    else:
        pytest.skip("root without a private mount namespace: no folder is read-only")
    assert "status 2" in done.stdout
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"baro run: error: cannot write to {out}"), done.stderr
    assert "Read-only file system" in errors[0] or "Permission denied" in errors[0]
    assert (after / "2014" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((after / "2014" / "manifest.json").read_text())["name"] == "2014"


def test_a_full_output_folder_gives_one_line_and_keeps_the_report(project, tmp_path):
    if not _can_mount(tmp_path):
        pytest.skip("needs a file system of its own (root, unshare)")
    mnt = tmp_path / "mnt"
    out = mnt / "out"
    done = _in_private_tmpfs(
        f"{_baro('run', '2014', '-j', '1', '--output', str(out))} >/dev/null && "
        f"{{ cat /dev/zero > '{mnt}/filler' 2>/dev/null; true; }} && "
        f"{{ {_baro('run', '2014', '--force', '--output', str(out))}; echo \"status $?\"; }} && "
        f"rm '{mnt}/filler' && cp -r '{out}' '{tmp_path / 'copy'}'", mnt)
    assert done.returncode == 0, done.stderr
    assert "status 2" in done.stdout, done.stdout
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"baro run: error: cannot write to {out}"), done.stderr
    assert "No space left on device" in errors[0]
    after = tmp_path / "copy"
    assert (after / "2014" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in after.iterdir()) == ["2014"]


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
